package pgtest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// connect connects to url and fails the test if that fails.
func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect to %s: %v", url, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// count returns the number of rows of the table kept, which the test
// created.
func count(t *testing.T, conn *pgx.Conn) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM kept`).Scan(&n); err != nil {
		t.Fatalf("count: %v", err)
	}
	return n
}

func TestCluster(t *testing.T) {
	c := Start(t)
	url := c.NewDatabase(t)
	other := c.NewDatabase(t)
	if url == other {
		t.Fatalf("NewDatabase twice gave %s both times", url)
	}
	conn := connect(t, url)
	ctx := t.Context()
	if _, err := conn.Exec(ctx, `CREATE TABLE kept (n int); INSERT INTO kept VALUES (1)`); err != nil {
		t.Fatalf("create a table: %v", err)
	}
	var encoding string
	if err := conn.QueryRow(ctx, `SHOW server_encoding`).Scan(&encoding); err != nil || encoding != "UTF8" {
		t.Errorf("server_encoding = %q, %v; want UTF8", encoding, err)
	}

	c.Stop(t)
	if err := conn.Ping(ctx); err == nil {
		t.Error("Ping after Stop succeeded")
	}
	short, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if conn, err := pgx.Connect(short, url); err == nil {
		conn.Close(ctx)
		t.Error("Connect after Stop succeeded")
	}

	c.Start(t)
	if n := count(t, connect(t, url)); n != 1 {
		t.Errorf("after a restart the table has %d rows; want 1", n)
	}

	again := connect(t, url)
	if _, err := again.Exec(ctx, `INSERT INTO kept VALUES (2)`); err != nil {
		t.Fatalf("insert: %v", err)
	}
	c.Kill(t)
	c.Start(t)
	if n := count(t, connect(t, url)); n != 2 {
		t.Errorf("after a crash the table has %d rows; want 2", n)
	}
	if url2 := c.URL("x"); url2 == "" || url2 != c.URL("x") {
		t.Errorf("URL is not stable: %q", url2)
	}
}

// TestCleanup checks that a cluster is gone, files and all, when its test
// ends.
func TestCleanup(t *testing.T) {
	var c *Cluster
	t.Run("cluster", func(t *testing.T) { c = Start(t) })
	if c == nil {
		t.Skip("no cluster was started")
	}
	if _, err := os.Stat(c.base); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the cluster's folder is still there: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if conn, err := pgx.Connect(ctx, c.URL("postgres")); err == nil {
		conn.Close(ctx)
		t.Error("the server takes connections after its test ended")
	}
}

func TestFindBin(t *testing.T) {
	root := t.TempDir()
	tool := func(version string, names ...string) string {
		dir := filepath.Join(root, version, "bin")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	if _, err := findBin("", root); !errors.Is(err, errNotInstalled) {
		t.Errorf("findBin in an empty folder: %v; want errNotInstalled", err)
	}
	tool("9.6", "initdb", "pg_ctl")
	v10 := tool("10", "initdb", "pg_ctl")
	tool("17", "initdb") // no pg_ctl: not a whole installation
	tool("common")
	if got, err := findBin("", root); got != v10 || err != nil {
		t.Errorf("findBin = %q, %v; want %q", got, err, v10)
	}
	v16 := tool("16", "initdb", "pg_ctl")
	if got, err := findBin("", root); got != v16 || err != nil {
		t.Errorf("findBin = %q, %v; want %q", got, err, v16)
	}
	if got, err := findBin(v10, root); got != v10 || err != nil {
		t.Errorf("findBin(%q) = %q, %v; want it", v10, got, err)
	}
	if _, err := findBin(filepath.Join(root, "17", "bin"), root); err == nil {
		t.Error("findBin(a folder without pg_ctl) succeeded")
	}
}

func TestDatabaseName(t *testing.T) {
	for _, tc := range []struct{ test, want string }{
		{"TestStore", "test_teststore"},
		{"TestStore/Insert_Get", "test_teststore_insert_get"},
		{"TestX/ü/#01", "test_testx_01"},
		{"TestAVeryLongNameThatGoesOnAndOnAndOnForeverAndEver", "test_testaverylongnamethatgoesonandonandonforeve"},
	} {
		if got := databaseName(tc.test); got != tc.want {
			t.Errorf("databaseName(%q) = %q; want %q", tc.test, got, tc.want)
		}
	}
}

// TestLaunch checks that a cluster started outside of a test takes
// connections, syncs to disk, and is gone, files and all, once closed.
func TestLaunch(t *testing.T) {
	if _, err := findBin(os.Getenv(BinEnv), DebianRoot); errors.Is(err, errNotInstalled) && os.Getenv(RequireEnv) == "" {
		t.Skip("PostgreSQL is not installed (apt-get install postgresql): skipping")
	}
	c, err := Launch()
	if err != nil {
		t.Fatalf("Launch: %v", err)
	}
	closed := false
	defer func() {
		if !closed {
			c.Close()
		}
	}()
	conn := connect(t, c.URL("postgres"))
	for name, want := range map[string]string{"fsync": "on", "full_page_writes": "on", "synchronous_commit": "on"} {
		var got string
		if err := conn.QueryRow(t.Context(), `SELECT current_setting($1)`, name).Scan(&got); err != nil || got != want {
			t.Errorf("%s = %q, %v; want %q", name, got, err, want)
		}
	}
	conn.Close(t.Context())
	closed = true
	if err := c.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if _, err := os.Stat(c.base); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the cluster's folder is still there: %v", err)
	}
}
