package handlers

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/ticketrail/ticketrail/orders"
)

// errTooSlow ends a socket that could not take a message within the write
// timeout.
var errTooSlow = errors.New("screen too slow")

// socketServer serves the WebSocket of every screen: it upgrades to a
// socket that sends the rail as its first message and then one message
// per event, each rendered once for every socket of its kind.
type socketServer struct {
	door    *door
	board   *orders.Board
	frames  map[screenKind]*frames // one per kind of screen
	sockets *socketSet
	// origins are the patterns of the other sites whose pages may open
	// a socket (Options.OriginPatterns).
	origins      []string
	writeTimeout time.Duration
	limits       Limits
	log          *slog.Logger
	writers      *writers
}

// ServeHTTP upgrades the request to a screen's socket and serves it.
func (s *socketServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Only a screen may open the socket; a view-only one gets the
	// view-only kind, whose messages act on nothing.
	k, p, ok := s.door.viewer(w, r)
	if !ok {
		return
	}
	ww := &wiredWriter{ResponseWriter: w, timeout: s.writeTimeout}
	sock := &screenSocket{f: s.frames[k]}
	c, err := websocket.Accept(ww, r, &websocket.AcceptOptions{
		OriginPatterns: s.origins,
		// Context takeover costs about a megabyte per socket, and
		// tickets are small: keep compression off.
		CompressionMode: websocket.CompressionDisabled,
		OnPongReceived: func(context.Context, []byte) {
			sock.lastPong.Store(time.Now().UnixNano())
		},
	})
	if err != nil {
		// Accept has answered already (403 for a foreign origin).
		s.log.Debug("websocket refused", "origin", r.Header.Get("Origin"), "err", err)
		return
	}
	// The socket outlives this handler: net/http's buffers and request go
	// with the handler, and the socket is served on a goroutine of its own
	// (see wiredWriter), which takes over the socket's slot under the
	// screen caps.
	ctx, drop := context.WithCancel(orders.WithActor(context.WithoutCancel(r.Context()), p.Actor))
	if !s.sockets.track(c, drop, p.Screen) {
		drop()
		c.Close(websocket.StatusServiceRestart, "server restarting")
		return
	}
	sock.c, sock.w = c, ww.wire
	release, remote := takeSlot(r), r.RemoteAddr
	go func() {
		defer release()
		defer s.sockets.untrack(c)
		defer drop()
		if err := s.serveSocket(ctx, sock, k.viewOnly); err != nil && !expectedClose(err) {
			s.log.Warn("websocket ended", "remote", remote, "err", err)
		}
	}()
}

// serveSocket runs one socket until the screen goes away, the socket fails,
// the handler is closed or ctx is cancelled, which drops the connection.
// Its goroutine reads what the screen sends; the writers write to it.
func (s *socketServer) serveSocket(ctx context.Context, sock *screenSocket, viewOnly bool) error {
	sock.c.SetReadLimit(MaxMessageBytes)
	ctx, end := context.WithCancelCause(ctx)
	defer end(nil)
	sock.end = end

	// Subscribe before anything is sent: the subscription's first event is
	// a snapshot taken after this point, so nothing can fall in between.
	sock.sub = s.board.SubscribeFunc(func() { s.writers.ask(sock) })
	defer sock.sub.Close()
	s.writers.start(sock)
	defer s.writers.leave(sock)

	rerr := s.readLoop(ctx, sock.c, viewOnly)
	end(rerr)
	sock.c.CloseNow()
	if cause := context.Cause(ctx); errors.Is(rerr, context.Canceled) && cause != nil && !errors.Is(cause, context.Canceled) {
		// A writer ended it; its error says why.
		return cause
	}
	return rerr
}

// readLoop reads what the screen sends until the socket closes: actions
// such as {"action":"bump","id":7} from hx-ws:send controls. Messages
// beyond the socket's rate (Limits.ActionRate and ActionBurst) are dropped
// unread; messages that are not actions, and every message from a
// view-only screen, are ignored. Each of these is counted and logged at
// most once a minute per socket. A message over MaxMessageBytes closes the
// socket with 1009 (message too big), a binary one with 1003 (unsupported
// data) and a text one that is not UTF-8 with 1007 (invalid payload data).
func (s *socketServer) readLoop(ctx context.Context, c *websocket.Conn, viewOnly bool) error {
	limit := s.limits.actionLimiter()
	var dropped, ignored, watched quietLog
	var lastErr error
	defer func() {
		if n := dropped.rest(); n > 0 {
			s.log.Info("socket messages dropped: over the action rate", "count", n)
		}
		if n := ignored.rest(); n > 0 {
			s.log.Info("socket messages ignored", "count", n, "err", lastErr)
		}
		if n := watched.rest(); n > 0 {
			s.log.Debug("socket messages ignored: the screen is view-only", "count", n)
		}
	}()
	for {
		typ, data, err := c.Read(ctx)
		if err != nil {
			return err
		}
		switch {
		case typ != websocket.MessageText:
			s.log.Info("socket closed: it sent a binary message")
			return c.Close(websocket.StatusUnsupportedData, "text messages only")
		case !utf8.Valid(data):
			s.log.Info("socket closed: it sent a text message that is not UTF-8")
			return c.Close(websocket.StatusInvalidFramePayloadData, "text must be UTF-8")
		}
		now := time.Now()
		if !limit.AllowN(now, 1) {
			if n, ok := dropped.note(now); ok {
				s.log.Info("socket messages dropped: over the action rate", "count", n)
			}
			continue
		}
		if viewOnly {
			if n, ok := watched.note(now); ok {
				s.log.Debug("socket messages ignored: the screen is view-only", "count", n)
			}
			continue
		}
		a, err := decodeAction(data)
		if err != nil {
			lastErr = err
			if n, ok := ignored.note(now); ok {
				s.log.Info("socket messages ignored", "count", n, "err", err)
			}
			continue
		}
		switch _, err := act(ctx, s.board, a); {
		case errors.Is(err, orders.ErrNotFound), errors.Is(err, orders.ErrConflict):
			// Normal when two screens race: the board's events already
			// show both screens the truth.
			s.log.Info("socket action not done", "action", a.name, "id", a.id, "err", err)
		case errors.Is(err, orders.ErrUnavailable):
			// Every screen shows the offline banner meanwhile.
			s.log.Warn("socket action refused: the database is unavailable", "action", a.name, "id", a.id)
		case err != nil:
			s.log.Error("socket action failed", "action", a.name, "id", a.id, "err", err)
		}
	}
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
		errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, errTooSlow) || errors.Is(err, errNoPong)
}

// socketSet is the open sockets: Close closes them all, and revoking a
// screen closes that screen's.
type socketSet struct {
	// store keeps the paired screens; every checkEvery, while sockets of
	// paired screens are open, the set closes those whose screen is no
	// longer paired, revoked through another instance of the server.
	store      orders.Store
	checkEvery time.Duration
	log        *slog.Logger

	mu       sync.Mutex
	closing  bool
	checking bool // the check runs
	conns    map[*websocket.Conn]socketEntry
	wg       sync.WaitGroup
}

// newSocketSet returns an empty set whose paired screens are in store.
func newSocketSet(store orders.Store, checkEvery time.Duration, log *slog.Logger) *socketSet {
	return &socketSet{store: store, checkEvery: checkEvery, log: log, conns: make(map[*websocket.Conn]socketEntry)}
}

// socketEntry is what a socketSet keeps of an open socket.
type socketEntry struct {
	drop   context.CancelFunc // drops the connection
	screen int64              // the paired screen it serves, 0 for none
}

// close closes every socket with 1012 and refuses new ones (see
// Handler.Close).
func (ss *socketSet) close(ctx context.Context) error {
	ss.mu.Lock()
	ss.closing = true
	conns := make(map[*websocket.Conn]socketEntry, len(ss.conns))
	maps.Copy(conns, ss.conns)
	ss.mu.Unlock()

	for c := range conns {
		go c.Close(websocket.StatusServiceRestart, "server restarting")
	}
	done := make(chan struct{})
	go func() {
		ss.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		// A close handshake can wait seconds for a screen that does not
		// answer; cancelling a socket's context drops its connection.
		for _, s := range conns {
			s.drop()
		}
		<-done
		return errors.Join(errors.New("handlers: close: sockets did not close in time"), ctx.Err())
	}
}

// track registers a socket, the function that drops it and the screen it
// serves; it reports false once Close has begun.
func (ss *socketSet) track(c *websocket.Conn, drop context.CancelFunc, screen int64) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.closing {
		return false
	}
	ss.conns[c] = socketEntry{drop, screen}
	ss.wg.Add(1)
	if screen != 0 && !ss.checking {
		ss.checking = true
		go ss.checkRevoked()
	}
	return true
}

// checkRevoked closes, every checkEvery, the sockets of screens that are
// no longer paired, until no socket of a paired screen is open.
func (ss *socketSet) checkRevoked() {
	t := time.NewTicker(ss.checkEvery)
	defer t.Stop()
	for range t.C {
		ss.mu.Lock()
		open := make(map[int64][]*websocket.Conn)
		for c, e := range ss.conns {
			if e.screen != 0 {
				open[e.screen] = append(open[e.screen], c)
			}
		}
		if len(open) == 0 || ss.closing {
			ss.checking = false
			ss.mu.Unlock()
			return
		}
		ss.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), ss.checkEvery)
		paired, err := ss.store.Screens(ctx)
		cancel()
		if err != nil {
			continue // the store is away: the next check will tell
		}
		for _, sc := range paired {
			delete(open, sc.ID)
		}
		for id, conns := range open {
			ss.log.Info("screen revoked elsewhere: its sockets close", "screen", id, "sockets", len(conns))
			for _, c := range conns {
				go c.Close(StatusRevoked, "screen revoked")
			}
		}
	}
}

func (ss *socketSet) untrack(c *websocket.Conn) {
	ss.mu.Lock()
	delete(ss.conns, c)
	ss.mu.Unlock()
	ss.wg.Done()
}

// ofScreen returns the open sockets of paired screen id.
func (ss *socketSet) ofScreen(id int64) []*websocket.Conn {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	var conns []*websocket.Conn
	for c, s := range ss.conns {
		if s.screen == id {
			conns = append(conns, c)
		}
	}
	return conns
}
