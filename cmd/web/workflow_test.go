package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ticketrail/ticketrail/orders"
)

func (tb *tab) do(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// placeOrders posts orders through the API and returns them as placed.
func placeOrders(t *testing.T, base string, bodies ...string) []orders.Order {
	t.Helper()
	var out []orders.Order
	for _, b := range bodies {
		code, o := post(t, base+"/api/orders", b)
		if code != http.StatusCreated {
			t.Fatalf("POST %s: %d", b, code)
		}
		out = append(out, o)
	}
	return out
}

// openOrders reads the server's open orders through the API.
func openOrders(t *testing.T, base string) []orders.Order {
	t.Helper()
	resp, err := http.Get(base + "/api/orders?status=open")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct{ Orders []orders.Order }
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	return list.Orders
}

// allDay is what the all-day panel should say for the given orders:
// "count name" lines, sorted.
func allDay(os []orders.Order, station orders.Station) []string {
	count := map[string]int{}
	for _, o := range os {
		for _, it := range o.Items {
			if station == "" || it.Station == station && !o.StationDone(station) {
				count[it.Name] += it.Quantity
			}
		}
	}
	var lines []string
	for name, n := range count {
		lines = append(lines, fmt.Sprintf("%d %s", n, strings.ToUpper(name)))
	}
	sort.Strings(lines)
	return lines
}

const allDayLines = `[...document.querySelectorAll('#all-day [data-testid=all-day-item]')]
	.map(e => e.querySelector('.n').textContent.trim() + ' ' + e.dataset.name.toUpperCase()).sort()`

func (tb *tab) waitAllDay(t *testing.T, want []string) {
	t.Helper()
	js, _ := json.Marshal(strings.Join(want, "|"))
	defer func() {
		if t.Failed() {
			t.Logf("the all-day panel reads %v", eval[any](t, tb, allDayLines))
		}
	}()
	tb.wait(t, "the all-day panel to read "+strings.Join(want, ", "), allDayLines+`.join('|') === `+string(js))
}

// TestKitchenWorkflow runs service in two browser windows on the same
// server: every action in one shows in the other.
func TestKitchenWorkflow(t *testing.T) {
	b := browser(t)
	s := start(t, "-demo=false")
	p := newProxy(t, s.url)

	a, other := openTab(t, b), openTab(t, b)
	a.navigate(t, p.url)
	other.navigate(t, p.url)
	a.wait(t, "socket A", `window.__opens >= 1`)
	other.wait(t, "socket B", `window.__opens >= 1`)

	placeOrders(t, s.url,
		`{"destination": "takeout", "items": [{"name": "Double Burger", "quantity": 2, "modifiers": ["no onion"]}, {"name": "French Fries"}]}`,
		`{"destination": "dining room", "items": [{"name": "Cheeseburger"}, {"name": "Vanilla Shake"}]}`,
		`{"destination": "drive thru", "items": [{"name": "French Fries", "quantity": 3}]}`,
		`{"destination": "takeout", "items": [{"name": "Chocolate Shake"}, {"name": "Hamburger"}], "notes": ["<script>alert(1)</script>"]}`,
	)
	both := func(what, expr string) {
		t.Helper()
		a.wait(t, what+" in window A", expr)
		other.wait(t, what+" in window B", expr)
	}
	rail := func(ids ...int) string {
		var s []string
		for _, id := range ids {
			s = append(s, fmt.Sprintf("ticket-%d", id))
		}
		return ticketIDs + `.join() === '` + strings.Join(s, ",") + `'`
	}
	both("four tickets", rail(1, 2, 3, 4))
	a.waitAllDay(t, allDay(openOrders(t, s.url), ""))
	if n := eval[int](t, a, `document.querySelectorAll('script').length`); n != 3 {
		t.Errorf("%d script elements: a note became markup", n)
	}

	// Tapping a ticket's header fires it everywhere.
	a.do(t, "tap the header of #3", chromedp.Click(chromedp.CSS(`#ticket-3 .ticket-head`)))
	both("#3 fired", `document.querySelector('#ticket-3')?.dataset.status === 'fired'`)

	// Bump in A: the ticket leaves B too, and the all-day counts follow.
	a.do(t, "bump #1", chromedp.Click(chromedp.CSS(`#ticket-1 [data-testid=bump]`)))
	both("#1 gone", rail(2, 3, 4))
	other.waitAllDay(t, allDay(openOrders(t, s.url), ""))

	// Recall brings it back to its place on both screens, marked recalled.
	other.do(t, "recall the last bumped", chromedp.Click(chromedp.CSS(`[data-testid=recall-last]`)))
	both("#1 back in its place", rail(1, 2, 3, 4))
	both("#1 marked recalled", `document.querySelector('#ticket-1').classList.contains('recalled')`)
	a.waitAllDay(t, allDay(openOrders(t, s.url), ""))

	// Key 1 bumps the first ticket on the screen, like a bump bar.
	other.do(t, "press 1", chromedp.KeyEvent("1"))
	both("the first ticket bumped by key 1", rail(2, 3, 4))
	// Key R recalls it.
	a.do(t, "press R", chromedp.KeyEvent("r"))
	both("#1 recalled by key R", rail(1, 2, 3, 4))

	// Void shows VOID on every screen, then the ticket leaves.
	a.do(t, "open the ticket's menu", chromedp.Click(chromedp.CSS(`#ticket-2 .ticket-more summary`)))
	a.do(t, "void #2", chromedp.Click(chromedp.CSS(`#ticket-2 [data-testid=void]`)))
	other.wait(t, "VOID on #2", `document.querySelector('#ticket-2')?.classList.contains('voided') &&
		getComputedStyle(document.querySelector('#ticket-2')).display !== 'none'`)
	both("#2 gone after its VOID", rail(1, 3, 4))
	a.waitAllDay(t, allDay(openOrders(t, s.url), ""))

	// A station screen shows only the tickets and items of its station.
	shake := openTab(t, b)
	shake.navigate(t, p.url+"?station=shake")
	shake.wait(t, "the shake screen", rail(4))
	if names := eval[[]string](t, shake, `[...document.querySelectorAll('#rail [data-testid=name]')].map(e => e.textContent.trim())`); !slices.Equal(names, []string{"Chocolate Shake"}) {
		t.Errorf("the shake screen shows items %v, want only the shake", names)
	}
	if others := eval[string](t, shake, `document.querySelector('#ticket-4 [data-testid=others]')?.textContent ?? ''`); !strings.Contains(others, "1") {
		t.Errorf("the shake ticket says %q about the order's other items", others)
	}
	shake.waitAllDay(t, allDay(openOrders(t, s.url), orders.Shake))
	// The shake station finishes its part: it leaves the shake screen,
	// and the expo shows the station done, with the ticket still open.
	shake.do(t, "done on the shake screen", chromedp.Click(chromedp.CSS(`#ticket-4 [data-testid=bump]`)))
	shake.wait(t, "#4 gone from the shake screen", `!document.querySelector('#rail > #ticket-4')`)
	a.wait(t, "the expo showing shake done", `document.querySelector('#ticket-4 [data-testid=station][data-station=shake]')?.classList.contains('done')`)
	both("#4 still on the expo", rail(1, 3, 4))

	// When the server drops the socket, the banner says so until the rail
	// is current again.
	p.refuse(true)
	p.drop()
	a.wait(t, "the reconnecting banner", `!document.querySelector('#connection').hidden`)
	placeOrders(t, s.url, `{"destination": "takeout", "items": [{"name": "Lemonade"}]}`)
	p.refuse(false)
	a.wait(t, "the banner gone after reconnecting", `document.querySelector('#connection').hidden`)
	a.wait(t, "the order placed while away", rail(1, 3, 4, 5))
}
