package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/ticketrail/ticketrail/orders"
)

// What the tests below ask the page. A ticket is in view when every part of
// it lies inside both the rail and the window (give or take the few pixels
// a slip's tilt adds to its box).
const railJS = `
window.__inView = el => {
	const r = document.querySelector('#rail').getBoundingClientRect();
	const b = el.getBoundingClientRect();
	return b.height > 0 && b.top >= Math.max(r.top, 0) - 4 && b.bottom <= Math.min(r.bottom, innerHeight) + 4 &&
		b.left >= Math.max(r.left, 0) - 4 && b.right <= Math.min(r.right, innerWidth) + 4;
};
window.__ticketInView = t => [...t.querySelectorAll('.ticket-part')].every(__inView);
window.__tickets = () => [...document.querySelectorAll('#rail > .ticket:not(.leaving)')];
window.__visible = () => __tickets().filter(__ticketInView).map(t => t.id);
window.__slots = () => __tickets().filter(t => t.querySelector('[data-testid=slot]')).map(t => t.id + '=' + t.querySelector('[data-testid=slot]').textContent);
window.__settled = () => document.getAnimations().every(a => a.playState !== 'running' || !['rail-arrive', 'rail-leave', 'rail-fade', 'rail-void'].includes(a.animationName));
// __hist records, for a failure's message, which ticket became selected at
// which scroll position, and every scroll the page's script asked for.
window.__hist = [];
document.addEventListener('DOMContentLoaded', () => {
	const rail = document.querySelector('#rail');
	new MutationObserver(rs => {
		for (const r of rs) if (r.target.classList?.contains('ticket') && r.target.classList.contains('selected')) __hist.push(r.target.id + ' selected at ' + rail.scrollTop);
	}).observe(rail, {attributes: true, subtree: true, attributeFilter: ['class']});
	for (const name of ['scrollBy', 'scrollTo']) {
		const f = Element.prototype[name];
		Element.prototype[name] = function (...args) { __hist.push(name + ' ' + JSON.stringify(args)); return f.apply(this, args); };
	}
});
window.__selected = () => __tickets().filter(t => t.classList.contains('selected') && t.getAttribute('aria-selected') === 'true').map(t => t.id);
`

// kitchenTab opens a window of the given size on url, with railJS.
func kitchenTab(t *testing.T, b context.Context, w, h int64, url string) *tab {
	t.Helper()
	tb := openTab(t, b)
	if _, err := chromedp.Call(tb.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: railJS}); err != nil {
		t.Fatal(err)
	}
	tb.do(t, "set the window size", chromedp.EmulateViewport(w, h))
	tb.navigate(t, url)
	tb.wait(t, "the socket", `window.__opens >= 1`)
	return tb
}

// order is the JSON of an order of n burgers, each with a modifier.
func orderJSON(n int, extra string) string {
	var items []string
	for i := range n {
		items = append(items, fmt.Sprintf(`{"name": "Burger %d", "modifiers": ["no onion"]}`, i+1))
	}
	return `{"destination": "takeout", "items": [` + strings.Join(items, ",") + `]` + extra + `}`
}

func status(t *testing.T, base string, id int64) orders.Status {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("%s/api/orders/%d", base, id))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var o orders.Order
	if err := json.NewDecoder(resp.Body).Decode(&o); err != nil {
		t.Fatal(err)
	}
	return o.Status
}

// waitStatus polls the server until order id has status want.
func waitStatus(t *testing.T, base string, id int64, want orders.Status) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for status(t, base, id) != want {
		if time.Now().After(deadline) {
			t.Fatalf("order %d is %s, want %s", id, status(t, base, id), want)
		}
		time.Sleep(20 * time.Millisecond) // polling the server, not synchronising with it
	}
}

// TestBrowserFullScreen fills a 1920x1080 screen: 20 tickets of 2 to 4
// items leave at least 9 fully in view, keys and badges only for those, a
// rush order that arrives while the cook looks at a later page comes into
// view and key 1 bumps it; the arrows and Enter bump the selected ticket; a
// key whose slot no ticket holds does nothing.
func TestBrowserFullScreen(t *testing.T) {
	b := browser(t)
	s := start(t, "-demo=false")
	var bodies []string
	for i := range 20 {
		bodies = append(bodies, orderJSON(2+i%3, ""))
	}
	placeOrders(t, s.url, bodies...)
	a := kitchenTab(t, b, 1920, 1080, s.url+"/")
	a.wait(t, "20 tickets", `__tickets().length === 20`)
	a.wait(t, "the slots", `__slots().length > 0 && __settled()`)
	visible := eval[[]string](t, a, `__visible()`)
	if len(visible) < 9 {
		t.Fatalf("%d of 20 tickets fully in view at 1920x1080, want at least 9: %v", len(visible), visible)
	}
	if rows := eval[int](t, a, `new Set(__tickets().filter(__ticketInView).map(t => Math.round(t.querySelector('.ticket-part').getBoundingClientRect().top))).size`); rows < 2 {
		t.Errorf("tickets in view hang on %d row, want the screen's height used", rows)
	}
	checkSlots(t, a)

	// Overflow the rail and look at the next page: a rush order still
	// comes into view at the front, and key 1 bumps it.
	for i := range 16 {
		bodies[i] = orderJSON(3, "")
	}
	placeOrders(t, s.url, bodies[:16]...)
	a.wait(t, "36 tickets", `__tickets().length === 36`)
	a.do(t, "page down", chromedp.KeyEvent(kb.PageDown))
	a.wait(t, "the next page", `document.querySelector('#rail').scrollTop > 0 && __settled() && !__visible().includes('ticket-1')`)
	a.wait(t, "a count of the tickets before the view", `/^\u25B2 \d+ more$/i.test(document.querySelector('[data-testid=more-before]').textContent) && !document.querySelector('[data-testid=more-before]').hidden`)
	checkSlots(t, a)
	rush := placeOrders(t, s.url, orderJSON(2, `, "rush": true`))[0]
	rushID := fmt.Sprintf("ticket-%d", rush.ID)
	a.wait(t, "the rush ticket in view, in slot 1", fmt.Sprintf(`__settled() && __visible()[0] === '%s' && __slots()[0] === '%s=1'`, rushID, rushID))
	checkSlots(t, a)
	a.do(t, "press 1", chromedp.KeyEvent("1"))
	waitStatus(t, s.url, rush.ID, orders.Bumped)

	// ArrowRight selects the second ticket in view; Enter bumps it.
	a.wait(t, "the rush ticket gone", fmt.Sprintf(`!document.getElementById('%s') && __selected().length === 1 && __settled()`, rushID))
	first := eval[[]string](t, a, `__visible()`)
	if sel := eval[[]string](t, a, `__selected()`); len(sel) != 1 || sel[0] != first[0] {
		t.Fatalf("selected %v, want the first ticket in view %s; history %v", sel, first[0], eval[[]string](t, a, `__hist`))
	}
	a.do(t, "press ArrowRight", chromedp.KeyEvent(kb.ArrowRight))
	a.wait(t, "the second ticket selected", fmt.Sprintf(`__selected()[0] === '%s'`, first[1]))
	a.do(t, "press Enter", chromedp.KeyEvent(kb.Enter))
	var second int64
	fmt.Sscanf(first[1], "ticket-%d", &second)
	waitStatus(t, s.url, second, orders.Bumped)
	a.wait(t, "the second ticket gone", fmt.Sprintf(`!document.getElementById('%s')`, first[1]))

	// Bump down to three tickets: key 5 has no ticket and does nothing,
	// key 3 bumps the third.
	open := openOrders(t, s.url)
	for _, o := range open[3:] {
		act(t, s.url, o.ID, "bump")
	}
	three := tickets(open[0].ID, open[1].ID, open[2].ID)
	a.wait(t, "three tickets", fmt.Sprintf(`__tickets().length === 3 && __slots().join() === '%s=1,%s=2,%s=3'`, three[0], three[1], three[2]))
	// Thirty-odd tickets left; the rail never moved away from its front.
	if top := eval[float64](t, a, `document.querySelector('#rail').scrollTop`); top != 0 {
		t.Errorf("the rail scrolled by itself to %vpx; history %v", top, eval[[]string](t, a, `__hist`))
	}
	a.do(t, "press 5", chromedp.KeyEvent("5"))
	a.do(t, "press 3", chromedp.KeyEvent("3"))
	waitStatus(t, s.url, open[2].ID, orders.Bumped)
	for _, o := range open[:2] {
		if got := status(t, s.url, o.ID); got != orders.Received {
			t.Errorf("order %d is %s after keys 5 and 3, want received", o.ID, got)
		}
	}
}

// checkSlots checks the badges: the tickets in view, in rail order, hold
// 1 to 9; no other ticket has a badge.
func checkSlots(t *testing.T, tb *tab) {
	t.Helper()
	visible := eval[[]string](t, tb, `__visible()`)
	slots := eval[[]string](t, tb, `__slots()`)
	var want []string
	for i, id := range visible {
		if i < 9 {
			want = append(want, fmt.Sprintf("%s=%d", id, i+1))
		}
	}
	if strings.Join(slots, ",") != strings.Join(want, ",") {
		t.Errorf("slot badges %v, want %v (tickets in view %v)", slots, want, visible)
	}
}

// TestBrowserLongTicket shows a 30-item order at 1280x800 in large type and
// at 1920x1080: every item, continued across columns, is readable where it
// is, with nothing over it and nothing clipped, paging where the screen is
// too small for all of it.
func TestBrowserLongTicket(t *testing.T) {
	b := browser(t)
	s := start(t, "-demo=false")
	placeOrders(t, s.url, orderJSON(2, ""), orderJSON(30, `, "notes": ["allergy: sesame"]`))
	for _, tc := range []struct {
		w, h int64
		url  string
	}{
		{1280, 800, s.url + "/?size=large"},
		{1920, 1080, s.url + "/"},
		{1280, 800, s.url + "/?station=grill&size=large"},
	} {
		t.Run(fmt.Sprintf("%dx%d %s", tc.w, tc.h, strings.TrimPrefix(tc.url, s.url)), func(t *testing.T) {
			a := kitchenTab(t, b, tc.w, tc.h, tc.url)
			a.wait(t, "the long ticket", `document.querySelectorAll('#ticket-2 [data-testid=item]').length === 30 && __settled()`)
			if parts := eval[int](t, a, `document.querySelectorAll('#ticket-2 .ticket-part').length`); parts < 2 {
				t.Fatalf("a 30-item ticket in %d part", parts)
			}
			if bad := eval[[]string](t, a, `[...document.querySelectorAll('#ticket-2 .ticket-part')].slice(1)
				.filter(p => !/^continued\s+#\d+/i.test(p.querySelector('[data-testid=continued]')?.textContent.trim() ?? '')).map(p => p.dataset.part)`); len(bad) > 0 {
				t.Errorf("parts %v do not say CONTINUED and the number", bad)
			}
			if n := eval[int](t, a, `[...document.querySelectorAll('#rail *')].filter(e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowY)).length`); n != 0 {
				t.Errorf("%d elements inside the rail scroll", n)
			}
			// Page through the rail as a cook would; on each page every
			// item in view must be the element at its own centre.
			seen := map[int]bool{}
			for range 10 {
				for _, i := range eval[[]int](t, a, `[...document.querySelectorAll('#ticket-2 [data-testid=item]')].flatMap((it, i) => {
					if (!__inView(it)) return [];
					const b = it.getBoundingClientRect(), at = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
					return it.contains(at) ? [i] : [-1 - i];
				})`) {
					if i < 0 {
						t.Errorf("item %d is covered or clipped at its centre", -1-i)
						continue
					}
					seen[i] = true
				}
				if len(seen) == 30 {
					break
				}
				a.do(t, "page down", chromedp.KeyEvent(kb.PageDown))
			}
			if len(seen) != 30 {
				t.Errorf("%d of 30 items readable", len(seen))
			}
			// The allergy band is on every part, never smaller than the items.
			if got := eval[string](t, a, `(() => {
				const parts = [...document.querySelectorAll('#ticket-2 .ticket-part')];
				const bands = parts.filter(p => /SESAME/.test(p.querySelector('[data-testid=allergy]')?.textContent ?? ''));
				const size = e => parseFloat(getComputedStyle(e).fontSize);
				return bands.length + '/' + parts.length + ' ' + (size(bands[0].querySelector('[data-testid=allergy]')) >= size(parts[0].querySelector('.line')));
			})()`); !strings.HasSuffix(got, " true") || strings.Split(strings.Fields(got)[0], "/")[0] != strings.Split(strings.Fields(got)[0], "/")[1] {
				t.Errorf("allergy bands on parts, and not smaller than items: %s", got)
			}
		})
	}
}

// TestBrowserAllergyItemsSound: an allergen order shouts on the expo and on
// its station's screen; an item marked done in one window is struck through
// in the other, and back; the sound control switches chimes on; a voided
// ticket can be brought back from the recall list.
func TestBrowserAllergyItemsSound(t *testing.T) {
	b := browser(t)
	s := start(t, "-demo=false")
	expo := kitchenTab(t, b, 1280, 800, s.url+"/")
	grill := kitchenTab(t, b, 1280, 800, s.url+"/?station=grill")
	if _, err := chromedp.Call(expo.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__plays = []; HTMLMediaElement.prototype.play = function () { __plays.push(this.id); return Promise.resolve(); };`,
	}); err != nil {
		t.Fatal(err)
	}
	expo.navigate(t, s.url+"/")
	expo.wait(t, "the socket", `window.__opens >= 1`)
	expo.wait(t, "Recall disabled with nothing to recall", `document.querySelector('[data-testid=recall-last]').disabled &&
		/nothing/i.test(document.querySelector('[data-testid=recall-last]').textContent)`)

	// Sound: off until tapped.
	expo.do(t, "switch the sound on", chromedp.Click(chromedp.CSS(`[data-testid=sound]`)))
	expo.wait(t, "the sound on", `document.querySelector('[data-testid=sound]').getAttribute('aria-pressed') === 'true'`)
	plays := eval[int](t, expo, `__plays.length`)

	o := placeOrders(t, s.url, `{"destination": "dining room", "allergens": ["Sesame"],
		"items": [{"name": "Cheeseburger", "modifiers": ["DAIRY ALLERGY", "no onion"]}, {"name": "Fries"}, {"name": "Cola"}]}`)[0]
	for _, tb := range []*tab{expo, grill} {
		tb.wait(t, "the allergy band", `(() => {
			const t = document.querySelector('#ticket-1'), band = t?.querySelector('[data-testid=allergy]');
			return !!band && t.classList.contains('allergy') && /ALLERGY: DAIRY, SESAME/.test(band.textContent) && __settled() && __inView(band);
		})()`)
	}
	expo.wait(t, "a chime for the new ticket", fmt.Sprintf(`__plays.length > %d && __plays.at(-1) === 'sound-arrive'`, plays))

	// Item done in the grill window, struck through in the expo window.
	grill.do(t, "tap the cheeseburger", chromedp.Click(chromedp.CSS(`#ticket-1 [data-testid=item][data-index="0"] button`)))
	expo.wait(t, "the cheeseburger struck through", `(() => {
		const it = document.querySelector('#ticket-1 [data-testid=item][data-index="0"]');
		return it.dataset.done === 'true' && getComputedStyle(it.querySelector('.line')).textDecorationLine.includes('line-through');
	})()`)
	if got := eval[string](t, expo, `document.querySelector('#ticket-1 [data-testid=item][data-index="1"]').dataset.done`); got != "false" {
		t.Errorf("fries done = %s", got)
	}
	expo.do(t, "tap it again", chromedp.Click(chromedp.CSS(`#ticket-1 [data-testid=item][data-index="0"] button`)))
	grill.wait(t, "the cheeseburger not done", `document.querySelector('#ticket-1 [data-testid=item][data-index="0"]').dataset.done === 'false'`)

	// Void it, then bring it back from the recall list.
	act(t, s.url, o.ID, "cancel")
	expo.wait(t, "the void on the recall list", `(() => {
		const it = document.querySelector('#recall-list [data-order-id="1"]');
		return it && /VOID/.test(it.textContent) && /CHEESEBURGER/.test(it.textContent) && !document.querySelector('[data-testid=recall-last]').disabled;
	})()`)
	expo.wait(t, "the voided ticket gone", `!document.querySelector('#rail > #ticket-1')`)
	expo.do(t, "open the recall panel", chromedp.Click(chromedp.CSS(`#recall-panel > summary`)))
	expo.do(t, "recall the void", chromedp.Click(chromedp.CSS(`#recall-list [data-order-id="1"] [data-testid=recall]`)))
	for _, tb := range []*tab{expo, grill} {
		tb.wait(t, "the ticket back, recalled", `document.querySelector('#rail > #ticket-1.recalled')?.dataset.status === 'received'`)
	}
}

// TestBrowserPoliteCSS includes rail.css on a page of another site: the
// page's own background and root font size stay as they are.
func TestBrowserPoliteCSS(t *testing.T) {
	b := browser(t)
	s := start(t, "-demo=false")
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		link := ""
		if r.URL.Query().Has("rail") {
			link = `<link rel="stylesheet" href="` + s.url + `/assets/rail.css">`
		}
		fmt.Fprintf(w, `<!doctype html><html><head><style>html { font-size: 15px } body { background: rgb(1, 2, 3); margin: 7px }</style>%s</head>
<body><h1>Back office</h1><p>Some text.</p></body></html>`, link)
	}))
	t.Cleanup(site.Close)
	const looks = `[getComputedStyle(document.documentElement).fontSize, getComputedStyle(document.body).backgroundColor,
		getComputedStyle(document.body).margin, getComputedStyle(document.body).fontFamily, getComputedStyle(document.querySelector('h1')).boxSizing].join('|')`
	tb := openTab(t, b)
	tb.navigate(t, site.URL+"/")
	plain := eval[string](t, tb, looks)
	tb.navigate(t, site.URL+"/?rail")
	tb.wait(t, "rail.css loaded", `[...document.styleSheets].some(s => s.href && s.href.includes('rail.css'))`)
	if with := eval[string](t, tb, looks); with != plain {
		t.Errorf("with rail.css the page looks %q, without %q", with, plain)
	}
}

// TestBrowserUrgentArrivals looks at the last page of a rail that
// overflows, on a tablet-sized screen in large type and on a full HD one:
// a ticket recalled to its place near the front, and a rush ticket, each
// come into view at once, with a key badge.
func TestBrowserUrgentArrivals(t *testing.T) {
	b := browser(t)
	for _, tc := range []struct {
		w, h int64
		path string
	}{
		{1280, 800, "/?size=large"},
		{1920, 1080, "/?station=grill"},
	} {
		t.Run(fmt.Sprintf("%dx%d %s", tc.w, tc.h, tc.path), func(t *testing.T) {
			s := start(t, "-demo=false")
			var bodies []string
			for range 30 {
				bodies = append(bodies, orderJSON(2, ""))
			}
			placeOrders(t, s.url, bodies...)
			act(t, s.url, 2, "bump")
			a := kitchenTab(t, b, tc.w, tc.h, s.url+tc.path)
			a.wait(t, "29 tickets", `__tickets().length === 29 && __settled()`)
			for range 10 {
				a.do(t, "page down", chromedp.KeyEvent(kb.PageDown))
			}
			a.wait(t, "the last page", `!__visible().includes('ticket-1') && document.querySelector('[data-testid=more-after]').hidden`)

			act(t, s.url, 2, "recall")
			a.wait(t, "the recalled ticket in view with a badge", `__settled() && __visible().includes('ticket-2') &&
				__slots().some(s => s.startsWith('ticket-2='))`)
			for range 10 {
				a.do(t, "page down", chromedp.KeyEvent(kb.PageDown))
			}
			a.wait(t, "the last page again", `!__visible().includes('ticket-2')`)
			rush := placeOrders(t, s.url, orderJSON(1, `, "rush": true`))[0]
			a.wait(t, "the rush ticket in view in slot 1", fmt.Sprintf(`__settled() && __visible()[0] === 'ticket-%d' && __slots()[0] === 'ticket-%d=1'`, rush.ID, rush.ID))
			checkSlots(t, a)
		})
	}
}
