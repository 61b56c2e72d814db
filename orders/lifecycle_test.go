package orders_test

import (
	"context"
	"errors"
	"slices"
	"strings"
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
		"fire": func() (orders.Order, error) { return b.Fire(ctx, o.ID) },
		"bump": func() (orders.Order, error) { return b.Bump(ctx, o.ID) },
		"done": func() (orders.Order, error) { return b.BumpStation(ctx, o.ID, orders.Grill) },
		"item": func() (orders.Order, error) { return b.ItemDone(ctx, o.ID, 0, true) },
	} {
		if _, err := act(); !errors.Is(err, orders.ErrConflict) {
			t.Errorf("%s of a cancelled order: %v, want ErrConflict", name, err)
		}
	}
	got, err := b.Lookup(ctx, o.ID)
	if err != nil || got.Status != orders.Cancelled {
		t.Errorf("lookup of a closed order: %+v %v", got, err)
	}
	// A void can be undone: the order comes back fired, as it was.
	back, err := b.Recall(ctx, o.ID)
	if err != nil || back.Status != orders.Fired || !back.Recalled || !back.CancelledAt.IsZero() {
		t.Fatalf("recall of a voided order: %+v %v", back, err)
	}
	if ids := railIDs(b); !slices.Equal(ids, []int64{o.ID}) || len(b.Recent()) != 0 {
		t.Errorf("after recalling the void: rail %v, recall list %d; want the order back and an empty list", ids, len(b.Recent()))
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
	if seq, v := b.Snapshot().Seq, b.Version(); seq != 3 || v != 2 {
		t.Errorf("%d events at version %d, want 3 at 2: the idle tick should publish nothing, and ticks are not changes", seq, v)
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

func TestItemDone(t *testing.T) {
	b := orders.NewBoard(orders.BoardConfig{})
	ctx := t.Context()
	n := burger()
	n.Items = append(n.Items, orders.Item{Quantity: 1, Name: "Fries", Station: orders.Fry}, orders.Item{Quantity: 1, Name: "Cola", Station: orders.Shake})
	o, _, err := b.Place(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	sub := b.Subscribe()
	defer sub.Close()
	next(t, sub) // snapshot
	steps := []struct {
		name  string
		item  int
		done  bool
		want  []int
		event orders.EventKind // "" for none
	}{
		{"mark the last", 2, true, []int{2}, orders.EventItemDone},
		{"mark the first", 0, true, []int{0, 2}, orders.EventItemDone},
		{"again", 0, true, []int{0, 2}, ""},
		{"the middle, kept in order", 1, true, []int{0, 1, 2}, orders.EventItemDone},
		{"take one back", 1, false, []int{0, 2}, orders.EventItemUndone},
		{"take it back again", 1, false, []int{0, 2}, ""},
		{"take back the rest", 0, false, []int{2}, orders.EventItemUndone},
		{"and the last", 2, false, nil, orders.EventItemUndone},
		{"everything done", 0, true, []int{0}, orders.EventItemDone},
		{"everything done", 1, true, []int{0, 1}, orders.EventItemDone},
		{"everything done", 2, true, []int{0, 1, 2}, orders.EventItemDone},
	}
	for i, s := range steps {
		version := b.Version()
		got, err := b.ItemDone(ctx, o.ID, s.item, s.done)
		if err != nil {
			t.Fatalf("step %d (%s): %v", i, s.name, err)
		}
		if !slices.Equal(got.ItemsDone, s.want) {
			t.Fatalf("step %d (%s): items done %v, want %v", i, s.name, got.ItemsDone, s.want)
		}
		for j := range got.Items {
			if got.ItemDone(j) != slices.Contains(s.want, j) {
				t.Errorf("step %d (%s): ItemDone(%d) = %v", i, s.name, j, got.ItemDone(j))
			}
		}
		if s.event == "" {
			if b.Version() != version {
				t.Errorf("step %d (%s): a change that changes nothing moved the version", i, s.name)
			}
			continue
		}
		e := next(t, sub)
		if e.Kind != s.event || e.Item != s.item || e.Order.ID != o.ID || !slices.Equal(e.Order.ItemsDone, s.want) {
			t.Errorf("step %d (%s): event %s item %d done %v, want %s item %d", i, s.name, e.Kind, e.Item, e.Order.ItemsDone, s.event, s.item)
		}
		if len(e.Orders) != 1 || !slices.Equal(e.Orders[0].ItemsDone, s.want) {
			t.Errorf("step %d (%s): the event's rail does not carry the change", i, s.name)
		}
	}
	// Every item done: the order stays open.
	if got, err := b.Order(o.ID); err != nil || got.Status != orders.Received {
		t.Errorf("an order with every item done: %+v %v, want it open", got, err)
	}

	for _, tt := range []struct {
		name string
		id   int64
		item int
		want error
		text string
	}{
		{"past the last item", o.ID, 3, orders.ErrNotFound, "orders: item done 1: order 1 has no item 3"},
		{"negative", o.ID, -1, orders.ErrNotFound, "has no item -1"},
		{"unknown order", 99, 0, orders.ErrNotFound, "orders: item done 99:"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.ItemDone(ctx, tt.id, tt.item, true)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("ItemDone(%d, %d): %v, want %v saying %q", tt.id, tt.item, err, tt.want, tt.text)
			}
		})
	}
	if _, err := b.Bump(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ItemDone(ctx, o.ID, 0, false); !errors.Is(err, orders.ErrConflict) {
		t.Errorf("ItemDone on a bumped order: %v, want ErrConflict", err)
	}
	// A recalled order keeps the items it had done.
	if got, err := b.Recall(ctx, o.ID); err != nil || !slices.Equal(got.ItemsDone, []int{0, 1, 2}) {
		t.Errorf("recalled: items done %v, %v; want [0 1 2]", got.ItemsDone, err)
	}
}

// TestRecallListHoldsVoids checks that voided orders join the recall list
// with the bumped ones, newest first, and that recalling one undoes the
// void.
func TestRecallListHoldsVoids(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	b := orders.NewBoard(orders.BoardConfig{Now: func() time.Time { return now }})
	ctx := t.Context()
	for range 6 {
		if _, _, err := b.Place(ctx, burger()); err != nil {
			t.Fatal(err)
		}
	}
	b.Fire(ctx, 3)
	for _, step := range []struct {
		act func(context.Context, int64) (orders.Order, error)
		id  int64
	}{{b.Bump, 1}, {b.Cancel, 2}, {b.Bump, 4}, {b.Cancel, 3}, {b.Cancel, 5}} {
		now = now.Add(time.Minute)
		if _, err := step.act(ctx, step.id); err != nil {
			t.Fatal(err)
		}
	}
	recentIDs := func() []int64 {
		var ids []int64
		for _, o := range b.Recent() {
			ids = append(ids, o.ID)
		}
		return ids
	}
	if got, want := recentIDs(), []int64{5, 3, 4, 2, 1}; !slices.Equal(got, want) {
		t.Fatalf("recall list %v, want %v: bumped and voided, newest first", got, want)
	}
	if _, err := b.Bump(ctx, 5); !errors.Is(err, orders.ErrConflict) {
		t.Errorf("bump of a voided order: %v, want ErrConflict", err)
	}

	sub := b.Subscribe()
	defer sub.Close()
	next(t, sub)
	last, err := b.RecallLast(ctx)
	if err != nil || last.ID != 5 || last.Status != orders.Received || !last.Recalled || !last.CancelledAt.IsZero() {
		t.Fatalf("recall last: %+v %v, want order 5 back, received", last, err)
	}
	if e := next(t, sub); e.Kind != orders.EventRecalled || e.Order.ID != 5 || e.Before != 6 {
		t.Errorf("event %s of %d before %d, want recalled 5 before 6", e.Kind, e.Order.ID, e.Before)
	}
	back, err := b.Recall(ctx, 3)
	if err != nil || back.Status != orders.Fired || !back.CancelledAt.IsZero() {
		t.Fatalf("recall of a fired voided order: %+v %v, want it fired", back, err)
	}
	if got, want := railIDs(b), []int64{3, 5, 6}; !slices.Equal(got, want) {
		t.Errorf("rail %v, want %v", got, want)
	}
	if got, want := recentIDs(), []int64{4, 2, 1}; !slices.Equal(got, want) {
		t.Errorf("recall list %v, want %v", got, want)
	}
	// Voids leave the list when their window ends, like bumps: 2 was
	// voided at 12:02.
	now = time.Date(2026, 11, 24, 12, 2, 0, 0, time.UTC).Add(orders.RecallWindow + time.Second)
	if got, want := recentIDs(), []int64{4}; !slices.Equal(got, want) {
		t.Errorf("recall list at %s: %v, want %v", now.Format("15:04:05"), got, want)
	}
}

// TestTickOnAnEmptyRail checks that a tick is published only when the
// minute of the board's clock changes, with tickets open or not.
func TestTickOnAnEmptyRail(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 30, 0, time.UTC)
	b := orders.NewBoard(orders.BoardConfig{Now: func() time.Time { return now }})
	sub := b.Subscribe()
	defer sub.Close()
	next(t, sub)
	for i, step := range []struct {
		at   string // the clock's time, 12:mm:ss
		tick bool
	}{
		{"12:00:30", false}, // the minute the board started in
		{"12:00:59", false},
		{"12:01:00", true},
		{"12:01:01", false},
		{"12:01:59", false},
		{"12:03:10", true}, // a skipped minute
		{"12:03:11", false},
		{"12:02:00", true}, // the clock went back
		{"12:02:40", false},
	} {
		at, err := time.Parse("15:04:05", step.at)
		if err != nil {
			t.Fatal(err)
		}
		now = time.Date(2026, 11, 24, at.Hour(), at.Minute(), at.Second(), 0, time.UTC)
		seq := b.Snapshot().Seq
		b.Tick()
		if got := b.Snapshot().Seq != seq; got != step.tick {
			t.Fatalf("step %d: tick at %s published %v, want %v", i, step.at, got, step.tick)
		}
		if step.tick {
			if e := next(t, sub); e.Kind != orders.EventTick || !e.Now.Equal(now) || e.Expired || !e.NewMinute || len(e.Orders) != 0 {
				t.Errorf("step %d: event %s at %v (new minute %v), want a tick of a new minute at %v", i, e.Kind, e.Now, e.NewMinute, now)
			}
		}
	}
	// A ticket open changes nothing: its age is no reason to tick. Only
	// the first tick of a minute is published.
	b.Place(t.Context(), burger())
	next(t, sub)
	for i, at := range []int{41, 42, 60, 61} {
		now = time.Date(2026, 11, 24, 12, 2, 0, 0, time.UTC).Add(time.Duration(at) * time.Second)
		seq := b.Snapshot().Seq
		b.Tick()
		if published := b.Snapshot().Seq != seq; published != (i == 2) {
			t.Fatalf("tick at %v with a ticket open: published %v, want %v", now, published, i == 2)
		}
		if i == 2 {
			if e := next(t, sub); e.Kind != orders.EventTick || !e.NewMinute || len(e.Orders) != 1 {
				t.Errorf("tick at %v: %s, new minute %v, %d orders; want a new minute's tick with the open order", now, e.Kind, e.NewMinute, len(e.Orders))
			}
		}
	}
}
