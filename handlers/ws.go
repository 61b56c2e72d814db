package handlers

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/ticketrail/ticketrail/orders"
)

// errTooSlow ends a socket that could not take a message within the write
// timeout.
var errTooSlow = errors.New("screen too slow")

// socket upgrades to a WebSocket that sends the rail as its first message
// and then one message per event, each rendered once for every socket.
func (h *Handler) socket() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Only a screen may open the socket; a view-only one gets the
		// view-only kind, whose messages act on nothing.
		k, p, ok := h.door.viewer(w, r)
		if !ok {
			return
		}
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{
			OriginPatterns: h.opts.OriginPatterns,
			// Context takeover costs about a megabyte per socket, and
			// tickets are small: keep compression off.
			CompressionMode: websocket.CompressionDisabled,
		})
		if err != nil {
			// Accept has answered already (403 for a foreign origin).
			h.log.Debug("websocket refused", "origin", r.Header.Get("Origin"), "err", err)
			return
		}
		ctx, drop := context.WithCancel(orders.WithActor(r.Context(), p.Actor))
		defer drop()
		if !h.track(c, drop, p.Screen) {
			c.Close(websocket.StatusServiceRestart, "server restarting")
			return
		}
		defer h.untrack(c)
		if err := h.serveSocket(ctx, c, k, h.screens[k]); err != nil && !expectedClose(err) {
			h.log.Warn("websocket ended", "remote", r.RemoteAddr, "err", err)
		}
	})
}

// serveSocket runs one socket until the screen goes away, the socket fails,
// the handler is closed or ctx is cancelled, which drops the connection.
func (h *Handler) serveSocket(ctx context.Context, c *websocket.Conn, k screenKind, f *frames) error {
	c.SetReadLimit(MaxMessageBytes)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// Subscribe before anything is sent: the subscription's first event is
	// a snapshot taken after this point, so nothing can fall in between.
	sub := h.opts.Board.Subscribe()
	defer sub.Close()

	readErr := make(chan error, 1)
	go func() {
		readErr <- h.readLoop(ctx, c, k.viewOnly)
		cancel()
	}()
	writeErr := h.writeLoop(ctx, c, sub, f)
	cancel()
	rerr := <-readErr
	c.CloseNow()
	if errors.Is(writeErr, context.Canceled) {
		// The reader ended first; its error says why.
		return rerr
	}
	return writeErr
}

// readLoop reads what the screen sends until the socket closes: actions
// such as {"action":"bump","id":7} from hx-ws:send controls. Messages
// beyond the socket's rate (Limits.ActionRate and ActionBurst) are dropped
// unread; messages that are not actions, and every message from a
// view-only screen, are ignored. Each of these is counted and logged at
// most once a minute per socket. A message over MaxMessageBytes closes the
// socket with 1009 (message too big), a binary one with 1003 (unsupported
// data) and a text one that is not UTF-8 with 1007 (invalid payload data).
func (h *Handler) readLoop(ctx context.Context, c *websocket.Conn, viewOnly bool) error {
	limit := h.opts.Limits.actionLimiter()
	var dropped, ignored, watched quietLog
	var lastErr error
	defer func() {
		if n := dropped.rest(); n > 0 {
			h.log.Info("socket messages dropped: over the action rate", "count", n)
		}
		if n := ignored.rest(); n > 0 {
			h.log.Info("socket messages ignored", "count", n, "err", lastErr)
		}
		if n := watched.rest(); n > 0 {
			h.log.Debug("socket messages ignored: the screen is view-only", "count", n)
		}
	}()
	for {
		typ, data, err := c.Read(ctx)
		if err != nil {
			return err
		}
		switch {
		case typ != websocket.MessageText:
			h.log.Info("socket closed: it sent a binary message")
			return c.Close(websocket.StatusUnsupportedData, "text messages only")
		case !utf8.Valid(data):
			h.log.Info("socket closed: it sent a text message that is not UTF-8")
			return c.Close(websocket.StatusInvalidFramePayloadData, "text must be UTF-8")
		}
		now := time.Now()
		if !limit.AllowN(now, 1) {
			if n, ok := dropped.note(now); ok {
				h.log.Info("socket messages dropped: over the action rate", "count", n)
			}
			continue
		}
		if viewOnly {
			if n, ok := watched.note(now); ok {
				h.log.Debug("socket messages ignored: the screen is view-only", "count", n)
			}
			continue
		}
		a, err := decodeAction(data)
		if err != nil {
			lastErr = err
			if n, ok := ignored.note(now); ok {
				h.log.Info("socket messages ignored", "count", n, "err", err)
			}
			continue
		}
		switch _, err := act(ctx, h.opts.Board, a); {
		case errors.Is(err, orders.ErrNotFound), errors.Is(err, orders.ErrConflict):
			// Normal when two screens race: the board's events already
			// show both screens the truth.
			h.log.Info("socket action not done", "action", a.name, "id", a.id, "err", err)
		case err != nil:
			h.log.Error("socket action failed", "action", a.name, "id", a.id, "err", err)
		}
	}
}

// writeLoop sends the subscription's events, and the follow-up removals of
// leaving tickets once their animation is over, until an error.
func (h *Handler) writeLoop(ctx context.Context, c *websocket.Conn, sub *orders.Subscription, f *frames) error {
	type followUp struct {
		due  time.Time
		data []byte
	}
	var pending []followUp
	lastPing := time.Now()
	for {
		// Send every removal that is due, oldest first, also while events
		// keep coming.
		now := time.Now()
		for len(pending) > 0 && !pending[0].due.After(now) {
			if err := h.write(ctx, c, pending[0].data); err != nil {
				return err
			}
			pending = pending[1:]
		}
		// Ping now and then, busy or not: a screen that vanished without
		// closing is noticed even while ticks keep the socket busy.
		if now.Sub(lastPing) >= h.opts.PingEvery {
			if err := h.ping(ctx, c); err != nil {
				return err
			}
			lastPing = now
		}
		// Wait for the next event, but no longer than until the next
		// removal or ping is due.
		due := lastPing.Add(h.opts.PingEvery)
		if len(pending) > 0 && pending[0].due.Before(due) {
			due = pending[0].due
		}
		wait, stop := context.WithDeadline(ctx, due)
		e, err := sub.Next(wait)
		stop()
		if err != nil {
			if ctx.Err() != nil || !errors.Is(err, context.DeadlineExceeded) {
				return err
			}
			continue
		}
		fr := f.get(e)
		if fr.err != nil {
			return fr.err
		}
		overflows := sub.Overflows()
		if fr.data != nil {
			if err := h.write(ctx, c, fr.data); err != nil {
				return err
			}
		}
		if e.Kind == orders.EventSnapshot {
			if overflows > 0 && sub.Overflows() > overflows {
				// It fell behind again while taking the snapshot that was
				// to catch it up: it cannot keep up. Nothing is in flight,
				// so the close frame goes out now; the page reconnects.
				c.Close(websocket.StatusTryAgainLater, "too slow, reconnect")
				return errTooSlow
			}
			// The snapshot has no leaving tickets left to remove.
			pending = pending[:0]
		}
		if fr.followUp != nil {
			pending = append(pending, followUp{time.Now().Add(fr.delay), fr.followUp})
			slices.SortStableFunc(pending, func(a, b followUp) int { return a.due.Compare(b.due) })
		}
	}
}

// write sends one message. A screen that cannot take it within the write
// timeout is dropped at once (the websocket package closes the connection
// when a write's context expires); the page sees the abnormal closure,
// reconnects and starts again from a snapshot.
func (h *Handler) write(ctx context.Context, c *websocket.Conn, data []byte) error {
	wctx, cancel := context.WithTimeout(ctx, h.opts.WriteTimeout)
	defer cancel()
	err := c.Write(wctx, websocket.MessageText, data)
	if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		return errTooSlow
	}
	return err
}

// ping checks that an idle screen is still there.
func (h *Handler) ping(ctx context.Context, c *websocket.Conn) error {
	ctx, cancel := context.WithTimeout(ctx, h.opts.WriteTimeout)
	defer cancel()
	return c.Ping(ctx)
}

// expectedClose reports whether err is an ordinary end of a socket: the
// screen left or reloaded, the server is restarting, or a screen was too
// slow and told to reconnect.
func expectedClose(err error) bool {
	switch websocket.CloseStatus(err) {
	case websocket.StatusNormalClosure, websocket.StatusGoingAway, websocket.StatusNoStatusRcvd,
		websocket.StatusServiceRestart, websocket.StatusTryAgainLater:
		return true
	}
	// A deadline is a screen that stopped answering pings.
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, errTooSlow)
}
