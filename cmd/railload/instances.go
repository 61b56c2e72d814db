package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// instancesFlag, anywhere among the arguments, makes railload measure the
// rail served by several instances on one PostgreSQL database against one
// instance on SQLite, on this machine, in one sitting:
//
//	railload -instances 1,2,3 [-screens 300] [-orders 100] [-every 100ms] [-web PATH] [-pg URL]
//	                          [-wait 10s] [-timeout 5m]
//
// It builds the rail (cmd/web) into a temporary directory unless -web
// names a binary, and starts a PostgreSQL server of its own (see
// pgtest.Launch) unless -pg names one on this machine. Then, for each
// number of screens and each number of instances N, it runs the load
// twice: first against the baseline, one instance on a new SQLite file,
// then against N instances on a new database of the server, with the
// screens spread evenly over the instances and the orders sent to each in
// turn, so that most deliveries cross from one instance to another. It
// prints each run's summary on stderr and, per number of screens, a table
// of the runs and the ratios of each PostgreSQL run's figures to those of
// the SQLite run just before it on stdout. Nothing is pinned: the
// instances, the database server and the load share the machine.
const instancesFlag = "-instances"

// maxInstances bounds -instances.
const maxInstances = 8

// instancesConfig is what the command line of -instances says.
type instancesConfig struct {
	counts   []int
	screens  []int
	orders   int
	every    time.Duration
	web      string
	pg       string
	wait     time.Duration
	timeout  time.Duration
	parallel int
}

// isInstances reports whether the arguments ask for the instances' runs.
func isInstances(args []string) bool { return hasFlag(args, instancesFlag) }

func parseInstancesFlags(args []string, stderr io.Writer) (instancesConfig, error) {
	var c instancesConfig
	fs := flag.NewFlagSet(args[0]+" "+instancesFlag, flag.ContinueOnError)
	fs.SetOutput(stderr)
	counts := fs.String("instances", "1,2,3", "comma-separated `numbers` of instances on PostgreSQL, one run each (after one on SQLite)")
	screens := fs.String("screens", "300", "comma-separated `numbers` of screens, spread over the instances")
	fs.IntVar(&c.orders, "orders", 100, "orders placed in each run")
	fs.DurationVar(&c.every, "every", 100*time.Millisecond, "`interval` between orders")
	fs.StringVar(&c.web, "web", "", "the rail's binary (cmd/web); without it, "+webPackage+" is built into a temporary directory")
	fs.StringVar(&c.pg, "pg", "", "a PostgreSQL server on this machine to create the runs' databases on (postgres://user@127.0.0.1:5432/postgres); without it, one is started")
	fs.DurationVar(&c.wait, "wait", 10*time.Second, "how long to wait for snapshots, and for deliveries after the last order")
	fs.DurationVar(&c.timeout, "timeout", 5*time.Minute, "each run stops after this `duration`")
	fs.IntVar(&c.parallel, "dial-parallel", 64, "connections each worker opens at once")
	if err := fs.Parse(args[1:]); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	var err error
	if c.counts, err = numbers(*counts, 1, maxInstances); err != nil {
		return c, fmt.Errorf("-instances: %w", err)
	}
	if c.screens, err = numbers(*screens, 1, maxCompareScreens); err != nil {
		return c, fmt.Errorf("-screens: %w", err)
	}
	if c.orders < 1 || c.orders > maxOrders {
		return c, fmt.Errorf("-orders must be 1 to %d, got %d", maxOrders, c.orders)
	}
	if c.pg != "" && !strings.HasPrefix(c.pg, "postgres://") && !strings.HasPrefix(c.pg, "postgresql://") {
		return c, fmt.Errorf("-pg must be a postgres:// URL")
	}
	return c, checkPace(c.every, c.wait, c.timeout, c.parallel)
}

// numbers reads a comma-separated list of numbers from lo to hi, each
// once, in the order given.
func numbers(list string, lo, hi int) ([]int, error) {
	var out []int
	for v := range strings.SplitSeq(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < lo || n > hi {
			return nil, fmt.Errorf("%q is not a number from %d to %d", v, lo, hi)
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, nil
}

// instanceRuns is one sitting of -instances.
type instanceRuns struct {
	cfg   instancesConfig
	dir   string // temporary: the binary, the SQLite files, the servers' logs
	web   string
	db    *database
	runs  int // how many runs have started, for names
	logw  io.Writer
	start time.Time
}

// instances runs -instances.
func instances(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseInstancesFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	r := &instanceRuns{cfg: cfg, logw: stderr, start: time.Now()}
	if r.dir, err = os.MkdirTemp("", "railload-instances-"); err != nil {
		return err
	}
	defer os.RemoveAll(r.dir)
	if r.web, err = buildWeb(ctx, cfg.web, r.dir, stderr); err != nil {
		return err
	}
	if r.db, err = openDatabase(ctx, cfg.pg, stderr); err != nil {
		return err
	}
	defer r.db.close()

	fmt.Fprintf(stdout, "railload -instances: %s, %d CPU(s), not pinned: the instances, PostgreSQL and the load share them\n",
		runtime.Version(), runtime.NumCPU())
	fmt.Fprintf(stdout, "PostgreSQL %s (%s); %d orders per run, one every %v, to the instances in turn; every run starts fresh servers on a new database\n",
		r.db.version, r.db.origin, cfg.orders, cfg.every)
	var errs []error
	for _, screens := range cfg.screens {
		var sets []instanceSet
		for _, n := range cfg.counts {
			if err := ctx.Err(); err != nil {
				return err
			}
			set := instanceSet{instances: n}
			workers := workersFor(screens, n)
			set.sqlite, set.sqliteErr = r.run(ctx, "sqlite", 1, screens, workers)
			set.postgres, set.postgresErr = r.run(ctx, "postgres", n, screens, workers)
			for _, err := range []error{set.sqliteErr, set.postgresErr} {
				if err != nil {
					errs = append(errs, fmt.Errorf("%d screens, %d instance(s): %w", screens, n, err))
				}
			}
			sets = append(sets, set)
		}
		printInstances(stdout, screens, sets)
	}
	fmt.Fprintf(stdout, "\nin %v\n", time.Since(r.start).Round(time.Second))
	return errors.Join(errs...)
}

// workersFor is how many workers open screens screens for n instances: a
// multiple of n, so that each instance has as many screens, and never more
// than maxScreensPerWorker screens each. The baseline runs with as many,
// so that only the servers differ.
func workersFor(screens, n int) int {
	perInstance := (screens + n - 1) / n
	return n * ((perInstance + maxScreensPerWorker - 1) / maxScreensPerWorker)
}

// run starts n fresh instances of the rail on a store of kind ("sqlite":
// n is 1; "postgres": a new database), runs the load with screens screens
// against them and stops them.
func (r *instanceRuns) run(ctx context.Context, kind string, n, screens, workers int) (metrics, error) {
	r.runs++
	name := fmt.Sprintf("%s_%d_%d", kind, screens, r.runs)
	fmt.Fprintf(r.logw, "\nrailload: %d screens on %d instance(s) on %s\n", screens, n, kind)
	var db string
	dbPID := 0
	switch kind {
	case "sqlite":
		db = filepath.Join(r.dir, name+".db")
	default:
		var err error
		if db, err = r.db.create(ctx, name); err != nil {
			return metrics{}, err
		}
		defer r.db.drop(name)
		dbPID = r.db.pid
	}
	var servers []*server
	defer func() { stopAll(servers) }()
	for i := range n {
		argv := []string{r.web, "-addr", "127.0.0.1:0", "-db", db, "-demo=false", "-max-screens", "-1"}
		srv, err := startServer(ctx, fmt.Sprintf("instance %d on %s", i+1, kind), argv, filepath.Join(r.dir, fmt.Sprintf("%s-%d.log", name, i+1)))
		if err != nil {
			return metrics{}, err
		}
		servers = append(servers, srv)
	}
	t, err := newTarget(ctx, servers[0].url)
	if err != nil {
		return metrics{}, err
	}
	cfg := config{
		url: servers[0].url, screens: screens, views: []string{expo}, orders: r.cfg.orders, every: r.cfg.every,
		wait: r.cfg.wait, timeout: r.cfg.timeout, pid: servers[0].pid, spread: true, parallel: r.cfg.parallel,
		workers: workers, dbPID: dbPID,
	}
	for _, s := range servers[1:] {
		cfg.others = append(cfg.others, s.url)
		cfg.morePIDs = append(cfg.morePIDs, s.pid)
	}
	sum := &summary{cfg: cfg}
	if sum.srvBefore, err = sampleProcs(cfg.pid, cfg.morePIDs); err != nil {
		return metrics{}, err
	}
	err = load(ctx, cfg, t, r.logw, sum)
	sum.print(r.logw)
	if err != nil {
		var tails []string
		for i, s := range servers {
			tails = append(tails, fmt.Sprintf("instance %d: %s", i+1, s.tail()))
		}
		err = fmt.Errorf("%w (server logs: %s)", err, strings.Join(tails, "; "))
	}
	return sum.metrics(), err
}

// stopAll stops every server at once and waits for them.
func stopAll(servers []*server) {
	var wg sync.WaitGroup
	for _, s := range servers {
		wg.Go(s.stop)
	}
	wg.Wait()
}

// instanceSet is the two runs for one number of instances: the SQLite
// baseline and the instances on PostgreSQL.
type instanceSet struct {
	instances              int
	sqlite, postgres       metrics
	sqliteErr, postgresErr error
}

// printInstances writes the table of one number of screens' runs, and the
// ratios of each PostgreSQL run to the SQLite run before it.
func printInstances(w io.Writer, screens int, sets []instanceSet) {
	fmt.Fprintf(w, "\n== %d screens\n", screens)
	var runs, ratios strings.Builder
	tr := newTable(&runs)
	fmt.Fprintln(tr, "instances\tstore\tdeliveries\tmissing\tlost\tlast p50\tlast p99\tdeliv p50\tdeliv p99\tapi p50\tapi p99\tcpu ms/1k\tdb ms/1k\tservers cpu\tdb cpu\tload cpu\tother cpu\t")
	var failures []string
	row := func(n int, store string, m metrics, err error) {
		if err != nil {
			failures = append(failures, fmt.Sprintf("%d %s: %v", n, store, err))
		}
		if err != nil && m.orders == 0 {
			fmt.Fprintf(tr, "%d\t%s\tfailed\t\n", n, store)
			return
		}
		db, dbShare := "-", "-"
		if store != "sqlite" {
			db, dbShare = fmt.Sprintf("%.2f", ms(m.dbPer1k)), fmt.Sprintf("%.0f%%", 100*m.dbShare)
		}
		fmt.Fprintf(tr, "%d\t%s\t%d of %d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%.2f\t%s\t%.0f%%\t%s\t%.0f%%\t%.0f%%\t\n",
			n, store, m.deliveries, m.deliveries+m.missing, m.missing, m.lost,
			msString(m.toLast[0]), msString(m.toLast[1]), msString(m.delivery[0]), msString(m.delivery[1]),
			msString(m.api[0]), msString(m.api[1]), ms(m.cpuPer1k), db,
			100*m.serverShare, dbShare, 100*m.loadShare, 100*m.otherShare)
	}
	tq := newTable(&ratios)
	fmt.Fprintln(tq, "instances\tlast p50\tlast p99\tdeliv p50\tdeliv p99\tapi p50\tapi p99\tcpu+db per delivery\t")
	for _, s := range sets {
		row(s.instances, "sqlite", s.sqlite, s.sqliteErr)
		row(s.instances, "postgres", s.postgres, s.postgresErr)
		if s.sqliteErr != nil || s.postgresErr != nil {
			fmt.Fprintf(tq, "%d%s\t\n", s.instances, strings.Repeat("\tn/a", 7))
			continue
		}
		p, b := s.postgres, s.sqlite
		fmt.Fprintf(tq, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", s.instances,
			ratio(p.toLast[0], b.toLast[0]), ratio(p.toLast[1], b.toLast[1]),
			ratio(p.delivery[0], b.delivery[0]), ratio(p.delivery[1], b.delivery[1]),
			ratio(p.api[0], b.api[0]), ratio(p.api[1], b.api[1]), ratio(p.cpuPer1k+p.dbPer1k, b.cpuPer1k))
	}
	tr.Flush()
	tq.Flush()
	io.WriteString(w, runs.String())
	for _, f := range failures {
		fmt.Fprintf(w, "- failed: %s\n", f)
	}
	fmt.Fprintln(w, "(each sqlite run is one instance on a new SQLite file, run just before the postgres one beside it;")
	fmt.Fprintln(w, " last: POST to the last screen, per order; deliv: POST to each screen; api: POST to 201; all in ms;")
	fmt.Fprintln(w, " cpu ms/1k: the instances' CPU in the phase per 1,000 deliveries; db ms/1k: PostgreSQL's;")
	fmt.Fprintln(w, " servers, db, load and other cpu: shares of one core in the phase, of the instances, PostgreSQL,")
	fmt.Fprintln(w, " railload's screens and the rest of the machine; lost: screens whose socket ended before the run closed it)")
	fmt.Fprintln(w, "\nratios postgres/sqlite, each to the SQLite run of its own row (cpu+db: the instances' and PostgreSQL's CPU against SQLite's instance):")
	io.WriteString(w, ratios.String())
}

// newTable is a tab writer of right-aligned columns.
func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
}

// database is the PostgreSQL server the runs make their databases on.
type database struct {
	admin   *url.URL // a database to connect to for creating and dropping the runs'
	origin  string   // "started by railload" or "-pg"
	version string
	pid     int // the server's main process, or 0 when it is not found
	close   func()
	logw    io.Writer
}

// databaseURL is the URL of database name on the server of admin.
func databaseURL(admin *url.URL, name string) string {
	u := *admin
	u.Path, u.RawPath = "/"+name, ""
	return u.String()
}
