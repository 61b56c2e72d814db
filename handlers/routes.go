package handlers

import (
	"net/http"

	"github.com/ticketrail/ticketrail/assets"
)

// routes lists every URL the rail serves.
func (h *Handler) routes() *http.ServeMux {
	board, log, door, og := h.opts.Board, h.log, h.door, h.origins
	socket := &socketServer{
		door: door, board: board, frames: h.screens, sockets: h.sockets, origins: h.opts.OriginPatterns,
		writeTimeout: h.opts.WriteTimeout, pingEvery: h.opts.PingEvery, limits: h.opts.Limits, log: log,
	}
	screens := &screenAdmin{door: door, board: board, pairing: h.pairing, sockets: h.sockets, look: h.look, log: log}

	mux := http.NewServeMux()
	mux.Handle("GET /{$}", handlePage(door, board, h.pairing, h.look, h.opts.Authorize != nil, log))
	mux.Handle("GET /ws", limitScreens(h.opts.Limits, log, socket))
	mux.Handle("GET /fragments/rail", og.cors("GET", handleRailFragment(door, board, h.look, log)))
	mux.Handle("GET /fragments/tickets/{id}", og.cors("GET", handleTicketFragment(door, board, h.look, log)))
	mux.Handle("OPTIONS /fragments/", og.cors("GET", nil))
	mux.Handle("POST /orders/{id}/{action}", og.crossSiteSafe(door.kitchen(handlePageAction(board, log))))
	mux.Handle("POST /orders/{id}/items/{item}/{state}", og.crossSiteSafe(door.kitchen(handlePageAction(board, log))))
	mux.Handle("POST /recall", og.crossSiteSafe(door.kitchen(handlePageAction(board, log))))
	mux.Handle("GET /pair", handlePairingPoll(door, h.pairing))
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
	mux.Handle("POST /api/orders", limit(door.apiAuth(handleCreateOrder(board, log))))
	mux.Handle("GET /api/orders", limit(door.apiAuth(handleListOrders(board, log))))
	mux.Handle("GET /api/orders/{id}", limit(door.apiAuth(handleGetOrder(board, log))))
	mux.Handle("POST /api/orders/{id}/{action}", limit(door.apiAuth(handleOrderAction(board, log))))
	mux.Handle("POST /api/orders/{id}/items/{item}/{state}", limit(door.apiAuth(handleItemAction(board, log))))
	mux.Handle("GET /api/stats", limit(door.apiAuth(handleStats(board, log))))
	mux.Handle("GET /api/screens", limit(door.apiAuth(screens.handleList())))
	mux.Handle("POST /api/screens", limit(door.apiAuth(screens.handleAdd())))
	mux.Handle("DELETE /api/screens/{id}", limit(door.apiAuth(screens.handleDelete())))
	return mux
}
