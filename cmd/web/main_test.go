package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/ticketrail/ticketrail/orders"
)

// server is the real server, started through run.
type server struct {
	url  string
	stop func() error // cancels run and returns its error
}

// start runs the server with args on a free port and waits for its
// "listening on" line.
func start(t *testing.T, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	done := make(chan error, 1)
	// The unseen-ticket alarms are off unless a test turns them on: a
	// test's few screens show no station's tickets.
	args = append([]string{"web", "-addr", "127.0.0.1:0", "-db", ":memory:", "-unseen-after", "0"}, args...)
	go func() {
		err := run(ctx, args, func(string) string { return "" }, w, t.Output())
		w.Close()
		done <- err
	}()
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			line <- sc.Text()
		}
		close(line)
		io.Copy(io.Discard, out)
	}()
	var first string
	select {
	case first = <-line:
	case err := <-done:
		cancel()
		t.Fatalf("run returned before listening: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("no listening line within 10 s")
	}
	m := regexp.MustCompile(`^listening on (http://127\.0\.0\.1:\d+)$`).FindStringSubmatch(first)
	if m == nil {
		cancel()
		t.Fatalf("first line %q, want \"listening on http://127.0.0.1:PORT\"", first)
	}
	var stopped bool
	var runErr error
	s := &server{url: m[1]}
	s.stop = func() error {
		if !stopped {
			stopped = true
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(10 * time.Second):
				t.Error("run did not return within 10 s of cancel")
			}
		}
		return runErr
	}
	t.Cleanup(func() {
		if err := s.stop(); err != nil {
			t.Errorf("run: %v", err)
		}
	})
	return s
}

func TestParseFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		ok   bool
	}{
		{[]string{"web"}, true},
		{[]string{"web", "-addr", ":9000", "-demo=false", "-demo-every", "250ms", "-demo-max", "0", "-store", "Harbor"}, true},
		{[]string{"web", "-demo-every", "0s"}, false},
		{[]string{"web", "-demo-every", "soon"}, false},
		{[]string{"web", "-demo-max", "-1"}, false},
		{[]string{"web", "-warn-after", "10m", "-late-after", "8m"}, false},
		{[]string{"web", "-warn-after", "2m", "-late-after", "3m"}, true},
		{[]string{"web", "-allow-origin", "pos.example.com", "-allow-origin", "*.example.com:8443"}, true},
		{[]string{"web", "-allow-origin", "[bad"}, false},
		{[]string{"web", "-nonsense"}, false},
		{[]string{"web", "extra"}, false},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, err := parseFlags(tt.args, func(string) string { return "" }, io.Discard)
			if (err == nil) != tt.ok {
				t.Errorf("parseFlags: %v, want ok=%v", err, tt.ok)
			}
		})
	}
	cfg, _ := parseFlags([]string{"web"}, func(string) string { return "" }, io.Discard)
	if cfg.addr != ":8080" || !cfg.demo || cfg.demoEvery != 4*time.Second || cfg.db != DefaultDB || cfg.apiToken != "" {
		t.Errorf("defaults %+v", cfg)
	}
	cfg, _ = parseFlags([]string{"web"}, func(k string) string { return map[string]string{"RAIL_API_TOKEN": "tok"}[k] }, io.Discard)
	if cfg.apiToken != "tok" {
		t.Errorf("RAIL_API_TOKEN gave token %q", cfg.apiToken)
	}
	pg := "postgres://rail@db.internal:5432/rail?sslmode=disable"
	env := func(k string) string { return map[string]string{"RAIL_DB": pg}[k] }
	if cfg, _ = parseFlags([]string{"web"}, env, io.Discard); cfg.db != pg {
		t.Errorf("RAIL_DB gave -db %q", cfg.db)
	}
	if cfg, _ = parseFlags([]string{"web", "-db", "kitchen.db"}, env, io.Discard); cfg.db != "kitchen.db" {
		t.Errorf("-db kitchen.db with RAIL_DB set gave %q: the flag wins", cfg.db)
	}
}

// TestDBNames checks which -db values name PostgreSQL and that the log
// never shows a password.
func TestDBNames(t *testing.T) {
	for db, pg := range map[string]bool{
		"ticketrail.db":                    false,
		":memory:":                         false,
		"postgres.db":                      false,
		"postgres://rail@localhost/rail":   true,
		"postgresql://rail@localhost/rail": true,
	} {
		if got := isPostgresURL(db); got != pg {
			t.Errorf("isPostgresURL(%q) = %v, want %v", db, got, pg)
		}
	}
	if got := redactDB("postgres://rail:s3cret@db:5432/rail?sslmode=disable"); strings.Contains(got, "s3cret") || !strings.Contains(got, "db:5432/rail") {
		t.Errorf("redactDB = %q", got)
	}
}

// TestRunRefusesUnreachableDatabase checks that a server whose PostgreSQL
// database does not answer says so and does not start.
func TestRunRefusesUnreachableDatabase(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	err = run(t.Context(), []string{"web", "-db", "postgres://rail@" + addr + "/rail?sslmode=disable&connect_timeout=5", "-addr", "127.0.0.1:0"},
		func(string) string { return "" }, io.Discard, io.Discard)
	if !errors.Is(err, orders.ErrUnavailable) {
		t.Errorf("run on a database that does not answer: %v, want an error wrapping ErrUnavailable", err)
	}
}

func TestRunRefusesBadSetup(t *testing.T) {
	if err := run(t.Context(), []string{"web", "-db", ":memory:", "-addr", "256.0.0.1:0"}, func(string) string { return "" }, io.Discard, io.Discard); err == nil {
		t.Error("run listened on an impossible address")
	}
	if err := run(t.Context(), []string{"web", "-db", ":memory:", "-addr", "127.0.0.1:0"}, func(string) string { return "loud" }, io.Discard, io.Discard); err == nil {
		t.Error("run accepted RAIL_LOG_LEVEL=loud")
	}
}

func TestServesPageAndHealth(t *testing.T) {
	s := start(t, "-demo=false")
	for _, path := range []string{"/", "/healthz"} {
		resp, err := http.Get(s.url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", path, resp.StatusCode)
		}
	}
}

// TestSIGTERMClosesSocketsWith1012 sends the process SIGTERM: open sockets
// are told 1012 (service restart), so that pages reconnect by themselves,
// and run returns nil.
func TestSIGTERMClosesSocketsWith1012(t *testing.T) {
	s := start(t, "-demo=false")
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.url, "http")+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if _, _, err := c.Read(ctx); err != nil {
		t.Fatalf("no snapshot: %v", err)
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Read(ctx)
	if got := websocket.CloseStatus(err); got != websocket.StatusServiceRestart {
		t.Fatalf("socket ended with %v, want close 1012", err)
	}
	if err := s.stop(); err != nil {
		t.Fatalf("run after SIGTERM: %v", err)
	}
	if _, err := http.Get(s.url + "/healthz"); err == nil {
		t.Error("server still answers after SIGTERM")
	}
}
