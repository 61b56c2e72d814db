package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/coder/websocket"

	"github.com/ticketrail/ticketrail/orders"
)

// pipeNet is an in-memory network for tests in a synctest bubble: a
// listener whose connections are net.Pipe ends, each with the remote
// address its client chose.
type pipeNet struct {
	conns      chan net.Conn
	done       chan struct{}
	once       sync.Once
	mu         sync.Mutex
	transports []*http.Transport
}

func newPipeNet() *pipeNet {
	return &pipeNet{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (p *pipeNet) Accept() (net.Conn, error) {
	select {
	case c := <-p.conns:
		return c, nil
	case <-p.done:
		return nil, net.ErrClosed
	}
}

func (p *pipeNet) Close() error {
	p.once.Do(func() { close(p.done) })
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, tr := range p.transports {
		tr.CloseIdleConnections()
	}
	return nil
}

func (p *pipeNet) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(192, 0, 2, 100), Port: 80} }

// remoteConn is the server's end of a pipe, from a chosen address.
type remoteConn struct {
	net.Conn
	remote net.Addr
}

func (c remoteConn) RemoteAddr() net.Addr { return c.remote }

// client returns an HTTP client whose connections come from the address
// from ("192.0.2.1:4000").
func (p *pipeNet) client(from string) *http.Client {
	remote := net.TCPAddrFromAddrPort(netip.MustParseAddrPort(from))
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		cli, srv := net.Pipe()
		select {
		case p.conns <- remoteConn{srv, remote}:
			return cli, nil
		case <-p.done:
			return nil, net.ErrClosed
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}}
	p.mu.Lock()
	p.transports = append(p.transports, tr)
	p.mu.Unlock()
	return &http.Client{Transport: tr}
}

// bubbleRig is a rail served on a pipeNet, to be used in a synctest
// bubble, where time moves only when every goroutine waits.
type bubbleRig struct {
	board *orders.Board
	h     *Handler
	net   *pipeNet
	logs  *lockedWriter
}

func newBubbleRig(t *testing.T, opts Options) *bubbleRig {
	t.Helper()
	logs := &lockedWriter{}
	if opts.Board == nil {
		opts.Board = orders.NewBoard(orders.BoardConfig{})
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	h := New(opts)
	r := &bubbleRig{board: opts.Board, h: h, logs: logs}
	r.net = servePipes(t, h)
	t.Cleanup(func() { h.Close(context.Background()) })
	return r
}

// servePipes serves h on a new pipeNet until the test ends.
func servePipes(t *testing.T, h http.Handler) *pipeNet {
	p := newPipeNet()
	srv := &http.Server{Handler: h}
	go srv.Serve(p)
	t.Cleanup(func() {
		srv.Close()
		p.Close()
	})
	return p
}

// lockedWriter is a buffer that a logger and a test may share.
type lockedWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// dial opens a socket from the address from, which reads and discards
// what the server sends; it fails the test unless the server answers with
// status.
func (r *bubbleRig) dial(t *testing.T, from, query string, status int) *websocket.Conn {
	t.Helper()
	return dialPipe(t, r.net, from, query, status)
}

func dialPipe(t *testing.T, p *pipeNet, from, query string, status int) *websocket.Conn {
	t.Helper()
	c, resp, err := websocket.Dial(t.Context(), "ws://localhost/ws"+query, &websocket.DialOptions{HTTPClient: p.client(from)})
	if status != http.StatusSwitchingProtocols {
		if err == nil {
			c.CloseNow()
			t.Fatalf("socket from %s opened, want %d", from, status)
		}
		if resp == nil || resp.StatusCode != status {
			t.Fatalf("socket from %s: %v, want %d", from, err, status)
		}
		if got := resp.Header.Get("Retry-After"); got != strconv.Itoa(int(screenRetry/time.Second)) {
			t.Errorf("refused socket: Retry-After %q", got)
		}
		return nil
	}
	if err != nil {
		t.Fatalf("socket from %s: %v", from, err)
	}
	c.SetReadLimit(64 << 20)
	t.Cleanup(func() { c.CloseNow() })
	drain(c)
	return c
}

// drain reads and discards what the server sends on c (answering its
// pings) until c closes.
func drain(c *websocket.Conn) {
	go func() {
		for {
			if _, _, err := c.Read(context.Background()); err != nil {
				return
			}
		}
	}()
}

func sendAll(t *testing.T, c *websocket.Conn, msgs ...string) {
	t.Helper()
	for _, m := range msgs {
		if err := c.Write(t.Context(), websocket.MessageText, []byte(m)); err != nil {
			t.Fatalf("write: %v", err)
		}
	}
}

// logCounts returns the count of each log line that contains msg.
func logCounts(logs string, msg string) []int {
	var counts []int
	re := regexp.MustCompile(`count=(\d+)`)
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, msg) {
			m := re.FindStringSubmatch(line)
			if m == nil {
				counts = append(counts, -1)
				continue
			}
			n, _ := strconv.Atoi(m[1])
			counts = append(counts, n)
		}
	}
	return counts
}

// TestSocketActionRate sends bursts of actions over one socket, each
// firing another order, in a bubble where time stands still while the
// server works: a burst at once is cut at the burst size, the bucket
// refills at the rate, and the drops are logged once a minute with their
// count.
func TestSocketActionRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newBubbleRig(t, Options{})
		const n = 200
		for range n {
			if _, _, err := r.board.Place(t.Context(), orders.NewOrder{Destination: orders.Takeout, Items: []orders.Item{{Quantity: 1, Name: "Cola", Station: orders.Shake}}}); err != nil {
				t.Fatal(err)
			}
		}
		c := r.dial(t, "127.0.0.1:4000", "", http.StatusSwitchingProtocols)
		next := 1
		burst := func(k int) {
			t.Helper()
			for range k {
				if err := c.Write(t.Context(), websocket.MessageText, []byte(fmt.Sprintf(`{"action":"fire","id":%d}`, next))); err != nil {
					t.Fatalf("write %d: %v\n%s", next, err, r.logs)
				}
				next++
			}
			synctest.Wait() // the server has read and done all it will
		}
		fired := func() int {
			t.Helper()
			list, err := r.board.List(t.Context(), n, orders.Fired)
			if err != nil {
				t.Fatal(err)
			}
			return len(list)
		}

		burst(100)
		if got := fired(); got != DefaultActionBurst {
			t.Fatalf("burst of 100 at once: %d fired, want %d", got, DefaultActionBurst)
		}
		time.Sleep(time.Second)
		burst(50)
		if got := fired(); got != DefaultActionBurst+DefaultActionRate {
			t.Fatalf("50 more a second later: %d fired in all, want %d", got, DefaultActionBurst+DefaultActionRate)
		}
		if got := logCounts(r.logs.String(), "over the action rate"); len(got) != 1 || got[0] != 1 {
			t.Fatalf("drop lines so far %v, want one line, count=1", got)
		}
		time.Sleep(time.Minute)
		burst(21)
		if got := fired(); got != 2*DefaultActionBurst+DefaultActionRate {
			t.Fatalf("21 more a minute later: %d fired in all, want %d", got, 2*DefaultActionBurst+DefaultActionRate)
		}
		// 79 + 40 dropped in the first minute, one now.
		if got := logCounts(r.logs.String(), "over the action rate"); len(got) != 2 || got[1] != 79+40+1 {
			t.Fatalf("drop lines %v, want [1 120]", got)
		}
	})
}

// TestSocketActionRateOff: a negative ActionRate lets every action through.
func TestSocketActionRateOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newBubbleRig(t, Options{Limits: Limits{ActionRate: -1}})
		o, _, err := r.board.Place(t.Context(), orders.NewOrder{Destination: orders.Takeout, Items: []orders.Item{{Quantity: 1, Name: "Cola", Station: orders.Shake}}})
		if err != nil {
			t.Fatal(err)
		}
		c := r.dial(t, "127.0.0.1:4000", "", http.StatusSwitchingProtocols)
		v := r.board.Version()
		for i := range 100 {
			sendAll(t, c, fmt.Sprintf(`{"action":"item-%s","id":%d,"item":0}`, []string{"done", "undone"}[i%2], o.ID))
		}
		synctest.Wait()
		if got := r.board.Version() - v; got != 100 {
			t.Fatalf("100 item taps at once changed the board %d times, want 100", got)
		}
	})
}

// TestSocketIgnoredMessagesLogOncePerMinute: messages that are not actions,
// and those of a view-only screen, are logged once a minute per socket
// with a count, and the rest when the socket closes.
func TestSocketIgnoredMessagesLogOncePerMinute(t *testing.T) {
	for _, tt := range []struct {
		name, query, msg, line string
	}{
		{"not an action", "", `not even json`, `msg="socket messages ignored"`},
		{"view-only", "?controls=none", `{"action":"recall-last"}`, "the screen is view-only"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newBubbleRig(t, Options{})
				c := r.dial(t, "127.0.0.1:4000", tt.query, http.StatusSwitchingProtocols)
				for range 5 {
					sendAll(t, c, tt.msg)
				}
				synctest.Wait()
				if got := logCounts(r.logs.String(), tt.line); len(got) != 1 || got[0] != 1 {
					t.Fatalf("after 5 messages: lines %v, want one, count=1", got)
				}
				time.Sleep(30 * time.Second)
				sendAll(t, c, tt.msg)
				time.Sleep(31 * time.Second)
				sendAll(t, c, tt.msg, tt.msg)
				synctest.Wait()
				if got := logCounts(r.logs.String(), tt.line); len(got) != 2 || got[1] != 6 {
					t.Fatalf("a minute later: lines %v, want [1 6]", got)
				}
				if err := c.Close(websocket.StatusNormalClosure, ""); err != nil {
					t.Fatal(err)
				}
				synctest.Wait()
				if got := logCounts(r.logs.String(), tt.line); len(got) != 3 || got[2] != 1 {
					t.Fatalf("after close: lines %v, want [1 6 1]", got)
				}
				if v := r.board.Version(); v != 0 {
					t.Errorf("board at version %d, want 0", v)
				}
			})
		})
	}
}

// TestSocketClosesOnBadFrames: a binary message closes the socket with
// 1003 and a text message that is not UTF-8 with 1007, without a word in
// the error log; another socket goes on.
func TestSocketClosesOnBadFrames(t *testing.T) {
	for _, tt := range []struct {
		name string
		typ  websocket.MessageType
		data []byte
		want websocket.StatusCode
	}{
		{"binary", websocket.MessageBinary, []byte(`{"action":"recall-last"}`), websocket.StatusUnsupportedData},
		{"not UTF-8", websocket.MessageText, []byte("{\"action\":\"bump\",\"id\":\"\xff\xfe\"}"), websocket.StatusInvalidFramePayloadData},
		{"cut UTF-8", websocket.MessageText, []byte("caf\xc3"), websocket.StatusInvalidFramePayloadData},
	} {
		t.Run(tt.name, func(t *testing.T) {
			logs := &lockedWriter{}
			board := orders.NewBoard(orders.BoardConfig{})
			h := New(Options{Board: board, Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
			srv := httptest.NewServer(h)
			defer srv.Close()
			defer h.Close(context.Background())
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"
			bad, _, err := websocket.Dial(ctx, url, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer bad.CloseNow()
			good, _, err := websocket.Dial(ctx, url, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer good.CloseNow()
			for _, c := range []*websocket.Conn{bad, good} {
				if _, _, err := c.Read(ctx); err != nil {
					t.Fatalf("snapshot: %v", err)
				}
			}
			if err := bad.Write(ctx, tt.typ, tt.data); err != nil {
				t.Fatal(err)
			}
			_, _, err = bad.Read(ctx)
			if got := websocket.CloseStatus(err); got != tt.want {
				t.Fatalf("after a %s message: %v, want close %d", tt.name, err, tt.want)
			}
			if _, _, err := board.Place(ctx, orders.NewOrder{Destination: orders.Takeout, Items: []orders.Item{{Quantity: 1, Name: "Cola", Station: orders.Shake}}}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := good.Read(ctx); err != nil {
				t.Fatalf("the other socket: %v", err)
			}
			good.Close(websocket.StatusNormalClosure, "")
			h.Close(ctx)
			if board.Version() != 1 {
				t.Errorf("board at version %d, want 1", board.Version())
			}
			if logs.String() != "" {
				t.Errorf("warnings logged: %s", logs.String())
			}
		})
	}
}

// TestScreenCaps opens sockets up to the caps: one more from the same
// address, or any once the process is full, is refused with 503 and
// Retry-After before the upgrade, and a closed socket gives its slot back.
func TestScreenCaps(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := New(Options{Board: orders.NewBoard(orders.BoardConfig{}), Limits: Limits{MaxScreens: 5, MaxScreensPerAddress: 2}})
		// A socket that stays open until its client closes it, whoever
		// the client is.
		held := limitScreens(h.opts.Limits, h.log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := websocket.Accept(w, r, nil)
			if err != nil {
				return
			}
			defer c.CloseNow()
			for {
				if _, _, err := c.Read(r.Context()); err != nil {
					return
				}
			}
		}))
		p := servePipes(t, held)
		const a, a2, b, b6, b6same, b6other, local = "192.0.2.1:4000", "192.0.2.1:4001", "198.51.100.7:5000",
			"[2001:db8:1:2::10]:6000", "[2001:db8:1:2::99]:6001", "[2001:db8:1:3::10]:6002", "127.0.0.1:7000"
		first := dialPipe(t, p, a, "", http.StatusSwitchingProtocols)
		dialPipe(t, p, a2, "", http.StatusSwitchingProtocols)
		dialPipe(t, p, a, "", http.StatusServiceUnavailable) // two from a
		dialPipe(t, p, b6, "", http.StatusSwitchingProtocols)
		dialPipe(t, p, b6same, "", http.StatusSwitchingProtocols)
		dialPipe(t, p, b6same, "", http.StatusServiceUnavailable) // two from the same /64
		dialPipe(t, p, b, "", http.StatusSwitchingProtocols)
		dialPipe(t, p, b6other, "", http.StatusServiceUnavailable) // five in all
		dialPipe(t, p, local, "", http.StatusServiceUnavailable)

		if err := first.Close(websocket.StatusNormalClosure, ""); err != nil {
			t.Fatal(err)
		}
		synctest.Wait() // the handler has returned
		dialPipe(t, p, b6other, "", http.StatusSwitchingProtocols)
		dialPipe(t, p, a, "", http.StatusServiceUnavailable)
	})
}

// TestScreenCapsOnTheRail: the rail's own socket route is capped, and
// loopback clients are held by MaxScreens only, so that a reverse proxy on
// this machine is not cut off at the cap of one address.
func TestScreenCapsOnTheRail(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newBubbleRig(t, Options{Limits: Limits{MaxScreens: 3, MaxScreensPerAddress: 1}})
		first := r.dial(t, "127.0.0.1:4000", "", http.StatusSwitchingProtocols)
		r.dial(t, "127.0.0.1:4001", "?station=grill", http.StatusSwitchingProtocols)
		r.dial(t, "[::1]:4002", "", http.StatusSwitchingProtocols)
		r.dial(t, "127.0.0.1:4003", "", http.StatusServiceUnavailable)
		if err := first.Close(websocket.StatusNormalClosure, ""); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		r.dial(t, "127.0.0.1:4003", "", http.StatusSwitchingProtocols)
	})
}

// apiCall sends an authorised GET /api/stats from from and returns the
// response.
func apiCall(t *testing.T, h http.Handler, from string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("GET", "http://localhost/api/stats", nil)
	req.RemoteAddr = from
	req.Header.Set("Authorization", "Bearer t0ken")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// allowed sends n requests from from and returns how many were not
// refused with 429.
func allowed(t *testing.T, h http.Handler, from string, n int) int {
	t.Helper()
	ok := 0
	for range n {
		if apiCall(t, h, from).Code != http.StatusTooManyRequests {
			ok++
		}
	}
	return ok
}

// TestAPIRateLimit: each client address has its own bucket (an IPv6
// client its /64), loopback included; a request beyond it gets 429 with
// Retry-After and a JSON error.
func TestAPIRateLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := New(Options{Board: orders.NewBoard(orders.BoardConfig{}), APIToken: "t0ken"})
		for _, from := range []string{"192.0.2.1:4000", "127.0.0.1:4000", "[2001:db8::1]:4000"} {
			if got := allowed(t, h, from, 3*DefaultAPIBurst); got != DefaultAPIBurst {
				t.Errorf("%s: %d of %d at once allowed, want %d", from, got, 3*DefaultAPIBurst, DefaultAPIBurst)
			}
		}
		rec := apiCall(t, h, "192.0.2.1:4001")
		var body struct{ Error string }
		if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "1" ||
			rec.Header().Get("Content-Type") != "application/json" || json.Unmarshal(rec.Body.Bytes(), &body) != nil || body.Error == "" {
			t.Errorf("over the limit: %d, Retry-After %q, %s %q", rec.Code, rec.Header().Get("Retry-After"), rec.Header().Get("Content-Type"), rec.Body)
		}
		if got := allowed(t, h, "[2001:db8::ffff]:1", 1); got != 0 {
			t.Errorf("another address of the same /64 was allowed")
		}
		if got := allowed(t, h, "[2001:db8:0:1::1]:1", 1); got != 1 {
			t.Errorf("another /64 was refused")
		}
		if rec := apiCall(t, h, "192.0.2.2:4000"); rec.Code != http.StatusOK {
			t.Errorf("another address: %d %s", rec.Code, rec.Body)
		}
		time.Sleep(time.Second)
		if got := allowed(t, h, "192.0.2.1:4000", 100); got != DefaultAPIRate {
			t.Errorf("a second later: %d of 100 allowed, want %d", got, DefaultAPIRate)
		}
		time.Sleep(time.Minute)
		if got := allowed(t, h, "192.0.2.1:4000", 3*DefaultAPIBurst); got != DefaultAPIBurst {
			t.Errorf("a minute later: %d of %d allowed, want %d", got, 3*DefaultAPIBurst, DefaultAPIBurst)
		}
	})
}

// TestAPIRateLimitOff: a negative APIRate lets every request through.
func TestAPIRateLimitOff(t *testing.T) {
	h := New(Options{Board: orders.NewBoard(orders.BoardConfig{}), APIToken: "t0ken", Limits: Limits{APIRate: -1}})
	if got := allowed(t, h, "192.0.2.1:4000", 500); got != 500 {
		t.Errorf("%d of 500 allowed, want all", got)
	}
}

// TestAPILimiterForgetsIdleClients: a sweep forgets the clients whose
// buckets have filled up again and keeps those still held back, so memory
// follows the clients of the last minute; clients beyond maxAPIClients
// share one bucket.
func TestAPILimiterForgetsIdleClients(t *testing.T) {
	a := newAPILimiter(Limits{APIRate: 1, APIBurst: 100})
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	a.allow("held", t0)
	for range 99 {
		a.allow("held", t0)
	}
	for i := range 1000 {
		a.allow(fmt.Sprintf("10.0.%d.%d", i/256, i%256), t0)
	}
	if ok, wait := a.allow("held", t0); ok || wait != time.Second {
		t.Fatalf("drained client: allowed %v, wait %v; want refused, 1s", ok, wait)
	}
	t1 := t0.Add(sweepEvery)
	a.allow("new", t1)
	if len(a.clients) != 2 {
		t.Fatalf("%d clients remembered after a sweep, want 2 (held, new)", len(a.clients))
	}
	// held has 60 tokens again: forgetting it would have given it 100.
	n := 0
	for ok := true; ok; n++ {
		ok, _ = a.allow("held", t1)
	}
	if n-1 != 60 {
		t.Errorf("held got %d requests after a minute, want 60", n-1)
	}

	full := newAPILimiter(Limits{APIRate: 1, APIBurst: 1})
	for i := range maxAPIClients {
		full.allow(strconv.Itoa(i), t0)
	}
	if ok, _ := full.allow("late", t0); !ok {
		t.Fatal("the first client beyond the table was refused")
	}
	if ok, _ := full.allow("later", t0); ok {
		t.Fatal("clients beyond the table do not share a bucket")
	}
	if len(full.clients) != maxAPIClients {
		t.Fatalf("%d clients remembered, want at most %d", len(full.clients), maxAPIClients)
	}
	if ok, _ := full.allow("late", t0.Add(sweepEvery)); !ok || len(full.clients) != 1 {
		t.Fatalf("after a sweep: allowed %v with %d clients, want a bucket of its own", ok, len(full.clients))
	}
}

// TestClientKey: the address a limit counts.
func TestClientKey(t *testing.T) {
	for _, tt := range []struct {
		remote, key string
		loopback    bool
	}{
		{"192.0.2.1:4000", "192.0.2.1", false},
		{"[::ffff:192.0.2.1]:4000", "192.0.2.1", false},
		{"[2001:db8:1:2:3:4:5:6]:80", "2001:db8:1:2::/64", false},
		{"[fe80::1%eth0]:80", "fe80::/64", false},
		{"127.0.0.9:1", "127.0.0.9", true},
		{"[::1]:1", "::1", true},
		{"pipe", "pipe", false},
	} {
		r := &http.Request{RemoteAddr: tt.remote}
		if key, loopback := clientKey(r); key != tt.key || loopback != tt.loopback {
			t.Errorf("clientKey(%q) = %q, %v; want %q, %v", tt.remote, key, loopback, tt.key, tt.loopback)
		}
	}
}

// TestLimitsDefaults: zero picks the default, anything else stays.
func TestLimitsDefaults(t *testing.T) {
	got := Limits{ActionBurst: 5, MaxScreens: -1}.withDefaults()
	want := Limits{ActionRate: DefaultActionRate, ActionBurst: 5, MaxScreens: -1, MaxScreensPerAddress: DefaultMaxScreensPerAddress, APIRate: DefaultAPIRate, APIBurst: DefaultAPIBurst}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}
