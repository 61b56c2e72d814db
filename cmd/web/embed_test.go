package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// embedPage is the snippet README gives for showing the live rail on a page
// of another site; RAIL is the rail server's URL.
const embedPage = `<!doctype html>
<html><head><title>Back office</title>
<link rel="stylesheet" href="RAIL/assets/rail.css">
<script src="RAIL/assets/htmx/htmx.min.js"></script>
<script src="RAIL/assets/htmx/hx-ws.min.js"></script>
</head><body>
<h1>Back office</h1>
<div hx-ws:connect="RAIL/ws" hx-swap="none">
  <div id="rail" class="rail"></div>
</div>
</body></html>`

// embedTicketPage shows one live ticket: fetched once, then kept current
// by the socket.
const embedTicketPage = `<!doctype html>
<html><head><title>Order</title>
<meta name="htmx-config" content='{"mode": "cors"}'>
<link rel="stylesheet" href="RAIL/assets/rail.css">
<script src="RAIL/assets/htmx/htmx.min.js"></script>
<script src="RAIL/assets/htmx/hx-ws.min.js"></script>
</head><body>
<div hx-ws:connect="RAIL/ws" hx-swap="none">
  <div hx-get="RAIL/fragments/tickets/ID" hx-trigger="load" hx-swap="outerHTML"></div>
</div>
</body></html>`

// embedder is another site: it serves pages that embed a rail.
type embedder struct {
	srv  *httptest.Server
	mu   sync.Mutex
	rail string
}

func newEmbedder(t *testing.T) *embedder {
	e := &embedder{}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		page := embedPage
		if r.URL.Path == "/ticket.html" {
			page = strings.ReplaceAll(embedTicketPage, "ID", r.URL.Query().Get("id"))
		}
		page = strings.ReplaceAll(page, "RAIL", e.rail)
		e.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	}))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *embedder) use(rail string) {
	e.mu.Lock()
	e.rail = rail
	e.mu.Unlock()
}

// TestEmbedOnAnotherOrigin serves a page from a second origin that embeds
// the live rail, and a single live ticket, from the rail server.
func TestEmbedOnAnotherOrigin(t *testing.T) {
	b := browser(t)
	site := newEmbedder(t)
	host := strings.TrimPrefix(site.srv.URL, "http://")
	s := start(t, "-demo=false", "-allow-origin", host)
	site.use(s.url)

	page := openTab(t, b)
	page.navigate(t, site.srv.URL+"/")
	page.wait(t, "the embedded socket", `window.__opens >= 1`)
	placed := placeOrders(t, s.url,
		`{"destination": "takeout", "items": [{"name": "Double Burger"}]}`,
		`{"destination": "drive thru", "items": [{"name": "Vanilla Shake"}]}`)
	page.wait(t, "new tickets on the embedding page", ticketIDs+`.join() === 'ticket-1,ticket-2'`)
	page.wait(t, "the rail's styles", `getComputedStyle(document.querySelector('#ticket-1')).fontFamily.includes('mono')`)
	post(t, fmt.Sprintf("%s/api/orders/%d/bump", s.url, placed[0].ID), "")
	page.wait(t, "the bumped ticket removed", ticketIDs+`.join() === 'ticket-2'`)

	// One live ticket on its own.
	one := openTab(t, b)
	one.navigate(t, fmt.Sprintf("%s/ticket.html?id=%d", site.srv.URL, placed[1].ID))
	one.wait(t, "the ticket fetched", `document.querySelector('#ticket-2')?.dataset.status === 'received'`)
	// On its own a ticket keeps a ticket's width, not the page's.
	if w := eval[float64](t, one, `document.querySelector('#ticket-2 .ticket-part').getBoundingClientRect().width / innerWidth`); w <= 0 || w > 0.5 {
		t.Errorf("the lone ticket is %.0f%% of the page wide", 100*w)
	}
	one.wait(t, "its socket", `window.__opens >= 1`)
	post(t, fmt.Sprintf("%s/api/orders/%d/fire", s.url, placed[1].ID), "")
	one.wait(t, "the ticket following its status", `document.querySelector('#ticket-2')?.dataset.status === 'fired'`)
	post(t, fmt.Sprintf("%s/api/orders/%d/bump", s.url, placed[1].ID), "")
	one.wait(t, "the ticket gone once bumped", `!document.querySelector('#ticket-2')`)

	// The page requested nothing but its own site and the rail.
	for _, tb := range []*tab{page, one} {
		tb.mu.Lock()
		for _, r := range tb.requests {
			if !strings.HasPrefix(r, site.srv.URL) && !strings.HasPrefix(r, s.url) && !strings.HasPrefix(r, "ws"+strings.TrimPrefix(s.url, "http")) {
				t.Errorf("the embedding page requested %s", r)
			}
		}
		tb.mu.Unlock()
	}
}

// TestEmbedRefusedForUnlistedOrigin points the same page at a rail server
// that does not list its origin: the socket is refused and nothing live
// shows.
func TestEmbedRefusedForUnlistedOrigin(t *testing.T) {
	b := browser(t)
	site := newEmbedder(t)
	s := start(t, "-demo=false", "-allow-origin", "pos.example")
	site.use(s.url)

	page := openTab(t, b)
	page.navigate(t, site.srv.URL+"/")
	page.wait(t, "the socket refused", `window.__closes.length >= 1`)
	placeOrders(t, s.url, `{"destination": "takeout", "items": [{"name": "Hamburger"}]}`)
	// hx-ws tries again after a second; that is refused too.
	page.wait(t, "a second refusal", `window.__closes.length >= 2`)
	if opens, n := eval[int](t, page, `window.__opens`), eval[int](t, page, `document.querySelectorAll('#rail > .ticket').length`); opens != 0 || n != 0 {
		t.Errorf("an unlisted origin got %d sockets open and %d tickets", opens, n)
	}
	req, _ := http.NewRequest("GET", s.url+"/fragments/tickets/1", nil)
	req.Header.Set("Origin", site.srv.URL)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a fragment for an unlisted origin: %d, want 403", resp.StatusCode)
	}
}
