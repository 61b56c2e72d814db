package main

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/ticketrail/ticketrail/internal/pgtest"
)

// TestBrowserInstancesSurviveAKill opens two pages through a balancer in
// front of three servers on one PostgreSQL database, the first page's
// socket on the first instance and the second's on the second, and kills
// the second instance while orders come in: its page reconnects through
// the balancer to another instance, and both pages show the server's rail,
// each ticket once.
func TestBrowserInstancesSurviveAKill(t *testing.T) {
	cluster := pgtest.Start(t)
	db := cluster.NewDatabase(t)
	br := browser(t)
	inst := startInstances(t, binary(t), db, 3)
	lb := newBalancer(t, inst[0].url, inst[1].url, inst[2].url)
	burger := `{"destination": "takeout", "items": [{"name": "Hamburger"}]}`

	// The balancer sends upgrades in turn: the first page's socket goes
	// to the first instance, the second's to the second.
	pages := []*tab{openTab(t, br), openTab(t, br)}
	for i, p := range pages {
		p.navigate(t, lb.url+"/")
		p.wait(t, fmt.Sprintf("page %d's socket", i), `window.__opens >= 1`)
	}
	// The rail as the database has it: an instance's own rail may be a
	// moment behind a change another instance made.
	equal := func(when string) {
		t.Helper()
		var want []string
		for _, o := range openOrders(t, inst[0].url) {
			want = append(want, tickets(o.ID)...)
		}
		for i, p := range pages {
			p.wait(t, fmt.Sprintf("page %d to show %v %s", i, want, when), ticketIDs+`.join() === `+jsString(want))
			if n := eval[int](t, p, `document.querySelectorAll('[id^="ticket-"]').length`); n != len(want) {
				t.Errorf("page %d holds %d ticket elements %s, want %d", i, n, when, len(want))
			}
		}
	}
	for i := range 4 {
		if code, _ := send(t, inst[i%3].url, "/api/orders", burger, fmt.Sprintf("before-%d", i)); code != http.StatusCreated {
			t.Fatalf("order %d: %d", i, code)
		}
	}
	equal("before the kill")

	if err := inst[1].cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		if code, _ := send(t, lb.url, "/api/orders", burger, fmt.Sprintf("after-%d", i)); code != http.StatusCreated {
			t.Fatalf("order %d after the kill: %d", i, code)
		}
	}
	if code, _ := send(t, lb.url, "/api/orders/2/bump", "", ""); code != http.StatusOK {
		t.Fatalf("bump 2: %d", code)
	}
	pages[1].wait(t, "the second page to lose its socket", `window.__closes.length >= 1`)
	equal("after the kill")
	if opens := eval[int](t, pages[1], `window.__opens`); opens < 2 {
		t.Errorf("the second page's socket opened %d times, want a reconnect", opens)
	}
	var want []string
	for _, o := range openOrders(t, inst[0].url) {
		want = append(want, tickets(o.ID)...)
	}
	for _, in := range []*instance{inst[0], inst[2]} {
		waitFor(t, "the rail of "+in.host+" to be the database's", func() bool { return slices.Equal(serverRail(t, in.url), want) })
	}
}
