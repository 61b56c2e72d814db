package views

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/ticketrail/ticketrail/orders"
)

// TestContinuedTicket renders a ticket too long for one row: one article,
// several parts, the head on the first, CONTINUED and the number on the
// others, the foot on the last, every item once, in order.
func TestContinuedTicket(t *testing.T) {
	o := bigOrder(30)
	n := one(t, Ticket(expo, now, o))
	parts := byClass(n, "ticket-part")
	if len(parts) < 2 || attrOr(n, "data-parts") != itoaN(len(parts)) {
		t.Fatalf("%d parts, data-parts=%q", len(parts), attrOr(n, "data-parts"))
	}
	var names []string
	for i, p := range parts {
		if got := attrOr(p, "data-part"); got != itoaN(i+1) {
			t.Errorf("part %d has data-part %q", i+1, got)
		}
		head, cont := byClass(p, "ticket-head"), byTestID(p, "continued")
		if (len(head) == 1) != (i == 0) || (len(cont) == 1) != (i > 0) {
			t.Errorf("part %d: %d heads, %d CONTINUED", i+1, len(head), len(cont))
		}
		if i > 0 && !strings.Contains(text(cont[0]), "#"+itoaN(o.Number)) {
			t.Errorf("part %d says %q, want the number", i+1, text(cont[0]))
		}
		if foot := byClass(p, "ticket-foot"); (len(foot) == 1) != (i == len(parts)-1) {
			t.Errorf("part %d has %d feet", i+1, len(foot))
		}
		for _, it := range byTestID(p, "item") {
			names = append(names, text(onlyTestID(t, it, "name")))
		}
	}
	var want []string
	for _, it := range o.Items {
		want = append(want, it.Name)
	}
	if !slices.Equal(names, want) {
		t.Errorf("items %q, want %q", names, want)
	}
	if got := len(byTestID(n, "age")); got != 1 {
		t.Errorf("%d timers", got)
	}
}

// TestAllergyBand: a flagged order's ticket has class allergy and a band
// naming the allergens in capitals on every part; a note or modifier that
// speaks of an allergy is marked; others are not.
func TestAllergyBand(t *testing.T) {
	o := bigOrder(24)
	o.Allergy, o.Allergens = true, []string{"sesame", "tree nut"}
	o.Items[0].Modifiers = []string{"DAIRY ALLERGY", "no onion"}
	o.Notes = []string{"allergic to nuts", "extra napkins"}
	for _, s := range []Screen{expo, grill} {
		n := one(t, Ticket(s, now, o))
		if !hasClass(n, "allergy") {
			t.Errorf("%q: ticket class %q", s.Station, attrOr(n, "class"))
		}
		parts := byClass(n, "ticket-part")
		bands := byTestID(n, "allergy")
		if len(parts) < 2 || len(bands) != len(parts) {
			t.Fatalf("%q: %d bands on %d parts, want one on each of several", s.Station, len(bands), len(parts))
		}
		for _, b := range bands {
			if got := text(b); got != "ALLERGY: SESAME, TREE NUT" {
				t.Errorf("band says %q", got)
			}
			// Right under the head (or CONTINUED), before any item.
			if prev := prevElement(b); prev == nil || !hasClass(prev, "ticket-head") && attrOr(prev, "data-testid") != "continued" {
				t.Errorf("band follows %v", prev)
			}
		}
		var marked []string
		for _, el := range byClass(n, "allergy-line") {
			marked = append(marked, text(el))
		}
		if want := []string{"allergic to nuts", "DAIRY ALLERGY"}; !slices.Equal(marked, want) {
			t.Errorf("%q: marked lines %q, want %q", s.Station, marked, want)
		}
	}
	// Flagged without a name: the band still shouts.
	o = sampleOrder()
	o.Allergy = true
	if got := text(byTestID(one(t, Ticket(expo, now, o)), "allergy")[0]); got != "ALLERGY: SEE NOTES" {
		t.Errorf("band without allergens says %q", got)
	}
	if got := byTestID(one(t, Ticket(expo, now, sampleOrder())), "allergy"); len(got) != 0 {
		t.Error("an order without allergy has a band")
	}
}

func prevElement(n *html.Node) *html.Node {
	for p := n.PrevSibling; p != nil; p = p.PrevSibling {
		if p.Type == html.ElementNode {
			return p
		}
	}
	return nil
}

// TestItemDone: every item is a control that marks it done, or undone
// when it is done, over the socket and without it.
func TestItemDone(t *testing.T) {
	o := sampleOrder()
	o.ItemsDone = []int{1}
	items := byTestID(one(t, Ticket(expo, now, o)), "item")
	if len(items) != 3 {
		t.Fatalf("%d items", len(items))
	}
	for i, it := range items {
		done := i == 1
		if got := attrOr(it, "data-done"); got != map[bool]string{true: "true", false: "false"}[done] {
			t.Errorf("item %d data-done=%q", i, got)
		}
		if hasClass(it, "done") != done || attrOr(it, "data-index") != itoaN(i) {
			t.Errorf("item %d class %q data-index %q", i, attrOr(it, "class"), attrOr(it, "data-index"))
		}
		f := formOf(t, byTag(it, "button")[0])
		verb, action := "done", "item-done"
		if done {
			verb, action = "undone", "item-undone"
		}
		if got, want := attrOr(f, "action"), "orders/7/items/"+itoaN(i)+"/"+verb; got != want || !hasAttr(f, "hx-ws:send") || attrOr(f, "method") != "post" {
			t.Errorf("item %d posts to %q, want %q with hx-ws:send", i, got, want)
		}
		if got := hiddenValues(f); !mapsEqual(got, map[string]string{"action": action, "id": "7", "item": itoaN(i)}) {
			t.Errorf("item %d sends %v", i, got)
		}
	}
	// On a station's screen the index is still the order's, and a plain
	// post leads back to that screen.
	fryItems := byTestID(one(t, Ticket(fry, now, o)), "item")
	if len(fryItems) != 1 || attrOr(fryItems[0], "data-index") != "1" || attrOr(fryItems[0], "data-done") != "true" {
		t.Fatalf("fry screen's item: %v", fryItems)
	}
	if got := hiddenValues(formOf(t, byTag(fryItems[0], "button")[0])); !mapsEqual(got, map[string]string{"action": "item-undone", "id": "7", "item": "1", "station": "fry"}) {
		t.Errorf("fry screen's item sends %v", got)
	}
}

// TestViewOnly: ?controls=none tickets, rails and pages have no control.
func TestViewOnly(t *testing.T) {
	s := Screen{Store: store, ViewOnly: true}
	o := bigOrder(30)
	o.Status = orders.Received
	for _, root := range []*html.Node{one(t, Ticket(s, now, o)), byID(t, one(t, Rail(s, now, []orders.Order{o})), "rail")} {
		for _, tag := range []string{"form", "button", "summary", "input"} {
			if got := byTag(root, tag); len(got) != 0 {
				t.Errorf("view-only has %d <%s>", len(got), tag)
			}
		}
		if len(byTestID(root, "item")) != 30 || len(byTestID(root, "number")) != 1 {
			t.Error("view-only ticket lacks its items or number")
		}
	}
	p := pageData(s)
	doc := document(t, Page(p))
	if got := byTestID(doc, "bump-key"); len(got) != 0 {
		t.Errorf("view-only page has %d bump keys", len(got))
	}
	if got := byTestID(doc, "recall-last"); len(got) != 0 {
		t.Error("view-only page has a Recall button")
	}
	if got := byTestID(doc, "recall"); len(got) != 0 {
		t.Error("view-only recall list has Recall buttons")
	}
}

// TestRecallPanel: the recall list shows each ticket's first items and
// marks voided ones; Recall names the ticket it brings back, and says so
// when there is none.
func TestRecallPanel(t *testing.T) {
	voided := order(22, orders.Cancelled)
	voided.CancelledAt = now.Add(-time.Minute)
	list := append(recent(20), voided)
	n := one(t, RecallList(expo, list))
	items := byTestID(n, "recall-item")
	if len(items) != 2 {
		t.Fatalf("%d recall items", len(items))
	}
	if got := text(onlyTestID(t, items[0], "recall-items")); got != "2 DOUBLE BURGER, FRIES, 3 CHOCOLATE SHAKE" {
		t.Errorf("first items %q", got)
	}
	if got := byTestID(items[0], "recall-void"); len(got) != 0 {
		t.Error("a bumped ticket is marked VOID")
	}
	if got := text(onlyTestID(t, items[1], "recall-void")); got != "VOID" || !hasClass(items[1], "voided") {
		t.Errorf("voided ticket marked %q, class %q", got, attrOr(items[1], "class"))
	}
	long := bigOrder(5)
	if got := firstItems(long); got != "ITEM NUMBER 1, ITEM NUMBER 2, ITEM NUMBER 3 +2" {
		t.Errorf("firstItems of five = %q", got)
	}

	b := onlyTestID(t, one(t, recallLast(list, false)), "recall-last")
	if hasAttr(b, "disabled") || text(b) != "Recall #120" {
		t.Errorf("Recall button %q disabled=%v", text(b), hasAttr(b, "disabled"))
	}
	b = onlyTestID(t, one(t, recallLast(nil, false)), "recall-last")
	if !hasAttr(b, "disabled") || text(b) != "Nothing to recall" {
		t.Errorf("Recall button with nothing to recall: %q disabled=%v", text(b), hasAttr(b, "disabled"))
	}
}

// TestPageKitchenParts: the clock, the sound control and the counts.
func TestPageKitchenParts(t *testing.T) {
	p := pageData(expo)
	p.Sounds = Sounds{Arrive: "assets/sounds/arrive.wav", Late: "assets/sounds/late.wav"}
	doc := document(t, Page(p))
	if c := onlyTestID(t, doc, "clock"); text(c) != p.Now.Format("15:04") || attrOr(c, "id") != "clock" {
		t.Errorf("clock %q", text(c))
	}
	snd := onlyTestID(t, doc, "sound")
	if snd.Data != "button" || attrOr(snd, "aria-pressed") != "false" {
		t.Errorf("sound control <%s aria-pressed=%q>", snd.Data, attrOr(snd, "aria-pressed"))
	}
	if a := byID(t, doc, "sound-arrive"); a.Data != "audio" || attrOr(a, "src") != p.Sounds.Arrive {
		t.Errorf("arrive sound <%s src=%q>", a.Data, attrOr(a, "src"))
	}
	if a := byID(t, doc, "sound-late"); a.Data != "audio" || attrOr(a, "src") != p.Sounds.Late {
		t.Errorf("late sound <%s src=%q>", a.Data, attrOr(a, "src"))
	}
	for _, id := range []string{"more-before", "more-after"} {
		if m := onlyTestID(t, doc, id); m.Data != "button" || !hasAttr(m, "hidden") {
			t.Errorf("%s: <%s hidden=%v>", id, m.Data, hasAttr(m, "hidden"))
		}
	}
	// Without sounds, no control.
	if got := byTestID(document(t, Page(pageData(expo))), "sound"); len(got) != 0 {
		t.Error("a page without sounds has a sound control")
	}
}

func itoaN(i int) string { return strconv.Itoa(i) }
