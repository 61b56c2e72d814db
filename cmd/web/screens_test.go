package main

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// screenClient is a kitchen screen without a browser: the expo screen's
// WebSocket, through a balancer, that keeps the set of tickets its messages
// leave on the rail, and reconnects when the socket closes, as the page
// does.
type screenClient struct {
	name string

	mu       sync.Mutex
	tickets  map[int64]bool
	snaps    int  // snapshots had: one per connection
	offline  bool // the offline banner shows
	dups     []string
	messages int
}

var (
	articleTag = regexp.MustCompile(`<article[^>]*>`)
	ticketID   = regexp.MustCompile(` id="ticket-(\d+)"`)
	classAttr  = regexp.MustCompile(` class="([^"]*)"`)
	offlineTag = regexp.MustCompile(`<div id="offline"[^>]*>`)
	deleteOf   = regexp.MustCompile(`hx-target="#ticket-(\d+)" hx-swap="delete"`)
)

// startScreen connects a screen client to the expo screen at base (the
// balancer's URL) until the test ends.
func startScreen(t *testing.T, base, name string) *screenClient {
	c := &screenClient{name: name, tickets: make(map[int64]bool)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		url := "ws" + strings.TrimPrefix(base, "http") + "/ws?client=" + name
		for ctx.Err() == nil {
			c.session(ctx, url)
			select { // the page's hx-ws waits too before it tries again
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	return c
}

// session reads one connection's messages until it closes.
func (c *screenClient) session(ctx context.Context, url string) {
	conn, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return
	}
	defer conn.CloseNow()
	conn.SetReadLimit(-1)
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			return
		}
		c.apply(string(data))
	}
}

// apply changes the client's rail as a message changes the page's: a
// snapshot replaces the rail, a ticket that arrives joins it, a ticket
// that leaves (class leaving) goes. A ticket that arrives while it is on
// the rail already, and not deleted first, would be on the page twice:
// it is noted in dups.
func (c *screenClient) apply(msg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.messages++
	if strings.Contains(msg, `hx-target="#rail" hx-swap="innerHTML"`) {
		c.snaps++
		clear(c.tickets)
	}
	for _, m := range deleteOf.FindAllStringSubmatch(msg, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		delete(c.tickets, id)
	}
	for _, tag := range articleTag.FindAllString(msg, -1) {
		m := ticketID.FindStringSubmatch(tag)
		if m == nil {
			continue
		}
		id, _ := strconv.ParseInt(m[1], 10, 64)
		var classes []string
		if cm := classAttr.FindStringSubmatch(tag); cm != nil {
			classes = strings.Fields(cm[1])
		}
		switch {
		case slices.Contains(classes, "leaving"):
			delete(c.tickets, id)
		case slices.Contains(classes, "arriving") && c.tickets[id]:
			c.dups = append(c.dups, fmt.Sprintf("ticket %d arrived while on the rail", id))
		default:
			c.tickets[id] = true
		}
	}
	if tag := offlineTag.FindString(msg); tag != "" {
		c.offline = !strings.Contains(tag, " hidden")
	}
}

// state returns the client's rail (sorted IDs), how many snapshots it has
// had, whether its offline banner shows and the duplicates it saw.
func (c *screenClient) state() (rail []int64, snaps int, offline bool, dups []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Sorted(maps.Keys(c.tickets)), c.snaps, c.offline, slices.Clone(c.dups)
}

// waitScreens waits until ok holds for every client, failing the test with
// what the clients show when it does not within a minute.
func waitScreens(t *testing.T, what string, clients []*screenClient, ok func(c *screenClient) bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		all := true
		for _, c := range clients {
			if !ok(c) {
				all = false
				break
			}
		}
		if all {
			return
		}
		if time.Now().After(deadline) {
			for _, c := range clients {
				rail, snaps, offline, dups := c.state()
				t.Logf("%s: rail %v, %d snapshots, offline %v, dups %v", c.name, rail, snaps, offline, dups)
			}
			t.Fatalf("screens did not show %s within a minute", what)
		}
		<-tick.C
	}
}
