package handlers

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
)

// wire is the connection under one screen's socket. The socket's writer
// puts whole WebSocket frames on it, rendered once and shared by every
// socket of a kind of screen: while the wire is corked it keeps them, and
// uncork sends them all in one write system call (writev, without copying
// them), so one message, or every message a screen was behind, leaves in
// one write. Through the websocket package only the frames it writes by
// itself pass (pings, pongs, the close handshake): while corked they are
// kept in order with the others, else they go straight through.
type wire struct {
	net.Conn
	timeout time.Duration // for the one write of uncork

	mu     sync.Mutex
	corked bool
	out    net.Buffers // what is kept while corked
}

// Write is where the websocket package's buffer writes.
func (w *wire) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.corked {
		// A deadline is left from the last uncork: give this one its own.
		if err := w.Conn.SetWriteDeadline(time.Now().Add(w.timeout)); err != nil {
			return 0, err
		}
		return w.Conn.Write(p)
	}
	w.out = append(w.out, bytes.Clone(p)) // the buffer is used again
	return len(p), nil
}

// send puts a whole frame on the corked wire. The frame is kept, not
// copied, until uncork: it must not change.
func (w *wire) send(frame []byte) {
	w.mu.Lock()
	w.out = append(w.out, frame)
	w.mu.Unlock()
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
	if len(w.out) == 0 {
		return nil
	}
	defer func() {
		clear(w.out) // lets go of the frames
		w.out = w.out[:0]
	}()
	if err := w.Conn.SetWriteDeadline(time.Now().Add(w.timeout)); err != nil {
		return err
	}
	var err error
	switch w.Conn.(type) {
	case *net.TCPConn, *net.UnixConn:
		v := w.out // WriteTo consumes the slice it is given
		_, err = v.WriteTo(w.Conn)
	default:
		// Elsewhere net.Buffers would write each buffer on its own.
		_, err = w.Conn.Write(bytes.Join(w.out, nil))
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return errTooSlow
	}
	return err
}

// textFrame returns p as one unmasked WebSocket text frame, as a server
// sends it (RFC 6455, section 5.2).
func textFrame(p []byte) []byte {
	var head []byte
	switch n := len(p); {
	case n < 126:
		head = []byte{0x81, byte(n)}
	case n <= 0xffff:
		head = binary.BigEndian.AppendUint16([]byte{0x81, 126}, uint16(n))
	default:
		head = binary.BigEndian.AppendUint64([]byte{0x81, 127}, uint64(n))
	}
	return append(append(make([]byte, 0, len(head)+len(p)), head...), p...)
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
