package handlers_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/ticketrail/ticketrail/handlers"
	"github.com/ticketrail/ticketrail/orders"
)

// TestGetOrderHistory checks that an order is answered with who changed
// it, when and how, oldest first.
func TestGetOrderHistory(t *testing.T) {
	r := newRig(t, handlers.Options{})
	if resp := call(t, "POST", r.srv.URL+"/api/orders", validOrder); resp.status != http.StatusCreated {
		t.Fatalf("POST: %d %s", resp.status, resp.body)
	}
	for _, path := range []string{"/api/orders/1/fire", "/api/orders/1/items/1/done", "/api/orders/1/done?station=grill", "/api/orders/1/bump"} {
		if resp := call(t, "POST", r.srv.URL+path, ""); resp.status != http.StatusOK {
			t.Fatalf("POST %s: %d %s", path, resp.status, resp.body)
		}
	}
	// A change made elsewhere, by a named actor.
	if _, err := r.board.Recall(orders.WithActor(t.Context(), "grill left"), 1); err != nil {
		t.Fatal(err)
	}
	resp := call(t, "GET", r.srv.URL+"/api/orders/1", "")
	if resp.status != http.StatusOK {
		t.Fatalf("GET: %d %s", resp.status, resp.body)
	}
	var got struct {
		ID      int64
		Status  orders.Status
		History []struct {
			At     string
			Actor  string
			Action string
		}
	}
	if err := json.Unmarshal(resp.body, &got); err != nil {
		t.Fatalf("GET body %s: %v", resp.body, err)
	}
	if got.ID != 1 || got.Status != orders.Fired || resp.order(t).Items[0].Name != "Double Burger" {
		t.Errorf("GET answered the order %s", resp.body)
	}
	want := []string{"placed", "fired", "item 1 done", "done grill", "bumped", "recalled"}
	if len(got.History) != len(want) {
		t.Fatalf("history %+v, want the actions %q", got.History, want)
	}
	// An order placed through the API is placed by the caller the API
	// names (which depends on how it is authorised), "api" at least.
	if a := got.History[0].Actor; a == "" || a == orders.UnknownActor {
		t.Errorf("the order placed through the API is recorded as placed by %q, want the caller", a)
	}
	for i, c := range got.History {
		if c.Action != want[i] || c.Actor == "" || c.At == "" {
			t.Errorf("history[%d] = %+v, want %s by someone, with a time", i, c, want[i])
		}
	}
	if c := got.History[len(want)-1]; c.Actor != "grill left" {
		t.Errorf("the recall is recorded as made by %q, want grill left", c.Actor)
	}
	if !strings.Contains(string(resp.body), `"history":[{"at":"`) {
		t.Errorf("GET body %s, want a history array of objects with at, actor and action", resp.body)
	}
	if resp := call(t, "GET", r.srv.URL+"/api/orders/2", ""); resp.status != http.StatusNotFound {
		t.Errorf("GET an unknown order: %d %s", resp.status, resp.body)
	}
}

// TestCreateOrderKeyReused checks that an idempotency key or source ID
// sent again with another order answers 422, naming what was reused and
// the first order, and places nothing; the same order still answers 200.
func TestCreateOrderKeyReused(t *testing.T) {
	r := newRig(t, handlers.Options{})
	noSource := strings.Replace(validOrder, `"source_id": "pos-4711",`, "", 1)
	if resp := call(t, "POST", r.srv.URL+"/api/orders", noSource, "Idempotency-Key", "k-1"); resp.status != http.StatusCreated {
		t.Fatalf("first order: %d %s", resp.status, resp.body)
	}
	if resp := call(t, "POST", r.srv.URL+"/api/orders", validOrder); resp.status != http.StatusCreated {
		t.Fatalf("second order: %d %s", resp.status, resp.body)
	}
	for _, tt := range []struct {
		name   string
		body   string
		header []string
		status int
		field  string
		order  int64
	}{
		{"same key, same order", noSource, []string{"Idempotency-Key", "k-1"}, http.StatusOK, "", 1},
		{"same key, same order written otherwise", strings.Replace(noSource, `"takeout"`, `"to go"`, 1), []string{"Idempotency-Key", " k-1 "}, http.StatusOK, "", 1},
		{"same key, another quantity", strings.Replace(noSource, `"quantity": 2`, `"quantity": 3`, 1), []string{"Idempotency-Key", "k-1"}, http.StatusUnprocessableEntity, "idempotency_key", 1},
		{"same key, rush", strings.Replace(noSource, `"rush": false`, `"rush": true`, 1), []string{"Idempotency-Key", "k-1"}, http.StatusUnprocessableEntity, "idempotency_key", 1},
		{"same key, another source id", strings.Replace(validOrder, "pos-4711", "pos-1", 1), []string{"Idempotency-Key", "k-1"}, http.StatusUnprocessableEntity, "idempotency_key", 1},
		{"same source id, another note", strings.Replace(validOrder, "allergy: sesame", "allergy: peanut", 1), nil, http.StatusUnprocessableEntity, "source_id", 2},
		{"same source id, a new key, same order", validOrder, []string{"Idempotency-Key", "k-2"}, http.StatusOK, "", 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := call(t, "POST", r.srv.URL+"/api/orders", tt.body, tt.header...)
			if resp.status != tt.status {
				t.Fatalf("status %d %s, want %d", resp.status, resp.body, tt.status)
			}
			if tt.status == http.StatusOK {
				if id := resp.order(t).ID; id != tt.order {
					t.Errorf("answered order %d, want %d", id, tt.order)
				}
				return
			}
			var e struct {
				Error, Field, Problem string
				Order                 int64
			}
			if err := json.Unmarshal(resp.body, &e); err != nil || e.Error == "" || e.Problem == "" {
				t.Fatalf("body %s is not a JSON error: %v", resp.body, err)
			}
			if e.Field != tt.field || e.Order != tt.order {
				t.Errorf("body %s, want field %s and order %d", resp.body, tt.field, tt.order)
			}
		})
	}
	if n := len(r.board.Open()); n != 2 {
		t.Errorf("%d tickets on the rail, want 2", n)
	}
}

// TestCreateOrderRefusesWhatIsNotText checks the answers to bodies whose
// text encoding/json would quietly change, or that shows nothing.
func TestCreateOrderRefusesWhatIsNotText(t *testing.T) {
	r := newRig(t, handlers.Options{})
	for _, tt := range []struct {
		name   string
		body   string
		header []string
		field  string
	}{
		{"a name not UTF-8", `{"destination": "takeout", "items": [{"name": "Cola"}, {"name": "Fries"}, {"name": "` + "\xff" + `"}]}`, nil, "items[2].name"},
		{"a lone surrogate", `{"destination": "takeout", "items": [{"name": "Cola"}], "notes": ["\udc00"]}`, nil, "notes[0]"},
		{"an invisible modifier", `{"destination": "takeout", "items": [{"name": "Cola", "modifiers": ["\u200b"]}]}`, nil, "items[0].modifiers[0]"},
		{"an override", `{"destination": "takeout", "items": [{"name": "Cola \u202e"}]}`, nil, "items[0].name"},
		{"an invisible key", `{"destination": "takeout", "items": [{"name": "Cola"}]}`, []string{"Idempotency-Key", "\u200b"}, "idempotency_key"},
		{"a key not UTF-8", `{"destination": "takeout", "items": [{"name": "Cola"}]}`, []string{"Idempotency-Key", "k\xff"}, "idempotency_key"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := call(t, "POST", r.srv.URL+"/api/orders", tt.body, tt.header...)
			if resp.status != http.StatusBadRequest {
				t.Fatalf("status %d %s, want 400", resp.status, resp.body)
			}
			if _, field := resp.problem(t); field != tt.field {
				t.Errorf("field %q, want %q (%s)", field, tt.field, resp.body)
			}
		})
	}
	if n := len(r.board.Open()); n != 0 {
		t.Errorf("%d tickets on the rail, want none", n)
	}
}
