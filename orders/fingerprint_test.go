package orders_test

import (
	"bytes"
	"testing"

	"github.com/ticketrail/ticketrail/orders"
)

// TestFingerprint checks that the fingerprint changes with everything an
// order asks for, and only with that.
func TestFingerprint(t *testing.T) {
	base := burger()
	base.SourceID = "pos-1"
	base.Notes = []string{"a note"}
	base.Items = append(base.Items, orders.Item{Quantity: 1, Name: "Fries", Station: orders.Fry})
	same := []func(n *orders.NewOrder){
		func(n *orders.NewOrder) {},
		func(n *orders.NewOrder) { n.Key = "another key" },
		func(n *orders.NewOrder) { n.Allergens = []string{} }, // nil and empty are the same
	}
	other := map[string]func(n *orders.NewOrder){
		"source id":   func(n *orders.NewOrder) { n.SourceID = "pos-2" },
		"destination": func(n *orders.NewOrder) { n.Destination = orders.DriveThru },
		"rush":        func(n *orders.NewOrder) { n.Rush = true },
		"quantity":    func(n *orders.NewOrder) { n.Items[0].Quantity++ },
		"name":        func(n *orders.NewOrder) { n.Items[0].Name += "!" },
		"station":     func(n *orders.NewOrder) { n.Items[0].Station = orders.Shake },
		"modifier":    func(n *orders.NewOrder) { n.Items[0].Modifiers = append(n.Items[0].Modifiers, "x") },
		"item allergen": func(n *orders.NewOrder) {
			n.Items[0].Allergens = []string{"egg"}
		},
		"another item":   func(n *orders.NewOrder) { n.Items = append(n.Items, n.Items[0]) },
		"fewer items":    func(n *orders.NewOrder) { n.Items = n.Items[:1] },
		"note":           func(n *orders.NewOrder) { n.Notes = []string{"a", "note"} },
		"notes joined":   func(n *orders.NewOrder) { n.Notes = []string{"a note", ""} },
		"order allergen": func(n *orders.NewOrder) { n.Allergens = []string{"egg"} },
		// A string's end is not the next one's start.
		"moved text": func(n *orders.NewOrder) { n.SourceID, n.Notes = "pos-1a", []string{" note"} },
	}
	want := base.Fingerprint()
	if len(want) != orders.FingerprintSize {
		t.Fatalf("a fingerprint of %d bytes, want %d", len(want), orders.FingerprintSize)
	}
	for i, edit := range same {
		n := clone(base)
		edit(&n)
		if got := n.Fingerprint(); !bytes.Equal(got, want) {
			t.Errorf("same order %d: fingerprint %x, want %x", i, got, want)
		}
	}
	seen := map[string]string{string(want): "the order"}
	for name, edit := range other {
		n := clone(base)
		edit(&n)
		got := string(n.Fingerprint())
		if was, ok := seen[got]; ok {
			t.Errorf("with another %s: the fingerprint of %s", name, was)
		}
		seen[got] = name
	}
}

// clone returns a copy of n that shares nothing with it.
func clone(n orders.NewOrder) orders.NewOrder {
	items := make([]orders.Item, len(n.Items))
	for i, it := range n.Items {
		it.Modifiers = append([]string(nil), it.Modifiers...)
		it.Allergens = append([]string(nil), it.Allergens...)
		items[i] = it
	}
	n.Items = items
	n.Notes = append([]string(nil), n.Notes...)
	n.Allergens = append([]string(nil), n.Allergens...)
	return n
}
