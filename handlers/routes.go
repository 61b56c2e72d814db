package handlers

import (
	"net/http"

	"github.com/ticketrail/ticketrail/assets"
)

// routes lists every URL the rail serves.
func (h *Handler) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", h.page())
	mux.Handle("GET /ws", h.socket())
	mux.Handle("GET /fragments/rail", h.railFragment())
	mux.Handle("GET /fragments/tickets/{id}", h.ticketFragment())
	mux.Handle("/assets/", assets.Handler())
	mux.Handle("GET /healthz", healthz())
	return mux
}
