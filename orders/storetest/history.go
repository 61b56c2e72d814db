package storetest

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ticketrail/ticketrail/orders"
)

// checkHistory fails the test unless got are the changes want, in order,
// each at the same instant.
func checkHistory(t *testing.T, what string, got, want []orders.Change) {
	t.Helper()
	same := len(got) == len(want)
	for i := 0; same && i < len(got); i++ {
		same = got[i].At.Equal(want[i].At) && got[i].Actor == want[i].Actor && got[i].Action == want[i].Action
	}
	if !same {
		t.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
}

// history returns the history of the order with the given ID and fails
// the test if that fails.
func (f *fixture) history(id int64) []orders.Change {
	f.t.Helper()
	h, err := f.s.History(f.t.Context(), id)
	if err != nil {
		f.t.Fatalf("History(%d): %v", id, err)
	}
	return h
}

// testHistory checks that Insert and Update record their changes, oldest
// first, and that a write that fails records none.
func testHistory(t *testing.T, f *fixture) {
	ctx := t.Context()
	_, err := f.s.History(ctx, 1)
	wantNotFound(t, "History(1) on an empty store", err)

	b := base()
	strs := hostile()
	one, two := at(1), at(2)
	placedOne := orders.Change{At: one.PlacedAt, Actor: "grill left", Action: orders.ActionPlaced}
	placedTwo := orders.Change{At: two.PlacedAt, Actor: strs[1], Action: orders.ActionPlaced}
	if _, err := f.s.Insert(ctx, one, orders.Idempotency{}, noPrior, placedOne); err != nil {
		t.Fatalf("Insert(1): %v", err)
	}
	if _, err := f.s.Insert(ctx, two, orders.Idempotency{}, noPrior, placedTwo); err != nil {
		t.Fatalf("Insert(2): %v", err)
	}
	want := []orders.Change{placedOne}
	// Changes, some at the same instant and one earlier than the one
	// before (a clock set back): the history keeps the order written.
	for i, c := range []orders.Change{
		{At: b.Add(time.Minute + 1), Actor: "expo", Action: orders.ActionFired},
		{At: b.Add(2 * time.Minute), Actor: "grill left", Action: orders.ItemAction(1, true)},
		{At: b.Add(2 * time.Minute), Actor: "grill left", Action: orders.ItemAction(1, false)},
		{At: b.Add(90 * time.Second), Actor: "api", Action: orders.StationDoneAction(orders.Grill)},
		{At: b.Add(3 * time.Minute), Actor: strs[7], Action: orders.ActionBumped},
		{At: b.Add(4 * time.Minute), Actor: orders.UnknownActor, Action: orders.ActionRecalled},
		{At: b.Add(5 * time.Minute), Actor: strings.Repeat("x", 40), Action: orders.ActionCancelled},
	} {
		o := with(one, orders.Fired, b.Add(time.Duration(i)*time.Second))
		if _, err := f.update(o, c); err != nil {
			t.Fatalf("Update(1, %v): %v", c, err)
		}
		want = append(want, c)
	}
	checkHistory(t, "History(1)", f.history(1), want)
	checkHistory(t, "History(2)", f.history(2), []orders.Change{placedTwo})

	// Writes that fail or change nothing record nothing.
	refused := errors.New("refused")
	_, err = f.s.Update(ctx, 2, func(*orders.Order) (orders.Entry, error) { return orders.Entry{}, refused })
	if !errors.Is(err, refused) {
		t.Errorf("Update(2) with an edit that refuses: error %v, want the edit's", err)
	}
	_, err = f.s.Update(ctx, 2, func(*orders.Order) (orders.Entry, error) { return orders.Entry{}, nil })
	if err != nil {
		t.Errorf("Update(2) with an edit that changes nothing: %v", err)
	}
	checkHistory(t, "History(2) after Updates that wrote nothing", f.history(2), []orders.Change{placedTwo})
	_, err = f.update(at(9), orders.Change{At: b, Actor: "x", Action: orders.ActionFired})
	wantNotFound(t, "Update(9)", err)
	_, err = f.s.History(ctx, 9)
	wantNotFound(t, "History(9) after Update(9)", err)
	for _, id := range []int64{0, -1, 3, 1 << 40} {
		_, err := f.s.History(ctx, id)
		wantNotFound(t, fmt.Sprintf("History(%d)", id), err)
	}

	if f.h.Reopen == nil {
		return
	}
	f.reopen()
	checkHistory(t, "History(1) after reopening", f.history(1), want)
	checkHistory(t, "History(2) after reopening", f.history(2), []orders.Change{placedTwo})
}

// testFingerprint checks that Find returns what an order was inserted
// with to recognise retries.
func testFingerprint(t *testing.T, f *fixture) {
	ctx := t.Context()
	sum := func(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }
	for _, tc := range []struct {
		id   int64
		idem orders.Idempotency
	}{
		{1, orders.Idempotency{Key: "k-1", Fingerprint: sum("one")}},
		{2, orders.Idempotency{Key: "k-2"}}, // an order stored without a fingerprint
		{3, orders.Idempotency{Fingerprint: sum("three")}},
		{4, orders.Idempotency{Key: "k-4", Fingerprint: []byte{0, 0xff, 0}}},
	} {
		o := at(tc.id)
		if _, err := f.s.Insert(ctx, o, tc.idem, noPrior, insertChange(o)); err != nil {
			t.Fatalf("Insert(%d): %v", tc.id, err)
		}
	}
	check := func(when string) {
		t.Helper()
		for _, tc := range []struct {
			key, source string
			id          int64
			idem        orders.Idempotency
		}{
			{"k-1", "", 1, orders.Idempotency{Key: "k-1", Fingerprint: sum("one")}},
			{"", "pos-1", 1, orders.Idempotency{Key: "k-1", Fingerprint: sum("one")}},
			{"k-2", "", 2, orders.Idempotency{Key: "k-2"}},
			{"", "pos-3", 3, orders.Idempotency{Fingerprint: sum("three")}},
			{"nope", "pos-3", 3, orders.Idempotency{Fingerprint: sum("three")}},
			{"k-4", "", 4, orders.Idempotency{Key: "k-4", Fingerprint: []byte{0, 0xff, 0}}},
		} {
			o, idem, err := f.s.Find(ctx, tc.key, tc.source, time.Time{})
			if err != nil || o.ID != tc.id || idem.Key != tc.idem.Key || !bytes.Equal(idem.Fingerprint, tc.idem.Fingerprint) ||
				(idem.Fingerprint == nil) != (tc.idem.Fingerprint == nil) {
				t.Errorf("Find(%q, %q)%s = order %d, %+v, %v; want order %d, %+v", tc.key, tc.source, when, o.ID, idem, err, tc.id, tc.idem)
			}
		}
	}
	check("")
	// What Find returns is the caller's.
	_, idem, _ := f.s.Find(ctx, "k-1", "", time.Time{})
	idem.Fingerprint[0]++
	check(" after changing what Find returned")
	if f.h.Reopen != nil {
		f.reopen()
		check(" after reopening")
	}
}

// testReady checks that a store that can write says so.
func testReady(t *testing.T, f *fixture) {
	if err := f.s.Ready(t.Context()); err != nil {
		t.Errorf("Ready on a new store: %v", err)
	}
	f.insert([]orders.Order{at(1)})
	if err := f.s.Ready(t.Context()); err != nil {
		t.Errorf("Ready after an Insert: %v", err)
	}
	checkOrder(t, "Get after Ready", f.get(1), at(1))
	checkHistory(t, "History after Ready", f.history(1), []orders.Change{insertChange(at(1))})
}
