package main

import (
	"log/slog"
	"net"
	"net/http"
	"time"
)

// The server's timeouts. They bound one request and the wait for the next
// on a kept-alive connection; they end when a request becomes a WebSocket
// (net/http lifts a hijacked connection's deadlines), which its pings and
// write timeouts bound instead.
const (
	// readHeaderTimeout bounds the request's headers.
	readHeaderTimeout = 10 * time.Second
	// readTimeout bounds the whole request, body included, so that a slow
	// body does not hold a connection.
	readTimeout = 30 * time.Second
	// writeTimeout bounds the response, from the end of the headers.
	writeTimeout = 30 * time.Second
	// idleTimeout is how long a kept-alive connection may wait for its
	// next request.
	idleTimeout = 120 * time.Second
)

// newServer returns the server for h, which logs its own errors to
// logHandler at warning level and reports connection states to connState.
func newServer(h http.Handler, logHandler slog.Handler, connState func(net.Conn, http.ConnState)) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(logHandler, slog.LevelWarn),
		ConnState:         connState,
	}
}
