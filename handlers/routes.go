package handlers

import (
	"net/http"

	"github.com/ticketrail/ticketrail/assets"
)

// routes lists every URL the rail serves.
func (h *Handler) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", h.page())
	mux.Handle("GET /ws", h.limitScreens(h.socket()))
	mux.Handle("GET /fragments/rail", h.origins.cors("GET", h.railFragment()))
	mux.Handle("GET /fragments/tickets/{id}", h.origins.cors("GET", h.ticketFragment()))
	mux.Handle("OPTIONS /fragments/", h.origins.cors("GET", nil))
	mux.Handle("POST /orders/{id}/{action}", h.origins.crossSiteSafe(h.door.kitchen(handlePageAction(h.opts.Board, h.log))))
	mux.Handle("POST /orders/{id}/items/{item}/{state}", h.origins.crossSiteSafe(h.door.kitchen(handlePageAction(h.opts.Board, h.log))))
	mux.Handle("POST /recall", h.origins.crossSiteSafe(h.door.kitchen(handlePageAction(h.opts.Board, h.log))))
	mux.Handle("GET /pair", h.pairingPoll())
	mux.Handle("GET /screens", h.screensPage())
	mux.Handle("POST /screens", h.origins.crossSiteSafe(h.screensAction()))
	mux.Handle("POST /screens/{id}/revoke", h.origins.crossSiteSafe(h.screensAction()))
	mux.Handle("OPTIONS /orders/", h.origins.cors("POST", nil))
	mux.Handle("OPTIONS /recall", h.origins.cors("POST", nil))
	mux.Handle("/assets/", h.origins.cors("GET, HEAD", assets.Handler()))
	mux.Handle("GET /healthz", healthz())
	mux.Handle("GET /readyz", readyz(h.opts.Board))

	limitAPI := h.limitAPI()
	mux.Handle("POST /api/orders", limitAPI(h.door.apiAuth(handleCreateOrder(h.opts.Board, h.log))))
	mux.Handle("GET /api/orders", limitAPI(h.door.apiAuth(handleListOrders(h.opts.Board, h.log))))
	mux.Handle("GET /api/orders/{id}", limitAPI(h.door.apiAuth(handleGetOrder(h.opts.Board, h.log))))
	mux.Handle("POST /api/orders/{id}/{action}", limitAPI(h.door.apiAuth(handleOrderAction(h.opts.Board, h.log))))
	mux.Handle("POST /api/orders/{id}/items/{item}/{state}", limitAPI(h.door.apiAuth(handleItemAction(h.opts.Board, h.log))))
	mux.Handle("GET /api/stats", limitAPI(h.door.apiAuth(handleStats(h.opts.Board, h.log))))
	mux.Handle("GET /api/screens", limitAPI(h.door.apiAuth(h.listScreens())))
	mux.Handle("POST /api/screens", limitAPI(h.door.apiAuth(h.addScreen())))
	mux.Handle("DELETE /api/screens/{id}", limitAPI(h.door.apiAuth(h.deleteScreen())))
	return mux
}
