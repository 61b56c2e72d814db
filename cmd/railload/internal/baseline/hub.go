package baseline

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Defaults of a Hub.
const (
	DefaultQueueLen     = 16
	DefaultWriteTimeout = 5 * time.Second
)

// Hub is the textbook WebSocket fan-out: every socket has its own
// goroutine and a queue of messages; publishing hands the message to every
// queue without waiting, and cuts off a socket whose queue is full. Set its
// fields before it serves.
type Hub struct {
	// QueueLen is how many messages a socket may fall behind before it
	// is closed with 1013 (try again later); DefaultQueueLen when 0.
	QueueLen int
	// WriteTimeout bounds each write; DefaultWriteTimeout when 0.
	WriteTimeout time.Duration
	// Log receives the errors of sockets that end unexpectedly; nothing
	// is logged when nil.
	Log *slog.Logger

	msgs Messages
	ids  atomic.Int64
	mux  *http.ServeMux

	mu   sync.Mutex
	subs map[*subscriber]struct{}
}

// subscriber is one socket's queue, and how to cut it off.
type subscriber struct {
	msgs      chan []byte
	closeSlow func()
}

// NewHub returns a Hub that sends the messages m.
func NewHub(m Messages) *Hub {
	h := &Hub{msgs: m, subs: map[*subscriber]struct{}{}, mux: http.NewServeMux()}
	h.mux.HandleFunc("GET /ws", h.serveSocket)
	h.mux.HandleFunc("POST /api/orders", h.placeOrder)
	return h
}

// ServeHTTP serves GET /ws and POST /api/orders.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

func (h *Hub) serveSocket(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return // Accept has answered
	}
	err = h.subscribe(r.Context(), c)
	switch {
	case err == nil, errors.Is(err, context.Canceled),
		websocket.CloseStatus(err) == websocket.StatusNormalClosure,
		websocket.CloseStatus(err) == websocket.StatusGoingAway:
	default:
		if h.Log != nil {
			h.Log.Warn("socket ended", "remote", r.RemoteAddr, "err", err)
		}
	}
}

// subscribe sends the snapshot, then every message published, until the
// socket ends.
func (h *Hub) subscribe(ctx context.Context, c *websocket.Conn) error {
	s := &subscriber{
		msgs:      make(chan []byte, cmp.Or(h.QueueLen, DefaultQueueLen)),
		closeSlow: func() { c.Close(websocket.StatusTryAgainLater, "too slow") },
	}
	h.add(s)
	defer h.remove(s)
	// The screen sends nothing but control frames: read those, and end
	// ctx when the socket closes.
	ctx = c.CloseRead(ctx)
	timeout := cmp.Or(h.WriteTimeout, DefaultWriteTimeout)
	if err := write(ctx, timeout, c, h.msgs.Snapshot); err != nil {
		return err
	}
	for {
		select {
		case m := <-s.msgs:
			if err := write(ctx, timeout, c, m); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// placeOrder publishes the message of a new ticket and answers 201.
func (h *Hub) placeOrder(w http.ResponseWriter, r *http.Request) {
	if !readOrder(w, r) {
		return
	}
	id := h.ids.Add(1)
	h.publish(h.msgs.For(id))
	created(w, id)
}

// publish queues m for every socket, cutting off each one whose queue is
// full.
func (h *Hub) publish(m []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		select {
		case s.msgs <- m:
		default:
			go s.closeSlow()
		}
	}
}

func (h *Hub) add(s *subscriber) {
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
}

func (h *Hub) remove(s *subscriber) {
	h.mu.Lock()
	delete(h.subs, s)
	h.mu.Unlock()
}

// write writes one text message within timeout.
func write(ctx context.Context, timeout time.Duration, c *websocket.Conn, m []byte) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return c.Write(ctx, websocket.MessageText, m)
}
