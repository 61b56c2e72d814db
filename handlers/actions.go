package handlers

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/ticketrail/ticketrail/orders"
)

// act does a.
func (h *Handler) act(ctx context.Context, a action) (orders.Order, error) {
	b := h.opts.Board
	switch a.name {
	case "fire":
		return b.Fire(ctx, a.id)
	case "bump":
		return b.Bump(ctx, a.id)
	case "recall":
		return b.Recall(ctx, a.id)
	case "cancel":
		return b.Cancel(ctx, a.id)
	case "done":
		return b.BumpStation(ctx, a.id, a.station)
	case actionItemDone:
		return b.ItemDone(ctx, a.id, a.item, true)
	case actionItemUndone:
		return b.ItemDone(ctx, a.id, a.item, false)
	case "recall-last":
		return b.RecallLast(ctx)
	}
	return orders.Order{}, fmt.Errorf("%w %q", errUnknownAction, a.name)
}

// pageAction does what a control on the page asks (fire, bump, recall,
// cancel, done, and recall-last at /recall; done and undone on one item at
// /orders/{id}/items/{item}/{state}) when the page posts it instead of
// sending it over the socket. Cross-site posts are refused (see
// Handler.csrf). An htmx request gets 204; a plain form post is sent back to
// the page it came from, with the screen's station.
func (h *Handler) pageAction() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		back := "../../"
		var (
			a   action
			err error
		)
		switch {
		case r.PathValue("id") == "": // POST /recall
			a, back = action{name: "recall-last"}, "./"
		case r.PathValue("item") != "":
			a, err = newItemAction("item-"+r.PathValue("state"), r.PathValue("id"), r.PathValue("item"))
			a.station, back = orders.Station(strings.TrimSpace(r.FormValue("station"))), "../../../../"
		default:
			a, err = newAction(r.PathValue("action"), r.PathValue("id"), r.FormValue("station"))
		}
		if err == nil {
			_, err = h.act(r.Context(), a)
		}
		switch {
		case err != nil:
			writeError(w, r, h.log, err)
		case r.Header.Get("HX-Request") != "":
			w.WriteHeader(http.StatusNoContent)
		default:
			// Relative, so that it also leads back under a path prefix
			// (http.Redirect would make it absolute), to the screen the
			// form was on.
			if a.station.Valid() {
				back += "?station=" + string(a.station)
			}
			w.Header().Set("Location", back)
			w.WriteHeader(http.StatusSeeOther)
		}
	})
}
