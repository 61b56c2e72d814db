package views

import (
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/ticketrail/ticketrail/orders"
)

var frame = Frame{Title: "Pair", Store: store, CSSURL: "assets/rail.css", HTMXURL: "assets/htmx/htmx.min.js"}

// TestPairingPage: the code, large, and nothing of the rail; the page asks
// the server every second.
func TestPairingPage(t *testing.T) {
	doc := document(t, PairingPage(frame, "K7P-Q3X"))
	if got := text(onlyTestID(t, doc, "pairing-code")); got != "K7P-Q3X" {
		t.Errorf("code %q", got)
	}
	for _, id := range []string{"rail", "all-day", "recall-list"} {
		if len(all(doc, func(n *html.Node) bool { return attrOr(n, "id") == id })) != 0 {
			t.Errorf("the pairing page has #%s", id)
		}
	}
	polls := all(doc, func(n *html.Node) bool { return hasAttr(n, "hx-get") })
	if len(polls) != 1 || attrOr(polls[0], "hx-get") != "pair" || attrOr(polls[0], "hx-trigger") != "every 1s" {
		t.Errorf("want one element polling pair every second, got %d", len(polls))
	}
	checkNoInlineStyle(t, renderString(t, PairingPage(frame, "K7P-Q3X")))
}

// TestScreensPage lists the screens, escaped, marks the one looking, and
// has a Revoke form for each and the approval form.
func TestScreensPage(t *testing.T) {
	const bad = `<script>alert(1)</script>`
	d := ScreensData{
		Screens: []orders.Screen{
			{ID: 1, Name: "grill 1", Role: orders.RoleKitchen, Station: orders.Grill, PairedAt: now},
			{ID: 2, Name: bad, Role: orders.RoleView, PairedAt: now, LastSeen: now},
		},
		Self:    1,
		Problem: bad,
	}
	s := renderString(t, ScreensPage(frame, d))
	if strings.Contains(s, bad) {
		t.Error("a screen's name or the problem became markup")
	}
	doc := document(t, ScreensPage(frame, d))
	rows := byTestID(doc, "screen-row")
	if len(rows) != 2 || attrOr(rows[1], "data-screen-id") != "2" {
		t.Fatalf("%d rows", len(rows))
	}
	if !strings.Contains(text(rows[0]), "this screen") || strings.Contains(text(rows[1]), "this screen") {
		t.Error("the screen looking is not marked, or another is")
	}
	if !strings.Contains(text(rows[0]), "grill") || !strings.Contains(text(rows[1]), "expo") {
		t.Errorf("views: %q / %q", text(rows[0]), text(rows[1]))
	}
	for i, r := range rows {
		f := formOf(t, onlyTestID(t, r, "screen-revoke"))
		if want := "screens/" + itoaN(i+1) + "/revoke"; attrOr(f, "action") != want || attrOr(f, "method") != "post" {
			t.Errorf("row %d revokes at %q", i, attrOr(f, "action"))
		}
	}
	pf := onlyTestID(t, doc, "pair-form")
	if attrOr(pf, "action") != "screens" || attrOr(pf, "method") != "post" {
		t.Errorf("the pair form posts to %q", attrOr(pf, "action"))
	}
	for _, name := range []string{"code", "name", "role", "station"} {
		if len(all(pf, func(n *html.Node) bool { return attrOr(n, "name") == name })) != 1 {
			t.Errorf("the pair form has no %s field", name)
		}
	}
	if got := text(onlyTestID(t, doc, "screens-problem")); got != bad {
		t.Errorf("problem %q", got)
	}
}
