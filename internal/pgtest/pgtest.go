// Package pgtest starts throwaway PostgreSQL servers for tests, from the
// binaries of Debian's postgresql packages, so that the code that keeps the
// kitchen's orders in PostgreSQL is tested against the real thing.
//
// A Cluster is one server with its own data directory and port, listening
// on 127.0.0.1 only and trusting every local connection. It is gone when
// the test that started it ends (Start), or when the program that
// launched it closes it (Launch). Tests that need PostgreSQL are skipped on
// a machine without it, unless RAIL_REQUIRE_POSTGRES is set (as in CI):
// then they fail.
package pgtest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The environment variables that Start reads.
const (
	// BinEnv names the folder that holds initdb and pg_ctl, to use instead
	// of the newest one under DebianRoot.
	BinEnv = "RAIL_PG_BIN"
	// RequireEnv, when set to anything, makes a test that finds no
	// PostgreSQL fail instead of skipping.
	RequireEnv = "RAIL_REQUIRE_POSTGRES"
)

// DebianRoot is where Debian's postgresql packages install each major
// version's binaries: DebianRoot/15/bin and so on.
const DebianRoot = "/usr/lib/postgresql"

// Superuser is the superuser of every cluster, which the URLs name.
const Superuser = "postgres"

// waitSeconds is how long pg_ctl waits for a server to start or stop. A
// loaded machine with two cores can take a while for a crash recovery;
// a server that takes this long is broken.
const waitSeconds = 180

// startAttempts is how many ports Start tries: another process may take
// the free port it picked before the server binds it.
const startAttempts = 3

// errNotInstalled means that no initdb and pg_ctl were found.
var errNotInstalled = errors.New("no initdb and pg_ctl")

// Cluster is a PostgreSQL server that a test started (or a program
// launched), with the data directory it alone uses. Its methods are safe for concurrent use.
type Cluster struct {
	bin     string // the folder of initdb, pg_ctl and postgres
	base    string // holds data, sockets and the log; removed at cleanup
	data    string
	sockets string
	logFile string
	// runAs is the account the server runs as when the test runs as root,
	// which PostgreSQL refuses to run as; nil to run as the test's own.
	runAs *user.User
	// durable makes the server sync to disk (Launch).
	durable bool

	mu      sync.Mutex // held while pg_ctl runs
	port    int
	running bool

	databases atomic.Int64 // how many NewDatabase made
}

// Start starts a new cluster for the test and stops it, removing its
// files, when the test ends. It finds initdb and pg_ctl in the folder that
// RAIL_PG_BIN names or else under /usr/lib/postgresql/*/bin, the highest
// version. Without them it skips the test, or fails it when
// RAIL_REQUIRE_POSTGRES is set.
//
// Run as root, it runs the server as the postgres user, on directories
// that user owns. The server listens on 127.0.0.1 on a free port and on a
// Unix socket in its own directory, trusts every local connection, and
// does not sync to disk: a test's data is lost with a crash of the
// machine, not with one of the server (see Kill).
func Start(t testing.TB) *Cluster {
	t.Helper()
	bin, err := findBin(os.Getenv(BinEnv), DebianRoot)
	if errors.Is(err, errNotInstalled) {
		if os.Getenv(RequireEnv) != "" {
			t.Fatalf("PostgreSQL is not installed: %v", err)
		}
		t.Skip("PostgreSQL is not installed (apt-get install postgresql): skipping")
	}
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	c, err := newCluster(bin)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() { c.cleanup(t) })
	if err := c.boot(func(err error) { t.Logf("pgtest: %v; trying another port", err) }); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return c
}

// Launch starts a new cluster outside of a test, for a program that
// measures the rail on PostgreSQL: call Close to stop it and remove its
// files. It finds the binaries as Start does and runs the server as Start's
// does, except that it syncs to disk (fsync and full page writes on, as
// PostgreSQL's defaults are), so that its writes cost what they cost in
// service. Without initdb and pg_ctl, the error says so.
func Launch() (*Cluster, error) {
	bin, err := findBin(os.Getenv(BinEnv), DebianRoot)
	if errors.Is(err, errNotInstalled) {
		return nil, fmt.Errorf("pgtest: PostgreSQL is not installed (apt-get install postgresql): %w", err)
	}
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	c, err := newCluster(bin)
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	c.durable = true
	if err := c.boot(nil); err != nil {
		c.Close()
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	return c, nil
}

// boot creates the cluster's data directory and starts the server on a
// free port, trying startAttempts ports; retry, if not nil, hears why an
// attempt that is not the last failed.
func (c *Cluster) boot(retry func(error)) error {
	if err := c.initdb(); err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return err
		}
		c.mu.Lock()
		c.port = port
		err = c.start()
		c.mu.Unlock()
		if err == nil {
			return nil
		}
		if attempt == startAttempts {
			return fmt.Errorf("%w\n%s", err, c.logTail())
		}
		if retry != nil {
			retry(err)
		}
	}
}

// findBin returns the folder that holds initdb and pg_ctl: dir if it is
// not "", or else the one of the highest version under root (root/*/bin).
// It returns an error wrapping errNotInstalled when root has none.
func findBin(dir, root string) (string, error) {
	if dir != "" {
		if err := hasTools(dir); err != nil {
			return "", fmt.Errorf("%s=%s: %w", BinEnv, dir, err)
		}
		return dir, nil
	}
	found, _ := filepath.Glob(filepath.Join(root, "*", "bin")) // the pattern is valid
	slices.SortFunc(found, func(a, b string) int {
		return compareVersions(filepath.Base(filepath.Dir(b)), filepath.Base(filepath.Dir(a)))
	})
	for _, d := range found {
		if hasTools(d) == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("%w under %s/*/bin", errNotInstalled, root)
}

// hasTools returns nil if dir holds the executables initdb and pg_ctl, or
// an error wrapping errNotInstalled.
func hasTools(dir string) error {
	for _, name := range []string{"initdb", "pg_ctl"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
			return fmt.Errorf("%w: %s is not an executable in %s", errNotInstalled, name, dir)
		}
	}
	return nil
}

// compareVersions compares two version numbers such as "9.6" and "15" by
// their numbers, and anything that is not a version number before them.
func compareVersions(a, b string) int {
	parse := func(s string) ([]int, bool) {
		var out []int
		for f := range strings.SplitSeq(s, ".") {
			n, err := strconv.Atoi(f)
			if err != nil {
				return nil, false
			}
			out = append(out, n)
		}
		return out, true
	}
	va, okA := parse(a)
	vb, okB := parse(b)
	if okA != okB {
		if okA {
			return 1
		}
		return -1
	}
	if c := slices.Compare(va, vb); c != 0 {
		return c
	}
	return cmp.Compare(a, b)
}

// newCluster makes the directories of a cluster whose binaries are in bin.
func newCluster(bin string) (*Cluster, error) {
	c := &Cluster{bin: bin}
	if os.Geteuid() == 0 {
		u, err := user.Lookup(Superuser)
		if err != nil {
			return nil, fmt.Errorf("running as root, PostgreSQL must run as the %s user: %w", Superuser, err)
		}
		c.runAs = u
	}
	base, err := os.MkdirTemp(os.TempDir(), "pgtest-")
	if err != nil {
		return nil, err
	}
	c.base = base
	c.data = filepath.Join(base, "data")
	c.sockets = filepath.Join(base, "sockets")
	c.logFile = filepath.Join(base, "server.log")
	if err := os.Mkdir(c.sockets, 0o700); err != nil {
		os.RemoveAll(base)
		return nil, err
	}
	if c.runAs != nil {
		uid, _ := strconv.Atoi(c.runAs.Uid) // a Unix account's IDs are numbers
		gid, _ := strconv.Atoi(c.runAs.Gid)
		for _, dir := range []string{base, c.sockets} {
			if err := os.Chown(dir, uid, gid); err != nil {
				os.RemoveAll(base)
				return nil, err
			}
		}
	}
	return c, nil
}

// initdb creates the cluster's data directory.
func (c *Cluster) initdb() error {
	return c.run("initdb", "-D", c.data, "-U", Superuser, "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync")
}

// start starts the server on c.port and waits until it takes connections.
// The caller holds c.mu.
func (c *Cluster) start() error {
	opts := []string{
		"-p", strconv.Itoa(c.port),
		"-k", "'" + c.sockets + "'", // pg_ctl hands the options to a shell
		"-c", "listen_addresses=127.0.0.1",
		"-c", "shared_buffers=32MB",
		"-c", "max_connections=200",
	}
	if !c.durable {
		opts = append(opts, "-c", "fsync=off", "-c", "full_page_writes=off")
	}
	err := c.run("pg_ctl", "start", "-D", c.data, "-l", c.logFile, "-w", "-t", strconv.Itoa(waitSeconds), "-s", "-o", strings.Join(opts, " "))
	if err != nil {
		return fmt.Errorf("start the server on port %d: %w", c.port, err)
	}
	c.running = true
	return nil
}

// stop stops the server, in pg_ctl's mode (fast or immediate), and waits
// until it has. The caller holds c.mu.
func (c *Cluster) stop(mode string) error {
	if !c.running {
		return errors.New("the server is not running")
	}
	err := c.run("pg_ctl", "stop", "-D", c.data, "-m", mode, "-w", "-t", strconv.Itoa(waitSeconds), "-s")
	if err != nil {
		return fmt.Errorf("stop the server (%s): %w", mode, err)
	}
	c.running = false
	return nil
}

// run runs one of the cluster's binaries, as the server's account, in the
// cluster's folder, without the PG* variables of the environment that
// would change what it does.
func (c *Cluster) run(name string, args ...string) error {
	argv := append([]string{filepath.Join(c.bin, name)}, args...)
	if c.runAs != nil {
		argv = append([]string{"runuser", "-u", c.runAs.Username, "--"}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = c.base
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "LC_ALL=C")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// cleanup stops the server at once, if it runs, and removes the cluster's
// files. It shows the end of the server's log when the test failed.
func (c *Cluster) cleanup(t testing.TB) {
	err := c.close(func() {
		if t.Failed() {
			t.Logf("pgtest: the end of the server's log:\n%s", c.logTail())
		}
	})
	if err != nil {
		t.Errorf("pgtest: %v", err)
	}
}

// Close stops the server of a cluster that Launch started at once, if it
// runs, and removes the cluster's files.
func (c *Cluster) Close() error { return c.close(nil) }

// close stops the server at once, if it runs, calls stopped if it is not
// nil, and removes the cluster's files.
func (c *Cluster) close(stopped func()) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	if c.running {
		errs = append(errs, c.stop("immediate"))
	}
	if stopped != nil {
		stopped()
	}
	return errors.Join(append(errs, os.RemoveAll(c.base))...)
}

// logTail returns the last lines of the server's log.
func (c *Cluster) logTail() string {
	b, err := os.ReadFile(c.logFile)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-40):], "\n")
}

// freePort returns a TCP port on 127.0.0.1 that nothing listened on a
// moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// URL returns the URL of database db of the cluster, for its superuser
// over TCP.
func (c *Cluster) URL(db string) string {
	c.mu.Lock()
	port := c.port
	c.mu.Unlock()
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(Superuser),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		Path:     "/" + db,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// NewDatabase creates a database of its own for the test, named after it,
// and returns its URL. The database goes with the cluster.
func (c *Cluster) NewDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("%s_%d", databaseName(t.Name()), c.databases.Add(1))
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		t.Fatalf("pgtest: new database: %v", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	return c.URL(name)
}

// databaseName returns a database name made from a test's name: its
// letters and digits, lower case, short enough to leave room for a
// number.
func databaseName(test string) string {
	var b strings.Builder
	b.WriteString("test_")
	for _, r := range strings.ToLower(test) {
		if b.Len() >= 48 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case !strings.HasSuffix(b.String(), "_"):
			b.WriteByte('_')
		}
	}
	return strings.TrimSuffix(b.String(), "_")
}

// Stop shuts the server down as an administrator would (pg_ctl stop -m
// fast: open connections are closed, and transactions in progress rolled
// back) and waits until it is down. Start starts it again.
func (c *Cluster) Stop(t testing.TB) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.stop("fast"); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
}

// Kill stops the server at once, as a crash would (pg_ctl stop -m
// immediate): the next Start recovers from the write-ahead log.
func (c *Cluster) Kill(t testing.TB) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.stop("immediate"); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
}

// Start starts the server that Stop or Kill stopped, on the same data and
// port, and waits until it takes connections.
func (c *Cluster) Start(t testing.TB) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		t.Fatal("pgtest: start: the server is running")
	}
	if err := c.start(); err != nil {
		t.Fatalf("pgtest: %v\n%s", err, c.logTail())
	}
}
