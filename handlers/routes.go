package handlers

import (
	"net/http"

	"github.com/ticketrail/ticketrail/assets"
)

// routes lists every URL the rail serves.
func (h *Handler) routes() *http.ServeMux {
	board, log, d, og := h.opts.Board, h.log, h.door, h.origins
	socket := &socketServer{
		door: d, board: board, frames: h.screens, sockets: h.sockets, origins: h.opts.OriginPatterns,
		writeTimeout: h.opts.WriteTimeout, limits: h.opts.Limits, log: log,
		writers: newWriters(h.opts.PingEvery), watch: h.watch, metrics: h.metrics,
	}
	h.watch.writers = socket.writers
	fl := &fleet{door: d, sockets: h.sockets, watch: h.watch, look: h.look, log: log}
	screens := &screenAdmin{door: d, board: board, pairing: h.pairing, sockets: h.sockets, look: h.look, log: log}

	mux := http.NewServeMux()
	mux.Handle("GET /{$}", handlePage(d, board, h.pairing, h.look, h.watch, h.opts.Authorize != nil, log))
	mux.Handle("GET /ws", limitScreens(h.opts.Limits, log, socket))
	mux.Handle("GET /fragments/rail", og.cors("GET", handleRailFragment(d, board, h.look, log)))
	mux.Handle("GET /fragments/tickets/{id}", og.cors("GET", handleTicketFragment(d, board, h.look, log)))
	mux.Handle("OPTIONS /fragments/", og.cors("GET", nil))
	mux.Handle("POST /orders/{id}/{action}", og.crossSiteSafe(d.kitchen(handlePageAction(board, log))))
	mux.Handle("POST /orders/{id}/items/{item}/{state}", og.crossSiteSafe(d.kitchen(handlePageAction(board, log))))
	mux.Handle("POST /recall", og.crossSiteSafe(d.kitchen(handlePageAction(board, log))))
	mux.Handle("GET /pair", handlePairingPoll(d, h.pairing))
	mux.Handle("GET /screens", screens.handlePage())
	mux.Handle("GET /fleet", fl.handlePage())
	mux.Handle("GET /fleet/cards", fl.handleCards())
	mux.Handle("POST /screens", og.crossSiteSafe(screens.handleAction()))
	mux.Handle("POST /screens/{id}/revoke", og.crossSiteSafe(screens.handleAction()))
	mux.Handle("OPTIONS /orders/", og.cors("POST", nil))
	mux.Handle("OPTIONS /recall", og.cors("POST", nil))
	mux.Handle("/assets/", og.cors("GET, HEAD", assets.Handler()))
	mux.Handle("GET /healthz", handleHealthz())
	mux.Handle("GET /readyz", handleReadyz(board))

	// One rate limit for the whole API: its routes share each client's
	// bucket. Each route is counted and timed by its pattern, refused
	// requests too.
	limit := limitAPI(h.opts.Limits)
	api := func(pattern string, next http.Handler) {
		mux.Handle(pattern, h.metrics.apiRoute(pattern, limit(d.apiAuth(next))))
	}
	api("POST /api/orders", handleCreateOrder(board, log))
	api("GET /api/orders", handleListOrders(board, log))
	api("GET /api/orders/{id}", handleGetOrder(board, log))
	api("POST /api/orders/{id}/{action}", handleOrderAction(board, log))
	api("POST /api/orders/{id}/items/{item}/{state}", handleItemAction(board, log))
	api("GET /api/stats", handleStats(board, log))
	api("GET /api/screens", screens.handleList())
	api("POST /api/screens", screens.handleAdd())
	api("DELETE /api/screens/{id}", screens.handleDelete())
	return mux
}
