package baseline

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

var testMessages = Messages{
	Snapshot: []byte(`<hx-partial hx-target="#rail" hx-swap="innerHTML"></hx-partial>`),
	Ticket:   []byte(`<hx-partial hx-target="#rail" hx-swap="beforeend"><article id="ticket-1" data-order-id="1">` + strings.Repeat("x", 300) + `</article></hx-partial>`),
	ID:       1,
}

func TestMessagesFor(t *testing.T) {
	if err := testMessages.Check(); err != nil {
		t.Fatal(err)
	}
	got := testMessages.For(1234)
	if !bytes.Contains(got, []byte(`id="ticket-1234"`)) || bytes.Contains(got, []byte(`id="ticket-1"`)) {
		t.Errorf("For(1234) = %s", got)
	}
	if d := len(got) - len(testMessages.Ticket); d != 3 {
		t.Errorf("For(1234) is %d bytes longer, want 3", d)
	}
	if err := (Messages{Snapshot: []byte("s"), Ticket: []byte(`id="ticket-2"`), ID: 1}).Check(); err == nil {
		t.Error("a ticket message without its id passes Check")
	}
	name := filepath.Join(t.TempDir(), "m.json")
	if err := WriteMessages(name, testMessages); err != nil {
		t.Fatal(err)
	}
	m, err := ReadMessages(name)
	if err != nil || !bytes.Equal(m.Ticket, testMessages.Ticket) || !bytes.Equal(m.Snapshot, testMessages.Snapshot) || m.ID != 1 {
		t.Errorf("ReadMessages = %+v, %v", m, err)
	}
}

func TestServers(t *testing.T) {
	for _, tc := range []struct {
		name string
		new  func() (http.Handler, func())
	}{
		{"hub", func() (http.Handler, func()) { return NewHub(testMessages), func() {} }},
		{"raw", func() (http.Handler, func()) { r := NewRaw(testMessages); return r, r.Close }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, stop := tc.new()
			srv := httptest.NewServer(h)
			defer srv.Close()
			defer stop()
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()

			var screens []*websocket.Conn
			for range 3 {
				c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws", nil)
				if err != nil {
					t.Fatal(err)
				}
				defer c.CloseNow()
				if _, m, err := c.Read(ctx); err != nil || !bytes.Equal(m, testMessages.Snapshot) {
					t.Fatalf("first message %q, %v; want the snapshot", m, err)
				}
				screens = append(screens, c)
			}
			for want := int64(1); want <= 2; want++ {
				resp, err := http.Post(srv.URL+"/api/orders", "application/json",
					strings.NewReader(`{"destination":"takeout","items":[{"name":"Hamburger","station":"grill"}]}`))
				if err != nil {
					t.Fatal(err)
				}
				var o struct{ ID int64 }
				err = json.NewDecoder(resp.Body).Decode(&o)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated || err != nil || o.ID != want {
					t.Fatalf("POST: %s, id %d, %v; want 201 with id %d", resp.Status, o.ID, err, want)
				}
				for i, c := range screens {
					if _, m, err := c.Read(ctx); err != nil || !bytes.Equal(m, testMessages.For(want)) {
						t.Fatalf("screen %d got %q, %v; want the message of ticket %d", i, m, err, want)
					}
				}
			}
			for _, c := range screens {
				if err := c.Close(websocket.StatusNormalClosure, ""); err != nil {
					t.Errorf("close: %v", err)
				}
			}

			resp, err := http.Post(srv.URL+"/api/orders", "application/json", strings.NewReader(`{"items":[]}`))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("POST without items: %s, want 400", resp.Status)
			}
			resp, err = http.Get(srv.URL + "/ws")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode/100 != 4 {
				t.Errorf("GET /ws without a handshake: %s, want a 4xx", resp.Status)
			}
		})
	}
}

func TestRawAnswersPing(t *testing.T) {
	r := NewRaw(testMessages)
	srv := httptest.NewServer(r)
	defer srv.Close()
	defer r.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if _, _, err := c.Read(ctx); err != nil {
		t.Fatal(err)
	}
	// A pong is only seen while reading.
	go func() {
		for {
			if _, _, err := c.Read(ctx); err != nil {
				return
			}
		}
	}()
	if err := c.Ping(ctx); err != nil {
		t.Errorf("ping: %v", err)
	}
	if err := c.Close(websocket.StatusNormalClosure, ""); err != nil {
		t.Errorf("close: %v", err)
	}
}
