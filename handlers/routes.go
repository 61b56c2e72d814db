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
	mux.Handle("POST /orders/{id}/{action}", h.csrf.Handler(h.pageAction()))
	mux.Handle("POST /recall", h.csrf.Handler(h.pageAction()))
	mux.Handle("/assets/", assets.Handler())
	mux.Handle("GET /healthz", healthz())

	mux.Handle("POST /api/orders", h.apiAuth(h.createOrder()))
	mux.Handle("GET /api/orders", h.apiAuth(h.listOrders()))
	mux.Handle("GET /api/orders/{id}", h.apiAuth(h.getOrder()))
	mux.Handle("POST /api/orders/{id}/{action}", h.apiAuth(h.orderAction()))
	mux.Handle("GET /api/stats", h.apiAuth(h.stats()))
	return mux
}
