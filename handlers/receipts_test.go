package handlers

import (
	"context"
	"html"
	"strings"
	"testing"
	"time"

	"github.com/ticketrail/ticketrail/orders"
	"github.com/ticketrail/ticketrail/views"
)

// receiptT0 is when the receipts tests begin, on the board's clock.
var receiptT0 = time.Date(2026, time.December, 2, 18, 30, 0, 0, time.UTC)

// at is receiptT0 and s seconds.
func at(s int) time.Time { return receiptT0.Add(time.Duration(s) * time.Second) }

// receiptEvent is an event of kind at version v about order id (ticket
// 100+id).
func receiptEvent(kind orders.EventKind, v uint64, id int64) orders.Event {
	return orders.Event{Kind: kind, Version: v, Now: receiptT0, Order: orders.Order{ID: id, Number: 100 + int(id)}}
}

// TestReceiptAckClearsUpToIt checks that an ack of version N clears every
// message owed up to N, whichever messages those were, and that its lag
// is measured from the send of N itself.
func TestReceiptAckClearsUpToIt(t *testing.T) {
	var r receipts
	r.sentEvent(receiptEvent(orders.EventSnapshot, 3, 0), at(0), true)
	r.sentEvent(receiptEvent(orders.EventPlaced, 4, 1), at(1), true)
	r.sentEvent(receiptEvent(orders.EventFired, 5, 1), at(2), true)
	r.sentEvent(receiptEvent(orders.EventPlaced, 6, 2), at(4), true)

	st := r.state()
	if !st.owing || st.oldest.version != 3 || st.oldest.order != 0 || st.oldest.number != 0 || !st.oldest.sentAt.Equal(at(0)) {
		t.Fatalf("the oldest owed is %+v, want the snapshot (version 3, no ticket, sent at 0 s)", st.oldest)
	}
	if st.sent != 6 || !st.sentAt.Equal(at(4)) || st.applied != 0 {
		t.Errorf("sent %d at %v, applied %d; want 6 at 4 s, nothing applied", st.sent, st.sentAt, st.applied)
	}

	// 5 skips 3 and 4: an ack says what the screen shows, and it shows
	// all that came before.
	lag, ok := r.acked(5, at(7))
	if !ok || lag != 5*time.Second {
		t.Fatalf("ack of 5 at 7 s: lag %v, %v; want 5s, from the send of 5 at 2 s", lag, ok)
	}
	st = r.state()
	if st.applied != 5 || !st.appliedAt.Equal(at(7)) || st.lag != 5*time.Second {
		t.Errorf("after the ack of 5: applied %d at %v, lag %v", st.applied, st.appliedAt, st.lag)
	}
	if !st.owing || st.oldest.version != 6 || st.oldest.order != 2 || st.oldest.number != 102 {
		t.Errorf("after the ack of 5 the oldest owed is %+v, want version 6, order 2, ticket 102", st.oldest)
	}
	if got := st.lagAt(at(10)); got != 6*time.Second {
		t.Errorf("owed for %v at 10 s, want 6s (since the send of 6 at 4 s)", got)
	}

	lag, ok = r.acked(6, at(4))
	if !ok || lag != 0 {
		t.Errorf("ack of 6 at once: lag %v, %v", lag, ok)
	}
	if st := r.state(); st.owing || st.applied != 6 || st.lagAt(at(100)) != 0 {
		t.Errorf("all acked, yet %+v", st)
	}
}

// TestReceiptAcksIgnored checks the acks that change nothing: of a
// version never sent, older than what the screen applied, again of what
// it applied, before anything was sent, and the ack a page queued while
// its socket was down and sends on the next.
func TestReceiptAcksIgnored(t *testing.T) {
	var fresh receipts
	for _, v := range []uint64{0, 1} {
		if _, ok := fresh.acked(v, at(0)); ok {
			t.Errorf("ack of %d taken before anything was sent", v)
		}
	}

	var r receipts
	r.sentEvent(receiptEvent(orders.EventSnapshot, 10, 0), at(0), true)
	r.sentEvent(receiptEvent(orders.EventPlaced, 11, 1), at(1), true)
	r.sentEvent(receiptEvent(orders.EventPlaced, 12, 2), at(2), true)
	before := r.state()
	for _, v := range []uint64{13, 99, 9} {
		if _, ok := r.acked(v, at(3)); ok {
			t.Errorf("ack of %d taken: only 10 to 12 were sent", v)
		}
	}
	if st := r.state(); st != before {
		t.Errorf("ignored acks changed the receipts: %+v, was %+v", st, before)
	}
	if _, ok := r.acked(11, at(3)); !ok {
		t.Fatal("ack of 11 refused")
	}
	before = r.state()
	for _, v := range []uint64{10, 11} { // older than applied; applied again
		if _, ok := r.acked(v, at(4)); ok {
			t.Errorf("ack of %d taken after the ack of 11", v)
		}
	}
	if st := r.state(); st != before {
		t.Errorf("stale acks changed the receipts: %+v, was %+v", st, before)
	}

	// The page reconnects: its new socket sends the rail at 14, and the
	// ack of 12 that the page queued while it was away comes first.
	var next receipts
	next.sentEvent(receiptEvent(orders.EventSnapshot, 14, 0), at(20), true)
	if _, ok := next.acked(12, at(21)); ok {
		t.Error("the queued ack from the last socket was taken")
	}
	if st := next.state(); !st.owing || st.applied != 0 || !st.appliedAt.IsZero() {
		t.Errorf("after the queued ack: %+v", st)
	}
	if lag, ok := next.acked(14, at(21)); !ok || lag != time.Second {
		t.Errorf("ack of the new snapshot: %v %v", lag, ok)
	}
}

// TestReceiptTicksNotOwed checks that ticks, which carry no receipt, are
// neither owed nor counted as sent.
func TestReceiptTicksNotOwed(t *testing.T) {
	var r receipts
	r.sentEvent(receiptEvent(orders.EventSnapshot, 2, 0), at(0), true)
	if _, ok := r.acked(2, at(0)); !ok {
		t.Fatal("ack of the snapshot refused")
	}
	for i := range 120 {
		r.sentEvent(receiptEvent(orders.EventTick, 2, 0), at(1+i), true)
	}
	st := r.state()
	if st.owing || st.sent != 2 || !st.sentAt.Equal(at(0)) {
		t.Errorf("after two minutes of ticks: %+v, want nothing owed and the snapshot the last sent", st)
	}
	if lag := st.lagAt(at(600)); lag != 0 {
		t.Errorf("ticks make a lag of %v", lag)
	}
}

// TestReceiptOwedBounded checks that a screen that stops acking costs at
// most maxOwed entries, that the oldest stay (they are what the alarm
// names), that the last stands for the newest message, and that acks
// then still work.
func TestReceiptOwedBounded(t *testing.T) {
	var r receipts
	const n = 10 * maxOwed
	for v := uint64(1); v <= n; v++ {
		r.sentEvent(receiptEvent(orders.EventPlaced, v, int64(v)), at(int(v)), true)
	}
	if len(r.owed) != maxOwed || cap(r.owed) > 2*maxOwed {
		t.Fatalf("%d messages unacked keep %d entries (capacity %d), want %d", n, len(r.owed), cap(r.owed), maxOwed)
	}
	st := r.state()
	if st.oldest.version != 1 || st.oldest.number != 101 || !st.oldest.sentAt.Equal(at(1)) {
		t.Errorf("the oldest owed is %+v, want the first message", st.oldest)
	}
	if st.sent != n {
		t.Errorf("sent %d, want %d", st.sent, n)
	}
	last := r.owed[maxOwed-1]
	if last.version != n || !last.sentAt.Equal(at(n)) {
		t.Errorf("the last entry is version %d sent at %v, want the newest (%d)", last.version, last.sentAt, n)
	}
	if lag := st.lagAt(at(n)); lag != time.Duration(n-1)*time.Second {
		t.Errorf("lag %v, want since the first message", lag)
	}

	// An ack of a message kept clears up to it; the alarm moves on to
	// the next.
	if lag, ok := r.acked(20, at(n+1)); !ok || lag != time.Duration(n+1-20)*time.Second {
		t.Errorf("ack of 20: %v %v", lag, ok)
	}
	if st := r.state(); st.oldest.version != 21 {
		t.Errorf("after the ack of 20 the oldest owed is %d", st.oldest.version)
	}
	// The ack of the newest clears it all, and it is timed from the
	// newest's send.
	if lag, ok := r.acked(n, at(n+2)); !ok || lag != 2*time.Second {
		t.Errorf("ack of the newest: %v %v", lag, ok)
	}
	if st := r.state(); st.owing || st.applied != n {
		t.Errorf("after the ack of the newest: %+v", st)
	}
	// It keeps working: the next message is owed again.
	r.sentEvent(receiptEvent(orders.EventBumped, n+1, 1), at(n+3), true)
	if st := r.state(); !st.owing || st.oldest.version != n+1 || len(r.owed) != 1 {
		t.Errorf("after one more message: %+v, %d entries", st, len(r.owed))
	}
}

// TestReceiptNotHeld checks that a socket not held to its receipts (no
// acks=1) keeps what it sent and owes nothing, however much it is sent.
func TestReceiptNotHeld(t *testing.T) {
	var r receipts
	for v := uint64(1); v <= 3*maxOwed; v++ {
		r.sentEvent(receiptEvent(orders.EventPlaced, v, 1), at(int(v)), false)
	}
	st := r.state()
	if st.owing || len(r.owed) != 0 || st.sent != 3*maxOwed {
		t.Errorf("a socket not held: %+v, %d entries", st, len(r.owed))
	}
	if lag := st.lagAt(at(10_000)); lag != 0 {
		t.Errorf("a socket not held lags %v", lag)
	}
}

// TestReceiptLagAtAndResync checks lagAt's edges and the resync mark.
func TestReceiptLagAtAndResync(t *testing.T) {
	var r receipts
	r.sentEvent(receiptEvent(orders.EventPlaced, 1, 1), at(10), true)
	if lag := r.state().lagAt(at(5)); lag != 0 {
		t.Errorf("lag %v at a time before the send, want 0", lag)
	}
	r.markResync(at(20))
	if st := r.state(); !st.resyncAt.Equal(at(20)) {
		t.Errorf("resync at %v, want 20 s", st.resyncAt)
	}
	r.markResync(time.Time{})
	if st := r.state(); !st.resyncAt.IsZero() {
		t.Errorf("resync at %v after it caught up", st.resyncAt)
	}
}

// TestDecodeAckAsHXWSSends checks decodeAck on what htmx's ws extension
// sends for a receipt: JSON.stringify of the receipt's hx-vals, in their
// order, then the request's headers; and that nothing else is taken for an
// ack.
func TestDecodeAckAsHXWSSends(t *testing.T) {
	headers := `"headers":{"HX-Request":"true","HX-Current-URL":"http://10.0.0.5:8080/?station=grill","HX-Trigger":"receipt","HX-Target":"receipt"}`
	for v, want := range map[string]uint64{
		`0`:                    0,
		`7`:                    7,
		`4096`:                 4096,
		`18446744073709551615`: 1<<64 - 1,
	} {
		for _, msg := range []string{
			`{"action":"ack","version":` + v + `,` + headers + `}`,
			`{"action":"ack","version":` + v + `,"headers":{}}`,
			`{"action":"ack","version":` + v + `}`,
		} {
			got, ok := decodeAck([]byte(msg))
			if !ok || got != want {
				t.Errorf("%s: %d %v, want %d", msg, got, ok, want)
			}
		}
	}
	for _, msg := range []string{
		``,
		`{}`,
		`{"action":"ack"}`,
		`{"action":"ack","version":}`,
		`{"action":"ack","version":12`,
		`{"action":"ack","version":"12",` + headers + `}`,
		`{"action":"ack","version":-3}`,
		`{"action":"ack","version":1.5}`,
		`{"action":"ack","version":1e3}`,
		`{"action":"ack","version":007}`,
		`{"action":"ack","version":18446744073709551616}`,
		`{"action":"ack","version":123456789012345678901}`,
		`{"action":"ack","version": 12}`,
		`{"action":"ACK","version":12}`,
		`{"action":"acks","version":12}`,
		`{"action":"bump","version":12,"id":3}`,
		`{"action":"bump","id":12,` + headers + `}`,
		`{"version":12,"action":"ack"}`,
		`{"id":3,"action":"ack","version":12}`,
		`[{"action":"ack","version":12}]`,
	} {
		if v, ok := decodeAck([]byte(msg)); ok {
			t.Errorf("%q taken for an ack of %d", msg, v)
		}
	}
	// What a receipt rendered by views sends is read back: its hx-vals,
	// then the headers, as the extension builds the message.
	for _, v := range []uint64{0, 1, 99, 1 << 40} {
		var b strings.Builder
		e := orders.Event{Kind: orders.EventSnapshot, Version: v, Now: receiptT0}
		if err := views.Message(views.Screen{Store: "Test"}, e).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		_, rec, _ := strings.Cut(out, `<div id="receipt"`)
		i := strings.Index(rec, `hx-vals="`)
		if i < 0 {
			t.Fatalf("no hx-vals in the snapshot of version %d", v)
		}
		vals := rec[i+len(`hx-vals="`):]
		vals = html.UnescapeString(vals[:strings.IndexByte(vals, '"')])
		msg := strings.TrimSuffix(vals, "}") + "," + headers + "}"
		if got, ok := decodeAck([]byte(msg)); !ok || got != v {
			t.Errorf("the ack of the receipt of %d, %s, read as %d %v", v, msg, got, ok)
		}
	}
}
