package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ticketrail/ticketrail/handlers"
	"github.com/ticketrail/ticketrail/orders"
)

// railServer is a rail on a free loopback port.
func railServer(t *testing.T) *httptest.Server {
	t.Helper()
	board := orders.NewBoard(orders.BoardConfig{})
	rail := handlers.New(handlers.Options{Board: board, Logger: slog.New(slog.DiscardHandler)})
	srv := httptest.NewServer(rail)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		rail.Close(ctx)
		srv.Close()
	})
	return srv
}

func noEnv(string) string { return "" }

// field returns the value of a "name: value" line of the summary.
func field(t *testing.T, out, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `:\s+(.*)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no %q line in:\n%s", name, out)
	}
	return m[1]
}

func TestRunDeliversEveryOrder(t *testing.T) {
	srv := railServer(t)
	var stdout, stderr bytes.Buffer
	args := []string{"railload", "-url", srv.URL, "-inproc", "-workers", "2", "-screens", "6",
		"-stations", "expo,grill,fry", "-orders", "4", "-every", "10ms", "-wait", "5s", "-timeout", "20s"}
	start := time.Now()
	if err := run(t.Context(), args, noEnv, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	out := stdout.String()
	t.Logf("in %v:\n%s", time.Since(start).Round(time.Millisecond), out)
	for name, want := range map[string]string{
		"screens connected":  "6",
		"failed connections": "0",
		"snapshots received": "6",
		"orders placed":      "4",
		"orders failed":      "0",
		"deliveries":         "24 of 24",
		"missing deliveries": "0",
		"screens lost":       "0",
	} {
		if got := field(t, out, name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	if got := field(t, out, "latency from 201"); !strings.HasPrefix(got, "p50 ") {
		t.Errorf("latency: %q", got)
	}
}

func TestRunRefusesOtherHosts(t *testing.T) {
	for _, url := range []string{
		"http://10.0.0.1:8080", "http://192.168.1.1", "http://[2001:db8::1]:8080",
		"http://example.com", "http://localhost.example.com", "http://0.0.0.0:8080", "ftp://127.0.0.1",
	} {
		var stdout, stderr bytes.Buffer
		err := run(t.Context(), []string{"railload", "-url", url, "-timeout", "2s"}, noEnv, &stdout, &stderr)
		if err == nil {
			t.Errorf("%s: run succeeded, want a refusal", url)
		}
	}
	for _, host := range []string{"127.0.0.1", "127.1.2.3", "::1", "localhost"} {
		if _, err := loopbackIP(t.Context(), host); err != nil {
			t.Errorf("%s: %v, want it accepted", host, err)
		}
	}
	if _, err := loopbackIP(t.Context(), "example.com"); !errors.Is(err, errNotLoopback) {
		t.Errorf("example.com: %v, want errNotLoopback", err)
	}
}

func TestTicketIDs(t *testing.T) {
	msg := []byte(`<hx-partial hx-target="#ticket-3" hx-swap="beforebegin"><article class="ticket" id="ticket-12" data-order-id="12">` +
		`<span id="age-12"></span></article><article id="ticket-7"></article><b id="ticket-x"></b><i id="ticket-9`)
	got := ticketIDs(nil, msg)
	if want := []int64{12, 7}; !slicesEqual(got, want) {
		t.Errorf("ticketIDs = %v, want %v", got, want)
	}
}

func slicesEqual(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
