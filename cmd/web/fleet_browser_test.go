package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserFleetPage opens an expo screen and a grill screen, then the
// fleet page: it shows a card for each (and none for the miniatures it
// holds itself), each card has applied the rail's version, and each
// miniature shows what its kind of screen shows. With RAIL_SCREENSHOTS set
// to a folder, it saves the page there as fleet.png.
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
}
