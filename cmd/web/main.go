// Command web serves the live kitchen rail: a page that shows every open
// order as a ticket on a rail, kept current on every screen over a
// WebSocket.
//
// Usage:
//
//	web [-addr :8080] [-db ticketrail.db|postgres://user@host:port/db] [-api-token T] [-pairing remote|all|off] [-host NAME]...
//	    [-allow-origin HOST]... [-max-screens 15000] [-warn-after 5m] [-late-after 8m]
//	    [-demo=true] [-demo-every 4s] [-demo-max 24] [-demo-orders 0] [-store "Socket Burger"]
//	    [-unseen-after 10s] [-metrics-addr ADDR]
//
// It prints "listening on http://HOST:PORT" once it accepts connections,
// logs to stderr, and on SIGINT or SIGTERM closes every socket with 1012
// (service restart) so that pages reconnect by themselves, then exits.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ticketrail/ticketrail/handlers"
	"github.com/ticketrail/ticketrail/orders"
)

func main() {
	if err := run(context.Background(), os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "web:", err)
		os.Exit(1)
	}
}

// shutdownTimeout bounds a graceful stop, within the 5 s that service
// managers commonly allow.
const shutdownTimeout = 4 * time.Second

// config is what the command line says.
type config struct {
	addr      string
	demo      bool
	demoEvery time.Duration
	demoMax   int
	demoCount int
	store     string
	db        string
	apiToken  string
	warnAfter time.Duration
	lateAfter time.Duration
	origins   []string
	screenCap int
	pairing   handlers.Pairing
	hosts     []string
	// unseenAfter is handlers.Options.UnseenAfter; 0 turns the alarms
	// off.
	unseenAfter time.Duration
	// metricsAddr, if set, is where the metrics are served instead of
	// the main listener's /metrics.
	metricsAddr string
	// instance names this instance (handlers.Options.Instance); empty:
	// the host's name and the port.
	instance string
}

// DefaultDB is where orders are kept unless -db says otherwise.
const DefaultDB = "ticketrail.db"

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", ":8080", "`address` to listen on; 127.0.0.1:0 picks a free port")
	fs.BoolVar(&c.demo, "demo", true, "place demo Socket Burger orders")
	fs.DurationVar(&c.demoEvery, "demo-every", orders.DefaultDemoEvery, "mean `interval` between demo orders (jitter ±50%)")
	fs.IntVar(&c.demoMax, "demo-max", 24, "the demo bumps the oldest tickets beyond this many open (0: never)")
	fs.IntVar(&c.demoCount, "demo-orders", 0, "stop the demo after this many orders (0: never)")
	fs.StringVar(&c.store, "store", handlers.DefaultStore, "restaurant `name` printed on every ticket")
	fs.DurationVar(&c.warnAfter, "warn-after", handlers.DefaultWarnAfter, "`age` at which a ticket turns amber")
	fs.DurationVar(&c.lateAfter, "late-after", handlers.DefaultLateAfter, "`age` at which a ticket turns red")
	fs.Func("allow-origin", "let pages from this `host` pattern (e.g. pos.example.com, *.example.com, localhost:3000) embed the rail; repeatable",
		func(v string) error {
			if _, err := path.Match(v, ""); err != nil || strings.TrimSpace(v) == "" {
				return fmt.Errorf("bad host pattern %q", v)
			}
			c.origins = append(c.origins, v)
			return nil
		})
	fs.IntVar(&c.screenCap, "max-screens", handlers.DefaultMaxScreens, "most `sockets` (screens) open at once; negative: no cap")
	c.db = DefaultDB
	if v := getenv("RAIL_DB"); v != "" {
		c.db = v
	}
	fs.StringVar(&c.db, "db", c.db, "where orders are kept (default $RAIL_DB, else "+DefaultDB+"): an SQLite `file` (:memory: keeps nothing), or a postgres://user@host:port/db URL that several instances share")
	fs.StringVar(&c.apiToken, "api-token", getenv("RAIL_API_TOKEN"),
		"bearer `token` the order API requires (default $RAIL_API_TOKEN); without one the API answers this machine only")
	c.pairing = handlers.PairRemote
	fs.Func("pairing", "which browsers pair before they see the rail: `mode` remote (other devices; the default), all (this machine too) or off (none)",
		func(v string) error {
			if p := handlers.Pairing(v); p.Valid() {
				c.pairing = p
				return nil
			}
			return fmt.Errorf("must be remote, all or off, got %q", v)
		})
	fs.Func("host", "also answer to this host `name` (besides this machine's names and addresses and localhost); repeatable",
		func(v string) error {
			if v = strings.TrimSpace(v); v == "" || strings.ContainsAny(v, "/ ") {
				return fmt.Errorf("bad host name %q", v)
			}
			c.hosts = append(c.hosts, v)
			return nil
		})
	fs.DurationVar(&c.unseenAfter, "unseen-after", handlers.DefaultUnseenAfter,
		"`time` a screen may take to show what it was sent, or a station with open tickets may go without a screen, before the expo raises the alarm (0: no alarms)")
	fs.StringVar(&c.instance, "instance", "", "`name` of this instance on the fleet page; instances sharing a database need names of their own (default: the host's name and the port)")
	fs.StringVar(&c.metricsAddr, "metrics-addr", "", "serve /metrics on this `address` of its own, to anyone who reaches it, instead of on the main listener to the API's callers")
	if err := fs.Parse(args[1:]); err != nil {
		return c, err
	}
	if c.unseenAfter < 0 {
		return c, fmt.Errorf("-unseen-after must not be negative, got %v", c.unseenAfter)
	}
	if c.warnAfter <= 0 || c.lateAfter <= c.warnAfter {
		return c, fmt.Errorf("-warn-after (%v) must be positive and less than -late-after (%v)", c.warnAfter, c.lateAfter)
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if c.demoEvery <= 0 {
		return c, fmt.Errorf("-demo-every must be positive, got %v", c.demoEvery)
	}
	if c.demoMax < 0 || c.demoCount < 0 {
		return c, errors.New("-demo-max and -demo-orders must not be negative")
	}
	return c, nil
}

// run starts the server and blocks until ctx is done or a signal arrives.
// getenv reads RAIL_LOG_LEVEL (debug, info, warn or error; default info),
// RAIL_API_TOKEN (the default of -api-token) and RAIL_DB (the default of
// -db).
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	cfg, err := parseFlags(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	var level slog.Level
	if v := getenv("RAIL_LOG_LEVEL"); v != "" {
		if err := level.UnmarshalText([]byte(v)); err != nil {
			return fmt.Errorf("RAIL_LOG_LEVEL: %w", err)
		}
	}
	logHandler := slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})
	log := slog.New(logHandler)

	store, err := openStore(ctx, cfg.db)
	if err != nil {
		return err
	}
	defer store.Close()
	reg, observeStore := newRegistry()
	board, err := orders.OpenBoard(ctx, store, orders.BoardConfig{Logger: log, ObserveStore: observeStore})
	if err != nil {
		return err
	}
	unseenAfter := cfg.unseenAfter
	if unseenAfter == 0 {
		unseenAfter = -1 // off
	}
	log.Info("orders loaded", "db", redactDB(cfg.db), "open", len(board.Open()), "version", board.Version())
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer ln.Close() // Serve closes it too; this covers the errors before
	instance := cfg.instance
	if instance == "" {
		instance = defaultInstance(ln.Addr())
	}
	h := handlers.New(handlers.Options{
		Board: board, Logger: log, Store: cfg.store, APIToken: cfg.apiToken,
		WarnAfter: cfg.warnAfter, LateAfter: cfg.lateAfter, OriginPatterns: cfg.origins,
		Limits:  handlers.Limits{MaxScreens: cfg.screenCap},
		Pairing: cfg.pairing, Hosts: cfg.hosts,
		UnseenAfter: unseenAfter, Metrics: reg, Instance: instance,
	})
	metrics := metricsHandler(reg, log)
	var served http.Handler = withMetrics(h, metrics)
	if cfg.metricsAddr != "" {
		msrv, addr, err := serveMetrics(cfg.metricsAddr, metrics, log)
		if err != nil {
			return err
		}
		defer msrv.Close()
		log.Info("metrics on their own listener", "url", baseURL(addr)+"/metrics")
		served = h
	}
	if cfg.pairing == handlers.PairOff {
		log.Warn("pairing is off: anyone who reaches this server can see and change the rail")
	}

	var fresh freshConns
	srv := newServer(served, logHandler, fresh.track)
	// Shutdown closes listeners before it calls this.
	srv.RegisterOnShutdown(fresh.close)
	serving := make(chan error, 1)
	go func() { serving <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "listening on %s\n", baseURL(ln.Addr()))

	var background sync.WaitGroup
	demoCtx, stopDemo := context.WithCancel(ctx)
	defer stopDemo()
	// The header's clock and the recall list's expiry move with a tick a
	// second; tickets' ages run in the page and need none.
	background.Go(func() { board.Ticker(demoCtx, time.Second) })
	// On a database that other instances share, the board follows
	// their changes too; on a file of its own, this returns at once.
	background.Go(func() { board.Follow(demoCtx) })
	if cfg.demo {
		gen := orders.NewGenerator(rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())))
		demo := orders.DemoConfig{Every: cfg.demoEvery, MaxOpen: cfg.demoMax, Orders: cfg.demoCount}
		background.Go(func() { runDemo(demoCtx, board, store, gen, demo, log) })
		log.Info("demo orders on", "every", cfg.demoEvery)
	}

	select {
	case err := <-serving:
		stopDemo()
		background.Wait()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	stop() // a second Ctrl-C now ends the process at once
	log.Info("shutting down")
	stopDemo()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	var closeErr error
	background.Go(func() { closeErr = h.Close(sctx) })
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("closing connections that are still open", "err", err)
		srv.Close()
	}
	background.Wait()
	if closeErr != nil {
		log.Warn("sockets closed without handshake", "err", closeErr)
	}
	log.Info("stopped")
	return nil
}

// defaultInstance is the instance's name unless -instance says: the
// host's name and the port it listens on.
func defaultInstance(addr net.Addr) string {
	host, err := os.Hostname()
	if err != nil {
		host = "localhost"
	}
	_, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return host
	}
	return net.JoinHostPort(host, port)
}

// baseURL is the URL at which a listener on addr is reached: an unspecified
// host (":8080", "0.0.0.0", "::") is shown as localhost.
func baseURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return "http://" + net.JoinHostPort(strings.Trim(host, "[]"), port)
}

// freshConns tracks connections that have not sent a request yet. Browsers
// open such spare connections ahead of need, and http.Server.Shutdown waits
// up to 5 s for each before it counts it idle; closing them at shutdown
// loses nothing, as no request has begun on them.
type freshConns struct {
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func (f *freshConns) track(c net.Conn, state http.ConnState) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if state == http.StateNew {
		if f.conns == nil {
			f.conns = make(map[net.Conn]struct{})
		}
		f.conns[c] = struct{}{}
		return
	}
	delete(f.conns, c)
}

func (f *freshConns) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for c := range f.conns {
		c.Close()
	}
}
