package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/ticketrail/ticketrail/handlers"
	"github.com/ticketrail/ticketrail/orders"
)

// Client addresses of the tests: this machine, and a phone on the Wi-Fi.
const (
	thisMachine = "127.0.0.1:5000"
	aPhone      = "192.0.2.44:5000"
	railHost    = "127.0.0.1:8080"
)

// serve sends one request straight to h, from remote to host, with the
// given cookies, and returns the response.
func serve(t *testing.T, h http.Handler, method, path, remote, host string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	req.RemoteAddr, req.Host = remote, host
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if path == "/ws" || strings.HasPrefix(path, "/ws?") {
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Upgrade", "websocket")
		req.Header.Set("Sec-WebSocket-Version", "13")
		req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// readRoutes are every route that shows the rail, and actionRoutes every
// page route that changes it (on order 1).
var (
	readRoutes   = []string{"/fragments/rail", "/fragments/tickets/1", "/ws"}
	actionRoutes = []string{"/orders/1/fire", "/orders/1/bump", "/orders/1/cancel", "/orders/1/items/0/done", "/recall", "/screens"}
)

// TestPairingModes: who sees the rail and who changes it, by pairing mode
// and client address, on every page route and the socket.
func TestPairingModes(t *testing.T) {
	for _, tt := range []struct {
		mode    handlers.Pairing
		remote  string
		kitchen bool // sees and acts; otherwise gets nothing and pairs
	}{
		{handlers.PairRemote, thisMachine, true},
		{handlers.PairRemote, aPhone, false},
		{handlers.PairAll, thisMachine, false},
		{handlers.PairAll, aPhone, false},
		{handlers.PairOff, thisMachine, true},
		{handlers.PairOff, aPhone, true},
	} {
		t.Run(fmt.Sprintf("%s from %s", tt.mode, tt.remote), func(t *testing.T) {
			board := orders.NewBoard(orders.BoardConfig{})
			o, _, err := board.Place(t.Context(), orders.NewOrder{Destination: orders.Takeout, Items: []orders.Item{{Quantity: 1, Name: "Hamburger", Station: orders.Grill}}})
			if err != nil {
				t.Fatal(err)
			}
			h := handlers.New(handlers.Options{Board: board, Pairing: tt.mode})
			page := serve(t, h, "GET", "/", tt.remote, railHost)
			if page.Code != http.StatusOK {
				t.Fatalf("page: %d", page.Code)
			}
			hasRail := strings.Contains(page.Body.String(), `id="ticket-1"`)
			hasCode := strings.Contains(page.Body.String(), `data-testid="pairing-code"`)
			if hasRail != tt.kitchen || hasCode == tt.kitchen {
				t.Errorf("page shows the rail %v, a pairing code %v", hasRail, hasCode)
			}
			for _, path := range readRoutes {
				rec := serve(t, h, "GET", path, tt.remote, railHost)
				if refused := rec.Code == http.StatusUnauthorized; refused == tt.kitchen {
					t.Errorf("GET %s: %d", path, rec.Code)
				}
			}
			for _, path := range actionRoutes {
				rec := serve(t, h, "POST", path, tt.remote, railHost)
				if refused := rec.Code == http.StatusUnauthorized; refused == tt.kitchen {
					t.Errorf("POST %s: %d %s", path, rec.Code, rec.Body)
				}
			}
			got, _ := board.Lookup(t.Context(), o.ID)
			if changed := got.Status != orders.Received; changed != tt.kitchen {
				t.Errorf("order is %s after the posts", got.Status)
			}
		})
	}
}

// TestDNSRebindingRefused: a page that rebinds its own name to this
// machine sends its own Host (and a matching Origin): no page route, no
// socket and no API call answers it, also from this machine.
func TestDNSRebindingRefused(t *testing.T) {
	board := orders.NewBoard(orders.BoardConfig{})
	board.Place(t.Context(), orders.NewOrder{Destination: orders.Takeout, Items: []orders.Item{{Quantity: 1, Name: "Hamburger", Station: orders.Grill}}})
	for _, mode := range []handlers.Pairing{handlers.PairRemote, handlers.PairOff} {
		h := handlers.New(handlers.Options{Board: board, Pairing: mode})
		for _, route := range []string{"GET /", "GET /ws", "GET /fragments/rail", "POST /orders/1/cancel", "POST /api/orders/1/cancel", "GET /api/orders"} {
			method, path, _ := strings.Cut(route, " ")
			req := httptest.NewRequest(method, path, nil)
			req.RemoteAddr, req.Host = thisMachine, "evil.example:8080"
			req.Header.Set("Origin", "http://evil.example:8080")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code < 400 {
				t.Errorf("%s %s with Host evil.example: %d", mode, route, rec.Code)
			}
		}
	}
	if o, _ := board.Lookup(t.Context(), 1); o.Status != orders.Received {
		t.Errorf("order is %s", o.Status)
	}
	// Named with -host, the name is this server's.
	h := handlers.New(handlers.Options{Board: board, Hosts: []string{"kitchen.example"}})
	if rec := serve(t, h, "GET", "/fragments/rail", thisMachine, "kitchen.example:8080"); rec.Code != http.StatusOK {
		t.Errorf("a listed host: %d", rec.Code)
	}
}

// pairScreen pairs a browser under r's handler as a screen of the given
// role, approving its code through the API, and returns the screen's
// cookie and the screen.
func pairScreen(t *testing.T, h http.Handler, token, name string, role orders.Role) (*http.Cookie, orders.Screen) {
	t.Helper()
	page := serve(t, h, "GET", "/", aPhone, railHost)
	var waiting *http.Cookie
	for _, c := range page.Result().Cookies() {
		if c.Name == "ticketrail_pairing" {
			waiting = c
		}
	}
	if waiting == nil || !waiting.HttpOnly {
		t.Fatalf("pairing page sets no HttpOnly pairing cookie: %v", page.Result().Cookies())
	}
	code := between(page.Body.String(), `data-testid="pairing-code" aria-label="Pairing code">`, "<")
	if len(code) != 7 {
		t.Fatalf("pairing code %q", code)
	}
	// Still waiting: the poll answers 204.
	if rec := serve(t, h, "GET", "/pair", aPhone, railHost, waiting); rec.Code != http.StatusNoContent {
		t.Fatalf("poll before approval: %d", rec.Code)
	}
	req := httptest.NewRequest("POST", "/api/screens", strings.NewReader(fmt.Sprintf(`{"code": %q, "name": %q, "role": %q}`, strings.ToLower(code), name, role)))
	req.RemoteAddr, req.Host = aPhone, railHost
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated {
		t.Fatalf("approve: %d %s", rec.Code, rec.Body)
	}
	var s orders.Screen
	if err := json.Unmarshal(rec.Body.Bytes(), &s); err != nil || s.Name != name || s.Role != role || s.ID == 0 {
		t.Fatalf("approved screen %s: %v", rec.Body, err)
	}
	poll := serve(t, h, "GET", "/pair", aPhone, railHost, waiting)
	if poll.Header().Get("HX-Refresh") != "true" {
		t.Fatalf("poll after approval: %d, headers %v", poll.Code, poll.Header())
	}
	for _, c := range poll.Result().Cookies() {
		if c.Name == "ticketrail_screen" {
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || len(c.Value) < 32 {
				t.Errorf("screen cookie %+v", c)
			}
			return c, s
		}
	}
	t.Fatal("no screen cookie after approval")
	return nil, s
}

func between(s, start, end string) string {
	_, s, _ = strings.Cut(s, start)
	s, _, _ = strings.Cut(s, end)
	return s
}

// TestPairedScreens pairs a kitchen and a view screen from another device:
// the kitchen one sees and acts, as itself in the order's history; the
// view one sees without controls and every action is refused; a revoked
// one is cut off at once, its socket too.
func TestPairedScreens(t *testing.T) {
	const token = "s3cret-token"
	r := newRig(t, handlers.Options{APIToken: token})
	o := r.place(t)
	kitchen, ks := pairScreen(t, r.h, token, "grill 1", orders.RoleKitchen)
	view, _ := pairScreen(t, r.h, token, "pass", orders.RoleView)

	// The screen cookie is the only secret; the code is spent.
	if rec := serve(t, r.h, "GET", "/", aPhone, railHost, kitchen); !strings.Contains(rec.Body.String(), `id="ticket-1"`) || !strings.Contains(rec.Body.String(), `data-testid="bump"`) {
		t.Errorf("kitchen screen's page: %d", rec.Code)
	}
	if rec := serve(t, r.h, "POST", "/orders/1/fire", aPhone, railHost, kitchen); rec.Code != http.StatusSeeOther {
		t.Errorf("kitchen screen fires: %d %s", rec.Code, rec.Body)
	}
	hist, err := r.board.History(t.Context(), o.ID)
	if err != nil || len(hist) != 2 || hist[1].Actor != "grill 1" || hist[1].Action != orders.ActionFired {
		t.Errorf("history %+v, %v: want the fire by grill 1", hist, err)
	}

	page := serve(t, r.h, "GET", "/", aPhone, railHost, view)
	if !strings.Contains(page.Body.String(), `id="ticket-1"`) || strings.Contains(page.Body.String(), `data-testid="bump"`) || strings.Contains(page.Body.String(), `data-testid="screens-link"`) {
		t.Errorf("view screen's page shows controls or no ticket")
	}
	for _, path := range actionRoutes {
		if rec := serve(t, r.h, "POST", path, aPhone, railHost, view); rec.Code != http.StatusForbidden {
			t.Errorf("view screen POST %s: %d", path, rec.Code)
		}
	}
	if rec := serve(t, r.h, "GET", "/fragments/rail", aPhone, railHost, view); rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), "<form") {
		t.Errorf("view screen's fragment: %d", rec.Code)
	}
	// The view screen's socket gets tickets without controls, and what it
	// sends acts on nothing.
	vctx, vcancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer vcancel()
	vc, _, err := websocket.Dial(vctx, wsURL(r.srv.URL)+"/ws", &websocket.DialOptions{HTTPHeader: http.Header{"Cookie": {view.String()}}})
	if err != nil {
		t.Fatal(err)
	}
	_, snap, err := vc.Read(vctx)
	if err != nil || !strings.Contains(string(snap), `id="ticket-1"`) || strings.Contains(string(snap), "<form") {
		t.Fatalf("view screen's snapshot: %v %.200s", err, snap)
	}
	for _, msg := range []string{`{"action": "bump", "id": 1}`, `{"action": "cancel", "id": "1"}`, `{"action": "recall-last"}`} {
		if err := vc.Write(vctx, websocket.MessageText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	vc.Close(websocket.StatusNormalClosure, "")
	for deadline := time.Now().Add(10 * time.Second); r.board.Subscribers() != 0; {
		if time.Now().After(deadline) {
			t.Fatal("the server kept the view screen's socket")
		}
		time.Sleep(5 * time.Millisecond) // polling the board, not synchronising with it
	}
	if got, _ := r.board.Lookup(t.Context(), o.ID); got.Status != orders.Fired {
		t.Errorf("order is %s after the view screen's posts and socket actions", got.Status)
	}

	// The kitchen screen's socket: revoking it closes the socket at once
	// with 4001, and the cookie opens nothing any more.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, wsURL(r.srv.URL)+"/ws", &websocket.DialOptions{HTTPHeader: http.Header{"Cookie": {kitchen.String()}}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if _, _, err := c.Read(ctx); err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	del := call(t, "DELETE", fmt.Sprintf("%s/api/screens/%d", r.srv.URL, ks.ID), "", "Authorization", "Bearer "+token)
	if del.status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", del.status, del.body)
	}
	_, _, err = c.Read(ctx)
	if got := websocket.CloseStatus(err); got != handlers.StatusRevoked {
		t.Errorf("socket ended with %v, want %d", err, handlers.StatusRevoked)
	}
	if rec := serve(t, r.h, "POST", "/orders/1/bump", aPhone, railHost, kitchen); rec.Code != http.StatusUnauthorized {
		t.Errorf("revoked screen bumps: %d", rec.Code)
	}
	if rec := serve(t, r.h, "GET", "/", aPhone, railHost, kitchen); !strings.Contains(rec.Body.String(), `data-testid="pairing-code"`) {
		t.Error("revoked screen does not see the pairing page")
	}
	list := call(t, "GET", r.srv.URL+"/api/screens", "", "Authorization", "Bearer "+token)
	if list.status != http.StatusOK || strings.Contains(string(list.body), "grill 1") || !strings.Contains(string(list.body), `"pass"`) {
		t.Errorf("screens after revoking: %d %s", list.status, list.body)
	}
}

// TestPairingRefusals: an unknown code, a bad role, approval without the
// token, and from a view screen.
func TestPairingRefusals(t *testing.T) {
	const token = "tok"
	r := newRig(t, handlers.Options{APIToken: token})
	for _, tt := range []struct {
		body, auth string
		status     int
	}{
		{`{"code": "NOPE42", "name": "x"}`, token, http.StatusNotFound},
		{`{"code": "NOPE42", "name": "x", "role": "chef"}`, token, http.StatusBadRequest},
		{`{"code": "NOPE42", "name": "x", "color": "red"}`, token, http.StatusBadRequest},
		{`{"code": "NOPE42", "name": "x"}`, "", http.StatusUnauthorized},
		{`{"code": "NOPE42", "name": "x"}`, "wrong", http.StatusUnauthorized},
	} {
		header := []string{}
		if tt.auth != "" {
			header = []string{"Authorization", "Bearer " + tt.auth}
		}
		if got := call(t, "POST", r.srv.URL+"/api/screens", tt.body, header...); got.status != tt.status {
			t.Errorf("POST /api/screens %s (token %q): %d %s, want %d", tt.body, tt.auth, got.status, got.body, tt.status)
		}
	}
}

// TestScreensPageApprovesAndRevokes: a kitchen screen (here this machine)
// approves a waiting phone's code on the Screens page and revokes it there.
func TestScreensPageApprovesAndRevokes(t *testing.T) {
	board := orders.NewBoard(orders.BoardConfig{})
	h := handlers.New(handlers.Options{Board: board})
	phone := serve(t, h, "GET", "/", aPhone, railHost)
	code := between(phone.Body.String(), `data-testid="pairing-code" aria-label="Pairing code">`, "<")

	form := func(path, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", path, strings.NewReader(body))
		req.RemoteAddr, req.Host = thisMachine, railHost
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	if rec := form("/screens", "code=nope&name=x&role=kitchen"); rec.Code != http.StatusSeeOther || !strings.Contains(rec.Header().Get("Location"), "problem=") {
		t.Errorf("an unknown code: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	if rec := form("/screens", "code="+code+"&name=fry+2&role=view&station=fry"); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "screens" {
		t.Fatalf("approve: %d to %q %s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	list := serve(t, h, "GET", "/screens", thisMachine, railHost)
	if list.Code != http.StatusOK || !strings.Contains(list.Body.String(), "fry 2") || list.Header().Get("Content-Security-Policy") == "" {
		t.Fatalf("Screens page: %d", list.Code)
	}
	if rec := serve(t, h, "GET", "/screens", aPhone, railHost); rec.Code != http.StatusUnauthorized {
		t.Errorf("Screens page for an unpaired phone: %d", rec.Code)
	}
	screens, _ := board.Store().Screens(t.Context())
	if len(screens) != 1 || screens[0].Role != orders.RoleView || screens[0].Station != orders.Fry {
		t.Fatalf("screens %+v", screens)
	}
	if rec := form(fmt.Sprintf("/screens/%d/revoke", screens[0].ID), ""); rec.Code != http.StatusSeeOther {
		t.Fatalf("revoke: %d", rec.Code)
	}
	if screens, _ := board.Store().Screens(t.Context()); len(screens) != 0 {
		t.Errorf("screens after revoking %+v", screens)
	}
}

// FuzzAddScreen sends arbitrary approval bodies: each gets a clear answer,
// never a server error, and a screen only for a code some browser waits
// with.
func FuzzAddScreen(f *testing.F) {
	for _, seed := range []string{
		`{"code": "ABC-DEF", "name": "grill 1", "role": "kitchen"}`,
		`{"code": "abcdef", "name": "", "role": "view", "station": "fry"}`,
		`{"code": 7}`, `{}`, `[]`, `null`, `{"code": "ABCDEF", "name": "\u202egrill"}`, "{\"name\": \"\xff\"}",
	} {
		f.Add(seed)
	}
	const token = "fuzz"
	board := orders.NewBoard(orders.BoardConfig{})
	h := handlers.New(handlers.Options{Board: board, APIToken: token, Pairing: handlers.PairAll, Limits: handlers.Limits{APIRate: -1}})
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest("POST", "/api/screens", strings.NewReader(body))
		req.RemoteAddr, req.Host = aPhone, railHost
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusBadRequest, http.StatusNotFound:
		default:
			t.Fatalf("%q: %d %s", body, rec.Code, rec.Body)
		}
		var e struct{ Error string }
		if json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Error == "" {
			t.Errorf("%q: answer %s is not a JSON error", body, rec.Body)
		}
	})
}

// TestAuthorize: a Go program that mounts the rail decides itself who may
// do what; its staff acts, its guests see, strangers get nothing, and no
// pairing page or host check stands in its way.
func TestAuthorize(t *testing.T) {
	board := orders.NewBoard(orders.BoardConfig{})
	o, _, err := board.Place(t.Context(), orders.NewOrder{Destination: orders.Takeout, Items: []orders.Item{{Quantity: 1, Name: "Hamburger", Station: orders.Grill}}})
	if err != nil {
		t.Fatal(err)
	}
	h := handlers.New(handlers.Options{Board: board, Pairing: handlers.PairAll, Authorize: func(r *http.Request) (handlers.Principal, error) {
		switch r.Header.Get("X-Staff") {
		case "cook":
			return handlers.Principal{Role: orders.RoleKitchen, Actor: "back office: Ana"}, nil
		case "guest":
			return handlers.Principal{Role: orders.RoleView, Actor: "guest"}, nil
		}
		return handlers.Principal{}, nil
	}})
	do := func(method, path, who string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, nil)
		req.RemoteAddr, req.Host = aPhone, "backoffice.example:443"
		if who != "" {
			req.Header.Set("X-Staff", who)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	if rec := do("GET", "/", "stranger"); rec.Code != http.StatusUnauthorized || strings.Contains(rec.Body.String(), "pairing-code") {
		t.Errorf("a stranger's page: %d", rec.Code)
	}
	if rec := do("GET", "/", "guest"); rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `data-testid="bump"`) || !strings.Contains(rec.Body.String(), `id="ticket-1"`) {
		t.Errorf("a guest's page: %d", rec.Code)
	}
	if rec := do("POST", "/orders/1/bump", "guest"); rec.Code != http.StatusForbidden {
		t.Errorf("a guest bumps: %d", rec.Code)
	}
	if rec := do("GET", "/", "cook"); !strings.Contains(rec.Body.String(), `data-testid="bump"`) {
		t.Errorf("the cook's page has no Bump: %d", rec.Code)
	}
	if rec := do("POST", "/orders/1/bump", "cook"); rec.Code != http.StatusSeeOther {
		t.Errorf("the cook bumps: %d %s", rec.Code, rec.Body)
	}
	hist, err := board.History(t.Context(), o.ID)
	if err != nil || len(hist) != 2 || hist[1].Actor != "back office: Ana" || hist[1].Action != orders.ActionBumped {
		t.Errorf("history %+v, %v", hist, err)
	}
}
