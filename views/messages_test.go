package views

import (
	"bytes"
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/ticketrail/ticketrail/orders"
)

// mk returns an open order with one item for each of the given stations.
func mk(id int64, sts ...orders.Station) orders.Order {
	o := orders.Order{
		ID: id, Number: 100 + int(id), Destination: orders.Takeout, Status: orders.Received,
		PlacedAt: now.Add(-time.Duration(id) * time.Minute),
	}
	for _, st := range sts {
		name := map[orders.Station]string{orders.Grill: "Hamburger", orders.Fry: "French Fries", orders.Shake: "Cola"}[st]
		o.Items = append(o.Items, orders.Item{Quantity: 1, Name: name, Station: st})
	}
	return o
}

// railFixture is an open rail: 1 (grill, fry, shake), 2 (fry), 3 (grill,
// shake), 4 (grill).
func railFixture() []orders.Order {
	return []orders.Order{
		mk(1, orders.Grill, orders.Fry, orders.Shake),
		mk(2, orders.Fry),
		mk(3, orders.Grill, orders.Shake),
		mk(4, orders.Grill),
	}
}

// event returns an event of the given kind about o on the rail os.
func event(kind orders.EventKind, o orders.Order, os []orders.Order) orders.Event {
	return orders.Event{Kind: kind, Version: 9, Now: now, Order: o, Orders: os, Recent: recent(20, 21), RecentBefore: []int64{20, 21}}
}

// targeting returns the partials of p whose target starts with prefix, as
// "target swap".
func (p parsed) targeting(prefix string) []string {
	var out []string
	for _, s := range p.partialSpecs() {
		if strings.HasPrefix(s, prefix) {
			out = append(out, s)
		}
	}
	return out
}

// railSpecs returns the partials of p that change the rail's tickets.
func (p parsed) railSpecs() []string {
	return append(p.targeting("#ticket-"), p.targeting("#rail ")...)
}

// parsed is a socket message, parsed the way htmx does: top-level partials
// and out-of-band elements.
type parsed struct {
	raw      string
	partials []*html.Node // <hx-partial>
	oob      []*html.Node // elements with hx-swap-oob, but the receipt
	receipt  *html.Node   // the receipt, the last element, or nil
}

func parse(t *testing.T, c templ.Component) parsed {
	t.Helper()
	p := parsed{raw: renderString(t, c)}
	nodes := fragment(t, c)
	for i, n := range nodes {
		switch {
		case attrOr(n, "id") == ReceiptID:
			if i != len(nodes)-1 || attrOr(n, "hx-swap-oob") != "true" {
				t.Errorf("receipt %d of %d, hx-swap-oob %q: want the last element, out of band", i+1, len(nodes), attrOr(n, "hx-swap-oob"))
			}
			p.receipt = n
		case n.Data == "hx-partial":
			p.partials = append(p.partials, n)
		case hasAttr(n, "hx-swap-oob"):
			p.oob = append(p.oob, n)
		default:
			t.Errorf("top-level <%s id=%q> is neither a partial nor out of band: htmx would swap it over the page", n.Data, attrOr(n, "id"))
		}
	}
	checkNoInlineStyle(t, p.raw)
	return p
}

func hasAttr(n *html.Node, key string) bool { _, ok := attr(n, key); return ok }

// oobByID returns the out-of-band element with the id, or nil.
func (p parsed) oobByID(id string) *html.Node {
	for _, n := range p.oob {
		if attrOr(n, "id") == id {
			return n
		}
	}
	return nil
}

func (p parsed) oobIDs() []string {
	var ids []string
	for _, n := range p.oob {
		ids = append(ids, attrOr(n, "id")+"="+attrOr(n, "hx-swap-oob"))
	}
	return ids
}

// partialSpecs returns each partial as "target swap".
func (p parsed) partialSpecs() []string {
	var s []string
	for _, n := range p.partials {
		s = append(s, attrOr(n, "hx-target")+" "+attrOr(n, "hx-swap"))
	}
	return s
}

func ticketIDs(n *html.Node) []string {
	var ids []string
	for _, k := range elementChildren(n) {
		if k.Data == "article" && hasClass(k, "ticket") {
			ids = append(ids, attrOr(k, "id"))
		}
	}
	return ids
}

// clockStyleRE is the only inline style the page has: a ticket's clock.
var clockStyleRE = regexp.MustCompile(`^--age:-?\d+ms;--to-warn:-?\d+ms;--to-late:-?\d+ms;$`)

// checkNoInlineStyle checks that s has no inline script but the page's own
// and no inline style but the tickets' clocks, which the page's CSP allows
// as style attributes.
func checkNoInlineStyle(t *testing.T, s string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range all(doc, func(*html.Node) bool { return true }) {
		if style, ok := attr(n, "style"); ok && !(n.Data == "article" && hasClass(n, "ticket") && clockStyleRE.MatchString(style)) {
			t.Errorf("<%s> has an inline style %q, not a ticket's clock", n.Data, style)
		}
		// The page's own script is allowed by its hash; nothing else.
		if n.Data == "style" || (n.Data == "script" && n.FirstChild != nil && n.FirstChild.Data != railScript) {
			t.Errorf("inline <%s>", n.Data)
		}
	}
}

func TestMessageSnapshot(t *testing.T) {
	os := railFixture()
	os[1].Status = orders.Fired
	for _, tc := range []struct {
		s    Screen
		want []string
	}{
		{expo, []string{"ticket-1", "ticket-2", "ticket-3", "ticket-4"}},
		{grill, []string{"ticket-1", "ticket-3", "ticket-4"}},
		{fry, []string{"ticket-1", "ticket-2"}},
	} {
		p := parse(t, Message(tc.s, event(orders.EventSnapshot, orders.Order{}, os)))
		if got := p.partialSpecs(); !slices.Equal(got, []string{"#rail innerHTML"}) {
			t.Fatalf("%q: partials %q, want one #rail innerHTML", tc.s.Station, got)
		}
		if got := ticketIDs(p.partials[0]); !slices.Equal(got, tc.want) {
			t.Errorf("%q: snapshot tickets %q, want %q", tc.s.Station, got, tc.want)
		}
		for _, k := range elementChildren(p.partials[0]) {
			if hasClass(k, "arriving") || hasClass(k, "leaving") || hasAttr(k, "hx-swap-oob") {
				t.Errorf("snapshot ticket <article class=%q hx-swap-oob=%q>", attrOr(k, "class"), attrOr(k, "hx-swap-oob"))
			}
		}
		if got, want := p.oobIDs(), []string{"all-day=true", "recall-list=true", "recall-count=true", "recall-last-form=true", "clock=true", "connection=true", "offline=true"}; !slices.Equal(got, want) {
			t.Errorf("%q: out of band %q, want %q", tc.s.Station, got, want)
		}
		banner := p.oobByID("connection")
		if !hasAttr(banner, "hidden") || attrOr(banner, "data-testid") != "connection" {
			t.Error("snapshot's connection banner is not hidden")
		}
		if got := text(p.oobByID("recall-count")); got != "2" {
			t.Errorf("recall count %q, want 2", got)
		}
		if got := len(byTestID(p.oobByID("recall-list"), "recall-item")); got != 2 {
			t.Errorf("recall list has %d items", got)
		}
	}
	// An empty rail still needs the message: it empties the page's rail.
	p := parse(t, Message(grill, event(orders.EventSnapshot, orders.Order{}, nil)))
	if len(p.partials) != 1 || p.partials[0].FirstChild != nil {
		t.Error("empty snapshot does not empty the rail")
	}
}

func TestMessagePlaced(t *testing.T) {
	o := mk(9, orders.Grill)
	rail := railFixture()
	// 9 hangs between 1 and 2 (say, a rush order).
	rail = slices.Insert(rail, 1, o)
	for _, tc := range []struct {
		s     Screen
		specs []string
	}{
		{expo, []string{"#ticket-2 beforebegin"}},
		// The grill does not show 2 (fry only): 9 goes in front of 3.
		{grill, []string{"#ticket-3 beforebegin"}},
	} {
		p := parse(t, Message(tc.s, event(orders.EventPlaced, o, rail)))
		if got := p.partialSpecs(); !slices.Equal(got, tc.specs) {
			t.Errorf("%q: partials %q, want %q", tc.s.Station, got, tc.specs)
			continue
		}
		kids := elementChildren(p.partials[0])
		if len(kids) != 1 {
			t.Fatalf("%d tickets inserted", len(kids))
		}
		checkTicket(t, kids[0], o)
		if !hasClass(kids[0], "arriving") || hasAttr(kids[0], "hx-swap-oob") {
			t.Errorf("inserted ticket <article class=%q hx-swap-oob=%q>", attrOr(kids[0], "class"), attrOr(kids[0], "hx-swap-oob"))
		}
		// One more hamburger: the one all-day entry that changed, in its
		// place.
		if got, want := p.oobIDs(), []string{allDayID("Hamburger") + "=true"}; !slices.Equal(got, want) {
			t.Errorf("%q: out of band %q, want %q", tc.s.Station, got, want)
		}
		if n := p.oobByID(allDayID("Hamburger")); n == nil || text(onlyClass(t, n, "n")) != "4" {
			t.Errorf("%q: all-day entry %v, want 4 Hamburger", tc.s.Station, n)
		}
	}
	// Last on the rail: appended.
	last := append(railFixture(), o)
	if got := parse(t, Message(expo, event(orders.EventPlaced, o, last))).railSpecs(); !slices.Equal(got, []string{"#rail beforeend"}) {
		t.Errorf("last ticket: partials %q, want #rail beforeend", got)
	}
	// The next tickets on the rail are none the grill shows: appended there.
	o2 := mk(10, orders.Grill)
	tail := []orders.Order{mk(1, orders.Grill), o2, mk(2, orders.Fry), mk(3, orders.Shake)}
	if got := parse(t, Message(grill, event(orders.EventPlaced, o2, tail))).railSpecs(); !slices.Equal(got, []string{"#rail beforeend"}) {
		t.Errorf("grill: partials %q, want #rail beforeend", got)
	}
	// The fry station has nothing to do with 9: no message at all.
	if got := renderString(t, Message(fry, event(orders.EventPlaced, o, rail))); got != "" {
		t.Errorf("fry screen gets %q, want nothing", got)
	}
}

func TestMessageRecalled(t *testing.T) {
	o := mk(3, orders.Grill, orders.Shake)
	o.Recalled, o.Status = true, orders.Fired
	rail := railFixture()
	rail[2] = o
	e := event(orders.EventRecalled, o, rail)
	e.RecentBefore = []int64{3, 20, 21}
	p := parse(t, Message(expo, e))
	if got, want := p.railSpecs(), []string{"#ticket-3 delete", "#ticket-4 beforebegin"}; !slices.Equal(got, want) {
		t.Fatalf("partials %q, want %q", got, want)
	}
	// Its items join the all-day panel, which reorders: 3 hamburgers
	// first, then 2 colas and 2 fries (2 fries, 2 hamburgers, 1 cola
	// before). The two that changed go in one run in front of the fries,
	// which stay.
	if got, want := p.targeting("#all-day-"), []string{
		"#" + allDayID("Hamburger") + " delete", "#" + allDayID("Cola") + " delete",
		"#" + allDayID("French Fries") + " beforebegin",
	}; !slices.Equal(got, want) {
		t.Errorf("all-day partials %q, want %q", got, want)
	}
	// It leaves the recall list.
	if got, want := p.targeting("#recall-"), []string{"#recall-3 delete"}; !slices.Equal(got, want) {
		t.Errorf("recall partials %q, want %q", got, want)
	}
	kids := elementChildren(p.partials[1])
	if len(kids) != 1 || !hasClass(kids[0], "recalled") || !hasClass(kids[0], "arriving") {
		t.Fatal("want the recalled ticket, arriving, marked recalled")
	}
	checkTicket(t, kids[0], o)
	if got, want := p.oobIDs(), []string{"recall-count=true", "recall-last-form=true"}; !slices.Equal(got, want) {
		t.Errorf("out of band %q, want %q", got, want)
	}
	// The fry screen does not show it, but its recall list changed.
	p = parse(t, Message(fry, e))
	if got, want := p.partialSpecs(), []string{"#recall-3 delete"}; !slices.Equal(got, want) {
		t.Errorf("fry screen partials %q, want %q", got, want)
	}
	if got, want := p.oobIDs(), []string{"recall-count=true", "recall-last-form=true"}; !slices.Equal(got, want) {
		t.Errorf("fry out of band %q, want %q", got, want)
	}
}

// morphed checks that p is exactly one ticket morphed in place with the
// given extra classes, and returns it.
func morphed(t *testing.T, p parsed, o orders.Order, classes ...string) *html.Node {
	t.Helper()
	if got := p.railSpecs(); len(got) != 0 {
		t.Errorf("partials %q, want none on the rail", got)
	}
	n := p.oobByID(TicketID(o.ID))
	if n == nil {
		t.Fatalf("no ticket out of band in %q", p.oobIDs())
	}
	checkTicket(t, n, o)
	if got := attrOr(n, "hx-swap-oob"); got != "outerMorph" {
		t.Errorf("hx-swap-oob = %q, want outerMorph", got)
	}
	for _, c := range []string{"leaving", "voided", "arriving"} {
		if hasClass(n, c) != slices.Contains(classes, c) {
			t.Errorf("ticket class %q, want extra classes %q", attrOr(n, "class"), classes)
		}
	}
	return n
}

func TestMessageFired(t *testing.T) {
	o := mk(2, orders.Fry)
	o.Status = orders.Fired
	rail := railFixture()
	rail[1] = o
	for _, s := range []Screen{expo, fry} {
		p := parse(t, Message(s, event(orders.EventFired, o, rail)))
		morphed(t, p, o)
		if got := p.oobIDs(); len(got) != 1 {
			t.Errorf("%q: out of band %q, want the ticket only", s.Station, got)
		}
	}
	if got := renderString(t, Message(grill, event(orders.EventFired, o, rail))); got != "" {
		t.Errorf("grill screen gets %q for a fry-only ticket", got)
	}
}

func TestMessageStationDone(t *testing.T) {
	o := mk(1, orders.Grill, orders.Fry, orders.Shake)
	o.Done = []orders.Station{orders.Grill}
	rail := railFixture()
	rail[0] = o
	e := event(orders.EventStationDone, o, rail)
	e.Station = orders.Grill

	// Expo: the ticket shows the grill done.
	p := parse(t, Message(expo, e))
	n := morphed(t, p, o)
	done := all(n, func(n *html.Node) bool { return attrOr(n, "data-testid") == "station" && hasClass(n, "done") })
	if len(done) != 1 || attrOr(done[0], "data-station") != "grill" {
		t.Errorf("expo ticket marks %d stations done", len(done))
	}
	if got := p.oobIDs(); len(got) != 1 {
		t.Errorf("expo out of band %q, want the ticket only", got)
	}

	// Grill: the ticket leaves, the grill's all-day count drops.
	p = parse(t, Message(grill, e))
	morphed(t, p, o, "leaving")
	ad := p.oobByID(allDayID("Hamburger"))
	if ad == nil {
		t.Fatalf("grill out of band %q, want its hamburgers", p.oobIDs())
	}
	if got := allDayLines(t, ad); !slices.Equal(got, []string{"2 Hamburger | 2 HAMBURGER"}) {
		t.Errorf("grill all day %q", got)
	}

	// Fry: nothing it shows changed.
	if got := renderString(t, Message(fry, e)); got != "" {
		t.Errorf("fry screen gets %q", got)
	}
}

func TestMessageBumped(t *testing.T) {
	o := mk(3, orders.Grill, orders.Shake)
	o.Status = orders.Bumped
	rail := railFixture()
	rail = slices.Delete(rail, 2, 3)
	e := event(orders.EventBumped, o, rail)
	e.Recent, e.RecentBefore = append([]orders.Order{o}, recent(20, 21)...), []int64{20, 21}
	for _, s := range []Screen{expo, grill} {
		p := parse(t, Message(s, e))
		morphed(t, p, o, "leaving")
		if got := p.targeting("#all-day-"); len(got) == 0 && p.oobByID(allDayID("Hamburger")) == nil {
			t.Errorf("%q: the all-day panel does not change", s.Station)
		}
		// One entry joins the top of the recall list.
		if got, want := p.targeting("#recall-"), []string{"#recall-20 beforebegin"}; !slices.Equal(got, want) {
			t.Errorf("%q: recall partials %q, want %q", s.Station, got, want)
		}
		if p.oobByID("recall-count") == nil || p.oobByID("recall-list") != nil {
			t.Errorf("%q: out of band %q, want the count and not the list", s.Station, p.oobIDs())
		}
		if strings.Contains(p.raw, "swap:") {
			t.Error("uses an htmx swap delay")
		}
	}
	// Fry never showed it; its recall list changed all the same.
	p := parse(t, Message(fry, e))
	if got, want := p.oobIDs(), []string{"recall-count=true", "recall-last-form=true"}; !slices.Equal(got, want) || !slices.Equal(p.partialSpecs(), []string{"#recall-20 beforebegin"}) {
		t.Errorf("fry: partials %q, out of band %q, want %q", p.partialSpecs(), got, want)
	}
	// Nor does the grill once it is done with it.
	o.Done = []orders.Station{orders.Grill}
	e.Order = o
	p = parse(t, Message(grill, e))
	if p.oobByID(TicketID(3)) != nil || len(p.targeting("#all-day-")) != 0 {
		t.Errorf("grill, done: out of band %q, partials %q", p.oobIDs(), p.partialSpecs())
	}
}

func TestMessageCancelled(t *testing.T) {
	o := mk(4, orders.Grill)
	o.Status = orders.Cancelled
	rail := railFixture()[:3]
	e := event(orders.EventCancelled, o, rail)
	e.RecentBefore = nil // the recall list was empty
	for _, s := range []Screen{expo, grill} {
		p := parse(t, Message(s, e))
		n := morphed(t, p, o, "leaving", "voided")
		if got := text(onlyTestID(t, n, "void-stamp")); got != "VOID" {
			t.Errorf("void stamp %q", got)
		}
		// One hamburger less: on the expo screen it moves to the end of
		// the all-day panel, on the grill's it stays in place.
		ham := "#" + allDayID("Hamburger")
		if got := p.targeting("#all-day-"); s == expo && !slices.Equal(got, []string{ham + " delete", "#all-day-items beforeend"}) ||
			s == grill && (len(got) != 0 || p.oobByID(allDayID("Hamburger")) == nil) {
			t.Errorf("%q: all-day partials %q, out of band %q", s.Station, got, p.oobIDs())
		}
		if got := p.oobIDs(); !slices.Contains(got, "ticket-4=outerMorph") || !slices.Contains(got, "recall-count=true") || slices.Contains(got, "recall-list=true") {
			t.Errorf("%q: out of band %q", s.Station, got)
		}
		if got, want := p.targeting("#recall-"), []string{"#recall-none delete", "#recall-list beforeend"}; !slices.Equal(got, want) {
			t.Errorf("%q: recall partials %q, want %q", s.Station, got, want)
		}
		if strings.Contains(p.raw, "swap:") {
			t.Error("uses an htmx swap delay")
		}
	}
	// A void joins the recall list: the fry screen, which never showed
	// the ticket, gets that list and nothing else.
	p := parse(t, Message(fry, e))
	if got := p.oobIDs(); len(p.targeting("#recall-")) != 2 || len(p.partials) != 2 || !slices.Equal(got, []string{"recall-count=true", "recall-last-form=true"}) {
		t.Errorf("fry screen: partials %q, out of band %q", p.partialSpecs(), got)
	}
	// A view-only screen has no Recall button to update.
	p = parse(t, Message(Screen{ViewOnly: true}, e))
	if p.oobByID("recall-last-form") != nil || p.oobByID("recall-count") == nil {
		t.Errorf("view-only screen: out of band %q", p.oobIDs())
	}
}

// TestMessageTick checks that a tick sends no ages, however old the
// tickets: only the clock when the minute turned and the recall list when
// it lost orders.
func TestMessageTick(t *testing.T) {
	rail := railFixture()
	rail[0].PlacedAt = now.Add(-8*time.Minute - 5*time.Second)
	rail[1].PlacedAt = now.Add(-5 * time.Minute)
	for _, s := range []Screen{expo, grill, fry} {
		if got := renderString(t, Message(s, event(orders.EventTick, orders.Order{}, rail))); got != "" {
			t.Errorf("%s: a tick with tickets open sends %q", s.name(), got)
		}
	}
	e := event(orders.EventTick, orders.Order{}, rail)
	e.NewMinute = true
	p := parse(t, Message(fry, e))
	if got := p.oobIDs(); len(p.partials) != 0 || !slices.Equal(got, []string{"clock=true"}) {
		t.Fatalf("a new minute sends partials %q, out of band %q; want the clock", p.partialSpecs(), got)
	}
	if c := p.oobByID("clock"); text(c) != "09:10" || attrOr(c, "datetime") != now.Format(time.RFC3339) || attrOr(c, "data-testid") != "clock" {
		t.Errorf("clock %q datetime %q", text(c), attrOr(c, "datetime"))
	}
	e = event(orders.EventTick, orders.Order{}, rail)
	e.Expired, e.RecentBefore = true, []int64{20, 21, 22}
	p = parse(t, Message(expo, e))
	if got := p.oobIDs(); !slices.Equal(p.partialSpecs(), []string{"#recall-22 delete"}) || !slices.Equal(got, []string{"recall-count=true", "recall-last-form=true"}) {
		t.Errorf("an expiry sends partials %q, out of band %q; want the entry that left and the count", p.partialSpecs(), got)
	}
}

func TestMessageUnknownKind(t *testing.T) {
	if got := renderString(t, Message(expo, event("reticulated", mk(1, orders.Grill), railFixture()))); got != "" {
		t.Errorf("unknown kind gets %q", got)
	}
}

func TestFollowUp(t *testing.T) {
	bumped := mk(3, orders.Grill, orders.Shake)
	bumped.Status = orders.Bumped
	voided := mk(4, orders.Grill)
	voided.Status = orders.Cancelled
	doneO := mk(1, orders.Grill, orders.Fry)
	doneO.Done = []orders.Station{orders.Grill}
	stationDone := event(orders.EventStationDone, doneO, railFixture())
	stationDone.Station = orders.Grill
	for _, tc := range []struct {
		name string
		s    Screen
		e    orders.Event
		id   int64
		d    time.Duration
	}{
		{"bumped expo", expo, event(orders.EventBumped, bumped, nil), 3, 400 * time.Millisecond},
		{"bumped grill", grill, event(orders.EventBumped, bumped, nil), 3, 400 * time.Millisecond},
		{"bumped fry", fry, event(orders.EventBumped, bumped, nil), 0, 0},
		{"cancelled expo", expo, event(orders.EventCancelled, voided, nil), 4, 3500 * time.Millisecond},
		{"cancelled fry", fry, event(orders.EventCancelled, voided, nil), 0, 0},
		{"station done grill", grill, stationDone, 1, 400 * time.Millisecond},
		{"station done expo", expo, stationDone, 0, 0},
		{"station done fry", fry, stationDone, 0, 0},
		{"placed", expo, event(orders.EventPlaced, mk(5, orders.Grill), nil), 0, 0},
		{"fired", expo, event(orders.EventFired, mk(5, orders.Grill), nil), 0, 0},
		{"tick", expo, event(orders.EventTick, orders.Order{}, railFixture()), 0, 0},
		{"snapshot", expo, event(orders.EventSnapshot, orders.Order{}, railFixture()), 0, 0},
	} {
		c, d := FollowUp(tc.s, tc.e)
		if d != tc.d || (c == nil) != (tc.id == 0) {
			t.Errorf("%s: FollowUp = %v, %v; want a message: %v, %v", tc.name, c != nil, d, tc.id != 0, tc.d)
			continue
		}
		if c == nil {
			continue
		}
		p := parse(t, c)
		want := []string{"#" + TicketID(tc.id) + ".leaving delete"}
		if got := p.partialSpecs(); !slices.Equal(got, want) || len(p.oob) != 0 || p.partials[0].FirstChild != nil {
			t.Errorf("%s: follow-up %q, want %q", tc.name, p.raw, want)
		}
	}
}

// TestConcatenatedMessages checks that messages stay well-formed side by
// side: each one's elements are still top-level.
func TestConcatenatedMessages(t *testing.T) {
	rail := railFixture()
	bumped := mk(9, orders.Grill)
	bumped.Status = orders.Bumped
	voided := mk(8, orders.Grill)
	voided.Status = orders.Cancelled
	sd := event(orders.EventStationDone, rail[0], rail)
	sd.Station = orders.Grill
	follow, _ := FollowUp(expo, event(orders.EventBumped, bumped, rail))
	var b bytes.Buffer
	var want int
	for _, c := range []templ.Component{
		Message(expo, event(orders.EventSnapshot, orders.Order{}, rail)),
		Message(expo, event(orders.EventPlaced, rail[3], rail)),
		Message(expo, event(orders.EventRecalled, rail[2], rail)),
		Message(expo, event(orders.EventFired, rail[1], rail)),
		Message(expo, sd),
		Message(expo, event(orders.EventBumped, bumped, rail)),
		Message(expo, event(orders.EventCancelled, voided, rail)),
		Message(expo, event(orders.EventTick, orders.Order{}, rail)),
		follow,
	} {
		want += len(fragment(t, c))
		if err := c.Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
	}
	nodes, err := html.ParseFragment(&b, &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for _, n := range nodes {
		if n.Type == html.ElementNode {
			got++
			if n.Data != "hx-partial" && !hasAttr(n, "hx-swap-oob") {
				t.Errorf("top-level <%s> is neither a partial nor out of band", n.Data)
			}
		}
	}
	if got != want {
		t.Errorf("concatenated: %d top-level elements, want %d", got, want)
	}
}

// TestMessageOffline checks that the offline banner shows and hides with
// the board: snapshots carry it as the board is, and the tick that says
// the board went offline or came back carries it too; other ticks do not.
func TestMessageOffline(t *testing.T) {
	for _, offline := range []bool{true, false} {
		snap := event(orders.EventSnapshot, orders.Order{}, railFixture())
		snap.Offline = offline
		tick := event(orders.EventTick, orders.Order{}, railFixture())
		tick.Offline, tick.OfflineChanged = offline, true
		for name, e := range map[string]orders.Event{"snapshot": snap, "tick": tick} {
			for _, s := range []Screen{expo, grill, {ViewOnly: true}} {
				banner := parse(t, Message(s, e)).oobByID("offline")
				if banner == nil {
					t.Fatalf("%s on %s (offline %v): no offline banner", name, s.name(), offline)
				}
				if hasAttr(banner, "hidden") == offline || attrOr(banner, "data-testid") != "offline" || attrOr(banner, "role") != "status" ||
					text(banner) != "Kitchen offline: changes paused" {
					t.Errorf("%s on %s (offline %v): banner hidden %v, %q", name, s.name(), offline, hasAttr(banner, "hidden"), text(banner))
				}
			}
		}
	}
	tick := event(orders.EventTick, orders.Order{}, railFixture())
	tick.Offline, tick.NewMinute = true, true
	if parse(t, Message(expo, tick)).oobByID("offline") != nil {
		t.Error("a new minute's tick sends the offline banner, want it only when the board goes offline or back")
	}
}

// TestMessageReceipt checks that every message but a tick ends with the
// receipt of the event's version, which acks it once htmx has swapped
// the message in, and that a tick asks for no ack.
func TestMessageReceipt(t *testing.T) {
	rail := railFixture()
	for _, kind := range []orders.EventKind{orders.EventSnapshot, orders.EventPlaced, orders.EventFired, orders.EventBumped, orders.EventCancelled, orders.EventRecalled} {
		p := parse(t, Message(expo, event(kind, rail[0], rail)))
		r := p.receipt
		if r == nil {
			t.Errorf("%s: no receipt in %q", kind, p.raw)
			continue
		}
		if attrOr(r, "data-version") != "9" || attrOr(r, "hx-vals") != `{"action":"ack","version":9}` || attrOr(r, "hx-trigger") != "load" || !hasAttr(r, "hx-ws:send") || !hasAttr(r, "hidden") {
			t.Errorf("%s: receipt %q", kind, p.raw[strings.Index(p.raw, "<div id=\"receipt\""):])
		}
	}
	e := event(orders.EventTick, orders.Order{}, rail)
	e.NewMinute = true
	if p := parse(t, Message(expo, e)); p.receipt != nil {
		t.Errorf("a tick asks for an ack: %q", p.raw)
	}
	if c, _ := FollowUp(expo, event(orders.EventBumped, rail[0], rail)); c != nil {
		if p := parse(t, c); p.receipt != nil {
			t.Errorf("a follow-up asks for an ack: %q", p.raw)
		}
	}
	// The rail's first version, before any change, is acked too.
	e = event(orders.EventSnapshot, orders.Order{}, nil)
	e.Version = 0
	if r := parse(t, Message(expo, e)).receipt; r == nil || attrOr(r, "hx-vals") != `{"action":"ack","version":0}` || !hasAttr(r, "hx-ws:send") {
		t.Errorf("the snapshot of version 0 has no ack: %v", r)
	}
	// The page's placeholder sends nothing.
	page := renderString(t, ReceiptPlaceholder())
	if strings.Contains(page, "hx-ws:send") || !strings.Contains(page, `id="receipt"`) {
		t.Errorf("placeholder %q", page)
	}
}
