package handlers

import (
	"log/slog"
	"net/http"

	"github.com/a-h/templ"

	"github.com/ticketrail/ticketrail/orders"
	"github.com/ticketrail/ticketrail/views"
)

// handleRailFragment serves the bare rail block with every open ticket the
// screen of ?station= shows (every one for the expo), for pages that
// include it on the server; ?controls=none leaves out every control.
func handleRailFragment(d *door, board *orders.Board, lk look, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k, _, ok := d.viewer(w, r)
		if !ok {
			return
		}
		snap := board.Snapshot()
		writeHTML(w, r, log, views.Rail(lk.screen(k), snap.Now, snap.Orders))
	})
}

// handleTicketFragment serves one open ticket, or 404; ?controls=none
// leaves out every control.
func handleTicketFragment(d *door, board *orders.Board, lk look, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := parseID("ticket", r.PathValue("id"))
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		k, _, ok := d.viewer(w, r)
		if !ok {
			return
		}
		o, err := board.Order(id)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		writeHTML(w, r, log, views.Ticket(lk.screen(k), board.Now(), o))
	})
}

// writeHTML renders c completely before writing it, so that an error never
// sends half a page.
func writeHTML(w http.ResponseWriter, r *http.Request, log *slog.Logger, c templ.Component) {
	body, err := render(c)
	if err != nil {
		writeError(w, r, log, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(body)
}
