package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/ticketrail/ticketrail/orders"
)

// actionName is what an action does to an order.
type actionName string

// The actions a screen or the API may ask for.
const (
	actionFire       actionName = "fire"
	actionBump       actionName = "bump"
	actionRecall     actionName = "recall"
	actionCancel     actionName = "cancel"
	actionDone       actionName = "done" // a station's part of the order
	actionItemDone   actionName = "item-done"
	actionItemUndone actionName = "item-undone"
	actionRecallLast actionName = "recall-last"
)

// action is something a screen or the API asks to be done to an order.
type action struct {
	name    actionName
	id      int64 // 0 for recall-last
	station orders.Station
	item    int // the item's index, for item-done and item-undone
}

// errUnknownAction is returned for a message that is not an action the
// rail knows.
var errUnknownAction = errors.New("unknown action")

// validAction reports whether name is an action on one order.
func validAction(name actionName) bool {
	switch name {
	case actionFire, actionBump, actionRecall, actionCancel, actionDone:
		return true
	}
	return false
}

// newAction checks the parts of an action on one order: the ID (see
// parseID; white space around it is ignored, as form values and messages
// may carry it) and, for done, the station.
func newAction(name, id, station string) (action, error) {
	a := action{name: actionName(name), station: orders.Station(strings.TrimSpace(station))}
	if !validAction(a.name) {
		return action{}, fmt.Errorf("%w %.40q", errUnknownAction, name)
	}
	n, err := parseID("order", strings.TrimSpace(id))
	if err != nil {
		return action{}, fmt.Errorf("action %s: %w", name, err)
	}
	a.id = n
	if a.name == actionDone && !a.station.Valid() {
		return action{}, fmt.Errorf("action done: station must be grill, fry or shake, got %.40q: %w", station, orders.ErrInvalid)
	}
	return a, nil
}

// newItemAction checks the parts of an action on one item of an order:
// name is item-done or item-undone, the ID as for newAction, and the
// item's index a whole number from 0 (see parseIndex).
func newItemAction(name, id, item string) (action, error) {
	a := action{name: actionName(name)}
	if a.name != actionItemDone && a.name != actionItemUndone {
		return action{}, fmt.Errorf("%w %.40q", errUnknownAction, name)
	}
	var err error
	if a.id, err = parseID("order", strings.TrimSpace(id)); err != nil {
		return action{}, fmt.Errorf("action %s: %w", name, err)
	}
	if a.item, err = parseIndex(strings.TrimSpace(item)); err != nil {
		return action{}, fmt.Errorf("action %s: %w", name, err)
	}
	return a, nil
}

// socketAction is a message a screen sends over the socket, as htmx's
// hx-ws:send builds it from a form's fields and hx-vals.
type socketAction struct {
	Action  string          `json:"action"`
	ID      json.RawMessage `json:"id"`
	Station string          `json:"station"`
	Item    json.RawMessage `json:"item"`
}

// decodeAction reads an action message, such as {"action": "bump",
// "id": 7}, {"action": "done", "id": "7", "station": "grill"} or
// {"action": "item-done", "id": 7, "item": "2"}. The ID and the item's
// index may be JSON numbers or strings, as form values are.
func decodeAction(data []byte) (action, error) {
	var m socketAction
	if err := json.Unmarshal(data, &m); err != nil {
		return action{}, fmt.Errorf("not an action message: %w", err)
	}
	if name := actionName(m.Action); name == actionRecallLast {
		return action{name: name}, nil
	}
	id, err := numberText(m.ID)
	if err != nil {
		return action{}, fmt.Errorf("action %.40q: bad id: %w", m.Action, err)
	}
	if name := actionName(m.Action); name == actionItemDone || name == actionItemUndone {
		item, err := numberText(m.Item)
		if err != nil {
			return action{}, fmt.Errorf("action %s: bad item: %w", m.Action, err)
		}
		return newItemAction(m.Action, id, item)
	}
	return newAction(m.Action, id, m.Station)
}

// ackPrefix starts every ack as hx-ws sends it: the receipt's hx-vals
// come first, in their order, then the headers hx-ws adds.
var ackPrefix = []byte(`{"action":"ack","version":`)

// decodeAck reads an ack, {"action":"ack","version":12,"headers":{...}},
// as a screen's receipt sends it (see views.Message), and reports false
// for any other message. An ack comes with every message a screen shows,
// so it is read without a JSON decoder: the prefix, the version's digits,
// and a comma or the end of the object; what follows, the headers, is not
// needed.
func decodeAck(data []byte) (uint64, bool) {
	rest, ok := bytes.CutPrefix(data, ackPrefix)
	if !ok {
		return 0, false
	}
	n := 0
	for n < len(rest) && n < 20 && rest[n] >= '0' && rest[n] <= '9' {
		n++
	}
	if n == 0 || n == len(rest) || rest[n] != ',' && rest[n] != '}' || n > 1 && rest[0] == '0' {
		return 0, false
	}
	v, err := strconv.ParseUint(string(rest[:n]), 10, 64)
	return v, err == nil
}

// numberText returns the text of a JSON number, or of a JSON string, for
// the caller to parse; "" for none.
func numberText(raw json.RawMessage) (string, error) {
	text := string(bytes.TrimSpace(raw))
	if strings.HasPrefix(text, `"`) {
		if err := json.Unmarshal(raw, &text); err != nil {
			return "", err
		}
	}
	return text, nil
}

// act does a on board, asked for through via (socket, form or api), and
// logs it once done: who, what, which order.
func act(ctx context.Context, board *orders.Board, log *slog.Logger, via string, a action) (orders.Order, error) {
	o, err := do(ctx, board, a)
	if err == nil {
		log.Info("action", "by", orders.ActorFrom(ctx), "action", a.name, "order", a.id, "number", o.Number, "station", a.station, "item", a.item, "via", via)
	}
	return o, err
}

// do does a on board.
func do(ctx context.Context, board *orders.Board, a action) (orders.Order, error) {
	switch a.name {
	case actionFire:
		return board.Fire(ctx, a.id)
	case actionBump:
		return board.Bump(ctx, a.id)
	case actionRecall:
		return board.Recall(ctx, a.id)
	case actionCancel:
		return board.Cancel(ctx, a.id)
	case actionDone:
		return board.BumpStation(ctx, a.id, a.station)
	case actionItemDone:
		return board.ItemDone(ctx, a.id, a.item, true)
	case actionItemUndone:
		return board.ItemDone(ctx, a.id, a.item, false)
	case actionRecallLast:
		return board.RecallLast(ctx)
	}
	return orders.Order{}, fmt.Errorf("%w %q", errUnknownAction, a.name)
}

// handlePageAction does what a control on the page asks (fire, bump,
// recall, cancel, done, and recall-last at /recall; done and undone on one
// item at /orders/{id}/items/{item}/{state}) when the page posts it
// instead of sending it over the socket. Cross-site posts are refused
// before it (see crossSiteSafe). An htmx request gets 204; a plain form
// post is sent back to the page it came from, with the screen's station.
func handlePageAction(board *orders.Board, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		back := "../../"
		var (
			a   action
			err error
		)
		switch {
		case r.PathValue("id") == "": // POST /recall
			a, back = action{name: actionRecallLast}, "./"
		case r.PathValue("item") != "":
			a, err = newItemAction("item-"+r.PathValue("state"), r.PathValue("id"), r.PathValue("item"))
			a.station, back = orders.Station(strings.TrimSpace(r.FormValue("station"))), "../../../../"
		default:
			a, err = newAction(r.PathValue("action"), r.PathValue("id"), r.FormValue("station"))
		}
		if err == nil {
			_, err = act(r.Context(), board, log, "form", a)
		}
		switch {
		case err != nil:
			writeError(w, r, log, err)
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
