package handlers_test

import (
	"net/http"
	"testing"

	"github.com/ticketrail/ticketrail/handlers"
	"github.com/ticketrail/ticketrail/orders"
)

func TestEmbeddingOrigins(t *testing.T) {
	r := newRig(t, handlers.Options{OriginPatterns: []string{"pos.example", "*.shop.example"}})
	o := r.place(t)
	ticket := "/fragments/tickets/1"
	for _, tt := range []struct {
		name, method, path, origin string
		status                     int
		acao                       string
	}{
		{"fragment, no origin", "GET", ticket, "", 200, ""},
		{"fragment, listed", "GET", ticket, "https://pos.example", 200, "https://pos.example"},
		{"fragment, listed by wildcard", "GET", "/fragments/rail", "http://till.shop.example", 200, "http://till.shop.example"},
		{"fragment, foreign", "GET", ticket, "https://evil.example", 403, ""},
		{"fragment, port not listed", "GET", ticket, "https://pos.example:8443", 403, ""},
		{"preflight, listed", "OPTIONS", ticket, "https://pos.example", 204, "https://pos.example"},
		{"asset, listed", "GET", "/assets/rail.css", "https://pos.example", 200, "https://pos.example"},
		{"asset, foreign", "GET", "/assets/rail.css", "https://evil.example", 403, ""},
		{"asset, plain script tag", "GET", "/assets/htmx/htmx.min.js", "", 200, ""},
		// An embedded rail is view-only: the listed site reads, never acts.
		{"action, listed", "POST", "/orders/1/fire", "https://pos.example", 403, "https://pos.example"},
		{"action preflight, listed", "OPTIONS", "/orders/1/bump", "https://pos.example", 204, "https://pos.example"},
		{"action, foreign", "POST", "/orders/1/bump", "https://evil.example", 403, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, r.srv.URL+tt.path, nil)
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			req.Header.Set("HX-Request", "true")
			if tt.method == "OPTIONS" {
				req.Header.Set("Access-Control-Request-Method", "GET")
				req.Header.Set("Access-Control-Request-Headers", "hx-request, hx-current-url")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != tt.acao {
				t.Errorf("Access-Control-Allow-Origin %q, want %q", got, tt.acao)
			}
			if tt.method == "OPTIONS" && resp.Header.Get("Access-Control-Allow-Headers") == "" {
				t.Error("preflight without Access-Control-Allow-Headers")
			}
		})
	}
	if got, _ := r.board.Order(o.ID); got.Status != orders.Received {
		t.Errorf("the listed origin's fire applied: %s", got.Status)
	}
}
