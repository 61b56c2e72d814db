package handlers

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"

	"github.com/coder/websocket"

	"github.com/ticketrail/ticketrail/orders"
	"github.com/ticketrail/ticketrail/views"
)

// StatusRevoked is the close code of a revoked screen's sockets. hx-ws
// does not reconnect on it; the page reloads, and, no longer a screen,
// shows the pairing page.
const StatusRevoked websocket.StatusCode = 4001

// screenAdmin serves what lists, pairs and revokes the paired screens: the
// Screens page of a kitchen screen and /api/screens.
type screenAdmin struct {
	door    *door
	board   *orders.Board // its store keeps the screens
	pairing *pairings
	sockets *socketSet // a revoked screen's are closed
	look    look
	log     *slog.Logger
}

// handleList answers GET /api/screens: every paired screen.
func (sa *screenAdmin) handleList() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		list, err := sa.board.Store().Screens(r.Context())
		if err != nil {
			writeAPIError(w, r, sa.log, err, noSuchOrder)
			return
		}
		if list == nil {
			list = []orders.Screen{}
		}
		writeJSON(w, http.StatusOK, struct {
			Screens []orders.Screen `json:"screens"`
		}{list})
	})
}

// handleAdd answers POST /api/screens: it approves a pairing code,
// {"code": "K7PQ3X", "name": "grill 1", "role": "kitchen"}; 201 with the
// screen, 404 for a code no browser waits with.
func (sa *screenAdmin) handleAdd() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req pairRequest
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			writeJSON(w, http.StatusBadRequest, apiError{Error: "send {\"code\": ..., \"name\": ..., \"role\": \"kitchen\" or \"view\"}: " + err.Error()})
			return
		}
		s, err := pair(r.Context(), sa.board, sa.pairing, sa.log, req)
		if err != nil {
			writeAPIError(w, r, sa.log, err, noSuchOrder)
			return
		}
		w.Header().Set("Location", "screens/"+strconv.FormatInt(s.ID, 10))
		writeJSON(w, http.StatusCreated, s)
	})
}

// handleDelete answers DELETE /api/screens/{id}: the screen is revoked and
// its open sockets are closed at once.
func (sa *screenAdmin) handleDelete() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := parseID("screen", r.PathValue("id"))
		if err == nil {
			err = sa.revoke(r, id)
		}
		if err != nil {
			writeAPIError(w, r, sa.log, err, noSuchOrder)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// revoke forgets screen id and closes its sockets.
func (sa *screenAdmin) revoke(r *http.Request, id int64) error {
	if err := sa.board.Store().DeleteScreen(r.Context(), id); err != nil {
		return err
	}
	conns := sa.sockets.ofScreen(id)
	for _, s := range conns {
		s.closing.CompareAndSwap(nil, &reasonRevoked)
		go s.c.Close(StatusRevoked, "screen revoked")
	}
	sa.log.Info("screen revoked", "screen", id, "sockets", len(conns))
	return nil
}

// handlePage serves the Screens page of a kitchen screen: every paired
// screen, a form that approves a pairing code, and a Revoke button for
// each screen.
func (sa *screenAdmin) handlePage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := sa.door.principal(r)
		if err != nil || !p.Kitchen() {
			refuse(w, p, err)
			return
		}
		list, err := sa.board.Store().Screens(r.Context())
		if err != nil {
			writeError(w, r, sa.log, err)
			return
		}
		writePage(w, r, sa.log, views.ScreensPage(sa.look.frame("Screens"), views.ScreensData{
			Screens: list, Self: p.Screen, Problem: r.URL.Query().Get("problem"),
		}))
	})
}

// handleAction approves a code (POST /screens) or revokes a screen (POST
// /screens/{id}/revoke) from the Screens page, and leads back to it.
func (sa *screenAdmin) handleAction() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := sa.door.principal(r)
		if err != nil || !p.Kitchen() {
			refuse(w, p, err)
			return
		}
		back := "screens"
		if id := r.PathValue("id"); id != "" {
			back = "../../screens"
			var n int64
			if n, err = parseID("screen", id); err == nil {
				err = sa.revoke(r, n)
			}
		} else {
			_, err = pair(r.Context(), sa.board, sa.pairing, sa.log, pairRequest{Code: r.FormValue("code"), Name: r.FormValue("name"), Role: r.FormValue("role"), Station: r.FormValue("station")})
		}
		var fe *orders.FieldError
		switch {
		case err == nil:
		case errors.Is(err, errNoSuchCode), errors.Is(err, orders.ErrNotFound), errors.As(err, &fe), errors.Is(err, orders.ErrInvalid):
			back += "?problem=" + url.QueryEscape(err.Error())
		default:
			writeError(w, r, sa.log, err)
			return
		}
		w.Header().Set("Location", back)
		w.WriteHeader(http.StatusSeeOther)
	})
}
