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
	mux.Handle("GET /fragments/rail", h.cors("GET", h.railFragment()))
	mux.Handle("GET /fragments/tickets/{id}", h.cors("GET", h.ticketFragment()))
	mux.Handle("OPTIONS /fragments/", h.cors("GET", nil))
	mux.Handle("POST /orders/{id}/{action}", h.crossSiteSafe(h.kitchen(handlePageAction(h.opts.Board, h.log))))
	mux.Handle("POST /orders/{id}/items/{item}/{state}", h.crossSiteSafe(h.kitchen(handlePageAction(h.opts.Board, h.log))))
	mux.Handle("POST /recall", h.crossSiteSafe(h.kitchen(handlePageAction(h.opts.Board, h.log))))
	mux.Handle("GET /pair", h.pairingPoll())
	mux.Handle("GET /screens", h.screensPage())
	mux.Handle("POST /screens", h.crossSiteSafe(h.screensAction()))
	mux.Handle("POST /screens/{id}/revoke", h.crossSiteSafe(h.screensAction()))
	mux.Handle("OPTIONS /orders/", h.cors("POST", nil))
	mux.Handle("OPTIONS /recall", h.cors("POST", nil))
	mux.Handle("/assets/", h.cors("GET, HEAD", assets.Handler()))
	mux.Handle("GET /healthz", healthz())
	mux.Handle("GET /readyz", readyz(h.opts.Board))

	limitAPI := h.limitAPI()
	mux.Handle("POST /api/orders", limitAPI(h.apiAuth(h.createOrder())))
	mux.Handle("GET /api/orders", limitAPI(h.apiAuth(h.listOrders())))
	mux.Handle("GET /api/orders/{id}", limitAPI(h.apiAuth(h.getOrder())))
	mux.Handle("POST /api/orders/{id}/{action}", limitAPI(h.apiAuth(h.orderAction())))
	mux.Handle("POST /api/orders/{id}/items/{item}/{state}", limitAPI(h.apiAuth(h.itemAction())))
	mux.Handle("GET /api/stats", limitAPI(h.apiAuth(h.stats())))
	mux.Handle("GET /api/screens", limitAPI(h.apiAuth(h.listScreens())))
	mux.Handle("POST /api/screens", limitAPI(h.apiAuth(h.addScreen())))
	mux.Handle("DELETE /api/screens/{id}", limitAPI(h.apiAuth(h.deleteScreen())))
	return mux
}
