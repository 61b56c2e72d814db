package handlers

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/ticketrail/ticketrail/orders"
)

// placeGrill places an order with a burger on in's board.
func placeGrill(t *testing.T, in *fleetInstance, name string) orders.Order {
	t.Helper()
	o, _, err := in.board.Place(t.Context(), orders.NewOrder{Destination: orders.Takeout, Items: []orders.Item{{Name: name, Quantity: 1, Station: orders.Grill}}})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// setAcks turns a test socket's acking on or off.
func (fs *fleetSocket) setAcks(on bool) {
	fs.mu.Lock()
	fs.acks = on
	fs.mu.Unlock()
}

// socketOf returns in's socket of the station, held to its receipts.
func socketOf(t *testing.T, in *fleetInstance, st orders.Station) *screenSocket {
	t.Helper()
	for _, s := range in.h.sockets.all() {
		if s.info.kind.station == st {
			return s
		}
	}
	t.Fatalf("no socket of %q", st)
	return nil
}

// waitApplied waits until socket s has acked version v and owes nothing.
func waitApplied(t *testing.T, s *screenSocket, v uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for st := s.rec.state(); st.applied < v || st.owing; st = s.rec.state() {
		if time.Now().After(deadline) {
			t.Fatalf("socket %d: %+v, want version %d applied", s.info.id, st, v)
		}
		time.Sleep(5 * time.Millisecond) // polling the server's state, not timing it
	}
}

// TestAcksTouchNothing checks that acks move the socket's receipts and
// nothing else: not the store's log, not the rail's version, no event.
func TestAcksTouchNothing(t *testing.T) {
	store := orders.NewMemoryStore()
	clk := &fleetClock{now: time.Date(2026, time.December, 2, 12, 0, 0, 0, time.UTC)}
	in := newFleetInstance(t, store, clk, "a")
	placeGrill(t, in, "Hamburger")
	sub := in.board.Subscribe()
	defer sub.Close()
	if e, err := sub.Next(t.Context()); err != nil || e.Kind != orders.EventSnapshot {
		t.Fatalf("first event %v %v", e.Kind, err)
	}
	view := dialFleet(t, in.srv.URL, "?controls=none&acks=1", true)
	view.await(t, `data-version="1"`)
	waitAcked(t, in, 1)
	st := socketOf(t, in, "").rec.state()
	if st.sent != 1 || st.applied != 1 || st.owing || st.appliedAt.IsZero() {
		t.Errorf("after the view-only screen's ack: %+v", st)
	}
	// Acks of every kind, sent straight: old, future, garbage.
	ctx := t.Context()
	for _, msg := range []string{
		`{"action":"ack","version":1,"headers":{}}`, `{"action":"ack","version":0}`, `{"action":"ack","version":99}`,
		`{"action":"ack","version":"x"}`, `{"action":"ack"}`,
	} {
		for range 20 {
			if err := view.c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A bump after them, from the API's side, proves the socket read
	// them all: its message comes after.
	if _, err := in.board.Fire(ctx, 1); err != nil {
		t.Fatal(err)
	}
	view.await(t, `data-version="2"`)
	waitAcked(t, in, 2)
	if v := in.board.Version(); v != 2 {
		t.Errorf("version %d after the acks and one fire, want 2", v)
	}
	entries, err := store.Log(ctx, 0, 100)
	if err != nil || len(entries) != 2 {
		t.Errorf("the log holds %d entries (%v), want the order and the fire", len(entries), err)
	}
	e, ok, err := sub.TryNext()
	if err != nil || !ok || e.Kind != orders.EventFired {
		t.Fatalf("event %v %v %v, want the fire", e.Kind, ok, err)
	}
	if e, ok, _ := sub.TryNext(); ok {
		t.Errorf("an event after the fire: %v", e.Kind)
	}
	if st := socketOf(t, in, "").rec.state(); st.applied != 2 || st.sent != 2 || st.owing {
		t.Errorf("receipts after the garbage: %+v", st)
	}
}

// TestUnseenScreen freezes a grill screen: after UnseenAfter the expo
// names it and the ticket, and it is sent the rail again; once it acks
// that, the alarm clears. Frozen again, it is closed with 1013 after
// another UnseenAfter. All on the board's clock: nothing waits for time.
func TestUnseenScreen(t *testing.T) {
	clk := &fleetClock{now: time.Date(2026, time.December, 2, 12, 0, 0, 0, time.UTC)}
	in := newFleetInstance(t, orders.NewMemoryStore(), clk, "a")
	placeGrill(t, in, "Hamburger")
	expo := dialFleet(t, in.srv.URL, "?acks=1", true)
	grill := dialFleet(t, in.srv.URL, "?station=grill&acks=1", true)
	expo.await(t, `data-version="1"`)
	grill.await(t, `data-version="1"`)
	for _, s := range in.h.sockets.all() {
		waitApplied(t, s, 1)
	}

	grill.setAcks(false)
	o := placeGrill(t, in, "Cheeseburger")
	grill.await(t, `id="ticket-2"`)
	expo.await(t, `id="ticket-2"`)
	in.h.watch.check(clk.advance(9 * time.Second))
	if alarms, _, _ := in.h.watch.current(); len(alarms) != 0 {
		t.Fatalf("alarms before UnseenAfter: %+v", alarms)
	}
	in.h.watch.check(clk.advance(2 * time.Second))
	panel := expo.await(t, `data-testid="unseen-alarm"`)
	if !strings.Contains(panel, `data-station="grill"`) || !strings.Contains(panel, `data-ticket="`+strconv.Itoa(o.Number)+`"`) ||
		!strings.Contains(panel, `data-screen="127.0.0.1 · Go-http-client"`) {
		t.Errorf("the expo's alarm: %s", panel)
	}
	snap := grill.await(t, `hx-target="#rail" hx-swap="innerHTML"`)
	if !strings.Contains(snap, `id="ticket-2"`) || !strings.Contains(snap, `data-version="2"`) {
		t.Errorf("the grill's fresh snapshot: %.300s", snap)
	}

	// It acks the snapshot: the alarm clears.
	ctx := t.Context()
	if err := grill.c.Write(ctx, websocket.MessageText, []byte(`{"action":"ack","version":2}`)); err != nil {
		t.Fatal(err)
	}
	g := socketOf(t, in, orders.Grill)
	waitApplied(t, g, 2)
	in.h.watch.check(clk.advance(time.Second))
	cleared := expo.await(t, `id="unseen"`)
	if strings.Contains(cleared, "unseen-alarm") || !strings.Contains(cleared, "hidden") {
		t.Errorf("the alarm did not clear: %s", cleared)
	}
	if st := g.rec.state(); !st.resyncAt.IsZero() {
		t.Errorf("caught up, but still marked as resynced: %+v", st)
	}

	// Frozen for good: a snapshot, then, UnseenAfter later, 1013.
	placeGrill(t, in, "Double Burger")
	grill.await(t, `id="ticket-3"`)
	in.h.watch.check(clk.advance(11 * time.Second))
	grill.await(t, `hx-target="#rail" hx-swap="innerHTML"`)
	in.h.watch.check(clk.advance(5 * time.Second))
	if g.closing.Load() != nil {
		t.Fatal("closed before UnseenAfter had passed since the snapshot")
	}
	in.h.watch.check(clk.advance(6 * time.Second))
	for range grill.msgs {
		// the rest, up to the close
	}
	if code := websocket.CloseStatus(grill.err); code != StatusNotShowing {
		t.Errorf("the frozen grill's socket ended with %v (%d), want 1013", grill.err, code)
	}
	if r := g.closing.Load(); r == nil || *r != reasonUnseen {
		t.Errorf("close reason %v", r)
	}
}

// TestNoStationScreen checks that a station with open tickets and no
// screen raises its alarm after UnseenAfter, that the alarm clears once a
// screen of the station connects, and that a socket not held to its
// receipts is never in alarm.
func TestNoStationScreen(t *testing.T) {
	clk := &fleetClock{now: time.Date(2026, time.December, 2, 12, 0, 0, 0, time.UTC)}
	in := newFleetInstance(t, orders.NewMemoryStore(), clk, "a")
	placeGrill(t, in, "Hamburger")
	expo := dialFleet(t, in.srv.URL, "?acks=1", true)
	mute := dialFleet(t, in.srv.URL, "?station=fry", false) // not held: it never acks
	expo.await(t, `data-version="1"`)
	mute.await(t, `data-version="1"`)
	waitAcked(t, in, 1)
	in.h.watch.check(clk.Now())
	in.h.watch.check(clk.advance(11 * time.Second))
	panel := expo.await(t, `data-no-screen`)
	if !strings.Contains(panel, `data-station="grill"`) || !strings.Contains(panel, "No GRILL screen") || !strings.Contains(panel, "1 open ticket") {
		t.Errorf("the expo's alarm: %s", panel)
	}
	if strings.Count(panel, `data-testid="unseen-alarm"`) != 1 {
		t.Errorf("more than the grill's alarm (the fry socket does not ack, and is not held to it): %s", panel)
	}
	grill := dialFleet(t, in.srv.URL, "?station=grill&controls=none&acks=1", true)
	grill.await(t, `id="ticket-1"`)
	in.h.watch.check(clk.advance(time.Second))
	if cleared := expo.await(t, `id="unseen"`); strings.Contains(cleared, "unseen-alarm") {
		t.Errorf("the alarm stays with a view-only grill screen connected: %s", cleared)
	}
}
