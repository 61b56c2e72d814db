package handlers

import (
	"testing"
	"time"

	"github.com/ticketrail/ticketrail/orders"
)

// TestReceiptsBookkeeping checks what a socket keeps of what it sent and
// what its screen acked.
func TestReceiptsBookkeeping(t *testing.T) {
	t0 := time.Date(2026, time.December, 2, 12, 0, 0, 0, time.UTC)
	var r receipts
	ev := func(kind orders.EventKind, v uint64, id int64) orders.Event {
		return orders.Event{Kind: kind, Version: v, Now: t0, Order: orders.Order{ID: id, Number: 99 + int(id)}}
	}
	r.sentEvent(ev(orders.EventSnapshot, 4, 0), t0, true)
	r.sentEvent(ev(orders.EventTick, 4, 0), t0.Add(time.Second), true) // not owed
	r.sentEvent(ev(orders.EventPlaced, 5, 1), t0.Add(2*time.Second), true)
	r.sentEvent(ev(orders.EventFired, 6, 1), t0.Add(3*time.Second), true)
	st := r.state()
	if st.sent != 6 || !st.owing || st.oldest.version != 4 || st.oldest.order != 0 {
		t.Fatalf("after three messages: %+v", st)
	}
	if lag := st.lagAt(t0.Add(10 * time.Second)); lag != 10*time.Second {
		t.Errorf("lag %v, want 10s from the snapshot's sending", lag)
	}
	for _, v := range []uint64{7, 3} { // never sent; before the first
		if _, ok := r.acked(v, t0.Add(4*time.Second)); ok {
			t.Errorf("ack of %d taken", v)
		}
	}
	lag, ok := r.acked(5, t0.Add(4*time.Second))
	if !ok || lag != 2*time.Second {
		t.Fatalf("ack of 5: %v %v; want 2s after its sending", lag, ok)
	}
	if st := r.state(); st.applied != 5 || st.oldest.version != 6 || st.oldest.number != 100 {
		t.Errorf("after the ack of 5: %+v", st)
	}
	if _, ok := r.acked(4, t0.Add(5*time.Second)); ok {
		t.Error("a stale ack, older than what was applied, taken")
	}
	if _, ok := r.acked(6, t0.Add(5*time.Second)); !ok || r.state().owing {
		t.Errorf("after the ack of 6: %+v", r.state())
	}

	// A screen that stops acking: the oldest entries stay, the last
	// stands for the newest.
	for v := uint64(7); v < 7+2*maxOwed; v++ {
		r.sentEvent(ev(orders.EventPlaced, v, int64(v)), t0.Add(time.Duration(v)*time.Second), true)
	}
	if len(r.owed) != maxOwed || r.owed[0].version != 7 || r.owed[maxOwed-1].version != 6+2*maxOwed {
		t.Errorf("owed %d entries, from %d to %d", len(r.owed), r.owed[0].version, r.owed[len(r.owed)-1].version)
	}
	if _, ok := r.acked(6+2*maxOwed, t0); !ok || r.state().owing {
		t.Error("the ack of the newest does not clear them all")
	}

	// A socket not held to its receipts keeps nothing it owes.
	var free receipts
	free.sentEvent(ev(orders.EventPlaced, 1, 1), t0, false)
	if st := free.state(); st.owing || st.sent != 1 {
		t.Errorf("a socket not held: %+v", st)
	}
}

// TestDecodeAck checks that an ack is read as hx-ws sends it, values
// first, and that nothing else is taken for one.
func TestDecodeAck(t *testing.T) {
	for msg, want := range map[string]uint64{
		`{"action":"ack","version":12,"headers":{"HX-Request":"true","HX-Current-URL":"http://x/"}}`: 12,
		`{"action":"ack","version":0}`: 0,
	} {
		if v, ok := decodeAck([]byte(msg)); !ok || v != want {
			t.Errorf("%s: %d %v", msg, v, ok)
		}
	}
	for _, msg := range []string{
		`{"action":"bump","id":7}`, `{"version":3,"action":"ack"}`, `{"action":"ack","version":"3"}`,
		`{"action":"ack","version":-1}`, `{"action":"ack",`, `{"action":"acknowledge","version":1}`,
	} {
		if _, ok := decodeAck([]byte(msg)); ok {
			t.Errorf("%s taken for an ack", msg)
		}
	}
}
