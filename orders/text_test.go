package orders_test

import (
	"errors"
	"testing"

	"github.com/ticketrail/ticketrail/orders"
)

// TestValidateInvisibleAndBidi checks the rules for text that shows
// nothing or reorders what the screen shows, on every text of an order.
func TestValidateInvisibleAndBidi(t *testing.T) {
	const (
		empty = "must not be empty"
		bidi  = "must not hold bidirectional control characters"
	)
	for _, tc := range []struct {
		name    string
		text    string
		problem string // "" for valid
	}{
		{"zero-width space", "\u200b", empty},
		{"joiners", "\u200c\u200d", empty},
		{"word joiner and BOM", " \u2060\ufeff ", empty},
		{"soft hyphen", "\u00ad", empty},
		{"variation selector", "\ufe0f", empty},
		{"Hangul filler", "\u3164", empty},
		{"blank Braille", "\u2800", empty},
		{"no-break space", "\u00a0\u3000", empty},
		{"mongolian vowel separator", "\u180e", empty},
		{"left-to-right override", "\u202dabc", bidi},
		{"right-to-left override", "no onion \u202e", bidi},
		{"embedding", "\u202aabc\u202c", bidi},
		{"isolate", "abc\u2066def\u2069", bidi},
		{"first strong isolate", "\u2068", bidi},
		{"override alone", "\u202e", bidi},
		{"visible with a zero-width space", "no\u200bonion", ""},
		{"emoji with joiners", "👩🏽\u200d🍳", ""},
		{"right-to-left mark", "\u05e9\u05dc\u05d5\u05dd\u200f", ""},
		{"Arabic", "\u0645\u0631\u062d\u0628\u0627", ""},
	} {
		for _, place := range []struct {
			field string
			set   func(n *orders.NewOrder, s string)
		}{
			{"items[0].name", func(n *orders.NewOrder, s string) { n.Items[0].Name = s }},
			{"items[0].modifiers[1]", func(n *orders.NewOrder, s string) { n.Items[0].Modifiers = []string{"plain", s} }},
			{"items[0].allergens[0]", func(n *orders.NewOrder, s string) { n.Items[0].Allergens = []string{s} }},
			{"notes[0]", func(n *orders.NewOrder, s string) { n.Notes = []string{s} }},
			{"allergens[0]", func(n *orders.NewOrder, s string) { n.Allergens = []string{s} }},
			{"source_id", func(n *orders.NewOrder, s string) { n.SourceID = s }},
			{"idempotency_key", func(n *orders.NewOrder, s string) { n.Key = s }},
		} {
			t.Run(tc.name+" in "+place.field, func(t *testing.T) {
				n := burger()
				place.set(&n, tc.text)
				err := n.Validate()
				if tc.problem == "" {
					if err != nil {
						t.Fatalf("Validate: %v, want nil", err)
					}
					return
				}
				var fe *orders.FieldError
				if !errors.As(err, &fe) || !errors.Is(err, orders.ErrInvalid) || fe.Field != place.field || fe.Problem != tc.problem {
					t.Fatalf("Validate: %v, want %s: %s", err, place.field, tc.problem)
				}
			})
		}
	}
}
