package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/ticketrail/ticketrail/cmd/railload/internal/baseline"
)

// serveFlag, as the first argument, makes the process one of the servers
// a comparison measures the rail against:
//
//	railload -serve hub|raw -messages FILE [-addr 127.0.0.1:0]
//
// It prints "listening on http://HOST:PORT" once it accepts connections and
// serves until it is interrupted or terminated.
const serveFlag = "-serve"

// Names of the servers a comparison runs.
const (
	serverRail = "ticketrail"
	serverHub  = "hub"
	serverRaw  = "raw"
)

// serve runs -serve.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet(args[0]+" "+serveFlag, flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "loopback `address` to listen on")
	messages := fs.String("messages", "", "JSON `file` of the messages to send (what a comparison captured from the rail)")
	if len(args) < 3 {
		return fmt.Errorf("%s wants %s or %s", serveFlag, serverHub, serverRaw)
	}
	kind := args[2]
	if err := fs.Parse(args[3:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	ap, err := netip.ParseAddrPort(*addr)
	if err != nil || !ap.Addr().IsLoopback() {
		return fmt.Errorf("-addr %q: %w", *addr, errNotLoopback)
	}
	m, err := baseline.ReadMessages(*messages)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	var h http.Handler
	switch kind {
	case serverHub:
		hub := baseline.NewHub(m)
		hub.Log = log
		h = hub
	case serverRaw:
		raw := baseline.NewRaw(m)
		defer raw.Close()
		h = raw
	default:
		return fmt.Errorf("%s %q: want %s or %s", serveFlag, kind, serverHub, serverRaw)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	srv.Close()
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
