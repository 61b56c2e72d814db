package orders_test

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketrail/ticketrail/orders"
)

func burger() orders.NewOrder {
	return orders.NewOrder{
		Destination: orders.Takeout,
		Items:       []orders.Item{{Quantity: 2, Name: "Double Burger", Station: orders.Grill, Modifiers: []string{"no onion"}}},
		Notes:       []string{"allergy: sesame"},
	}
}

func TestBoardKeepsOrderAndVersion(t *testing.T) {
	clock := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	b := orders.NewBoard(orders.BoardConfig{Now: func() time.Time { return clock }})
	if v := b.Version(); v != 0 {
		t.Fatalf("new board at version %d, want 0", v)
	}
	var placed []orders.Order
	for i := range 5 {
		clock = clock.Add(time.Minute)
		o, _, err := b.Place(t.Context(), burger())
		if err != nil {
			t.Fatal(err)
		}
		if o.ID != int64(i+1) || o.Number != orders.FirstNumber+i || o.Status != orders.Received {
			t.Fatalf("order %d: id %d number %d status %s", i, o.ID, o.Number, o.Status)
		}
		if want := time.Date(2026, 11, 24, 12, i+1, 0, 0, time.UTC); !o.PlacedAt.Equal(want) {
			t.Fatalf("placed at %v, want %v", o.PlacedAt, want)
		}
		if v := b.Version(); v != uint64(i+1) {
			t.Fatalf("version %d after %d places", v, i+1)
		}
		placed = append(placed, o)
	}
	bumped, err := b.Bump(t.Context(), placed[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	if bumped.Status != orders.Bumped {
		t.Errorf("bumped order has status %s", bumped.Status)
	}
	if again, err := b.Bump(t.Context(), placed[1].ID); err != nil || again.Status != orders.Bumped || b.Version() != 6 {
		t.Errorf("second bump: %v (version %d), want the bumped order and no change", err, b.Version())
	}
	if _, err := b.Bump(t.Context(), 999); !errors.Is(err, orders.ErrNotFound) {
		t.Errorf("bump of an unknown order: %v, want ErrNotFound", err)
	}
	if _, err := b.Order(placed[1].ID); !errors.Is(err, orders.ErrNotFound) {
		t.Errorf("bumped order still found: %v", err)
	}
	snap := b.Snapshot()
	if snap.Kind != orders.EventSnapshot || snap.Version != 6 {
		t.Errorf("snapshot %s at version %d, want snapshot at 6", snap.Kind, snap.Version)
	}
	var ids []int64
	for _, o := range snap.Orders {
		ids = append(ids, o.ID)
	}
	if got, want := ids, []int64{1, 3, 4, 5}; !slices.Equal(got, want) {
		t.Errorf("rail %v, want %v", got, want)
	}
	if _, _, err := b.Place(t.Context(), orders.NewOrder{}); !errors.Is(err, orders.ErrInvalid) {
		t.Errorf("empty order: %v, want ErrInvalid", err)
	}
	if v := b.Version(); v != 6 {
		t.Errorf("a refused order or action changed the version to %d", v)
	}
}

func TestBoardCopiesWhatItIsGiven(t *testing.T) {
	b := orders.NewBoard(orders.BoardConfig{})
	n := burger()
	o, _, err := b.Place(t.Context(), n)
	if err != nil {
		t.Fatal(err)
	}
	n.Items[0].Name = "changed"
	n.Items[0].Modifiers[0] = "changed"
	n.Notes[0] = "changed"
	got, err := b.Order(o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Items[0].Name != "Double Burger" || got.Items[0].Modifiers[0] != "no onion" || got.Notes[0] != "allergy: sesame" {
		t.Errorf("the board's order changed with the caller's: %+v", got)
	}
}

func TestBoardNumbersWrap(t *testing.T) {
	b := orders.NewBoard(orders.BoardConfig{})
	var last orders.Order
	for range orders.LastNumber - orders.FirstNumber + 2 {
		o, _, err := b.Place(t.Context(), burger())
		if err != nil {
			t.Fatal(err)
		}
		last = o
	}
	if last.Number != orders.FirstNumber {
		t.Errorf("number after %d is %d, want %d", orders.LastNumber, last.Number, orders.FirstNumber)
	}
}

func TestBoardConcurrentPlacesGetUniqueNumbers(t *testing.T) {
	b := orders.NewBoard(orders.BoardConfig{})
	var wg sync.WaitGroup
	for range 200 {
		wg.Go(func() {
			if _, _, err := b.Place(t.Context(), burger()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	seen := map[int]bool{}
	for _, o := range b.Open() {
		if seen[o.Number] {
			t.Fatalf("number %d given twice", o.Number)
		}
		seen[o.Number] = true
	}
	if len(seen) != 200 || b.Version() != 200 {
		t.Errorf("%d orders at version %d, want 200 at 200", len(seen), b.Version())
	}
}

func TestValidate(t *testing.T) {
	item := func(f func(*orders.Item)) orders.NewOrder {
		n := burger()
		f(&n.Items[0])
		return n
	}
	long := strings.Repeat("x", orders.MaxTextLength+1)
	tests := []struct {
		name  string
		order orders.NewOrder
		field string
	}{
		{"valid", burger(), ""},
		{"unknown destination", orders.NewOrder{Destination: "moon", Items: burger().Items}, "destination"},
		{"no items", orders.NewOrder{Destination: orders.DiningRoom}, "items"},
		{"too many items", orders.NewOrder{Destination: orders.DiningRoom, Items: make([]orders.Item, orders.MaxItems+1)}, "items"},
		{"empty name", item(func(it *orders.Item) { it.Name = "  " }), "items[0].name"},
		{"long name", item(func(it *orders.Item) { it.Name = long }), "items[0].name"},
		{"zero quantity", item(func(it *orders.Item) { it.Quantity = 0 }), "items[0].quantity"},
		{"huge quantity", item(func(it *orders.Item) { it.Quantity = orders.MaxQuantity + 1 }), "items[0].quantity"},
		{"unknown station", item(func(it *orders.Item) { it.Station = "oven" }), "items[0].station"},
		{"too many modifiers", item(func(it *orders.Item) { it.Modifiers = make([]string, orders.MaxModifiers+1) }), "items[0].modifiers"},
		{"empty modifier", item(func(it *orders.Item) { it.Modifiers = []string{""} }), "items[0].modifiers[0]"},
		{"long modifier", item(func(it *orders.Item) { it.Modifiers = []string{long} }), "items[0].modifiers[0]"},
		{"too many notes", orders.NewOrder{Destination: orders.DiningRoom, Items: burger().Items, Notes: make([]string, orders.MaxNotes+1)}, "notes"},
		{"long note", orders.NewOrder{Destination: orders.DiningRoom, Items: burger().Items, Notes: []string{long}}, "notes[0]"},
		{"control character in a name", item(func(it *orders.Item) { it.Name = "Burger\x00" }), "items[0].name"},
		{"invalid UTF-8 in a modifier", item(func(it *orders.Item) { it.Modifiers = []string{"no \xff onion"} }), "items[0].modifiers[0]"},
		{"newline in a note", orders.NewOrder{Destination: orders.DiningRoom, Items: burger().Items, Notes: []string{"line\nbreak"}}, "notes[0]"},
		{"long idempotency key", orders.NewOrder{Key: long, Destination: orders.DiningRoom, Items: burger().Items}, "idempotency_key"},
		{"long source id", orders.NewOrder{SourceID: long, Destination: orders.DiningRoom, Items: burger().Items}, "source_id"},
		{"unicode is fine", item(func(it *orders.Item) { it.Name = "Crème brûlée 🍔" }), ""},
		{"hostile text is fine", item(func(it *orders.Item) { it.Name = "<script>alert(1)</script>" }), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkValidate(t, tt.order, tt.field) })
	}
}

// checkValidate checks that n is valid when field is "", or else that
// Validate names field and the problem with it.
func checkValidate(t *testing.T, n orders.NewOrder, field string) {
	t.Helper()
	err := n.Validate()
	if field == "" {
		if err != nil {
			t.Fatalf("Validate: %v, want nil", err)
		}
		return
	}
	var fe *orders.FieldError
	if !errors.As(err, &fe) || !errors.Is(err, orders.ErrInvalid) {
		t.Fatalf("Validate: %v, want a FieldError wrapping ErrInvalid", err)
	}
	if fe.Field != field || fe.Problem == "" {
		t.Errorf("field %q (%q), want %q", fe.Field, fe.Problem, field)
	}
}

// BenchmarkQuietTick is what the ticker costs each second on a busy rail
// whose tick publishes nothing: 40 tickets open, 10 on the recall list,
// within the minute.
func BenchmarkQuietTick(b *testing.B) {
	clock := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	board := orders.NewBoard(orders.BoardConfig{Now: func() time.Time { return clock }})
	for i := range 50 {
		o, _, err := board.Place(b.Context(), burger())
		if err != nil {
			b.Fatal(err)
		}
		if i < 10 {
			board.Bump(b.Context(), o.ID)
		}
	}
	v := board.Version()
	for b.Loop() {
		board.Tick()
	}
	if board.Version() != v {
		b.Fatal("a quiet tick published")
	}
}
