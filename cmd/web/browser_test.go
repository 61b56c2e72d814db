package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// browser starts headless Chromium for the test. Without Chromium the test
// is skipped, unless RAIL_REQUIRE_BROWSER is set (as in CI).
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("RAIL_REQUIRE_BROWSER") != "" {
			t.Fatal("chromium is not installed")
		}
		t.Skip("chromium is not installed (apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1400, 900),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelB(); cancelA() })
	// The first Run starts the browser; it must not carry a timeout.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return bctx
}

// tab is one browser window on the rail, recording every URL it requests
// and what its socket does.
type tab struct {
	ctx context.Context

	mu       sync.Mutex
	requests []string
}

// watchScript runs before any page script: it records the tickets that the
// page's own HTML holds (before any socket message can arrive) and counts
// the socket's opens and closes.
const watchScript = `
window.__opens = 0; window.__closes = [];
document.addEventListener('DOMContentLoaded', () => {
	window.__first = [...document.querySelectorAll('#rail > .ticket')].map(e => e.id);
});
document.addEventListener('htmx:ws:after:connection', () => window.__opens++);
document.addEventListener('htmx:ws:close', e => window.__closes.push(e.detail.code));
`

func openTab(t *testing.T, browser context.Context) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser) // a window of its own, so it stays visible
	t.Cleanup(cancel)
	tb := &tab{ctx: ctx}
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			tb.mu.Lock()
			tb.requests = append(tb.requests, e.Request.URL)
			tb.mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: watchScript}); err != nil {
		t.Fatal(err)
	}
	return tb
}

func (tb *tab) navigate(t *testing.T, url string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("navigate %s: %v", url, err)
	}
}

// wait polls expr in the page until it is true, for at most 15 s.
func (tb *tab) wait(t *testing.T, what, expr string) {
	t.Helper()
	// The context's deadline bounds the call even if the browser stops
	// answering; the polling timeout is the one that normally ends it.
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
		defer cancel()
		now := "unknown"
		if ids, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](ticketIDs)); err == nil {
			now = fmt.Sprint(ids)
		}
		t.Fatalf("waiting for %s: %v (tickets now %s)", what, err, now)
	}
}

func eval[T any](t *testing.T, tb *tab, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

const ticketIDs = `[...document.querySelectorAll('#rail > .ticket')].map(e => e.id)`

// serverRail reads the server's rail straight from the server.
func serverRail(t *testing.T, base string) []string {
	t.Helper()
	resp, err := http.Get(base + "/fragments/rail")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var ids []string
	for _, m := range regexp.MustCompile(`<article[^>]* id="(ticket-\d+)"`).FindAllStringSubmatch(string(body), -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// TestBrowserShowsLiveRail drives the real server, started through run, in
// headless Chromium. The browser reaches it through a proxy that the test
// uses to drop connections, as a flaky network or a crashed server would.
// Every change comes from the test through the API (no demo), so every
// assertion is about a rail the test knows, never about timing.
func TestBrowserShowsLiveRail(t *testing.T) {
	b := browser(t)
	s := start(t, "-demo=false")
	p := newProxy(t, s.url)
	burger := `{"destination": "takeout", "items": [{"name": "Hamburger"}]}`

	// The first HTML already holds the open tickets.
	placeOrders(t, s.url, burger, burger, burger, burger)
	a := openTab(t, b)
	a.navigate(t, p.url)
	a.wait(t, "the page to load", `Array.isArray(window.__first)`)
	if first, want := eval[[]string](t, a, `window.__first`), tickets(1, 2, 3, 4); !slices.Equal(first, want) {
		t.Errorf("first HTML has %v, want %v", first, want)
	}
	a.wait(t, "the socket", `window.__opens >= 1`)

	// Changes reach the open page.
	placeOrders(t, s.url, burger, burger)
	act(t, s.url, 1, "bump")
	live := tickets(2, 3, 4, 5, 6)
	a.wait(t, "the page to show "+jsArray(live), ticketIDs+`.join() === `+jsString(live))

	// Drop the socket and keep the page out while the rail changes: new
	// tickets (one of them rush), bumps, a fire and a recall.
	p.refuse(true)
	p.drop()
	a.wait(t, "the page to notice the drop", `window.__closes.length >= 1`)
	placeOrders(t, s.url, burger, `{"destination": "drive thru", "rush": true, "items": [{"name": "Cheeseburger"}]}`)
	act(t, s.url, 3, "bump")
	act(t, s.url, 5, "bump")
	act(t, s.url, 4, "fire")
	act(t, s.url, 1, "recall")
	want := tickets(8, 1, 2, 4, 6, 7)
	if got := serverRail(t, s.url); !slices.Equal(got, want) {
		t.Fatalf("server's rail %v, want %v", got, want)
	}
	if got := eval[[]string](t, a, ticketIDs); !slices.Equal(got, live) {
		t.Fatalf("the page changed to %v while its socket was down", got)
	}

	// Let it back: it must show exactly the server's rail, with no ticket
	// missing or twice, each in its current state.
	p.refuse(false)
	a.wait(t, "the page to converge to "+jsArray(want), ticketIDs+`.join() === `+jsString(want))
	a.wait(t, "#4 fired and #1 recalled", `document.querySelector('#ticket-4').dataset.status === 'fired' &&
		document.querySelector('#ticket-1').classList.contains('recalled')`)
	if opens := eval[int](t, a, `window.__opens`); opens < 2 {
		t.Errorf("socket opened %d times, want a reconnect", opens)
	}
	if n := eval[int](t, a, `document.querySelectorAll('[id^="ticket-"]').length`); n != len(want) {
		t.Errorf("the page holds %d ticket elements, want %d", n, len(want))
	}

	// A second window opened now, while nothing changes, shows the same
	// tickets in its first HTML.
	second := openTab(t, b)
	second.navigate(t, p.url)
	second.wait(t, "the page to load", `Array.isArray(window.__first)`)
	if first := eval[[]string](t, second, `window.__first`); !slices.Equal(first, want) {
		t.Errorf("second window's first HTML has %v, want %v", first, want)
	}
	second.wait(t, "the second window's socket", `window.__opens >= 1`)
	if got := serverRail(t, s.url); !slices.Equal(got, want) {
		t.Fatalf("the server's rail changed to %v with nobody changing it", got)
	}

	// Nothing is requested from another host.
	for _, tb := range []*tab{a, second} {
		tb.mu.Lock()
		for _, r := range tb.requests {
			u, err := url.Parse(r)
			if err != nil || u.Host != p.host {
				t.Errorf("the page requested %s from another host", r)
			}
		}
		tb.mu.Unlock()
	}

	// A graceful stop tells the pages 1012, so they reconnect by themselves.
	if err := s.stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
	a.wait(t, "close 1012", `window.__closes.includes(1012)`)
	second.wait(t, "close 1012 in the second window", `window.__closes.includes(1012)`)
}

// tickets returns the element ids of the tickets with the given order ids.
func tickets(ids ...int64) []string {
	var out []string
	for _, id := range ids {
		out = append(out, fmt.Sprintf("ticket-%d", id))
	}
	return out
}

// act posts an action (fire, bump, recall, cancel) on order id through the
// API and fails the test unless it is accepted.
func act(t *testing.T, base string, id int64, action string) {
	t.Helper()
	if code, _ := post(t, fmt.Sprintf("%s/api/orders/%d/%s", base, id, action), ""); code != http.StatusOK {
		t.Fatalf("%s %d: status %d", action, id, code)
	}
}

func jsString(ids []string) string {
	return "'" + joinIDs(ids) + "'"
}

func jsArray(ids []string) string { return "[" + joinIDs(ids) + "]" }

func joinIDs(ids []string) string {
	s := ""
	for i, id := range ids {
		if i > 0 {
			s += ","
		}
		s += id
	}
	return s
}

// proxy forwards TCP connections to a server and can drop them all, or
// refuse new ones, to play a network that fails.
type proxy struct {
	url, host string
	target    string
	ln        net.Listener

	mu       sync.Mutex
	refusing bool
	paused   bool
	resumed  *sync.Cond // signalled when paused turns false
	conns    map[net.Conn]struct{}
	wg       sync.WaitGroup
}

func newProxy(t *testing.T, serverURL string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(serverURL)
	p := &proxy{url: "http://" + ln.Addr().String() + "/", host: ln.Addr().String(), target: u.Host, ln: ln, conns: map[net.Conn]struct{}{}}
	p.resumed = sync.NewCond(&p.mu)
	p.wg.Go(p.accept)
	t.Cleanup(func() {
		// Refusing first closes a connection accepted at the same time as
		// the listener, which drop could otherwise miss and Wait wait on.
		p.refuse(true)
		ln.Close()
		p.drop()
		p.wg.Wait()
	})
	return p
}

func (p *proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.refusing {
			p.mu.Unlock()
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns[c], p.conns[up] = struct{}{}, struct{}{}
		p.mu.Unlock()
		pipe := func(to io.Writer, dst, src net.Conn) {
			io.Copy(to, src)
			dst.Close()
			src.Close()
			p.mu.Lock()
			delete(p.conns, dst)
			delete(p.conns, src)
			p.mu.Unlock()
		}
		p.wg.Go(func() { pipe(up, up, c) })
		p.wg.Go(func() { pipe(pausable{c, p}, c, up) })
	}
}

// pause stops what the server sends from reaching the browser, holding
// it, until pause(false): a screen on a network that stalls.
func (p *proxy) pause(on bool) {
	p.mu.Lock()
	p.paused = on
	p.mu.Unlock()
	if !on {
		p.resumed.Broadcast()
	}
}

// pausable is a connection to the browser whose writes wait while the
// proxy is paused.
type pausable struct {
	net.Conn
	p *proxy
}

func (c pausable) Write(b []byte) (int, error) {
	c.p.mu.Lock()
	for c.p.paused && !c.p.refusing {
		c.p.resumed.Wait()
	}
	c.p.mu.Unlock()
	return c.Conn.Write(b)
}

func (p *proxy) refuse(on bool) {
	p.mu.Lock()
	p.refusing = on
	p.mu.Unlock()
	p.resumed.Broadcast()
}

// drop closes every open connection at once.
func (p *proxy) drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
}
