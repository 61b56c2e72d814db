package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/ticketrail/ticketrail/handlers"
	"github.com/ticketrail/ticketrail/orders"
)

type apiResponse struct {
	status int
	header http.Header
	body   []byte
}

func (a apiResponse) order(t *testing.T) orders.Order {
	t.Helper()
	var o orders.Order
	if err := json.Unmarshal(a.body, &o); err != nil {
		t.Fatalf("body %s is not an order: %v", a.body, err)
	}
	return o
}

func (a apiResponse) problem(t *testing.T) (errText, field string) {
	t.Helper()
	var e struct{ Error, Field, Problem string }
	if err := json.Unmarshal(a.body, &e); err != nil || e.Error == "" {
		t.Fatalf("error body %s is not a JSON error: %v", a.body, err)
	}
	return e.Error, e.Field
}

func call(t *testing.T, method, url, body string, header ...string) apiResponse {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
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
	return apiResponse{resp.StatusCode, resp.Header, b}
}

const validOrder = `{"source_id": "pos-4711", "destination": "takeout", "rush": false,
 "items": [{"name": "Double Burger", "quantity": 2, "station": "grill", "modifiers": ["no onion"]},
           {"name": "French Fries", "quantity": 1}],
 "notes": ["allergy: sesame"]}`

func TestCreateOrder(t *testing.T) {
	r := newRig(t, handlers.Options{})
	resp := call(t, "POST", r.srv.URL+"/api/orders", validOrder)
	if resp.status != http.StatusCreated {
		t.Fatalf("status %d: %s", resp.status, resp.body)
	}
	o := resp.order(t)
	if o.ID != 1 || o.Number != orders.FirstNumber || o.SourceID != "pos-4711" || o.Destination != orders.Takeout ||
		len(o.Items) != 2 || o.Items[1].Station != orders.Fry || o.Items[0].Modifiers[0] != "no onion" || o.Notes[0] != "allergy: sesame" {
		t.Errorf("created %+v", o)
	}
	if loc := resp.header.Get("Location"); loc != "orders/1" {
		t.Errorf("Location %q, want orders/1", loc)
	}
	if got := r.board.Open(); len(got) != 1 || got[0].ID != 1 {
		t.Errorf("rail %v after one order", got)
	}
	got := call(t, "GET", r.srv.URL+"/api/orders/1", "")
	if got.status != http.StatusOK || got.order(t).ID != 1 {
		t.Errorf("GET /api/orders/1: %d %s", got.status, got.body)
	}
}

func TestCreateOrderIsIdempotent(t *testing.T) {
	r := newRig(t, handlers.Options{})
	noSource := strings.Replace(validOrder, `"source_id": "pos-4711",`, "", 1)
	first := call(t, "POST", r.srv.URL+"/api/orders", noSource, "Idempotency-Key", "k-1")
	again := call(t, "POST", r.srv.URL+"/api/orders", noSource, "Idempotency-Key", "k-1")
	if first.status != http.StatusCreated || again.status != http.StatusOK || first.order(t).ID != again.order(t).ID {
		t.Fatalf("retry with the same key: %d then %d, ids %d and %d", first.status, again.status, first.order(t).ID, again.order(t).ID)
	}
	bySource := call(t, "POST", r.srv.URL+"/api/orders", validOrder)
	bySourceAgain := call(t, "POST", r.srv.URL+"/api/orders", validOrder, "Idempotency-Key", "another")
	if bySource.status != http.StatusCreated || bySourceAgain.status != http.StatusOK || bySource.order(t).ID != bySourceAgain.order(t).ID {
		t.Fatalf("retry with the same source_id: %d then %d", bySource.status, bySourceAgain.status)
	}
	other := call(t, "POST", r.srv.URL+"/api/orders", noSource, "Idempotency-Key", "k-2")
	if other.status != http.StatusCreated {
		t.Fatalf("a new key: %d", other.status)
	}
	if n := len(r.board.Open()); n != 3 {
		t.Errorf("%d tickets on the rail, want 3", n)
	}
}

func TestCreateOrderRefusesBadInput(t *testing.T) {
	r := newRig(t, handlers.Options{})
	item := `{"name": "Hamburger", "quantity": 1}`
	with := func(field string) string {
		return `{"destination": "takeout", "items": [` + item + `], ` + field + `}`
	}
	many := strings.TrimSuffix(strings.Repeat(item+",", orders.MaxItems+1), ",")
	long := strings.Repeat("x", orders.MaxTextLength+1)
	tests := []struct {
		name, body string
		status     int
		field      string
	}{
		{"empty body", "", http.StatusBadRequest, ""},
		{"malformed JSON", `{"destination": "takeout",`, http.StatusBadRequest, ""},
		{"not an object", `[1, 2]`, http.StatusBadRequest, "(body)"},
		{"trailing data", validOrder + ` {"again": true}`, http.StatusBadRequest, ""},
		{"unknown field", with(`"tip": 5`), http.StatusBadRequest, "tip"},
		{"quantity as text", `{"destination": "takeout", "items": [{"name": "Hamburger", "quantity": "two"}]}`, http.StatusBadRequest, "items.quantity"},
		{"missing destination", `{"items": [` + item + `]}`, http.StatusBadRequest, "destination"},
		{"unknown destination", `{"destination": "moon", "items": [` + item + `]}`, http.StatusBadRequest, "destination"},
		{"no items", `{"destination": "takeout", "items": []}`, http.StatusBadRequest, "items"},
		{"too many items", `{"destination": "takeout", "items": [` + many + `]}`, http.StatusBadRequest, "items"},
		{"empty name", `{"destination": "takeout", "items": [{"name": " "}]}`, http.StatusBadRequest, "items[0].name"},
		{"long name", `{"destination": "takeout", "items": [{"name": "` + long + `"}]}`, http.StatusBadRequest, "items[0].name"},
		{"zero quantity", `{"destination": "takeout", "items": [{"name": "Hamburger", "quantity": 0}]}`, http.StatusBadRequest, "items[0].quantity"},
		{"huge quantity", `{"destination": "takeout", "items": [{"name": "Hamburger", "quantity": 1000}]}`, http.StatusBadRequest, "items[0].quantity"},
		{"unknown station", `{"destination": "takeout", "items": [{"name": "Hamburger", "station": "oven"}]}`, http.StatusBadRequest, "items[0].station"},
		{"empty modifier", `{"destination": "takeout", "items": [{"name": "Hamburger", "modifiers": [""]}]}`, http.StatusBadRequest, "items[0].modifiers[0]"},
		{"control character", `{"destination": "takeout", "items": [{"name": "Ham\u0000burger"}]}`, http.StatusBadRequest, "items[0].name"},
		{"long note", with(`"notes": ["` + long + `"]`), http.StatusBadRequest, "notes[0]"},
		{"long source id", with(`"source_id": "` + long + `"`), http.StatusBadRequest, "source_id"},
		{"allergens not an array", with(`"allergens": "peanut"`), http.StatusBadRequest, "allergens"},
		{"allergen not a string", with(`"allergens": [7]`), http.StatusBadRequest, "allergens"},
		{"empty allergen", with(`"allergens": ["egg", " - "]`), http.StatusBadRequest, "allergens[1]"},
		{"long allergen", with(`"allergens": ["` + strings.Repeat("x", orders.MaxAllergenLength+1) + `"]`), http.StatusBadRequest, "allergens[0]"},
		{"too many allergens", with(`"allergens": [` + strings.TrimSuffix(strings.Repeat(`"egg",`, orders.MaxAllergens+1), ",") + `]`), http.StatusBadRequest, "allergens"},
		{"item allergen empty", `{"destination": "takeout", "items": [` + item + `, {"name": "Cola", "allergens": [""]}]}`, http.StatusBadRequest, "items[1].allergens[0]"},
		{"item allergens not an array", `{"destination": "takeout", "items": [{"name": "Cola", "allergens": {}}]}`, http.StatusBadRequest, "items.allergens"},
		{"body over 64 KiB", with(`"notes": ["` + strings.Repeat("x", handlers.MaxBodyBytes) + `"]`), http.StatusRequestEntityTooLarge, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := call(t, "POST", r.srv.URL+"/api/orders", tt.body)
			if tt.body == "" {
				resp = call(t, "POST", r.srv.URL+"/api/orders", "", "Content-Type", "application/json")
			}
			if resp.status != tt.status {
				t.Fatalf("status %d (%s), want %d", resp.status, resp.body, tt.status)
			}
			if _, field := resp.problem(t); field != tt.field {
				t.Errorf("field %q, want %q (%s)", field, tt.field, resp.body)
			}
		})
	}
	resp := call(t, "POST", r.srv.URL+"/api/orders", "destination=takeout", "Content-Type", "application/x-www-form-urlencoded")
	if resp.status != http.StatusUnsupportedMediaType {
		t.Errorf("form body: status %d, want 415", resp.status)
	}
	if n := len(r.board.Open()); n != 0 || r.board.Version() != 0 {
		t.Errorf("bad input changed the rail: %d tickets, version %d", n, r.board.Version())
	}
}

func TestCreateOrderAcceptsWhatSendersWrite(t *testing.T) {
	r := newRig(t, handlers.Options{})
	resp := call(t, "POST", r.srv.URL+"/api/orders", `{"destination": "Drive-Thru",
		"items": [{"name": "  Onion Rings "}, {"name": "Coffee"}, {"name": "Chicken Sandwich", "station": "GRILL"}, {"name": "<script>alert(1)</script>"}]}`)
	if resp.status != http.StatusCreated {
		t.Fatalf("status %d: %s", resp.status, resp.body)
	}
	o := resp.order(t)
	want := []orders.Item{
		{Quantity: 1, Name: "Onion Rings", Station: orders.Fry},
		{Quantity: 1, Name: "Coffee", Station: orders.Shake},
		{Quantity: 1, Name: "Chicken Sandwich", Station: orders.Grill},
		{Quantity: 1, Name: "<script>alert(1)</script>", Station: orders.Grill},
	}
	if o.Destination != orders.DriveThru || fmt.Sprint(o.Items) != fmt.Sprint(want) {
		t.Errorf("got %s %v, want drive thru %v", o.Destination, o.Items, want)
	}
	// The hostile name is stored as given and rendered escaped.
	_, page := get(t, r.srv.URL+"/")
	if strings.Contains(page, "<script>alert(1)</script>") || !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the hostile item name is not escaped on the page")
	}
}

func TestOrderActions(t *testing.T) {
	r := newRig(t, handlers.Options{})
	id := call(t, "POST", r.srv.URL+"/api/orders", validOrder).order(t).ID
	base := fmt.Sprintf("%s/api/orders/%d/", r.srv.URL, id)
	steps := []struct {
		action string
		status int
		want   orders.Status
	}{
		{"fire", http.StatusOK, orders.Fired},
		{"fire", http.StatusOK, orders.Fired}, // a retry changes nothing
		{"bump", http.StatusOK, orders.Bumped},
		{"bump", http.StatusOK, orders.Bumped},
		{"cancel", http.StatusConflict, ""},
		{"recall", http.StatusOK, orders.Fired},
		{"recall", http.StatusOK, orders.Fired},
		{"cancel", http.StatusOK, orders.Cancelled},
		{"bump", http.StatusConflict, ""},
		{"fire", http.StatusConflict, ""},
		{"recall", http.StatusOK, orders.Fired}, // a void undone
		{"cancel", http.StatusOK, orders.Cancelled},
		{"dance", http.StatusNotFound, ""},
		{"recall-last", http.StatusNotFound, ""}, // only the page's Recall and R key
	}
	for i, s := range steps {
		resp := call(t, "POST", base+s.action, "")
		if resp.status != s.status {
			t.Fatalf("step %d %s: status %d (%s), want %d", i, s.action, resp.status, resp.body, s.status)
		}
		if s.want != "" {
			if o := resp.order(t); o.Status != s.want {
				t.Fatalf("step %d %s: status %s, want %s", i, s.action, o.Status, s.want)
			}
		} else {
			resp.problem(t)
		}
	}
	for _, path := range []string{"/api/orders/999/bump", "/api/orders/abc/bump", "/api/orders/0/fire"} {
		if resp := call(t, "POST", r.srv.URL+path, ""); resp.status != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", path, resp.status)
		}
	}
	if resp := call(t, "GET", r.srv.URL+"/api/orders/999", ""); resp.status != http.StatusNotFound {
		t.Errorf("GET unknown order: %d", resp.status)
	}
}

func TestListOrders(t *testing.T) {
	r := newRig(t, handlers.Options{})
	for range 3 {
		call(t, "POST", r.srv.URL+"/api/orders", `{"destination": "takeout", "items": [{"name": "Cola"}]}`)
	}
	call(t, "POST", r.srv.URL+"/api/orders/2/bump", "")
	for _, tt := range []struct {
		query string
		ids   string
		code  int
	}{
		{"", "1,2,3", 200},
		{"?status=open", "1,3", 200},
		{"?status=bumped", "2", 200},
		{"?status=received,bumped", "1,2,3", 200},
		{"?status=cancelled", "", 200},
		{"?limit=2", "2,3", 200},
		{"?status=lost", "", 400},
		{"?limit=0", "", 400},
	} {
		resp := call(t, "GET", r.srv.URL+"/api/orders"+tt.query, "")
		if resp.status != tt.code {
			t.Errorf("%s: status %d", tt.query, resp.status)
			continue
		}
		if tt.code != 200 {
			continue
		}
		var list struct{ Orders []orders.Order }
		if err := json.Unmarshal(resp.body, &list); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, o := range list.Orders {
			ids = append(ids, fmt.Sprint(o.ID))
		}
		if got := strings.Join(ids, ","); got != tt.ids {
			t.Errorf("%s: orders %s, want %s", tt.query, got, tt.ids)
		}
	}
}

func TestAPIToken(t *testing.T) {
	r := newRig(t, handlers.Options{APIToken: "s3cret"})
	for _, tt := range []struct {
		name   string
		header []string
		status int
	}{
		{"no token", nil, http.StatusUnauthorized},
		{"wrong token", []string{"Authorization", "Bearer guess"}, http.StatusUnauthorized},
		{"prefix of the token", []string{"Authorization", "Bearer s3c"}, http.StatusUnauthorized},
		{"not bearer", []string{"Authorization", "Basic s3cret"}, http.StatusUnauthorized},
		{"right token", []string{"Authorization", "Bearer s3cret"}, http.StatusCreated},
		{"scheme in lower case", []string{"Authorization", "bearer s3cret"}, http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := call(t, "POST", r.srv.URL+"/api/orders", validOrder, tt.header...)
			if resp.status != tt.status {
				t.Fatalf("status %d, want %d", resp.status, tt.status)
			}
			if tt.status == http.StatusUnauthorized && resp.header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
	if resp := call(t, "GET", r.srv.URL+"/api/stats", ""); resp.status != http.StatusUnauthorized {
		t.Errorf("GET /api/stats without token: %d", resp.status)
	}
}

func TestAPIWithoutTokenAnswersLoopbackOnly(t *testing.T) {
	h := handlers.New(handlers.Options{Board: orders.NewBoard(orders.BoardConfig{})})
	for _, tt := range []struct {
		name, remote, host string
		header             []string
		status             int
	}{
		{"loopback", "127.0.0.1:5000", "localhost:8080", nil, http.StatusCreated},
		{"loopback IPv6, the same order again", "[::1]:5000", "[::1]:8080", nil, http.StatusOK},
		{"another machine", "192.0.2.10:5000", "kitchen.local:8080", nil, http.StatusForbidden},
		{"another machine, IPv6", "[2001:db8::1]:5000", "kitchen.local:8080", nil, http.StatusForbidden},
		{"a page on this machine under another name", "127.0.0.1:5000", "rebound.example:8080", nil, http.StatusForbidden},
		{"a cross-site page on this machine", "127.0.0.1:5000", "localhost:8080", []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"a foreign origin on this machine", "127.0.0.1:5000", "localhost:8080", []string{"Origin", "https://evil.example"}, http.StatusForbidden},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/api/orders", strings.NewReader(validOrder))
			req.Header.Set("Content-Type", "application/json")
			req.RemoteAddr, req.Host = tt.remote, tt.host
			for i := 0; i+1 < len(tt.header); i += 2 {
				req.Header.Set(tt.header[i], tt.header[i+1])
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Errorf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
		})
	}
}

func TestPageActionsRefuseCrossSitePosts(t *testing.T) {
	r := newRig(t, handlers.Options{})
	o := r.place(t)
	url := fmt.Sprintf("%s/orders/%d/fire", r.srv.URL, o.ID)
	for _, tt := range []struct {
		name   string
		header []string
		status int
	}{
		{"cross-site form", []string{"Sec-Fetch-Site", "cross-site", "Content-Type", "application/x-www-form-urlencoded"}, http.StatusForbidden},
		{"foreign origin", []string{"Origin", "http://evil.example", "Content-Type", "application/x-www-form-urlencoded"}, http.StatusForbidden},
		{"same origin, htmx", []string{"Sec-Fetch-Site", "same-origin", "HX-Request", "true"}, http.StatusNoContent},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", url, nil)
			for i := 0; i < len(tt.header); i += 2 {
				req.Header.Set(tt.header[i], tt.header[i+1])
			}
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
		})
	}
	if got, _ := r.board.Order(o.ID); got.Status != orders.Fired {
		t.Errorf("status %s after one allowed fire", got.Status)
	}
	// A plain same-origin form post goes back to the page.
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/orders/%d/bump", r.srv.URL, o.ID), nil)
	req.Header.Set("Origin", r.srv.URL)
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "../../" {
		t.Errorf("form post: %d to %q, want 303 to ../../", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestConcurrentOrdersAllReachTheScreen posts 200 orders at once while a
// screen is connected: 200 tickets with distinct numbers, all on the
// screen's rail, each message whole.
func TestConcurrentOrdersAllReachTheScreen(t *testing.T) {
	const n = 200
	// 200 at once from one address is over the API's burst: lift it, as
	// this test is about concurrency, not about the rate.
	r := newRig(t, handlers.Options{Limits: handlers.Limits{APIBurst: n}})
	c := dial(t, wsURL(r.srv.URL)+"/ws")
	read(t, c)
	var wg sync.WaitGroup
	numbers := make(chan int, n)
	for i := range n {
		wg.Go(func() {
			body := fmt.Sprintf(`{"source_id": "pos-%d", "destination": "takeout", "items": [{"name": "Hamburger %d", "modifiers": ["no onion"]}]}`, i, i)
			resp := call(t, "POST", r.srv.URL+"/api/orders", body)
			if resp.status != http.StatusCreated {
				t.Errorf("order %d: status %d %s", i, resp.status, resp.body)
				return
			}
			numbers <- resp.order(t).Number
		})
	}
	wg.Wait()
	close(numbers)
	seen := map[int]bool{}
	for num := range numbers {
		if seen[num] {
			t.Fatalf("display number %d given twice", num)
		}
		seen[num] = true
	}
	if len(seen) != n {
		t.Fatalf("%d orders acknowledged, want %d", len(seen), n)
	}
	shown := map[string]bool{}
	for len(shown) < n {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		_, data, err := c.Read(ctx)
		cancel()
		if websocket.CloseStatus(err) == websocket.StatusTryAgainLater {
			// The burst outran the screen's catch-up snapshot on a busy
			// machine: reconnect as a page does.
			c = dial(t, wsURL(r.srv.URL)+"/ws")
			continue
		}
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		m := parseMessage(t, string(data))
		for _, p := range m.partials {
			if p.swap == "innerHTML" {
				clear(shown)
			}
			for _, tk := range p.tickets {
				shown[tk.id] = true
			}
		}
	}
	for _, o := range r.board.Open() {
		if !shown[fmt.Sprintf("ticket-%d", o.ID)] {
			t.Errorf("ticket %d never reached the screen", o.ID)
		}
	}
}

func TestStats(t *testing.T) {
	now := time.Date(2026, 11, 24, 18, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	board := orders.NewBoard(orders.BoardConfig{Now: clock})
	r := newRig(t, handlers.Options{Board: board})
	// Ten takeout tickets that take 1..10 minutes, placed a minute apart
	// and bumped in that order.
	for i := 1; i <= 10; i++ {
		o, _, err := board.Place(t.Context(), orders.NewOrder{Destination: orders.Takeout, Items: []orders.Item{{Quantity: 1, Name: "Cola", Station: orders.Shake}}})
		if err != nil {
			t.Fatal(err)
		}
		advance(time.Duration(i) * time.Minute)
		if _, err := board.Bump(t.Context(), o.ID); err != nil {
			t.Fatal(err)
		}
	}
	resp := call(t, "GET", r.srv.URL+"/api/stats", "")
	var rep orders.Report
	if err := json.NewDecoder(bytes.NewReader(resp.body)).Decode(&rep); err != nil || resp.status != 200 {
		t.Fatalf("stats: %d %s", resp.status, resp.body)
	}
	if rep.Today.Count != 10 || rep.Today.MedianSeconds != 300 || rep.Today.P90Seconds != 540 {
		t.Errorf("today %+v, want 10 tickets, median 5 min, p90 9 min", rep.Today.Times)
	}
	if tk := rep.Today.ByDestination[orders.Takeout]; tk.Count != 10 {
		t.Errorf("takeout today %+v", tk)
	}
	if dr := rep.Today.ByDestination[orders.DiningRoom]; dr.Count != 0 {
		t.Errorf("dining room today %+v", dr)
	}
	// The bumps happened at 18:01, 18:03, 18:06, ... 18:55; it is now
	// 18:55, so the last hour holds all ten. Just over an hour later it holds
	// none.
	if rep.LastHour.Count != 10 {
		t.Errorf("last hour %+v", rep.LastHour.Times)
	}
	advance(time.Hour + time.Minute)
	resp = call(t, "GET", r.srv.URL+"/api/stats", "")
	if err := json.Unmarshal(resp.body, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.LastHour.Count != 0 || rep.Today.Count != 10 {
		t.Errorf("an hour later: last hour %d, today %d; want 0 and 10", rep.LastHour.Count, rep.Today.Count)
	}
}

func TestCreateOrderWithAllergens(t *testing.T) {
	r := newRig(t, handlers.Options{})
	resp := call(t, "POST", r.srv.URL+"/api/orders", `{"destination": "takeout",
		"allergens": [" Tree-Nuts ", "Kiwi"],
		"items": [{"name": "Hamburger", "allergens": ["MILK", "soya"], "modifiers": ["no cheese"]},
		          {"name": "Fries", "modifiers": ["no peanuts please"]}],
		"notes": ["extra napkins"]}`)
	if resp.status != http.StatusCreated {
		t.Fatalf("status %d: %s", resp.status, resp.body)
	}
	var o struct {
		Allergens []string `json:"allergens"`
		Allergy   bool     `json:"allergy"`
		Items     []struct {
			Allergens []string `json:"allergens"`
		} `json:"items"`
	}
	if err := json.Unmarshal(resp.body, &o); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(o.Allergens, ","), "peanut,tree nut,dairy,soy,kiwi"; got != want || !o.Allergy {
		t.Errorf("allergens %q, allergy %v; want %q and true", got, o.Allergy, want)
	}
	if got := strings.Join(o.Items[0].Allergens, ","); got != "dairy,soy" || len(o.Items[1].Allergens) != 0 {
		t.Errorf("item allergens %q and %q, want dairy,soy and none", got, o.Items[1].Allergens)
	}
	plain := call(t, "POST", r.srv.URL+"/api/orders", `{"destination": "takeout", "items": [{"name": "Cola"}]}`)
	if strings.Contains(string(plain.body), "allerg") {
		t.Errorf("an order without allergens has %s", plain.body)
	}
}

func TestItemActions(t *testing.T) {
	r := newRig(t, handlers.Options{})
	id := call(t, "POST", r.srv.URL+"/api/orders", validOrder).order(t).ID
	url := func(id any, rest string) string { return fmt.Sprintf("%s/api/orders/%v/items/%s", r.srv.URL, id, rest) }
	for i, s := range []struct {
		path   string
		status int
		done   []int
	}{
		{url(id, "1/done"), http.StatusOK, []int{1}},
		{url(id, "1/done"), http.StatusOK, []int{1}}, // a retry changes nothing
		{url(id, "0/done"), http.StatusOK, []int{0, 1}},
		{url(id, "1/undone"), http.StatusOK, []int{0}},
		{url(id, "1/undone"), http.StatusOK, []int{0}},
		{url(id, "2/done"), http.StatusNotFound, nil}, // two items
		{url(id, "-1/done"), http.StatusNotFound, nil},
		{url(id, "one/done"), http.StatusNotFound, nil},
		{url(id, "1.5/done"), http.StatusNotFound, nil},
		{url(id, "1/finish"), http.StatusNotFound, nil},
		{url(999, "0/done"), http.StatusNotFound, nil},
		{url("abc", "0/done"), http.StatusNotFound, nil},
		{url(id, "0/done/more"), http.StatusNotFound, nil},
	} {
		resp := call(t, "POST", s.path, "")
		if resp.status != s.status {
			t.Fatalf("step %d POST %s: status %d (%s), want %d", i, s.path, resp.status, resp.body, s.status)
		}
		if s.status != http.StatusOK {
			if s.status == http.StatusNotFound && !strings.HasSuffix(s.path, "/more") {
				resp.problem(t)
			}
			continue
		}
		if o := resp.order(t); fmt.Sprint(o.ItemsDone) != fmt.Sprint(s.done) {
			t.Fatalf("step %d POST %s: items done %v, want %v", i, s.path, o.ItemsDone, s.done)
		}
	}
	if o, _ := r.board.Order(id); fmt.Sprint(o.ItemsDone) != "[0]" {
		t.Errorf("the board's order has items done %v, want [0]", o.ItemsDone)
	}
	call(t, "POST", fmt.Sprintf("%s/api/orders/%d/bump", r.srv.URL, id), "")
	if resp := call(t, "POST", url(id, "1/done"), ""); resp.status != http.StatusConflict {
		t.Errorf("item done on a bumped order: %d (%s), want 409", resp.status, resp.body)
	}
	// Item actions are not order actions.
	if resp := call(t, "POST", fmt.Sprintf("%s/api/orders/%d/item-done", r.srv.URL, id), ""); resp.status != http.StatusNotFound {
		t.Errorf("POST .../item-done: %d, want 404", resp.status)
	}
}

func TestPageItemActions(t *testing.T) {
	r := newRig(t, handlers.Options{})
	o, _, err := r.board.Place(t.Context(), orders.NewOrder{Destination: orders.Takeout, Items: []orders.Item{
		{Quantity: 1, Name: "Hamburger", Station: orders.Grill},
		{Quantity: 1, Name: "Fries", Station: orders.Fry},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name     string
		path     string
		body     string
		header   []string
		status   int
		location string
		done     string
	}{
		{"form post", "items/1/done", "", []string{"Origin", "SELF"}, http.StatusSeeOther, "../../../../", "[1]"},
		{"form post from a station", "items/0/done", "station=grill", []string{"Origin", "SELF"}, http.StatusSeeOther, "../../../../?station=grill", "[0 1]"},
		{"an unknown station is not carried", "items/0/undone", "station=oven", []string{"Origin", "SELF"}, http.StatusSeeOther, "../../../../", "[1]"},
		{"htmx", "items/1/undone", "", []string{"Sec-Fetch-Site", "same-origin", "HX-Request", "true"}, http.StatusNoContent, "", "[]"},
		{"cross-site", "items/1/done", "", []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden, "", "[]"},
		{"foreign origin", "items/1/done", "", []string{"Origin", "http://evil.example"}, http.StatusForbidden, "", "[]"},
		{"no such item", "items/2/done", "", []string{"Origin", "SELF"}, http.StatusNotFound, "", "[]"},
		{"not an index", "items/x/done", "", []string{"Origin", "SELF"}, http.StatusNotFound, "", "[]"},
		{"unknown state", "items/1/eaten", "", []string{"Origin", "SELF"}, http.StatusNotFound, "", "[]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", fmt.Sprintf("%s/orders/%d/%s", r.srv.URL, o.ID, tt.path), strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for i := 0; i+1 < len(tt.header); i += 2 {
				req.Header.Set(tt.header[i], strings.Replace(tt.header[i+1], "SELF", r.srv.URL, 1))
			}
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status || resp.Header.Get("Location") != tt.location {
				t.Errorf("status %d to %q, want %d to %q", resp.StatusCode, resp.Header.Get("Location"), tt.status, tt.location)
			}
			got, _ := r.board.Order(o.ID)
			if done := fmt.Sprint(got.ItemsDone); done != tt.done {
				t.Errorf("items done %s, want %s", done, tt.done)
			}
		})
	}
}
