package handlers

import (
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/ticketrail/ticketrail/orders"
)

// DefaultListLimit and MaxListLimit bound GET /api/orders.
const (
	DefaultListLimit = 100
	MaxListLimit     = 1000
)

// apiAuth is the order API's side of the one door (see principal): with
// an API token configured every call must carry it; without one, the
// callers that the pairing mode trusts, or a paired screen, get through: a
// kitchen one for everything, a view-only one for reading. The caller is
// the actor of the changes in the orders' history. Either way, a browser's
// cross-site request that changes something is refused: the API is for
// programs, and a page open on a kitchen screen must not be able to void
// orders.
func (h *Handler) apiAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h.csrf.Check(r); err != nil {
			writeJSON(w, http.StatusForbidden, apiError{Error: "cross-site requests to the order API are refused"})
			return
		}
		p, err := h.principal(r)
		reading := r.Method == http.MethodGet || r.Method == http.MethodHead
		switch {
		case errors.Is(err, errBadToken), err == nil && h.opts.APIToken != "" && p.Actor != "api":
			w.Header().Set("WWW-Authenticate", `Bearer realm="orders"`)
			writeJSON(w, http.StatusUnauthorized, apiError{Error: errBadToken.Error()})
			return
		case err != nil, !p.Kitchen() && !(reading && p.Sees()):
			writeJSON(w, http.StatusForbidden, apiError{Error: "the order API answers only this machine unless the server has an API token (-api-token)"})
			return
		}
		next.ServeHTTP(w, r.WithContext(orders.WithActor(r.Context(), p.Actor)))
	})
}

// loopbackHost reports whether a Host header names this machine: localhost
// or a loopback address, with or without a port.
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func fromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// createOrder places an order from a JSON body. A retry with the same
// Idempotency-Key header or source_id answers 200 with the first order;
// another order that reuses either answers 422 (as the IETF draft on the
// Idempotency-Key header says), naming the field and the first order. A
// retry sent while the first is still being placed waits for it and then
// answers 200. The order's changes are recorded as the caller's (see
// orders.WithActor), "api" when the request names none.
func (h *Handler) createOrder() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
			writeJSON(w, http.StatusUnsupportedMediaType, apiError{Error: "send the order as Content-Type: application/json"})
			return
		}
		n, err := decodeOrder(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
		if err != nil {
			writeAPIError(w, r, h.log, err, "no such order")
			return
		}
		n.Key = strings.TrimSpace(r.Header.Get("Idempotency-Key"))
		ctx := r.Context()
		if orders.ActorFrom(ctx) == "" {
			ctx = orders.WithActor(ctx, "api")
		}
		o, created, err := h.opts.Board.Place(ctx, n)
		if reuse := (*orders.ReuseError)(nil); errors.As(err, &reuse) {
			what := "source_id"
			if reuse.Field == "idempotency_key" {
				what = "Idempotency-Key"
			}
			writeJSON(w, http.StatusUnprocessableEntity, struct {
				apiError
				Order int64 `json:"order"`
			}{apiError{
				Error:   "the " + what + " was sent before with another order",
				Field:   reuse.Field,
				Problem: fmt.Sprintf("order %d was placed with it and other content: send the same order to retry it, or a new %s for a new order", reuse.ID, what),
			}, reuse.ID})
			return
		}
		if err != nil {
			writeAPIError(w, r, h.log, err, "no such order")
			return
		}
		w.Header().Set("Location", "orders/"+strconv.FormatInt(o.ID, 10))
		status := http.StatusOK
		if created {
			status = http.StatusCreated
		}
		writeJSON(w, status, o)
	})
}

// orderAction fires, bumps, recalls or cancels an order. Repeating an
// action that already holds answers 200 with the order unchanged.
func (h *Handler) orderAction() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, err := newAction(r.PathValue("action"), r.PathValue("id"), r.URL.Query().Get("station"))
		if errors.Is(err, errUnknownAction) {
			writeJSON(w, http.StatusNotFound, apiError{Error: fmt.Sprintf("unknown action %q: use fire, bump, recall, cancel or done?station=...", r.PathValue("action"))})
			return
		}
		var o orders.Order
		if err == nil {
			o, err = act(r.Context(), h.opts.Board, a)
		}
		if err != nil {
			writeAPIError(w, r, h.log, err, "no such order")
			return
		}
		writeJSON(w, http.StatusOK, o)
	})
}

// itemAction marks one item of an open order done or not done, at
// /api/orders/{id}/items/{item}/done and .../undone. It answers 200 with
// the order, also when the item already was as asked; 404 for an unknown
// order, or an index that is not a whole number or names no item; 409 for
// an order that is not open.
func (h *Handler) itemAction() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, err := newItemAction("item-"+r.PathValue("state"), r.PathValue("id"), r.PathValue("item"))
		if errors.Is(err, errUnknownAction) {
			writeJSON(w, http.StatusNotFound, apiError{Error: fmt.Sprintf("unknown action %q on an item: use done or undone", r.PathValue("state"))})
			return
		}
		var o orders.Order
		if err == nil {
			o, err = act(r.Context(), h.opts.Board, a)
		}
		if err != nil {
			writeAPIError(w, r, h.log, err, "no such order or item")
			return
		}
		writeJSON(w, http.StatusOK, o)
	})
}

// getOrder answers one order, open or not, with its history: who changed
// it, when and how, oldest first.
func (h *Handler) getOrder() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := parseID("order", r.PathValue("id"))
		if err == nil {
			var o orders.Order
			var history []orders.Change
			if o, err = h.opts.Board.Lookup(r.Context(), id); err == nil {
				history, err = h.opts.Board.History(r.Context(), id)
			}
			if err == nil {
				if history == nil {
					history = []orders.Change{}
				}
				writeJSON(w, http.StatusOK, struct {
					orders.Order
					History []orders.Change `json:"history"`
				}{o, history})
				return
			}
		}
		writeAPIError(w, r, h.log, err, "no such order")
	})
}

// listOrders answers the orders with the statuses in ?status= (comma
// separated; "open" means received and fired), the newest ?limit= of them,
// in the order placed.
func (h *Handler) listOrders() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var statuses []orders.Status
		for _, s := range strings.Split(r.URL.Query().Get("status"), ",") {
			switch s = strings.TrimSpace(s); orders.Status(s) {
			case "":
			case "open":
				statuses = append(statuses, orders.Received, orders.Fired)
			case orders.Received, orders.Fired, orders.Bumped, orders.Cancelled:
				statuses = append(statuses, orders.Status(s))
			default:
				writeJSON(w, http.StatusBadRequest, apiError{Error: "invalid query", Field: "status",
					Problem: "must be open, received, fired, bumped or cancelled, or several of them separated by commas"})
				return
			}
		}
		limit := DefaultListLimit
		if v := r.URL.Query().Get("limit"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > MaxListLimit {
				writeJSON(w, http.StatusBadRequest, apiError{Error: "invalid query", Field: "limit", Problem: fmt.Sprintf("must be from 1 to %d", MaxListLimit)})
				return
			}
			limit = n
		}
		list, err := h.opts.Board.List(r.Context(), limit, statuses...)
		if err != nil {
			writeAPIError(w, r, h.log, err, "no such order")
			return
		}
		if list == nil {
			list = []orders.Order{}
		}
		writeJSON(w, http.StatusOK, struct {
			Orders []orders.Order `json:"orders"`
		}{list})
	})
}

// stats answers the speed of service for the last hour and today.
func (h *Handler) stats() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rep, err := h.opts.Board.Stats(r.Context())
		if err != nil {
			writeAPIError(w, r, h.log, err, "no such order")
			return
		}
		writeJSON(w, http.StatusOK, rep)
	})
}
