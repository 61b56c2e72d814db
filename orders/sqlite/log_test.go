package sqlite

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/ticketrail/ticketrail/internal/migrations"
	"github.com/ticketrail/ticketrail/orders"
)

// TestLog makes changes of every kind to two orders and checks that Log
// returns each one, in version order, with the order as that change left
// it: as Get returned it just after the change, not as it is now.
func TestLog(t *testing.T) {
	ctx := t.Context()
	s := open(t, MemoryPath)
	placed := time.Unix(1_800_000_000, 0)
	change := func(minutes int, action string) orders.Change {
		return orders.Change{At: placed.Add(time.Duration(minutes) * time.Minute), Actor: "grill screen", Action: action}
	}
	var want []orders.Entry
	// record checks that e is the next version and that its order is the
	// one stored, and keeps it for the log.
	record := func(e orders.Entry, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("write %d: %v", len(want)+1, err)
		}
		if e.Version != uint64(len(want))+1 {
			t.Errorf("write %d: version %d", len(want)+1, e.Version)
		}
		if got, err := s.Get(ctx, e.Order.ID); err != nil || !reflect.DeepEqual(e.Order, got) {
			t.Errorf("write %d: entry's order %+v, Get = %+v, %v", len(want)+1, e.Order, got, err)
		}
		want = append(want, e)
	}
	edit := func(e orders.Entry, f func(o *orders.Order)) orders.Edit {
		return func(o *orders.Order) (orders.Entry, error) {
			f(o)
			return e, nil
		}
	}

	first := order(0, placed)
	first.SourceID = "pos-1"
	first.Allergens, first.Allergy = []string{"sesame"}, true
	record(s.Insert(ctx, first, orders.Idempotency{Key: "k1"}, time.Time{}, change(0, orders.ActionPlaced)))
	second := order(0, placed.Add(time.Second))
	second.SourceID, second.Rush = "pos-2", true
	record(s.Insert(ctx, second, orders.Idempotency{}, time.Time{}, change(0, orders.ActionPlaced)))
	record(s.Update(ctx, 1, edit(orders.Entry{Kind: orders.EventFired, Change: change(1, orders.ActionFired)},
		func(o *orders.Order) { o.Status, o.FiredAt = orders.Fired, placed.Add(time.Minute) })))
	record(s.Update(ctx, 1, edit(orders.Entry{Kind: orders.EventStationDone, Station: orders.Grill, Change: change(2, orders.StationDoneAction(orders.Grill))},
		func(o *orders.Order) { o.Done = append(o.Done, orders.Grill) })))
	record(s.Update(ctx, 2, edit(orders.Entry{Kind: orders.EventItemDone, Item: 2, Change: change(3, orders.ItemAction(2, true))},
		func(o *orders.Order) { o.ItemsDone = []int{2} })))
	record(s.Update(ctx, 1, edit(orders.Entry{Kind: orders.EventBumped, Change: change(4, orders.ActionBumped)},
		func(o *orders.Order) { o.Status, o.BumpedAt = orders.Bumped, placed.Add(4*time.Minute) })))
	record(s.Update(ctx, 1, edit(orders.Entry{Kind: orders.EventRecalled, Change: change(5, orders.ActionRecalled)},
		func(o *orders.Order) { o.Status, o.Recalled = orders.Fired, true })))
	record(s.Update(ctx, 2, edit(orders.Entry{Kind: orders.EventItemUndone, Item: 2, Change: change(6, orders.ItemAction(2, false))},
		func(o *orders.Order) { o.ItemsDone = nil })))
	record(s.Update(ctx, 2, edit(orders.Entry{Kind: orders.EventCancelled, Change: change(7, orders.ActionCancelled)},
		func(o *orders.Order) { o.Status, o.CancelledAt = orders.Cancelled, placed.Add(7*time.Minute) })))

	got, err := s.Log(ctx, 0, 100)
	if err != nil {
		t.Fatalf("Log: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("Log returned %d entries, want %d", len(got), len(want))
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("entry %d:\n got %+v\nwant %+v", i+1, got[i], want[i])
		}
	}
	// A few by hand, lest the writes and the log agree on something wrong.
	if e := got[2]; e.Kind != orders.EventFired || e.Order.Status != orders.Fired || !e.Order.BumpedAt.IsZero() ||
		e.Order.Recalled || e.Order.Done != nil || !slices.Equal(e.Order.Allergens, []string{"sesame"}) {
		t.Errorf("the fire's entry: %+v", e)
	}
	if e := got[3]; e.Station != orders.Grill || !slices.Equal(e.Order.Done, []orders.Station{orders.Grill}) || e.Order.Status != orders.Fired {
		t.Errorf("the grill's entry: %+v", e)
	}
	if e := got[4]; e.Item != 2 || !slices.Equal(e.Order.ItemsDone, []int{2}) || !e.Order.Rush || e.Order.Number != orders.FirstNumber+1 {
		t.Errorf("the item's entry: %+v", e)
	}
	if e := got[7]; e.Order.ItemsDone != nil || e.Order.Status != orders.Received {
		t.Errorf("the undone item's entry: %+v", e)
	}

	for _, tc := range []struct {
		after uint64
		limit int
		want  []uint64
	}{
		{0, 3, []uint64{1, 2, 3}},
		{3, 2, []uint64{4, 5}},
		{7, 10, []uint64{8, 9}},
		{9, 10, nil},
		{100, 10, nil},
		{math.MaxUint64, 10, nil},
		{0, 0, nil},
		{0, -1, nil},
	} {
		log, err := s.Log(ctx, tc.after, tc.limit)
		var versions []uint64
		for _, e := range log {
			versions = append(versions, e.Version)
		}
		if err != nil || !slices.Equal(versions, tc.want) {
			t.Errorf("Log(%d, %d) = versions %v, %v; want %v", tc.after, tc.limit, versions, err, tc.want)
		}
	}

	saved, err := s.Load(ctx, time.Time{})
	if err != nil || saved.Version != 9 || len(saved.Open) != 1 || len(saved.Recent) != 1 {
		t.Errorf("Load = version %d, %d open, %d recent, %v; want 9, 1, 1", saved.Version, len(saved.Open), len(saved.Recent), err)
	}
	history, err := s.History(ctx, 1)
	if err != nil || len(history) != 5 || history[4] != want[6].Change {
		t.Errorf("History(1) = %v, %v; want the 5 changes of order 1", history, err)
	}
}

// TestUpdateEdit checks what Update does with each answer of its edit.
func TestUpdateEdit(t *testing.T) {
	ctx := t.Context()
	s := open(t, MemoryPath)
	placed := time.Unix(1_800_000_000, 0)
	placedEntry, err := s.Insert(ctx, order(0, placed), orders.Idempotency{}, time.Time{}, insertChange(order(0, placed)))
	if err != nil {
		t.Fatalf("Insert: %v", err)
	}
	stored := placedEntry.Order
	// unchanged fails the test unless the store holds the order as
	// inserted, with its one change.
	unchanged := func(what string) {
		t.Helper()
		if got, err := s.Get(ctx, 1); err != nil || !reflect.DeepEqual(got, stored) {
			t.Errorf("%s: Get = %+v, %v; want it unchanged", what, got, err)
		}
		if saved, err := s.Load(ctx, time.Time{}); err != nil || saved.Version != 1 {
			t.Errorf("%s: version %d, %v; want 1", what, saved.Version, err)
		}
		if h, err := s.History(ctx, 1); err != nil || len(h) != 1 {
			t.Errorf("%s: History = %v, %v; want one change", what, h, err)
		}
	}

	e, err := s.Update(ctx, 1, func(o *orders.Order) (orders.Entry, error) {
		if !reflect.DeepEqual(*o, stored) {
			t.Errorf("edit sees %+v, want the order as stored, %+v", *o, stored)
		}
		o.Status = orders.Fired // changed, yet no change reported
		return orders.Entry{}, nil
	})
	if err != nil || e.Version != 0 || !reflect.DeepEqual(e.Order, stored) {
		t.Errorf("Update with nothing to do = %+v, %v; want version 0 and the order as stored", e, err)
	}
	unchanged("an edit without a kind")

	refused := fmt.Errorf("it was bumped: %w", orders.ErrConflict)
	e, err = s.Update(ctx, 1, func(o *orders.Order) (orders.Entry, error) {
		o.Status, o.Done = orders.Cancelled, append(o.Done, orders.Fry)
		return orders.Entry{Kind: orders.EventCancelled}, refused
	})
	if err != refused {
		t.Errorf("Update with an edit that fails: %v, want the edit's error as it is", err)
	}
	if e.Version != 0 || !reflect.DeepEqual(e.Order, stored) {
		t.Errorf("Update with an edit that fails = %+v, want version 0 and the order as stored", e)
	}
	unchanged("an edit that fails")

	called := false
	_, err = s.Update(ctx, 2, func(o *orders.Order) (orders.Entry, error) {
		called = true
		return orders.Entry{Kind: orders.EventFired}, nil
	})
	if !errors.Is(err, orders.ErrNotFound) || called {
		t.Errorf("Update(2) = %v, edit called %v; want ErrNotFound without an edit", err, called)
	}
	unchanged("an update of an unknown order")

	// What an order never changes in is not written, nor what the edit
	// says of the version and the order.
	e, err = s.Update(ctx, 1, func(o *orders.Order) (orders.Entry, error) {
		o.Status, o.FiredAt = orders.Fired, placed.Add(time.Minute)
		o.Number, o.Rush, o.SourceID, o.PlacedAt = 7, true, "other", placed.Add(time.Hour)
		o.Items, o.Notes = nil, nil
		return orders.Entry{Version: 99, Kind: orders.EventFired, Order: orders.Order{ID: 5}, Change: updateChange(*o)}, nil
	})
	want := stored
	want.Status, want.FiredAt = orders.Fired, placed.Add(time.Minute)
	if err != nil || e.Version != 2 || e.Kind != orders.EventFired || !reflect.DeepEqual(e.Order, want) {
		t.Errorf("Update that changes what it may not = %+v, %v;\nwant version 2 and %+v", e, err, want)
	}
	if got, err := s.Get(ctx, 1); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Get = %+v, %v; want %+v", got, err, want)
	}
}

// TestInsertPrior checks that Insert finds an earlier order with the same
// idempotency key or source ID, placed in the window, and then writes
// nothing.
func TestInsertPrior(t *testing.T) {
	ctx := t.Context()
	s := open(t, MemoryPath)
	placed := time.Unix(1_800_000_000, 0)
	insert := func(o orders.Order, idem orders.Idempotency, since time.Time) (orders.Entry, error) {
		return s.Insert(ctx, o, idem, since, insertChange(o))
	}
	a := order(0, placed)
	a.SourceID = "pos-a"
	if e, err := insert(a, orders.Idempotency{Key: "k", Fingerprint: []byte{1, 2}}, time.Time{}); err != nil || e.Order.ID != 1 {
		t.Fatalf("Insert = %d, %v", e.Order.ID, err)
	}
	b := order(0, placed.Add(time.Minute))
	b.SourceID = "pos-b"
	if e, err := insert(b, orders.Idempotency{Key: "k"}, placed.Add(time.Second)); err != nil || e.Order.ID != 2 {
		t.Fatalf("Insert with a key only used before the window = %d, %v; want order 2", e.Order.ID, err)
	}

	for _, tc := range []struct {
		name     string
		key, src string
		since    time.Time
		prior    int64 // 0: none, the order is inserted
	}{
		{"same key", "k", "pos-c", time.Time{}, 2},
		{"same source ID", "other", "pos-a", time.Time{}, 1},
		{"same source ID, no key", "", "pos-a", time.Time{}, 1},
		{"same key as one, source ID of the other", "k", "pos-a", time.Time{}, 2},
		{"same source ID, before the window", "", "pos-a", placed.Add(time.Second), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, err := s.Load(ctx, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			o := order(0, placed.Add(time.Hour))
			o.SourceID = tc.src
			e, err := insert(o, orders.Idempotency{Key: tc.key}, tc.since)
			after, _ := s.Load(ctx, time.Time{})
			if tc.prior == 0 {
				if err != nil || e.Version != before.Version+1 {
					t.Errorf("Insert = version %d, %v; want it inserted", e.Version, err)
				}
				return
			}
			var prior *orders.PriorError
			if !errors.As(err, &prior) || !strings.HasPrefix(err.Error(), "sqlite: insert: ") {
				t.Fatalf("Insert: %v, want a *PriorError", err)
			}
			if prior.Order.ID != tc.prior || e.Version != 0 || after.Version != before.Version || len(after.Open) != len(before.Open) {
				t.Errorf("Insert found order %d and wrote version %d (the last is %d, was %d); want order %d and nothing written",
					prior.Order.ID, e.Version, after.Version, before.Version, tc.prior)
			}
			if want, _ := s.Get(ctx, tc.prior); !reflect.DeepEqual(prior.Order, want) {
				t.Errorf("the prior order %+v, want %+v", prior.Order, want)
			}
			wantIdem := orders.Idempotency{Key: "k", Fingerprint: []byte{1, 2}}
			if tc.prior == 2 {
				wantIdem.Fingerprint = nil
			}
			if !reflect.DeepEqual(prior.Idempotency, wantIdem) {
				t.Errorf("the prior order's idempotency %+v, want %+v", prior.Idempotency, wantIdem)
			}
		})
	}
}

// TestInsertNumbers checks the IDs and display numbers Insert gives,
// whatever the order comes with, and that the numbers wrap.
func TestInsertNumbers(t *testing.T) {
	ctx := t.Context()
	s := open(t, MemoryPath)
	o := order(42, time.Unix(1_800_000_000, 0))
	o.Number, o.SourceID = 555, ""
	for i := range 3 {
		e, err := s.Insert(ctx, o, orders.Idempotency{}, time.Time{}, insertChange(o))
		if err != nil || e.Order.ID != int64(i+1) || e.Order.Number != orders.FirstNumber+i || e.Kind != orders.EventPlaced {
			t.Errorf("Insert %d = %+v, %v; want ID %d, number %d", i+1, e, err, i+1, orders.FirstNumber+i)
		}
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE orders SET number = ? WHERE id = 3`, orders.LastNumber); err != nil {
		t.Fatal(err)
	}
	if e, err := s.Insert(ctx, o, orders.Idempotency{}, time.Time{}, insertChange(o)); err != nil || e.Order.ID != 4 || e.Order.Number != orders.FirstNumber {
		t.Errorf("Insert after number %d = ID %d, number %d, %v; want 4, %d", orders.LastNumber, e.Order.ID, e.Order.Number, err, orders.FirstNumber)
	}
}

// TestLogColumns checks that logColumns are columns, with the state read
// from the log (stateColumns) and the rest from orders.
func TestLogColumns(t *testing.T) {
	split := func(list string) []string {
		var out []string
		for c := range strings.SplitSeq(list, ",") {
			out = append(out, strings.TrimSpace(c))
		}
		return out
	}
	cols, logCols, state := split(columns), split(logColumns), split(stateColumns)
	if len(cols) != len(logCols) {
		t.Fatalf("%d log columns, %d columns", len(logCols), len(cols))
	}
	var fromLog []string
	for i, c := range logCols {
		table, name, _ := strings.Cut(c, ".")
		if name != cols[i] || table != "o" && table != "h" {
			t.Errorf("log column %d is %s, want o.%s or h.%s", i, c, cols[i], cols[i])
		}
		if table == "h" {
			fromLog = append(fromLog, name)
		}
	}
	slices.Sort(fromLog)
	slices.Sort(state)
	if !slices.Equal(fromLog, state) {
		t.Errorf("the log columns read %v from the log, want the state columns %v", fromLog, state)
	}
}

// TestMigrateKeepsHistories opens a database written before the log was
// kept (migrations up to 0005): its orders and their histories are as
// they were, its log is empty, and the changes made from then on are the
// log from version 1.
func TestMigrateKeepsHistories(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "old.db")
	db := rawDB(t, path)
	old := fstest.MapFS{}
	ms, err := migrations.Read(migrationFiles())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Version <= 5 {
			old[m.Name] = &fstest.MapFile{Data: []byte(m.SQL)}
		}
	}
	if applied, err := migrate(ctx, db, old); err != nil || len(applied) != 5 {
		t.Fatalf("migrate to version 5 = %v, %v", applied, err)
	}
	placed := time.Unix(1_800_000_000, 0)
	at := func(minutes int) int64 { return placed.Add(time.Duration(minutes) * time.Minute).UnixNano() }
	_, err = db.ExecContext(ctx, `INSERT INTO orders (id, number, source_id, idempotency_key, fingerprint, destination,
			status, items, notes, placed_at, fired_at, bumped_at, cancelled_at, done_stations, allergens, allergy, items_done)
		VALUES
		(1, 998, 'pos-1', 'k1', x'0102', 'takeout', 'bumped', '[{"quantity":1,"name":"Fries","station":"fry"}]', '[]',
			?, ?, ?, NULL, '["fry"]', '[]', 0, '[0]'),
		(2, 999, '', '', NULL, 'dining room', 'cancelled', '[{"quantity":2,"name":"Socket Burger","station":"grill"}]', '["no rush"]',
			?, NULL, NULL, ?, '[]', '["sesame"]', 1, '[]'),
		(3, 100, 'pos-3', 'k3', NULL, 'drive thru', 'received', '[{"quantity":1,"name":"Chocolate Shake","station":"shake","allergens":["milk"]}]', '[]',
			?, NULL, NULL, NULL, '[]', '["milk"]', 1, '[]')`,
		at(0), at(1), at(3), at(1), at(4), at(2))
	if err != nil {
		t.Fatalf("insert old orders: %v", err)
	}
	_, err = db.ExecContext(ctx, `INSERT INTO order_history (order_id, at, actor, action) VALUES
		(1, ?, 'api', 'placed'), (2, ?, 'demo', 'placed'), (1, ?, 'grill', 'fired'), (1, ?, 'grill', 'done fry'),
		(3, ?, 'api', 'placed'), (2, ?, 'expo', 'cancelled'), (1, ?, 'expo', 'bumped')`,
		at(0), at(1), at(1), at(2), at(2), at(4), at(3))
	if err != nil {
		t.Fatalf("insert old histories: %v", err)
	}
	db.Close()

	s := open(t, path)
	change := func(minutes int, actor, action string) orders.Change {
		return orders.Change{At: placed.Add(time.Duration(minutes) * time.Minute), Actor: actor, Action: action}
	}
	wantHistory := map[int64][]orders.Change{
		1: {change(0, "api", "placed"), change(1, "grill", "fired"), change(2, "grill", "done fry"), change(3, "expo", "bumped")},
		2: {change(1, "demo", "placed"), change(4, "expo", "cancelled")},
		3: {change(2, "api", "placed")},
	}
	checkHistories := func(what string) {
		t.Helper()
		for id, want := range wantHistory {
			if got, err := s.History(ctx, id); err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("%s: History(%d) = %v, %v; want %v", what, id, got, err, want)
			}
		}
	}
	checkHistories("after migrating")

	first, err := s.Get(ctx, 1)
	wantFirst := orders.Order{ID: 1, Number: 998, SourceID: "pos-1", Destination: orders.Takeout, Status: orders.Bumped,
		Done: []orders.Station{orders.Fry}, Items: []orders.Item{{Quantity: 1, Name: "Fries", Station: orders.Fry}},
		Notes: []string{}, ItemsDone: []int{0},
		PlacedAt: time.Unix(0, at(0)), FiredAt: time.Unix(0, at(1)), BumpedAt: time.Unix(0, at(3))}
	if err != nil || !reflect.DeepEqual(first, wantFirst) {
		t.Errorf("Get(1) after migrating = %+v, %v;\nwant %+v", first, err, wantFirst)
	}
	saved, err := s.Load(ctx, placed)
	if err != nil || saved.Version != 0 || len(saved.Open) != 1 || saved.Open[0].ID != 3 ||
		len(saved.Recent) != 2 || saved.Recent[0].ID != 2 || saved.Recent[1].ID != 1 {
		t.Errorf("Load after migrating = %+v, %v; want version 0, order 3 open, 2 and 1 recent", saved, err)
	}
	if log, err := s.Log(ctx, 0, 10); err != nil || len(log) != 0 {
		t.Errorf("Log after migrating = %v, %v; want nothing", log, err)
	}
	if o, idem, err := s.Find(ctx, "k1", "", time.Time{}); err != nil || o.ID != 1 || !slices.Equal(idem.Fingerprint, []byte{1, 2}) {
		t.Errorf("Find(k1) after migrating = %d, %+v, %v; want order 1 with its fingerprint", o.ID, idem, err)
	}

	// The first change: a retry of an old order is one, and inserts nothing.
	var prior *orders.PriorError
	o := order(0, placed.Add(time.Hour))
	if _, err := s.Insert(ctx, o, orders.Idempotency{Key: "k3"}, placed, insertChange(o)); !errors.As(err, &prior) || prior.Order.ID != 3 {
		t.Errorf("Insert with an old order's key: %v, want a *PriorError with order 3", err)
	}
	placedEntry, err := s.Insert(ctx, o, orders.Idempotency{Key: "k4"}, placed, insertChange(o))
	if err != nil || placedEntry.Version != 1 || placedEntry.Order.ID != 4 || placedEntry.Order.Number != 101 {
		t.Errorf("Insert after migrating = version %d, order %d number %d, %v; want version 1, order 4 number 101",
			placedEntry.Version, placedEntry.Order.ID, placedEntry.Order.Number, err)
	}
	fired := change(61, "grill", orders.ActionFired)
	firedEntry, err := s.Update(ctx, 3, func(o *orders.Order) (orders.Entry, error) {
		o.Status, o.FiredAt = orders.Fired, fired.At
		return orders.Entry{Kind: orders.EventFired, Change: fired}, nil
	})
	if err != nil || firedEntry.Version != 2 || firedEntry.Order.Status != orders.Fired ||
		!slices.Equal(firedEntry.Order.Allergens, []string{"milk"}) {
		t.Errorf("Update of an old order = %+v, %v; want version 2, fired", firedEntry, err)
	}
	wantHistory[3] = append(wantHistory[3], fired)
	wantHistory[4] = []orders.Change{insertChange(o)}
	checkHistories("after the first changes")
	log, err := s.Log(ctx, 0, 10)
	if err != nil || !reflect.DeepEqual(log, []orders.Entry{placedEntry, firedEntry}) {
		t.Errorf("Log after the first changes = %+v, %v;\nwant %+v", log, err, []orders.Entry{placedEntry, firedEntry})
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, path)
	if saved, err := s.Load(ctx, placed); err != nil || saved.Version != 2 || len(saved.Open) != 2 {
		t.Errorf("Load after opening again = version %d, %d open, %v; want 2, 2", saved.Version, len(saved.Open), err)
	}
	checkHistories("after opening again")
}
