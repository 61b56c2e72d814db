package handlers

import (
	"net/http"

	"github.com/ticketrail/ticketrail/assets"
	"github.com/ticketrail/ticketrail/views"
)

// contentSecurityPolicy lets the page load only its own styles, scripts
// and socket: even a hostile string that escaped escaping could not run.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; " +
	"script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"

// page serves the full page with every open ticket already in the HTML, so
// a screen opened mid-service shows the rail on first paint.
func (h *Handler) page() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", contentSecurityPolicy)
		h.writeHTML(w, r, views.Page(views.PageData{
			Title:    h.opts.Store + " · Kitchen rail",
			Store:    h.opts.Store,
			CSSURL:   assets.Path("rail.css"),
			HTMXURL:  assets.Path("htmx/htmx.min.js"),
			WSExtURL: assets.Path("htmx/hx-ws.min.js"),
			WSURL:    "ws",
			Orders:   h.opts.Board.Open(),
		}))
	})
}
