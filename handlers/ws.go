package handlers

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"slices"
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
	watch        *watch
	metrics      *metrics
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
	sock := &screenSocket{f: s.frames[k], info: newSocketInfo(r, k, p, s.board.Now()), clock: s.board.Now, watch: s.watch, metrics: s.metrics}
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
	sock.c, sock.w = c, ww.wire
	if !s.sockets.track(sock, drop) {
		drop()
		c.Close(websocket.StatusServiceRestart, "server restarting")
		return
	}
	release := takeSlot(r)
	if !sock.info.mini {
		s.log.Info("screen connected", append(sock.info.logAttrs(), "remote", sock.info.remote, "acks", sock.info.acks)...)
	}
	if !sock.info.mini {
		s.metrics.opened(k)
	}
	s.watch.begin()
	go func() {
		defer release()
		defer s.sockets.untrack(c)
		defer drop()
		err := s.serveSocket(ctx, sock, k.viewOnly)
		reason := endReason(sock.closing.Load(), err)
		if !sock.info.mini {
			s.metrics.closed(k, reason)
		}
		attrs := append(sock.info.logAttrs(), "reason", string(reason), "after", s.board.Now().Sub(sock.info.since).Round(time.Millisecond),
			"messages", sock.messages.Load(), "bytes", sock.bytes.Load(), "snapshots", sock.snapshots.Load(), "applied", sock.rec.state().applied)
		switch {
		case err != nil && !expectedClose(err):
			s.log.Warn("screen disconnected", append(attrs, "err", err)...)
		case !sock.info.mini:
			s.log.Info("screen disconnected", attrs...)
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

	rerr := s.readLoop(ctx, sock, viewOnly)
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
func (s *socketServer) readLoop(ctx context.Context, sock *screenSocket, viewOnly bool) error {
	c := sock.c
	limit, ackLimit := s.limits.actionLimiter(), ackLimiter()
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
	var buf *bytes.Buffer
	for {
		if buf != nil {
			readBuffers.Put(buf) // handled: let it go before waiting again
		}
		typ, b, err := readMessage(ctx, c)
		if err != nil {
			return err
		}
		buf = b
		data := buf.Bytes()
		switch {
		case typ != websocket.MessageText:
			sock.closing.CompareAndSwap(nil, &reasonBadMessage)
			s.log.Info("socket closed: it sent a binary message", sock.info.logAttrs()...)
			return c.Close(websocket.StatusUnsupportedData, "text messages only")
		case !utf8.Valid(data):
			sock.closing.CompareAndSwap(nil, &reasonBadMessage)
			s.log.Info("socket closed: it sent a text message that is not UTF-8", sock.info.logAttrs()...)
			return c.Close(websocket.StatusInvalidFramePayloadData, "text must be UTF-8")
		}
		now := time.Now()
		if v, ok := decodeAck(data); ok {
			// Acks come from view-only screens too, and do not count
			// against the actions.
			if ackLimit.AllowN(now, 1) {
				sock.ack(v)
			}
			continue
		}
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
		switch _, err := act(ctx, s.board, s.log, "socket", a); {
		case err == nil:
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

// readBuffers are the buffers sockets read messages into. A message is
// read whole, handled and its buffer let go before the next is awaited,
// so that an open socket holds none while it waits: a screen acks every
// message it is sent.
var readBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readMessage reads c's next message into a buffer of readBuffers, within
// c's read limit.
func readMessage(ctx context.Context, c *websocket.Conn) (websocket.MessageType, *bytes.Buffer, error) {
	typ, r, err := c.Reader(ctx)
	if err != nil {
		return 0, nil, err
	}
	buf := readBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	if _, err := buf.ReadFrom(r); err != nil {
		readBuffers.Put(buf)
		return 0, nil, err
	}
	return typ, buf, nil
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
	// emptied, if set, is called when the last socket has closed.
	emptied func()
}

// newSocketSet returns an empty set whose paired screens are in store.
func newSocketSet(store orders.Store, checkEvery time.Duration, log *slog.Logger) *socketSet {
	return &socketSet{store: store, checkEvery: checkEvery, log: log, conns: make(map[*websocket.Conn]socketEntry)}
}

// socketEntry is what a socketSet keeps of an open socket.
type socketEntry struct {
	drop   context.CancelFunc // drops the connection
	screen int64              // the paired screen it serves, 0 for none
	sock   *screenSocket
}

// all returns the open sockets but the fleet page's miniatures, oldest
// first.
func (ss *socketSet) all() []*screenSocket {
	ss.mu.Lock()
	socks := make([]*screenSocket, 0, len(ss.conns))
	for _, e := range ss.conns {
		if !e.sock.info.mini {
			socks = append(socks, e.sock)
		}
	}
	ss.mu.Unlock()
	slices.SortFunc(socks, func(a, b *screenSocket) int { return cmp.Compare(a.info.id, b.info.id) })
	return socks
}

// close closes every socket with 1012 and refuses new ones (see
// Handler.Close).
func (ss *socketSet) close(ctx context.Context) error {
	ss.mu.Lock()
	ss.closing = true
	conns := make(map[*websocket.Conn]socketEntry, len(ss.conns))
	maps.Copy(conns, ss.conns)
	ss.mu.Unlock()

	for c, e := range conns {
		e.sock.closing.CompareAndSwap(nil, &reasonRestart)
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

// track registers a socket and the function that drops it; it reports
// false once Close has begun.
func (ss *socketSet) track(s *screenSocket, drop context.CancelFunc) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.closing {
		return false
	}
	screen := s.info.screen
	ss.conns[s.c] = socketEntry{drop, screen, s}
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
		open := make(map[int64][]*screenSocket)
		for _, e := range ss.conns {
			if e.screen != 0 {
				open[e.screen] = append(open[e.screen], e.sock)
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
				c.closing.CompareAndSwap(nil, &reasonRevoked)
				go c.c.Close(StatusRevoked, "screen revoked")
			}
		}
	}
}

func (ss *socketSet) untrack(c *websocket.Conn) {
	ss.mu.Lock()
	delete(ss.conns, c)
	empty := len(ss.conns) == 0
	ss.mu.Unlock()
	if empty && ss.emptied != nil {
		ss.emptied()
	}
	ss.wg.Done()
}

// ofScreen returns the open sockets of paired screen id.
func (ss *socketSet) ofScreen(id int64) []*screenSocket {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	var socks []*screenSocket
	for _, e := range ss.conns {
		if e.screen == id {
			socks = append(socks, e.sock)
		}
	}
	return socks
}
