package handlers

import "testing"

// TestWritersQueue: sockets are served in the order they asked; asking
// again while waiting changes nothing; a socket asked for while it is
// served queues again once that is over; one that left is skipped.
func TestWritersQueue(t *testing.T) {
	ws := &writers{} // no writer goroutines: the test takes their place
	a, b, c := &screenSocket{state: idle}, &screenSocket{state: idle}, &screenSocket{state: idle}
	ws.ask(a)
	ws.ask(b)
	ws.ask(c)
	ws.ask(b)
	take := func() *screenSocket {
		ws.mu.Lock()
		defer ws.mu.Unlock()
		s := ws.pop()
		if s != nil {
			s.state = serving
		}
		return s
	}
	if got := take(); got != a {
		t.Fatal("the first to ask was not served first")
	}
	ws.ask(a) // more for a while it is served
	ws.served(a)
	ws.leave(b)
	if got := take(); got != c {
		t.Fatal("a socket that left was served, or the order is wrong")
	}
	ws.served(c)
	if got := take(); got != a {
		t.Fatal("a socket asked for while served did not queue again")
	}
	ws.served(a)
	if got := take(); got != nil {
		t.Fatal("the queue is not empty at the end")
	}
	if a.state != idle || c.state != idle || b.state != gone {
		t.Errorf("states %v %v %v", a.state, b.state, c.state)
	}
}
