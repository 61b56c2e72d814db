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

	mu        sync.Mutex
	closeSent bool
	out       net.Buffers // what is kept until flush
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

// quickWrite is how long a write may take while it holds a turn to write
// (see writeTurns); a screen that takes longer finishes without one.
const quickWrite = 20 * time.Millisecond

// flush sends what the wire kept in one write, and calls done once: when
// the write is over, or when the screen has not taken it within quickWrite,
// before it waits for the rest. A screen that cannot take it within the
// timeout gets errTooSlow; the connection is then broken and must be
// closed.
func (w *wire) flush(done func()) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	defer func() {
		clear(w.out) // lets go of the frames
		w.out = w.out[:0]
	}()
	if len(w.out) == 0 || w.closeSent {
		done()
		return nil
	}
	v := w.out // WriteTo consumes the slice it is given
	if _, ok := w.Conn.(*net.TCPConn); !ok {
		// Elsewhere net.Buffers would write each buffer on its own.
		v = net.Buffers{bytes.Join(w.out, nil)}
	}
	start := time.Now()
	if err := w.Conn.SetWriteDeadline(start.Add(min(quickWrite, w.timeout))); err != nil {
		done()
		return err
	}
	_, err := v.WriteTo(w.Conn)
	done()
	if errors.Is(err, os.ErrDeadlineExceeded) && quickWrite < w.timeout {
		// A slow screen: the rest may take up to the timeout.
		if err := w.Conn.SetWriteDeadline(start.Add(w.timeout)); err != nil {
			return err
		}
		_, err = v.WriteTo(w.Conn)
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
