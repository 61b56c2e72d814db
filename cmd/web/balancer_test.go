package main

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// balancer is a small load balancer in front of several instances of the
// server, as nginx would be: every request, WebSocket upgrades included,
// goes to the next instance in turn (no sticky sessions), and a request
// that cannot reach its instance (refused: the instance is dead) goes to
// the one after, as nginx's proxy_next_upstream does for errors.
type balancer struct {
	url string

	// transport opens a connection per request, so that no request
	// waits on a kept-alive connection to an instance that died.
	transport *http.Transport

	mu       sync.Mutex
	backends []string // host:port of each instance
	next     int      // the instance the next request tries first
	nextWS   int      // the instance the next upgrade tries first
	sockets  map[string]string
}

// newBalancer starts a balancer in front of the instances at urls.
func newBalancer(t *testing.T, urls ...string) *balancer {
	t.Helper()
	b := &balancer{sockets: make(map[string]string), transport: &http.Transport{DisableKeepAlives: true}}
	for _, u := range urls {
		parsed, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		b.backends = append(b.backends, parsed.Host)
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.Out.URL.Scheme, r.Out.URL.Host = "http", b.backends[0] // RoundTrip picks the instance
			r.Out.Host = r.In.Host
		},
		Transport: b,
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	b.url = srv.URL
	return b
}

// RoundTrip sends r to the next instance that takes the connection.
func (b *balancer) RoundTrip(r *http.Request) (*http.Response, error) {
	upgrade := strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
	b.mu.Lock()
	first := &b.next
	if upgrade {
		first = &b.nextWS
	}
	start := *first
	*first = (*first + 1) % len(b.backends)
	backends := b.backends
	b.mu.Unlock()
	// The body is read once, so that a request refused by one instance
	// goes to the next one whole (a transport closes what it was given).
	var body []byte
	if r.Body != nil {
		var err error
		if body, err = io.ReadAll(r.Body); err != nil {
			return nil, err
		}
		r.Body.Close()
	}
	var err error
	for i := range backends {
		host := backends[(start+i)%len(backends)]
		out := r.Clone(r.Context())
		out.URL.Host = host
		if r.Body != nil {
			out.Body = io.NopCloser(bytes.NewReader(body))
		}
		var resp *http.Response
		resp, err = b.transport.RoundTrip(out)
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			continue // the instance is gone: nothing was sent, try the next
		}
		if err == nil && upgrade {
			if client := r.URL.Query().Get("client"); client != "" {
				b.mu.Lock()
				b.sockets[client] = host
				b.mu.Unlock()
			}
		}
		return resp, err
	}
	return nil, err
}

// socketOn returns the host:port of the instance that the last socket of
// the given client (its ?client= parameter) was upgraded on.
func (b *balancer) socketOn(client string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sockets[client]
}
