package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ticketrail/ticketrail/orders"
)

// log returns the whole log and fails the test if that fails.
func (f *fixture) log() []orders.Entry {
	f.t.Helper()
	entries, err := f.s.Log(f.t.Context(), 0, 1<<20)
	if err != nil {
		f.t.Fatalf("Log: %v", err)
	}
	return entries
}

// checkGapless fails the test unless entries count from version 1 up, one
// by one.
func checkGapless(t *testing.T, what string, entries []orders.Entry) {
	t.Helper()
	for i, e := range entries {
		if e.Version != uint64(i+1) {
			t.Fatalf("%s: entry %d has version %d, want %d: versions have no gaps", what, i, e.Version, i+1)
		}
	}
}

// testInsertPrior checks that Insert finds an order placed with the same
// key or source ID in the window and inserts nothing then.
func testInsertPrior(t *testing.T, f *fixture) {
	ctx := t.Context()
	first := at(1)
	idem := orders.Idempotency{Key: "retry", Fingerprint: []byte{1, 2, 3}}
	if _, err := f.s.Insert(ctx, first, idem, first.PlacedAt, insertChange(first)); err != nil {
		t.Fatalf("Insert(1): %v", err)
	}
	for _, tc := range []struct {
		what  string
		key   string
		src   string
		since time.Time
		prior bool
	}{
		{"the same key", "retry", "", first.PlacedAt, true},
		{"the same source ID", "", first.SourceID, first.PlacedAt, true},
		{"the same key, placed before the window", "retry", "", first.PlacedAt.Add(time.Nanosecond), false},
		{"another key and source", "other", "pos-other", first.PlacedAt, false},
	} {
		o := at(2)
		o.SourceID = tc.src
		before := len(f.log())
		e, err := f.s.Insert(ctx, o, orders.Idempotency{Key: tc.key}, tc.since, insertChange(o))
		var prior *orders.PriorError
		if !tc.prior {
			if err != nil || e.Order.ID != int64(before+1) {
				t.Fatalf("Insert with %s = order %d, %v; want a new order %d", tc.what, e.Order.ID, err, before+1)
			}
			continue
		}
		if !errors.As(err, &prior) {
			t.Fatalf("Insert with %s: error %v, want a *PriorError", tc.what, err)
		}
		checkOrder(t, "the prior order of Insert with "+tc.what, prior.Order, first)
		if prior.Idempotency.Key != "retry" || !slices.Equal(prior.Idempotency.Fingerprint, idem.Fingerprint) {
			t.Errorf("Insert with %s: prior idempotency %+v, want %+v", tc.what, prior.Idempotency, idem)
		}
		if n := len(f.log()); n != before {
			t.Errorf("Insert with %s wrote to the log: %d entries, want %d", tc.what, n, before)
		}
	}
}

// testUpdateEdit checks that Update hands the edit the order as stored,
// writes what it does, and writes nothing for an edit that refuses or
// changes nothing.
func testUpdateEdit(t *testing.T, f *fixture) {
	ctx := t.Context()
	f.insert([]orders.Order{at(1), at(2)})
	fired := with(at(1), orders.Fired, base().Add(time.Hour))
	if _, err := f.update(fired, updateChange(fired)); err != nil {
		t.Fatalf("Update(1): %v", err)
	}
	var seen orders.Order
	refused := fmt.Errorf("order is %s: %w", orders.Fired, orders.ErrConflict)
	e, err := f.s.Update(ctx, 1, func(o *orders.Order) (orders.Entry, error) {
		seen = *o
		o.Status = orders.Cancelled // thrown away: the edit refuses
		return orders.Entry{}, refused
	})
	checkOrder(t, "what the edit saw", seen, fired)
	if err == nil || err.Error() != refused.Error() || !errors.Is(err, orders.ErrConflict) {
		t.Errorf("Update with an edit that refuses: error %q, want the edit's, %q, as it is", err, refused)
	}
	if e.Version != 0 {
		t.Errorf("Update with an edit that refuses: version %d, want 0", e.Version)
	}
	checkOrder(t, "the order an edit refused", e.Order, fired)
	checkOrder(t, "Get after an edit refused", f.get(1), fired)

	e, err = f.s.Update(ctx, 1, func(o *orders.Order) (orders.Entry, error) { return orders.Entry{}, nil })
	if err != nil || e.Version != 0 {
		t.Errorf("Update with an edit that changes nothing = version %d, %v; want 0, nil", e.Version, err)
	}
	checkOrder(t, "the order of an edit that changes nothing", e.Order, fired)

	done := fired
	done.Done, done.ItemsDone = []orders.Station{orders.Grill}, []int{0}
	e, err = f.s.Update(ctx, 1, func(o *orders.Order) (orders.Entry, error) {
		o.Done, o.ItemsDone = append(o.Done, orders.Grill), append(o.ItemsDone, 0)
		return orders.Entry{Kind: orders.EventStationDone, Station: orders.Grill, Change: updateChange(done)}, nil
	})
	if err != nil || e.Version != 4 || e.Kind != orders.EventStationDone || e.Station != orders.Grill {
		t.Fatalf("Update(1, station done) = %d: %s %q, %v; want 4: station-done grill", e.Version, e.Kind, e.Station, err)
	}
	checkOrder(t, "the entry's order", e.Order, done)
	checkOrder(t, "Get after the edit", f.get(1), done)
	if n := len(f.log()); n != 4 {
		t.Errorf("%d entries in the log, want 4: edits that write nothing are not changes", n)
	}
}

// testLog checks that the log holds every change in version order, each
// with the order as that change left it.
func testLog(t *testing.T, f *fixture) {
	ctx := t.Context()
	if entries := f.log(); len(entries) != 0 {
		t.Fatalf("Log of an empty store: %d entries, want none", len(entries))
	}
	b := base()
	f.insert([]orders.Order{at(1), at(2)})
	type step struct {
		id    int64
		kind  orders.EventKind
		item  int
		after orders.Order
	}
	one := at(1)
	steps := []step{{id: 1, kind: orders.EventPlaced, after: one}, {id: 2, kind: orders.EventPlaced, after: at(2)}}
	edit := func(id int64, kind orders.EventKind, item int, change func(o *orders.Order)) {
		t.Helper()
		e, err := f.s.Update(ctx, id, func(o *orders.Order) (orders.Entry, error) {
			change(o)
			return orders.Entry{Kind: kind, Item: item, Change: orders.Change{At: b, Actor: "suite", Action: string(kind)}}, nil
		})
		if err != nil {
			t.Fatalf("Update(%d, %s): %v", id, kind, err)
		}
		steps = append(steps, step{id: id, kind: kind, item: item, after: e.Order})
	}
	edit(1, orders.EventFired, 0, func(o *orders.Order) { o.Status, o.FiredAt = orders.Fired, b.Add(time.Minute) })
	edit(1, orders.EventItemDone, 1, func(o *orders.Order) { o.ItemsDone = []int{1} })
	edit(2, orders.EventCancelled, 0, func(o *orders.Order) { o.Status, o.CancelledAt = orders.Cancelled, b.Add(2*time.Minute) })
	edit(1, orders.EventBumped, 0, func(o *orders.Order) { o.Status, o.BumpedAt = orders.Bumped, b.Add(3*time.Minute) })
	edit(1, orders.EventRecalled, 0, func(o *orders.Order) { o.Status, o.BumpedAt, o.Recalled = orders.Fired, time.Time{}, true })
	f.insert([]orders.Order{at(3)})
	steps = append(steps, step{id: 3, kind: orders.EventPlaced, after: at(3)})

	check := func(when string) {
		t.Helper()
		entries := f.log()
		checkGapless(t, "Log"+when, entries)
		if len(entries) != len(steps) {
			t.Fatalf("Log%s: %d entries, want %d", when, len(entries), len(steps))
		}
		for i, e := range entries {
			s := steps[i]
			if e.Kind != s.kind || e.Item != s.item || e.Order.ID != s.id {
				t.Errorf("Log%s: entry %d is %s item %d of order %d, want %s item %d of order %d", when, e.Version, e.Kind, e.Item, e.Order.ID, s.kind, s.item, s.id)
			}
			checkOrder(t, fmt.Sprintf("Log%s: the order of entry %d", when, e.Version), e.Order, s.after)
			if e.Change.Actor != "suite" {
				t.Errorf("Log%s: entry %d by %q, want the suite", when, e.Version, e.Change.Actor)
			}
		}
		// Pages.
		for _, p := range []struct {
			after uint64
			limit int
			want  []uint64
		}{
			{0, 2, []uint64{1, 2}},
			{2, 3, []uint64{3, 4, 5}},
			{6, 100, []uint64{7, 8}},
			{8, 100, nil},
			{100, 100, nil},
			{3, 0, nil},
		} {
			got, err := f.s.Log(ctx, p.after, p.limit)
			if err != nil {
				t.Fatalf("Log(%d, %d)%s: %v", p.after, p.limit, when, err)
			}
			var vs []uint64
			for _, e := range got {
				vs = append(vs, e.Version)
			}
			if !slices.Equal(vs, p.want) {
				t.Errorf("Log(%d, %d)%s = versions %v, want %v", p.after, p.limit, when, vs, p.want)
			}
		}
	}
	check("")
	if f.h.Reopen != nil {
		f.reopen()
		check(" after reopening")
	}
}

// testConcurrentWriters has several goroutines insert orders and change
// the same orders at once: every insert gets its own ID and number, the
// log has no gaps, and of two changes that exclude each other exactly one
// is made.
func testConcurrentWriters(t *testing.T, f *fixture) {
	ctx := t.Context()
	const writers, each = 6, 10
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				o := at(1)
				o.SourceID = fmt.Sprintf("w%d-%d", w, i)
				if _, err := f.s.Insert(ctx, o, orders.Idempotency{Key: o.SourceID}, o.PlacedAt, insertChange(o)); err != nil {
					t.Errorf("Insert %s: %v", o.SourceID, err)
				}
			}
		})
	}
	wg.Wait()
	all := f.list()
	if len(all) != writers*each {
		t.Fatalf("%d orders, want %d", len(all), writers*each)
	}
	numbers := make(map[int]int64)
	for i, o := range all {
		if o.ID != int64(i+1) {
			t.Errorf("order %d has ID %d: IDs count up from 1", i, o.ID)
		}
		if other, ok := numbers[o.Number]; ok {
			t.Errorf("orders %d and %d both have number %d", other, o.ID, o.Number)
		}
		numbers[o.Number] = o.ID
	}

	// Each order is bumped by one writer and voided by another at once:
	// one of the two wins, the other sees the order closed.
	closeAs := func(id int64, to orders.Status) (bool, error) {
		e, err := f.s.Update(ctx, id, func(o *orders.Order) (orders.Entry, error) {
			if !o.Status.Open() {
				return orders.Entry{}, fmt.Errorf("order is %s: %w", o.Status, orders.ErrConflict)
			}
			o.Status = to
			if to == orders.Bumped {
				o.BumpedAt = base()
			} else {
				o.CancelledAt = base()
			}
			return orders.Entry{Kind: kindOf(to), Change: orders.Change{At: base(), Actor: "suite", Action: string(to)}}, nil
		})
		if errors.Is(err, orders.ErrConflict) {
			return false, nil
		}
		return err == nil && e.Version != 0, err
	}
	for _, o := range all {
		var bumped, voided bool
		var berr, verr error
		wg.Go(func() { bumped, berr = closeAs(o.ID, orders.Bumped) })
		wg.Go(func() { voided, verr = closeAs(o.ID, orders.Cancelled) })
		wg.Wait()
		if berr != nil || verr != nil {
			t.Fatalf("order %d: bump %v, void %v", o.ID, berr, verr)
		}
		if bumped == voided {
			t.Errorf("order %d: bumped %v and voided %v at once, want exactly one", o.ID, bumped, voided)
		}
		got := f.get(o.ID)
		if want := map[bool]orders.Status{true: orders.Bumped, false: orders.Cancelled}[bumped]; got.Status != want {
			t.Errorf("order %d is %s, want %s: the winner's", o.ID, got.Status, want)
		}
	}
	entries := f.log()
	checkGapless(t, "Log", entries)
	if len(entries) != 2*len(all) {
		t.Errorf("%d entries, want %d: an insert and one close for each order", len(entries), 2*len(all))
	}
}
