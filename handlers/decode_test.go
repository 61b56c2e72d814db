package handlers

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/ticketrail/ticketrail/orders"
	"github.com/ticketrail/ticketrail/views"
)

// FuzzDecodeOrder feeds the order decoder arbitrary bodies: it never
// panics, every error is a field error, and every order it accepts is
// valid and renders as a ticket whose text cannot become markup.
func FuzzDecodeOrder(f *testing.F) {
	f.Add([]byte(`{"source_id": "pos-4711", "destination": "takeout", "rush": false,
 "items": [{"name": "Double Burger", "quantity": 2, "station": "grill", "modifiers": ["no onion"]},
           {"name": "French Fries", "quantity": 1}], "notes": ["allergy: sesame"]}`))
	f.Add([]byte(`{"destination": "drive-thru", "items": [{"name": "<script>alert(1)</script>"}]}`))
	f.Add([]byte(`{"destination": "dining room", "items": [{"name": "\"><img src=x onerror=alert(1)>", "modifiers": ["</article>"]}], "notes": ["<!--"]}`))
	f.Add([]byte(`{"destination": "takeout", "items": [{"name": "Cola", "quantity": -1}]}`))
	f.Add([]byte(`{"destination": 7}`))
	f.Add([]byte(`{"destination": "takeout", "allergens": ["<b>nuts</b>", "tree-nuts"], "items": [{"name": "Cola", "allergens": ["\"><script>"]}]}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{} {}`))
	f.Add([]byte(``))
	f.Add([]byte("{\"destination\": \"takeout\", \"items\": [{\"name\": \"Fr\xffies\"}]}"))
	f.Add([]byte(`{"destination": "takeout", "items": [{"name": "\ud83c\udf54 \ud800"}], "notes": ["\u200b", "\u202e"]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := decodeOrder(bytes.NewReader(body))
		if err != nil {
			if !errors.Is(err, orders.ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if err := n.Validate(); err != nil {
			t.Fatalf("accepted an invalid order: %v", err)
		}
		o := orders.Order{ID: 1, Number: 100, Destination: n.Destination, Status: orders.Received, Items: n.Items, Notes: n.Notes, Rush: n.Rush,
			Allergens: n.Allergens, Allergy: len(n.Allergens) > 0}
		var buf bytes.Buffer
		if err := views.Ticket(views.Screen{Store: "Socket Burger"}, time.Now(), o).Render(context.Background(), &buf); err != nil {
			t.Fatal(err)
		}
		doc, err := html.Parse(&buf)
		if err != nil {
			t.Fatal(err)
		}
		articles := 0
		for el := range doc.Descendants() {
			if el.Type != html.ElementNode {
				continue
			}
			switch el.Data {
			case "script", "img", "iframe", "style":
				t.Fatalf("the order's text became a <%s> element", el.Data)
			case "article":
				articles++
			}
			for _, a := range el.Attr {
				if strings.HasPrefix(a.Key, "on") {
					t.Fatalf("the order's text became an %s attribute", a.Key)
				}
			}
		}
		if articles != 1 {
			t.Fatalf("%d articles in one ticket", articles)
		}
	})
}

// FuzzDecodeAction feeds the socket's action decoder arbitrary messages:
// it never panics and accepts only known actions on positive IDs.
func FuzzDecodeAction(f *testing.F) {
	f.Add([]byte(`{"action":"bump","id":"7","headers":{"HX-Request":"true"}}`))
	f.Add([]byte(`{"action":"fire","id":12}`))
	f.Add([]byte(`{"action":"recall","id":" 3 "}`))
	f.Add([]byte(`{"action":"dance","id":1}`))
	f.Add([]byte(`{"action":"bump","id":-1}`))
	f.Add([]byte(`{"action":"bump","id":1e3}`))
	f.Add([]byte(`not json`))
	f.Add([]byte(`{"action":"done","id":"4","station":"grill"}`))
	f.Add([]byte(`{"action":"done","id":"4","station":"oven"}`))
	f.Add([]byte(`{"action":"recall-last"}`))
	f.Add([]byte(`{"action":"item-done","id":"4","item":"2"}`))
	f.Add([]byte(`{"action":"item-undone","id":4,"item":0}`))
	f.Add([]byte(`{"action":"item-done","id":4,"item":-1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := decodeAction(data)
		if err != nil {
			return
		}
		switch {
		case a.name == "recall-last":
		case a.name == actionItemDone || a.name == actionItemUndone:
			if a.id < 1 || a.item < 0 {
				t.Fatalf("accepted %s on id %d, item %d", a.name, a.id, a.item)
			}
		case !validAction(a.name) || a.id < 1:
			t.Fatalf("accepted action %q on id %d", a.name, a.id)
		case a.name == "done" && !a.station.Valid():
			t.Fatalf("accepted done for station %q", a.station)
		}
	})
}

func TestDecodeAction(t *testing.T) {
	for _, tt := range []struct {
		msg  string
		want action
		err  error
	}{
		{`{"action":"item-done","id":7,"item":2}`, action{name: "item-done", id: 7, item: 2}, nil},
		{`{"action":"item-done","id":"7","item":"0"}`, action{name: "item-done", id: 7}, nil},
		{`{"action":"item-undone","id":" 7 ","item":" 3 ","station":"grill"}`, action{name: "item-undone", id: 7, item: 3}, nil},
		{`{"action":"item-done","id":7}`, action{}, orders.ErrNotFound},
		{`{"action":"item-done","id":7,"item":-1}`, action{}, orders.ErrNotFound},
		{`{"action":"item-done","id":7,"item":1.5}`, action{}, orders.ErrNotFound},
		{`{"action":"item-done","id":7,"item":"two"}`, action{}, orders.ErrNotFound},
		{`{"action":"item-done","id":7,"item":null}`, action{}, orders.ErrNotFound},
		{`{"action":"item-done","id":0,"item":1}`, action{}, orders.ErrNotFound},
		{`{"action":"item-done","item":1}`, action{}, orders.ErrNotFound},
		{`{"action":"item-finished","id":7,"item":1}`, action{}, errUnknownAction},
		{`{"action":"bump","id":"7","headers":{"HX-Request":"true"}}`, action{name: "bump", id: 7}, nil},
		{`{"action":"fire","id":12}`, action{name: "fire", id: 12}, nil},
		{`{"action":"cancel","id":" 3 "}`, action{name: "cancel", id: 3}, nil},
		{`{"action":"done","id":"5","station":"fry"}`, action{name: "done", id: 5, station: orders.Fry}, nil},
		{`{"action":"recall-last"}`, action{name: "recall-last"}, nil},
		{`{"action":"done","id":"5","station":"oven"}`, action{}, orders.ErrInvalid},
		{`{"action":"dance","id":1}`, action{}, errUnknownAction},
		{`{"id":1}`, action{}, errUnknownAction},
		{`{"action":"bump"}`, action{}, orders.ErrNotFound},
		{`{"action":"bump","id":"x"}`, action{}, orders.ErrNotFound},
		{`{"action":"bump","id":0}`, action{}, orders.ErrNotFound},
		{`{"action":"bump","id":1.5}`, action{}, orders.ErrNotFound},
		{`hello`, action{}, nil},
	} {
		t.Run(tt.msg, func(t *testing.T) {
			got, err := decodeAction([]byte(tt.msg))
			if tt.want.name == "" {
				if err == nil {
					t.Errorf("accepted as %+v", got)
				} else if tt.err != nil && !errors.Is(err, tt.err) {
					t.Errorf("%v, want %v", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("%+v %v, want %+v", got, err, tt.want)
			}
		})
	}
}

func TestDecodeOrderAllergens(t *testing.T) {
	for _, tt := range []struct {
		name  string
		body  string
		order []string
		items [][]string
		field string
	}{
		{"none", `{"destination": "takeout", "items": [{"name": "Cola"}]}`, nil, [][]string{nil}, ""},
		{"normalised in place", `{"destination": "takeout", "allergens": [" Tree-Nuts", "PEANUTS", "peanut", "Kiwi  Fruit"],
			"items": [{"name": "Cola", "allergens": ["milk"]}, {"name": "Fries"}]}`,
			[]string{"tree nut", "peanut", "peanut", "kiwi fruit"}, [][]string{{"dairy"}, nil}, ""},
		{"an empty list", `{"destination": "takeout", "allergens": [], "items": [{"name": "Cola", "allergens": []}]}`, []string{}, [][]string{{}}, ""},
		{"empty once normalised", `{"destination": "takeout", "items": [{"name": "Cola"}, {"name": "Fries", "allergens": ["egg", "__"]}]}`, nil, nil, "items[1].allergens[1]"},
		{"not text", `{"destination": "takeout", "allergens": [true], "items": [{"name": "Cola"}]}`, nil, nil, "allergens"},
		{"null", `{"destination": "takeout", "allergens": null, "items": [{"name": "Cola"}]}`, nil, [][]string{nil}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n, err := decodeOrder(strings.NewReader(tt.body))
			if tt.field != "" {
				var fe *orders.FieldError
				if !errors.As(err, &fe) || fe.Field != tt.field {
					t.Fatalf("error %v, want one naming %s", err, tt.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(n.Allergens, tt.order) || (n.Allergens == nil) != (tt.order == nil) {
				t.Errorf("order allergens %q, want %q", n.Allergens, tt.order)
			}
			for i, want := range tt.items {
				if got := n.Items[i].Allergens; !slices.Equal(got, want) {
					t.Errorf("item %d allergens %q, want %q", i, got, want)
				}
			}
		})
	}
}

// TestDecodeOrderRefusesWhatIsNotText checks that bytes that are not
// UTF-8 and escaped lone surrogates, which encoding/json would turn into
// U+FFFD, are refused where they are, and that text that shows nothing
// or reorders the ticket is refused too.
func TestDecodeOrderRefusesWhatIsNotText(t *testing.T) {
	const (
		notUTF8   = "must be text: it is not valid UTF-8"
		surrogate = "must be text: it holds an escaped half of a surrogate pair (such as \\ud800 alone), which is no character"
		empty     = "must not be empty"
		bidi      = "must not hold bidirectional control characters"
	)
	order := func(items, rest string) string {
		return `{"destination": "takeout", "items": [` + items + `]` + rest + `}`
	}
	for _, tt := range []struct {
		name    string
		body    string
		field   string // "" when the order is accepted
		problem string
	}{
		{"name not UTF-8", order(`{"name": "Cola"}, {"name": "Fries"}, {"name": "Bur`+"\xff"+`ger"}`, ""), "items[2].name", notUTF8},
		{"modifier not UTF-8", order(`{"name": "Cola", "modifiers": ["ice", "no `+"\xc3\x28"+`"]}`, ""), "items[0].modifiers[1]", notUTF8},
		{"note not UTF-8", order(`{"name": "Cola"}`, `, "notes": ["`+"\xed\xa0\x80"+`"]`), "notes[0]", notUTF8},
		{"allergen not UTF-8", order(`{"name": "Cola"}`, `, "allergens": ["egg", "`+"\xfe"+`"]`), "allergens[1]", notUTF8},
		{"item allergen not UTF-8", order(`{"name": "Cola"}, {"name": "Fries", "allergens": ["`+"\x80"+`"]}`, ""), "items[1].allergens[0]", notUTF8},
		{"source id not UTF-8", order(`{"name": "Cola"}`, `, "source_id": "pos-`+"\xff"+`"`), "source_id", notUTF8},
		{"station not UTF-8", order(`{"name": "Cola", "station": "gr`+"\xff"+`ll"}`, ""), "items[0].station", notUTF8},
		{"after nested values", order(`{"name": "Cola", "quantity": 2, "modifiers": [], "allergens": ["egg"]}, {"name": "Fr`+"\xff"+`"}`, `, "rush": true`), "items[1].name", notUTF8},
		{"lone high surrogate", order(`{"name": "Cola \ud83c"}`, ""), "items[0].name", surrogate},
		{"lone low surrogate", order(`{"name": "Cola"}`, `, "notes": ["ok", "\uDF54 x"]`), "notes[1]", surrogate},
		{"reversed pair", order(`{"name": "\udf54\ud83c"}`, ""), "items[0].name", surrogate},
		{"surrogate after an escaped backslash", order(`{"name": "\\ufffd \ud800"}`, ""), "items[0].name", surrogate},
		{"escaped pair", order(`{"name": "Burger \ud83c\udf54"}`, ""), "", ""},
		{"escaped replacement character", order(`{"name": "\ufffd Burger \uFFFD"}`, ""), "", ""},
		{"replacement character as sent", order(`{"name": "`+"\uFFFD"+` Burger"}`, ""), "", ""},
		{"an escaped backslash and u", order(`{"name": "C:\\ud800"}`, ""), "", ""},
		{"zero-width name", order(`{"name": "\u200b\u200d"}`, ""), "items[0].name", empty},
		{"soft hyphen modifier", order(`{"name": "Cola", "modifiers": ["`+"\u00ad"+`"]}`, ""), "items[0].modifiers[0]", empty},
		{"BOM note", order(`{"name": "Cola"}`, `, "notes": ["\ufeff "]`), "notes[0]", empty},
		{"word joiner source id", order(`{"name": "Cola"}`, `, "source_id": "\u2060"`), "source_id", empty},
		{"invisible allergen", order(`{"name": "Cola", "allergens": ["\u200c"]}`, ""), "items[0].allergens[0]", empty},
		{"override in a name", order(`{"name": "Cola \u202e"}`, ""), "items[0].name", bidi},
		{"isolate in a note", order(`{"name": "Cola"}`, `, "notes": ["`+"\u2067"+`abc"]`), "notes[0]", bidi},
		{"embedding in an allergen", order(`{"name": "Cola"}`, `, "allergens": ["\u202aegg"]`), "allergens[0]", bidi},
		{"override in a source id", order(`{"name": "Cola"}`, `, "source_id": "\u202dpos"`), "source_id", bidi},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeOrder(strings.NewReader(tt.body))
			if tt.field == "" {
				if err != nil {
					t.Fatalf("decodeOrder: %v, want the order", err)
				}
				return
			}
			var fe *orders.FieldError
			if !errors.As(err, &fe) || !errors.Is(err, orders.ErrInvalid) || fe.Field != tt.field || fe.Problem != tt.problem {
				t.Fatalf("decodeOrder: %v, want %s: %s", err, tt.field, tt.problem)
			}
		})
	}
}

// TestCheckStringsKeys checks that a field name that is not text is
// refused naming the object that has it.
func TestCheckStringsKeys(t *testing.T) {
	for _, tt := range []struct {
		body, field string
	}{
		{`{"a` + "\xff" + `": 1}`, ""},
		{`{"items": [{"name": "x"}, {"n` + "\xff" + `": 1}]}`, "items[1]"},
		{`{"items": [1, 2, {"\ud800": 1}]}`, "items[2]"},
	} {
		err := checkStrings([]byte(tt.body))
		var fe *orders.FieldError
		if !errors.As(err, &fe) || fe.Field != tt.field || !strings.HasPrefix(fe.Problem, "has a field name that ") {
			t.Errorf("checkStrings(%q) = %v, want a field error for %q", tt.body, err, tt.field)
		}
	}
}
