package orders_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/ticketrail/ticketrail/orders"
)

func railIDs(b *orders.Board) []int64 {
	var ids []int64
	for _, o := range b.Open() {
		ids = append(ids, o.ID)
	}
	return ids
}

// TestRushAndRecallKeepRailOrder checks that rush tickets hang in front,
// that a recalled ticket returns to its place, and that each event names
// the ticket the new one hangs before.
func TestRushAndRecallKeepRailOrder(t *testing.T) {
	b := orders.NewBoard(orders.BoardConfig{})
	sub := b.Subscribe()
	defer sub.Close()
	next(t, sub) // snapshot

	place := func(rush bool) orders.Order {
		n := burger()
		n.Rush = rush
		o, _, err := b.Place(t.Context(), n)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	for _, rush := range []bool{false, false, true, false, true} {
		place(rush)
	}
	if got, want := railIDs(b), []int64{3, 5, 1, 2, 4}; !slices.Equal(got, want) {
		t.Fatalf("rail %v, want rush first: %v", got, want)
	}
	for _, want := range []int64{0, 0, 1, 0, 1} { // the ticket each one went in front of
		if e := next(t, sub); e.Kind != orders.EventPlaced || e.Before != want {
			t.Fatalf("placed %d before %d, want before %d", e.Order.ID, e.Before, want)
		}
	}

	if _, err := b.Bump(t.Context(), 2); err != nil {
		t.Fatal(err)
	}
	next(t, sub)
	o, err := b.Recall(t.Context(), 2)
	if err != nil || !o.Recalled || o.Status != orders.Received {
		t.Fatalf("recall: %+v %v", o, err)
	}
	if e := next(t, sub); e.Kind != orders.EventRecalled || e.Before != 4 {
		t.Fatalf("recall event %s before %d, want recalled before 4", e.Kind, e.Before)
	}
	if got, want := railIDs(b), []int64{3, 5, 1, 2, 4}; !slices.Equal(got, want) {
		t.Fatalf("rail after recall %v, want %v", got, want)
	}
}

func TestLifecycle(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	b := orders.NewBoard(orders.BoardConfig{Now: func() time.Time { return now }})
	o, _, _ := b.Place(t.Context(), burger())
	ctx := t.Context()

	now = now.Add(time.Minute)
	fired, err := b.Fire(ctx, o.ID)
	if err != nil || fired.Status != orders.Fired || !fired.FiredAt.Equal(now) {
		t.Fatalf("fire: %+v %v", fired, err)
	}
	now = now.Add(time.Minute)
	bumped, _ := b.Bump(ctx, o.ID)
	if !bumped.BumpedAt.Equal(now) || len(b.Open()) != 0 {
		t.Fatalf("bump: %+v", bumped)
	}
	if recent := b.Recent(); len(recent) != 1 || recent[0].ID != o.ID {
		t.Fatalf("recall list %v", recent)
	}
	recalled, _ := b.Recall(ctx, o.ID)
	if recalled.Status != orders.Fired || !recalled.BumpedAt.IsZero() || len(b.Recent()) != 0 {
		t.Fatalf("a recalled fired order: %+v", recalled)
	}
	cancelled, err := b.Cancel(ctx, o.ID)
	if err != nil || cancelled.Status != orders.Cancelled || !cancelled.CancelledAt.Equal(now) {
		t.Fatalf("cancel: %+v %v", cancelled, err)
	}
	for name, act := range map[string]func() (orders.Order, error){
		"fire":   func() (orders.Order, error) { return b.Fire(ctx, o.ID) },
		"bump":   func() (orders.Order, error) { return b.Bump(ctx, o.ID) },
		"recall": func() (orders.Order, error) { return b.Recall(ctx, o.ID) },
	} {
		if _, err := act(); !errors.Is(err, orders.ErrConflict) {
			t.Errorf("%s of a cancelled order: %v, want ErrConflict", name, err)
		}
	}
	got, err := b.Lookup(ctx, o.ID)
	if err != nil || got.Status != orders.Cancelled {
		t.Errorf("lookup of a closed order: %+v %v", got, err)
	}
}

func TestRecallListKeepsTenWithinFifteenMinutes(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	b := orders.NewBoard(orders.BoardConfig{Now: func() time.Time { return now }})
	for range 12 {
		o, _, _ := b.Place(t.Context(), burger())
		now = now.Add(time.Minute)
		b.Bump(t.Context(), o.ID)
	}
	recent := b.Recent()
	if len(recent) != orders.RecallSize || recent[0].ID != 12 || recent[9].ID != 3 {
		t.Fatalf("recall list has %d, first %d", len(recent), recent[0].ID)
	}
	// Bumps happened at 12:01 to 12:12. At 12:24 the window reaches back
	// to 12:09: four of them.
	now = now.Add(12 * time.Minute)
	if recent := b.Recent(); len(recent) != 4 || recent[3].ID != 9 {
		t.Errorf("at 12:24 the recall list has %d, want the 4 bumped since 12:09", len(recent))
	}
}

func TestPlaceIsIdempotent(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	b := orders.NewBoard(orders.BoardConfig{Now: func() time.Time { return now }})
	n := burger()
	n.Key = "k"
	first, created, err := b.Place(t.Context(), n)
	if err != nil || !created {
		t.Fatal(err)
	}
	again, created, err := b.Place(t.Context(), n)
	if err != nil || created || again.ID != first.ID || b.Version() != 1 {
		t.Fatalf("retry: %+v created=%v %v", again, created, err)
	}
	n.Key, n.SourceID = "", "pos-1"
	bySource, _, _ := b.Place(t.Context(), n)
	n.Key = "other"
	if o, created, _ := b.Place(t.Context(), n); created || o.ID != bySource.ID {
		t.Fatalf("the same source id made order %d (created %v), want %d", o.ID, created, bySource.ID)
	}
	now = now.Add(orders.IdempotencyWindow + time.Second)
	if o, created, _ := b.Place(t.Context(), n); !created || o.ID == bySource.ID {
		t.Fatal("a source id reused after the window did not make a new order")
	}
}

// TestTickExpiresRecallList checks that a tick tells screens when bumped
// orders leave the recall list, even with no ticket open.
func TestTickExpiresRecallList(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	b := orders.NewBoard(orders.BoardConfig{Now: func() time.Time { return now }})
	o, _, _ := b.Place(t.Context(), burger())
	b.Bump(t.Context(), o.ID)
	sub := b.Subscribe()
	defer sub.Close()
	next(t, sub)
	b.Tick() // nothing open, nothing expired: no event
	now = now.Add(orders.RecallWindow + time.Second)
	b.Tick()
	if e := next(t, sub); e.Kind != orders.EventTick || !e.Expired || len(e.Recent) != 0 {
		t.Fatalf("got %s expired=%v with %d recent, want a tick that expired the recall list", e.Kind, e.Expired, len(e.Recent))
	}
	if v := b.Version(); v != 3 {
		t.Errorf("version %d, want 3: the idle tick should publish nothing", v)
	}
	if _, err := b.RecallLast(t.Context()); !errors.Is(err, orders.ErrNotFound) {
		t.Errorf("recall last with an expired list: %v", err)
	}
}

// TestDemoBumpsTheOldest checks that the unattended demo bumps the oldest
// tickets, not the rush ones that hang first.
func TestDemoBumpsTheOldest(t *testing.T) {
	b := orders.NewBoard(orders.BoardConfig{})
	rush := burger()
	rush.Rush = true
	b.Place(t.Context(), burger())
	b.Place(t.Context(), burger())
	b.Place(t.Context(), rush)
	// A one-order demo with room for 3: the oldest (1) goes.
	if err := seeded(1).Demo(t.Context(), b, orders.DemoConfig{Every: time.Millisecond, MaxOpen: 3, Orders: 1}); err != nil {
		t.Fatal(err)
	}
	ids := railIDs(b)
	if slices.Contains(ids, 1) || !slices.Contains(ids, 3) || len(ids) != 3 {
		t.Errorf("rail %v: want order 1 bumped and the rush order 3 kept", ids)
	}
}
