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

// TestPairingAcrossInstances pairs a browser through three handlers on one
// store, as three instances behind a load balancer without sticky
// sessions serve it: the code shown by one, the same code on a reload from
// another, the approval through the third, the screen's cookie from
// whichever the page asks next, valid on all of them.
func TestPairingAcrossInstances(t *testing.T) {
	const token = "shared-token"
	store := orders.NewMemoryStore()
	var hs []http.Handler
	for range 3 {
		board, err := orders.OpenBoard(t.Context(), store, orders.BoardConfig{})
		if err != nil {
			t.Fatal(err)
		}
		hs = append(hs, handlers.New(handlers.Options{Board: board, APIToken: token}))
	}
	page := serve(t, hs[0], "GET", "/", aPhone, railHost)
	var waiting *http.Cookie
	for _, c := range page.Result().Cookies() {
		if c.Name == "ticketrail_pairing" {
			waiting = c
		}
	}
	if waiting == nil {
		t.Fatal("no pairing cookie")
	}
	code := between(page.Body.String(), `data-testid="pairing-code" aria-label="Pairing code">`, "<")
	again := serve(t, hs[1], "GET", "/", aPhone, railHost, waiting)
	if got := between(again.Body.String(), `data-testid="pairing-code" aria-label="Pairing code">`, "<"); got != code {
		t.Errorf("the page reloaded from another instance shows %q, want the same code %q", got, code)
	}
	if rec := serve(t, hs[2], "GET", "/pair", aPhone, railHost, waiting); rec.Code != http.StatusNoContent {
		t.Errorf("poll of another instance before approval: %d, want 204", rec.Code)
	}
	req := httptest.NewRequest("POST", "/api/screens", strings.NewReader(fmt.Sprintf(`{"code": %q, "name": "grill left", "role": "kitchen"}`, code)))
	req.RemoteAddr, req.Host = aPhone, railHost
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	hs[2].ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated {
		t.Fatalf("approval through the third instance: %d %s", rec.Code, rec.Body)
	}
	var s orders.Screen
	if err := json.Unmarshal(rec.Body.Bytes(), &s); err != nil || s.Name != "grill left" {
		t.Fatalf("approved %s: %v", rec.Body, err)
	}
	poll := serve(t, hs[1], "GET", "/pair", aPhone, railHost, waiting)
	var screen *http.Cookie
	for _, c := range poll.Result().Cookies() {
		if c.Name == "ticketrail_screen" {
			screen = c
		}
	}
	if screen == nil || poll.Header().Get("HX-Refresh") != "true" {
		t.Fatalf("poll after approval: %d, cookies %v", poll.Code, poll.Result().Cookies())
	}
	for i, h := range hs {
		if rec := serve(t, h, "GET", "/fragments/rail", aPhone, railHost, screen); rec.Code != http.StatusOK {
			t.Errorf("instance %d: the paired screen's cookie gives %d, want 200", i, rec.Code)
		}
	}
	// The code is spent.
	rec = httptest.NewRecorder()
	req = httptest.NewRequest("POST", "/api/screens", strings.NewReader(fmt.Sprintf(`{"code": %q, "name": "again"}`, code)))
	req.RemoteAddr, req.Host = aPhone, railHost
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	hs[0].ServeHTTP(rec, req)
	if rec.Code != http.StatusNotFound {
		t.Errorf("a second approval of the code: %d, want 404", rec.Code)
	}
}

// TestRevokeAcrossInstances revokes a screen through one handler while its
// socket is open on another on the same store: the other closes it with
// 4001 at its next check.
func TestRevokeAcrossInstances(t *testing.T) {
	const token = "shared-token"
	store := orders.NewMemoryStore()
	board := func() *orders.Board {
		b, err := orders.OpenBoard(t.Context(), store, orders.BoardConfig{})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a := newRig(t, handlers.Options{Board: board(), APIToken: token})
	b := newRig(t, handlers.Options{Board: board(), APIToken: token, RevokedCheckEvery: 20 * time.Millisecond})
	kitchen, ks := pairScreen(t, a.h, token, "grill 1", orders.RoleKitchen)
	_, other := pairScreen(t, a.h, token, "pass", orders.RoleView)

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, wsURL(b.srv.URL)+"/ws", &websocket.DialOptions{HTTPHeader: http.Header{"Cookie": {kitchen.String()}}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if _, _, err := c.Read(ctx); err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	// Another screen is revoked first, then this one.
	if del := call(t, "DELETE", fmt.Sprintf("%s/api/screens/%d", a.srv.URL, other.ID), "", "Authorization", "Bearer "+token); del.status != http.StatusNoContent {
		t.Fatalf("revoke the other screen: %d", del.status)
	}
	if del := call(t, "DELETE", fmt.Sprintf("%s/api/screens/%d", a.srv.URL, ks.ID), "", "Authorization", "Bearer "+token); del.status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", del.status, del.body)
	}
	for {
		_, _, err = c.Read(ctx)
		if err != nil {
			break
		}
	}
	if got := websocket.CloseStatus(err); got != handlers.StatusRevoked {
		t.Errorf("the socket on the other instance ended with %v, want %d", err, handlers.StatusRevoked)
	}
}
