package main

import (
	"net"
	"net/http"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape reads url's metrics with Prometheus's own text parser.
func scrape(t *testing.T, url string, header http.Header) map[string]*dto.MetricFamily {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("the metrics do not parse: %v", err)
	}
	return fams
}

// value is the sum of the series of family name whose labels include
// labels (name=value pairs): counters, gauges, and histograms' counts.
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	f := fams[name]
	if f == nil {
		return -1
	}
	var sum float64
next:
	for _, m := range f.GetMetric() {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, l := range m.GetLabel() {
				found = found || l.GetName() == labels[i] && l.GetValue() == labels[i+1]
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		case m.Histogram != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return sum
}

// TestMetrics scrapes /metrics, parses it, and checks that the series
// exist, then that they move as a screen connects and acks, orders are
// placed and bumped, and the screen leaves.
func TestMetrics(t *testing.T) {
	s := start(t, "-demo=false")
	fams := scrape(t, s.url+"/metrics", nil)
	for _, name := range []string{
		"ticketrail_screens", "ticketrail_messages_sent_total", "ticketrail_sent_bytes_total", "ticketrail_renders_total",
		"ticketrail_render_seconds", "ticketrail_snapshot_catchups_total", "ticketrail_sockets_closed_total",
		"ticketrail_ack_lag_seconds", "ticketrail_unseen_alarms_total", "ticketrail_unseen_alarms",
		"ticketrail_api_request_seconds", "ticketrail_store_operation_seconds", "ticketrail_orders_total", "ticketrail_open_tickets",
		"ticketrail_rail_version", "go_goroutines", "process_resident_memory_bytes",
	} {
		if fams[name] == nil {
			t.Errorf("no series %s", name)
		}
	}
	for _, r := range []string{"client_gone", "slow", "behind_1013", "unseen", "no_pong"} {
		if value(fams, "ticketrail_sockets_closed_total", "reason", r) != 0 {
			t.Errorf("sockets closed for %s before any opened", r)
		}
	}

	screen := dialScreen(t, s.url+"/ws?station=grill&acks=1", true)
	screen.next(t, "the snapshot", `data-version="0"`)
	placed := placeOrders(t, s.url,
		`{"destination": "takeout", "items": [{"name": "Hamburger", "station": "grill"}]}`,
		`{"destination": "takeout", "items": [{"name": "Cheeseburger", "station": "grill"}]}`)
	act(t, s.url, placed[0].ID, "bump")
	screen.next(t, "the bump", `data-version="3"`)

	// The last ack may still be on its way: wait for the metrics to say.
	deadline := time.Now().Add(10 * time.Second)
	for fams = scrape(t, s.url+"/metrics", nil); value(fams, "ticketrail_ack_lag_seconds") < 4; fams = scrape(t, s.url+"/metrics", nil) {
		if time.Now().After(deadline) {
			t.Fatalf("%v acks counted, want 4 (the snapshot, two orders, the bump)", value(fams, "ticketrail_ack_lag_seconds"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if fams["ticketrail_api_requests_total"] == nil {
		t.Error("no series ticketrail_api_requests_total after API requests")
	}
	for _, c := range []struct {
		what    string
		got     float64
		atLeast float64
	}{
		{"grill screens", value(fams, "ticketrail_screens", "view", "grill", "controls", "all"), 1},
		{"messages", value(fams, "ticketrail_messages_sent_total"), 4},
		{"bytes", value(fams, "ticketrail_sent_bytes_total"), 1000},
		{"renders", value(fams, "ticketrail_renders_total"), 4},
		{"render times", value(fams, "ticketrail_render_seconds"), 4},
		{"201s of POST /api/orders", value(fams, "ticketrail_api_requests_total", "route", "POST /api/orders", "code", "201"), 2},
		{"200s of the bump", value(fams, "ticketrail_api_requests_total", "route", "POST /api/orders/{id}/{action}", "code", "200"), 1},
		{"placed", value(fams, "ticketrail_orders_total", "event", "placed"), 2},
		{"bumped", value(fams, "ticketrail_orders_total", "event", "bumped"), 1},
		{"inserts timed", value(fams, "ticketrail_store_operation_seconds", "op", "insert", "result", "ok"), 2},
		{"updates timed", value(fams, "ticketrail_store_operation_seconds", "op", "update", "result", "ok"), 1},
		{"open tickets", value(fams, "ticketrail_open_tickets"), 1},
		{"version", value(fams, "ticketrail_rail_version"), 3},
	} {
		if c.got < c.atLeast {
			t.Errorf("%s: %v, want at least %v", c.what, c.got, c.atLeast)
		}
	}
	if n := value(fams, "ticketrail_open_tickets"); n != 1 {
		t.Errorf("open tickets %v, want 1", n)
	}

	screen.c.CloseNow()
	deadline = time.Now().Add(10 * time.Second)
	for fams = scrape(t, s.url+"/metrics", nil); value(fams, "ticketrail_screens") != 0; fams = scrape(t, s.url+"/metrics", nil) {
		if time.Now().After(deadline) {
			t.Fatalf("%v screens after the only one left", value(fams, "ticketrail_screens"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := value(fams, "ticketrail_sockets_closed_total", "reason", "client_gone"); n != 1 {
		t.Errorf("sockets closed as gone: %v, want 1", n)
	}
}

// TestMetricsAccess checks who may read the metrics: with an API token,
// only those that carry it; with -metrics-addr, anyone on that address,
// and the main listener no longer serves them.
func TestMetricsAccess(t *testing.T) {
	s := start(t, "-demo=false", "-api-token", "s3cret")
	resp, err := http.Get(s.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("/metrics without the token: %d, want 401", resp.StatusCode)
	}
	if fams := scrape(t, s.url+"/metrics", http.Header{"Authorization": {"Bearer s3cret"}}); fams["ticketrail_screens"] == nil {
		t.Error("no screens series with the token")
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	own := start(t, "-demo=false", "-api-token", "s3cret", "-metrics-addr", addr)
	if fams := scrape(t, "http://"+addr+"/metrics", nil); fams["ticketrail_open_tickets"] == nil {
		t.Error("no open tickets series on the metrics' own address")
	}
	resp, err = http.Get(own.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the main listener with -metrics-addr: %d, want 404", resp.StatusCode)
	}
}
