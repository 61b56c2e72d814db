package views

import (
	"bytes"
	"context"
	"maps"
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

// The screens the tests render for.
var (
	expo  = Screen{Store: store}
	grill = Screen{Store: store, Station: orders.Grill}
	fry   = Screen{Store: store, Station: orders.Fry}
)

// now is the server's time in the tests: sampleOrder was placed 4:30 ago.
var now = time.Date(2026, 3, 14, 9, 10, 0, 0, time.UTC)

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

// onlyClass returns the single element with the class.
func onlyClass(t testing.TB, root *html.Node, class string) *html.Node {
	t.Helper()
	found := byClass(root, class)
	if len(found) != 1 {
		t.Fatalf("found %d elements with class %q, want 1", len(found), class)
	}
	return found[0]
}

// collapse is s with runs of white space collapsed, as text returns it.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

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

// hiddenValues returns the hidden inputs of a form by name.
func hiddenValues(form *html.Node) map[string]string {
	v := map[string]string{}
	for _, in := range byTag(form, "input") {
		if attrOr(in, "type") == "hidden" {
			v[attrOr(in, "name")] = attrOr(in, "value")
		}
	}
	return v
}

// formOf returns the form around n.
func formOf(t testing.TB, n *html.Node) *html.Node {
	t.Helper()
	for p := n; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && p.Data == "form" {
			return p
		}
	}
	t.Fatalf("<%s> is not in a form", n.Data)
	return nil
}

// checkControl checks that button b submits a plain form that posts to
// action and also sends over the socket, with the given hidden values.
func checkControl(t *testing.T, b *html.Node, action string, values map[string]string) {
	t.Helper()
	if b.Data != "button" || attrOr(b, "type") != "submit" {
		t.Errorf("control is <%s type=%q>, want <button type=submit>", b.Data, attrOr(b, "type"))
	}
	f := formOf(t, b)
	if got := attrOr(f, "method"); got != "post" {
		t.Errorf("form method = %q, want post", got)
	}
	if got := attrOr(f, "action"); got != action {
		t.Errorf("form action = %q, want %q", got, action)
	}
	if _, ok := attr(f, "hx-ws:send"); !ok {
		t.Error("form has no hx-ws:send")
	}
	if got := hiddenValues(f); !mapsEqual(got, values) {
		t.Errorf("form values = %v, want %v", got, values)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestTicketID(t *testing.T) {
	if got := TicketID(42); got != "ticket-42" {
		t.Errorf("TicketID(42) = %q, want ticket-42", got)
	}
}

func TestShows(t *testing.T) {
	done := order(1, orders.Fired)
	done.Done = []orders.Station{orders.Grill}
	grillOnly := order(2, orders.Received)
	grillOnly.Items = grillOnly.ItemsFor(orders.Grill)
	for _, tc := range []struct {
		name              string
		o                 orders.Order
		expo, grill, fry_ bool
	}{
		{"received", order(1, orders.Received), true, true, true},
		{"fired", order(1, orders.Fired), true, true, true},
		{"bumped", order(1, orders.Bumped), false, false, false},
		{"cancelled", order(1, orders.Cancelled), false, false, false},
		{"grill done", done, true, false, true},
		{"grill only", grillOnly, true, true, false},
	} {
		for _, sc := range []struct {
			s    Screen
			want bool
		}{{expo, tc.expo}, {grill, tc.grill}, {fry, tc.fry_}} {
			if got := sc.s.Shows(tc.o); got != sc.want {
				t.Errorf("%s: Screen{Station: %q}.Shows = %v, want %v", tc.name, sc.s.Station, got, sc.want)
			}
		}
	}
	if (Screen{Station: "bakery"}).Shows(order(1, orders.Received)) {
		t.Error("a screen of an unknown station shows a ticket")
	}
}

func TestTimer(t *testing.T) {
	o := sampleOrder()
	custom := Screen{Store: store, WarnAfter: time.Minute, LateAfter: 2 * time.Minute}
	for _, tc := range []struct {
		s     Screen
		age   time.Duration
		text  string
		class string
	}{
		{expo, 0, "0:00", ""},
		{expo, 9 * time.Second, "0:09", ""},
		{expo, 4*time.Minute + 59*time.Second, "4:59", ""},
		{expo, 4*time.Minute + 59*time.Second + 900*time.Millisecond, "4:59", ""},
		{expo, 5 * time.Minute, "5:00", "warn"},
		{expo, 7*time.Minute + 59*time.Second, "7:59", "warn"},
		{expo, 8 * time.Minute, "8:00", "late"},
		{expo, 75*time.Minute + 3*time.Second, "75:03", "late"},
		{expo, -30 * time.Second, "0:00", ""},
		{custom, 59 * time.Second, "0:59", ""},
		{custom, time.Minute, "1:00", "warn"},
		{custom, 2 * time.Minute, "2:00", "late"},
		{grill, 5 * time.Minute, "5:00", "warn"},
	} {
		n := one(t, Ticket(tc.s, o.PlacedAt.Add(tc.age), o))
		age := onlyTestID(t, n, "age")
		if got := attrOr(age, "id"); got != "age-7" {
			t.Errorf("timer id = %q, want age-7", got)
		}
		if got := text(age); got != tc.text {
			t.Errorf("age %v: timer %q, want %q", tc.age, got, tc.text)
		}
		for _, c := range []string{"warn", "late"} {
			if hasClass(age, c) != (c == tc.class) {
				t.Errorf("age %v: timer class %q, want age %s", tc.age, attrOr(age, "class"), tc.class)
			}
		}
		if !hasClass(age, "age") {
			t.Errorf("timer class %q lacks age", attrOr(age, "class"))
		}
		if _, ok := attr(age, "hx-swap-oob"); ok {
			t.Error("timer on a ticket has hx-swap-oob")
		}
		// The timer is in the ticket's head.
		if !isAncestor(onlyClass(t, n, "ticket-head"), age) {
			t.Error("timer is not in the ticket's head")
		}
	}
}

// TestTicketClock renders tickets at a given server time and reads their
// clocks' custom properties: the negative age at render and the delays
// until amber and red, to the millisecond, negative once past, from the
// screen's thresholds. The server's text and class agree with them.
func TestTicketClock(t *testing.T) {
	placed := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	o := sampleOrder()
	o.PlacedAt = placed
	quick := Screen{Store: store, WarnAfter: 2 * time.Second, LateAfter: 3500 * time.Millisecond}
	for _, tc := range []struct {
		s                  Screen
		age                time.Duration
		wantAge, warn, lat string
		text, class        string
	}{
		{expo, 0, "0ms", "300000ms", "480000ms", "0:00", ""},
		{expo, 83412 * time.Millisecond, "-83412ms", "216588ms", "396588ms", "1:23", ""},
		{expo, 5*time.Minute + 1500*time.Microsecond, "-300001ms", "-1ms", "179999ms", "5:00", "warn"},
		{grill, 75*time.Minute + 3*time.Second, "-4503000ms", "-4203000ms", "-4023000ms", "75:03", "late"},
		{quick, 1999 * time.Millisecond, "-1999ms", "1ms", "1501ms", "0:01", ""},
		{quick, 3 * time.Second, "-3000ms", "-1000ms", "500ms", "0:03", "warn"},
		{expo, -30 * time.Second, "0ms", "300000ms", "480000ms", "0:00", ""}, // a point of sale's clock ahead of the board's
	} {
		now := placed.Add(tc.age)
		n := one(t, Ticket(tc.s, now, o))
		props := map[string]string{}
		for _, decl := range strings.Split(strings.TrimSuffix(attrOr(n, "style"), ";"), ";") {
			name, value, _ := strings.Cut(decl, ":")
			props[name] = value
		}
		want := map[string]string{"--age": tc.wantAge, "--to-warn": tc.warn, "--to-late": tc.lat}
		if !maps.Equal(props, want) {
			t.Errorf("age %v on %s: clock %v, want %v", tc.age, tc.s.name(), props, want)
		}
		age := onlyTestID(t, n, "age")
		if got := text(age); got != tc.text {
			t.Errorf("age %v: text %q, want %q", tc.age, got, tc.text)
		}
		if got := attrOr(age, "class"); got != strings.TrimSpace("age "+tc.class) {
			t.Errorf("age %v: class %q, want age %s", tc.age, got, tc.class)
		}
	}
}

func TestTicketContract(t *testing.T) {
	for _, st := range []orders.Status{orders.Received, orders.Fired, orders.Bumped, orders.Cancelled} {
		t.Run(string(st), func(t *testing.T) {
			o := order(7, st)
			n := one(t, Ticket(expo, now, o))
			checkTicket(t, n, o)
			if !hasClass(n, "status-"+string(st)) {
				t.Errorf("class = %q, want status-%s", attrOr(n, "class"), st)
			}
			for _, c := range []string{"arriving", "leaving", "voided", "rush", "recalled", "ready"} {
				if hasClass(n, c) {
					t.Errorf("plain ticket has class %q", c)
				}
			}
			if _, ok := attr(n, "hx-swap-oob"); ok {
				t.Error("plain ticket has hx-swap-oob")
			}
			if got := text(onlyTestID(t, n, "status")); got != string(st) {
				t.Errorf("status text = %q, want %q", got, st)
			}
			// A void stamp only on a cancelled ticket; a hint to fire only
			// on a received one.
			if got := len(byTestID(n, "void-stamp")); got != map[bool]int{true: 1}[st == orders.Cancelled] {
				t.Errorf("%d void stamps", got)
			}
			if got := len(byClass(n, "fire-hint")); got != map[bool]int{true: 1}[st == orders.Received] {
				t.Errorf("%d fire hints", got)
			}
		})
	}
}

func TestTicketFlags(t *testing.T) {
	o := order(7, orders.Received)
	o.Rush, o.Recalled = true, true
	n := one(t, Ticket(expo, now, o))
	for _, c := range []string{"rush", "recalled"} {
		if !hasClass(n, c) {
			t.Errorf("class %q lacks %s", attrOr(n, "class"), c)
		}
	}
	if text(onlyTestID(t, n, "rush")) != "Rush" || text(onlyTestID(t, n, "recalled")) != "Recalled" {
		t.Error("flags missing")
	}
}

func TestTicketUnknownStatusHasNoStatusClass(t *testing.T) {
	n := one(t, Ticket(expo, now, order(3, orders.Status("weird status"))))
	if attrOr(n, "class") != "ticket" {
		t.Errorf("class = %q, want ticket", attrOr(n, "class"))
	}
	if got := attrOr(n, "data-status"); got != "weird status" {
		t.Errorf("data-status = %q", got)
	}
}

func TestTicketContent(t *testing.T) {
	o := sampleOrder()
	n := one(t, Ticket(expo, now, o))

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
	if got := text(onlyTestID(t, n, "age")); got != "4:30" {
		t.Errorf("age = %q, want 4:30", got)
	}
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
		if got := attrOr(el, "data-station"); got != string(it.Station) {
			t.Errorf("item %d data-station = %q, want %q", i, got, it.Station)
		}
		line := onlyClass(t, el, "line")
		if got, want := text(line), collapse(strconv.Itoa(it.Quantity)+" "+it.Name); got != want {
			t.Errorf("item %d line = %q, want %q", i, got, want)
		}
		if got := text(onlyTestID(t, el, "name")); got != it.Name {
			t.Errorf("item %d name = %q", i, got)
		}
		if got := texts(byTestID(el, "modifier")); !slices.Equal(got, it.Modifiers) {
			t.Errorf("item %d modifiers = %q, want %q", i, got, it.Modifiers)
		}
	}
	notes := byTestID(n, "note")
	if got := texts(notes); !slices.Equal(got, o.Notes) {
		t.Errorf("notes = %q, want %q", got, o.Notes)
	}
	for _, nt := range notes {
		for _, it := range items {
			if isAncestor(it, nt) {
				t.Errorf("note %q is inside an item", text(nt))
			}
		}
	}
	if got := text(onlyTestID(t, n, "count")); got != "6 items" {
		t.Errorf("count = %q, want 6 items", got)
	}
	if got := byTestID(n, "others"); len(got) != 0 {
		t.Errorf("the expo ticket says %q", texts(got))
	}
}

func TestTicketStations(t *testing.T) {
	o := sampleOrder()
	o.Done = []orders.Station{orders.Fry}
	n := one(t, Ticket(expo, now, o))
	sts := byTestID(n, "station")
	var got []string
	for _, s := range sts {
		mark := ""
		if hasClass(s, "done") {
			mark = "+"
		}
		got = append(got, attrOr(s, "data-station")+mark)
	}
	if want := []string{"grill", "fry+", "shake"}; !slices.Equal(got, want) {
		t.Errorf("stations %q, want %q", got, want)
	}
	if hasClass(n, "ready") {
		t.Error("ticket ready with stations to go")
	}
	if got := texts(sts); !slices.Equal(got, []string{"Grill", "Fry", "Shake"}) {
		t.Errorf("station names %q", got)
	}
	o.Done = orders.Stations()
	if n := one(t, Ticket(expo, now, o)); !hasClass(n, "ready") {
		t.Errorf("every station done, class %q, want ready", attrOr(n, "class"))
	}
	// A station's screen lists no stations.
	if got := byTestID(one(t, Ticket(grill, now, sampleOrder())), "station"); len(got) != 0 {
		t.Errorf("grill ticket lists %d stations", len(got))
	}
}

func TestTicketControls(t *testing.T) {
	o := sampleOrder()
	n := one(t, Ticket(expo, now, o))

	fire := onlyTestID(t, n, "fire")
	checkControl(t, fire, "orders/7/fire", map[string]string{"action": "fire", "id": "7"})
	head := onlyClass(t, n, "ticket-head")
	if !isAncestor(head, fire) {
		t.Error("fire button is not the ticket's head")
	}
	// The whole head is the button: number, age and destination are in it.
	for _, id := range []string{"number", "age", "destination", "store"} {
		if !isAncestor(fire, onlyTestID(t, n, id)) {
			t.Errorf("%s is not in the fire button", id)
		}
	}

	bump := onlyTestID(t, n, "bump")
	checkControl(t, bump, "orders/7/bump", map[string]string{"action": "bump", "id": "7"})
	if text(bump) != "Bump" {
		t.Errorf("bump button says %q", text(bump))
	}

	void := onlyTestID(t, n, "void")
	checkControl(t, void, "orders/7/cancel", map[string]string{"action": "cancel", "id": "7"})
	more := onlyClass(t, n, "ticket-more")
	if more.Data != "details" || !isAncestor(more, void) {
		t.Error("Void is not behind <details class=ticket-more>")
	}
	if s := elementChildren(more); len(s) == 0 || s[0].Data != "summary" {
		t.Error("details.ticket-more has no <summary> first")
	}
	if _, open := attr(more, "open"); open {
		t.Error("details.ticket-more is open")
	}

	// On a station's screen the bump button is Done, for that station.
	done := onlyTestID(t, one(t, Ticket(grill, now, o)), "bump")
	checkControl(t, done, "orders/7/done", map[string]string{"action": "done", "id": "7", "station": "grill"})
	if text(done) != "Done" {
		t.Errorf("done button says %q", text(done))
	}
}

func TestStationTicket(t *testing.T) {
	o := sampleOrder()
	for _, tc := range []struct {
		s      Screen
		items  []string
		others string
		count  string
	}{
		{grill, []string{"Double Burger"}, "+4 other items", "2 items"},
		{fry, []string{"Fries"}, "+5 other items", "1 item"},
		{Screen{Station: orders.Shake}, []string{"Chocolate Shake"}, "+3 other items", "3 items"},
	} {
		n := one(t, Ticket(tc.s, now, o))
		checkTicket(t, n, o)
		if got := texts(byTestID(n, "name")); !slices.Equal(got, tc.items) {
			t.Errorf("%s: items %q, want %q", tc.s.Station, got, tc.items)
		}
		for _, it := range byTestID(n, "item") {
			if attrOr(it, "data-station") != string(tc.s.Station) {
				t.Errorf("%s: item of station %q", tc.s.Station, attrOr(it, "data-station"))
			}
		}
		if got := text(onlyTestID(t, n, "others")); got != tc.others {
			t.Errorf("%s: others = %q, want %q", tc.s.Station, got, tc.others)
		}
		if got := text(onlyTestID(t, n, "count")); got != tc.count {
			t.Errorf("%s: count = %q, want %q", tc.s.Station, got, tc.count)
		}
		// Notes are for everyone.
		if got := len(byTestID(n, "note")); got != 2 {
			t.Errorf("%s: %d notes", tc.s.Station, got)
		}
	}

	one1 := sampleOrder()
	one1.Items = []orders.Item{one1.Items[0], {Quantity: 1, Name: "Cola", Station: orders.Shake}}
	if got := text(onlyTestID(t, one(t, Ticket(grill, now, one1)), "others")); got != "+1 other item" {
		t.Errorf("others = %q, want +1 other item", got)
	}
	only := sampleOrder()
	only.Items = only.ItemsFor(orders.Grill)
	if got := byTestID(one(t, Ticket(grill, now, only)), "others"); len(got) != 0 {
		t.Errorf("a grill-only ticket says %q", texts(got))
	}
}

// railParts renders a rail and returns its parts.
func railParts(t *testing.T, s Screen, os []orders.Order) (frame, rail, empty *html.Node) {
	t.Helper()
	frame = one(t, Rail(s, now, os))
	rail = byID(t, frame, "rail")
	if !hasClass(rail, "rail") || rail.Data != "div" {
		t.Errorf("#rail is <%s class=%q>, want <div class=rail>", rail.Data, attrOr(rail, "class"))
	}
	empty = onlyTestID(t, frame, "rail-empty")
	return frame, rail, empty
}

func TestRailEmpty(t *testing.T) {
	for _, os := range [][]orders.Order{nil, {}} {
		frame, rail, empty := railParts(t, expo, os)
		if rail.FirstChild != nil {
			t.Errorf("#rail has content %q, want none", rail.FirstChild.Data)
		}
		if got := text(empty); got != "New orders will appear here" {
			t.Errorf("empty state = %q", got)
		}
		if isAncestor(rail, empty) || empty.Parent != rail.Parent || rail.Parent != frame {
			t.Error("empty state is not a sibling of #rail in the frame")
		}
	}
}

func TestRailTickets(t *testing.T) {
	done := order(1, orders.Fired)
	done.Done = []orders.Station{orders.Grill}
	os := []orders.Order{order(3, orders.Received), done, order(12, orders.Received), order(13, orders.Bumped)}
	for _, tc := range []struct {
		s    Screen
		want []string
	}{
		{expo, []string{"ticket-3", "ticket-1", "ticket-12"}},
		{grill, []string{"ticket-3", "ticket-12"}},
	} {
		frame, rail, _ := railParts(t, tc.s, os)
		kids := elementChildren(rail)
		var ids []string
		for _, k := range kids {
			ids = append(ids, attrOr(k, "id"))
			if hasClass(k, "arriving") {
				t.Errorf("ticket %s arrives on first paint", attrOr(k, "id"))
			}
			if !hasClass(k, "ticket") || k.Data != "article" {
				t.Errorf("#rail holds <%s class=%q>", k.Data, attrOr(k, "class"))
			}
		}
		if !slices.Equal(ids, tc.want) {
			t.Errorf("%q: #rail holds %q, want %q", tc.s.Station, ids, tc.want)
		}
		for k := rail.FirstChild; k != nil; k = k.NextSibling {
			if k.Type == html.TextNode && strings.TrimSpace(k.Data) != "" {
				t.Errorf("#rail has text %q", k.Data)
			}
		}
		sawRail := false
		for _, c := range elementChildren(frame) {
			if c == rail {
				sawRail = true
			}
			for _, id := range []string{"more-before", "more-after", "tally", "rail-empty"} {
				if attrOr(c, "data-testid") == id && !sawRail {
					t.Errorf("%s comes before #rail", id)
				}
			}
		}
	}
}

// allDayLines reads the all-day panel as "6 DOUBLE BURGER" lines.
func allDayLines(t *testing.T, n *html.Node) []string {
	t.Helper()
	var lines []string
	for _, li := range byTestID(n, "all-day-item") {
		lines = append(lines, text(onlyClass(t, li, "n"))+" "+attrOr(li, "data-name")+" | "+text(li))
	}
	return lines
}

func TestAllDay(t *testing.T) {
	a := order(1, orders.Received) // 2 Double Burger, 1 Fries, 3 Chocolate Shake
	b := order(2, orders.Fired)
	b.Items = []orders.Item{
		{Quantity: 4, Name: "Double Burger", Station: orders.Grill},
		{Quantity: 3, Name: "Fries", Station: orders.Fry},
		{Quantity: 1, Name: "Cola", Station: orders.Shake},
	}
	c := order(3, orders.Received)
	c.Done = []orders.Station{orders.Grill}
	c.Items = []orders.Item{{Quantity: 5, Name: "Cheeseburger", Station: orders.Grill}, {Quantity: 1, Name: "Fries", Station: orders.Fry}}
	gone := order(4, orders.Bumped)
	os := []orders.Order{a, b, c, gone}

	n := one(t, AllDay(expo, os))
	if n.Data != "aside" || attrOr(n, "id") != "all-day" || attrOr(n, "data-testid") != "all-day" {
		t.Errorf("all-day panel is <%s id=%q data-testid=%q>", n.Data, attrOr(n, "id"), attrOr(n, "data-testid"))
	}
	if _, ok := attr(n, "hx-swap-oob"); ok {
		t.Error("page's all-day panel has hx-swap-oob")
	}
	want := []string{
		"6 Double Burger | 6 DOUBLE BURGER",
		"5 Cheeseburger | 5 CHEESEBURGER",
		"5 Fries | 5 FRIES",
		"3 Chocolate Shake | 3 CHOCOLATE SHAKE",
		"1 Cola | 1 COLA",
	}
	if got := allDayLines(t, n); !slices.Equal(got, want) {
		t.Errorf("expo all day\n got %q\nwant %q", got, want)
	}
	// The grill counts its own items on tickets it has not finished.
	if got, want := allDayLines(t, one(t, AllDay(grill, os))), []string{"6 Double Burger | 6 DOUBLE BURGER"}; !slices.Equal(got, want) {
		t.Errorf("grill all day %q, want %q", got, want)
	}
	if got, want := allDayLines(t, one(t, AllDay(fry, os))), []string{"5 Fries | 5 FRIES"}; !slices.Equal(got, want) {
		t.Errorf("fry all day %q, want %q", got, want)
	}
	if got := allDayLines(t, one(t, AllDay(expo, nil))); len(got) != 0 {
		t.Errorf("empty rail all day %q", got)
	}
}

// recent returns a recall list of the given IDs, bumped a minute apart.
func recent(ids ...int64) []orders.Order {
	var out []orders.Order
	for i, id := range ids {
		o := order(id, orders.Bumped)
		o.BumpedAt = now.Add(-time.Duration(i) * time.Minute)
		out = append(out, o)
	}
	return out
}

func TestRecallList(t *testing.T) {
	n := one(t, RecallList(expo, recent(5, 3)))
	if n.Data != "ol" || attrOr(n, "id") != "recall-list" {
		t.Fatalf("recall list is <%s id=%q>", n.Data, attrOr(n, "id"))
	}
	items := byTestID(n, "recall-item")
	if len(items) != 2 {
		t.Fatalf("%d recall items, want 2", len(items))
	}
	for i, id := range []string{"5", "3"} {
		it := items[i]
		if attrOr(it, "data-order-id") != id {
			t.Errorf("item %d is order %q, want %s", i, attrOr(it, "data-order-id"), id)
		}
		txt := text(it)
		for _, want := range []string{"#10" + id, "DRIVE THRU", "bumped"} {
			if !strings.Contains(txt, want) {
				t.Errorf("item %d %q lacks %q", i, txt, want)
			}
		}
		checkControl(t, onlyTestID(t, it, "recall"), "orders/"+id+"/recall", map[string]string{"action": "recall", "id": id})
	}
	if !strings.Contains(text(items[1]), "09:09") {
		t.Errorf("item 1 %q lacks its bump time 09:09", text(items[1]))
	}
	empty := one(t, RecallList(expo, nil))
	if len(byTestID(empty, "recall-item")) != 0 || len(byTestID(empty, "recall-none")) != 1 {
		t.Error("empty recall list has items or no note")
	}
}

// BenchmarkTicket renders one typical ticket (three items, modifiers, a
// note) on the expo screen.
func BenchmarkTicket(b *testing.B) {
	o := sampleOrder()
	s := Screen{Store: "Socket Burger"}
	now := o.PlacedAt.Add(3 * time.Minute)
	var buf bytes.Buffer
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := Ticket(s, now, o).Render(ctx, &buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/ticket")
}
