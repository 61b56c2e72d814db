package main

import (
	"bytes"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ticketrail/ticketrail/internal/pgtest"
)

func TestInstancesFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"railload", "-instances", "1,2"}, true},
		{[]string{"railload", "-screens", "10", "--instances=3"}, true},
		{[]string{"railload", "-instances=2"}, true},
		{[]string{"railload", "-compare"}, false},
		{[]string{"railload"}, false},
	} {
		if got := isInstances(tc.args); got != tc.want {
			t.Errorf("isInstances(%q) = %v, want %v", tc.args, got, tc.want)
		}
	}
	var stderr bytes.Buffer
	c, err := parseInstancesFlags([]string{"railload", "-instances"}, &stderr)
	if err == nil {
		t.Errorf("-instances without a value accepted: %+v", c)
	}
	c, err = parseInstancesFlags([]string{"railload", "-instances", "1,2,3"}, &stderr)
	if err != nil || !slices.Equal(c.counts, []int{1, 2, 3}) || !slices.Equal(c.screens, []int{300}) ||
		c.orders != 100 || c.every != 100*time.Millisecond || c.pg != "" || c.web != "" {
		t.Errorf("defaults: %+v, %v", c, err)
	}
	c, err = parseInstancesFlags([]string{"railload", "-instances", "3, 1,3", "-screens", "10,200", "-pg", "postgres://u@127.0.0.1:5/x"}, &stderr)
	if err != nil || !slices.Equal(c.counts, []int{3, 1}) || !slices.Equal(c.screens, []int{10, 200}) || c.pg != "postgres://u@127.0.0.1:5/x" {
		t.Errorf("parseInstancesFlags = %+v, %v", c, err)
	}
	for _, bad := range [][]string{
		{"-instances", "0"}, {"-instances", "9"}, {"-instances", "1,x"}, {"-screens", "0"}, {"-screens", "20000"},
		{"-orders", "0"}, {"-pg", "host=127.0.0.1"}, {"-every", "0s"}, {"-targets", "raw"},
	} {
		if _, err := parseInstancesFlags(append([]string{"railload", "-instances", "2"}, bad...), &stderr); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestWorkersFor(t *testing.T) {
	for _, tc := range []struct{ screens, instances, want int }{
		{300, 1, 1}, {300, 3, 3}, {3, 3, 3}, {1, 2, 2}, {8000, 1, 2}, {9000, 2, 4}, {12000, 3, 3},
	} {
		if got := workersFor(tc.screens, tc.instances); got != tc.want {
			t.Errorf("workersFor(%d, %d) = %d, want %d", tc.screens, tc.instances, got, tc.want)
		}
	}
}

func TestDatabaseURL(t *testing.T) {
	admin, err := url.Parse("postgres://postgres:secret@127.0.0.1:5432/postgres?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := databaseURL(admin, "sqlite_300_1"), "postgres://postgres:secret@127.0.0.1:5432/sqlite_300_1?sslmode=disable"; got != want {
		t.Errorf("databaseURL = %q, want %q", got, want)
	}
	if admin.Path != "/postgres" {
		t.Errorf("databaseURL changed its argument: %v", admin)
	}
}

func TestPrintInstances(t *testing.T) {
	ms := func(n float64) time.Duration { return time.Duration(n * float64(time.Millisecond)) }
	base := metrics{deliveries: 30000, orders: 100, toLast: [2]time.Duration{ms(4), ms(10)},
		delivery: [2]time.Duration{ms(3), ms(9)}, api: [2]time.Duration{ms(2), ms(5)}, cpuPer1k: ms(20), serverShare: 0.1}
	pg := base
	pg.toLast = [2]time.Duration{ms(8), ms(30)}
	pg.missing, pg.deliveries = 3, 29997
	pg.cpuPer1k, pg.dbPer1k, pg.dbShare = ms(30), ms(10), 0.05
	var out bytes.Buffer
	printInstances(&out, 300, []instanceSet{
		{instances: 2, sqlite: base, postgres: pg},
		{instances: 3, sqlite: base, postgresErr: os.ErrDeadlineExceeded},
	})
	s := out.String()
	t.Logf("\n%s", s)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^== 300 screens$`),
		regexp.MustCompile(`(?m)^\s+2\s+sqlite\s+30000 of 30000\s+0\s+0\s+4\.00\s+10\s+3\.00\s+9\.00\s+2\.00\s+5\.00\s+20\.00\s+-\s+10%\s+-\s`),
		regexp.MustCompile(`(?m)^\s+2\s+postgres\s+29997 of 30000\s+3\s+0\s+8\.00\s+30\s.*\s30\.00\s+10\.00\s+10%\s+5%\s`),
		regexp.MustCompile(`(?m)^\s+3\s+postgres\s+failed$`),
		regexp.MustCompile(`(?m)^- failed: 3 postgres: i/o timeout$`),
		// instances, last p50, last p99, deliv p50, deliv p99, api p50, api p99, cpu+db
		regexp.MustCompile(`(?m)^\s+2\s+2\.00x\s+3\.00x\s+1\.00x\s+1\.00x\s+1\.00x\s+1\.00x\s+2\.00x$`),
		regexp.MustCompile(`(?m)^\s+3(\s+n/a){7}$`),
	} {
		if !want.MatchString(s) {
			t.Errorf("no line matches %s", want)
		}
	}
}

func TestClusterCPU(t *testing.T) {
	child := exec.Command("sleep", "30")
	if err := child.Start(); err != nil {
		t.Skipf("no child process: %v", err)
	}
	defer func() {
		child.Process.Kill()
		child.Wait()
	}()
	deadline := time.Now().Add(50 * time.Millisecond)
	for time.Now().Before(deadline) { // CPU time to measure
	}
	own, err := processCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	all, err := clusterCPU(os.Getpid())
	if err != nil || all < own {
		t.Errorf("clusterCPU = %v, %v; want at least the process's own %v", all, err, own)
	}
	one, err := sampleProcs(os.Getpid(), nil)
	if err != nil {
		t.Fatal(err)
	}
	two, err := sampleProcs(os.Getpid(), []int{child.Process.Pid})
	if err != nil || two.rss <= one.rss || two.cpu < one.cpu {
		t.Errorf("sampleProcs with a child = %+v, %v; without %+v", two, err, one)
	}
	if _, err := sampleProcs(os.Getpid(), []int{-1}); err == nil {
		t.Error("sampleProcs of no process succeeded")
	}
}

// TestInstances runs -instances at a tiny size against a PostgreSQL
// server of the test's: it builds cmd/web and runs one SQLite and one
// two-instance run. It checks what was delivered, never how fast.
func TestInstances(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the runs build cmd/web with the go command")
	}
	pg := pgtest.Start(t)
	t.Setenv(asMainEnv, "1")
	var stdout, stderr bytes.Buffer
	args := []string{"railload", "-instances", "2", "-screens", "4", "-orders", "3", "-every", "10ms",
		"-wait", "20s", "-timeout", "2m", "-pg", pg.URL("postgres")}
	if err := run(t.Context(), args, noEnv, &stdout, &stderr); err != nil {
		t.Fatalf("instances: %v\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	out := stdout.String()
	t.Logf("stdout:\n%s", out)
	for _, store := range []string{"sqlite", "postgres"} {
		// instances, store, deliveries, missing, lost
		if !regexp.MustCompile(`(?m)^\s+2\s+` + store + `\s+12 of 12\s+0\s+0\s`).MatchString(out) {
			t.Errorf("no row for %s with every delivery", store)
		}
	}
	// Six latency ratios, and CPU's, n/a when a run this short used less
	// than the kernel's tick.
	if !regexp.MustCompile(`(?m)^\s+2(\s+\d+\.\d\dx){6}\s+(\d+\.\d\dx|n/a)$`).MatchString(out) {
		t.Errorf("no ratio row")
	}
	// Each instance of the postgres run had its screens, and took orders.
	if got := strings.Count(stderr.String(), "to 2 instances (http://"); got != 1 {
		t.Errorf("%d runs on two instances on stderr, want 1", got)
	}
	if !strings.Contains(stderr.String(), "db cpu per 1000:") {
		t.Errorf("no database CPU in the postgres run's summary")
	}
}
