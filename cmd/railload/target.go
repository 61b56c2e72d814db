package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// dialTimeout bounds one TCP connect.
const dialTimeout = 15 * time.Second

// target is the one rail this tool talks to. It is always on this machine:
// newTarget refuses every host that is not a loopback address, and every
// connection the tool makes goes through target.dialer, which dials only
// that address.
type target struct {
	base *url.URL   // the URL given, without query or fragment
	addr string     // host:port as the URL names it
	ip   netip.Addr // the loopback address that host is
	port string
}

// newTarget checks raw and resolves its host: an IP address in 127.0.0.0/8
// or ::1, or "localhost" when every address it resolves to is one of those.
func newTarget(ctx context.Context, raw string) (*target, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("parse -url: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("-url %q: the scheme must be http or https", raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("-url %q: user information is not supported", raw)
	}
	host, port := u.Hostname(), u.Port()
	if host == "" {
		return nil, fmt.Errorf("-url %q has no host", raw)
	}
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	ip, err := loopbackIP(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("-url %q: %w", raw, err)
	}
	base := *u
	base.RawQuery, base.Fragment, base.RawFragment = "", "", ""
	base.Path = strings.TrimSuffix(base.Path, "/")
	base.RawPath = ""
	return &target{base: &base, addr: net.JoinHostPort(host, port), ip: ip, port: port}, nil
}

// errNotLoopback refuses a host that is not this machine.
var errNotLoopback = errors.New("load traffic may only go to this machine: the host must be a loopback address (127.0.0.0/8, ::1 or localhost)")

// loopbackIP returns the loopback address host names, preferring IPv4 for
// localhost, or errNotLoopback.
func loopbackIP(ctx context.Context, host string) (netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		ip = ip.Unmap()
		if !ip.IsLoopback() || ip.Zone() != "" {
			return netip.Addr{}, errNotLoopback
		}
		return ip, nil
	}
	if !strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return netip.Addr{}, errNotLoopback
	}
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	ips, err := net.DefaultResolver.LookupNetIP(rctx, "ip", host)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("resolve %s: %w", host, err)
	}
	var pick netip.Addr
	for _, ip := range ips {
		ip = ip.Unmap()
		if !ip.IsLoopback() {
			return netip.Addr{}, fmt.Errorf("%s resolves to %s: %w", host, ip, errNotLoopback)
		}
		if !pick.IsValid() || ip.Is4() && !pick.Is4() {
			pick = ip
		}
	}
	if !pick.IsValid() {
		return netip.Addr{}, fmt.Errorf("%s resolves to no address", host)
	}
	return pick, nil
}

// dialer returns a DialContext that connects only to the target, from src
// when src is valid (a source address on the loopback interface).
func (t *target) dialer(src netip.Addr) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: dialTimeout}
	if src.IsValid() {
		d.LocalAddr = &net.TCPAddr{IP: src.AsSlice()}
	}
	to := net.JoinHostPort(t.ip.String(), t.port)
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if !strings.EqualFold(addr, t.addr) {
			return nil, fmt.Errorf("refusing to connect to %s: only %s is allowed", addr, t.addr)
		}
		c, err := d.DialContext(ctx, "tcp", to)
		if err != nil {
			return nil, fmt.Errorf("connect to %s from %v: %w", to, src, err)
		}
		return c, nil
	}
}

// client is an HTTP client that reaches only the target (no proxy, no
// redirects), connecting from src when it is valid.
func (t *target) client(src netip.Addr) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         t.dialer(src),
			MaxIdleConnsPerHost: 4,
			IdleConnTimeout:     30 * time.Second,
			TLSHandshakeTimeout: 10 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// wsURL is the socket's URL for a view: "expo" (everything) or a station;
// with acks, held to its receipts (acks=1), as the rail's pages ask.
func (t *target) wsURL(view string, acks bool) string {
	u := *t.base
	u.Scheme = map[string]string{"http": "ws", "https": "wss"}[u.Scheme]
	u.Path += "/ws"
	q := url.Values{}
	if view != expo {
		q.Set("station", view)
	}
	if acks {
		q.Set("acks", "1")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// ordersURL is the order API's URL.
func (t *target) ordersURL() string {
	u := *t.base
	u.Path += "/api/orders"
	return u.String()
}

// sourceAddr is the source address of the screen with global index g:
// 127.0.0.2 for the first screensPerSource screens, 127.0.0.3 for the
// next, and so on, so that no source address runs out of ephemeral ports.
// It is the zero Addr (the system's choice) unless spread is on and the
// target is an IPv4 loopback address.
func (t *target) sourceAddr(g int, spread bool) netip.Addr {
	if !spread || !t.ip.Is4() {
		return netip.Addr{}
	}
	return netip.AddrFrom4([4]byte{127, 0, 0, byte(2 + g/screensPerSource)})
}
