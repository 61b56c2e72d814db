package views

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/ticketrail/ticketrail/orders"
)

func pageData(s Screen) PageData {
	rail := railFixture()
	rail[1].Status = orders.Fired
	return PageData{
		Screen:   s,
		Title:    "Kitchen rail · Harbor Street",
		CSSURL:   "assets/rail.0123456789ab.css",
		HTMXURL:  "assets/htmx/htmx.min.js",
		WSExtURL: "assets/htmx/hx-ws.min.js",
		WSURL:    "ws?station=" + string(s.Station),
		Now:      now,
		Orders:   rail,
		Recent:   recent(20, 21),
	}
}

func TestPage(t *testing.T) {
	p := pageData(expo)
	s := renderString(t, Page(p))
	if !strings.HasPrefix(strings.ToLower(s), "<!doctype html>") {
		t.Errorf("page starts with %.30q", s)
	}
	checkNoInlineStyle(t, s)
	doc := document(t, Page(p))

	head := byTag(doc, "head")[0]
	if metas := all(head, func(n *html.Node) bool { return n.Data == "meta" && strings.EqualFold(attrOr(n, "charset"), "utf-8") }); len(metas) != 1 {
		t.Error("no <meta charset=utf-8>")
	}
	if metas := all(head, func(n *html.Node) bool {
		return n.Data == "meta" && attrOr(n, "name") == "viewport" && strings.Contains(attrOr(n, "content"), "width=device-width")
	}); len(metas) != 1 {
		t.Error("no viewport meta")
	}
	if got := text(byTag(head, "title")[0]); got != p.Title {
		t.Errorf("title = %q", got)
	}
	links := all(head, func(n *html.Node) bool { return n.Data == "link" && attrOr(n, "rel") == "stylesheet" })
	if len(links) != 1 || attrOr(links[0], "href") != p.CSSURL {
		t.Errorf("stylesheet links %v, want one to %q", links, p.CSSURL)
	}
	// htmx in the head; the page's own script, inline, last in the body,
	// exactly the text that ScriptHash allows.
	var srcs []string
	var inline []*html.Node
	for _, sc := range byTag(doc, "script") {
		switch {
		case attrOr(sc, "src") == "":
			inline = append(inline, sc)
		case sc.Parent != head:
			t.Errorf("script %q outside <head>", attrOr(sc, "src"))
		default:
			srcs = append(srcs, attrOr(sc, "src"))
		}
	}
	if want := []string{p.HTMXURL, p.WSExtURL}; !slices.Equal(srcs, want) {
		t.Errorf("scripts %q, want %q", srcs, want)
	}
	if len(inline) != 1 || inline[0].FirstChild == nil || inline[0].FirstChild.Data != railScript || inline[0].Parent.Data != "body" {
		t.Errorf("want one inline script, the page's own, in the body; got %d", len(inline))
	}
	if h := ScriptHash(); !strings.HasPrefix(h, "'sha256-") || len(h) != len("'sha256-'")+44 {
		t.Errorf("script hash %q", h)
	}

	// The body connects; every control that sends is inside it (hx-ws
	// finds the socket with closest()).
	body := byTag(doc, "body")[0]
	conns := all(doc, func(n *html.Node) bool { return hasAttr(n, "hx-ws:connect") })
	if len(conns) != 1 || conns[0] != body || attrOr(body, "hx-ws:connect") != p.WSURL {
		t.Fatalf("want <body hx-ws:connect=%q>", p.WSURL)
	}
	if got := attrOr(body, "hx-swap"); got != "none" {
		t.Errorf("connecting element hx-swap = %q, want none", got)
	}
	if got := attrOr(body, "hx-on::ws:close"); got != "if (event.detail?.code === 4001) location.reload(); else document.getElementById('connection').hidden = false" {
		t.Errorf("hx-on::ws:close = %q", got)
	}
	if hasClass(body, "size-large") {
		t.Error("body has size-large")
	}
	senders := all(doc, func(n *html.Node) bool { return hasAttr(n, "hx-ws:send") })
	if len(senders) < 10 {
		t.Errorf("only %d hx-ws:send elements", len(senders))
	}
	for _, n := range senders {
		if n.Data != "form" {
			t.Errorf("hx-ws:send on <%s>, want forms", n.Data)
		}
	}

	// Connection banner: hidden until the socket closes.
	banner := byID(t, doc, "connection")
	if !hasAttr(banner, "hidden") || attrOr(banner, "role") != "status" || attrOr(banner, "data-testid") != "connection" || text(banner) != "Reconnecting…" {
		t.Errorf("banner <%s hidden=%v role=%q>%q", banner.Data, hasAttr(banner, "hidden"), attrOr(banner, "role"), text(banner))
	}
	// Offline banner: hidden while the board reaches its database, shown
	// on a page rendered while it cannot.
	if offline := byID(t, doc, "offline"); !hasAttr(offline, "hidden") || attrOr(offline, "data-testid") != "offline" {
		t.Errorf("offline banner hidden=%v testid %q, want hidden", hasAttr(offline, "hidden"), attrOr(offline, "data-testid"))
	}
	p.Offline = true
	if offline := byID(t, document(t, Page(p)), "offline"); hasAttr(offline, "hidden") || text(offline) != "Kitchen offline: changes paused" {
		t.Errorf("offline page: banner hidden=%v %q, want it shown", hasAttr(offline, "hidden"), text(offline))
	}
	p.Offline = false

	// Header: store, screen name, screen links.
	if got := text(onlyTestID(t, doc, "header-store")); got != store {
		t.Errorf("header store = %q", got)
	}
	if hs := byTag(doc, "h1"); len(hs) != 1 || text(hs[0]) != "Expo" {
		t.Errorf("want one <h1>Expo</h1>, got %q", texts(hs))
	}
	checkScreenLinks(t, doc, "", []string{"./", "?station=grill", "?station=fry", "?station=shake"})

	// Recall: the button and the panel.
	checkControl(t, onlyTestID(t, doc, "recall-last"), "recall", map[string]string{"action": "recall"})
	panel := byID(t, doc, "recall-panel")
	if panel.Data != "details" || hasAttr(panel, "open") {
		t.Errorf("recall panel is <%s open=%v>", panel.Data, hasAttr(panel, "open"))
	}
	summary := elementChildren(panel)[0]
	count := byID(t, doc, "recall-count")
	if summary.Data != "summary" || !isAncestor(summary, count) || text(count) != "2" {
		t.Errorf("recall count %q not in the panel's summary", text(count))
	}
	list := byID(t, doc, "recall-list")
	if !isAncestor(panel, list) || list.Data != "ol" || len(byTestID(list, "recall-item")) != 2 {
		t.Error("recall list is not an <ol> of 2 in the panel")
	}

	// All day and the rail.
	ad := byID(t, doc, "all-day")
	if got := len(byTestID(ad, "all-day-item")); got != 3 {
		t.Errorf("all day has %d items, want 3", got)
	}
	rail := byID(t, doc, "rail")
	var ids []string
	for _, k := range elementChildren(rail) {
		ids = append(ids, attrOr(k, "id"))
	}
	if want := []string{"ticket-1", "ticket-2", "ticket-3", "ticket-4"}; !slices.Equal(ids, want) {
		t.Errorf("#rail holds %q, want %q", ids, want)
	}
	if got := text(byID(t, doc, "age-1")); got != "1:00" {
		t.Errorf("ticket 1 age %q, want 1:00 at PageData.Now", got)
	}

	checkKeys(t, doc, rail, map[string]string{"action": "bump"})
	checkUniqueIDs(t, doc)
	checkURLs(t, doc, p)
	if strings.Contains(s, "http:") || strings.Contains(s, "https:") {
		t.Error("page mentions an absolute http(s) URL")
	}
}

func TestPageStation(t *testing.T) {
	p := pageData(grill)
	p.Large = true
	doc := document(t, Page(p))
	body := byTag(doc, "body")[0]
	if !hasClass(body, "size-large") || !hasClass(body, "station-screen") {
		t.Errorf("body class %q, want size-large station-screen", attrOr(body, "class"))
	}
	if hs := byTag(doc, "h1"); len(hs) != 1 || text(hs[0]) != "Grill" {
		t.Errorf("want one <h1>Grill</h1>, got %q", texts(hs))
	}
	checkScreenLinks(t, doc, "grill", []string{"./?size=large", "?station=grill&size=large", "?station=fry&size=large", "?station=shake&size=large"})
	rail := byID(t, doc, "rail")
	var ids []string
	for _, k := range elementChildren(rail) {
		ids = append(ids, attrOr(k, "id"))
		if got := attrOr(onlyTestID(t, k, "bump"), "class"); got != "bump" {
			t.Errorf("bump class %q", got)
		}
	}
	if want := []string{"ticket-1", "ticket-3", "ticket-4"}; !slices.Equal(ids, want) {
		t.Errorf("grill #rail holds %q, want %q", ids, want)
	}
	if got := allDayLines(t, byID(t, doc, "all-day")); !slices.Equal(got, []string{"3 Hamburger | 3 HAMBURGER"}) {
		t.Errorf("grill all day %q", got)
	}
	checkKeys(t, doc, rail, map[string]string{"action": "done", "station": "grill"})
	checkUniqueIDs(t, doc)
}

func checkScreenLinks(t *testing.T, doc *html.Node, current string, hrefs []string) {
	t.Helper()
	links := byTestID(doc, "screen-link")
	var got []string
	for _, a := range links {
		got = append(got, attrOr(a, "href"))
		if hasAttr(a, "aria-current") != (attrOr(a, "data-station") == current) {
			t.Errorf("link %q aria-current=%q on screen %q", attrOr(a, "href"), attrOr(a, "aria-current"), current)
		}
	}
	if !slices.Equal(got, hrefs) {
		t.Errorf("screen links %q, want %q", got, hrefs)
	}
	if got := texts(links); !slices.Equal(got, []string{"Expo", "Grill", "Fry", "Shake"}) {
		t.Errorf("screen link names %q", got)
	}
}

// checkKeys checks the bump-bar forms: 1 to 9 act on the ticket whose slot
// badge shows that key, Enter on the selected ticket, R recalls the last
// bumped; none is on the rail.
func checkKeys(t *testing.T, doc, rail *html.Node, values map[string]string) {
	t.Helper()
	keys := byTestID(doc, "bump-key")
	if len(keys) != MaxSlots+1 {
		t.Fatalf("%d bump keys, want %d and Enter", len(keys), MaxSlots)
	}
	for i, f := range keys {
		n := itoa(i + 1)
		want := []string{"keyup[key == '" + n + "' && ", "!ctrlKey", "!altKey", "!metaKey", "!target.closest('input,textarea,select')",
			".find(t => t.dataset.slot === '" + n + "')]", "] from:body"}
		wantVals := "js:{id: Array.from(document.querySelectorAll('#rail > .ticket:not(.leaving)')).find(t => t.dataset.slot === '" + n + "')?.dataset.orderId}"
		if i == MaxSlots {
			n = "Enter"
			want = []string{"keyup[key == 'Enter' && ", "!target.closest('button,a,summary')", ".ticket.selected:not(.leaving)')] from:body"}
			wantVals = "js:{id: document.querySelector('#rail > .ticket.selected:not(.leaving)')?.dataset.orderId}"
		}
		if attrOr(f, "data-key") != n {
			t.Errorf("key %d is %q, want %q", i, attrOr(f, "data-key"), n)
		}
		if f.Data != "form" || !hasAttr(f, "hx-ws:send") || isAncestor(rail, f) {
			t.Errorf("key %s: <%s> with hx-ws:send %v, in #rail %v", n, f.Data, hasAttr(f, "hx-ws:send"), isAncestor(rail, f))
		}
		trig := attrOr(f, "hx-trigger")
		for _, w := range want {
			if !strings.Contains(trig, w) {
				t.Errorf("key %s trigger %q lacks %q", n, trig, w)
			}
		}
		// htmx's trigger filter ends at the first ']'.
		if strings.Count(trig, "]") != 1 || strings.Count(trig, "[") != 1 {
			t.Errorf("key %s trigger %q has brackets in its filter", n, trig)
		}
		if vals := attrOr(f, "hx-vals"); vals != wantVals {
			t.Errorf("key %s hx-vals %q, want %q", n, vals, wantVals)
		}
		if got := hiddenValues(f); !mapsEqual(got, values) {
			t.Errorf("key %s values %v, want %v", n, got, values)
		}
		if !hasAttr(f.Parent, "hidden") {
			t.Error("bump keys are not hidden")
		}
	}
	r := onlyTestID(t, doc, "recall-key")
	if trig := attrOr(r, "hx-trigger"); !strings.HasPrefix(trig, "keyup[(key == 'r' || key == 'R') && !ctrlKey") || !strings.HasSuffix(trig, "] from:body") {
		t.Errorf("recall key trigger %q", trig)
	}
	if got := hiddenValues(r); !mapsEqual(got, map[string]string{"action": "recall"}) {
		t.Errorf("recall key values %v", got)
	}
	// It names the first order of the recall list, so that a resent
	// message recalls the same order again, not the next one.
	if vals := attrOr(r, "hx-vals"); !strings.Contains(vals, "#recall-list [data-order-id]") {
		t.Errorf("recall key hx-vals %q", vals)
	}
}

func itoa(i int) string { return string(rune('0' + i)) }

func checkUniqueIDs(t *testing.T, doc *html.Node) {
	t.Helper()
	seen := map[string]bool{}
	for _, n := range all(doc, func(n *html.Node) bool { return hasAttr(n, "id") }) {
		id := attrOr(n, "id")
		if seen[id] {
			t.Errorf("id %q twice", id)
		}
		seen[id] = true
	}
}

// checkURLs checks that every URL in the page is relative: the given ones,
// the controls' form actions and the screen links.
func checkURLs(t *testing.T, doc *html.Node, p PageData) {
	t.Helper()
	urlAttrs := []string{"href", "src", "action", "formaction", "hx-ws:connect", "hx-get", "hx-post", "data", "poster"}
	var seen []string
	for _, n := range all(doc, func(*html.Node) bool { return true }) {
		for _, a := range n.Attr {
			if !slices.Contains(urlAttrs, a.Key) {
				continue
			}
			seen = append(seen, a.Val)
			if strings.HasPrefix(a.Val, "/") || strings.Contains(a.Val, "//") || strings.Contains(a.Val, ":") {
				t.Errorf("<%s %s=%q> is not relative", n.Data, a.Key, a.Val)
			}
		}
	}
	for _, u := range []string{p.CSSURL, p.HTMXURL, p.WSExtURL, p.WSURL, "recall", "orders/1/fire", "orders/1/bump", "orders/1/cancel", "orders/20/recall", "./"} {
		if !slices.Contains(seen, u) {
			t.Errorf("page lacks URL %q", u)
		}
	}
}

var hostile = []string{
	`<script>alert(1)</script>`,
	`"><img src=x onerror=alert(1)>`,
	`</hx-partial><hx-partial hx-target="body" hx-swap="innerHTML">`,
	`' onmouseover='alert(1)`,
}

func checkNoInjection(t *testing.T, root *html.Node, maxScripts int) {
	t.Helper()
	if got := byTag(root, "img"); len(got) != 0 {
		t.Errorf("found %d <img> elements", len(got))
	}
	if got := byTag(root, "script"); len(got) > maxScripts {
		t.Errorf("found %d <script> elements, want at most %d", len(got), maxScripts)
	}
	for _, n := range all(root, func(*html.Node) bool { return true }) {
		for _, a := range n.Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") {
				t.Errorf("<%s> has event handler attribute %s=%q", n.Data, a.Key, a.Val)
			}
		}
		if n.Data == "hx-partial" && attrOr(n, "hx-target") == "body" {
			t.Error("text made a partial")
		}
	}
}

func TestHostileText(t *testing.T) {
	for _, bad := range hostile {
		t.Run(bad, func(t *testing.T) {
			o := sampleOrder()
			o.Items = []orders.Item{{Quantity: 1, Name: bad, Station: orders.Grill, Modifiers: []string{bad}}}
			o.Notes = []string{bad}
			o.Destination = orders.Destination(bad)
			s := Screen{Store: bad}
			gs := Screen{Store: bad, Station: orders.Grill}

			n := one(t, Ticket(s, now, o))
			checkNoInjection(t, n, 0)
			checkTicket(t, n, o)
			for _, id := range []string{"store", "name", "modifier", "note"} {
				// A long text may continue the ticket in another part,
				// which repeats the item's name.
				for _, el := range byTestID(n, id) {
					if got := text(el); got != collapse(bad) {
						t.Errorf("%s text = %q, want %q", id, got, bad)
					}
				}
			}
			if got := attrOr(onlyTestID(t, n, "destination"), "data-destination"); got != bad {
				t.Errorf("data-destination = %q", got)
			}

			rec := o
			rec.Status = orders.Bumped
			rail := []orders.Order{o}
			var cs []orders.Event
			for _, k := range []orders.EventKind{orders.EventSnapshot, orders.EventPlaced, orders.EventRecalled, orders.EventFired, orders.EventStationDone, orders.EventTick} {
				e := event(k, o, rail)
				e.Recent = []orders.Order{rec}
				e.Station = orders.Grill
				cs = append(cs, e)
			}
			for _, e := range cs {
				for _, sc := range []Screen{s, gs} {
					for _, el := range fragment(t, Message(sc, e)) {
						checkNoInjection(t, el, 0)
					}
				}
			}
			for _, el := range fragment(t, AllDay(s, rail)) {
				checkNoInjection(t, el, 0)
				if got := attrOr(onlyTestID(t, el, "all-day-item"), "data-name"); got != bad {
					t.Errorf("all-day data-name = %q", got)
				}
			}
			for _, el := range fragment(t, RecallList(s, []orders.Order{rec})) {
				checkNoInjection(t, el, 0)
			}
			for _, el := range fragment(t, Rail(gs, now, rail)) {
				checkNoInjection(t, el, 0)
			}

			doc := document(t, Page(PageData{
				Screen: s, Title: bad, CSSURL: "assets/rail.css", HTMXURL: "h.js", WSExtURL: "w.js", WSURL: "ws",
				Now: now, Orders: rail, Recent: []orders.Order{rec},
			}))
			checkNoInjection(t, doc, 3)
			if got := text(onlyTestID(t, doc, "header-store")); got != collapse(bad) {
				t.Errorf("header store = %q", got)
			}
			if got := text(byTag(doc, "title")[0]); got != collapse(bad) {
				t.Errorf("title = %q", got)
			}
		})
	}
}
