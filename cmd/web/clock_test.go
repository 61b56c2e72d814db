package main

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// clockJS runs before any page script. It counts the socket messages that
// carry the rail, a ticket or a timer (a minute's tick carries only the
// header's clock), counts the late chimes the page plays (sound on), and records,
// for each ticket whose style attribute a message changes (a morph), the
// server's age in it and the age the page shows a frame later.
const clockJS = `
window.__ticketFrames = 0; window.__late = 0; window.__morphs = [];
try { localStorage.setItem('ticketrail-sound', 'on'); } catch (e) {}
const RealWebSocket = window.WebSocket;
window.WebSocket = class extends RealWebSocket {
	constructor(...args) {
		super(...args);
		this.addEventListener('message', e => {
			if (typeof e.data === 'string' && /hx-target="#rail"|<article|id="age-/.test(e.data)) window.__ticketFrames++;
		});
	}
};
const realPlay = HTMLMediaElement.prototype.play;
HTMLMediaElement.prototype.play = function () {
	if (this.id === 'sound-late') window.__late++;
	return realPlay.call(this);
};
// __shown is the age in seconds that a timer shows: the counts that its
// animations hold, which its ::before prints as m:ss.
window.__shown = el => {
	const cs = getComputedStyle(el);
	return 60 * Number(cs.getPropertyValue('--rail-age-m')) + Number(cs.getPropertyValue('--rail-age-s'));
};
window.__colour = el => getComputedStyle(el).backgroundColor;
document.addEventListener('DOMContentLoaded', () => {
	new MutationObserver(records => {
		for (const r of records) {
			if (r.attributeName !== 'style' || !r.target.matches('.ticket')) continue;
			const t = r.target, at = performance.now(), age = -parseInt(t.style.getPropertyValue('--age'), 10) / 1000;
			requestAnimationFrame(() => __morphs.push({age, shown: __shown(t.querySelector('.age')), after: (performance.now() - at) / 1000}));
		}
	}).observe(document.getElementById('rail'), {attributes: true, subtree: true, attributeFilter: ['style']});
});
`

// clockTab opens a window that runs clockJS on every page.
func clockTab(t *testing.T, b context.Context) *tab {
	t.Helper()
	tb := openTab(t, b)
	if _, err := chromedp.Call(tb.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: clockJS}); err != nil {
		t.Fatal(err)
	}
	return tb
}

// TestBrowserClockRunsInThePage shows a ticket's timer counting in the
// page with no socket message after the ticket's own: its age advances,
// it turns amber at -warn-after and red at -late-after, and the late chime
// plays once. A message that morphs the ticket later puts its timer back
// to the server's age instead of counting the time shown twice. A window
// opened on the ticket once it is late shows it red and plays no chime.
// Every wait is for a condition in the page; the thresholds are short so
// that the waits are short.
func TestBrowserClockRunsInThePage(t *testing.T) {
	b := browser(t)
	s := start(t, "-demo=false", "-warn-after", "2s", "-late-after", "4s")
	a := clockTab(t, b)
	a.navigate(t, s.url+"/")
	a.wait(t, "the socket's snapshot", `window.__opens >= 1 && window.__ticketFrames >= 1`)

	o := placeOrders(t, s.url, `{"destination": "takeout", "items": [{"name": "Hamburger"}]}`)[0]
	age := fmt.Sprintf(`document.querySelector('#age-%d')`, o.ID)
	a.wait(t, "the new ticket", age+` !== null && window.__ticketFrames === 2`)
	if class := eval[string](t, a, age+`.className`); class != "age" {
		t.Fatalf("a new ticket's timer has class %q, want age", class)
	}
	if shown := eval[bool](t, a, `getComputedStyle(`+age+`, '::before').display !== 'none' && getComputedStyle(`+age+`.querySelector('.age-text')).display === 'none'`); !shown {
		t.Fatal("the timer shows the server's text, not its running count")
	}
	first := eval[int](t, a, `__shown(`+age+`)`)
	a.wait(t, "the age to advance", fmt.Sprintf(`__shown(%s) >= %d`, age, first+1))
	a.wait(t, "the timer amber", `__colour(`+age+`) === 'rgb(255, 179, 0)' && __shown(`+age+`) >= 2`)
	a.wait(t, "the timer red and the late chime", `__colour(`+age+`) === 'rgb(215, 0, 21)' && __shown(`+age+`) >= 4 && window.__late === 1`)
	if n := eval[int](t, a, `window.__ticketFrames`); n != 2 {
		t.Fatalf("the page received %d messages with tickets or timers, want 2 (the snapshot and the new ticket)", n)
	}

	// A window opened now renders the ticket late: red, and no chime.
	late := clockTab(t, b)
	late.navigate(t, s.url+"/")
	late.wait(t, "the late ticket in the second window", `window.__ticketFrames >= 1 && `+age+` !== null && __colour(`+age+`) === 'rgb(215, 0, 21)'`)
	eval[bool](t, late, `window.__framesAfter = false; requestAnimationFrame(() => requestAnimationFrame(() => window.__framesAfter = true)); true`)
	late.wait(t, "two more frames", `window.__framesAfter`)
	if n := eval[int](t, late, `window.__late`); n != 0 {
		t.Errorf("a ticket already late when rendered played the late chime %d times", n)
	}

	// Fire it once the second window has shown it for two seconds: the
	// message morphs the ticket in place. Each window's timer then shows
	// the server's age at that render, plus the moment since; not that age
	// plus the time the ticket had been on the page.
	shownAt := eval[int](t, late, `__shown(`+age+`)`)
	late.wait(t, "two seconds on the second window", fmt.Sprintf(`__shown(%s) >= %d`, age, shownAt+2))
	act(t, s.url, o.ID, "fire")
	for _, tb := range []*tab{a, late} {
		tb.wait(t, "the fired ticket, morphed", fmt.Sprintf(`document.querySelector('#ticket-%d').dataset.status === 'fired' && __morphs.length >= 1`, o.ID))
		m := eval[struct {
			Age   float64 `json:"age"`
			Shown float64 `json:"shown"`
			After float64 `json:"after"`
		}](t, tb, `__morphs[0]`)
		if m.Shown < m.Age-1 || m.Shown > m.Age+m.After+1 {
			t.Errorf("after the morph the timer shows %vs; the server rendered %.3fs, %.3fs before", m.Shown, m.Age, m.After)
		}
	}
	if n := eval[int](t, a, `window.__late`); n != 1 {
		t.Errorf("the late chime played %d times after the morph, want still 1", n)
	}

	// A morph may keep every node of the ticket (htmx moves the timer
	// into its new form today, which restarts its own animations, but not
	// the ticket's). Change nothing but the style attribute, as such a
	// morph would: the timer shows the new age at once, and turns amber
	// when the new delay says, not counted from the ticket's first render.
	eval[bool](t, late, fmt.Sprintf(`document.querySelector('#ticket-%d').setAttribute('style', '--age:-100000ms;--to-warn:1500ms;--to-late:600000ms;'); true`, o.ID))
	if shown := eval[int](t, late, `__shown(`+age+`)`); shown < 100 || shown > 101 {
		t.Errorf("after a new style attribute the timer shows %ds, want 100", shown)
	}
	late.wait(t, "amber again", `__colour(`+age+`) === 'rgb(255, 179, 0)'`)
	if shown := eval[int](t, late, `__shown(`+age+`)`); shown < 101 {
		t.Errorf("the timer turned amber at %ds, want 101.5 s", shown)
	}
}
