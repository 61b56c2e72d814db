package handlers

import (
	"testing"
)

// taken reports whether w has been handed a turn, and takes it.
func taken(w *writer) bool {
	select {
	case <-w.turn:
		return true
	default:
		return false
	}
}

// TestWriteTurns: two turns go to the first two writers that ask; the
// others wait, and get them in the order they asked as turns come back; a
// writer that asks again while it holds a turn queues again when it gives
// it back; a writer that leaves passes on the turn it holds, and one that
// left is skipped.
func TestWriteTurns(t *testing.T) {
	turns := &writeTurns{free: 2}
	ws := make([]*writer, 5)
	for i := range ws {
		ws[i] = newWriter()
		turns.ask(ws[i])
	}
	turns.ask(ws[2]) // asking twice while waiting changes nothing
	for i, w := range ws {
		if got := taken(w); got != (i < 2) {
			t.Fatalf("writer %d has a turn: %v", i, got)
		}
	}
	turns.ask(ws[0]) // more to write: it queues again once it gives back
	turns.give(ws[0])
	if !taken(ws[2]) || taken(ws[3]) {
		t.Fatal("the turn given back did not go to the oldest waiting")
	}
	turns.leave(ws[3]) // waiting, then gone: skipped
	turns.leave(ws[1]) // held a turn: it passes on
	if !taken(ws[4]) {
		t.Fatal("the turn of a writer that left did not pass on")
	}
	turns.give(ws[2])
	if !taken(ws[0]) {
		t.Fatal("a writer that asked while it held its turn did not get another")
	}
	turns.give(ws[4])
	turns.give(ws[0])
	if turns.free != 2 || len(turns.queue[turns.head:]) != 0 {
		t.Errorf("%d turns free, %d waiting at the end; want 2 and 0", turns.free, len(turns.queue[turns.head:]))
	}
	turns.ask(ws[3]) // gone: never handed a turn again
	if taken(ws[3]) || turns.free != 2 {
		t.Error("a writer that left was handed a turn")
	}
}
