package storetest

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ticketrail/ticketrail/orders"
)

// clock is a board clock that moves only when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the clock's time.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// advance moves the clock on by d.
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// openBoard returns a board on the fixture's store, failing the test if
// that fails.
func (f *fixture) openBoard(clk *clock) *orders.Board {
	f.t.Helper()
	b, err := orders.OpenBoard(f.t.Context(), f.s, orders.BoardConfig{Now: clk.Now})
	if err != nil {
		f.t.Fatalf("OpenBoard: %v", err)
	}
	return b
}

// newOrder returns an order to place.
func newOrder(name string, rush bool) orders.NewOrder {
	return orders.NewOrder{
		Destination: orders.Takeout,
		Rush:        rush,
		Items: []orders.Item{
			{Quantity: 2, Name: name, Station: orders.Grill, Modifiers: []string{"no onion"}},
			{Quantity: 1, Name: "Fries", Station: orders.Fry},
		},
		Notes: []string{"for " + name},
	}
}

// testReopenBoard runs a board on the store through a shift, restarts it
// on the reopened store and checks that the new board carries on where the
// old one stopped.
func testReopenBoard(t *testing.T, f *fixture) {
	ctx := t.Context()
	clk := &clock{now: base()}
	b := f.openBoard(clk)

	places := []orders.NewOrder{
		newOrder("one", false),
		newOrder("two", false),
		newOrder("three", true),
		newOrder("four", false),
		newOrder("five", false),
		newOrder("six", true),
		newOrder("seven", false),
		newOrder("eight", false),
	}
	places[0].Key = "retry-1"
	places[1].SourceID = "pos-2"
	places[1].Allergens = []string{"Kiwi", "milk"}
	places[2].Notes = []string{"allergy: sesame"}
	places[3].Items[0].Allergens = []string{"Eggs"}
	places[5].Notes = []string{"severe allergy, ask server"}
	for i, n := range places {
		clk.advance(7*time.Second + time.Duration(i)*time.Nanosecond)
		o, created, err := b.Place(ctx, n)
		if err != nil || !created || o.ID != int64(i+1) {
			t.Fatalf("Place(%d) = order %d, created %v, %v; want a new order %d", i, o.ID, created, err, i+1)
		}
	}
	type action func(context.Context, int64) (orders.Order, error)
	do := func(name string, act action, id int64) {
		t.Helper()
		clk.advance(31*time.Second + 17*time.Nanosecond)
		if _, err := act(ctx, id); err != nil {
			t.Fatalf("%s(%d): %v", name, id, err)
		}
	}
	itemDone := func(id int64, item int, done bool) {
		t.Helper()
		clk.advance(3 * time.Second)
		if _, err := b.ItemDone(ctx, id, item, done); err != nil {
			t.Fatalf("ItemDone(%d, %d, %v): %v", id, item, done, err)
		}
	}
	do("Bump", b.Bump, 5)
	clk.advance(orders.RecallWindow) // order 5 leaves the recall list
	do("Fire", b.Fire, 1)
	do("Fire", b.Fire, 2)
	do("Bump", b.Bump, 2)
	do("Fire", b.Fire, 6)
	itemDone(3, 1, true)
	itemDone(6, 1, true)
	itemDone(6, 0, true)
	itemDone(6, 1, false)
	itemDone(4, 0, true)
	do("Bump", b.Bump, 4)
	do("Recall", b.Recall, 4)
	do("Cancel", b.Cancel, 7)
	do("Bump", b.Bump, 8)
	do("Recall", b.Recall, 2)
	do("Bump", b.Bump, 1)

	wantOpen, wantRecent := b.Open(), b.Recent()
	// Make sure the shift is the one meant: rush orders first on the
	// rail, recalled orders back in their place, a recall list with a
	// void, allergens and items done.
	if got := ids(wantOpen); !slices.Equal(got, []int64{3, 6, 2, 4}) {
		t.Fatalf("the board's rail is %v before the restart, want [3 6 2 4]", got)
	}
	if got := ids(wantRecent); !slices.Equal(got, []int64{1, 8, 7}) {
		t.Fatalf("the board's recall list is %v before the restart, want [1 8 7]", got)
	}
	for _, want := range []struct {
		order     orders.Order
		allergens []string
		allergy   bool
		done      []int
	}{
		{wantOpen[0], []string{"sesame"}, true, []int{1}},
		{wantOpen[1], nil, true, []int{0}},
		{wantOpen[2], []string{"dairy", "kiwi"}, true, nil},
		{wantOpen[3], []string{"egg"}, true, []int{0}},
	} {
		o := want.order
		if !slices.Equal(o.Allergens, want.allergens) || o.Allergy != want.allergy || !slices.Equal(o.ItemsDone, want.done) {
			t.Fatalf("order %d before the restart: allergens %q, allergy %v, items done %v; want %q, %v, %v",
				o.ID, o.Allergens, o.Allergy, o.ItemsDone, want.allergens, want.allergy, want.done)
		}
	}
	if got := wantOpen[3].Items[0].Allergens; !slices.Equal(got, []string{"egg"}) {
		t.Fatalf("order 4's first item has allergens %q before the restart, want [egg]", got)
	}
	wantStats, err := b.Stats(ctx)
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}

	f.reopen()
	b = f.openBoard(clk)
	checkOrders(t, "rail after the restart", b.Open(), wantOpen)
	checkOrders(t, "recall list after the restart", b.Recent(), wantRecent)
	for _, id := range []int64{5, 7} {
		o, err := b.Lookup(ctx, id)
		if err != nil {
			t.Errorf("Lookup(%d) after the restart: %v", id, err)
		} else if st := o.Status; st != orders.Bumped && st != orders.Cancelled {
			t.Errorf("Lookup(%d) after the restart: status %s", id, st)
		}
	}
	stats, err := b.Stats(ctx)
	if err != nil {
		t.Fatalf("Stats after the restart: %v", err)
	}
	for _, p := range []struct {
		name      string
		got, want orders.Stats
	}{{"last hour", stats.LastHour, wantStats.LastHour}, {"today", stats.Today, wantStats.Today}} {
		if p.got.Times != p.want.Times || !maps.Equal(p.got.ByDestination, p.want.ByDestination) {
			t.Errorf("Stats for the %s after the restart = %+v, want %+v", p.name, p.got, p.want)
		}
	}

	// Retries of orders placed before the restart are still recognised,
	// and so are other orders that reuse their key or source ID.
	if o, created, err := b.Place(ctx, places[0]); err != nil || created || o.ID != 1 {
		t.Errorf("Place(retry of order 1) after the restart = order %d, created %v, %v; want order 1, not created", o.ID, created, err)
	}
	if o, created, err := b.Place(ctx, places[1]); err != nil || created || o.ID != 2 {
		t.Errorf("Place(retry of order 2) after the restart = order %d, created %v, %v; want order 2, not created", o.ID, created, err)
	}
	for _, tc := range []struct {
		key, source string
		field       string
		id          int64
	}{
		{"retry-1", "", "idempotency_key", 1},
		{"", "pos-2", "source_id", 2},
		{"new-key", "pos-2", "source_id", 2},
	} {
		other := newOrder("another", false)
		other.Key, other.SourceID = tc.key, tc.source
		_, created, err := b.Place(ctx, other)
		var reuse *orders.ReuseError
		if !errors.As(err, &reuse) || !errors.Is(err, orders.ErrKeyReused) || reuse.Field != tc.field || reuse.ID != tc.id || created {
			t.Errorf("Place(another order with key %q, source %q) after the restart: created %v, %v; want a ReuseError for %s of order %d",
				tc.key, tc.source, created, err, tc.field, tc.id)
		}
	}

	// Numbering continues.
	clk.advance(time.Second)
	o, created, err := b.Place(ctx, newOrder("nine", false))
	if err != nil || !created {
		t.Fatalf("Place after the restart = %v, %v", created, err)
	}
	if o.ID != 9 || o.Number != orders.FirstNumber+8 {
		t.Errorf("Place after the restart = ID %d, number %d; want ID 9, number %d", o.ID, o.Number, orders.FirstNumber+8)
	}
	// The restarted board changes orders from before the restart.
	do("Fire", b.Fire, 9)
	do("Recall", b.Recall, 1)
	do("Recall", b.Recall, 7) // a void from before the restart, undone
	itemDone(9, 1, true)
	itemDone(3, 1, false)
	wantOpen = b.Open()
	if got := ids(wantOpen); !slices.Equal(got, []int64{3, 6, 1, 2, 4, 7, 9}) {
		t.Fatalf("the board's rail is %v before the second restart, want [3 6 1 2 4 7 9]", got)
	}

	f.reopen()
	b = f.openBoard(clk)
	checkOrders(t, "rail after the second restart", b.Open(), wantOpen)
	checkOrders(t, "recall list after the second restart", b.Recent(), pick(wantRecent, 8))
	o, _, err = b.Place(ctx, newOrder("ten", true))
	if err != nil || o.ID != 10 || o.Number != orders.FirstNumber+9 {
		t.Errorf("Place after the second restart = ID %d, number %d, %v; want ID 10, number %d", o.ID, o.Number, err, orders.FirstNumber+9)
	}
}

// testReopenBoardNumberWraps checks that display numbers wrap after a
// restart as they do without one.
func testReopenBoardNumberWraps(t *testing.T, f *fixture) {
	clk := &clock{now: base().Add(time.Hour)}
	all := make([]orders.Order, 900)
	for i := range all {
		all[i] = with(at(int64(i+1)), orders.Bumped, base().Add(30*time.Minute))
	}
	if all[899].Number != orders.LastNumber {
		t.Fatalf("order 900 has number %d, want %d", all[899].Number, orders.LastNumber)
	}
	f.insert(all)
	f.reopen()
	b := f.openBoard(clk)
	for i, want := range []int{orders.FirstNumber, orders.FirstNumber + 1} {
		o, _, err := b.Place(t.Context(), newOrder("wrap", false))
		if err != nil || o.ID != int64(901+i) || o.Number != want {
			t.Errorf("Place = ID %d, number %d, %v; want ID %d, number %d", o.ID, o.Number, err, 901+i, want)
		}
	}
}

// testBoardHistory checks that the board records every change it makes,
// by whom and when, and nothing for what changes nothing.
func testBoardHistory(t *testing.T, f *fixture) {
	clk := &clock{now: base()}
	b := f.openBoard(clk)
	if b.Store() != f.s {
		t.Errorf("Board.Store() is not the store the board was opened on")
	}
	as := func(actor string) context.Context {
		if actor == "" {
			return t.Context()
		}
		return orders.WithActor(t.Context(), actor)
	}
	o, _, err := b.Place(as("api"), newOrder("history", false))
	if err != nil {
		t.Fatalf("Place: %v", err)
	}
	other, _, err := b.Place(as("demo"), newOrder("other", false))
	if err != nil {
		t.Fatalf("Place: %v", err)
	}
	want := []orders.Change{{At: base(), Actor: "api", Action: orders.ActionPlaced}}
	for _, step := range []struct {
		actor  string
		act    func(ctx context.Context) (orders.Order, error)
		action string // "" for a step that changes nothing
	}{
		{"expo", func(ctx context.Context) (orders.Order, error) { return b.Fire(ctx, o.ID) }, orders.ActionFired},
		{"expo", func(ctx context.Context) (orders.Order, error) { return b.Fire(ctx, o.ID) }, ""},
		{"grill left", func(ctx context.Context) (orders.Order, error) { return b.ItemDone(ctx, o.ID, 0, true) }, "item 0 done"},
		{"grill left", func(ctx context.Context) (orders.Order, error) { return b.ItemDone(ctx, o.ID, 0, true) }, ""},
		{"", func(ctx context.Context) (orders.Order, error) { return b.ItemDone(ctx, o.ID, 0, false) }, "item 0 undone"},
		{"grill left", func(ctx context.Context) (orders.Order, error) { return b.BumpStation(ctx, o.ID, orders.Grill) }, "done grill"},
		{"grill left", func(ctx context.Context) (orders.Order, error) { return b.BumpStation(ctx, o.ID, orders.Shake) }, ""}, // refused: nothing for shake
		{"expo", func(ctx context.Context) (orders.Order, error) { return b.Bump(ctx, o.ID) }, orders.ActionBumped},
		{"expo", func(ctx context.Context) (orders.Order, error) { return b.Cancel(ctx, o.ID) }, ""}, // refused: bumped
		{"expo", func(ctx context.Context) (orders.Order, error) { return b.RecallLast(ctx) }, orders.ActionRecalled},
		{"api", func(ctx context.Context) (orders.Order, error) { return b.Cancel(ctx, o.ID) }, orders.ActionCancelled},
		{"api", func(ctx context.Context) (orders.Order, error) { return b.Recall(ctx, o.ID) }, orders.ActionRecalled},
	} {
		clk.advance(time.Minute + time.Nanosecond)
		_, err := step.act(as(step.actor))
		if step.action != "" && err != nil {
			t.Fatalf("%s by %q: %v", step.action, step.actor, err)
		}
		if step.action != "" {
			actor := step.actor
			if actor == "" {
				actor = orders.UnknownActor
			}
			want = append(want, orders.Change{At: clk.Now(), Actor: actor, Action: step.action})
		}
	}
	got, err := b.History(t.Context(), o.ID)
	if err != nil {
		t.Fatalf("History: %v", err)
	}
	checkHistory(t, "History of the order", got, want)
	got, err = b.History(t.Context(), other.ID)
	if err != nil {
		t.Fatalf("History: %v", err)
	}
	checkHistory(t, "History of the other order", got, []orders.Change{{At: base(), Actor: "demo", Action: orders.ActionPlaced}})
	// A retry places nothing and records nothing.
	keyed := newOrder("keyed", false)
	keyed.Key = "keyed-1"
	first, _, err := b.Place(as("api"), keyed)
	if err != nil {
		t.Fatalf("Place: %v", err)
	}
	placedAt := clk.Now()
	clk.advance(time.Second)
	if again, created, err := b.Place(as("pos"), keyed); err != nil || created || again.ID != first.ID {
		t.Fatalf("Place(retry) = order %d, created %v, %v; want order %d", again.ID, created, err, first.ID)
	}
	got, err = b.History(t.Context(), first.ID)
	if err != nil {
		t.Fatalf("History: %v", err)
	}
	checkHistory(t, "History of a retried order", got, []orders.Change{{At: placedAt, Actor: "api", Action: orders.ActionPlaced}})
	if _, err := b.History(t.Context(), 99); !errors.Is(err, orders.ErrNotFound) {
		t.Errorf("History(99): %v, want ErrNotFound", err)
	}

	if f.h.Reopen == nil {
		return
	}
	f.reopen()
	b = f.openBoard(clk)
	got, err = b.History(t.Context(), o.ID)
	if err != nil {
		t.Fatalf("History after the restart: %v", err)
	}
	checkHistory(t, "History of the order after the restart", got, want)
}
