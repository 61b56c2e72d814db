package handlers

import (
	"net/http"

	"github.com/ticketrail/ticketrail/orders"
)

// handleHealthz answers 200 while the server is up: it is alive, whether or not
// it can take orders (see handleReadyz).
func handleHealthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
}

// handleReadyz answers 200 "ready" while the board can take changes (its store
// takes writes: see orders.Board.Ready), and 503 with the reason while it
// cannot, such as a read-only database or a full disk, so that a load
// balancer or a supervisor sends no orders to a server that would refuse
// them. The check writes to the store, so it is cheap but not free: ask
// every few seconds, not in a loop.
func handleReadyz(board *orders.Board) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if err := board.Ready(r.Context()); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("not ready: " + err.Error() + "\n"))
			return
		}
		w.Write([]byte("ready\n"))
	})
}
