// Package storetest is the conformance suite for orders.Store. Every Store
// runs it from its own tests, so that they all keep the semantics that
// store.go documents and orders.MemoryStore, the reference, has:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, storetest.Harness{New: newStore, Reopen: reopen})
//	}
package storetest

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticketrail/ticketrail/orders"
)

// Harness says how to make the store under test.
type Harness struct {
	// New returns a new, empty store; the suite closes it.
	New func(t *testing.T) orders.Store
	// Reopen, if not nil, closes s and opens the same store again, as a
	// restart would; the data must survive. The suite closes the store it
	// returns.
	Reopen func(t *testing.T, s orders.Store) orders.Store
	// Share, if not nil, returns a second store on the same data as s,
	// as another process would open it, for the subtests with several
	// boards on one store. A store that only one process may open
	// returns s itself: the boards then share it as several boards of
	// one process would. The suite closes what Share returns unless it
	// is s.
	Share func(t *testing.T, s orders.Store) orders.Store
}

// Run runs the conformance suite against the stores h makes: a subtest
// per method and property, each on a new store. The subtests about
// restarts run only if h.Reopen is not nil.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.New == nil {
		t.Fatal("storetest: Harness.New is nil")
	}
	tests := []struct {
		name string
		test func(t *testing.T, f *fixture)
	}{
		{"InsertGet", testInsertGet},
		{"InsertNumbers", testInsertNumbers},
		{"InsertPrior", testInsertPrior},
		{"UpdateEdit", testUpdateEdit},
		{"Log", testLog},
		{"ConcurrentWriters", testConcurrentWriters},
		{"GetUnknown", testGetUnknown},
		{"Update", testUpdate},
		{"UpdateUnknown", testUpdateUnknown},
		{"Find", testFind},
		{"List", testList},
		{"Bumped", testBumped},
		{"LoadEmpty", testLoadEmpty},
		{"Load", testLoad},
		{"Strings", testStrings},
		{"Many", testMany},
		{"Concurrent", testConcurrent},
		{"History", testHistory},
		{"Fingerprint", testFingerprint},
		{"Ready", testReady},
		{"Screens", testScreens},
		{"AddScreenInvalid", testAddScreenInvalid},
		{"Pairings", testPairings},
		{"Roster", testRoster},
		{"BoardHistory", testBoardHistory},
		{"Reopen", testReopen},
		{"ReopenBoard", testReopenBoard},
		{"ReopenBoardNumberWraps", testReopenBoardNumberWraps},
		{"SharedBoards", testSharedBoards},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if strings.HasPrefix(tc.name, "Reopen") && h.Reopen == nil {
				t.Skip("the harness has no Reopen: the store does not outlive its process")
			}
			if strings.HasPrefix(tc.name, "Shared") && h.Share == nil {
				t.Skip("the harness has no Share")
			}
			tc.test(t, newFixture(t, h))
		})
	}
}

// fixture is the store a subtest works on.
type fixture struct {
	t *testing.T
	h Harness
	s orders.Store
}

// newFixture returns a fixture with a new store, closed when t ends.
func newFixture(t *testing.T, h Harness) *fixture {
	f := &fixture{t: t, h: h, s: h.New(t)}
	t.Cleanup(func() {
		if err := f.s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return f
}

// reopen closes the store and opens it again.
func (f *fixture) reopen() {
	f.t.Helper()
	f.s = f.h.Reopen(f.t, f.s)
}

// noPrior is a time for Insert's since that no order is placed at or
// after: the suite's orders are inserted without looking for a prior one,
// so that it can insert orders with the same key.
var noPrior = time.Date(9000, time.January, 1, 0, 0, 0, 0, time.UTC)

// insert inserts each order with its idempotency key (none if keys is
// shorter), by ID, and fails the test if that fails. The store gives the
// IDs and numbers: each order's must be the one the store gives next
// (see sample).
func (f *fixture) insert(os []orders.Order, keys ...string) {
	f.t.Helper()
	type keyed struct {
		o   orders.Order
		key string
	}
	byID := make([]keyed, len(os))
	for i, o := range os {
		byID[i].o = o
		if i < len(keys) {
			byID[i].key = keys[i]
		}
	}
	slices.SortStableFunc(byID, func(a, b keyed) int { return cmp.Compare(a.o.ID, b.o.ID) })
	for _, k := range byID {
		e, err := f.s.Insert(f.t.Context(), k.o, orders.Idempotency{Key: k.key}, noPrior, insertChange(k.o))
		if err != nil {
			f.t.Fatalf("Insert(%d, %q): %v", k.o.ID, k.key, err)
		}
		if e.Order.ID != k.o.ID || e.Order.Number != k.o.Number || e.Kind != orders.EventPlaced || e.Version == 0 {
			f.t.Fatalf("Insert(%d, %q) = entry %d: %s of order %d, number %d; want order %d, number %d placed",
				k.o.ID, k.key, e.Version, e.Kind, e.Order.ID, e.Order.Number, k.o.ID, k.o.Number)
		}
	}
}

// update writes o's status, recalled flag, done stations, done items and
// times over the stored order's with c, as Store.Update does for an edit
// that makes them so.
func (f *fixture) update(o orders.Order, c orders.Change) (orders.Entry, error) {
	return f.s.Update(f.t.Context(), o.ID, setTo(o, c))
}

// setTo returns an Edit that gives an order o's status, recalled flag,
// done stations, done items and times, and records c.
func setTo(o orders.Order, c orders.Change) orders.Edit {
	return func(cur *orders.Order) (orders.Entry, error) {
		cur.Status, cur.Recalled, cur.Done, cur.ItemsDone = o.Status, o.Recalled, slices.Clone(o.Done), slices.Clone(o.ItemsDone)
		cur.FiredAt, cur.BumpedAt, cur.CancelledAt = o.FiredAt, o.BumpedAt, o.CancelledAt
		return orders.Entry{Kind: kindOf(o.Status), Change: c}, nil
	}
}

// kindOf returns the kind of change that leaves an order with status st.
func kindOf(st orders.Status) orders.EventKind {
	switch st {
	case orders.Fired:
		return orders.EventFired
	case orders.Bumped:
		return orders.EventBumped
	case orders.Cancelled:
		return orders.EventCancelled
	}
	return orders.EventRecalled
}

// get returns the order with the given ID and fails the test if that fails.
func (f *fixture) get(id int64) orders.Order {
	f.t.Helper()
	o, err := f.s.Get(f.t.Context(), id)
	if err != nil {
		f.t.Fatalf("Get(%d): %v", id, err)
	}
	return o
}

// list returns every order, in the order placed.
func (f *fixture) list() []orders.Order {
	f.t.Helper()
	out, err := f.s.List(f.t.Context(), 1<<20)
	if err != nil {
		f.t.Fatalf("List: %v", err)
	}
	return out
}

// base is when the suite's orders are placed, give or take. It has
// nanoseconds and a zone other than UTC and Local, which a store must keep
// the instant of (not necessarily the zone).
func base() time.Time {
	return time.Date(2026, time.March, 14, 11, 30, 5, 123456789, time.FixedZone("kitchen", -5*60*60))
}

// sample returns a received order with every field that a placed order has
// set, placed at the given time; all of it derived from id. Its number is
// the one a store gives the order with that ID.
func sample(id int64, placed time.Time) orders.Order {
	return orders.Order{
		ID:          id,
		Number:      number(id),
		SourceID:    fmt.Sprintf("pos-%d", id),
		Destination: orders.Destinations()[id%3],
		Status:      orders.Received,
		Rush:        id%4 == 0,
		Items: []orders.Item{
			{Quantity: int(id%5) + 1, Name: "Socket Burger", Station: orders.Grill, Modifiers: []string{"no onion", fmt.Sprintf("%d pickles", id%7)}},
			{Quantity: 1, Name: "Fries", Station: orders.Fry, Allergens: []string{"gluten", fmt.Sprintf("spice %d", id%3)}},
		},
		Notes:     []string{fmt.Sprintf("note for %d", id)},
		Allergens: []string{"gluten", fmt.Sprintf("spice %d", id%3)},
		Allergy:   true,
		PlacedAt:  placed,
	}
}

// number returns the display number a store gives the order with the
// given ID: they count up from FirstNumber and wrap after LastNumber.
func number(id int64) int {
	return orders.FirstNumber + int((id-1)%(orders.LastNumber-orders.FirstNumber+1))
}

// at returns sample(id, ...) placed id minutes after base.
func at(id int64) orders.Order {
	return sample(id, base().Add(time.Duration(id)*time.Minute))
}

// with returns o with the given status and, for bumped, fired and
// cancelled orders, the time that status took effect.
func with(o orders.Order, st orders.Status, when time.Time) orders.Order {
	o.Status = st
	switch st {
	case orders.Fired:
		o.FiredAt = when
	case orders.Bumped:
		o.BumpedAt = when
	case orders.Cancelled:
		o.CancelledAt = when
	}
	return o
}

// diff describes how got differs from want, field by field, or returns ""
// if they are the same. Times are the same if they are the same instant
// (time.Time.Equal); a nil and an empty slice are the same.
func diff(got, want orders.Order) string {
	var d []string
	field := func(name string, same bool, got, want any) {
		if !same {
			d = append(d, fmt.Sprintf("%s = %#v, want %#v", name, got, want))
		}
	}
	field("ID", got.ID == want.ID, got.ID, want.ID)
	field("Number", got.Number == want.Number, got.Number, want.Number)
	field("SourceID", got.SourceID == want.SourceID, got.SourceID, want.SourceID)
	field("Destination", got.Destination == want.Destination, got.Destination, want.Destination)
	field("Status", got.Status == want.Status, got.Status, want.Status)
	field("Rush", got.Rush == want.Rush, got.Rush, want.Rush)
	field("Recalled", got.Recalled == want.Recalled, got.Recalled, want.Recalled)
	field("Done", slices.Equal(got.Done, want.Done), got.Done, want.Done)
	sameItems := slices.EqualFunc(got.Items, want.Items, func(a, b orders.Item) bool {
		return a.Quantity == b.Quantity && a.Name == b.Name && a.Station == b.Station &&
			slices.Equal(a.Modifiers, b.Modifiers) && slices.Equal(a.Allergens, b.Allergens)
	})
	field("Items", sameItems, got.Items, want.Items)
	field("Notes", slices.Equal(got.Notes, want.Notes), got.Notes, want.Notes)
	field("Allergens", slices.Equal(got.Allergens, want.Allergens), got.Allergens, want.Allergens)
	field("Allergy", got.Allergy == want.Allergy, got.Allergy, want.Allergy)
	field("ItemsDone", slices.Equal(got.ItemsDone, want.ItemsDone), got.ItemsDone, want.ItemsDone)
	for _, tf := range []struct {
		name      string
		got, want time.Time
	}{
		{"PlacedAt", got.PlacedAt, want.PlacedAt},
		{"FiredAt", got.FiredAt, want.FiredAt},
		{"BumpedAt", got.BumpedAt, want.BumpedAt},
		{"CancelledAt", got.CancelledAt, want.CancelledAt},
	} {
		field(tf.name, tf.got.Equal(tf.want), tf.got.Format(time.RFC3339Nano), tf.want.Format(time.RFC3339Nano))
	}
	return strings.Join(d, "; ")
}

// checkOrder fails the test if got is not want.
func checkOrder(t *testing.T, what string, got, want orders.Order) {
	t.Helper()
	if d := diff(got, want); d != "" {
		t.Errorf("%s: order %d: %s", what, want.ID, d)
	}
}

// checkOrders fails the test if got are not the orders want, in order.
func checkOrders(t *testing.T, what string, got, want []orders.Order) {
	t.Helper()
	if !slices.Equal(ids(got), ids(want)) {
		t.Errorf("%s: got IDs %v, want %v", what, ids(got), ids(want))
		return
	}
	for i := range got {
		checkOrder(t, what, got[i], want[i])
	}
}

// ids returns the IDs of os.
func ids(os []orders.Order) []int64 {
	out := make([]int64, len(os))
	for i, o := range os {
		out[i] = o.ID
	}
	return out
}

// pick returns the orders of all with the given IDs, in that order.
func pick(all []orders.Order, want ...int64) []orders.Order {
	out := make([]orders.Order, 0, len(want))
	for _, id := range want {
		i := slices.IndexFunc(all, func(o orders.Order) bool { return o.ID == id })
		if i < 0 {
			panic(fmt.Sprintf("storetest: no order %d", id))
		}
		out = append(out, all[i])
	}
	return out
}

// wantNotFound fails the test unless err wraps orders.ErrNotFound.
func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, orders.ErrNotFound) {
		t.Errorf("%s: error %v, want one wrapping orders.ErrNotFound", what, err)
	}
}

func testInsertGet(t *testing.T, f *fixture) {
	placed := base()
	full := orders.Order{
		ID:          1,
		Number:      number(1),
		SourceID:    "pos-17",
		Destination: orders.DriveThru,
		Status:      orders.Bumped,
		Rush:        true,
		Recalled:    true,
		Items: []orders.Item{
			{Quantity: 2, Name: "Socket Burger", Station: orders.Grill, Modifiers: []string{"no onion", "extra pickles"}, Allergens: []string{"sesame", "mustard"}},
			{Quantity: 99, Name: "Fries", Station: orders.Fry},
			{Quantity: 1, Name: "Vanilla Shake", Station: orders.Shake, Modifiers: []string{"no whip"}, Allergens: []string{"dairy"}},
		},
		Notes:       []string{"allergy: peanuts", "car 4, blue"},
		Allergens:   []string{"peanut", "dairy", "sesame", "mustard", "kiwi"},
		Allergy:     true,
		ItemsDone:   []int{0, 2},
		PlacedAt:    placed,
		FiredAt:     placed.Add(90*time.Second + 1),
		BumpedAt:    placed.Add(5*time.Minute + 2),
		CancelledAt: placed.Add(6*time.Minute + 3),
	}
	// The least an order has: the times that have not happened are zero.
	bare := orders.Order{
		ID:          2,
		Number:      number(2),
		Destination: orders.DiningRoom,
		Status:      orders.Received,
		Items:       []orders.Item{{Quantity: 1, Name: "Fries", Station: orders.Fry}},
		PlacedAt:    placed.Add(time.Nanosecond),
	}
	// A time as the board's default clock gives it: local, with a
	// monotonic clock reading.
	now := sample(3, time.Now())
	now.Status, now.FiredAt = orders.Fired, time.Now()
	// UTC, and a time on a second.
	utc := sample(4, time.Date(2030, time.January, 1, 0, 0, 0, 0, time.UTC))
	utc.Status, utc.CancelledAt = orders.Cancelled, time.Date(2030, time.January, 1, 0, 0, 1, 999999999, time.UTC)

	want := []orders.Order{full, bare, now, utc}
	f.insert(want, "key-1", "", "key-3", "key-4")
	for _, o := range want {
		got := f.get(o.ID)
		checkOrder(t, "Get", got, o)
		// Get again: reading changes nothing.
		checkOrder(t, "second Get", f.get(o.ID), o)
	}
	got := f.get(2)
	for name, tm := range map[string]time.Time{"FiredAt": got.FiredAt, "BumpedAt": got.BumpedAt, "CancelledAt": got.CancelledAt} {
		if !tm.IsZero() {
			t.Errorf("Get(2).%s = %v, want the zero time", name, tm)
		}
	}
	if got.SourceID != "" || len(got.Notes) != 0 || got.Rush || got.Recalled ||
		len(got.Allergens) != 0 || got.Allergy || len(got.ItemsDone) != 0 || len(got.Items[0].Allergens) != 0 {
		t.Errorf("Get(2) = %+v, want no source ID, notes, rush, recall, allergens, allergy or items done", got)
	}
	// An allergy without a named allergen.
	shout := sample(5, placed.Add(2*time.Nanosecond))
	shout.Allergens, shout.Items[1].Allergens = nil, nil
	f.insert([]orders.Order{shout})
	checkOrder(t, "Get of an allergy without allergens", f.get(5), shout)
}

// testInsertNumbers checks that Insert gives each order the next ID,
// display number and version, whatever the order to insert says.
func testInsertNumbers(t *testing.T, f *fixture) {
	for i := range 3 {
		o := at(7) // the ID and number are the store's to give
		o.SourceID = ""
		e, err := f.s.Insert(t.Context(), o, orders.Idempotency{}, noPrior, insertChange(o))
		if err != nil {
			t.Fatalf("Insert %d: %v", i, err)
		}
		want := o
		want.ID, want.Number = int64(i+1), number(int64(i+1))
		if e.Version != uint64(i+1) || e.Kind != orders.EventPlaced {
			t.Errorf("Insert %d: entry %d of kind %s, want %d of kind placed", i, e.Version, e.Kind, i+1)
		}
		checkOrder(t, fmt.Sprintf("Insert %d: the entry's order", i), e.Order, want)
		checkOrder(t, fmt.Sprintf("Get after Insert %d", i), f.get(want.ID), want)
	}
}

func testGetUnknown(t *testing.T, f *fixture) {
	_, err := f.s.Get(t.Context(), 1)
	wantNotFound(t, "Get(1) on an empty store", err)
	f.insert([]orders.Order{at(1)})
	for _, id := range []int64{0, -1, 2, 1 << 40} {
		_, err := f.s.Get(t.Context(), id)
		wantNotFound(t, fmt.Sprintf("Get(%d)", id), err)
	}
}

func testUpdate(t *testing.T, f *fixture) {
	o := at(1)
	f.insert([]orders.Order{o, at(2)}, "key-1", "key-2")

	// Everything changes in u; only status, recalled, the done stations,
	// the done items and the three times may reach the store.
	u := o
	u.Status = orders.Bumped
	u.Recalled = true
	u.Done = []orders.Station{orders.Fry, orders.Grill}
	u.ItemsDone = []int{0, 1}
	u.Allergens = []string{"changed"}
	u.Allergy = !o.Allergy
	u.FiredAt = o.PlacedAt.Add(time.Minute + 1)
	u.BumpedAt = o.PlacedAt.Add(4*time.Minute + 2)
	u.CancelledAt = o.PlacedAt.Add(9*time.Minute + 3)
	u.Number = 555
	u.SourceID = "changed"
	u.Destination = orders.Takeout
	u.Rush = !o.Rush
	u.Items = []orders.Item{{Quantity: 7, Name: "Onion Rings", Station: orders.Fry, Allergens: []string{"changed"}}}
	u.Notes = []string{"changed"}
	u.PlacedAt = o.PlacedAt.Add(time.Hour)
	if _, err := f.update(u, updateChange(u)); err != nil {
		t.Fatalf("Update: %v", err)
	}
	want := o
	want.Status, want.Recalled, want.Done, want.ItemsDone = u.Status, u.Recalled, u.Done, u.ItemsDone
	want.FiredAt, want.BumpedAt, want.CancelledAt = u.FiredAt, u.BumpedAt, u.CancelledAt
	checkOrder(t, "Get after Update", f.get(1), want)
	checkOrder(t, "the other order after Update", f.get(2), at(2))

	// The key stays, and so do the source ID and time Find matches.
	got, _, err := f.s.Find(t.Context(), "key-1", "", o.PlacedAt)
	if err != nil || got.ID != 1 {
		t.Errorf("Find(key-1) after Update = %d, %v; want order 1", got.ID, err)
	}
	got, _, err = f.s.Find(t.Context(), "", o.SourceID, o.PlacedAt)
	if err != nil || got.ID != 1 {
		t.Errorf("Find(source %q) after Update = %d, %v; want order 1", o.SourceID, got.ID, err)
	}
	if _, _, err := f.s.Find(t.Context(), "", "changed", time.Time{}); !errors.Is(err, orders.ErrNotFound) {
		t.Errorf("Find(source changed) after Update: error %v, want ErrNotFound", err)
	}

	// Times go back to zero, as a recall clears the bump time, and items
	// are taken back.
	back := want
	back.Status, back.Recalled, back.ItemsDone = orders.Received, false, nil
	back.FiredAt, back.BumpedAt, back.CancelledAt = time.Time{}, time.Time{}, time.Time{}
	if _, err := f.update(back, updateChange(back)); err != nil {
		t.Fatalf("Update: %v", err)
	}
	got = f.get(1)
	checkOrder(t, "Get after the Update to zero times", got, back)
	if !got.FiredAt.IsZero() || !got.BumpedAt.IsZero() || !got.CancelledAt.IsZero() {
		t.Errorf("Get after the Update to zero times: times %v, %v, %v; want zero", got.FiredAt, got.BumpedAt, got.CancelledAt)
	}

	// An Update that changes nothing succeeds.
	if _, err := f.update(back, updateChange(back)); err != nil {
		t.Errorf("Update with nothing to change: %v", err)
	}
	checkOrder(t, "Get after the Update with nothing to change", f.get(1), back)
}

func testUpdateUnknown(t *testing.T, f *fixture) {
	_, err := f.update(at(1), updateChange(at(1)))
	wantNotFound(t, "Update on an empty store", err)
	f.insert([]orders.Order{at(1)})
	_, err = f.update(with(at(7), orders.Fired, base()), updateChange(with(at(7), orders.Fired, base())))
	wantNotFound(t, "Update(7)", err)
	_, err = f.s.Get(t.Context(), 7)
	wantNotFound(t, "Get(7) after Update(7)", err)
	checkOrder(t, "Get(1) after Update(7)", f.get(1), at(1))
}

func testFind(t *testing.T, f *fixture) {
	// Key and source ID of each order.
	keyed := []struct {
		key, source string
	}{
		1: {"k-1", ""},
		2: {"", "src-2"},
		3: {"dup", "src-dup"},
		4: {"dup", "src-dup"},
		5: {"", ""},
		6: {"only-key", "shared"},
		7: {"", "shared"},
	}
	var all []orders.Order
	for id := int64(1); id < int64(len(keyed)); id++ {
		o := at(id)
		o.SourceID = keyed[id].source
		f.insert([]orders.Order{o}, keyed[id].key)
		all = append(all, o)
	}
	placed := func(id int64) time.Time { return all[id-1].PlacedAt }
	for _, tc := range []struct {
		key, source string
		since       time.Time
		want        int64 // 0 for none
	}{
		{key: "k-1", want: 1},
		{source: "src-2", want: 2},
		{key: "k-1", source: "src-2", want: 2}, // either matches; the newest wins
		{key: "nope", source: "src-2", want: 2},
		{key: "k-1", source: "nope", want: 1},
		{key: "dup", want: 4},
		{source: "src-dup", want: 4},
		{key: "only-key", source: "shared", want: 7},
		{source: "shared", want: 7},
		{key: "only-key", want: 6},
		// since is inclusive.
		{key: "k-1", since: placed(1), want: 1},
		{key: "k-1", since: placed(1).Add(time.Nanosecond)},
		{key: "dup", since: placed(3).Add(time.Nanosecond), want: 4},
		{key: "dup", since: placed(4), want: 4},
		{key: "dup", since: placed(4).Add(time.Nanosecond)},
		{source: "shared", since: placed(7).Add(time.Nanosecond)},
		{key: "only-key", source: "shared", since: placed(7).Add(time.Nanosecond)},
		{key: "k-1", since: base().Add(-24 * time.Hour), want: 1},
		{key: "k-1", since: base().Add(24 * time.Hour)},
		// Empty keys and source IDs match nothing, also orders without.
		{},
		{since: placed(5)},
		// A key is not a source ID, nor the other way round.
		{key: "src-2"},
		{source: "k-1"},
		{key: "shared"},
		// Nothing else matches.
		{key: "K-1"},
		{key: "k-1 "},
		{source: "src"},
		{key: "unknown", source: "unknown"},
	} {
		got, _, err := f.s.Find(t.Context(), tc.key, tc.source, tc.since)
		what := fmt.Sprintf("Find(%q, %q, %s)", tc.key, tc.source, tc.since.Format(time.RFC3339Nano))
		if tc.want == 0 {
			wantNotFound(t, what, err)
			if err == nil {
				t.Errorf("%s = order %d, want none", what, got.ID)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", what, err)
			continue
		}
		checkOrder(t, what, got, all[tc.want-1])
	}
}

func testList(t *testing.T, f *fixture) {
	ctx := t.Context()
	if got, err := f.s.List(ctx, 10); err != nil || len(got) != 0 {
		t.Errorf("List on an empty store = %v, %v; want none", ids(got), err)
	}
	all := []orders.Order{
		at(1),
		with(at(2), orders.Fired, base().Add(time.Hour)),
		with(at(3), orders.Bumped, base().Add(time.Hour)),
		with(at(4), orders.Cancelled, base().Add(time.Hour)),
		at(5),
		with(at(6), orders.Bumped, base().Add(time.Hour)),
	}
	// Inserted out of order: List goes by the order placed all the same.
	f.insert(pick(all, 4, 1, 6, 2, 5, 3))
	for _, tc := range []struct {
		limit    int
		statuses []orders.Status
		want     []int64
	}{
		{100, nil, []int64{1, 2, 3, 4, 5, 6}},
		{6, nil, []int64{1, 2, 3, 4, 5, 6}},
		{7, nil, []int64{1, 2, 3, 4, 5, 6}},
		{2, nil, []int64{5, 6}},
		{1, nil, []int64{6}},
		{0, nil, nil},
		{100, []orders.Status{orders.Received}, []int64{1, 5}},
		{100, []orders.Status{orders.Fired}, []int64{2}},
		{100, []orders.Status{orders.Bumped}, []int64{3, 6}},
		{100, []orders.Status{orders.Cancelled}, []int64{4}},
		{100, []orders.Status{orders.Received, orders.Fired}, []int64{1, 2, 5}},
		{100, []orders.Status{orders.Cancelled, orders.Bumped}, []int64{3, 4, 6}},
		{100, []orders.Status{orders.Received, orders.Received}, []int64{1, 5}},
		{100, []orders.Status{orders.Received, orders.Fired, orders.Bumped, orders.Cancelled}, []int64{1, 2, 3, 4, 5, 6}},
		{1, []orders.Status{orders.Received, orders.Fired}, []int64{5}},
		{2, []orders.Status{orders.Received, orders.Fired}, []int64{2, 5}},
		{0, []orders.Status{orders.Received}, nil},
		{100, []orders.Status{"no such status"}, nil},
		{100, []orders.Status{""}, nil},
	} {
		got, err := f.s.List(ctx, tc.limit, tc.statuses...)
		what := fmt.Sprintf("List(%d, %q)", tc.limit, tc.statuses)
		if err != nil {
			t.Errorf("%s: %v", what, err)
			continue
		}
		checkOrders(t, what, got, pick(all, tc.want...))
	}
}

func testBumped(t *testing.T, f *fixture) {
	ctx := t.Context()
	if got, err := f.s.Bumped(ctx, time.Time{}); err != nil || len(got) != 0 {
		t.Errorf("Bumped on an empty store = %v, %v; want none", ids(got), err)
	}
	b := base()
	recalled := at(4) // bumped and recalled: its bump time is cleared
	recalled.Recalled = true
	all := []orders.Order{
		with(at(1), orders.Bumped, b.Add(10*time.Minute)),
		with(at(2), orders.Bumped, b.Add(5*time.Minute)),
		with(at(3), orders.Bumped, b.Add(20*time.Minute+1)),
		recalled,
		with(at(5), orders.Cancelled, b.Add(15*time.Minute)),
		with(with(at(6), orders.Fired, b.Add(6*time.Minute)), orders.Bumped, b.Add(5*time.Minute)), // bumped with 2
		with(at(7), orders.Fired, b.Add(30*time.Minute)),
	}
	f.insert(all)
	for _, tc := range []struct {
		since time.Time
		want  []int64
	}{
		// In bump order; the same bump time in the order placed.
		{time.Time{}, []int64{2, 6, 1, 3}},
		{b, []int64{2, 6, 1, 3}},
		{b.Add(5 * time.Minute), []int64{2, 6, 1, 3}}, // since is inclusive
		{b.Add(5*time.Minute + 1), []int64{1, 3}},
		{b.Add(20*time.Minute + 1), []int64{3}},
		{b.Add(20*time.Minute + 2), nil},
		{b.Add(24 * time.Hour), nil},
	} {
		got, err := f.s.Bumped(ctx, tc.since)
		what := fmt.Sprintf("Bumped(%s)", tc.since.Format(time.RFC3339Nano))
		if err != nil {
			t.Errorf("%s: %v", what, err)
			continue
		}
		checkOrders(t, what, got, pick(all, tc.want...))
	}
}

func testLoadEmpty(t *testing.T, f *fixture) {
	for _, since := range []time.Time{{}, base()} {
		saved, err := f.s.Load(t.Context(), since)
		if err != nil {
			t.Fatalf("Load on an empty store: %v", err)
		}
		if len(saved.Open) != 0 || len(saved.Recent) != 0 {
			t.Errorf("Load on an empty store: open %v, recent %v; want none", ids(saved.Open), ids(saved.Recent))
		}
		if saved.Version != 0 {
			t.Errorf("Load on an empty store: version %d, want 0", saved.Version)
		}
	}
}

func testLoad(t *testing.T, f *fixture) {
	b := base()
	recalled := with(at(6), orders.Fired, b.Add(7*time.Minute))
	recalled.Recalled = true
	rush := with(at(2), orders.Fired, b.Add(3*time.Minute))
	rush.Rush = true
	all := []orders.Order{
		at(1),
		rush,
		with(at(3), orders.Bumped, b.Add(10*time.Minute)),
		with(at(4), orders.Cancelled, b.Add(10*time.Minute)), // voided when 3 was bumped
		with(at(5), orders.Bumped, b.Add(2*time.Minute)),
		recalled,
		with(at(7), orders.Bumped, b.Add(12*time.Minute)),
		at(8),
		with(at(9), orders.Bumped, b.Add(10*time.Minute)), // bumped with 3
		with(at(10), orders.Cancelled, b.Add(11*time.Minute)),
		with(at(11), orders.Cancelled, b.Add(time.Minute)),
	}
	// Inserted out of order: Load goes by the order placed all the same.
	f.insert(pick(all, 10, 3, 1, 8, 2, 11, 6, 9, 4, 7, 5))
	for _, tc := range []struct {
		since  time.Time
		recent []int64
	}{
		// Bumped and voided, newest bump or void first; the same time in
		// the order placed, whichever it was.
		{time.Time{}, []int64{7, 10, 3, 4, 9, 5, 11}},
		{b.Add(time.Minute), []int64{7, 10, 3, 4, 9, 5, 11}},
		{b.Add(2 * time.Minute), []int64{7, 10, 3, 4, 9, 5}},
		{b.Add(5 * time.Minute), []int64{7, 10, 3, 4, 9}},
		{b.Add(10 * time.Minute), []int64{7, 10, 3, 4, 9}},
		{b.Add(10*time.Minute + 1), []int64{7, 10}},
		{b.Add(11 * time.Minute), []int64{7, 10}},
		{b.Add(11*time.Minute + 1), []int64{7}},
		{b.Add(time.Hour), nil},
	} {
		what := fmt.Sprintf("Load(%s)", tc.since.Format(time.RFC3339Nano))
		saved, err := f.s.Load(t.Context(), tc.since)
		if err != nil {
			t.Errorf("%s: %v", what, err)
			continue
		}
		// In the order placed: putting rush orders first is the board's job.
		checkOrders(t, what+": Open", saved.Open, pick(all, 1, 2, 6, 8))
		checkOrders(t, what+": Recent", saved.Recent, pick(all, tc.recent...))
		if saved.Version != 11 {
			t.Errorf("%s: version %d, want 11", what, saved.Version)
		}
	}

	// The version is the last change's, whatever it changed.
	f.insert([]orders.Order{at(12)})
	if _, err := f.update(with(at(1), orders.Fired, b), updateChange(with(at(1), orders.Fired, b))); err != nil {
		t.Fatalf("Update(1): %v", err)
	}
	saved, err := f.s.Load(t.Context(), b)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if saved.Version != 13 {
		t.Errorf("Load after Insert(12) and Update(1): version %d, want 13", saved.Version)
	}
	all[0] = with(at(1), orders.Fired, b)
	checkOrders(t, "Load after Insert(12): Open", saved.Open, append(pick(all, 1, 2, 6, 8), at(12)))
}

// hostile returns strings that a store must keep exactly as given: markup,
// SQL, quotes, JSON, text in many scripts, the longest texts an order may
// hold and control characters.
func hostile() []string {
	return []string{
		`<script>alert(1)</script>`,
		`'; DROP TABLE orders; --`,
		`Robert'); DELETE FROM orders WHERE ('1' = '1`,
		`"double" and 'single' and ` + "`back`" + ` quotes`,
		`back\slash \n \u0000 %s %d %% _ * ?`,
		`{"id": 1, "items": [null]}`,
		`null`,
		"Burger 🍔, fries 🍟, shake 🥤; cook 👩🏽‍🍳 flags 🇩🇪🇯🇵",
		"caf\u00e9 and cafe\u0301",
		"Gr\u00fc\u00dfe, \u0645\u0631\u062d\u0628\u0627, \u05e9\u05dc\u05d5\u05dd, \u4f60\u597d, \u3053\u3093\u306b\u3061\u306f",
		"zero\u200bwidth and \u202eright to left\u202c and \ufeffBOM",
		"  spaces  around  ",
		strings.Repeat("x", orders.MaxTextLength),
		strings.Repeat("\u00e9", orders.MaxTextLength/2),
		strings.Repeat("🍔", orders.MaxTextLength/4),
		"tab\tnewline\ncarriage return\r",
		"nul \x00 byte",
	}
}

func testStrings(t *testing.T, f *fixture) {
	ctx := t.Context()
	var want []orders.Order
	strs := hostile()
	for i, s := range strs {
		o := at(int64(i + 1))
		o.SourceID = s
		o.Destination = orders.Destination(s)
		o.Items = []orders.Item{
			{Quantity: 1, Name: s, Station: orders.Station(s), Modifiers: []string{s, "plain"}},
			{Quantity: 2, Name: "plain", Station: orders.Fry, Modifiers: []string{s}},
		}
		o.Notes = []string{s, s + s}
		o.Allergens = []string{s, "plain"}
		o.Items[1].Allergens = []string{"plain", s}
		f.insert([]orders.Order{o}, s)
		want = append(want, o)
	}
	// A store keeps keys and source IDs as given, also bytes that are not
	// UTF-8: checking them is NewOrder.Validate's job, not the store's.
	binary := at(int64(len(strs) + 1))
	binary.SourceID = "\xff\xfe source"
	f.insert([]orders.Order{binary}, "\xc3\x28 key")
	want = append(want, binary)

	for _, o := range want {
		checkOrder(t, "Get", f.get(o.ID), o)
	}
	checkOrders(t, "List", f.list(), want)
	for i, s := range strs {
		for _, by := range [][2]string{{s, ""}, {"", s}} {
			got, _, err := f.s.Find(ctx, by[0], by[1], time.Time{})
			if err != nil || got.ID != int64(i+1) {
				t.Errorf("Find(%q, %q) = %d, %v; want order %d", by[0], by[1], got.ID, err, i+1)
			}
		}
	}
	got, _, err := f.s.Find(ctx, "\xc3\x28 key", "", time.Time{})
	if err != nil || got.ID != binary.ID {
		t.Errorf("Find(key that is not UTF-8) = %d, %v; want order %d", got.ID, err, binary.ID)
	}
	got, _, err = f.s.Find(ctx, "", "\xff\xfe source", time.Time{})
	if err != nil || got.ID != binary.ID {
		t.Errorf("Find(source ID that is not UTF-8) = %d, %v; want order %d", got.ID, err, binary.ID)
	}
	// A string that only looks like a pattern matches only itself.
	for _, s := range []string{"%", "_", "*", "'", "x"} {
		if got, _, err := f.s.Find(ctx, s, s, time.Time{}); !errors.Is(err, orders.ErrNotFound) {
			t.Errorf("Find(%q, %q) = order %d, %v; want ErrNotFound", s, s, got.ID, err)
		}
	}
	if got, err := f.s.List(ctx, 100, orders.Status(`received' OR '1'='1`)); err != nil || len(got) != 0 {
		t.Errorf("List(hostile status) = %v, %v; want none", ids(got), err)
	}
}

func testMany(t *testing.T, f *fixture) {
	const n = 500
	statuses := []orders.Status{orders.Received, orders.Fired, orders.Bumped, orders.Cancelled}
	var want []orders.Order
	for id := int64(1); id <= n; id++ {
		o := sample(id, base().Add(time.Duration(id)*time.Second+time.Duration(id)))
		want = append(want, with(o, statuses[id%4], o.PlacedAt.Add(time.Duration(id)*time.Millisecond)))
	}
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("key-%d", i+1)
	}
	f.insert(want, keys...)
	checkOrders(t, "List", f.list(), want)
	got, err := f.s.List(t.Context(), 10, orders.Bumped)
	if err != nil {
		t.Fatalf("List(10, bumped): %v", err)
	}
	checkOrders(t, "List(10, bumped)", got, pick(want, 462, 466, 470, 474, 478, 482, 486, 490, 494, 498))
	saved, err := f.s.Load(t.Context(), time.Time{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(saved.Open) != n/2 || len(saved.Recent) != n/2 || saved.Version != n {
		t.Errorf("Load: %d open, %d recent, version %d; want %d, %d, %d", len(saved.Open), len(saved.Recent), saved.Version, n/2, n/2, n)
	}
	for _, id := range []int64{1, 250, 499} {
		o, _, err := f.s.Find(t.Context(), keys[id-1], "", time.Time{})
		if err != nil || o.ID != id {
			t.Errorf("Find(%s) = %d, %v; want order %d", keys[id-1], o.ID, err, id)
		}
	}
}

// testConcurrent has one goroutine place and change orders, as the board
// does, while others read. Every order read must be one the writer wrote,
// whole; the race detector checks the rest.
func testConcurrent(t *testing.T, f *fixture) {
	const n = 120
	ctx := t.Context()
	// The writer counts inserting up before an Insert and inserted after
	// it: a reader may see orders up to inserting, and must see those up
	// to inserted.
	var inserting, inserted atomic.Int64
	final := make(map[int64]orders.Order) // the writer's, until it is done
	done := make(chan struct{})
	// checkRead checks an order read: everything but status, fired time
	// and bump time is as inserted.
	checkRead := func(what string, o orders.Order) {
		want := at(o.ID)
		want.Status, want.FiredAt, want.BumpedAt = o.Status, o.FiredAt, o.BumpedAt
		if o.ID < 1 || o.ID > inserting.Load() {
			t.Errorf("%s: order %d, which was not inserted yet", what, o.ID)
		} else if d := diff(o, want); d != "" {
			t.Errorf("%s: order %d: %s", what, o.ID, d)
		}
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(done)
		write := func(o orders.Order) bool {
			final[o.ID] = o
			if _, err := f.update(o, updateChange(o)); err != nil {
				t.Errorf("Update(%d): %v", o.ID, err)
				return false
			}
			return true
		}
		for id := int64(1); id <= n; id++ {
			inserting.Store(id)
			if _, err := f.s.Insert(ctx, at(id), orders.Idempotency{Key: fmt.Sprintf("key-%d", id)}, noPrior, insertChange(at(id))); err != nil {
				t.Errorf("Insert(%d): %v", id, err)
				return
			}
			final[id] = at(id)
			inserted.Store(id)
			if id%2 == 0 && !write(with(final[id-1], orders.Fired, base().Add(time.Hour))) {
				return
			}
			if id%3 == 0 && !write(with(final[id], orders.Bumped, base().Add(time.Hour+time.Duration(id)))) {
				return
			}
		}
	})
	for r := range 4 {
		wg.Go(func() {
			// At least some reads, however fast the writer is.
			for i := 0; ; i++ {
				select {
				case <-done:
					if i >= 50 {
						return
					}
				default:
				}
				id := inserted.Load()
				switch (i + r) % 5 {
				case 0:
					if id == 0 {
						break
					}
					o, err := f.s.Get(ctx, id)
					if err != nil {
						t.Errorf("Get(%d): %v", id, err)
					} else {
						checkRead("Get", o)
					}
				case 1:
					os, err := f.s.List(ctx, 20)
					if err != nil {
						t.Errorf("List: %v", err)
					}
					if len(os) < int(min(id, 20)) {
						t.Errorf("List(20) = %d orders after %d were inserted", len(os), id)
					}
					for _, o := range os {
						checkRead("List", o)
					}
				case 2:
					if id == 0 {
						break
					}
					o, _, err := f.s.Find(ctx, fmt.Sprintf("key-%d", id), "", time.Time{})
					if err != nil {
						t.Errorf("Find(key-%d): %v", id, err)
					} else {
						checkRead("Find", o)
					}
				case 3:
					os, err := f.s.Bumped(ctx, time.Time{})
					if err != nil {
						t.Errorf("Bumped: %v", err)
					}
					for _, o := range os {
						checkRead("Bumped", o)
					}
				case 4:
					saved, err := f.s.Load(ctx, time.Time{})
					if err != nil {
						t.Errorf("Load: %v", err)
					}
					for _, o := range slices.Concat(saved.Open, saved.Recent) {
						checkRead("Load", o)
					}
					if saved.Version < uint64(id) {
						t.Errorf("Load: version %d after %d orders were inserted", saved.Version, id)
					}
				}
			}
		})
	}
	wg.Wait()
	want := make([]orders.Order, 0, n)
	for id := int64(1); id <= n; id++ {
		want = append(want, final[id])
	}
	checkOrders(t, "List after the writer finished", f.list(), want)
}

// testReopen checks that everything written is there after a restart.
func testReopen(t *testing.T, f *fixture) {
	ctx := t.Context()
	b := base()
	strs := hostile()
	all := []orders.Order{
		at(1),
		with(at(2), orders.Fired, b.Add(3*time.Minute+1)),
		with(with(at(3), orders.Fired, b.Add(4*time.Minute)), orders.Bumped, b.Add(9*time.Minute+2)),
		with(at(4), orders.Cancelled, b.Add(5*time.Minute+3)),
		at(5),
		at(6),
	}
	all[4].SourceID, all[4].Notes = strs[0], strs[7:12]
	all[5].Items[0].Modifiers = strs[1:4]
	keys := []string{"key-1", "", "key-3", strs[1], "key-5", ""}
	f.insert(all, keys...)
	// Changes, then a change back, as a recall makes.
	all[4] = with(all[4], orders.Bumped, b.Add(10*time.Minute))
	if _, err := f.update(all[4], updateChange(all[4])); err != nil {
		t.Fatalf("Update: %v", err)
	}
	all[4].Status, all[4].BumpedAt, all[4].Recalled = orders.Received, time.Time{}, true
	if _, err := f.update(all[4], updateChange(all[4])); err != nil {
		t.Fatalf("Update: %v", err)
	}
	before, err := f.s.Load(ctx, b)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}

	f.reopen()
	checkOrders(t, "List after reopening", f.list(), all)
	for _, o := range all {
		checkOrder(t, "Get after reopening", f.get(o.ID), o)
	}
	after, err := f.s.Load(ctx, b)
	if err != nil {
		t.Fatalf("Load after reopening: %v", err)
	}
	checkOrders(t, "Load after reopening: Open", after.Open, before.Open)
	checkOrders(t, "Load after reopening: Recent", after.Recent, before.Recent)
	if after.Version != before.Version {
		t.Errorf("Load after reopening: version %d, want %d", after.Version, before.Version)
	}
	for i, key := range keys {
		if key == "" {
			continue
		}
		got, _, err := f.s.Find(ctx, key, "", b)
		if err != nil || got.ID != all[i].ID {
			t.Errorf("Find(%q) after reopening = %d, %v; want order %d", key, got.ID, err, all[i].ID)
		}
	}
	got, _, err := f.s.Find(ctx, "", strs[0], b)
	if err != nil || got.ID != 5 {
		t.Errorf("Find(source %q) after reopening = %d, %v; want order 5", strs[0], got.ID, err)
	}
	_, err = f.s.Get(ctx, 7)
	wantNotFound(t, "Get(7) after reopening", err)

	// The reopened store takes writes, and keeps them over the next
	// restart too.
	all = append(all, at(7))
	f.insert(all[6:], "key-7")
	all[0] = with(all[0], orders.Cancelled, b.Add(20*time.Minute))
	if _, err := f.update(all[0], updateChange(all[0])); err != nil {
		t.Fatalf("Update after reopening: %v", err)
	}
	f.reopen()
	checkOrders(t, "List after reopening twice", f.list(), all)
	if got, _, err := f.s.Find(ctx, "key-7", "", b); err != nil || got.ID != 7 {
		t.Errorf("Find(key-7) after reopening twice = %d, %v; want order 7", got.ID, err)
	}
}

// insertChange returns the change the suite inserts o with: placed when o
// was.
func insertChange(o orders.Order) orders.Change {
	return orders.Change{At: o.PlacedAt, Actor: "suite", Action: orders.ActionPlaced}
}

// updateChange returns the change the suite updates o with: its status,
// at the latest of its times.
func updateChange(o orders.Order) orders.Change {
	at := o.PlacedAt
	for _, t := range []time.Time{o.FiredAt, o.BumpedAt, o.CancelledAt} {
		if t.After(at) {
			at = t
		}
	}
	return orders.Change{At: at, Actor: "suite", Action: string(o.Status)}
}
