package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// page reads the panels as a fresh page from the server shows them: the
// all-day entries as "count name" in order, and the recall list's entry
// ids in order.
func freshPanels(t *testing.T, base string) (allDay, recall []string) {
	t.Helper()
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, m := range regexp.MustCompile(`data-testid="all-day-item" data-name="([^"]*)"><span class="n">(\d+)</span>`).FindAllStringSubmatch(string(body), -1) {
		allDay = append(allDay, m[2]+" "+m[1])
	}
	for _, m := range regexp.MustCompile(`<li id="(recall-\d+)" class="recall-item`).FindAllStringSubmatch(string(body), -1) {
		recall = append(recall, m[1])
	}
	return allDay, recall
}

// pagePanels is freshPanels read from the live page.
const pagePanels = `JSON.stringify([
	[...document.querySelectorAll('#all-day-items > li')].map(e => e.querySelector('.n').textContent + ' ' + e.dataset.name),
	[...document.querySelectorAll('#recall-list > li.recall-item')].map(e => e.id),
	document.getElementById('recall-count').textContent])`

// waitConverged waits until the page shows the server's rail (as
// /fragments/rail has it) and the panels a fresh page shows.
func waitConverged(t *testing.T, tb *tab, base, when string) {
	t.Helper()
	rail := serverRail(t, base)
	allDay, recall := freshPanels(t, base)
	want, _ := json.Marshal([]any{orEmpty(allDay), orEmpty(recall), strconv.Itoa(len(recall))})
	defer func() {
		if t.Failed() {
			t.Logf("the page has %s, the server %s", eval[string](t, tb, pagePanels), want)
		}
	}()
	tb.wait(t, when+": the rail "+jsArray(rail), ticketIDs+`.join() === `+jsString(rail))
	tb.wait(t, when+": the panels", pagePanels+` === `+jsString([]string{string(want)}))
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// service makes n random changes through the API: new orders, fires,
// items and stations done, bumps, voids and recalls.
func service(t *testing.T, base string, rng *rand.Rand, n int) {
	t.Helper()
	names := []string{"Hamburger", "Double Burger", "French Fries", "Onion Rings", "Chocolate Shake", "Vanilla Shake", "Cheeseburger"}
	var bumped []int64
	for range n {
		open := openOrders(t, base)
		if len(open) < 4 || rng.IntN(4) == 0 {
			var items []string
			for range 1 + rng.IntN(3) {
				items = append(items, fmt.Sprintf(`{"name": %q, "quantity": %d}`, names[rng.IntN(len(names))], 1+rng.IntN(2)))
			}
			apiPost(t, base+"/api/orders", `{"destination": "takeout", "items": [`+strings.Join(items, ",")+`]}`)
			continue
		}
		o := open[rng.IntN(len(open))]
		switch r := rng.IntN(10); {
		case r < 2:
			apiPost(t, fmt.Sprintf("%s/api/orders/%d/fire", base, o.ID), "")
		case r < 4:
			apiPost(t, fmt.Sprintf("%s/api/orders/%d/items/%d/done", base, o.ID, rng.IntN(len(o.Items))), "")
		case r < 5:
			apiPost(t, fmt.Sprintf("%s/api/orders/%d/done?station=%s", base, o.ID, o.Items[0].Station), "")
		case r < 6:
			apiPost(t, fmt.Sprintf("%s/api/orders/%d/cancel", base, o.ID), "")
			bumped = append(bumped, o.ID)
		case r < 7 && len(bumped) > 0:
			apiPost(t, fmt.Sprintf("%s/api/orders/%d/recall", base, bumped[rng.IntN(len(bumped))]), "")
		default:
			apiPost(t, fmt.Sprintf("%s/api/orders/%d/bump", base, o.ID), "")
			bumped = append(bumped, o.ID)
		}
	}
}

// apiPost posts body to url; a conflict (an order recalled twice, say) is
// fine, anything else but success fails the test. A 429 is waited out as
// its Retry-After says, as any client of the API does.
func apiPost(t *testing.T, url, body string) {
	t.Helper()
	for {
		resp, err := http.Post(url, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK, http.StatusCreated, http.StatusConflict:
			return
		case http.StatusTooManyRequests:
			secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			time.Sleep(time.Duration(max(secs, 1)) * time.Second) // the server's word
		default:
			t.Fatalf("POST %s %s: %d %s", url, body, resp.StatusCode, msg)
		}
	}
}

// TestBrowserPanelsStayTrue runs 50 random changes on a connected page,
// then 50 more while the network holds back everything the server sends,
// and checks after each that the page's rail, all-day panel and recall list
// are the server's: the messages that change single entries add up, also
// when they arrive in one burst.
func TestBrowserPanelsStayTrue(t *testing.T) {
	b := browser(t)
	s := start(t, "-demo=false")
	p := newProxy(t, s.url)
	tb := openTab(t, b)
	tb.navigate(t, p.url)
	tb.wait(t, "the socket", `window.__opens >= 1`)
	rng := rand.New(rand.NewPCG(7, 8))

	service(t, s.url, rng, 50)
	waitConverged(t, tb, s.url, "after 50 changes")

	p.pause(true)
	service(t, s.url, rng, 50)
	p.pause(false)
	waitConverged(t, tb, s.url, "after 50 changes held back")
	if got := eval[int](t, tb, `window.__opens`); got != 1 {
		t.Errorf("the socket opened %d times, want once", got)
	}
}
