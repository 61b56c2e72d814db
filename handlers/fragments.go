package handlers

import (
	"net/http"

	"github.com/a-h/templ"

	"github.com/ticketrail/ticketrail/views"
)

// railFragment serves the bare rail block with every open ticket the
// screen of ?station= shows (every one for the expo), for pages that
// include it on the server; ?controls=none leaves out every control.
func (h *Handler) railFragment() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k, _, ok := h.door.viewer(w, r)
		if !ok {
			return
		}
		snap := h.opts.Board.Snapshot()
		h.writeHTML(w, r, views.Rail(h.screen(k), snap.Now, snap.Orders))
	})
}

// ticketFragment serves one open ticket, or 404; ?controls=none leaves out
// every control.
func (h *Handler) ticketFragment() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := parseID("ticket", r.PathValue("id"))
		if err != nil {
			writeError(w, r, h.log, err)
			return
		}
		k, _, ok := h.door.viewer(w, r)
		if !ok {
			return
		}
		o, err := h.opts.Board.Order(id)
		if err != nil {
			writeError(w, r, h.log, err)
			return
		}
		h.writeHTML(w, r, views.Ticket(h.screen(k), h.opts.Board.Now(), o))
	})
}

// writeHTML renders c completely before writing it, so that an error never
// sends half a page.
func (h *Handler) writeHTML(w http.ResponseWriter, r *http.Request, c templ.Component) {
	body, err := render(c)
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(body)
}
