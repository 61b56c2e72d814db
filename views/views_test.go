package views

import (
	"bytes"
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/ticketrail/ticketrail/orders"
)

const store = "Harbor Street Burgers"

// sampleOrder is a typical ticket: two items with modifiers, one without, and
// a note.
func sampleOrder() orders.Order {
	return orders.Order{
		ID:          7,
		Number:      123,
		PlacedAt:    time.Date(2026, 3, 14, 9, 5, 30, 0, time.UTC),
		Destination: orders.DriveThru,
		Status:      orders.Fired,
		Items: []orders.Item{
			{Quantity: 2, Name: "Double Burger", Station: orders.Grill, Modifiers: []string{"no onion", "extra pickles"}},
			{Quantity: 1, Name: "Fries", Station: orders.Fry},
			{Quantity: 3, Name: "Chocolate Shake", Station: orders.Shake, Modifiers: []string{"no whip"}},
		},
		Notes: []string{"Allergy: peanuts", "Car 4"},
	}
}

func order(id int64, st orders.Status) orders.Order {
	o := sampleOrder()
	o.ID = id
	o.Number = 100 + int(id)
	o.Status = st
	return o
}

// renderString renders c.
func renderString(t testing.TB, c templ.Component) string {
	t.Helper()
	var b bytes.Buffer
	if err := c.Render(context.Background(), &b); err != nil {
		t.Fatalf("render: %v", err)
	}
	return b.String()
}

// fragment renders c and parses it as the content of a <body>, the way a
// WebSocket message is parsed; it returns the top-level element nodes.
func fragment(t testing.TB, c templ.Component) []*html.Node {
	t.Helper()
	s := renderString(t, c)
	nodes, err := html.ParseFragment(strings.NewReader(s), &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	var els []*html.Node
	for _, n := range nodes {
		switch {
		case n.Type == html.ElementNode:
			els = append(els, n)
		case n.Type == html.TextNode && strings.TrimSpace(n.Data) == "":
		default:
			t.Fatalf("unexpected top-level node %q in %q", n.Data, s)
		}
	}
	return els
}

// document renders c and parses it as a whole document.
func document(t testing.TB, c templ.Component) *html.Node {
	t.Helper()
	s := renderString(t, c)
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return doc
}

// one renders a component that renders one element and returns it.
func one(t testing.TB, c templ.Component) *html.Node {
	t.Helper()
	els := fragment(t, c)
	if len(els) != 1 {
		t.Fatalf("got %d top-level elements, want 1", len(els))
	}
	return els[0]
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func attrOr(n *html.Node, key string) string {
	v, _ := attr(n, key)
	return v
}

func hasClass(n *html.Node, class string) bool {
	return slices.Contains(strings.Fields(attrOr(n, "class")), class)
}

// all returns every element under and including root that matches.
func all(root *html.Node, match func(*html.Node) bool) []*html.Node {
	var found []*html.Node
	for n := range root.Descendants() {
		if n.Type == html.ElementNode && match(n) {
			found = append(found, n)
		}
	}
	if root.Type == html.ElementNode && match(root) {
		found = append([]*html.Node{root}, found...)
	}
	return found
}

func byClass(root *html.Node, class string) []*html.Node {
	return all(root, func(n *html.Node) bool { return hasClass(n, class) })
}

func byTestID(root *html.Node, id string) []*html.Node {
	return all(root, func(n *html.Node) bool { return attrOr(n, "data-testid") == id })
}

func byTag(root *html.Node, tag string) []*html.Node {
	return all(root, func(n *html.Node) bool { return n.Data == tag })
}

func byID(t testing.TB, root *html.Node, id string) *html.Node {
	t.Helper()
	found := all(root, func(n *html.Node) bool { return attrOr(n, "id") == id })
	if len(found) != 1 {
		t.Fatalf("found %d elements with id %q, want 1", len(found), id)
	}
	return found[0]
}

// onlyTestID returns the single element with the data-testid.
func onlyTestID(t testing.TB, root *html.Node, id string) *html.Node {
	t.Helper()
	found := byTestID(root, id)
	if len(found) != 1 {
		t.Fatalf("found %d elements with data-testid %q, want 1", len(found), id)
	}
	return found[0]
}

// text is the text content of n, with runs of white space collapsed.
func text(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

func texts(ns []*html.Node) []string {
	var s []string
	for _, n := range ns {
		s = append(s, text(n))
	}
	return s
}

func elementChildren(n *html.Node) []*html.Node {
	var c []*html.Node
	for k := n.FirstChild; k != nil; k = k.NextSibling {
		if k.Type == html.ElementNode {
			c = append(c, k)
		}
	}
	return c
}

func isAncestor(a, n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p == a {
			return true
		}
	}
	return false
}

func checkTicket(t *testing.T, n *html.Node, o orders.Order) {
	t.Helper()
	if n.Data != "article" {
		t.Errorf("ticket element is <%s>, want <article>", n.Data)
	}
	want := map[string]string{
		"id":            TicketID(o.ID),
		"data-order-id": strings.TrimPrefix(TicketID(o.ID), "ticket-"),
		"data-status":   string(o.Status),
	}
	for k, v := range want {
		if got, ok := attr(n, k); !ok || got != v {
			t.Errorf("ticket %s = %q (present %v), want %q", k, got, ok, v)
		}
	}
	if !hasClass(n, "ticket") {
		t.Errorf("ticket class = %q, want it to contain ticket", attrOr(n, "class"))
	}
}

func TestTicketID(t *testing.T) {
	if got := TicketID(42); got != "ticket-42" {
		t.Errorf("TicketID(42) = %q, want ticket-42", got)
	}
}

func TestTicketContract(t *testing.T) {
	for _, st := range []orders.Status{orders.Received, orders.Fired, orders.Bumped, orders.Cancelled} {
		t.Run(string(st), func(t *testing.T) {
			o := order(7, st)
			n := one(t, Ticket(store, o))
			checkTicket(t, n, o)
			if !hasClass(n, "status-"+string(st)) {
				t.Errorf("class = %q, want status-%s", attrOr(n, "class"), st)
			}
			if hasClass(n, "arriving") || hasClass(n, "leaving") {
				t.Errorf("plain ticket has class %q", attrOr(n, "class"))
			}
			if _, ok := attr(n, "hx-swap-oob"); ok {
				t.Error("plain ticket has hx-swap-oob")
			}
			if got := text(onlyTestID(t, n, "status")); got != string(st) {
				t.Errorf("status text = %q, want %q", got, st)
			}
		})
	}
}

func TestTicketUnknownStatusHasNoStatusClass(t *testing.T) {
	n := one(t, Ticket(store, order(3, orders.Status("weird status"))))
	if attrOr(n, "class") != "ticket" {
		t.Errorf("class = %q, want ticket", attrOr(n, "class"))
	}
	if got := attrOr(n, "data-status"); got != "weird status" {
		t.Errorf("data-status = %q", got)
	}
}

func TestTicketContent(t *testing.T) {
	o := sampleOrder()
	n := one(t, Ticket(store, o))

	if got := text(onlyTestID(t, n, "store")); got != store {
		t.Errorf("store = %q, want %q", got, store)
	}
	placed := onlyTestID(t, n, "placed")
	if placed.Data != "time" || text(placed) != "09:05" || attrOr(placed, "datetime") != "2026-03-14T09:05:30Z" {
		t.Errorf("placed = <%s datetime=%q>%q, want <time datetime=2026-03-14T09:05:30Z>09:05", placed.Data, attrOr(placed, "datetime"), text(placed))
	}
	if got := text(onlyTestID(t, n, "number")); got != "#123" {
		t.Errorf("number = %q, want #123", got)
	}
	// The destination is upper-cased in the text itself.
	dest := onlyTestID(t, n, "destination")
	if got := text(dest); got != "DRIVE THRU" {
		t.Errorf("destination = %q, want DRIVE THRU", got)
	}
	if got := attrOr(dest, "data-destination"); got != "drive thru" {
		t.Errorf("data-destination = %q, want drive thru", got)
	}

	items := byTestID(n, "item")
	if len(items) != len(o.Items) {
		t.Fatalf("%d items, want %d", len(items), len(o.Items))
	}
	for i, it := range o.Items {
		el := items[i]
		if !hasClass(el, "item") {
			t.Errorf("item %d class = %q", i, attrOr(el, "class"))
		}
		if got := attrOr(el, "data-station"); got != string(it.Station) {
			t.Errorf("item %d data-station = %q, want %q", i, got, it.Station)
		}
		if got := text(onlyTestID(t, el, "quantity")); got != strconv.Itoa(it.Quantity) {
			t.Errorf("item %d quantity = %q, want %d", i, got, it.Quantity)
		}
		if got := text(onlyTestID(t, el, "name")); got != it.Name {
			t.Errorf("item %d name = %q, want %q", i, got, it.Name)
		}
		line := byClass(el, "line")
		if len(line) != 1 {
			t.Fatalf("item %d has %d lines", i, len(line))
		}
		wantLine := strconv.Itoa(it.Quantity) + " " + it.Name
		if got := text(line[0]); got != wantLine {
			t.Errorf("item %d line = %q, want %q", i, got, wantLine)
		}
		// Each modifier is in a modifier element beneath its own item.
		mods := byTestID(el, "modifier")
		if got, want := texts(mods), it.Modifiers; !slices.Equal(got, want) {
			t.Errorf("item %d modifiers = %q, want %q", i, got, want)
		}
		for _, m := range mods {
			if !hasClass(m, "modifier") {
				t.Errorf("modifier class = %q", attrOr(m, "class"))
			}
		}
	}
	if got := texts(byClass(n, "modifier")); len(got) != 3 {
		t.Errorf("ticket has modifiers %q, want 3", got)
	}

	notes := byTestID(n, "note")
	if got := texts(notes); !slices.Equal(got, o.Notes) {
		t.Errorf("notes = %q, want %q", got, o.Notes)
	}
	for _, nt := range notes {
		if !hasClass(nt, "note") {
			t.Errorf("note class = %q", attrOr(nt, "class"))
		}
		for _, it := range items {
			if isAncestor(it, nt) {
				t.Errorf("note %q is inside an item", text(nt))
			}
		}
	}
	if got := text(onlyTestID(t, n, "count")); got != "6 items" {
		t.Errorf("count = %q, want 6 items", got)
	}
}

func TestTicketWithoutModifiersOrNotes(t *testing.T) {
	o := sampleOrder()
	o.Items = []orders.Item{{Quantity: 1, Name: "Fries", Station: orders.Fry}}
	o.Notes = nil
	o.Destination = orders.DiningRoom
	n := one(t, Ticket(store, o))
	for _, class := range []string{"modifiers", "modifier", "notes", "note"} {
		if got := byClass(n, class); len(got) != 0 {
			t.Errorf("found %d .%s, want none", len(got), class)
		}
	}
	if got := text(onlyTestID(t, n, "destination")); got != "DINING ROOM" {
		t.Errorf("destination = %q", got)
	}
	if got := text(onlyTestID(t, n, "count")); got != "1 item" {
		t.Errorf("count = %q, want 1 item", got)
	}
}

// railParts renders a rail and returns its parts.
func railParts(t *testing.T, os []orders.Order) (frame, rail, empty *html.Node) {
	t.Helper()
	frame = one(t, Rail(store, os))
	rail = byID(t, frame, "rail")
	if !hasClass(rail, "rail") || rail.Data != "div" {
		t.Errorf("#rail is <%s class=%q>, want <div class=rail>", rail.Data, attrOr(rail, "class"))
	}
	empty = onlyTestID(t, frame, "rail-empty")
	return frame, rail, empty
}

func TestRailEmpty(t *testing.T) {
	for _, os := range [][]orders.Order{nil, {}} {
		frame, rail, empty := railParts(t, os)
		if c := elementChildren(rail); len(c) != 0 {
			t.Errorf("#rail has %d children, want none", len(c))
		}
		if rail.FirstChild != nil {
			t.Errorf("#rail has content %q, want none", rail.FirstChild.Data)
		}
		if got := text(empty); got != "New orders will appear here" {
			t.Errorf("empty state = %q", got)
		}
		// The empty state is toggled by CSS :has() on a sibling of #rail, so
		// it must be outside #rail, next to it.
		if isAncestor(rail, empty) || empty.Parent != rail.Parent || rail.Parent != frame {
			t.Error("empty state is not a sibling of #rail in the frame")
		}
	}
}

func TestRailTickets(t *testing.T) {
	os := []orders.Order{order(3, orders.Received), order(1, orders.Fired), order(12, orders.Received)}
	frame, rail, empty := railParts(t, os)
	kids := elementChildren(rail)
	if len(kids) != len(os) {
		t.Fatalf("#rail has %d children, want %d", len(kids), len(os))
	}
	for i, k := range kids {
		checkTicket(t, k, os[i])
		if hasClass(k, "arriving") {
			t.Errorf("ticket %d arrives on first paint", i)
		}
	}
	for k := rail.FirstChild; k != nil; k = k.NextSibling {
		if k.Type == html.TextNode && strings.TrimSpace(k.Data) != "" {
			t.Errorf("#rail has text %q", k.Data)
		}
	}
	// The counts must come after #rail in document order (CSS counters) and
	// outside it.
	sawRail := false
	for _, c := range elementChildren(frame) {
		if c == rail {
			sawRail = true
		}
		for _, id := range []string{"more-left", "more-right", "tally", "rail-empty"} {
			if attrOr(c, "data-testid") == id && !sawRail {
				t.Errorf("%s comes before #rail", id)
			}
		}
	}
	if empty == nil {
		t.Fatal("no empty state")
	}
	for _, id := range []string{"more-left", "more-right", "tally"} {
		onlyTestID(t, frame, id)
	}
}

var hostile = []string{
	`<script>alert(1)</script>`,
	`"><img src=x onerror=alert(1)>`,
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
	}
}

func TestHostileText(t *testing.T) {
	for _, bad := range hostile {
		t.Run(bad, func(t *testing.T) {
			o := sampleOrder()
			o.Items = []orders.Item{{Quantity: 1, Name: bad, Station: orders.Grill, Modifiers: []string{bad}}}
			o.Notes = []string{bad}

			n := one(t, Ticket(bad, o))
			checkNoInjection(t, n, 0)
			checkTicket(t, n, o)
			for _, id := range []string{"store", "name", "modifier", "note"} {
				if got := text(onlyTestID(t, n, id)); got != strings.Join(strings.Fields(bad), " ") {
					t.Errorf("%s text = %q, want %q", id, got, bad)
				}
			}

			for _, c := range []templ.Component{
				Rail(bad, []orders.Order{o}),
				SnapshotMessage(bad, []orders.Order{o}),
				PlacedMessage(bad, o, 0),
				RecalledMessage(bad, o, 3),
				ChangedMessage(bad, o),
				LeavingMessage(bad, o),
			} {
				for _, el := range fragment(t, c) {
					checkNoInjection(t, el, 0)
				}
			}

			doc := document(t, Page(PageData{
				Title: bad, Store: bad, CSSURL: "assets/rail.css", HTMXURL: "h.js", WSExtURL: "w.js", WSURL: "ws",
				Orders: []orders.Order{o},
			}))
			checkNoInjection(t, doc, 2)
			if got := text(onlyTestID(t, doc, "header-store")); got != strings.Join(strings.Fields(bad), " ") {
				t.Errorf("header store = %q", got)
			}
			if got := text(byTag(doc, "title")[0]); got != strings.Join(strings.Fields(bad), " ") {
				t.Errorf("title = %q", got)
			}
		})
	}
}

func TestSnapshotMessage(t *testing.T) {
	os := []orders.Order{order(1, orders.Received), order(2, orders.Fired)}
	els := fragment(t, SnapshotMessage(store, os))
	if len(els) != 1 {
		t.Fatalf("%d top-level elements, want 1", len(els))
	}
	p := els[0]
	if p.Data != "hx-partial" || attrOr(p, "hx-target") != "#rail" || attrOr(p, "hx-swap") != "innerHTML" {
		t.Errorf("got <%s hx-target=%q hx-swap=%q>, want <hx-partial hx-target=#rail hx-swap=innerHTML>", p.Data, attrOr(p, "hx-target"), attrOr(p, "hx-swap"))
	}
	kids := elementChildren(p)
	if len(kids) != len(os) {
		t.Fatalf("%d tickets, want %d", len(kids), len(os))
	}
	for i, k := range kids {
		checkTicket(t, k, os[i])
		if hasClass(k, "arriving") || hasClass(k, "leaving") {
			t.Errorf("snapshot ticket class %q", attrOr(k, "class"))
		}
	}

	empty := one(t, SnapshotMessage(store, nil))
	if empty.Data != "hx-partial" || attrOr(empty, "hx-swap") != "innerHTML" || empty.FirstChild != nil {
		t.Errorf("empty snapshot = <%s hx-swap=%q> with content %v", empty.Data, attrOr(empty, "hx-swap"), empty.FirstChild != nil)
	}
}

func TestPlacedMessage(t *testing.T) {
	o := order(9, orders.Received)
	p := one(t, PlacedMessage(store, o, 0))
	if p.Data != "hx-partial" || attrOr(p, "hx-target") != "#rail" || attrOr(p, "hx-swap") != "beforeend" {
		t.Errorf("got <%s hx-target=%q hx-swap=%q>, want <hx-partial hx-target=#rail hx-swap=beforeend>", p.Data, attrOr(p, "hx-target"), attrOr(p, "hx-swap"))
	}
	kids := elementChildren(p)
	if len(kids) != 1 {
		t.Fatalf("%d children, want 1", len(kids))
	}
	checkTicket(t, kids[0], o)
	if !hasClass(kids[0], "arriving") {
		t.Errorf("placed ticket class = %q, want arriving", attrOr(kids[0], "class"))
	}
	if _, ok := attr(kids[0], "hx-swap-oob"); ok {
		t.Error("placed ticket has hx-swap-oob")
	}
}

func TestPlacedMessageInFront(t *testing.T) {
	o := order(9, orders.Received)
	o.Rush = true
	p := one(t, PlacedMessage(store, o, 4))
	if attrOr(p, "hx-target") != "#ticket-4" || attrOr(p, "hx-swap") != "beforebegin" {
		t.Errorf("got <%s hx-target=%q hx-swap=%q>, want the ticket in front of #ticket-4", p.Data, attrOr(p, "hx-target"), attrOr(p, "hx-swap"))
	}
	kids := elementChildren(p)
	if len(kids) != 1 || !hasClass(kids[0], "rush") {
		t.Fatalf("want one rush ticket inside, got %d", len(kids))
	}
}

func TestRecalledMessage(t *testing.T) {
	o := order(9, orders.Fired)
	o.Recalled = true
	parts := fragment(t, RecalledMessage(store, o, 0))
	if len(parts) != 2 {
		t.Fatalf("%d top-level elements, want a delete then an insert", len(parts))
	}
	if attrOr(parts[0], "hx-target") != "#ticket-9" || attrOr(parts[0], "hx-swap") != "delete" {
		t.Errorf("first part <%s hx-target=%q hx-swap=%q>, want the old node deleted", parts[0].Data, attrOr(parts[0], "hx-target"), attrOr(parts[0], "hx-swap"))
	}
	if attrOr(parts[1], "hx-target") != "#rail" || attrOr(parts[1], "hx-swap") != "beforeend" {
		t.Errorf("second part inserts with %q %q", attrOr(parts[1], "hx-target"), attrOr(parts[1], "hx-swap"))
	}
	kids := elementChildren(parts[1])
	if len(kids) != 1 || !hasClass(kids[0], "recalled") {
		t.Fatal("want the recalled ticket, marked recalled")
	}
}

func TestChangedAndLeavingMessages(t *testing.T) {
	for _, tc := range []struct {
		name    string
		c       templ.Component
		o       orders.Order
		leaving bool
	}{
		{"changed", ChangedMessage(store, order(4, orders.Fired)), order(4, orders.Fired), false},
		{"bumped", LeavingMessage(store, order(5, orders.Bumped)), order(5, orders.Bumped), true},
		{"cancelled", LeavingMessage(store, order(6, orders.Cancelled)), order(6, orders.Cancelled), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := one(t, tc.c)
			checkTicket(t, n, tc.o)
			if got := attrOr(n, "hx-swap-oob"); got != "outerMorph" {
				t.Errorf("hx-swap-oob = %q, want outerMorph", got)
			}
			if got := hasClass(n, "leaving"); got != tc.leaving {
				t.Errorf("leaving = %v, want %v (class %q)", got, tc.leaving, attrOr(n, "class"))
			}
			if hasClass(n, "arriving") {
				t.Error("class arriving")
			}
			if strings.Contains(attrOr(n, "hx-swap-oob"), "swap:") {
				t.Error("uses an htmx swap delay")
			}
		})
	}
}

func TestRemoveMessage(t *testing.T) {
	p := one(t, RemoveMessage(7))
	if p.Data != "hx-partial" || attrOr(p, "hx-target") != "#ticket-7.leaving" || attrOr(p, "hx-swap") != "delete" {
		t.Errorf("got <%s hx-target=%q hx-swap=%q>, want <hx-partial hx-target=#ticket-7.leaving hx-swap=delete>", p.Data, attrOr(p, "hx-target"), attrOr(p, "hx-swap"))
	}
	if p.FirstChild != nil {
		t.Error("remove message has content")
	}
}

func TestConcatenatedMessages(t *testing.T) {
	var b bytes.Buffer
	for _, c := range []templ.Component{
		PlacedMessage(store, order(1, orders.Received), 0),
		ChangedMessage(store, order(2, orders.Fired)),
		LeavingMessage(store, order(3, orders.Bumped)),
		RemoveMessage(4),
		SnapshotMessage(store, nil),
	} {
		b.WriteString("\n ")
		if err := c.Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
	}
	nodes, err := html.ParseFragment(&b, &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil {
		t.Fatal(err)
	}
	var tags []string
	for _, n := range nodes {
		if n.Type == html.ElementNode {
			tags = append(tags, n.Data)
		}
	}
	want := []string{"hx-partial", "article", "article", "hx-partial", "hx-partial"}
	if !slices.Equal(tags, want) {
		t.Errorf("top-level elements %q, want %q", tags, want)
	}
}

func TestPage(t *testing.T) {
	p := PageData{
		Title:    "Kitchen rail · Harbor Street",
		Store:    store,
		CSSURL:   "assets/rail.0123456789ab.css",
		HTMXURL:  "assets/htmx/htmx.min.js",
		WSExtURL: "assets/htmx/hx-ws.min.js",
		WSURL:    "ws",
		Orders:   []orders.Order{order(1, orders.Received), order(2, orders.Fired)},
	}
	s := renderString(t, Page(p))
	if !strings.HasPrefix(strings.ToLower(s), "<!doctype html>") {
		t.Errorf("page starts with %.30q", s)
	}
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
	var srcs []string
	for _, sc := range byTag(doc, "script") {
		if sc.Parent != head {
			t.Errorf("script %q outside <head>", attrOr(sc, "src"))
		}
		if sc.FirstChild != nil {
			t.Errorf("inline script %q", sc.FirstChild.Data)
		}
		srcs = append(srcs, attrOr(sc, "src"))
	}
	if want := []string{p.HTMXURL, p.WSExtURL}; !slices.Equal(srcs, want) {
		t.Errorf("scripts %q, want %q", srcs, want)
	}

	conns := all(doc, func(n *html.Node) bool { _, ok := attr(n, "hx-ws:connect"); return ok })
	if len(conns) != 1 || attrOr(conns[0], "hx-ws:connect") != p.WSURL {
		t.Fatalf("hx-ws:connect elements %d, want one with %q", len(conns), p.WSURL)
	}
	if got := attrOr(conns[0], "hx-swap"); got != "none" {
		t.Errorf("connecting element hx-swap = %q, want none", got)
	}
	rail := byID(t, doc, "rail")
	if !isAncestor(conns[0], rail) {
		t.Error("#rail is not inside the hx-ws:connect element")
	}
	kids := elementChildren(rail)
	if len(kids) != len(p.Orders) {
		t.Fatalf("#rail has %d tickets on first paint, want %d", len(kids), len(p.Orders))
	}
	for i, k := range kids {
		checkTicket(t, k, p.Orders[i])
	}
	if got := text(onlyTestID(t, doc, "header-store")); got != store {
		t.Errorf("header store = %q", got)
	}
	if hs := all(doc, func(n *html.Node) bool { return n.Data == "h1" }); len(hs) != 1 || text(hs[0]) != "Kitchen rail" {
		t.Errorf("want one <h1>Kitchen rail</h1>, got %q", texts(hs))
	}

	// Every URL in the page is one of the given relative URLs.
	urlAttrs := []string{"href", "src", "action", "formaction", "hx-ws:connect", "hx-get", "hx-post", "data", "poster"}
	given := []string{p.CSSURL, p.HTMXURL, p.WSExtURL, p.WSURL}
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
			if !slices.Contains(given, a.Val) {
				t.Errorf("<%s %s=%q> is not a given URL", n.Data, a.Key, a.Val)
			}
		}
	}
	if !slices.Equal(seen, given) {
		t.Errorf("URLs in document order %q, want %q", seen, given)
	}
	if strings.Contains(s, "http:") || strings.Contains(s, "https:") {
		t.Error("page mentions an absolute http(s) URL")
	}
}

func BenchmarkTicket(b *testing.B) {
	o := sampleOrder()
	c := Ticket(store, o)
	var buf bytes.Buffer
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := c.Render(ctx, &buf); err != nil {
			b.Fatal(err)
		}
	}
}
