package baseline

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Raw is the floor of a fan-out: it answers WebSocket handshakes by hand
// and, for each message, frames it once and writes the same bytes to every
// socket in turn, one write system call each, from one goroutine. It
// trusts its readers: there is no write timeout, and a socket that stops
// reading holds up every later one. Close stops it.
type Raw struct {
	msgs     Messages
	snapshot []byte // framed
	ids      atomic.Int64
	mux      *http.ServeMux
	pub      chan []byte // framed messages for the writer
	quit     chan struct{}
	stopped  chan struct{}

	mu    sync.Mutex
	conns []net.Conn
	index map[net.Conn]int // where each is in conns
}

// pubQueue is how many messages may wait for the writer before a POST
// waits.
const pubQueue = 256

// NewRaw returns a Raw that sends the messages m, its writer running.
func NewRaw(m Messages) *Raw {
	r := &Raw{
		msgs: m, snapshot: frame(opText, m.Snapshot), mux: http.NewServeMux(),
		pub: make(chan []byte, pubQueue), quit: make(chan struct{}), stopped: make(chan struct{}),
		index: map[net.Conn]int{},
	}
	r.mux.HandleFunc("GET /ws", r.serveSocket)
	r.mux.HandleFunc("POST /api/orders", r.placeOrder)
	go r.write()
	return r
}

// ServeHTTP serves GET /ws and POST /api/orders.
func (r *Raw) ServeHTTP(w http.ResponseWriter, req *http.Request) { r.mux.ServeHTTP(w, req) }

// Close stops the writer and closes every socket.
func (r *Raw) Close() {
	close(r.quit)
	<-r.stopped
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.conns {
		c.Close()
	}
}

// acceptGUID is the key every WebSocket server appends (RFC 6455, 1.3).
const acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

func (r *Raw) serveSocket(w http.ResponseWriter, req *http.Request) {
	key := req.Header.Get("Sec-WebSocket-Key")
	if !headerHas(req.Header, "Connection", "upgrade") || !headerHas(req.Header, "Upgrade", "websocket") ||
		req.Header.Get("Sec-WebSocket-Version") != "13" || key == "" {
		w.Header().Set("Sec-WebSocket-Version", "13")
		http.Error(w, "not a WebSocket handshake", http.StatusBadRequest)
		return
	}
	sum := sha1.Sum([]byte(key + acceptGUID))
	c, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, "cannot take over the connection", http.StatusInternalServerError)
		return
	}
	c.SetDeadline(time.Time{}) // the server's, if any, were for HTTP
	hello := append([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Accept: "+base64.StdEncoding.EncodeToString(sum[:])+"\r\n\r\n"), r.snapshot...)
	// The snapshot goes before any message: the socket joins the list
	// only once it is written.
	r.mu.Lock()
	_, err = c.Write(hello)
	if err == nil {
		r.index[c] = len(r.conns)
		r.conns = append(r.conns, c)
	}
	r.mu.Unlock()
	if err != nil {
		c.Close()
		return
	}
	var rd io.Reader = c
	if brw.Reader.Buffered() > 0 {
		rd = brw.Reader
	}
	r.read(c, rd)
}

// headerHas reports whether the comma-separated values of header name in h
// hold token, in any case.
func headerHas(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// Opcodes (RFC 6455, 5.2).
const (
	opText  = 0x1
	opClose = 0x8
	opPing  = 0x9
	opPong  = 0xa
)

// maxReadFrame bounds a frame from a screen, which sends control frames
// at most.
const maxReadFrame = 1 << 20

// read reads c's frames until it ends: it answers a ping with a pong and a
// close with a close, and drops everything else.
func (r *Raw) read(c net.Conn, rd io.Reader) {
	defer r.drop(c)
	var h [8]byte
	var ctl [125]byte
	for {
		if _, err := io.ReadFull(rd, h[:2]); err != nil {
			return
		}
		op, n := h[0]&0x0f, uint64(h[1]&0x7f)
		switch n {
		case 126:
			if _, err := io.ReadFull(rd, h[:2]); err != nil {
				return
			}
			n = uint64(binary.BigEndian.Uint16(h[:2]))
		case 127:
			if _, err := io.ReadFull(rd, h[:8]); err != nil {
				return
			}
			n = binary.BigEndian.Uint64(h[:8])
		}
		var mask [4]byte
		if h[1]&0x80 != 0 {
			if _, err := io.ReadFull(rd, mask[:]); err != nil {
				return
			}
		}
		if n > maxReadFrame || op >= opClose && n > uint64(len(ctl)) {
			return
		}
		if op < opClose {
			if _, err := io.CopyN(io.Discard, rd, int64(n)); err != nil {
				return
			}
			continue
		}
		p := ctl[:n]
		if _, err := io.ReadFull(rd, p); err != nil {
			return
		}
		for i := range p {
			p[i] ^= mask[i%4]
		}
		switch op {
		case opPing:
			if _, err := c.Write(frame(opPong, p)); err != nil {
				return
			}
		case opClose:
			// Echo the status code and end the connection.
			c.Write(frame(opClose, p[:min(len(p), 2)]))
			return
		}
	}
}

// drop takes c off the list and closes it.
func (r *Raw) drop(c net.Conn) {
	r.mu.Lock()
	if i, ok := r.index[c]; ok {
		last := len(r.conns) - 1
		r.conns[i] = r.conns[last]
		r.index[r.conns[i]] = i
		r.conns[last] = nil
		r.conns = r.conns[:last]
		delete(r.index, c)
	}
	r.mu.Unlock()
	c.Close()
}

// placeOrder hands the framed message of a new ticket to the writer and
// answers 201.
func (r *Raw) placeOrder(w http.ResponseWriter, req *http.Request) {
	if !readOrder(w, req) {
		return
	}
	id := r.ids.Add(1)
	select {
	case r.pub <- frame(opText, r.msgs.For(id)):
		created(w, id)
	case <-req.Context().Done():
	case <-r.quit:
		http.Error(w, "stopping", http.StatusServiceUnavailable)
	}
}

// write writes each framed message to every socket, one Write each.
func (r *Raw) write() {
	defer close(r.stopped)
	var conns []net.Conn
	for {
		var f []byte
		select {
		case f = <-r.pub:
		case <-r.quit:
			return
		}
		r.mu.Lock()
		conns = append(conns[:0], r.conns...)
		r.mu.Unlock()
		for _, c := range conns {
			if _, err := c.Write(f); err != nil {
				c.Close() // its reader drops it
			}
		}
		clear(conns)
	}
}

// frame is one unmasked, final frame from a server (RFC 6455, 5.2).
func frame(op byte, payload []byte) []byte {
	n := len(payload)
	f := make([]byte, 0, 10+n)
	f = append(f, 0x80|op)
	switch {
	case n < 126:
		f = append(f, byte(n))
	case n <= 0xffff:
		f = append(f, 126)
		f = binary.BigEndian.AppendUint16(f, uint16(n))
	default:
		f = append(f, 127)
		f = binary.BigEndian.AppendUint64(f, uint64(n))
	}
	return append(f, payload...)
}
