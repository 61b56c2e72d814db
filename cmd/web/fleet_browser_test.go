package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ticketrail/ticketrail/handlers"
)

// TestBrowserFleetPage opens an expo screen and a grill screen, then the
// fleet page: it shows a card for each (and none for the miniatures it
// holds itself), each card has applied the rail's version, and each
// miniature shows what its kind of screen shows. A third screen's network
// then stalls: its card turns amber, then red, and back once it flows.
// With RAIL_SCREENSHOTS set to a folder, it saves the page there as
// fleet.png while the card is red.
func TestBrowserFleetPage(t *testing.T) {
	b := browser(t)
	s := start(t, "-demo=false")
	placed := placeOrders(t, s.url,
		`{"destination": "takeout", "items": [{"name": "Double Burger", "quantity": 2, "station": "grill"}, {"name": "Fries", "quantity": 1, "station": "fry"}]}`,
		`{"destination": "drive thru", "rush": true, "items": [{"name": "Chocolate Shake", "quantity": 1, "station": "shake"}]}`,
		`{"destination": "dining room", "items": [{"name": "Hamburger", "quantity": 1, "station": "grill"}]}`,
	)
	expo, grill := openTab(t, b), openTab(t, b)
	expo.navigate(t, s.url+"/")
	grill.navigate(t, s.url+"/?station=grill")
	expo.wait(t, "the expo's tickets", `document.querySelectorAll('#rail > .ticket').length === 3`)
	grill.wait(t, "the grill's tickets", `document.querySelectorAll('#rail > .ticket').length === 2`)

	fl := openTab(t, b)
	fl.navigate(t, s.url+"/fleet")
	version := strconv.Itoa(len(placed)) // one change per order
	fl.wait(t, "a card for each screen, applied up to the last change",
		`(() => { const cards = [...document.querySelectorAll('[data-testid=fleet-card]')];
			return cards.length === 2 && cards.every(c => c.dataset.applied === '`+version+`' && c.dataset.level === 'ok') &&
				cards.map(c => c.dataset.view).sort().join() === 'expo,grill'; })()`)
	fl.wait(t, "the miniatures showing their screens' tickets",
		`(() => { const n = (sel) => document.querySelector(sel)?.contentDocument?.querySelectorAll('#rail > .ticket').length;
			return n('iframe[src*="station=grill"]') === 2 && n('iframe:not([src*="station="])') === 3; })()`)

	// A new order reaches every screen, its card and its miniature.
	placeOrders(t, s.url, `{"destination": "takeout", "items": [{"name": "Cheeseburger", "quantity": 1, "station": "grill"}]}`)
	fl.wait(t, "the cards at the new version",
		`[...document.querySelectorAll('[data-testid=fleet-card]')].every(c => c.dataset.applied === '4')`)
	fl.wait(t, "the grill miniature with the new ticket",
		`document.querySelector('iframe[src*="station=grill"]').contentDocument.querySelectorAll('#rail > .ticket').length === 3`)
	if n := eval[int](t, fl, `document.querySelectorAll('[data-testid=fleet-card]').length`); n != 2 {
		t.Errorf("%d cards: the miniatures are listed as screens", n)
	}

	// A fry screen on a network that stalls: its card turns amber, then
	// red once it has owed an ack for DefaultUnseenAfter (the alarms are
	// off here, so nothing closes it), and back once the network is.
	p := newProxy(t, s.url)
	fry := openTab(t, b)
	fry.navigate(t, p.url+"?station=fry")
	fry.wait(t, "the fry's ticket", `document.querySelectorAll('#rail > .ticket').length === 1`)
	fl.wait(t, "three cards, the fry's at the last version",
		`document.querySelectorAll('[data-testid=fleet-card]').length === 3 &&
			document.querySelector('[data-testid=fleet-card][data-view=fry]')?.dataset.applied === '4'`)
	p.pause(true)
	placeOrders(t, s.url, `{"destination": "takeout", "items": [{"name": "Onion Rings", "quantity": 1, "station": "fry"}]}`)
	fryCard := `document.querySelector('[data-testid=fleet-card][data-view=fry]')?.dataset.level`
	fl.wait(t, "the fry's card amber", fryCard+` === 'amber'`)
	fl.waitLong(t, "the fry's card red", fryCard+` === 'red'`, 2*handlers.DefaultUnseenAfter)
	if got := eval[string](t, fl, `[...document.querySelectorAll('[data-testid=fleet-card]:not([data-view=fry])')].map(c => c.dataset.level).join()`); got != "ok,ok" {
		t.Errorf("the other cards are %s while the fry's network stalls", got)
	}
	if dir := os.Getenv("RAIL_SCREENSHOTS"); dir != "" {
		ctx, cancel := context.WithTimeout(fl.ctx, 15*time.Second)
		defer cancel()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "fleet.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p.pause(false)
	fry.wait(t, "the fry screen with the new ticket", `document.querySelectorAll('#rail > .ticket').length === 2`)
	fl.wait(t, "the fry's card back to ok at the last version", fryCard+` === 'ok' && document.querySelector('[data-testid=fleet-card][data-view=fry]').dataset.applied === '5'`)
}

// waitLong is wait with a longer deadline, for what takes a known while.
func (tb *tab) waitLong(t *testing.T, what, expr string, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, d+10*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(d+5*time.Second))); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}
