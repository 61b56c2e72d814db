package handlers

import (
	"context"
	"errors"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/ticketrail/ticketrail/orders"
)

// writers write the sockets' messages: a few goroutines, a couple per CPU,
// serve the sockets that have something to send, in the order they asked.
// After a new order every socket has a message to send; had each socket a
// goroutine of its own to wake, thousands of them would queue to run, and
// the goroutines of the API and of the board would wait behind all of them
// (seconds, at 10,000 screens). Here the sockets that wait are entries in
// a queue, not goroutines: a request is served within a few writes, and a
// delivery costs no goroutine switch. A writer spends at most quickWrite of
// a write on one socket: a slow screen finishes on a goroutine of its own.
type writers struct {
	max       int // writer goroutines at most
	pingEvery time.Duration

	mu      sync.Mutex
	running int             // writer goroutines
	queue   []*screenSocket // asked and waiting, oldest first
	head    int             // queue[head:] is the queue
}

func newWriters(pingEvery time.Duration) *writers {
	return &writers{max: 2 * runtime.GOMAXPROCS(0), pingEvery: pingEvery}
}

// screenSocket is one screen's socket as the writers see it.
type screenSocket struct {
	c   *websocket.Conn
	w   *wire
	sub *orders.Subscription
	f   *frames
	// end ends the socket with a cause: it cancels the socket's context,
	// which closes the connection.
	end context.CancelCauseFunc
	// timer asks for a turn when a follow-up, a ping or a pong is due;
	// timerDue is when it is set to fire.
	timer    *time.Timer
	timerDue time.Time
	lastPong atomic.Int64 // when the last pong came, in Unix nanoseconds

	// info is who and what the socket serves.
	info socketInfo
	// rec is what the screen was sent and has acked; clock is the
	// board's, which times it.
	rec   receipts
	clock func() time.Time
	// watch holds the expo's alarm panel; metrics counts what is sent.
	watch   *watch
	metrics *metrics
	// closing is why the server closes the socket, once it has begun to.
	closing atomic.Pointer[closeReason]
	// What was sent: messages, their bytes and the snapshots among them.
	messages, bytes, snapshots atomic.Int64

	// Only the writer serving the socket touches these.
	pending  []followUp
	nextPing time.Time
	pingSent time.Time // when the ping that is not answered yet went, or zero
	alarmGen uint64    // the generation of the alarm panel last sent
	// overflowsSeen is how many times the socket had fallen behind by
	// the last snapshot it sent.
	overflowsSeen int

	// writers.mu guards these.
	state turnState
	again bool // asked while being served: it queues again after
}

type turnState int

const (
	opening turnState = iota // subscribing: asks wait for start
	idle
	waiting // in the queue
	serving // a writer has it
	gone    // the socket ended
)

// errNoPong ends a screen that did not answer a ping by the next.
var errNoPong = errors.New("screen did not answer a ping")

// start begins serving s, whose subscription is open (asks before that
// wait for it): its first ping comes at a random point of the interval, so
// that screens that connected together do not all ping together, and its
// snapshot is waiting.
func (ws *writers) start(s *screenSocket) {
	s.nextPing = pingTime(time.Now().Add(ws.pingEvery/2 + rand.N(ws.pingEvery/2+1)))
	s.timerDue = s.nextPing
	s.timer = time.AfterFunc(time.Until(s.nextPing), func() { ws.ask(s) })
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if s.state == opening {
		s.again = false
		ws.enqueue(s)
	}
}

// ask asks for s to be served: it queues, and a writer takes it. Asking
// again while it waits changes nothing; while it is served, it queues
// again once that is over, so nothing asked in between is missed.
func (ws *writers) ask(s *screenSocket) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	switch s.state {
	case idle:
		ws.enqueue(s)
	case opening, serving:
		s.again = true
	}
}

// enqueue queues s, starting a writer if fewer than max run. The caller
// holds ws.mu.
func (ws *writers) enqueue(s *screenSocket) {
	s.state = waiting
	ws.queue = append(ws.queue, s)
	if ws.running < ws.max {
		ws.running++
		go ws.run()
	}
}

// leave says that s ended: it is never served again.
func (ws *writers) leave(s *screenSocket) {
	ws.mu.Lock()
	s.state = gone
	ws.mu.Unlock()
	if s.timer != nil {
		s.timer.Stop()
	}
}

// stop ends s for cause: it is never served again.
func (ws *writers) stop(s *screenSocket, cause error) {
	ws.leave(s)
	s.end(cause)
}

// run serves the queue until it is empty.
func (ws *writers) run() {
	for {
		ws.mu.Lock()
		s := ws.pop()
		if s == nil {
			ws.running--
			ws.mu.Unlock()
			return
		}
		s.state = serving
		ws.mu.Unlock()
		if !ws.serve(s) {
			ws.served(s)
		}
		// A writer that always has a socket to serve would keep its CPU
		// until the scheduler preempts it, 10 ms later, while the API's
		// goroutines wait: let them run between two sockets.
		runtime.Gosched()
	}
}

// pop takes the oldest socket waiting, or nil. The caller holds ws.mu.
func (ws *writers) pop() *screenSocket {
	for ws.head < len(ws.queue) {
		s := ws.queue[ws.head]
		ws.queue[ws.head] = nil
		ws.head++
		if s.state == waiting {
			ws.compact()
			return s
		}
	}
	ws.queue, ws.head = ws.queue[:0], 0
	return nil
}

// compact lets the queue's slice move down once half of it is spent.
func (ws *writers) compact() {
	if ws.head > len(ws.queue)/2 && ws.head > 64 {
		n := copy(ws.queue, ws.queue[ws.head:])
		clear(ws.queue[n:])
		ws.queue, ws.head = ws.queue[:n], 0
	}
}

// served ends a turn of s: it queues again if it was asked for meanwhile.
func (ws *writers) served(s *screenSocket) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if s.state != serving {
		return
	}
	s.state = idle
	if s.again {
		s.again = false
		ws.enqueue(s)
	}
}

// serve writes what s has to send: a ping when one is due, the follow-ups
// due, and the messages of the events waiting, all in one write. It
// reports true when the write was slow and goes on on a goroutine of its
// own, which ends the turn.
func (ws *writers) serve(s *screenSocket) (async bool) {
	now := time.Now()
	// Ping now and then, busy or not: a screen that vanished without
	// closing is noticed even while messages keep the socket busy. One
	// that has not answered the last ping by the time of the next is
	// dropped.
	if !now.Before(s.nextPing) {
		if !s.pingSent.IsZero() && s.lastPong.Load() < s.pingSent.UnixNano() {
			ws.stop(s, errNoPong)
			return false
		}
		s.w.send(pingFrame)
		s.pingSent = now
		s.nextPing = pingTime(now.Add(ws.pingEvery))
	}
	if s.f.screen.Station == "" && s.watch != nil {
		if _, panel, gen := s.watch.current(); gen != s.alarmGen {
			s.w.send(panel)
			s.alarmGen = gen
			s.sentMessage(len(panel))
		}
	}
	b, err := sendWaiting(s, now)
	if err != nil {
		ws.stop(s, err)
		return false
	}
	slow, err := s.w.flush()
	if slow {
		go func() {
			ws.wrote(s, b, s.w.finish())
			ws.served(s)
		}()
		return true
	}
	ws.wrote(s, b, err)
	return false
}

// wrote follows a write of batch b to s that ended with err.
func (ws *writers) wrote(s *screenSocket, b batch, err error) {
	if err != nil {
		ws.stop(s, err)
		return
	}
	if b.catchUp && s.sub.Overflows() > b.overflows {
		// It fell behind again while taking the snapshot that was to
		// catch it up: it cannot keep up. Nothing more is written; the
		// close frame goes out now and the page reconnects.
		ws.leave(s)
		s.closing.CompareAndSwap(nil, &reasonBehind)
		go func() {
			s.c.Close(websocket.StatusTryAgainLater, "too slow, reconnect")
			s.end(errTooSlow)
		}()
		return
	}
	if b.more {
		ws.ask(s)
	}
	due := s.nextPing
	if len(s.pending) > 0 {
		due = minTime(due, s.pending[0].due)
	}
	if !due.Equal(s.timerDue) || !due.After(time.Now()) {
		s.timerDue = due
		s.timer.Reset(time.Until(due))
	}
}

// pingBatch is the step that ping times are rounded up to, so that the
// sockets' pings, spread over the interval, go out some tens at a time:
// one wakeup for the lot rather than one each, and their pongs come back
// together.
const pingBatch = time.Second

// pingTime rounds t up to a multiple of pingBatch.
func pingTime(t time.Time) time.Time {
	if r := t.Truncate(pingBatch); !r.Equal(t) {
		return r.Add(pingBatch)
	}
	return t
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// followUp is a message to send once it is due: the removal of a leaving
// ticket once its animation is over.
type followUp struct {
	due  time.Time
	data []byte // the frame
}

// maxBatch is about how many bytes of messages a socket sends in one write
// when it is behind; the rest follow in the next.
const maxBatch = 256 << 10

// batch is what sendWaiting wrote.
type batch struct {
	more bool // it stopped at maxBatch: more may be waiting
	// catchUp: it holds a snapshot that brings a screen that fell behind
	// up to date, taken when the subscription had fallen behind overflows
	// times.
	catchUp   bool
	overflows int
}

// sendWaiting puts on s's wire the follow-ups due at now and the messages
// of the events waiting, oldest first, up to about maxBatch bytes. Each is
// a WebSocket message of its own: htmx applies the swaps of one message
// together, finding all their targets first, so messages are not merged.
func sendWaiting(s *screenSocket, now time.Time) (batch, error) {
	w, sub, f, pending := s.w, s.sub, s.f, &s.pending
	var b batch
	written := 0
	for len(*pending) > 0 && !(*pending)[0].due.After(now) {
		w.send((*pending)[0].data)
		written += len((*pending)[0].data)
		s.sentMessage(len((*pending)[0].data))
		*pending = (*pending)[1:]
	}
	for written < maxBatch {
		e, ok, err := sub.TryNext()
		if err != nil || !ok {
			return b, err
		}
		fr := f.get(e)
		if fr.err != nil {
			return b, fr.err
		}
		if e.Kind == orders.EventSnapshot {
			// Counted once it is rendered: what it must outpace is the
			// write.
			b.overflows = sub.Overflows()
			b.catchUp = b.overflows > 0
			if b.overflows > s.overflowsSeen {
				s.overflowsSeen = b.overflows
				s.metrics.snapshot(snapshotBehind)
			}
			// The snapshot has no leaving tickets left to remove.
			*pending = (*pending)[:0]
		}
		if fr.wire != nil {
			w.send(fr.wire)
			written += len(fr.wire)
			s.sentMessage(len(fr.wire))
			s.rec.sentEvent(e, s.clock(), s.info.acks)
			if e.Kind == orders.EventSnapshot {
				s.snapshots.Add(1)
			}
		}
		if fr.followUp != nil {
			*pending = append(*pending, followUp{now.Add(fr.delay), fr.followUpWire})
			slices.SortStableFunc(*pending, func(a, b followUp) int { return a.due.Compare(b.due) })
		}
	}
	b.more = true
	return b, nil
}

// sentMessage counts a message of n bytes sent to s.
func (s *screenSocket) sentMessage(n int) {
	s.messages.Add(1)
	s.bytes.Add(int64(n))
	s.metrics.sent(n)
}

// ack notes the screen's ack of version v (see receipts).
func (s *screenSocket) ack(v uint64) {
	if lag, ok := s.rec.acked(v, s.clock()); ok {
		s.metrics.acked(lag)
	}
}
