package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ticketrail/ticketrail/internal/pgtest"
	"github.com/ticketrail/ticketrail/orders"
)

// instance is one cmd/web process on the shared database.
type instance struct {
	*process
	host string // host:port
}

// startInstances starts n servers on the PostgreSQL database at db.
func startInstances(t *testing.T, bin, db string, n int) []*instance {
	t.Helper()
	var out []*instance
	for range n {
		p := startProcess(t, bin, "-addr", "127.0.0.1:0", "-db", db, "-demo=false")
		u, err := url.Parse(p.url)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, &instance{process: p, host: u.Host})
	}
	return out
}

// send makes a change through base with the API, as a point of sale
// would: it sends it again, with the same idempotency key, until it gets
// an answer that it was done (2xx) or refused (4xx), and returns that
// answer. A 502 (the instance died under the request) or a 503 (the
// database is away) is not an answer: the change may or may not have
// been made, and a retry with the key is safe.
func send(t *testing.T, base, path, body, key string) (int, orders.Order) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		req, err := http.NewRequest("POST", base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			var o orders.Order
			decodeErr := json.NewDecoder(resp.Body).Decode(&o)
			resp.Body.Close()
			if resp.StatusCode < 500 {
				if resp.StatusCode < 300 && decodeErr != nil {
					t.Fatalf("POST %s: %d, body is not an order: %v", path, resp.StatusCode, decodeErr)
				}
				return resp.StatusCode, o
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("POST %s: no answer within a minute (last: %v)", path, err)
		}
		time.Sleep(50 * time.Millisecond) // the retry interval of a point of sale
	}
}

// openIDs returns the IDs of the open orders, by the API of base, sorted.
func openIDs(t *testing.T, base string) []int64 {
	t.Helper()
	var ids []int64
	for _, o := range openOrders(t, base) {
		ids = append(ids, o.ID)
	}
	slices.Sort(ids)
	return ids
}

// TestInstancesShareOneRail runs three servers on one PostgreSQL database
// behind a round-robin balancer, with nine screens spread over them:
// a change made through one instance reaches the screens of the others;
// when one instance is killed while orders flow, its screens come back
// through the balancer on the others and show the same rail, with
// nothing acknowledged lost; and while the database restarts, writes are
// refused with 503, every screen says the kitchen is offline, and all of
// it recovers by itself.
func TestInstancesShareOneRail(t *testing.T) {
	cluster := pgtest.Start(t)
	db := cluster.NewDatabase(t)
	bin := binary(t)
	inst := startInstances(t, bin, db, 3)
	a, b, c := inst[0], inst[1], inst[2]
	lb := newBalancer(t, a.url, b.url, c.url)

	var screens []*screenClient
	for i := range 9 {
		screens = append(screens, startScreen(t, lb.url, fmt.Sprintf("screen-%d", i)))
	}
	waitScreens(t, "their first snapshot", screens, func(s *screenClient) bool { _, n, _, _ := s.state(); return n >= 1 })
	onB := 0
	for _, s := range screens {
		if lb.socketOn(s.name) == b.host {
			onB++
		}
	}
	if onB == 0 {
		t.Fatal("no screen connected to the second instance: the balancer does not spread them")
	}
	showing := func(want []int64) func(*screenClient) bool {
		return func(s *screenClient) bool { rail, _, _, _ := s.state(); return slices.Equal(rail, want) }
	}

	// A change through one instance reaches the screens of all three.
	code, first := send(t, a.url, "/api/orders", `{"destination": "takeout", "items": [{"name": "Hamburger"}]}`, "first")
	if code != http.StatusCreated {
		t.Fatalf("first order through A: %d", code)
	}
	waitScreens(t, "the order placed through A", screens, showing([]int64{first.ID}))
	if code, _ := send(t, c.url, fmt.Sprintf("/api/orders/%d/bump", first.ID), "", ""); code != http.StatusOK {
		t.Fatalf("bump through C: %d", code)
	}
	waitScreens(t, "the order bumped through C", screens, showing(nil))

	// Orders flow through the balancer; B is killed in the middle.
	acked := map[int64]orders.Order{}
	for i := range 40 {
		if i == 15 {
			if err := b.cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
		}
		body := fmt.Sprintf(`{"destination": "drive thru", "items": [{"name": "Fries", "quantity": %d}], "notes": ["flow %d"]}`, i%4+1, i)
		code, o := send(t, lb.url, "/api/orders", body, fmt.Sprintf("flow-%d", i))
		if code != http.StatusCreated && code != http.StatusOK {
			t.Fatalf("order %d: %d", i, code)
		}
		acked[o.ID] = o
		if i%3 == 1 {
			action := map[bool]string{true: "bump", false: "cancel"}[i%2 == 1]
			code, o = send(t, lb.url, fmt.Sprintf("/api/orders/%d/%s", o.ID, action), "", "")
			if code != http.StatusOK {
				t.Fatalf("%s %d: %d", action, o.ID, code)
			}
			acked[o.ID] = o
		}
	}
	for _, o := range acked {
		code, got := getOrder(t, a.url, o.ID)
		if code != http.StatusOK || got.Status != o.Status {
			t.Errorf("order %d after the kill: %d, status %s; want the acknowledged %s", o.ID, code, got.Status, o.Status)
		}
	}
	want := openIDs(t, a.url)
	if len(want) == 0 {
		t.Fatal("no order open after the flow")
	}
	if got := openIDs(t, c.url); !slices.Equal(got, want) {
		t.Errorf("C's open orders %v, A's %v", got, want)
	}
	waitScreens(t, "the rail after B was killed", screens, showing(want))
	for _, s := range screens {
		if on := lb.socketOn(s.name); on == b.host {
			t.Errorf("%s is still on the killed instance", s.name)
		}
		if _, _, _, dups := s.state(); len(dups) > 0 {
			t.Errorf("%s: %v", s.name, dups)
		}
	}

	// The database restarts: writes are refused meanwhile, every screen
	// says the kitchen is offline, and it all comes back.
	cluster.Stop(t)
	for _, in := range []*instance{a, c} {
		resp, err := http.Post(in.url+"/api/orders", "application/json", strings.NewReader(`{"destination": "takeout", "items": [{"name": "Hamburger"}]}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Errorf("POST while the database is down: %d, Retry-After %q; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		if resp, err := http.Get(in.url + "/readyz"); err != nil || resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("/readyz while the database is down: %v %v, want 503", resp.StatusCode, err)
		} else {
			resp.Body.Close()
		}
	}
	waitScreens(t, "the offline banner", screens, func(s *screenClient) bool { _, _, off, _ := s.state(); return off })
	waitScreens(t, "the last rail while offline", screens, showing(want))
	cluster.Start(t)
	code, last := send(t, lb.url, "/api/orders", `{"destination": "dining room", "items": [{"name": "Chocolate Shake"}]}`, "after-restart")
	if code != http.StatusCreated {
		t.Fatalf("order after the database came back: %d", code)
	}
	want = append(want, last.ID)
	waitScreens(t, "the rail once the database is back", screens, func(s *screenClient) bool {
		rail, _, off, _ := s.state()
		return !off && slices.Equal(rail, want)
	})
	if got := openIDs(t, c.url); !slices.Equal(got, want) {
		t.Errorf("C's open orders %v after the restart, want %v", got, want)
	}
}

// getOrder reads one order through the API of base.
func getOrder(t *testing.T, base string, id int64) (int, orders.Order) {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("%s/api/orders/%d", base, id))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var o orders.Order
	json.NewDecoder(resp.Body).Decode(&o)
	return resp.StatusCode, o
}

// leads is what an instance logs when it starts running the demo.
const leads = `msg="this instance runs the demo"`

// TestDemoRunsOnce starts three servers with the demo on one database: one
// of them runs it, and when that one is killed another takes over.
func TestDemoRunsOnce(t *testing.T) {
	cluster := pgtest.Start(t)
	db := cluster.NewDatabase(t)
	bin := binary(t)
	var inst []*process
	for range 3 {
		inst = append(inst, startProcess(t, bin, "-addr", "127.0.0.1:0", "-db", db, "-demo-every", "100ms", "-demo-max", "0"))
	}
	leaders := func() (n int, which *process) {
		for _, p := range inst {
			if k := strings.Count(p.log.String(), leads); k > 0 {
				n, which = n+k, p
			}
		}
		return n, which
	}
	placed := func() int { return len(openOrders(t, inst[0].url)) }
	waitFor(t, "demo orders", func() bool { return placed() >= 5 })
	n, leader := leaders()
	if n != 1 {
		t.Fatalf("%d instances run the demo, want 1", n)
	}
	if err := leader.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	var alive []*process
	for _, p := range inst {
		if p != leader {
			alive = append(alive, p)
		}
	}
	inst = alive
	waitFor(t, "another instance to take the demo over", func() bool { n, _ := leaders(); return n == 1 })
	before := placed()
	waitFor(t, "demo orders from the new leader", func() bool { return placed() >= before+5 })
	if n, _ := leaders(); n != 1 {
		t.Errorf("%d instances run the demo after the takeover, want 1", n)
	}
}

// waitFor waits until ok holds, failing the test when it does not within a
// minute.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within a minute", what)
		}
		<-tick.C
	}
}
