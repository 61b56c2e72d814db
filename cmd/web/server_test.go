package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/coder/websocket"

	"github.com/ticketrail/ticketrail/handlers"
	"github.com/ticketrail/ticketrail/orders"
)

// pipes is an in-memory listener for a synctest bubble, whose clock moves
// only when every goroutine waits: so the server's real timeouts pass in
// no time. Every connection comes from 127.0.0.1.
type pipes struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func (p *pipes) Accept() (net.Conn, error) {
	select {
	case c := <-p.conns:
		return c, nil
	case <-p.done:
		return nil, net.ErrClosed
	}
}

func (p *pipes) Close() error {
	p.once.Do(func() { close(p.done) })
	return nil
}

func (p *pipes) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 80} }

type loopbackConn struct{ net.Conn }

func (loopbackConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
}

// dial returns the client's end of a new connection to the server.
func (p *pipes) dial(ctx context.Context) (net.Conn, error) {
	cli, srv := net.Pipe()
	select {
	case p.conns <- loopbackConn{srv}:
		return cli, nil
	case <-p.done:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// serveBubble serves the rail with newServer on pipes until the test ends.
func serveBubble(t *testing.T) (*pipes, *orders.Board) {
	board := orders.NewBoard(orders.BoardConfig{})
	logHandler := slog.NewTextHandler(t.Output(), nil)
	h := handlers.New(handlers.Options{Board: board, Logger: slog.New(logHandler)})
	p := &pipes{conns: make(chan net.Conn), done: make(chan struct{})}
	srv := newServer(h, logHandler, nil)
	go srv.Serve(p)
	t.Cleanup(func() {
		h.Close(context.Background())
		srv.Close()
	})
	return p, board
}

// closed reads c to its end in the background; the channel is closed when
// the server has closed the connection.
func closed(c net.Conn) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		io.Copy(io.Discard, c)
		close(done)
	}()
	return done
}

// isClosed reports whether done is closed, once every goroutine waits.
func isClosed(done <-chan struct{}) bool {
	synctest.Wait()
	select {
	case <-done:
		return true
	default:
		return false
	}
}

// TestServerClosesIdleConnections: a kept-alive connection that sends no
// next request is closed after idleTimeout.
func TestServerClosesIdleConnections(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, _ := serveBubble(t)
		c, err := p.dial(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprint(c, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Close {
			t.Fatalf("healthz: %d, close %v; want 200 on a kept-alive connection", resp.StatusCode, resp.Close)
		}
		done := closed(c)
		time.Sleep(idleTimeout - time.Second)
		if isClosed(done) {
			t.Fatalf("closed before idleTimeout (%v)", idleTimeout)
		}
		time.Sleep(2 * time.Second)
		if !isClosed(done) {
			t.Fatalf("an idle connection still open after idleTimeout (%v)", idleTimeout)
		}
	})
}

// TestServerClosesSlowBodies: a request whose body does not arrive is cut
// off after readTimeout.
func TestServerClosesSlowBodies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, board := serveBubble(t)
		c, err := p.dial(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprint(c, "POST /api/orders HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"destination\": ")
		done := closed(c)
		time.Sleep(readTimeout - time.Second)
		if isClosed(done) {
			t.Fatalf("closed before readTimeout (%v)", readTimeout)
		}
		time.Sleep(2 * time.Second)
		if !isClosed(done) {
			t.Fatalf("a request with a stalled body still open after readTimeout (%v)", readTimeout)
		}
		if v := board.Version(); v != 0 {
			t.Errorf("board at version %d, want 0", v)
		}
	})
}

// TestSocketOutlivesServerTimeouts: a WebSocket stays open, answering
// pings, sending and receiving, for many times the server's read and write
// timeouts.
func TestSocketOutlivesServerTimeouts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, board := serveBubble(t)
		client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) { return p.dial(ctx) }}}
		c, _, err := websocket.Dial(t.Context(), "ws://localhost/ws", &websocket.DialOptions{HTTPClient: client})
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		msgs := make(chan string, 16)
		go func() {
			defer close(msgs)
			for {
				_, data, err := c.Read(context.Background())
				if err != nil {
					return
				}
				msgs <- string(data)
			}
		}()
		<-msgs // the snapshot
		life := 10 * max(readTimeout, writeTimeout)
		time.Sleep(life)
		o, _, err := board.Place(t.Context(), orders.NewOrder{Destination: orders.Takeout, Items: []orders.Item{{Quantity: 1, Name: "Cola", Station: orders.Shake}}})
		if err != nil {
			t.Fatal(err)
		}
		m, ok := <-msgs
		if !ok || !strings.Contains(m, fmt.Sprintf(`id="ticket-%d"`, o.ID)) {
			t.Fatalf("after %v: the socket is closed or sent %.200q, want the new ticket", life, m)
		}
		if err := c.Write(t.Context(), websocket.MessageText, fmt.Appendf(nil, `{"action":"fire","id":%d}`, o.ID)); err != nil {
			t.Fatalf("after %v: %v", life, err)
		}
		synctest.Wait()
		if got, err := board.Lookup(t.Context(), o.ID); err != nil || got.Status != orders.Fired {
			t.Fatalf("after %v the socket's action did not act: %+v, %v", life, got, err)
		}
		c.Close(websocket.StatusNormalClosure, "")
		client.CloseIdleConnections()
	})
}

// TestMaxScreensFlag: -max-screens sets the cap on open sockets.
func TestMaxScreensFlag(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want int
	}{
		{nil, handlers.DefaultMaxScreens},
		{[]string{"-max-screens", "500"}, 500},
		{[]string{"-max-screens=-1"}, -1},
	} {
		cfg, err := parseFlags(append([]string{"web"}, tt.args...), func(string) string { return "" }, io.Discard)
		if err != nil || cfg.screenCap != tt.want {
			t.Errorf("%q: %d, %v; want %d", tt.args, cfg.screenCap, err, tt.want)
		}
	}
	if _, err := parseFlags([]string{"web", "-max-screens", "many"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Error("-max-screens many: no error")
	}
}
