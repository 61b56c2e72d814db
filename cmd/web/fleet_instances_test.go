package main

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/ticketrail/ticketrail/internal/pgtest"
)

// TestInstancesShareTheFleet runs two instances on one PostgreSQL
// database: a grill screen on the second counts as the grill's screen on
// the first, the first's fleet page lists it under the second, and when it
// stops showing what it is sent, the first's expo names it.
func TestInstancesShareTheFleet(t *testing.T) {
	cluster := pgtest.Start(t)
	db := cluster.NewDatabase(t)
	bin := binary(t)
	one := startProcess(t, bin, "-addr", "127.0.0.1:0", "-db", db, "-demo=false", "-instance", "one", "-unseen-after", "2s")
	two := startProcess(t, bin, "-addr", "127.0.0.1:0", "-db", db, "-demo=false", "-instance", "two", "-unseen-after", "2s")

	expo := dialScreen(t, one.url+"/ws?acks=1", true)
	grill := dialScreen(t, two.url+"/ws?station=grill&acks=1", true)
	expo.next(t, "the expo's snapshot", `id="receipt"`)
	grill.next(t, "the grill's snapshot", `id="receipt"`)

	fleet := func() string {
		resp, err := http.Get(one.url + "/fleet/cards")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body)
	}
	deadline := time.Now().Add(30 * time.Second)
	for body := fleet(); !strings.Contains(body, `data-instance="two"`) || !strings.Contains(body, `data-view="grill"`); body = fleet() {
		if time.Now().After(deadline) {
			t.Fatalf("one's fleet page never listed two's grill screen: %s", body)
		}
		time.Sleep(100 * time.Millisecond) // the instances report every 2 s
	}

	// The grill screen freezes. An order with a burger, placed on one,
	// reaches it, and it does not show it: one's expo names it, and never
	// says the grill has no screen.
	grill.acks = false
	code, o := send(t, one.url, "/api/orders", `{"destination": "takeout", "items": [{"name": "Hamburger", "station": "grill"}]}`, "")
	if code != http.StatusCreated {
		t.Fatalf("POST: %d", code)
	}
	grill.next(t, "the grill's new ticket", `id="ticket-`)
	panel := expo.next(t, "the alarm for two's grill screen", `data-station="grill" data-ticket="`+strconv.Itoa(o.Number)+`"`)
	if strings.Contains(panel, "data-no-screen") {
		t.Errorf("one's expo says the grill has no screen: %s", panel)
	}
}

// wsScreen is a raw socket on a screen's URL that acks what it is sent
// if it is told to.
type wsScreen struct {
	c    *websocket.Conn
	acks bool
}

func dialScreen(t *testing.T, url string, acks bool) *wsScreen {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadLimit(-1)
	t.Cleanup(func() { c.CloseNow() })
	return &wsScreen{c: c, acks: acks}
}

// next reads messages, acking each if it acks, until one holds want, for
// at most 30 s.
func (s *wsScreen) next(t *testing.T, what, want string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for {
		_, data, err := s.c.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		msg := string(data)
		if i := strings.LastIndex(msg, `data-version="`); s.acks && i >= 0 {
			v := msg[i+len(`data-version="`):]
			v = v[:strings.IndexByte(v, '"')]
			if err := s.c.Write(ctx, websocket.MessageText, []byte(`{"action":"ack","version":`+v+`}`)); err != nil {
				t.Fatal(err)
			}
		}
		if strings.Contains(msg, want) {
			return msg
		}
	}
}
