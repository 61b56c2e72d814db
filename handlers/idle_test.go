package handlers_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/ticketrail/ticketrail/handlers"
	"github.com/ticketrail/ticketrail/orders"
)

// BenchmarkIdleSocket opens 1,000 screens' sockets on an empty rail and
// reports what the server holds for each once they are idle: heap and
// goroutine stacks per socket, and goroutines per socket. The clients are
// bare TCP connections that did the handshake by hand and read the
// snapshot, so nearly all that is measured is the server's.
func BenchmarkIdleSocket(b *testing.B) {
	const n = 1000
	h := handlers.New(handlers.Options{Board: orders.NewBoard(orders.BoardConfig{})})
	srv := httptest.NewServer(h)
	defer srv.Close()
	defer h.Close(b.Context())
	addr := strings.TrimPrefix(srv.URL, "http://")
	var heap, stack, goroutines float64
	for b.Loop() {
		before, g0 := memory()
		conns := make([]net.Conn, 0, n)
		for range n {
			c, err := openIdle(addr)
			if err != nil {
				b.Fatal(err)
			}
			conns = append(conns, c)
		}
		after, g1 := memory()
		heap = float64(after.HeapInuse-before.HeapInuse) / n
		stack = float64(after.StackInuse-before.StackInuse) / n
		goroutines = float64(g1-g0) / n
		for _, c := range conns {
			c.Close()
		}
	}
	b.ReportMetric(heap, "heap-B/socket")
	b.ReportMetric(stack, "stack-B/socket")
	b.ReportMetric(heap+stack, "B/socket")
	b.ReportMetric(goroutines, "goroutines/socket")
}

func memory() (runtime.MemStats, int) {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m, runtime.NumGoroutine()
}

// openIdle opens a socket with a handshake written by hand and reads its
// first message, the snapshot, and nothing after.
func openIdle(addr string) (net.Conn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(c, "GET /ws HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", addr)
	br := bufio.NewReaderSize(c, 512)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		c.Close()
		return nil, fmt.Errorf("handshake: %s", resp.Status)
	}
	// The snapshot: a frame header, then its payload.
	head := make([]byte, 2)
	if _, err := io.ReadFull(br, head); err != nil {
		c.Close()
		return nil, err
	}
	size := int(head[1] & 0x7f)
	switch size {
	case 126:
		ext := make([]byte, 2)
		if _, err := io.ReadFull(br, ext); err != nil {
			c.Close()
			return nil, err
		}
		size = int(ext[0])<<8 | int(ext[1])
	case 127:
		c.Close()
		return nil, fmt.Errorf("snapshot too large for an empty rail")
	}
	if _, err := io.CopyN(io.Discard, br, int64(size)); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}
