package handlers_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/ticketrail/ticketrail/handlers"
	"github.com/ticketrail/ticketrail/orders"
)

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// pageURLs returns the URLs a page loads: stylesheet, scripts and socket.
func pageURLs(t *testing.T, page string) []string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var urls []string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			for _, key := range []string{"href", "src", "hx-ws:connect"} {
				if v := attr(n, key); v != "" {
					urls = append(urls, v)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return urls
}

func TestPageShowsOpenTicketsOnFirstPaint(t *testing.T) {
	r := newRig(t, handlers.Options{Store: "Harbor Street"})
	a, b := r.place(t), r.place(t)
	r.board.Bump(t.Context(), a.ID)
	resp, body := get(t, r.srv.URL+"/")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp.Header.Get("Content-Security-Policy") == "" {
		t.Error("page has no Content-Security-Policy")
	}
	m := parseMessage(t, body)
	if got := ids(m.oob); len(got) != 1 || got[0] != "ticket-2" {
		t.Errorf("page shows tickets %v, want only the open ticket-%d", got, b.ID)
	}
	if !strings.Contains(body, "Harbor Street") {
		t.Error("page does not show the store's name")
	}
	for _, u := range pageURLs(t, body) {
		if strings.HasPrefix(u, "/") || strings.Contains(u, "://") {
			t.Errorf("page emits %q; every URL must be relative", u)
		}
	}
}

func TestFragments(t *testing.T) {
	r := newRig(t, handlers.Options{})
	o := r.place(t)
	for _, tt := range []struct {
		path    string
		status  int
		tickets []string
	}{
		{"/fragments/rail", http.StatusOK, []string{"ticket-1"}},
		{"/fragments/tickets/1", http.StatusOK, []string{"ticket-1"}},
		{"/fragments/tickets/99", http.StatusNotFound, nil},
		{"/fragments/tickets/abc", http.StatusNotFound, nil},
		{"/fragments/tickets/-1", http.StatusNotFound, nil},
	} {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := get(t, r.srv.URL+tt.path)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.status != http.StatusOK {
				return
			}
			if strings.Contains(body, "<html") {
				t.Error("fragment is a whole document")
			}
			if got := ids(parseMessage(t, body).oob); strings.Join(got, ",") != strings.Join(tt.tickets, ",") {
				t.Errorf("fragment has tickets %v, want %v", got, tt.tickets)
			}
		})
	}
	// ?controls=none: the same tickets, nothing to tap; an unknown value
	// is refused.
	for _, path := range []string{"/fragments/rail?controls=none", "/fragments/tickets/1?controls=none", "/?controls=none"} {
		resp, body := get(t, r.srv.URL+path)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="ticket-1"`) || strings.Contains(body, `class="bump`) || strings.Contains(body, `data-testid="fire"`) {
			t.Errorf("%s: status %d, body %.300s", path, resp.StatusCode, body)
		}
	}
	if resp, body := get(t, r.srv.URL+"/?controls=none"); !strings.Contains(body, `hx-ws:connect="ws?controls=none&amp;acks=1"`) {
		t.Errorf("a view-only page connects elsewhere: %d %.300s", resp.StatusCode, body)
	}
	for _, path := range []string{"/fragments/rail?controls=some", "/ws?controls=x", "/?controls=all&station=oven"} {
		if resp, _ := get(t, r.srv.URL+path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, resp.StatusCode)
		}
	}
	r.board.Bump(t.Context(), o.ID)
	if resp, _ := get(t, r.srv.URL+"/fragments/tickets/1"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("bumped ticket: status %d, want 404", resp.StatusCode)
	}
}

// TestMountedUnderPrefix serves the rail at /kitchen/ inside another mux:
// the page, every URL it emits, and the socket work there.
func TestMountedUnderPrefix(t *testing.T) {
	board := orders.NewBoard(orders.BoardConfig{})
	h := handlers.New(handlers.Options{Board: board})
	mux := http.NewServeMux()
	mux.Handle("/kitchen/", http.StripPrefix("/kitchen", h))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "the host app") })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := h.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	r := &rig{board: board, h: h, srv: srv}
	r.place(t)

	resp, body := get(t, srv.URL+"/kitchen/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /kitchen/: %d", resp.StatusCode)
	}
	urls := pageURLs(t, body)
	if len(urls) < 4 {
		t.Fatalf("page emits only %v", urls)
	}
	for _, u := range urls {
		if strings.HasPrefix(u, "ws?") {
			c := dial(t, wsURL(srv.URL)+"/kitchen/"+u)
			if m := read(t, c); len(m.partials) == 0 || len(m.partials[0].tickets) != 1 {
				t.Fatalf("socket under /kitchen/ sent %+v", m)
			}
			continue
		}
		if resp, _ := get(t, srv.URL+"/kitchen/"+u); resp.StatusCode != http.StatusOK {
			t.Errorf("GET /kitchen/%s: %d", u, resp.StatusCode)
		}
	}
	if resp, body := get(t, srv.URL+"/"); body != "the host app" {
		t.Errorf("host app's route: %d %q", resp.StatusCode, body)
	}
	for _, p := range []string{"/kitchen/healthz", "/kitchen/fragments/tickets/1"} {
		if resp, _ := get(t, srv.URL+p); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", p, resp.StatusCode)
		}
	}
}

func TestHealthz(t *testing.T) {
	r := newRig(t, handlers.Options{})
	if resp, body := get(t, r.srv.URL+"/healthz"); resp.StatusCode != http.StatusOK || body != "ok\n" {
		t.Errorf("healthz: %d %q", resp.StatusCode, body)
	}
}

func TestStationScreens(t *testing.T) {
	r := newRig(t, handlers.Options{})
	r.place(t) // a grill item only
	for _, tt := range []struct {
		path    string
		status  int
		tickets int
	}{
		{"/?station=grill", http.StatusOK, 1},
		{"/?station=shake", http.StatusOK, 0},
		{"/fragments/rail?station=grill", http.StatusOK, 1},
		{"/fragments/rail?station=fry", http.StatusOK, 0},
		{"/?station=oven", http.StatusNotFound, 0},
		{"/ws?station=oven", http.StatusNotFound, 0},
		{"/fragments/rail?station=oven", http.StatusNotFound, 0},
		{"/fragments/tickets/1?station=oven", http.StatusNotFound, 0},
	} {
		resp, body := get(t, r.srv.URL+tt.path)
		if resp.StatusCode != tt.status {
			t.Errorf("GET %s: %d, want %d", tt.path, resp.StatusCode, tt.status)
			continue
		}
		if tt.status == http.StatusOK {
			if n := len(parseMessage(t, body).oob); n != tt.tickets {
				t.Errorf("GET %s shows %d tickets, want %d", tt.path, n, tt.tickets)
			}
		}
	}
}
