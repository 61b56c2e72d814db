package handlers_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/ticketrail/ticketrail/handlers"
	"github.com/ticketrail/ticketrail/orders"
)

// rig is a rail served by httptest.
type rig struct {
	board *orders.Board
	h     *handlers.Handler
	srv   *httptest.Server
}

func newRig(t *testing.T, opts handlers.Options) *rig {
	t.Helper()
	if opts.Board == nil {
		opts.Board = orders.NewBoard(orders.BoardConfig{})
	}
	h := handlers.New(opts)
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		h.Close(ctx)
		srv.Close()
	})
	return &rig{board: opts.Board, h: h, srv: srv}
}

func (r *rig) place(t *testing.T) orders.Order {
	t.Helper()
	o, _, err := r.board.Place(t.Context(), orders.NewOrder{
		Destination: orders.Takeout,
		Items:       []orders.Item{{Quantity: 1, Name: "Hamburger", Station: orders.Grill}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func wsURL(base string) string { return "ws" + strings.TrimPrefix(base, "http") }

func dial(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	c.SetReadLimit(64 << 20)
	t.Cleanup(func() { c.CloseNow() })
	return c
}

// message is what one socket message does to a page.
type message struct {
	partials []partial // <hx-partial> elements
	oob      []ticket  // tickets swapped out of band
	raw      string    // the message as sent
}

type partial struct {
	target, swap string
	tickets      []ticket
}

type ticket struct {
	id, status, class, swapOOB string
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func parseMessage(t *testing.T, s string) message {
	t.Helper()
	ctx := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(s), ctx)
	if err != nil {
		t.Fatalf("message does not parse: %v", err)
	}
	m := message{raw: s}
	var walk func(n *html.Node, p *partial)
	walk = func(n *html.Node, p *partial) {
		if n.Type == html.ElementNode {
			switch {
			case n.Data == "hx-partial":
				m.partials = append(m.partials, partial{target: attr(n, "hx-target"), swap: attr(n, "hx-swap")})
				p = &m.partials[len(m.partials)-1]
			case n.Data == "article" && strings.Contains(" "+attr(n, "class")+" ", " ticket "):
				tk := ticket{id: attr(n, "id"), status: attr(n, "data-status"), class: attr(n, "class"), swapOOB: attr(n, "hx-swap-oob")}
				if p != nil {
					p.tickets = append(p.tickets, tk)
				} else {
					m.oob = append(m.oob, tk)
				}
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, p)
		}
	}
	for _, n := range nodes {
		walk(n, nil)
	}
	return m
}

func read(t *testing.T, c *websocket.Conn) message {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	typ, data, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if typ != websocket.MessageText {
		t.Fatalf("message of type %v, want text", typ)
	}
	return parseMessage(t, string(data))
}

// quiet fails if a message arrives within d.
func quiet(t *testing.T, c *websocket.Conn, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	if _, data, err := c.Read(ctx); err == nil {
		t.Fatalf("unexpected message: %.200s", data)
	}
}

func ids(ts []ticket) []string {
	var out []string
	for _, tk := range ts {
		out = append(out, tk.id)
	}
	return out
}

func TestSocketSendsSnapshotFirstThenEachEventOnce(t *testing.T) {
	r := newRig(t, handlers.Options{})
	a, b := r.place(t), r.place(t)
	c := dial(t, wsURL(r.srv.URL)+"/ws")

	snap := read(t, c)
	if len(snap.partials) != 1 || snap.partials[0].target != "#rail" || snap.partials[0].swap != "innerHTML" {
		t.Fatalf("first message %+v, want one innerHTML partial for #rail", snap)
	}
	if got, want := ids(snap.partials[0].tickets), []string{"ticket-1", "ticket-2"}; !slices.Equal(got, want) {
		t.Fatalf("snapshot has %v, want %v", got, want)
	}

	o := r.place(t)
	m := read(t, c)
	if len(m.partials) == 0 || m.partials[0].swap != "beforeend" || !slices.Equal(ids(m.partials[0].tickets), []string{fmt.Sprintf("ticket-%d", o.ID)}) {
		t.Fatalf("placed message %+v, want ticket-%d appended", m, o.ID)
	}

	if _, err := r.board.Bump(t.Context(), a.ID); err != nil {
		t.Fatal(err)
	}
	m = read(t, c)
	if len(m.oob) != 1 || m.oob[0].id != "ticket-1" || m.oob[0].status != "bumped" ||
		!strings.Contains(m.oob[0].class, "leaving") || m.oob[0].swapOOB != "outerMorph" {
		t.Fatalf("bump message %+v, want ticket-1 morphed to leaving", m)
	}
	m = read(t, c)
	if len(m.partials) != 1 || m.partials[0].swap != "delete" || m.partials[0].target != "#ticket-1.leaving" {
		t.Fatalf("message after the bump %+v, want the leaving ticket removed", m)
	}
	quiet(t, c, 100*time.Millisecond)
	_ = b
}

func TestSocketRefusesForeignOrigin(t *testing.T) {
	r := newRig(t, handlers.Options{})
	for _, tt := range []struct {
		origin string
		want   int
	}{
		{"http://evil.example", http.StatusForbidden},
		{"null", http.StatusForbidden},
		{r.srv.URL, http.StatusSwitchingProtocols},
	} {
		t.Run(tt.origin, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			c, resp, err := websocket.Dial(ctx, wsURL(r.srv.URL)+"/ws", &websocket.DialOptions{
				HTTPHeader: http.Header{"Origin": {tt.origin}},
			})
			if c != nil {
				defer c.CloseNow()
			}
			if resp == nil {
				t.Fatalf("no response: %v", err)
			}
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d (%v), want %d", resp.StatusCode, err, tt.want)
			}
		})
	}
}

func TestSocketAllowsListedOrigin(t *testing.T) {
	r := newRig(t, handlers.Options{OriginPatterns: []string{"pos.example"}})
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, wsURL(r.srv.URL)+"/ws", &websocket.DialOptions{
		HTTPHeader: http.Header{"Origin": {"https://pos.example"}},
	})
	if err != nil {
		t.Fatalf("listed origin refused: %v", err)
	}
	c.CloseNow()
}

// TestOneRenderPerEvent connects many sockets and checks that each event is
// rendered once, whatever the number of sockets.
func TestOneRenderPerEvent(t *testing.T) {
	r := newRig(t, handlers.Options{})
	const sockets, events = 50, 5
	conns := make([]*websocket.Conn, sockets)
	for i := range conns {
		conns[i] = dial(t, wsURL(r.srv.URL)+"/ws")
		read(t, conns[i]) // the snapshot
	}
	before := r.h.Renders()
	for range events {
		r.place(t)
	}
	var wg sync.WaitGroup
	errs := make(chan error, sockets)
	for _, c := range conns {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			for range events {
				if _, _, err := c.Read(ctx); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("read: %v", err)
	}
	if got := r.h.Renders() - before; got != events {
		t.Errorf("%d renders for %d events to %d sockets, want %d", got, events, sockets, events)
	}
}

// TestSlowScreenCatchesUpWithSnapshot stops reading while far more changes
// happen than a queue and the network buffers hold: when it reads again it
// gets what was already on the wire, then one snapshot of the whole rail,
// not the backlog, and it is not disconnected.
func TestSlowScreenCatchesUpWithSnapshot(t *testing.T) {
	board := orders.NewBoard(orders.BoardConfig{QueueLen: 4})
	r := newRig(t, handlers.Options{Board: board, WriteTimeout: time.Minute})
	c := dial(t, wsURL(r.srv.URL)+"/ws")
	read(t, c)

	big := orders.NewOrder{Destination: orders.DiningRoom}
	for i := range 60 {
		big.Items = append(big.Items, orders.Item{Quantity: 1, Name: fmt.Sprintf("Hamburger %d", i), Station: orders.Grill,
			Modifiers: []string{"no onion", "no tomato", "extra sauce"}})
	}
	const placed = 200
	for range placed {
		if _, _, err := board.Place(t.Context(), big); err != nil {
			t.Fatal(err)
		}
	}
	// Read until the whole rail has arrived: from a snapshot, plus any
	// tickets placed after it.
	messages, snapshots, shown := 0, 0, 0
	for shown < placed {
		m := read(t, c)
		messages++
		switch {
		case len(m.partials) == 1 && m.partials[0].swap == "innerHTML":
			snapshots++
			shown = len(m.partials[0].tickets)
		case len(m.partials) == 1 && m.partials[0].swap == "beforeend":
			shown++
		}
	}
	quiet(t, c, 200*time.Millisecond)
	if snapshots == 0 || messages >= placed {
		t.Errorf("%d messages, %d of them snapshots, for %d orders: the backlog was replayed", messages, snapshots, placed)
	}
}

func TestOversizedMessageClosesOnlyThatSocket(t *testing.T) {
	r := newRig(t, handlers.Options{})
	bad := dial(t, wsURL(r.srv.URL)+"/ws")
	good := dial(t, wsURL(r.srv.URL)+"/ws")
	read(t, bad)
	read(t, good)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := bad.Write(ctx, websocket.MessageText, []byte(strings.Repeat("x", handlers.MaxMessageBytes+1))); err != nil {
		t.Fatal(err)
	}
	_, _, err := bad.Read(ctx)
	if got := websocket.CloseStatus(err); got != websocket.StatusMessageTooBig {
		t.Fatalf("oversized message: %v, want close 1009", err)
	}
	// A small unknown message is ignored, and the other socket goes on.
	if err := good.Write(ctx, websocket.MessageText, []byte(`{"action":"dance"}`)); err != nil {
		t.Fatal(err)
	}
	o := r.place(t)
	if m := read(t, good); len(m.partials) == 0 || !slices.Equal(ids(m.partials[0].tickets), []string{fmt.Sprintf("ticket-%d", o.ID)}) {
		t.Fatalf("other socket got %+v", m)
	}
}

func TestCloseSendsServiceRestart(t *testing.T) {
	r := newRig(t, handlers.Options{})
	c := dial(t, wsURL(r.srv.URL)+"/ws")
	read(t, c)
	closed := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		closed <- r.h.Close(ctx)
	}()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	_, _, err := c.Read(ctx)
	if got := websocket.CloseStatus(err); got != websocket.StatusServiceRestart {
		t.Fatalf("read after Close: %v, want close 1012", err)
	}
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	// A socket opened once closing is told 1012 at once.
	c2, _, err := websocket.Dial(ctx, wsURL(r.srv.URL)+"/ws", nil)
	if err != nil {
		t.Fatalf("dial after Close: %v", err)
	}
	_, _, err = c2.Read(ctx)
	if got := websocket.CloseStatus(err); got != websocket.StatusServiceRestart {
		t.Fatalf("socket opened after Close: %v, want close 1012", err)
	}
}

// TestStuckScreenIsDroppedAlone stops reading on one socket while big
// messages flow: once the network buffers are full its write times out and
// it is dropped, and the other screen goes on receiving.
func TestStuckScreenIsDroppedAlone(t *testing.T) {
	r := newRig(t, handlers.Options{WriteTimeout: 200 * time.Millisecond})
	stuck := dial(t, wsURL(r.srv.URL)+"/ws")
	live := dial(t, wsURL(r.srv.URL)+"/ws")
	read(t, stuck)
	read(t, live)

	big := orders.NewOrder{Destination: orders.DiningRoom}
	for i := range 90 {
		big.Items = append(big.Items, orders.Item{Quantity: 1, Name: fmt.Sprintf("Hamburger %d", i), Station: orders.Grill,
			Modifiers: []string{"no onion", "no tomato", "extra sauce"}})
	}
	deadline := time.Now().Add(30 * time.Second)
	placed := 0
	for r.board.Subscribers() > 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the stuck socket was not dropped after %d large orders", placed)
		}
		o, _, err := r.board.Place(t.Context(), big)
		if err != nil {
			t.Fatal(err)
		}
		placed++
		// The live screen keeps up with every order.
		for {
			m := read(t, live)
			if len(m.partials) > 0 && slices.Contains(ids(m.partials[0].tickets), fmt.Sprintf("ticket-%d", o.ID)) {
				break
			}
		}
	}
	// What the stuck screen still reads ends in a lost connection.
	readUntilLost(t, stuck)
}

// TestCloseDropsScreensThatDoNotAnswer checks that Close keeps to its
// context even when a screen never answers the close handshake.
func TestCloseDropsScreensThatDoNotAnswer(t *testing.T) {
	board := orders.NewBoard(orders.BoardConfig{})
	h := handlers.New(handlers.Options{Board: board})
	srv := httptest.NewServer(h)
	defer srv.Close()
	// A client that connects and then never reads again: it never sees
	// the close frame, so it never answers it.
	c := dial(t, wsURL(srv.URL)+"/ws")
	read(t, c)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- h.Close(ctx) }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("Close reported a clean close for a screen that never answered")
		}
	case <-time.After(4 * time.Second):
		t.Fatal("Close did not drop the silent screen when its context ended")
	}
	if n := board.Subscribers(); n != 0 {
		t.Errorf("%d subscribers left after Close", n)
	}
}

// TestSocketsLeaveNothingBehind opens and closes many sockets: afterwards
// the board has no subscribers and no goroutine is left.
func TestSocketsLeaveNothingBehind(t *testing.T) {
	r := newRig(t, handlers.Options{})
	r.place(t)
	before := runtime.NumGoroutine()
	for range 10 {
		conns := make([]*websocket.Conn, 50)
		for i := range conns {
			conns[i] = dial(t, wsURL(r.srv.URL)+"/ws")
			read(t, conns[i])
		}
		for i, c := range conns {
			if i%2 == 0 {
				c.Close(websocket.StatusGoingAway, "tab closed")
			} else {
				c.CloseNow() // the network vanished
			}
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for r.board.Subscribers() > 0 || runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d subscribers and %d goroutines left (%d before)", r.board.Subscribers(), runtime.NumGoroutine(), before)
		}
		time.Sleep(10 * time.Millisecond) // polling for the cleanup, not synchronising
	}
}

// TestSocketActions sends actions as hx-ws:send does: they act on the
// board, and actions on unknown or already bumped tickets are harmless:
// no second event, no crash, the socket stays open.
func TestSocketActions(t *testing.T) {
	r := newRig(t, handlers.Options{})
	c := dial(t, wsURL(r.srv.URL)+"/ws")
	read(t, c)
	o := r.place(t)
	read(t, c)
	send := func(msg string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	send(fmt.Sprintf(`{"action":"fire","id":"%d","headers":{"HX-Request":"true"}}`, o.ID))
	if m := read(t, c); len(m.oob) != 1 || m.oob[0].status != "fired" {
		t.Fatalf("after fire: %+v", m)
	}
	send(fmt.Sprintf(`{"action":"bump","id":"%d"}`, o.ID))
	send(fmt.Sprintf(`{"action":"bump","id":"%d"}`, o.ID)) // a queued retry
	send(`{"action":"bump","id":"999"}`)
	send(`{"action":"dance","id":"1"}`)
	send(`{"action":"done","id":"1","station":"oven"}`)
	send(`not even json`)
	if m := read(t, c); len(m.oob) != 1 || m.oob[0].status != "bumped" {
		t.Fatalf("after bump: %+v", m)
	}
	read(t, c) // the removal once the ticket has left
	next := r.place(t)
	m := read(t, c)
	if len(m.partials) == 0 || !slices.Contains(ids(m.partials[0].tickets), fmt.Sprintf("ticket-%d", next.ID)) {
		t.Fatalf("after the harmless actions, the next order came as %+v", m)
	}
	if v := r.board.Version(); v != 4 {
		t.Errorf("board at version %d, want 4 (place, fire, bump, place)", v)
	}
}

// TestViewOnlySocket: a ?controls=none socket gets view-only tickets and
// none of its messages acts on the rail, while a screen with controls next
// to it still can.
func TestViewOnlySocket(t *testing.T) {
	logs := &syncBuffer{}
	r := newRig(t, handlers.Options{Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	o := r.place(t)
	view := dial(t, wsURL(r.srv.URL)+"/ws?controls=none")
	snap := read(t, view)
	if len(snap.partials) != 1 || strings.Contains(snap.raw, "<form") || strings.Contains(snap.raw, "<button") || !strings.Contains(snap.raw, "ticket-1") {
		t.Fatalf("view-only snapshot: %s", snap.raw)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	for _, msg := range []string{`{"action":"cancel","id":"1"}`, `{"action":"bump","id":1}`, `{"action":"item-done","id":1,"item":0}`, `{"action":"recall-last"}`} {
		if err := view.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	// Close it, and wait until the server has let the socket go: it read
	// all four messages before the close.
	view.Close(websocket.StatusNormalClosure, "")
	deadline := time.Now().Add(10 * time.Second)
	for r.board.Subscribers() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the server kept the closed socket")
		}
		time.Sleep(5 * time.Millisecond) // polling the board, not synchronising with it
	}
	if v := r.board.Version(); v != 1 {
		t.Fatalf("board at version %d after a view-only screen's actions, want 1", v)
	}
	if !strings.Contains(logs.String(), "view-only") {
		t.Errorf("nothing logged of the ignored messages: %s", logs.String())
	}
	view = dial(t, wsURL(r.srv.URL)+"/ws?controls=none")
	read(t, view)
	// A screen with controls still acts; the view-only one follows.
	kitchen := dial(t, wsURL(r.srv.URL)+"/ws")
	read(t, kitchen)
	if err := kitchen.Write(ctx, websocket.MessageText, []byte(`{"action":"fire","id":"1"}`)); err != nil {
		t.Fatal(err)
	}
	m := read(t, view)
	if len(m.oob) != 1 || m.oob[0].status != "fired" || strings.Contains(m.raw, "<form") {
		t.Fatalf("view-only screen after fire: %s", m.raw)
	}
	got, err := r.board.Lookup(t.Context(), o.ID)
	if err != nil || got.Status != orders.Fired || len(got.ItemsDone) != 0 {
		t.Errorf("order %+v, %v: want fired, nothing else", got, err)
	}
	if v := r.board.Version(); v != 2 {
		t.Errorf("board at version %d, want 2 (place, fire)", v)
	}
}

// syncBuffer is a bytes.Buffer that a logger and a test may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// readUntilLost reads what c still holds until the connection ends, and
// fails if it is still open after 10 s.
func readUntilLost(t *testing.T, c *websocket.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for {
		if _, _, err := c.Read(ctx); err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatal("the dropped socket is still open")
			}
			return
		}
	}
}
