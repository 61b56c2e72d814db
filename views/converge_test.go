package views

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/ticketrail/ticketrail/orders"
)

// htmxPage is a page that socket messages are applied to the way htmx's
// hx-ws applies them: partials by their hx-target and hx-swap, and
// out-of-band elements by id, in the order of the message.
type htmxPage struct {
	t    *testing.T
	root *html.Node
}

func newHTMXPage(t *testing.T, s Screen, snap orders.Event) *htmxPage {
	t.Helper()
	page := renderString(t, Page(PageData{Screen: s, Title: "t", Now: snap.Now, Orders: snap.Orders, Recent: snap.Recent}))
	root, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	return &htmxPage{t: t, root: root}
}

// find returns the element a selector "#id" or "#id.class" names, or nil.
func (p *htmxPage) find(sel string) *html.Node {
	id, class, _ := strings.Cut(strings.TrimPrefix(sel, "#"), ".")
	for n := range p.root.Descendants() {
		if n.Type == html.ElementNode && attrOr(n, "id") == id && (class == "" || hasClass(n, class)) {
			return n
		}
	}
	return nil
}

// apply applies one socket message.
func (p *htmxPage) apply(msg []byte) {
	p.t.Helper()
	nodes, err := html.ParseFragment(bytes.NewReader(msg), &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil {
		p.t.Fatal(err)
	}
	// htmx finds every target before it swaps anything, then swaps the
	// out-of-band elements, then the partials, each in message order.
	type task struct {
		n, target *html.Node
	}
	var oob, partials []task
	for _, n := range nodes {
		switch {
		case n.Type != html.ElementNode:
		case n.Data == "hx-partial":
			partials = append(partials, task{n, p.find(attrOr(n, "hx-target"))})
		default:
			oob = append(oob, task{n, p.find("#" + attrOr(n, "id"))})
		}
	}
	for _, o := range oob {
		if o.target == nil {
			continue // htmx ignores an out-of-band element without a target
		}
		removeAttr(o.n, "hx-swap-oob")
		o.target.Parent.InsertBefore(o.n, o.target)
		o.target.Parent.RemoveChild(o.target)
	}
	for _, pt := range partials {
		p.swap(pt.target, attrOr(pt.n, "hx-target"), attrOr(pt.n, "hx-swap"), pt.n)
	}
}

func (p *htmxPage) swap(target *html.Node, sel, how string, partial *html.Node) {
	p.t.Helper()
	if target == nil || target.Parent == nil {
		if how == "delete" {
			return // e.g. the old node of a recalled ticket, gone already
		}
		p.t.Fatalf("partial %s %s: no target on the page", sel, how)
	}
	var kids []*html.Node
	for k := partial.FirstChild; k != nil; k = k.NextSibling {
		kids = append(kids, k)
	}
	for _, k := range kids {
		partial.RemoveChild(k)
	}
	switch how {
	case "delete":
		target.Parent.RemoveChild(target)
	case "innerHTML":
		for target.FirstChild != nil {
			target.RemoveChild(target.FirstChild)
		}
		fallthrough
	case "beforeend":
		for _, k := range kids {
			target.AppendChild(k)
		}
	case "afterbegin":
		first := target.FirstChild
		for _, k := range kids {
			target.InsertBefore(k, first)
		}
	case "beforebegin":
		for _, k := range kids {
			target.Parent.InsertBefore(k, target)
		}
	default:
		p.t.Fatalf("partial %s: swap %q not handled", sel, how)
	}
}

func removeAttr(n *html.Node, key string) {
	kept := n.Attr[:0]
	for _, a := range n.Attr {
		if a.Key != key {
			kept = append(kept, a)
		}
	}
	n.Attr = kept
}

// part renders the element with the given id, whitespace between elements
// ignored, leaving out what only time changes: the class of arrival and
// the tickets' ages, which run in the page.
func (p *htmxPage) part(id string) string {
	n := p.find("#" + id)
	if n == nil {
		return "(missing #" + id + ")"
	}
	return outer(n)
}

func outer(n *html.Node) string {
	n = cloneTree(n)
	for k := range n.Descendants() {
		if k.Type != html.ElementNode {
			continue
		}
		removeAttr(k, "style")
		if hasClass(k, "arriving") {
			setClass(k, strings.Join(strings.Fields(strings.ReplaceAll(" "+attrOr(k, "class")+" ", " arriving ", " ")), " "))
		}
		if hasClass(k, "age") {
			setClass(k, "age")
			for k.FirstChild != nil {
				k.RemoveChild(k.FirstChild)
			}
		}
	}
	var b strings.Builder
	if err := html.Render(&b, n); err != nil {
		panic(err)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

func cloneTree(n *html.Node) *html.Node {
	c := &html.Node{Type: n.Type, DataAtom: n.DataAtom, Data: n.Data, Namespace: n.Namespace, Attr: append([]html.Attribute(nil), n.Attr...)}
	for k := n.FirstChild; k != nil; k = k.NextSibling {
		c.AppendChild(cloneTree(k))
	}
	return c
}

func setClass(n *html.Node, class string) {
	for i, a := range n.Attr {
		if a.Key == "class" {
			n.Attr[i].Val = class
		}
	}
}

// TestMessagesConverge applies the messages of a long random service to a
// page of every kind of screen, as htmx does, and checks after every event
// that the rail, the all-day panel and the recall list equal a fresh
// render of the board.
func TestMessagesConverge(t *testing.T) {
	clock := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	board := orders.NewBoard(orders.BoardConfig{Now: func() time.Time { return clock }})
	ctx := context.Background()
	screens := []Screen{{}, {Station: orders.Grill}, {Station: orders.Fry}, {Station: orders.Shake, ViewOnly: true}}
	sub := board.Subscribe()
	defer sub.Close()
	snap, err := sub.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pages := make([]*htmxPage, len(screens))
	for i, s := range screens {
		pages[i] = newHTMXPage(t, s, snap)
	}

	menu := []orders.Item{
		{Quantity: 1, Name: "Hamburger", Station: orders.Grill},
		{Quantity: 2, Name: "Double Burger", Station: orders.Grill},
		{Quantity: 1, Name: "French Fries", Station: orders.Fry},
		{Quantity: 3, Name: "Onion Rings", Station: orders.Fry},
		{Quantity: 1, Name: "Chocolate Shake", Station: orders.Shake},
		{Quantity: 1, Name: `<b>"Rösti" & co</b>`, Station: orders.Fry},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var open, closed []int64
	step := func(i int) (string, error) {
		clock = clock.Add(time.Duration(rng.IntN(40)) * time.Second)
		pick := func(ids []int64) int64 { return ids[rng.IntN(len(ids))] }
		switch r := rng.IntN(10); {
		case r < 4 || len(open) == 0:
			var items []orders.Item
			for range 1 + rng.IntN(3) {
				items = append(items, menu[rng.IntN(len(menu))])
			}
			o, _, err := board.Place(ctx, orders.NewOrder{Destination: orders.Takeout, Rush: rng.IntN(6) == 0, Items: items})
			open = append(open, o.ID)
			return "place", err
		case r == 4:
			_, err := board.Fire(ctx, pick(open))
			return "fire", err
		case r == 5:
			id := pick(open)
			o, _ := board.Order(id)
			_, err := board.BumpStation(ctx, id, o.Items[0].Station)
			return "station done", err
		case r == 6 && len(closed) > 0:
			_, err := board.Recall(ctx, pick(closed))
			return "recall", err
		case r == 7:
			_, err := board.Cancel(ctx, pick(open))
			return "void", err
		default:
			_, err := board.Bump(ctx, pick(open))
			return "bump", err
		}
	}
	const steps = 200
	for i := range steps {
		what, err := step(i)
		if err != nil {
			t.Logf("step %d %s: %v", i, what, err) // a conflict, as between two screens
		}
		open, closed = open[:0], closed[:0]
		for _, o := range board.Open() {
			open = append(open, o.ID)
		}
		for _, o := range board.Recent() {
			closed = append(closed, o.ID)
		}
		if i%37 == 0 {
			clock = clock.Add(orders.RecallWindow / 3)
		}
		board.Tick() // as the ticker does: the recall list's entries expire
		for {
			e, ok, err := sub.TryNext()
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				break
			}
			for k, s := range screens {
				apply(t, pages[k], s, e)
			}
		}
		want := board.Snapshot()
		for k, s := range screens {
			parts := map[string]templ.Component{
				"all-day":      AllDay(s, want.Orders),
				"recall-list":  RecallList(s, want.Recent),
				"recall-count": recallCount(want.Recent, false),
			}
			if i%5 == 0 || i == steps-1 {
				parts["rail"] = Rail(s, want.Now, want.Orders) // the costly one
			}
			for id, c := range parts {
				if got, want := pages[k].part(id), rendered(t, c, id); got != want {
					t.Fatalf("step %d (%s), screen %q: #%s differs\n%s", i, what, s.name(), id, diff(got, want))
				}
			}
		}
	}
}

// rendered renders the element with the given id in c, as part does.
func rendered(t *testing.T, c templ.Component, id string) string {
	t.Helper()
	for _, n := range fragment(t, c) {
		if found := all(n, func(k *html.Node) bool { return attrOr(k, "id") == id }); len(found) > 0 {
			return outer(found[0])
		}
	}
	t.Fatalf("no #%s rendered", id)
	return ""
}

// apply applies the message of e to page p of screen s, and its follow-up
// at once.
func apply(t *testing.T, p *htmxPage, s Screen, e orders.Event) {
	t.Helper()
	p.apply([]byte(renderString(t, Message(s, e))))
	if c, _ := FollowUp(s, e); c != nil {
		p.apply([]byte(renderString(t, c)))
	}
}

// diff shows where got and want part.
func diff(got, want string) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(i-200, 0)
	return fmt.Sprintf(" got …%s\nwant …%s", got[from:min(i+300, len(got))], want[from:min(i+300, len(want))])
}
