package handlers

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/ticketrail/ticketrail/orders"
)

// fleetClock is a board clock that the test moves.
type fleetClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fleetClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fleetClock) advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// fleetInstance is one instance of the server on a shared store.
type fleetInstance struct {
	board *orders.Board
	h     *Handler
	srv   *httptest.Server
}

func newFleetInstance(t *testing.T, store orders.Store, clk *fleetClock, name string) *fleetInstance {
	t.Helper()
	board, err := orders.OpenBoard(t.Context(), store, orders.BoardConfig{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	h := New(Options{Board: board, Instance: name, UnseenAfter: 10 * time.Second})
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		h.Close(ctx)
		srv.Close()
	})
	return &fleetInstance{board: board, h: h, srv: srv}
}

// fleetSocket is a screen's socket that reads every message on a
// goroutine of its own, and acks what it is sent while acking is on.
type fleetSocket struct {
	c    *websocket.Conn
	msgs chan string // closed when the socket ends, after err is set
	err  error       // why it ended
	mu   sync.Mutex
	acks bool
}

func dialFleet(t *testing.T, base, query string, acks bool) *fleetSocket {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/ws"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadLimit(-1)
	fs := &fleetSocket{c: c, msgs: make(chan string, 256), acks: acks}
	t.Cleanup(func() { c.CloseNow() })
	go func() {
		defer close(fs.msgs)
		for {
			_, data, err := c.Read(context.Background())
			if err != nil {
				fs.err = err
				return
			}
			msg := string(data)
			fs.mu.Lock()
			acking := fs.acks
			fs.mu.Unlock()
			if i := strings.LastIndex(msg, `data-version="`); acking && i >= 0 {
				v := msg[i+len(`data-version="`):]
				v = v[:strings.IndexByte(v, '"')]
				c.Write(context.Background(), websocket.MessageText, []byte(`{"action":"ack","version":`+v+`,"headers":{"HX-Request":"true"}}`))
			}
			fs.msgs <- msg
		}
	}()
	return fs
}

// await returns the first message that holds all of want, failing the test
// if none comes within 10 s or the socket closes.
func (fs *fleetSocket) await(t *testing.T, want ...string) string {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m, ok := <-fs.msgs:
			if !ok {
				t.Fatalf("socket closed while waiting for %q", want)
			}
			all := true
			for _, w := range want {
				all = all && strings.Contains(m, w)
			}
			if all {
				return m
			}
		case <-timeout:
			t.Fatalf("no message with %q within 10 s", want)
		}
	}
}

// waitAcked waits until the socket of in with acks has applied version v.
func waitAcked(t *testing.T, in *fleetInstance, v uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, s := range in.h.sockets.all() {
			if s.info.acks && s.rec.state().applied >= v {
				return
			}
		}
		time.Sleep(5 * time.Millisecond) // polling the server's state, not timing it
	}
	t.Fatalf("no socket applied version %d", v)
}

// TestFleetAcrossInstances runs two instances on one store: the grill
// screen on one counts as the grill's screen on the other, its alarm shows
// on the other's expo, the other's fleet page lists it, and once it has
// gone, the grill has no screen anywhere.
func TestFleetAcrossInstances(t *testing.T) {
	store := orders.NewMemoryStore()
	clk := &fleetClock{now: time.Date(2026, time.December, 2, 12, 0, 0, 0, time.UTC)}
	a := newFleetInstance(t, store, clk, "a:8080")
	b := newFleetInstance(t, store, clk, "b:8080")
	o, _, err := a.board.Place(t.Context(), orders.NewOrder{Destination: orders.Takeout, Items: []orders.Item{{Name: "Hamburger", Quantity: 1, Station: orders.Grill}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.board.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}

	expo := dialFleet(t, a.srv.URL, "?acks=1", true)
	expo.await(t, `data-version="1"`)
	grill := dialFleet(t, b.srv.URL, "?station=grill&acks=1", true)
	grill.await(t, `id="ticket-1"`)
	waitAcked(t, a, 1)
	waitAcked(t, b, 1)
	// The grill screen freezes; a second order reaches it, and it does
	// not show it.
	grill.mu.Lock()
	grill.acks = false
	grill.mu.Unlock()
	o, _, err = a.board.Place(t.Context(), orders.NewOrder{Destination: orders.Takeout, Items: []orders.Item{{Name: "Cheeseburger", Quantity: 1, Station: orders.Grill}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.board.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	grill.await(t, `id="ticket-2"`)

	now := clk.Now()
	b.h.watch.check(now)
	a.h.watch.check(now)
	// 11 s on: the grill screen owes its snapshot's ack. The grill had a
	// screen all along (on b), so a raises no alarm of a missing one.
	now = clk.advance(11 * time.Second)
	b.h.watch.check(now)
	a.h.watch.check(now)
	panel := expo.await(t, `data-testid="unseen-alarm"`)
	if !strings.Contains(panel, `data-station="grill"`) || strings.Contains(panel, "data-no-screen") {
		t.Errorf("a's expo shows %s; want the grill screen on b, and no missing screen", panel)
	}
	if !strings.Contains(panel, `data-ticket="`+strconv.Itoa(o.Number)+`"`) {
		t.Errorf("the alarm does not name ticket %d: %s", o.Number, panel)
	}

	// a's fleet page lists b and its grill screen, in red.
	resp, err := http.Get(a.srv.URL + "/fleet/cards")
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	body := string(data)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `data-instance="b:8080"`) || !strings.Contains(body, `data-view="grill" data-level="red"`) {
		t.Errorf("a's fleet: %d %s", resp.StatusCode, body)
	}
	if !strings.Contains(body, `data-instance="a:8080"`) || !strings.Contains(body, `data-view="expo" data-level="ok"`) {
		t.Errorf("a's fleet lacks its own expo: %s", body)
	}

	// The grill screen goes: b reports no screens, and once the grill has
	// been without one for UnseenAfter, a's expo says so.
	grill.c.Close(websocket.StatusGoingAway, "")
	deadline := time.Now().Add(10 * time.Second)
	for len(b.h.sockets.all()) > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	now = clk.advance(time.Second)
	b.h.watch.check(now)
	a.h.watch.check(now)
	// a reads b's report of no screens at its next report, and raises
	// the alarm UnseenAfter later.
	for range 2 {
		now = clk.advance(11 * time.Second)
		a.h.watch.check(now)
	}
	panel = expo.await(t, `data-no-screen`)
	if !strings.Contains(panel, `data-station="grill"`) || !strings.Contains(panel, "No GRILL screen") {
		t.Errorf("a's expo shows %s; want no GRILL screen", panel)
	}
}
