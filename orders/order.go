package orders

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Destination says where an order goes when it leaves the kitchen.
type Destination string

// The destinations a ticket can show.
const (
	DiningRoom Destination = "dining room"
	Takeout    Destination = "takeout"
	DriveThru  Destination = "drive thru"
)

// Destinations returns every valid destination, in display order.
func Destinations() []Destination { return []Destination{DiningRoom, Takeout, DriveThru} }

// Valid reports whether d is one of Destinations.
func (d Destination) Valid() bool {
	switch d {
	case DiningRoom, Takeout, DriveThru:
		return true
	}
	return false
}

// Station is the part of the kitchen that prepares an item.
type Station string

// The stations of the kitchen.
const (
	Grill Station = "grill"
	Fry   Station = "fry"
	Shake Station = "shake"
)

// Stations returns every station, in display order.
func Stations() []Station { return []Station{Grill, Fry, Shake} }

// Valid reports whether s is one of Stations.
func (s Station) Valid() bool {
	switch s {
	case Grill, Fry, Shake:
		return true
	}
	return false
}

// Status is where an order is in its life on the rail.
type Status string

// The statuses an order moves through. A received order hangs on the rail
// until it is bumped (done) or cancelled (voided).
const (
	Received  Status = "received"
	Fired     Status = "fired"
	Bumped    Status = "bumped"
	Cancelled Status = "cancelled"
)

// Open reports whether an order with this status belongs on the rail.
func (s Status) Open() bool { return s == Received || s == Fired }

// Item is one line of an order: a quantity of one menu item, prepared at one
// station, with optional modifiers such as "no onion".
type Item struct {
	Quantity  int      `json:"quantity"`
	Name      string   `json:"name"`
	Station   Station  `json:"station"`
	Modifiers []string `json:"modifiers,omitempty"`
	// Allergens are the allergens the sender named for this item,
	// normalised (see NormalizeAllergen).
	Allergens []string `json:"allergens,omitempty"`
}

// Order is a ticket on the rail. Orders are values: the board hands out
// copies, and Items and Notes are never modified after an order is placed, so
// copies may share them.
type Order struct {
	// ID identifies the order for good. It counts up from 1 and is never
	// reused, also across restarts.
	ID int64 `json:"id"`
	// Number is the display number that staff and guests call out. It
	// counts up from FirstNumber and wraps after LastNumber.
	Number int `json:"number"`
	// SourceID is the sender's own ID for the order, if it gave one.
	SourceID    string      `json:"source_id,omitempty"`
	Destination Destination `json:"destination"`
	Status      Status      `json:"status"`
	// Rush orders hang at the front of the rail.
	Rush bool `json:"rush"`
	// Recalled is set when a bumped or voided order was brought back to
	// the rail.
	Recalled bool `json:"recalled,omitempty"`
	// Done lists the stations that have finished their part of the order.
	Done  []Station `json:"done_stations,omitempty"`
	Items []Item    `json:"items"`
	Notes []string  `json:"notes,omitempty"`
	// Allergens are every allergen of the order: those named on the order
	// and its items, and those its notes and modifiers mention, normalised
	// and in the order of the allergen list (see Allergens).
	Allergens []string `json:"allergens,omitempty"`
	// Allergy is set when the order has allergens, or a note or modifier
	// speaks of an allergy without naming one: the ticket must shout.
	Allergy bool `json:"allergy,omitempty"`
	// ItemsDone lists the indexes (from 0, into Items) of the items a cook
	// marked done, in increasing order.
	ItemsDone []int `json:"items_done,omitempty"`
	// PlacedAt is when the kitchen received the order; FiredAt when a cook
	// started it; BumpedAt when it was last bumped as done; CancelledAt
	// when it was voided. Zero when it has not happened.
	PlacedAt    time.Time `json:"placed_at"`
	FiredAt     time.Time `json:"fired_at,omitzero"`
	BumpedAt    time.Time `json:"bumped_at,omitzero"`
	CancelledAt time.Time `json:"cancelled_at,omitzero"`
}

// before reports whether o hangs before p on the rail: rush orders first,
// then in the order they were placed.
func (o Order) before(p Order) bool {
	if o.Rush != p.Rush {
		return o.Rush
	}
	return o.ID < p.ID
}

// The range of display numbers.
const (
	FirstNumber = 100
	LastNumber  = 999
)

// NewOrder is what a source (the demo generator, a point of sale) asks the
// board to place. The board assigns the ID, number, time and status.
type NewOrder struct {
	// Key makes placing the order safe to retry: a second order with the
	// same key is not placed; the first one is returned instead.
	Key         string
	SourceID    string
	Destination Destination
	Rush        bool
	Items       []Item
	Notes       []string
	// Allergens are the allergens the sender named for the whole order.
	Allergens []string
}

// Limits on what an order may hold, so that one sender cannot flood every
// screen.
const (
	MaxItems      = 100
	MaxQuantity   = 99
	MaxModifiers  = 10
	MaxNotes      = 10
	MaxTextLength = 200
	MaxNameLength = 80
)

// Validate reports the first problem with n as an error wrapping ErrInvalid,
// naming the field, or nil. Besides the limits above, every text of the
// order (names, modifiers, notes, allergens, the source ID and the
// idempotency key) must be printable UTF-8 with something visible in it,
// and free of bidirectional embeddings, overrides and isolates: see the
// rules in text.go.
func (n NewOrder) Validate() error {
	if n.Key != "" {
		if err := checkText("idempotency_key", n.Key); err != nil {
			return err
		}
	}
	if n.SourceID != "" {
		if err := checkText("source_id", n.SourceID); err != nil {
			return err
		}
	}
	if !n.Destination.Valid() {
		return invalid("destination", fmt.Sprintf("must be one of %s", joinDestinations()))
	}
	if len(n.Items) == 0 {
		return invalid("items", "must hold at least one item")
	}
	if len(n.Items) > MaxItems {
		return invalid("items", fmt.Sprintf("must hold at most %d items", MaxItems))
	}
	for i, it := range n.Items {
		field := fmt.Sprintf("items[%d]", i)
		if err := checkString(field+".name", it.Name, MaxNameLength); err != nil {
			return err
		}
		switch {
		case it.Quantity < 1 || it.Quantity > MaxQuantity:
			return invalid(field+".quantity", fmt.Sprintf("must be from 1 to %d", MaxQuantity))
		case !it.Station.Valid():
			return invalid(field+".station", "must be grill, fry or shake")
		case len(it.Modifiers) > MaxModifiers:
			return invalid(field+".modifiers", fmt.Sprintf("must hold at most %d modifiers", MaxModifiers))
		}
		for j, m := range it.Modifiers {
			if err := checkText(fmt.Sprintf("%s.modifiers[%d]", field, j), m); err != nil {
				return err
			}
		}
		if err := checkAllergens(field+".allergens", it.Allergens); err != nil {
			return err
		}
	}
	if err := checkAllergens("allergens", n.Allergens); err != nil {
		return err
	}
	if len(n.Notes) > MaxNotes {
		return invalid("notes", fmt.Sprintf("must hold at most %d notes", MaxNotes))
	}
	for i, note := range n.Notes {
		if err := checkText(fmt.Sprintf("notes[%d]", i), note); err != nil {
			return err
		}
	}
	return nil
}

// checkAllergens checks a list of allergen names: at most MaxAllergens,
// each printable, at most MaxAllergenLength bytes, and not empty once
// normalised.
func checkAllergens(field string, names []string) error {
	if len(names) > MaxAllergens {
		return invalid(field, fmt.Sprintf("must hold at most %d allergens", MaxAllergens))
	}
	for i, a := range names {
		f := fmt.Sprintf("%s[%d]", field, i)
		if NormalizeAllergen(a) == "" {
			return invalid(f, "must not be empty")
		}
		if err := checkString(f, a, MaxAllergenLength); err != nil {
			return err
		}
	}
	return nil
}

// checkText checks a modifier, note, source ID or idempotency key: see
// the rules of text.go, and at most MaxTextLength bytes.
func checkText(field, s string) error { return checkString(field, s, MaxTextLength) }

// printable reports whether s is valid UTF-8 without control characters,
// which no ticket printer would print either.
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

func joinDestinations() string {
	ds := Destinations()
	names := make([]string, len(ds))
	for i, d := range ds {
		names[i] = string(d)
	}
	return strings.Join(names, ", ")
}

// Stations returns the stations that make an item of the order, in the
// order of Stations.
func (o Order) Stations() []Station {
	var out []Station
	for _, s := range Stations() {
		for _, it := range o.Items {
			if it.Station == s {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// StationDone reports whether station s has finished its part.
func (o Order) StationDone(s Station) bool { return slices.Contains(o.Done, s) }

// ItemsFor returns the items that station s makes.
func (o Order) ItemsFor(s Station) []Item {
	var out []Item
	for _, it := range o.Items {
		if it.Station == s {
			out = append(out, it)
		}
	}
	return out
}

// ItemCount is the number of units on the order, counting quantities.
func (o Order) ItemCount() int {
	n := 0
	for _, it := range o.Items {
		n += it.Quantity
	}
	return n
}

// ItemDone reports whether the item at index i of o.Items is marked done.
func (o Order) ItemDone(i int) bool { return slices.Contains(o.ItemsDone, i) }
