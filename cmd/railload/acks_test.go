package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ticketrail/ticketrail/handlers"
	"github.com/ticketrail/ticketrail/orders"
)

func TestAckFor(t *testing.T) {
	msg := []byte(`<hx-partial hx-target="#rail" hx-swap="beforeend"><article id="ticket-7"></article></hx-partial>` +
		`<div id="receipt" class="receipt" hidden data-version="12" hx-ws:send hx-trigger="load" hx-vals="{&#34;action&#34;:&#34;ack&#34;,&#34;version&#34;:12}" hx-swap-oob="true"></div>`)
	ack := string(ackFor(msg))
	if !strings.HasPrefix(ack, `{"action":"ack","version":12,"headers":{`) || !strings.HasSuffix(ack, "}}") || len(ack) < 150 {
		t.Errorf("ack %q", ack)
	}
	for _, m := range []string{
		`<hx-partial hx-target="#ticket-7.leaving" hx-swap="delete"></hx-partial>`, // a follow-up
		`<div id="receipt" data-version="">`, `<div id="receipt" data-version="x1">`, `data-version="12`,
	} {
		if ack := ackFor([]byte(m)); ack != nil {
			t.Errorf("%s: ack %q", m, ack)
		}
	}
}

func TestParseSeries(t *testing.T) {
	got, err := parseSeries(strings.NewReader("# HELP x y\n# TYPE x counter\nticketrail_ack_lag_seconds_count 4200\n" +
		"ticketrail_sockets_closed_total{reason=\"unseen\"} 0\n\nticketrail_render_seconds_sum 1.5e-03\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got["ticketrail_ack_lag_seconds_count"] != 4200 || got[`ticketrail_sockets_closed_total{reason="unseen"}`] != 0 || got["ticketrail_render_seconds_sum"] != 0.0015 {
		t.Errorf("%v", got)
	}
	if _, err := parseSeries(strings.NewReader("no_value\n")); err == nil {
		t.Error("a line without a value parsed")
	}
}

func TestAcksFlags(t *testing.T) {
	cfg, err := parseAcksFlags([]string{"railload", "-acks-compare", "-screens", "100,2000", "-rounds", "3"}, &bytes.Buffer{})
	if err != nil || len(cfg.screens) != 2 || cfg.screens[1] != 2000 || cfg.rounds != 3 || cfg.orders != 100 {
		t.Fatalf("%+v %v", cfg, err)
	}
	for _, args := range [][]string{
		{"-screens", "0"}, {"-rounds", "0"}, {"-orders", "0"}, {"-screens", "10", "extra"},
	} {
		if _, err := parseAcksFlags(append([]string{"railload", "-acks-compare"}, args...), &bytes.Buffer{}); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}

func TestPrintAcks(t *testing.T) {
	ms := func(n float64) time.Duration { return time.Duration(n * float64(time.Millisecond)) }
	without := metrics{deliveries: 1000, orders: 10, toLast: [2]time.Duration{ms(10), ms(20)}, delivery: [2]time.Duration{ms(5), ms(15)},
		api: [2]time.Duration{ms(2), ms(4)}, cpuPer1k: ms(15)}
	with := without
	with.toLast, with.cpuPer1k = [2]time.Duration{ms(15), ms(30)}, ms(30)
	var out bytes.Buffer
	printAcks(&out, 100, []ackRun{{m: without}, {acks: true, m: with, acked: 1100}})
	s := out.String()
	t.Logf("\n%s", s)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^== 100 screens$`),
		regexp.MustCompile(`(?m)^\s+true\s+1000 of 1000\s+0\s+0\s+1100\s+0\s+15\s+30\s`),
		regexp.MustCompile(`cpu per delivery 2\.00x, last p50 1\.50x, last p99 1\.50x, deliv p99 1\.00x, api p99 1\.00x`),
	} {
		if !want.MatchString(s) {
			t.Errorf("no line matches %s", want)
		}
	}
}

// TestRunAcks runs the load with acking screens against a rail whose
// metrics the test reads: the server took an ack for every delivery and
// every snapshot, and closed no screen as not showing what it was sent.
func TestRunAcks(t *testing.T) {
	reg := prometheus.NewRegistry()
	board := orders.NewBoard(orders.BoardConfig{})
	rail := handlers.New(handlers.Options{Board: board, Logger: slog.New(slog.DiscardHandler), Metrics: reg})
	srv := httptest.NewServer(rail)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		rail.Close(ctx)
		srv.Close()
	})
	var stdout, stderr bytes.Buffer
	args := []string{"railload", "-url", srv.URL, "-inproc", "-screens", "4", "-stations", "expo,grill",
		"-orders", "3", "-every", "10ms", "-wait", "5s", "-timeout", "20s", "-acks"}
	if err := run(t.Context(), args, noEnv, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\n%s\n%s", err, &stdout, &stderr)
	}
	if got := field(t, stdout.String(), "deliveries"); got != "12 of 12" {
		t.Errorf("deliveries %q", got)
	}
	count := func(name string) float64 {
		fams, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		var n float64
		for _, f := range fams {
			if f.GetName() != name {
				continue
			}
			for _, m := range f.GetMetric() {
				switch {
				case m.Histogram != nil:
					n += float64(m.GetHistogram().GetSampleCount())
				case m.Counter != nil && len(m.GetLabel()) == 1 && m.GetLabel()[0].GetValue() == "unseen":
					n += m.GetCounter().GetValue()
				}
			}
		}
		return n
	}
	// 4 snapshots and 12 deliveries; the last acks may arrive as the
	// screens close.
	if n := count("ticketrail_ack_lag_seconds"); n < 12 || n > 16 {
		t.Errorf("%v acks taken, want 12 to 16", n)
	}
	if n := count("ticketrail_sockets_closed_total"); n != 0 {
		t.Errorf("%v screens closed as not showing what they were sent", n)
	}
}
