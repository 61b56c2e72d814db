package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
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

// writeJSON answers v as JSON with status, never cached.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":"internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

// handleCreateOrder places an order from a JSON body. A retry with the same
// Idempotency-Key header or source_id answers 200 with the first order;
// another order that reuses either answers 422 (as the IETF draft on the
// Idempotency-Key header says), naming the field and the first order. A
// retry sent while the first is still being placed waits for it and then
// answers 200. The order's changes are recorded as the caller's (see
// orders.WithActor), "api" when the request names none.
func handleCreateOrder(board *orders.Board, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
			writeJSON(w, http.StatusUnsupportedMediaType, apiError{Error: "send the order as Content-Type: application/json"})
			return
		}
		n, err := decodeOrder(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
		if err != nil {
			writeAPIError(w, r, log, err, noSuchOrder)
			return
		}
		n.Key = strings.TrimSpace(r.Header.Get("Idempotency-Key"))
		ctx := r.Context()
		if orders.ActorFrom(ctx) == "" {
			ctx = orders.WithActor(ctx, actorAPI)
		}
		o, created, err := board.Place(ctx, n)
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
			writeAPIError(w, r, log, err, noSuchOrder)
			return
		}
		w.Header().Set("Location", "orders/"+strconv.FormatInt(o.ID, 10))
		status := http.StatusOK
		if created {
			status = http.StatusCreated
			log.Info("order placed", "by", orders.ActorFrom(r.Context()), "order", o.ID, "number", o.Number, "source_id", o.SourceID, "via", "api")
		}
		writeJSON(w, status, o)
	})
}

// handleOrderAction fires, bumps, recalls or cancels an order. Repeating an
// action that already holds answers 200 with the order unchanged.
func handleOrderAction(board *orders.Board, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, err := newAction(r.PathValue("action"), r.PathValue("id"), r.URL.Query().Get("station"))
		if errors.Is(err, errUnknownAction) {
			writeJSON(w, http.StatusNotFound, apiError{Error: fmt.Sprintf("unknown action %q: use fire, bump, recall, cancel or done?station=...", r.PathValue("action"))})
			return
		}
		var o orders.Order
		if err == nil {
			o, err = act(r.Context(), board, log, "api", a)
		}
		if err != nil {
			writeAPIError(w, r, log, err, noSuchOrder)
			return
		}
		writeJSON(w, http.StatusOK, o)
	})
}

// handleItemAction marks one item of an open order done or not done, at
// /api/orders/{id}/items/{item}/done and .../undone. It answers 200 with
// the order, also when the item already was as asked; 404 for an unknown
// order, or an index that is not a whole number or names no item; 409 for
// an order that is not open.
func handleItemAction(board *orders.Board, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, err := newItemAction("item-"+r.PathValue("state"), r.PathValue("id"), r.PathValue("item"))
		if errors.Is(err, errUnknownAction) {
			writeJSON(w, http.StatusNotFound, apiError{Error: fmt.Sprintf("unknown action %q on an item: use done or undone", r.PathValue("state"))})
			return
		}
		var o orders.Order
		if err == nil {
			o, err = act(r.Context(), board, log, "api", a)
		}
		if err != nil {
			writeAPIError(w, r, log, err, noSuchItem)
			return
		}
		writeJSON(w, http.StatusOK, o)
	})
}

// handleGetOrder answers one order, open or not, with its history: who changed
// it, when and how, oldest first.
func handleGetOrder(board *orders.Board, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := parseID("order", r.PathValue("id"))
		if err == nil {
			var o orders.Order
			var history []orders.Change
			if o, err = board.Lookup(r.Context(), id); err == nil {
				history, err = board.History(r.Context(), id)
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
		writeAPIError(w, r, log, err, noSuchOrder)
	})
}

// handleListOrders answers the orders with the statuses in ?status= (comma
// separated; "open" means received and fired), the newest ?limit= of them,
// in the order placed.
func handleListOrders(board *orders.Board, log *slog.Logger) http.Handler {
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
		list, err := board.List(r.Context(), limit, statuses...)
		if err != nil {
			writeAPIError(w, r, log, err, noSuchOrder)
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

// handleStats answers the speed of service for the last hour and today.
func handleStats(board *orders.Board, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rep, err := board.Stats(r.Context())
		if err != nil {
			writeAPIError(w, r, log, err, noSuchOrder)
			return
		}
		writeJSON(w, http.StatusOK, rep)
	})
}
