package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Limits of one worker.
const (
	// maxScreensPerWorker keeps a worker's open files well under the
	// machine's limit of 20,000 per process.
	maxScreensPerWorker = 4000
	// screensPerSource is how many screens share one source address.
	screensPerSource = 1000
	// maxMessageBytes is the largest message a screen accepts (a snapshot
	// of a long rail).
	maxMessageBytes = 32 << 20
	// closeParallel bounds the close handshakes in flight.
	closeParallel = 256
	// keepReadBuffer is the largest buffer a screen keeps between
	// messages.
	keepReadBuffer = 64 << 10
	// pollEvery is how often a worker checks whether every screen has
	// every order, once the last order is placed.
	pollEvery = 50 * time.Millisecond
)

// workerConfig is the first line a worker reads: which screens it opens.
type workerConfig struct {
	URL      string        `json:"url"`
	First    int           `json:"first"`   // global index of its first screen
	Screens  int           `json:"screens"` // how many it opens
	Views    []string      `json:"views"`   // screen g shows Views[g%len(Views)]
	Spread   bool          `json:"spread"`  // spread screens over source addresses
	Parallel int           `json:"parallel"`
	Wait     time.Duration `json:"wait"`
	Deadline time.Time     `json:"deadline"`
	// Acks: the screens ask to be held to their receipts and ack each
	// message that carries one, as the rail's pages do.
	Acks bool `json:"acks"`
}

// command is what the parent sends a worker after its config, one JSON
// line each: "order" (an order's id and the Unix times in nanoseconds at
// which its POST was sent and its 201 arrived), "done" (no more orders)
// and "close".
type command struct {
	Kind string `json:"kind"`
	ID   int64  `json:"id,omitempty"`
	Sent int64  `json:"sent,omitempty"`
	At   int64  `json:"at,omitempty"`
}

// Kinds of commands and reports.
const (
	kindOrder     = "order"
	kindDone      = "done"
	kindClose     = "close"
	kindReady     = "ready"
	kindDelivered = "delivered"
	kindResult    = "result"
)

// reportsPerRun is how many reports a worker writes: ready, delivered and
// result.
const reportsPerRun = 3

// report is what a worker writes to the parent, one JSON line each:
// "ready" once its screens are connected and have their snapshots,
// "delivered" as soon as they have every order or the wait is over, and
// "result", what they received, right after.
type report struct {
	Kind       string `json:"kind"`
	Connected  int    `json:"connected"`
	Failed     int    `json:"failed"`
	Snapshots  int    `json:"snapshots"`
	FirstError string `json:"first_error,omitempty"`

	Messages  int64   `json:"messages,omitempty"`
	Bytes     int64   `json:"bytes,omitempty"`        // in all messages
	Latencies []int64 `json:"latencies_us,omitempty"` // from the 201, one per delivery, in microseconds (0 if before it)
	FromPost  []int64 `json:"from_post_us,omitempty"` // the same from the moment the POST was sent
	Early     int     `json:"early,omitempty"`        // deliveries seen before the 201 arrived
	Missing   int     `json:"missing,omitempty"`
	Lost      int     `json:"lost,omitempty"` // screens whose socket ended before the close
	// Last is, per order id, the Unix time in nanoseconds at which the
	// last of the worker's screens got it, or 0 when one of them did not.
	Last map[int64]int64 `json:"last,omitempty"`
}

// screen is one open socket and what it has received.
type screen struct {
	conn  *websocket.Conn
	acks  bool          // ack each message's receipt (workerConfig.Acks)
	snap  chan struct{} // closed at the first message
	ended chan struct{} // closed when reading stops
	msgs  atomic.Int64
	bytes atomic.Int64

	mu   sync.Mutex
	seen map[int64]int64 // ticket id → Unix nanoseconds of the first message with it

	complete bool // has every order: owned by the worker's poll loop
}

// ticketMarker precedes a ticket's id in every message that shows it.
var ticketMarker = []byte(`id="ticket-`)

// read reads every message until the socket ends, noting when each ticket
// was first seen.
func (s *screen) read() {
	defer close(s.ended)
	var (
		ids []int64
		buf bytes.Buffer // reused: thousands of screens read at once
	)
	for first := true; ; first = false {
		// The socket ends by Close or by the server; its context is not
		// the run's, so that even a run that times out closes cleanly.
		_, r, err := s.conn.Reader(context.Background())
		if err != nil {
			return
		}
		if buf.Cap() > keepReadBuffer {
			buf = bytes.Buffer{} // after a snapshot: don't hold on to it
		}
		buf.Reset()
		if _, err := buf.ReadFrom(r); err != nil {
			return
		}
		data := buf.Bytes()
		now := time.Now().UnixNano()
		if s.acks {
			if ack := ackFor(data); ack != nil {
				// As a page does once htmx has swapped the message in.
				if err := s.conn.Write(context.Background(), websocket.MessageText, ack); err != nil {
					return
				}
			}
		}
		s.msgs.Add(1)
		s.bytes.Add(int64(len(data)))
		if first {
			close(s.snap)
		}
		ids = ticketIDs(ids[:0], data)
		if len(ids) == 0 {
			continue
		}
		s.mu.Lock()
		for _, id := range ids {
			if _, ok := s.seen[id]; !ok {
				s.seen[id] = now
			}
		}
		s.mu.Unlock()
	}
}

// receiptMarker precedes the version in a message's receipt, its last
// element: <div id="receipt" ... data-version="12" ...>.
var receiptMarker = []byte(`data-version="`)

// ackFor returns the ack a page sends for a message once it has swapped it
// in, as htmx's hx-ws sends it: the receipt's values, then the headers it
// adds (about 200 bytes in all); nil for a message without a receipt.
func ackFor(data []byte) []byte {
	i := bytes.LastIndex(data, receiptMarker)
	if i < 0 {
		return nil
	}
	v := data[i+len(receiptMarker):]
	end := bytes.IndexByte(v, '"')
	if end <= 0 {
		return nil
	}
	if _, err := strconv.ParseUint(string(v[:end]), 10, 64); err != nil {
		return nil
	}
	ack := make([]byte, 0, 256)
	ack = append(ack, `{"action":"ack","version":`...)
	ack = append(ack, v[:end]...)
	return append(ack, `,"headers":{"HX-Request":"true","HX-Source":"div#receipt","HX-Current-URL":"http://127.0.0.1:8080/?station=grill","HX-Target":"receipt"}}`...)
}

// ticketIDs appends the ids of the tickets in a message (id="ticket-N").
func ticketIDs(ids []int64, data []byte) []int64 {
	for len(data) > 0 {
		i := bytes.Index(data, ticketMarker)
		if i < 0 {
			break
		}
		data = data[i+len(ticketMarker):]
		j := 0
		for j < len(data) && j < 19 && data[j] >= '0' && data[j] <= '9' {
			j++
		}
		if j == 0 || j >= len(data) || data[j] != '"' {
			continue
		}
		if id, err := strconv.ParseInt(string(data[:j]), 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// hasAll reports whether the screen has seen every placed order.
func (s *screen) hasAll(placed []command) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range placed {
		if _, ok := s.seen[p.ID]; !ok {
			return false
		}
	}
	return true
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// work runs one worker: it reads its config and commands from in and
// writes its reports to out.
func work(ctx context.Context, in io.Reader, out io.Writer) error {
	dec := json.NewDecoder(in)
	var cfg workerConfig
	if err := dec.Decode(&cfg); err != nil {
		return fmt.Errorf("read worker config: %w", err)
	}
	if cfg.Screens < 1 || cfg.Screens > maxScreensPerWorker || cfg.First < 0 || cfg.First+cfg.Screens > maxScreens ||
		len(cfg.Views) == 0 || cfg.Parallel < 1 || cfg.Wait <= 0 {
		return fmt.Errorf("bad worker config: %+v", cfg)
	}
	t, err := newTarget(ctx, cfg.URL)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithDeadline(ctx, cfg.Deadline)
	defer cancel()
	enc := json.NewEncoder(out)

	// Commands arrive while the screens are read.
	var (
		mu     sync.Mutex
		placed []command
		done   = make(chan struct{})
		gone   = make(chan struct{}) // "close", or the parent closed its end
	)
	go func() {
		defer close(gone)
		seenDone := false
		for {
			var c command
			if err := dec.Decode(&c); err != nil {
				return
			}
			switch c.Kind {
			case kindOrder:
				mu.Lock()
				placed = append(placed, c)
				mu.Unlock()
			case kindDone:
				if !seenDone {
					seenDone = true
					close(done)
				}
			case kindClose:
				return
			}
		}
	}()

	screens, failed, firstErr := connect(ctx, t, cfg)
	var readers sync.WaitGroup
	for _, s := range screens {
		readers.Go(s.read)
	}
	defer func() {
		closeAll(screens)
		readers.Wait()
	}()

	// Wait for the snapshots, at most cfg.Wait.
	ready := report{Kind: kindReady, Connected: len(screens), Failed: failed, FirstError: firstErr}
	timer := time.NewTimer(cfg.Wait)
	defer timer.Stop()
	expired := false
	for _, s := range screens {
		if !expired {
			select {
			case <-s.snap:
			case <-s.ended:
			case <-timer.C:
				expired = true
			case <-ctx.Done():
				expired = true
			}
		}
		if isClosed(s.snap) {
			ready.Snapshots++
		}
	}
	if err := enc.Encode(ready); err != nil {
		return fmt.Errorf("report ready: %w", err)
	}

	select {
	case <-done:
	case <-gone:
		return errors.New("the parent closed before the last order")
	case <-ctx.Done():
		return fmt.Errorf("waiting for orders: %w", context.Cause(ctx))
	}
	mu.Lock()
	orders := placed
	mu.Unlock()
	waitDeliveries(ctx, screens, orders, cfg.Wait)
	if err := enc.Encode(report{Kind: kindDelivered}); err != nil {
		return fmt.Errorf("report delivered: %w", err)
	}

	res := report{Kind: kindResult, Connected: ready.Connected, Failed: failed, Snapshots: ready.Snapshots}
	res.Latencies = make([]int64, 0, len(screens)*len(orders))
	res.FromPost = make([]int64, 0, len(screens)*len(orders))
	res.Last = make(map[int64]int64, len(orders))
	incomplete := map[int64]bool{}
	for _, s := range screens {
		res.Messages += s.msgs.Load()
		res.Bytes += s.bytes.Load()
		if isClosed(s.ended) {
			res.Lost++
		}
		s.mu.Lock()
		for _, o := range orders {
			at, ok := s.seen[o.ID]
			if !ok {
				res.Missing++
				incomplete[o.ID] = true
				continue
			}
			res.Last[o.ID] = max(res.Last[o.ID], at)
			res.FromPost = append(res.FromPost, max(at-o.Sent, 0)/int64(time.Microsecond))
			if at < o.At {
				res.Early++
				at = o.At
			}
			res.Latencies = append(res.Latencies, (at-o.At)/int64(time.Microsecond))
		}
		s.mu.Unlock()
	}
	for id := range incomplete {
		res.Last[id] = 0
	}
	if err := enc.Encode(res); err != nil {
		return fmt.Errorf("report result: %w", err)
	}
	// Keep the sockets open until the parent has read the server's memory.
	select {
	case <-gone:
	case <-ctx.Done():
		return fmt.Errorf("waiting for close: %w", context.Cause(ctx))
	}
	return nil
}

// connect opens the worker's screens, cfg.Parallel at a time, and returns
// those that connected, how many failed and the first failure.
func connect(ctx context.Context, t *target, cfg workerConfig) (screens []*screen, failed int, firstErr string) {
	clients := map[netip.Addr]*http.Client{}
	for i := range cfg.Screens {
		src := t.sourceAddr(cfg.First+i, cfg.Spread)
		if clients[src] == nil {
			clients[src] = t.client(src)
		}
	}
	defer func() {
		for _, c := range clients {
			c.CloseIdleConnections()
		}
	}()
	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		sem = make(chan struct{}, cfg.Parallel)
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		failed++
		if firstErr == "" {
			firstErr = err.Error()
		}
	}
	for i := range cfg.Screens {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			fail(fmt.Errorf("not connected: %w", context.Cause(ctx)))
			continue
		}
		g := cfg.First + i
		wg.Go(func() {
			defer func() { <-sem }()
			view := cfg.Views[g%len(cfg.Views)]
			dctx, cancel := context.WithTimeout(ctx, dialTimeout)
			defer cancel()
			c, _, err := websocket.Dial(dctx, t.wsURL(view, cfg.Acks), &websocket.DialOptions{
				HTTPClient:      clients[t.sourceAddr(g, cfg.Spread)],
				CompressionMode: websocket.CompressionDisabled,
			})
			if err != nil {
				fail(fmt.Errorf("screen %d (%s): %w", g, view, err))
				return
			}
			c.SetReadLimit(maxMessageBytes)
			s := &screen{conn: c, acks: cfg.Acks, snap: make(chan struct{}), ended: make(chan struct{}), seen: map[int64]int64{}}
			mu.Lock()
			screens = append(screens, s)
			mu.Unlock()
		})
	}
	wg.Wait()
	return screens, failed, firstErr
}

// waitDeliveries returns once every screen whose socket is still open has
// seen every order, after wait, or when ctx is done.
func waitDeliveries(ctx context.Context, screens []*screen, orders []command, wait time.Duration) {
	timer := time.NewTimer(wait)
	defer timer.Stop()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		pending := 0
		for _, s := range screens {
			if s.complete || isClosed(s.ended) {
				continue
			}
			if s.complete = s.hasAll(orders); !s.complete {
				pending++
			}
		}
		if pending == 0 {
			return
		}
		select {
		case <-tick.C:
		case <-timer.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// closeAll closes every socket with 1000 (normal closure), closeParallel at
// a time; each close handshake is bounded by the websocket package (5 s).
func closeAll(screens []*screen) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, closeParallel)
	for _, s := range screens {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			s.conn.Close(websocket.StatusNormalClosure, "load run over")
		})
	}
	wg.Wait()
}
