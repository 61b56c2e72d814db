package handlers

import (
	"runtime"
	"sync"
)

// writeTurns lets a few sockets write at a time, a couple per CPU, in the
// order they asked. After a new order every socket has a message to send;
// were each socket's writer woken at once, thousands of goroutines would
// queue to run, and the goroutines of the API and of the board would wait
// behind all of them (seconds, at 10,000 screens). Instead a socket with
// something to send asks for a turn, and only the writers that hold one
// are woken: the others stay parked, and a request is served within a few
// writes. A turn is held for the writing only, and for at most quickWrite
// of the network write: a slow screen never holds one up.
type writeTurns struct {
	mu    sync.Mutex
	free  int       // turns nobody holds
	queue []*writer // asked and waiting, oldest first
	head  int       // queue[head:] is the queue
}

// writer is one socket's writer as the turns see it.
type writer struct {
	// turn receives when the writer is given a turn.
	turn  chan struct{}
	state turnState
	again bool // asked while it held its turn: it queues again after
}

type turnState int

const (
	idle    turnState = iota
	waiting           // in the queue
	holding           // given a turn, until it gives it back
	gone              // the socket ended
)

func newWriteTurns() *writeTurns {
	return &writeTurns{free: 2 * runtime.GOMAXPROCS(0)}
}

func newWriter() *writer { return &writer{turn: make(chan struct{}, 1)} }

// ask asks a turn for w, which receives it on w.turn: at once if one is
// free, else when the writers ahead have written. Asking again while
// waiting changes nothing; while holding a turn, w queues again once it
// gives it back, so nothing asked in between is missed.
func (t *writeTurns) ask(w *writer) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch w.state {
	case idle:
		if t.free > 0 {
			t.free--
			t.hand(w)
			return
		}
		w.state = waiting
		t.queue = append(t.queue, w)
	case holding:
		w.again = true
	}
}

// give gives w's turn back: to the next writer waiting, or to the free
// ones.
func (t *writeTurns) give(w *writer) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if w.state != holding {
		return
	}
	w.state = idle
	if w.again {
		w.again = false
		w.state = waiting
		t.queue = append(t.queue, w)
	}
	t.passOn()
}

// leave says that w's socket ended: a turn it holds or was handed passes
// on, and it is never handed one again.
func (t *writeTurns) leave(w *writer) {
	t.mu.Lock()
	defer t.mu.Unlock()
	held := w.state == holding
	w.state = gone
	if held {
		t.passOn()
	}
}

// passOn hands a turn that was given back to the oldest writer waiting.
// The caller holds t.mu.
func (t *writeTurns) passOn() {
	for t.head < len(t.queue) {
		w := t.queue[t.head]
		t.queue[t.head] = nil
		t.head++
		if w.state == waiting {
			t.hand(w)
			t.compact()
			return
		}
	}
	t.compact()
	t.free++
}

// hand gives w a turn. The caller holds t.mu.
func (t *writeTurns) hand(w *writer) {
	w.state = holding
	select {
	case w.turn <- struct{}{}:
	default: // a turn from before is still unread; this one is the same
	}
}

// compact lets the queue's slice start over once it is empty, or move
// down once half of it is spent.
func (t *writeTurns) compact() {
	switch {
	case t.head == len(t.queue):
		t.queue, t.head = t.queue[:0], 0
	case t.head > len(t.queue)/2 && t.head > 64:
		n := copy(t.queue, t.queue[t.head:])
		clear(t.queue[n:])
		t.queue, t.head = t.queue[:n], 0
	}
}
