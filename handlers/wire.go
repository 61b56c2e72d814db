package handlers

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
)

// wire is the connection under one screen's socket. The websocket package
// writes each frame through the 4 KB buffer that net/http hands over, and
// flushes it whenever it fills, so a message of a few kilobytes left in
// two or three write system calls. While the wire is corked it keeps what
// is written, and uncork sends it all in one write: one message, or every
// message a screen was behind, leaves in one system call. Frames the
// websocket package writes by itself while the wire is not corked (pongs,
// the close handshake) go straight through.
type wire struct {
	net.Conn
	timeout time.Duration // for the one write of uncork

	mu     sync.Mutex
	corked bool
	held   *[]byte // from heldBuffers while corked
}

// heldBuffers lend the wires what they hold while corked: only sockets
// that are writing hold one.
var heldBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// maxPooledHeld is the largest buffer returned to heldBuffers; a larger one
// (a big snapshot) is left to the garbage collector.
const maxPooledHeld = 256 << 10

func (w *wire) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.corked {
		return w.Conn.Write(p)
	}
	if w.held == nil {
		w.held = heldBuffers.Get().(*[]byte)
	}
	*w.held = append(*w.held, p...)
	return len(p), nil
}

// cork makes the wire keep what is written until uncork.
func (w *wire) cork() {
	w.mu.Lock()
	w.corked = true
	w.mu.Unlock()
}

// uncork sends what the wire kept in one write. A screen that cannot take
// it within the timeout gets errTooSlow; the connection is then broken and
// must be closed.
func (w *wire) uncork() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.corked = false
	if w.held == nil {
		return nil
	}
	held := w.held
	w.held = nil
	defer func() {
		if cap(*held) <= maxPooledHeld {
			*held = (*held)[:0]
			heldBuffers.Put(held)
		}
	}()
	if len(*held) == 0 {
		return nil
	}
	if err := w.Conn.SetWriteDeadline(time.Now().Add(w.timeout)); err != nil {
		return err
	}
	_, err := w.Conn.Write(*held)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return errTooSlow
	}
	if err != nil {
		return err
	}
	// What the websocket package writes by itself has no deadline.
	return w.Conn.SetWriteDeadline(time.Time{})
}

// wiredWriter is the http.ResponseWriter handed to websocket.Accept: its
// Hijack puts a wire between the websocket package and the connection.
type wiredWriter struct {
	http.ResponseWriter
	timeout time.Duration
	wire    *wire // set by Hijack
}

// Hijack hijacks the connection and points net/http's write buffer, which
// the websocket package keeps, at a wire around it.
func (ww *wiredWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := ww.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("handlers: the response writer cannot hijack its connection")
	}
	conn, rw, err := h.Hijack()
	if err != nil {
		return nil, nil, err
	}
	if rw.Writer.Buffered() > 0 {
		if err := rw.Writer.Flush(); err != nil {
			conn.Close()
			return nil, nil, err
		}
	}
	ww.wire = &wire{Conn: conn, timeout: ww.timeout}
	rw.Writer.Reset(ww.wire)
	return conn, rw, nil
}

// Unwrap returns the ResponseWriter wrapped, for http.ResponseController.
func (ww *wiredWriter) Unwrap() http.ResponseWriter { return ww.ResponseWriter }
