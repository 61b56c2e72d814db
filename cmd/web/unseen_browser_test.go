package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// unseenAfter is the -unseen-after of the unseen-alarm test: short, so that
// its waits are short. The waits poll for several times as long.
const unseenAfter = 2 * time.Second

// unseenJS runs before any page script, after watchScript. It records the
// version of every ack the page sends over its socket (window.__acks), and
// on an expo page every alarm its panel has shown at any moment
// (window.__seen, "station|screen|ticket|lag" or "...|no-screen", in the
// order they first showed, and window.__texts, each one's text).
const unseenJS = `
window.__acks = [];
{
	const send = WebSocket.prototype.send;
	WebSocket.prototype.send = function (data) {
		try {
			const m = JSON.parse(data);
			if (m && m.action === 'ack') window.__acks.push(Number(m.version));
		} catch (e) {}
		return send.apply(this, arguments);
	};
}
window.__seen = []; window.__texts = {};
document.addEventListener('DOMContentLoaded', () => {
	const note = () => {
		for (const li of document.querySelectorAll('#unseen:not([hidden]) [data-testid=unseen-alarm]')) {
			const k = [li.dataset.station, li.dataset.screen, li.dataset.ticket, li.hasAttribute('data-no-screen') ? 'no-screen' : 'lag'].join('|');
			if (!window.__seen.includes(k)) {
				window.__seen.push(k);
				window.__texts[k] = li.textContent.replace(/\s+/g, ' ').trim();
			}
		}
	};
	note();
	new MutationObserver(note).observe(document.body, {childList: true, subtree: true, attributes: true, attributeFilter: ['hidden']});
});
`

// unseenTab opens a window on url that runs unseenJS, and waits for its
// socket.
func unseenTab(t *testing.T, b context.Context, url string) *tab {
	t.Helper()
	tb := openTab(t, b)
	if _, err := chromedp.Call(tb.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: unseenJS}); err != nil {
		t.Fatal(err)
	}
	tb.navigate(t, url)
	tb.wait(t, "the socket of "+url, `window.__opens >= 1`)
	return tb
}

// shownAcked is true once the page has acked the version its receipt
// shows: the receipt of the last message swapped in sent its ack.
const shownAcked = `(() => {
	const r = document.getElementById('receipt');
	return !!r && r.dataset.version !== undefined && window.__acks.includes(Number(r.dataset.version));
})()`

// alarm is one entry of the expo's alarm panel.
type alarm struct {
	Station  string `json:"station"`
	Screen   string `json:"screen"`
	Ticket   string `json:"ticket"`
	NoScreen bool   `json:"noScreen"`
	Text     string `json:"text"`
}

// pageState is what a page shows and what its socket did.
type pageState struct {
	Tickets []string `json:"tickets"`
	Opens   int      `json:"opens"`
	Closes  []int    `json:"closes"`
}

const pageStateJS = `({tickets: ` + ticketIDs + `, opens: window.__opens, closes: window.__closes})`

// jsQuote is s as a JavaScript string literal.
func jsQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// alarmsJS lists the entries of the alarm panel; none while it is hidden.
const alarmsJS = `[...document.querySelectorAll('#unseen:not([hidden]) [data-testid=unseen-alarm]')].map(li => ({
	station: li.dataset.station, screen: li.dataset.screen, ticket: li.dataset.ticket,
	noScreen: li.hasAttribute('data-no-screen'), text: li.textContent.replace(/\s+/g, ' ').trim()}))`

// alarmJS is true while the panel shows an alarm matching selector, a
// selector of the entry's attributes such as [data-station=grill].
func alarmJS(selector string) string {
	return `document.querySelector('#unseen:not([hidden]) [data-testid=unseen-alarm]` + selector + `') !== null`
}

// poll waits for expr to be true in the page, for at most timeout. On
// failure it says what the page's alarm panel and receipt held.
func (tb *tab) poll(t *testing.T, what, expr string, timeout time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, timeout+5*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(timeout))); err != nil {
		ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
		defer cancel()
		state := "unknown"
		if v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({tickets: `+ticketIDs+`, alarms: `+alarmsJS+`,
			receipt: document.getElementById('receipt')?.dataset.version, acks: window.__acks.slice(-5), opens: window.__opens, closes: window.__closes})`)); err == nil {
			state = v
		}
		t.Fatalf("waiting for %s: %v (page now %s)", what, err, state)
	}
}

// stationRail reads the rail of a station's screen from the server.
func stationRail(t *testing.T, base, station string) []string {
	t.Helper()
	resp, err := http.Get(base + "/fragments/rail?station=" + station)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET the %s rail: %d %s", station, resp.StatusCode, body)
	}
	var ids []string
	for _, m := range regexp.MustCompile(`<article[^>]* id="(ticket-\d+)"`).FindAllStringSubmatch(string(body), -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// TestBrowserUnseenAlarm freezes a grill page's network with the pausable
// proxy while an expo page watches, both in Chromium against the real
// server with a short -unseen-after:
//
//   - While the pages ack what they are sent, the expo shows no alarm of a
//     screen; a station with open tickets and no screen (fry) is an alarm
//     once -unseen-after has passed, and that moment is when the test
//     looks.
//   - Frozen, the grill page still looks connected and does not show a new
//     grill ticket; the expo names it, its station and the ticket. Released
//     early, it shows the server's rail and the alarm clears.
//   - Frozen until the server gives up on it, its socket is closed (the
//     expo then says the grill has no screen); released, the page hears
//     1013, reconnects, shows the server's rail and the alarms clear.
//   - A fry page opening clears the fry alarm, and the panel hides.
func TestBrowserUnseenAlarm(t *testing.T) {
	b := browser(t)
	s := start(t, "-demo=false", "-unseen-after", unseenAfter.String())
	p := newProxy(t, s.url)
	// Every wait that the alarms time is several times -unseen-after: on
	// a loaded machine the checks and the pages run late.
	long := 8 * unseenAfter
	const grillScreen = "127.0.0.1 · Headless Chrome" // the proxy's address and the browser

	expo := unseenTab(t, b, s.url+"/")
	grill := unseenTab(t, b, p.url+"?station=grill")
	alarms := func(when string) []alarm {
		t.Helper()
		a := eval[[]alarm](t, expo, alarmsJS)
		t.Logf("expo's alarms %s: %+v", when, a)
		return a
	}
	// both waits for the expo to show the server's rail and the grill page
	// the grill's, each having acked what it shows.
	both := func(when string) {
		t.Helper()
		want, wantGrill := serverRail(t, s.url), stationRail(t, s.url, "grill")
		expo.poll(t, "the expo to show "+jsArray(want)+" "+when, ticketIDs+`.join() === `+jsString(want), long)
		grill.poll(t, "the grill page to show "+jsArray(wantGrill)+" "+when, ticketIDs+`.join() === `+jsString(wantGrill), long)
		expo.poll(t, "the expo to ack what it shows "+when, shownAcked, long)
		grill.poll(t, "the grill page to ack what it shows "+when, shownAcked, long)
	}

	// Acking normally. A grill order reaches both pages and neither is in
	// alarm; a fry order has no screen, which is an alarm once
	// -unseen-after has passed. At that moment no screen is in alarm: the
	// pages have acked everything, and the panel has never named one.
	if !eval[bool](t, expo, `document.getElementById('unseen').hidden`) {
		t.Errorf("the expo opened with alarms: %+v", alarms("on opening"))
	}
	if n := eval[int](t, grill, `document.querySelectorAll('#unseen').length`); n != 0 {
		t.Errorf("the grill page has %d alarm panels, want none", n)
	}
	burger := placeOrders(t, s.url, `{"destination": "takeout", "items": [{"name": "Hamburger"}]}`)[0]
	both("with the first grill order")
	if a := alarms("with the first grill order"); len(a) != 0 {
		t.Errorf("alarms while every screen acks: %+v", a)
	}
	fries := placeOrders(t, s.url, `{"destination": "dine in", "items": [{"name": "French Fries"}]}`)[0]
	both("with the fry order")
	expo.poll(t, "the expo's no-fry-screen alarm", alarmJS(`[data-station=fry][data-no-screen]`), long)
	a := alarms("once the fry station has had no screen for -unseen-after")
	if len(a) != 1 || a[0].Station != "fry" || !a[0].NoScreen || a[0].Screen != "" || !strings.Contains(a[0].Text, "No FRY screen") {
		t.Errorf("alarms %+v, want only No FRY screen", a)
	}
	if seen := eval[[]string](t, expo, `window.__seen`); !slices.Equal(seen, []string{"fry||0|no-screen"}) {
		t.Errorf("the expo's panel has shown %q, want only the fry station's alarm", seen)
	}

	// Frozen and released before the server gives up. Between the alarm
	// and the release the test looks at the frozen page once, so that it
	// releases it well before the server would close its socket; what the
	// expo showed meanwhile its record tells.
	p.pause(true)
	frozen := eval[[]string](t, grill, ticketIDs)
	cheese := placeOrders(t, s.url, `{"destination": "drive thru", "items": [{"name": "Cheeseburger"}]}`)[0]
	expo.poll(t, fmt.Sprintf("the expo's alarm of the grill screen not showing #%d", cheese.Number),
		alarmJS(fmt.Sprintf(`[data-station=grill][data-ticket="%d"]:not([data-no-screen])`, cheese.Number)), long)
	still := eval[pageState](t, grill, pageStateJS)
	p.pause(false)
	if !slices.Equal(still.Tickets, frozen) || slices.Contains(still.Tickets, tickets(cheese.ID)[0]) {
		t.Errorf("the frozen grill page changed from %v to %v (#%d is ticket-%d)", frozen, still.Tickets, cheese.Number, cheese.ID)
	}
	if len(still.Closes) != 0 {
		t.Errorf("the frozen grill page's socket closed (%v): it should look alive", still.Closes)
	}
	cheeseKey := fmt.Sprintf("grill|%s|%d|lag", grillScreen, cheese.Number)
	seen := eval[[]string](t, expo, `window.__seen`)
	for _, k := range seen {
		switch k {
		case "fry||0|no-screen", cheeseKey:
		case "grill||0|no-screen":
			// The server gave up on the frozen socket already: the test
			// ran late. The release has to mend that too.
		default:
			t.Errorf("the expo showed alarm %q with only the grill page frozen (%q)", k, seen)
		}
	}
	if !slices.Contains(seen, cheeseKey) {
		t.Errorf("the expo's alarms %q do not name the frozen grill screen %q and #%d", seen, grillScreen, cheese.Number)
	} else if text := eval[string](t, expo, `window.__texts[`+jsQuote(cheeseKey)+`]`); !strings.Contains(text, fmt.Sprintf("has not shown #%d", cheese.Number)) {
		t.Errorf("the frozen grill screen's alarm says %q", text)
	}
	both("after the release")
	if !slices.Contains(eval[[]string](t, expo, ticketIDs), tickets(cheese.ID)[0]) {
		t.Errorf("the expo does not show #%d", cheese.Number)
	}
	expo.poll(t, "the grill alarms to clear after the release", `!(`+alarmJS(`[data-station=grill]`)+`)`, long)
	if a := alarms("after the release"); len(a) != 1 || a[0].Station != "fry" || !a[0].NoScreen {
		t.Errorf("alarms after the release %+v, want only No FRY screen", a)
	}

	// Frozen until the server gives up: it resends the rail, then closes
	// the socket, and the grill has no screen. Released, the page is told
	// 1013 and reconnects.
	before := eval[pageState](t, grill, pageStateJS)
	p.pause(true)
	double := placeOrders(t, s.url, `{"destination": "takeout", "items": [{"name": "Double Burger"}, {"name": "French Fries"}]}`)[0]
	expo.poll(t, fmt.Sprintf("the expo's alarm of the grill screen not showing #%d", double.Number),
		alarmJS(fmt.Sprintf(`[data-station=grill][data-ticket="%d"]:not([data-no-screen])`, double.Number)), long)
	// The server waits for the close handshake a while before it drops
	// the connection: a longer wait.
	expo.poll(t, "the expo's no-grill-screen alarm once the server closed the frozen socket", alarmJS(`[data-station=grill][data-no-screen]`), 2*long)
	still = eval[pageState](t, grill, pageStateJS)
	if !slices.Equal(still.Tickets, before.Tickets) || slices.Contains(still.Tickets, tickets(double.ID)[0]) {
		t.Errorf("the frozen grill page changed from %v to %v (#%d is ticket-%d)", before.Tickets, still.Tickets, double.Number, double.ID)
	}
	if len(still.Closes) != len(before.Closes) || still.Opens != before.Opens {
		t.Errorf("the frozen grill page's socket closed or opened before its release: closes %v, opens %d, before %v, %d",
			still.Closes, still.Opens, before.Closes, before.Opens)
	}
	p.pause(false)
	grill.poll(t, "the grill page to hear 1013", fmt.Sprintf(`window.__closes.slice(%d).includes(1013)`, len(before.Closes)), long)
	grill.poll(t, "the grill page to reconnect", fmt.Sprintf(`window.__opens > %d`, before.Opens), long)
	both("after the reconnect")
	expo.poll(t, "the grill alarms to clear after the reconnect", `!(`+alarmJS(`[data-station=grill]`)+`)`, long)

	// A fry screen comes: its alarm clears, and with it the panel.
	if !eval[bool](t, expo, alarmJS(`[data-station=fry][data-no-screen]`)) {
		t.Errorf("the no-fry-screen alarm went before a fry screen came: %+v", alarms("before the fry page"))
	}
	fry := unseenTab(t, b, s.url+"/?station=fry")
	wantFry := stationRail(t, s.url, "fry")
	if want := tickets(fries.ID, double.ID); !slices.Equal(wantFry, want) {
		t.Fatalf("the server's fry rail %v, want %v", wantFry, want)
	}
	fry.poll(t, "the fry page to show "+jsArray(wantFry), ticketIDs+`.join() === `+jsString(wantFry), long)
	fry.poll(t, "the fry page to ack what it shows", shownAcked, long)
	expo.poll(t, "the expo's panel to hide once the fry page is there", `document.getElementById('unseen').hidden && `+
		`document.querySelectorAll('#unseen [data-testid=unseen-alarm]').length === 0`, long)
	if want := tickets(burger.ID, fries.ID, cheese.ID, double.ID); !slices.Equal(serverRail(t, s.url), want) {
		t.Errorf("the server's rail %v, want %v", serverRail(t, s.url), want)
	}
	t.Logf("the expo's panel showed %q", eval[[]string](t, expo, `window.__seen`))
}
