package main

import (
	"context"
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

// wait polls expr in the page until it is true.
func (tb *tab) wait(t *testing.T, what, expr string) {
	t.Helper()
	if err := chromedp.Do(tb.ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		ids := eval[[]string](t, tb, ticketIDs)
		t.Fatalf("waiting for %s: %v (tickets now %v)", what, err, ids)
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
func TestBrowserShowsLiveRail(t *testing.T) {
	b := browser(t)
	const total = 24
	s := start(t, "-demo-every", "100ms", "-demo-max", "6", "-demo-orders", "24")
	p := newProxy(t, s.url)

	a := openTab(t, b)
	a.navigate(t, p.url)
	a.wait(t, "3 tickets", `document.querySelectorAll('#rail > .ticket').length >= 3`)

	// Drop the socket and keep the page out while the demo goes on.
	seen := eval[[]string](t, a, ticketIDs)
	p.refuse(true)
	p.drop()
	a.wait(t, "the page to notice the drop", `window.__closes.length >= 1`)
	deadline := time.Now().Add(15 * time.Second)
	for !changedSince(serverRail(t, s.url), seen) {
		if time.Now().After(deadline) {
			t.Fatal("the rail did not change while the page was away")
		}
		time.Sleep(20 * time.Millisecond) // polling the server, not synchronising with it
	}
	p.refuse(false)

	// Let the demo finish, then the page must show exactly the server's rail.
	deadline = time.Now().Add(15 * time.Second)
	var want []string
	for {
		want = serverRail(t, s.url)
		if slices.Contains(want, "ticket-24") { // the last order; a rush one hangs first
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the demo did not place its %d orders; rail %v", total, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	a.wait(t, "the page to converge to "+jsArray(want), ticketIDs+`.join() === `+jsString(want))
	if opens := eval[int](t, a, `window.__opens`); opens < 2 {
		t.Errorf("socket opened %d times, want a reconnect", opens)
	}

	// A second window opened now shows the same tickets in its first HTML.
	second := openTab(t, b)
	second.navigate(t, p.url)
	second.wait(t, "the page to load", `Array.isArray(window.__first)`)
	if first := eval[[]string](t, second, `window.__first`); !slices.Equal(first, want) {
		t.Errorf("second window's first HTML has %v, want %v", first, want)
	}
	second.wait(t, "the second window's socket", `window.__opens >= 1`)

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
}

// changedSince reports whether the rail has a ticket that seen did not have.
func changedSince(rail, seen []string) bool {
	for _, id := range rail {
		if !slices.Contains(seen, id) {
			return true
		}
	}
	return false
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
	p.wg.Go(p.accept)
	t.Cleanup(func() {
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
		pipe := func(dst, src net.Conn) {
			io.Copy(dst, src)
			dst.Close()
			src.Close()
			p.mu.Lock()
			delete(p.conns, dst)
			delete(p.conns, src)
			p.mu.Unlock()
		}
		p.wg.Go(func() { pipe(up, c) })
		p.wg.Go(func() { pipe(c, up) })
	}
}

func (p *proxy) refuse(on bool) {
	p.mu.Lock()
	p.refusing = on
	p.mu.Unlock()
}

// drop closes every open connection at once.
func (p *proxy) drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
}
