package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// waitAcross polls expr in the page until it is true, also while the page
// reloads itself (a poll cut short by the reload starts again on the new
// page), and fails after 20 s.
func (tb *tab) waitAcross(t *testing.T, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithDeadline(tb.ctx, deadline)
		err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(time.Until(deadline))))
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %v", what, err)
		}
	}
}

// apiCall sends an API request with the bearer token and returns the
// status and the body.
func apiCall(t *testing.T, method, url, token, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// TestBrowserPairing: under -pairing all a browser sees a pairing code and
// nothing of the rail; approving the code through the API turns the same
// page into the live rail without a reload by hand; revoking the screen
// takes it back to a pairing page at once.
func TestBrowserPairing(t *testing.T) {
	b := browser(t)
	const token = "pairing-test-token"
	s := start(t, "-demo=false", "-pairing", "all", "-api-token", token)
	if code, body := apiCall(t, "POST", s.url+"/api/orders", token, `{"destination": "takeout", "items": [{"name": "Hamburger"}]}`); code != http.StatusCreated {
		t.Fatalf("place an order: %d %s", code, body)
	}

	a := openTab(t, b)
	a.navigate(t, s.url+"/")
	a.wait(t, "the pairing code", `/^[A-Z2-9]{3}-[A-Z2-9]{3}$/.test(document.querySelector('[data-testid=pairing-code]')?.textContent.trim() ?? '')`)
	if n := eval[int](t, a, `document.querySelectorAll('.ticket, #rail').length`); n != 0 {
		t.Errorf("the pairing page shows %d rail elements", n)
	}
	code := eval[string](t, a, `document.querySelector('[data-testid=pairing-code]').textContent.trim()`)

	status, body := apiCall(t, "POST", s.url+"/api/screens", token, fmt.Sprintf(`{"code": %q, "name": "expo 1", "role": "kitchen"}`, code))
	if status != http.StatusCreated {
		t.Fatalf("approve %s: %d %s", code, status, body)
	}
	var screen struct{ ID int64 }
	json.Unmarshal(body, &screen)
	a.waitAcross(t, "the rail, live", `!!document.querySelector('#rail > #ticket-1') && window.__opens >= 1`)
	if code, body := apiCall(t, "POST", s.url+"/api/orders", token, `{"destination": "takeout", "items": [{"name": "Fries"}]}`); code != http.StatusCreated {
		t.Fatalf("place an order: %d %s", code, body)
	}
	a.wait(t, "the new order on the rail", `!!document.querySelector('#rail > #ticket-2')`)
	a.wait(t, "the Screens link", `!!document.querySelector('[data-testid=screens-link]')`)

	if status, body := apiCall(t, "DELETE", fmt.Sprintf("%s/api/screens/%d", s.url, screen.ID), token, ""); status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", status, body)
	}
	a.waitAcross(t, "a pairing page again", `!!document.querySelector('[data-testid=pairing-code]') && !document.querySelector('#rail')`)
}
