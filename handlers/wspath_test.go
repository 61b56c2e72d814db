package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/ticketrail/ticketrail/handlers"
	"github.com/ticketrail/ticketrail/orders"
)

// wire watches what the server writes to its connections: it counts the
// ping frames, and it can hold every write that carries a marker until the
// test releases it, so a test decides exactly when a socket is slow.
type wire struct {
	marker  []byte        // writes carrying it are held; nil holds nothing
	held    chan struct{} // a held write is waiting
	release chan struct{} // lets one held write go
	pings   atomic.Int64  // ping frames written
	writes  atomic.Int64  // writes of anything but pings
	closed  chan struct{} // closed when a connection is closed

	mu   sync.Mutex
	tail []byte // the end of what was written, for a marker split across writes
}

func newWire(marker string) *wire {
	w := &wire{held: make(chan struct{}, 8), release: make(chan struct{}), closed: make(chan struct{})}
	if marker != "" {
		w.marker = []byte(marker)
	}
	return w
}

type wireListener struct {
	net.Listener
	w *wire
}

func (l wireListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &wireConn{Conn: c, w: l.w, done: make(chan struct{})}, nil
}

type wireConn struct {
	net.Conn
	w    *wire
	once sync.Once
	done chan struct{}
}

func (c *wireConn) Write(p []byte) (int, error) {
	w := c.w
	w.mu.Lock()
	hold := false
	if w.marker != nil {
		seen := append(slices.Clip(w.tail), p...)
		hold = bytes.Contains(seen, w.marker)
		w.tail = bytes.Clone(seen[max(0, len(seen)-len(w.marker)+1):])
	}
	w.mu.Unlock()
	// Each frame is flushed on its own, so a ping is one write of its own.
	if len(p) > 0 && p[0] == 0x89 {
		w.pings.Add(1)
	} else if len(p) > 0 {
		w.writes.Add(1)
	}
	if hold {
		w.held <- struct{}{}
		select {
		case <-w.release:
		case <-c.done:
			return 0, net.ErrClosed
		}
	}
	return c.Conn.Write(p)
}

func (c *wireConn) Close() error {
	c.once.Do(func() {
		close(c.done)
		select {
		case <-c.w.closed:
		default:
			close(c.w.closed)
		}
	})
	return c.Conn.Close()
}

// newWireRig is a rig whose server connections go through w.
func newWireRig(t *testing.T, opts handlers.Options, w *wire) *rig {
	t.Helper()
	if opts.Board == nil {
		opts.Board = orders.NewBoard(orders.BoardConfig{})
	}
	h := handlers.New(opts)
	srv := httptest.NewUnstartedServer(h)
	srv.Listener = wireListener{srv.Listener, w}
	srv.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		h.Close(ctx)
		srv.Close()
	})
	return &rig{board: opts.Board, h: h, srv: srv}
}

// waitFor polls cond until it holds, failing after d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(2 * time.Millisecond) // polling a condition, not synchronising
	}
}

// TestFallingBehindDuringCatchUpClosesWith1013 holds the server's writes of
// snapshots: while the first snapshot is held, two orders overflow the
// socket's queue (QueueLen 1), so its next message is a catch-up snapshot;
// while that one is held, two more orders overflow the queue again. The
// screen then gets the catch-up snapshot and a close with 1013. Without the
// second overflow the catch-up snapshot brings it back in step and the
// socket stays open.
func TestFallingBehindDuringCatchUpClosesWith1013(t *testing.T) {
	for _, again := range []bool{true, false} {
		t.Run(fmt.Sprintf("again=%v", again), func(t *testing.T) {
			w := newWire(`hx-swap="innerHTML"`)
			board := orders.NewBoard(orders.BoardConfig{QueueLen: 1})
			r := newWireRig(t, handlers.Options{Board: board, WriteTimeout: time.Minute, PingEvery: time.Hour}, w)
			c := dial(t, wsURL(r.srv.URL)+"/ws")

			waitHeld := func(what string) {
				t.Helper()
				select {
				case <-w.held:
				case <-time.After(10 * time.Second):
					t.Fatalf("the server did not write %s", what)
				}
			}
			release := func() {
				t.Helper()
				select {
				case w.release <- struct{}{}:
				case <-time.After(10 * time.Second):
					t.Fatal("no held write to release")
				}
			}

			waitHeld("the first snapshot")
			r.place(t)
			r.place(t) // the queue of one overflows
			release()
			waitHeld("the catch-up snapshot")
			if again {
				r.place(t)
				r.place(t) // and overflows again while the catch-up is on its way
			}
			release()

			if m := read(t, c); len(m.partials) != 1 || m.partials[0].swap != "innerHTML" || len(m.partials[0].tickets) != 0 {
				t.Fatalf("first message %.300s, want the empty rail", m.raw)
			}
			m := read(t, c)
			if len(m.partials) != 1 || m.partials[0].swap != "innerHTML" ||
				!slices.Equal(ids(m.partials[0].tickets), []string{"ticket-1", "ticket-2"}) {
				t.Fatalf("second message %.300s, want a snapshot of tickets 1 and 2", m.raw)
			}
			if !again {
				o := r.place(t)
				m := read(t, c)
				if len(m.partials) == 0 || m.partials[0].swap != "beforeend" ||
					!slices.Equal(ids(m.partials[0].tickets), []string{fmt.Sprintf("ticket-%d", o.ID)}) {
					t.Fatalf("after the catch-up: %.300s, want ticket-%d appended", m.raw, o.ID)
				}
				return
			}
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			_, data, err := c.Read(ctx)
			if got := websocket.CloseStatus(err); got != websocket.StatusTryAgainLater {
				t.Fatalf("after the catch-up snapshot: %v (%.200s), want close 1013", err, data)
			}
			waitFor(t, 10*time.Second, "the closed socket still subscribes", func() bool { return board.Subscribers() == 0 })
		})
	}
}

// TestPingsKeepAReadingScreen: an idle screen that reads, and so answers
// pings, is pinged many times and stays connected: it gets the next order.
func TestPingsKeepAReadingScreen(t *testing.T) {
	w := newWire("")
	r := newWireRig(t, handlers.Options{PingEvery: 50 * time.Millisecond, WriteTimeout: time.Second}, w)
	c := dial(t, wsURL(r.srv.URL)+"/ws")

	msgs := make(chan []byte, 16)
	readErr := make(chan error, 1)
	go func() {
		for {
			_, data, err := c.Read(context.Background())
			if err != nil {
				readErr <- err
				return
			}
			msgs <- data
		}
	}()
	next := func() message {
		t.Helper()
		select {
		case data := <-msgs:
			return parseMessage(t, string(data))
		case err := <-readErr:
			t.Fatalf("socket ended: %v", err)
		case <-time.After(10 * time.Second):
			t.Fatal("no message")
		}
		panic("unreachable")
	}
	next() // the snapshot

	const pings = 10
	waitFor(t, 30*time.Second, fmt.Sprintf("%d pings written, want %d", w.pings.Load(), pings), func() bool {
		select {
		case err := <-readErr:
			t.Fatalf("socket ended after %d pings: %v", w.pings.Load(), err)
		default:
		}
		return w.pings.Load() >= pings
	})
	if n := r.board.Subscribers(); n != 1 {
		t.Fatalf("%d subscribers after %d pings, want 1", n, pings)
	}
	o := r.place(t)
	if m := next(); len(m.partials) == 0 || !slices.Equal(ids(m.partials[0].tickets), []string{fmt.Sprintf("ticket-%d", o.ID)}) {
		t.Fatalf("after the pings: %.300s, want ticket-%d", m.raw, o.ID)
	}
}

// TestPingsDropASilentScreen: a screen that never reads never answers a
// ping; the server drops it once a ping's write timeout passes, and lets go
// of its subscription and connection.
func TestPingsDropASilentScreen(t *testing.T) {
	w := newWire("")
	r := newWireRig(t, handlers.Options{PingEvery: 50 * time.Millisecond, WriteTimeout: 300 * time.Millisecond}, w)
	c := dial(t, wsURL(r.srv.URL)+"/ws")

	waitFor(t, 10*time.Second, "the silent screen was not dropped", func() bool {
		return w.pings.Load() >= 1 && r.board.Subscribers() == 0
	})
	select {
	case <-w.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the server kept the dropped screen's connection")
	}
	// What it reads now ends in a lost connection.
	readUntilLost(t, c)
}

// bigOrder is an order whose ticket makes a message of about 30 KB.
func bigOrder() orders.NewOrder {
	o := orders.NewOrder{Destination: orders.DiningRoom}
	for i := range 60 {
		o.Items = append(o.Items, orders.Item{Quantity: 1, Name: fmt.Sprintf("Hamburger %d", i), Station: orders.Grill,
			Modifiers: []string{"no onion", "no tomato"}})
	}
	return o
}

// TestOneWritePerMessage checks that a message leaves in one write to the
// connection, small or far larger than the 4 KB buffer the websocket
// package writes through.
func TestOneWritePerMessage(t *testing.T) {
	w := newWire("")
	r := newWireRig(t, handlers.Options{}, w)
	c := dial(t, wsURL(r.srv.URL)+"/ws")
	read(t, c)
	for _, n := range []orders.NewOrder{
		{Destination: orders.Takeout, Items: []orders.Item{{Quantity: 1, Name: "Hamburger", Station: orders.Grill}}},
		bigOrder(),
	} {
		before := w.writes.Load()
		o, _, err := r.board.Place(t.Context(), n)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		_, data, err := c.Read(ctx)
		cancel()
		if err != nil || !bytes.Contains(data, []byte(fmt.Sprintf(`id="ticket-%d"`, o.ID))) {
			t.Fatalf("read: %v, %.100s", err, data)
		}
		if got := w.writes.Load() - before; got != 1 {
			t.Errorf("a message of %d bytes took %d writes, want 1", len(data), got)
		}
	}
}

// TestHeldBackSocketCatchesUpInOneWrite holds the server's write of one
// order's message while nine more orders are placed: once released, the
// nine messages leave together in one write, each a message of its own,
// and the screen ends with every ticket.
func TestHeldBackSocketCatchesUpInOneWrite(t *testing.T) {
	w := newWire(`id="ticket-1"`)
	r := newWireRig(t, handlers.Options{}, w)
	c := dial(t, wsURL(r.srv.URL)+"/ws")
	read(t, c)
	before := w.writes.Load()
	r.place(t)
	select {
	case <-w.held:
	case <-time.After(10 * time.Second):
		t.Fatal("the first order's message was not written")
	}
	const events = 10
	for range events - 1 {
		r.place(t)
	}
	w.mu.Lock()
	w.marker = nil
	w.mu.Unlock()
	close(w.release)
	var got []string
	for len(got) < events {
		m := read(t, c)
		for _, p := range m.partials {
			got = append(got, ids(p.tickets)...)
		}
	}
	var want []string
	for _, o := range r.board.Open() {
		want = append(want, fmt.Sprintf("ticket-%d", o.ID))
	}
	if !slices.Equal(got, want) {
		t.Errorf("tickets %q, want %q", got, want)
	}
	if n := w.writes.Load() - before; n != 2 {
		t.Errorf("%d events took %d writes, want 2: the held one, then the rest together", events, n)
	}
}
