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
// socket of a kind of screen: the wire keeps them, and flush sends them all
// in one write system call (writev, without copying them), so one message,
// or every message a screen was behind, leaves in one write. Through the
// websocket package only the frames it writes by itself pass, each in one
// Write (pings, pongs, the close handshake): they go out at once, between
// whole messages, as the package may close the connection right after.
// After a close frame, nothing more is sent.
type wire struct {
	net.Conn
	timeout time.Duration // for the one write of flush

	// mu is held from a flush to its finish: a frame of the websocket
	// package's never lands within another.
	mu        sync.Mutex
	closeSent bool
	out       net.Buffers // what is kept until flush
	rest      net.Buffers // what a flush has yet to write
	started   time.Time   // when the flush began
}

// Write is where the websocket package's buffer writes: one control frame
// at a time.
func (w *wire) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closeSent {
		return 0, net.ErrClosed
	}
	// A deadline is left from the last flush: give this one its own.
	if err := w.Conn.SetWriteDeadline(time.Now().Add(w.timeout)); err != nil {
		return 0, err
	}
	if len(p) > 0 && p[0]&0x0f == 0x8 { // a close frame
		w.closeSent = true
	}
	return w.Conn.Write(p)
}

// send puts a whole frame on the wire. The frame is kept, not copied,
// until flush: it must not change.
func (w *wire) send(frame []byte) {
	w.mu.Lock()
	w.out = append(w.out, frame)
	w.mu.Unlock()
}

// quickWrite is how long a write may take in a writer's turn (see
// writers); a screen that takes longer finishes on its own goroutine.
const quickWrite = 20 * time.Millisecond

// flush sends what the wire kept in one write. If the screen has not taken
// it all within quickWrite, flush returns slow with the wire still locked,
// and finish must then write the rest. The time the screen has to take it
// all is the wire's timeout; one that takes longer gets errTooSlow, and its
// connection is then broken and must be closed.
func (w *wire) flush() (slow bool, err error) {
	w.mu.Lock()
	if len(w.out) == 0 || w.closeSent {
		w.done()
		return false, nil
	}
	w.rest = w.out // WriteTo consumes the slice it is given
	if _, ok := w.Conn.(*net.TCPConn); !ok {
		// Elsewhere net.Buffers would write each buffer on its own.
		w.rest = net.Buffers{bytes.Join(w.out, nil)}
	}
	w.started = time.Now()
	if err := w.Conn.SetWriteDeadline(w.started.Add(min(quickWrite, w.timeout))); err != nil {
		w.done()
		return false, err
	}
	_, err = w.rest.WriteTo(w.Conn)
	if errors.Is(err, os.ErrDeadlineExceeded) && quickWrite < w.timeout {
		return true, nil
	}
	w.done()
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return false, errTooSlow
	}
	return false, err
}

// finish writes the rest of a slow flush, and unlocks the wire.
func (w *wire) finish() error {
	defer w.done()
	if err := w.Conn.SetWriteDeadline(w.started.Add(w.timeout)); err != nil {
		return err
	}
	_, err := w.rest.WriteTo(w.Conn)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return errTooSlow
	}
	return err
}

// done ends a flush: it lets go of the frames and unlocks the wire.
func (w *wire) done() {
	clear(w.out)
	w.out, w.rest = w.out[:0], nil
	w.mu.Unlock()
}

// pingFrame is a ping with no payload: any pong answers it.
var pingFrame = []byte{0x89, 0}

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

// socketBuffer is the size of a socket's read and write buffers in the
// websocket package. Its writes are control frames (the wire holds the
// messages), and what screens send is a few hundred bytes: the 4 KB
// buffers of net/http were a third of an idle socket.
const socketBuffer = 512

// Hijack hijacks the connection and gives the websocket package small
// buffers, writing to a wire around the connection. net/http's own go
// with the handler, which returns once the socket is open.
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
	r := rw.Reader
	if r.Buffered() == 0 {
		r = bufio.NewReaderSize(conn, socketBuffer)
	}
	return conn, bufio.NewReadWriter(r, bufio.NewWriterSize(ww.wire, socketBuffer)), nil
}

// Unwrap returns the ResponseWriter wrapped, for http.ResponseController.
func (ww *wiredWriter) Unwrap() http.ResponseWriter { return ww.ResponseWriter }
