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
		writers: newWriters(h.opts.PingEvery),
	}
	screens := &screenAdmin{door: d, board: board, pairing: h.pairing, sockets: h.sockets, look: h.look, log: log}

	mux := http.NewServeMux()
	mux.Handle("GET /{$}", handlePage(d, board, h.pairing, h.look, h.opts.Authorize != nil, log))
	mux.Handle("GET /ws", limitScreens(h.opts.Limits, log, socket))
	mux.Handle("GET /fragments/rail", og.cors("GET", handleRailFragment(d, board, h.look, log)))
	mux.Handle("GET /fragments/tickets/{id}", og.cors("GET", handleTicketFragment(d, board, h.look, log)))
	mux.Handle("OPTIONS /fragments/", og.cors("GET", nil))
	mux.Handle("POST /orders/{id}/{action}", og.crossSiteSafe(d.kitchen(handlePageAction(board, log))))
	mux.Handle("POST /orders/{id}/items/{item}/{state}", og.crossSiteSafe(d.kitchen(handlePageAction(board, log))))
	mux.Handle("POST /recall", og.crossSiteSafe(d.kitchen(handlePageAction(board, log))))
	mux.Handle("GET /pair", handlePairingPoll(d, h.pairing))
	mux.Handle("GET /screens", screens.handlePage())
	mux.Handle("POST /screens", og.crossSiteSafe(screens.handleAction()))
	mux.Handle("POST /screens/{id}/revoke", og.crossSiteSafe(screens.handleAction()))
	mux.Handle("OPTIONS /orders/", og.cors("POST", nil))
	mux.Handle("OPTIONS /recall", og.cors("POST", nil))
	mux.Handle("/assets/", og.cors("GET, HEAD", assets.Handler()))
	mux.Handle("GET /healthz", handleHealthz())
	mux.Handle("GET /readyz", handleReadyz(board))

	// One rate limit for the whole API: its routes share each client's
	// bucket.
	limit := limitAPI(h.opts.Limits)
	mux.Handle("POST /api/orders", limit(d.apiAuth(handleCreateOrder(board, log))))
	mux.Handle("GET /api/orders", limit(d.apiAuth(handleListOrders(board, log))))
	mux.Handle("GET /api/orders/{id}", limit(d.apiAuth(handleGetOrder(board, log))))
	mux.Handle("POST /api/orders/{id}/{action}", limit(d.apiAuth(handleOrderAction(board, log))))
	mux.Handle("POST /api/orders/{id}/items/{item}/{state}", limit(d.apiAuth(handleItemAction(board, log))))
	mux.Handle("GET /api/stats", limit(d.apiAuth(handleStats(board, log))))
	mux.Handle("GET /api/screens", limit(d.apiAuth(screens.handleList())))
	mux.Handle("POST /api/screens", limit(d.apiAuth(screens.handleAdd())))
	mux.Handle("DELETE /api/screens/{id}", limit(d.apiAuth(screens.handleDelete())))
	return mux
}
