package handlers_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/ticketrail/ticketrail/handlers"
	"github.com/ticketrail/ticketrail/orders"
)

// TestReadyz checks that /readyz follows whether the store takes writes:
// 200 while it does, 503 with the reason while it does not, and 200 again
// once it does, while /healthz answers 200 throughout.
func TestReadyz(t *testing.T) {
	store := orders.NewMemoryStore()
	board, err := orders.OpenBoard(t.Context(), store, orders.BoardConfig{})
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, handlers.Options{Board: board})
	for _, step := range []struct {
		name   string
		err    error
		status int
		body   string // the body, or for 503 what it must hold
	}{
		{"a store that writes", nil, http.StatusOK, "ready\n"},
		{"a read-only store", errors.New("attempt to write a readonly database"), http.StatusServiceUnavailable, "readonly database"},
		{"a full disk", errors.New("database or disk is full"), http.StatusServiceUnavailable, "disk is full"},
		{"a store that writes again", nil, http.StatusOK, "ready\n"},
	} {
		t.Run(step.name, func(t *testing.T) {
			store.SetReady(step.err)
			resp, body := get(t, r.srv.URL+"/readyz")
			if resp.StatusCode != step.status {
				t.Errorf("/readyz: %d %q, want %d", resp.StatusCode, body, step.status)
			}
			if step.status == http.StatusOK && body != step.body ||
				step.status != http.StatusOK && (!strings.HasPrefix(body, "not ready: ") || !strings.Contains(body, step.body)) {
				t.Errorf("/readyz body %q, want %q", body, step.body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
				t.Errorf("/readyz Content-Type %q", ct)
			}
			if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("/readyz Cache-Control %q, want no-store", cc)
			}
			if resp, body := get(t, r.srv.URL+"/healthz"); resp.StatusCode != http.StatusOK || body != "ok\n" {
				t.Errorf("/healthz: %d %q, want 200 ok", resp.StatusCode, body)
			}
		})
	}
}
