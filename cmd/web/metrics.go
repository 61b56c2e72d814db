package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ticketrail/ticketrail/handlers"
	"github.com/ticketrail/ticketrail/orders"
)

// newRegistry returns the registry of the server's metrics, with the Go
// runtime's and the process's, and the store's latency, which the board
// reports to observe.
func newRegistry() (reg *prometheus.Registry, observe func(orders.StoreOp, time.Duration, error)) {
	reg = prometheus.NewRegistry()
	ops := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "ticketrail_store_operation_seconds",
		Help:    "Time the rail's calls to its store take, by operation (insert, update, log, get, history, list) and result (ok, error).",
		Buckets: prometheus.ExponentialBuckets(50e-6, 3, 10),
	}, []string{"op", "result"})
	for _, op := range orders.StoreOps() {
		ops.WithLabelValues(string(op), "ok")
	}
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), ops)
	return reg, func(op orders.StoreOp, took time.Duration, err error) {
		result := "ok"
		if err != nil && !errors.Is(err, orders.ErrNotFound) && !errors.Is(err, orders.ErrConflict) {
			result = "error"
		}
		ops.WithLabelValues(string(op), result).Observe(took.Seconds())
	}
}

// metricsHandler serves reg in the Prometheus text format.
func metricsHandler(reg *prometheus.Registry, log *slog.Logger) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)})
}

// withMetrics serves the metrics at GET /metrics, to the callers the order
// API answers (see handlers.Handler.Guard), and everything else from h.
func withMetrics(h *handlers.Handler, metrics http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h.Guard(metrics))
	mux.Handle("/", h)
	return mux
}

// serveMetrics serves metrics, to anyone, on a listener of its own at
// addr, until the returned server is shut down.
func serveMetrics(addr string, metrics http.Handler, log *slog.Logger) (*http.Server, net.Addr, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("listen for metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: readHeaderTimeout, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener", "err", err)
		}
	}()
	return srv, ln.Addr(), nil
}
