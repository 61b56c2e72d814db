// Command railload puts a kitchen rail (cmd/web) under load: it opens many
// WebSocket screens, places orders through the order API and measures how
// long each order takes to reach every screen.
//
// Usage:
//
//	railload [-url http://127.0.0.1:8080] [-screens 1] [-stations expo] [-orders 10] [-every 100ms]
//	         [-wait 10s] [-timeout 2m] [-pid PID] [-token T] [-workers 0] [-inproc] [-spread=true]
//
// It opens -screens sockets to URL/ws (compression off; with -stations,
// screen i shows the i-th view of the list, round robin), reads every
// message on each, and once every screen has its snapshot places -orders
// orders with POST URL/api/orders, one every -every without waiting for
// the 201 of the one before (at most 64 awaited at once). For each order and
// screen it measures the delay from the order's 201 to the first message
// on that screen holding id="ticket-ID" (0 when the message came before
// the 201, which the server may send first; "before the 201" counts them),
// and also from the moment the POST was sent. A screen without the
// ticket -wait after the last order counts as a missing delivery. It
// prints the screens connected and failed, snapshots, orders and how long
// each took to its 201, messages, missing deliveries, the p50/p90/p99/max
// delivery latencies, per delivery and per order to the last screen that
// got it, and the load's own CPU time. With -pid it adds the server's
// resident memory (VmRSS and VmHWM from /proc/PID/status) before
// connecting, once connected and at the end, with the growth per screen,
// and, for the measured phase (from the first POST until every screen has
// every order), the server's CPU time (/proc/PID/stat) per 1,000
// deliveries and its write system calls (/proc/PID/io) per delivery.
//
// A run with -screens 1 is the baseline the larger runs compare with.
//
// With -compare it runs the rail and two baseline servers in turn, each in
// a process of its own, and prints their figures side by side with the
// ratios between them:
//
//	railload -compare [-screens 1000,10000] [-orders 100] [-every 100ms] [-web PATH]
//
// (see compareFlag). railload -serve hub|raw is one of those baselines.
//
// With -instances it runs the rail as several instances on one PostgreSQL
// database, the screens spread over them and the orders sent to each in
// turn, each time after one instance on SQLite, and prints the figures
// and their ratios to SQLite's:
//
//	railload -instances 1,2,3 [-screens 300] [-orders 100] [-every 100ms] [-web PATH] [-pg URL]
//
// (see instancesFlag).
//
// It only ever sends traffic to the host of -url, which must be this
// machine (127.0.0.0/8, ::1 or localhost). Screens are split over child
// processes of itself (at most 4000 screens each, as a process's hard limit
// on open files is often 20,000 or less), each raising its soft open-file limit
// to the hard one; against an IPv4 loopback server their connections come
// from 127.0.0.2, 127.0.0.3, ... (1000 screens per address) so that no
// source address runs out of ephemeral ports. -inproc runs the workers as
// goroutines of this process instead (at most 4000 screens in all).
//
// The run stops by itself after -timeout. It closes every socket with 1000
// and waits for its workers. It exits with status 1 on a failure of the
// tool or the run (bad flags, a worker that died, no order placed, the
// timeout); failed connections and missing deliveries are results, printed
// but not failures.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	if err := run(context.Background(), os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "railload:", err)
		os.Exit(1)
	}
}

// workerFlag, as the first argument, makes the process a worker: it reads
// its config and commands as JSON lines on stdin and writes its reports
// on stdout. It is not meant to be typed.
const workerFlag = "-worker"

// Bounds of a run.
const (
	maxScreens = 50000
	maxOrders  = 100000
	// orderTimeout bounds one POST of an order.
	orderTimeout = 10 * time.Second
	// maxInFlight bounds the orders whose 201 is awaited: beyond it the
	// next order waits.
	maxInFlight = 64
	// closeGrace is how long workers have to close their sockets and exit
	// once told to, beyond which they are killed.
	closeGrace = 20 * time.Second
	// expo is the view of every ticket (no ?station=).
	expo = "expo"
)

// stationItems is the item placed for each view, so that every view in
// the run shows every order.
var stationItems = map[string]string{"grill": "Hamburger", "fry": "French Fries", "shake": "Chocolate Shake"}

// config is what the command line says.
type config struct {
	url      string
	screens  int
	views    []string
	orders   int
	every    time.Duration
	wait     time.Duration
	timeout  time.Duration
	pid      int
	token    string
	workers  int
	inproc   bool
	spread   bool
	parallel int
	// pin, when set, is the command that starts worker processes on the
	// load's own cores ("taskset -c 1"): the program and its arguments
	// come after it.
	pin []string
	// others are the URLs of the other instances of a rail that several
	// serve (see -instances): worker i connects to the i-th of url and
	// these, in turn, and the orders go to each in turn.
	others []string
	// morePIDs are the other instances' processes, whose memory, CPU time
	// and writes count with pid's.
	morePIDs []int
	// dbPID, when set, is the database server's main process: the CPU
	// time of it and its children is measured apart (see clusterCPU).
	dbPID int
	// acks: the screens ack what they are sent, as the rail's pages do.
	acks bool
}

// urls are the URLs of every instance the run loads: url, then others.
func (c config) urls() []string { return append([]string{c.url}, c.others...) }

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	var stations string
	fs.StringVar(&c.url, "url", "http://127.0.0.1:8080", "the rail's base `URL`; its host must be this machine (127.0.0.0/8, ::1, localhost)")
	fs.IntVar(&c.screens, "screens", 1, "number of WebSocket screens to open (1 gives the baseline)")
	fs.StringVar(&stations, "stations", expo, "comma-separated `views` the screens take in turn: expo, grill, fry, shake")
	fs.IntVar(&c.orders, "orders", 10, "number of orders to place once every screen has its snapshot")
	fs.DurationVar(&c.every, "every", 100*time.Millisecond, "`interval` between orders")
	fs.DurationVar(&c.wait, "wait", 10*time.Second, "how long to wait for snapshots, and for deliveries after the last order")
	fs.DurationVar(&c.timeout, "timeout", 2*time.Minute, "the whole run stops after this `duration`")
	fs.IntVar(&c.pid, "pid", 0, "the server's process `id`, to report its resident memory")
	fs.StringVar(&c.token, "token", getenv("RAIL_API_TOKEN"), "bearer `token` for the order API (default $RAIL_API_TOKEN; not needed on loopback without one)")
	fs.IntVar(&c.workers, "workers", 0, fmt.Sprintf("number of worker processes (0: one per %d screens)", maxScreensPerWorker))
	fs.BoolVar(&c.inproc, "inproc", false, fmt.Sprintf("run the workers in this process (at most %d screens)", maxScreensPerWorker))
	fs.BoolVar(&c.spread, "spread", true, "spread connections over source addresses 127.0.0.2, 127.0.0.3, ... (IPv4 loopback servers)")
	fs.IntVar(&c.parallel, "dial-parallel", 64, "connections each worker opens at once")
	fs.BoolVar(&c.acks, "acks", true, "screens ask to be held to their receipts and ack every message, as the rail's pages do")
	if err := fs.Parse(args[1:]); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	for v := range strings.SplitSeq(stations, ",") {
		v = strings.TrimSpace(v)
		if _, ok := stationItems[v]; !ok && v != expo {
			return c, fmt.Errorf("-stations: unknown view %q (expo, grill, fry or shake)", v)
		}
		c.views = append(c.views, v)
	}
	switch {
	case c.screens < 1 || c.screens > maxScreens:
		return c, fmt.Errorf("-screens must be 1 to %d, got %d", maxScreens, c.screens)
	case c.orders < 0 || c.orders > maxOrders:
		return c, fmt.Errorf("-orders must be 0 to %d, got %d", maxOrders, c.orders)
	case c.pid < 0:
		return c, fmt.Errorf("-pid must be a process id, got %d", c.pid)
	case c.workers < 0 || c.workers > c.screens:
		return c, fmt.Errorf("-workers must be 0 to -screens (%d), got %d", c.screens, c.workers)
	case c.inproc && c.screens > maxScreensPerWorker:
		return c, fmt.Errorf("-inproc runs at most %d screens in one process", maxScreensPerWorker)
	}
	if err := checkPace(c.every, c.wait, c.timeout, c.parallel); err != nil {
		return c, err
	}
	if c.workers == 0 {
		c.workers = (c.screens + maxScreensPerWorker - 1) / maxScreensPerWorker
	}
	if per := (c.screens + c.workers - 1) / c.workers; per > maxScreensPerWorker {
		return c, fmt.Errorf("-workers %d gives %d screens per worker, more than %d", c.workers, per, maxScreensPerWorker)
	}
	return c, nil
}

// run is the whole command; with workerFlag first it is a worker.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Workers' and servers' stderr is copied here while the run writes
	// its own progress.
	stderr = &lockedWriter{w: stderr}
	if err := raiseFileLimit(); err != nil {
		return err
	}
	if len(args) > 1 && args[1] == workerFlag {
		if err := work(ctx, os.Stdin, stdout); err != nil {
			return fmt.Errorf("worker: %w", err)
		}
		return nil
	}
	if len(args) > 1 && args[1] == serveFlag {
		return serve(ctx, args, stdout, stderr)
	}
	if isCompare(args) {
		return compare(ctx, args, stdout, stderr)
	}
	if isInstances(args) {
		return instances(ctx, args, stdout, stderr)
	}
	if isAcksCompare(args) {
		return acksCompare(ctx, args, stdout, stderr)
	}
	cfg, err := parseFlags(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	t, err := newTarget(ctx, cfg.url)
	if err != nil {
		return err
	}
	var sum summary
	sum.cfg = cfg
	if cfg.pid > 0 {
		if sum.srvBefore, err = sampleProc(cfg.pid); err != nil {
			return err
		}
	}
	err = load(ctx, cfg, t, stderr, &sum)
	sum.print(stdout)
	return err
}

// checkPace checks the flags of a run's pace: -every, -wait, -timeout and
// -dial-parallel.
func checkPace(every, wait, timeout time.Duration, parallel int) error {
	switch {
	case every < time.Millisecond:
		return fmt.Errorf("-every must be at least 1ms, got %v", every)
	case wait <= 0 || timeout <= 0:
		return errors.New("-wait and -timeout must be positive")
	case parallel < 1 || parallel > 1000:
		return fmt.Errorf("-dial-parallel must be 1 to 1000, got %d", parallel)
	}
	return nil
}

// lockedWriter serializes writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// load runs the workers, places the orders and fills sum.
func load(ctx context.Context, cfg config, t *target, logw io.Writer, sum *summary) (err error) {
	start := time.Now()
	deadline := start.Add(cfg.timeout)
	ctx, cancel := context.WithDeadlineCause(ctx, deadline, fmt.Errorf("the run took longer than -timeout %v", cfg.timeout))
	defer cancel()

	urls := cfg.urls()
	targets := []*target{t}
	for _, u := range cfg.others {
		o, err := newTarget(ctx, u)
		if err != nil {
			return err
		}
		targets = append(targets, o)
	}
	workers := make([]*workerProc, 0, cfg.workers)
	defer func() {
		if werr := stopWorkers(workers); err == nil {
			err = werr
		}
	}()
	for i := range cfg.workers {
		first, last := i*cfg.screens/cfg.workers, (i+1)*cfg.screens/cfg.workers
		wc := workerConfig{URL: urls[i%len(urls)], First: first, Screens: last - first, Views: cfg.views,
			Spread: cfg.spread, Parallel: cfg.parallel, Wait: cfg.wait, Deadline: deadline, Acks: cfg.acks}
		w, err := startWorker(ctx, i, cfg, wc, deadline.Add(closeGrace), logw)
		if err != nil {
			return err
		}
		workers = append(workers, w)
	}
	to := t.wsURL(expo, false)
	if len(cfg.others) > 0 {
		to = fmt.Sprintf("%d instances (%s)", len(urls), strings.Join(urls, " "))
	}
	fmt.Fprintf(logw, "railload: connecting %d screens (%s) to %s with %d worker(s)\n",
		cfg.screens, strings.Join(cfg.views, ","), to, len(workers))

	for _, w := range workers {
		r, err := w.next(ctx, kindReady)
		if err != nil {
			return err
		}
		sum.connected += r.Connected
		sum.failed += r.Failed
		sum.snapshots += r.Snapshots
		if sum.firstError == "" {
			sum.firstError = r.FirstError
		}
	}
	sum.connectTime = time.Since(start)
	fmt.Fprintf(logw, "railload: %d connected, %d failed, %d snapshots in %v\n",
		sum.connected, sum.failed, sum.snapshots, sum.connectTime.Round(time.Millisecond))
	if sum.connected == 0 {
		return fmt.Errorf("no screen connected: %s", sum.firstError)
	}

	// The measured phase: from the first order until every screen has
	// every order (or the wait is over).
	sum.machineReady = machineCPU()
	if err := sum.sample(workers, &sum.srvReady, &sum.loadReady, &sum.dbReady); err != nil {
		return err
	}
	phase := time.Now()
	if err := placeOrders(ctx, cfg, targets, workers, logw, sum); err != nil {
		return err
	}
	for _, w := range workers {
		w.send(command{Kind: kindDone})
	}
	for _, w := range workers {
		if _, err := w.next(ctx, kindDelivered); err != nil {
			return err
		}
	}
	sum.phase = time.Since(phase)
	if err := sum.sample(workers, &sum.srvEnd, &sum.loadEnd, &sum.dbEnd); err != nil {
		return err
	}
	sum.machineEnd = machineCPU()

	var lat, fromPost []int64
	sum.lastSeen = make(map[int64]int64, len(sum.orders))
	incomplete := map[int64]bool{}
	for _, w := range workers {
		r, err := w.next(ctx, kindResult)
		if err != nil {
			return err
		}
		sum.messages += r.Messages
		sum.bytes += r.Bytes
		sum.missing += r.Missing
		sum.early += r.Early
		sum.lost += r.Lost
		lat = append(lat, r.Latencies...)
		fromPost = append(fromPost, r.FromPost...)
		for _, o := range sum.orders {
			if r.Connected == 0 {
				break
			}
			at, ok := r.Last[o.id]
			if !ok || at == 0 {
				incomplete[o.id] = true
			}
			sum.lastSeen[o.id] = max(sum.lastSeen[o.id], at)
		}
	}
	slices.Sort(lat)
	slices.Sort(fromPost)
	sum.latencies, sum.fromPost = lat, fromPost
	for _, o := range sum.orders {
		sum.api = append(sum.api, (o.at-o.sent)/int64(time.Microsecond))
		if !incomplete[o.id] {
			sum.toLast = append(sum.toLast, max(sum.lastSeen[o.id]-o.sent, 0)/int64(time.Microsecond))
		}
	}
	slices.Sort(sum.api)
	slices.Sort(sum.toLast)
	sum.done = true
	if sum.placed == 0 && cfg.orders > 0 {
		return fmt.Errorf("no order was placed: %s", sum.orderError)
	}
	return nil
}

// placeOrders places cfg.orders orders, one every cfg.every whether or not
// the ones before have their 201 yet (at most maxInFlight at once), to each
// of targets in turn, and tells every worker each order's id and when its
// 201 arrived.
func placeOrders(ctx context.Context, cfg config, targets []*target, workers []*workerProc, logw io.Writer, sum *summary) error {
	clients := make([]*http.Client, len(targets))
	for i, t := range targets {
		clients[i] = t.client(t.sourceAddr(0, false))
		defer clients[i].CloseIdleConnections()
	}
	runID := strconv.FormatInt(time.Now().UnixNano(), 36)
	fmt.Fprintf(logw, "railload: placing %d orders, one every %v (run %s)\n", cfg.orders, cfg.every, runID)
	tick := time.NewTicker(cfg.every)
	defer tick.Stop()
	var (
		mu       sync.Mutex
		inFlight sync.WaitGroup
		sem      = make(chan struct{}, maxInFlight)
	)
	defer inFlight.Wait()
	for n := range cfg.orders {
		if n > 0 {
			select {
			case <-tick.C:
			case <-ctx.Done():
				return fmt.Errorf("placing orders: %w", context.Cause(ctx))
			}
		}
		body, err := orderBody(cfg.views, runID, n+1)
		if err != nil {
			return err
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return fmt.Errorf("placing orders: %w", context.Cause(ctx))
		}
		sent := time.Now()
		if n == 0 {
			sum.firstSent = sent
		}
		sum.lastSent = sent
		inFlight.Go(func() {
			defer func() { <-sem }()
			t := n % len(targets)
			id, at, err := placeOrder(ctx, clients[t], targets[t].ordersURL(), cfg.token, body)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				sum.orderFailed++
				if sum.orderError == "" {
					sum.orderError = err.Error()
				}
				return
			}
			sum.placed++
			sum.orders = append(sum.orders, placed{id: id, sent: sent.UnixNano(), at: at.UnixNano()})
			for _, w := range workers {
				w.send(command{Kind: kindOrder, ID: id, Sent: sent.UnixNano(), At: at.UnixNano()})
			}
		})
	}
	return nil
}

// orderBody is the JSON of order n of run runID: a takeout order with one
// item for each station among views (a grill item when there is none).
func orderBody(views []string, runID string, n int) ([]byte, error) {
	var items []map[string]string
	for _, v := range views {
		if name, ok := stationItems[v]; ok && !slices.ContainsFunc(items, func(m map[string]string) bool { return m["station"] == v }) {
			items = append(items, map[string]string{"name": name, "station": v})
		}
	}
	if len(items) == 0 {
		items = append(items, map[string]string{"name": stationItems["grill"], "station": "grill"})
	}
	body, err := json.Marshal(map[string]any{
		"destination": "takeout", "items": items, "source_id": fmt.Sprintf("load-%s-%d", runID, n),
	})
	if err != nil {
		return nil, fmt.Errorf("encode order: %w", err)
	}
	return body, nil
}

// placeOrder posts one order and returns its id and when the 201 arrived.
func placeOrder(ctx context.Context, client *http.Client, url, token string, body []byte) (int64, time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, orderTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("order request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("place order: %w", err)
	}
	at := time.Now()
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("read order response: %w", err)
	}
	if resp.StatusCode != http.StatusCreated {
		return 0, time.Time{}, fmt.Errorf("place order: %s: %s", resp.Status, bytes.TrimSpace(data))
	}
	var o struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(data, &o); err != nil || o.ID <= 0 {
		return 0, time.Time{}, fmt.Errorf("order response without an id: %q", data)
	}
	return o.ID, at, nil
}

// workerProc is the parent's end of one worker, a child process or a
// goroutine.
type workerProc struct {
	n       int
	pid     int      // the child process, or 0 for a goroutine
	cmds    chan any // config, then commands; closing it closes the worker's input
	reports chan report
	done    chan struct{} // closed once the worker has ended
	err     error         // why it ended, set before done closes
	kill    func()
}

// startWorker starts worker n of cfg with its config; it can take up to
// cfg.orders commands besides "done" and "close".
func startWorker(ctx context.Context, n int, cfg config, wc workerConfig, killAt time.Time, logw io.Writer) (*workerProc, error) {
	w := &workerProc{n: n, cmds: make(chan any, cfg.orders+3), reports: make(chan report, reportsPerRun), done: make(chan struct{})}
	w.cmds <- wc
	var (
		in      io.WriteCloser
		out     io.Reader
		readEnd = make(chan struct{})
	)
	if cfg.inproc {
		inR, inW := io.Pipe()
		outR, outW := io.Pipe()
		in, out = inW, outR
		wctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), killAt)
		w.kill = cancel
		go func() {
			err := work(wctx, inR, outW)
			cancel()
			outW.Close()
			inR.CloseWithError(errors.New("worker ended"))
			<-readEnd
			w.err = err
			close(w.done)
		}()
	} else {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("find this program to start worker %d: %w", n, err)
		}
		wctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), killAt)
		argv := append(slices.Clip(cfg.pin), exe, workerFlag)
		cmd := exec.CommandContext(wctx, argv[0], argv[1:]...)
		cmd.Stderr = logw
		cmd.WaitDelay = 5 * time.Second
		if in, err = cmd.StdinPipe(); err != nil {
			cancel()
			return nil, fmt.Errorf("worker %d stdin: %w", n, err)
		}
		if out, err = cmd.StdoutPipe(); err != nil {
			cancel()
			return nil, fmt.Errorf("worker %d stdout: %w", n, err)
		}
		if err := cmd.Start(); err != nil {
			cancel()
			return nil, fmt.Errorf("start worker %d: %w", n, err)
		}
		w.kill = cancel
		w.pid = cmd.Process.Pid
		go func() {
			<-readEnd // Wait closes stdout: read it all first
			err := cmd.Wait()
			cancel()
			w.err = err
			close(w.done)
		}()
	}
	go func() {
		enc := json.NewEncoder(in)
		ok := true
		for c := range w.cmds {
			if ok && enc.Encode(c) != nil {
				ok = false // the worker has ended; its error says why
			}
		}
		in.Close()
	}()
	go func() {
		defer close(readEnd)
		defer close(w.reports)
		dec := json.NewDecoder(out)
		for range reportsPerRun {
			var r report
			if err := dec.Decode(&r); err != nil {
				return
			}
			w.reports <- r
		}
		io.Copy(io.Discard, out)
	}()
	return w, nil
}

// send queues a command; the queue holds every command a run sends.
func (w *workerProc) send(c command) {
	select {
	case w.cmds <- c:
	default:
	}
}

// next waits for the worker's next report, which must be of kind.
func (w *workerProc) next(ctx context.Context, kind string) (report, error) {
	select {
	case r, ok := <-w.reports:
		if !ok {
			select {
			case <-w.done:
				return r, fmt.Errorf("worker %d ended before its %q report: %v", w.n, kind, w.err)
			case <-time.After(closeGrace):
				return r, fmt.Errorf("worker %d closed its output before its %q report", w.n, kind)
			}
		}
		if r.Kind != kind {
			return r, fmt.Errorf("worker %d: got report %q, want %q", w.n, r.Kind, kind)
		}
		return r, nil
	case <-ctx.Done():
		return report{}, fmt.Errorf("waiting for worker %d's %q report: %w", w.n, kind, context.Cause(ctx))
	}
}

// stopWorkers tells every worker to close its sockets and waits for all,
// killing any that is not done within closeGrace.
func stopWorkers(workers []*workerProc) error {
	for _, w := range workers {
		w.send(command{Kind: kindClose})
		close(w.cmds)
	}
	timer := time.NewTimer(closeGrace)
	defer timer.Stop()
	var errs []error
	expired := false
	for _, w := range workers {
		if !expired {
			select {
			case <-w.done:
			case <-timer.C:
				expired = true
			}
		}
		if expired {
			w.kill()
			<-w.done
		}
		if w.err != nil {
			errs = append(errs, fmt.Errorf("worker %d: %w", w.n, w.err))
		}
		w.kill()
	}
	return errors.Join(errs...)
}

// summary is what a run found.
type summary struct {
	cfg         config
	connected   int
	failed      int
	snapshots   int
	firstError  string
	connectTime time.Duration

	placed      int
	orderFailed int
	orderError  string
	orders      []placed
	// firstSent and lastSent are when the first and the last POST went.
	firstSent, lastSent time.Time
	done                bool // every worker reported its result

	messages  int64
	bytes     int64
	missing   int
	early     int
	lost      int
	latencies []int64 // from the 201, sorted, microseconds
	fromPost  []int64 // from sending the POST, sorted, microseconds
	// lastSeen is, per order, when the last screen that got it got it.
	lastSeen map[int64]int64
	toLast   []int64 // per order that reached every screen, from the POST to the last screen, sorted, microseconds
	api      []int64 // per order, from sending the POST to its 201, sorted, microseconds

	// The server's process before connecting, once every screen is
	// connected (the start of the measured phase) and at its end; the
	// load's own CPU time (this process and its workers) at those moments.
	srvBefore, srvReady, srvEnd procSample
	loadReady, loadEnd          time.Duration
	// dbReady and dbEnd are the database server's CPU time, with dbPID.
	dbReady, dbEnd time.Duration
	// machineReady and machineEnd are the whole machine's busy CPU time.
	machineReady, machineEnd time.Duration
	phase                    time.Duration // from the first POST to the last delivery
}

// placed is one order that was placed: its id and the Unix times in
// nanoseconds at which its POST was sent and its 201 arrived.
type placed struct {
	id, sent, at int64
}

// sample reads the server's processes, when the config names them, into
// srv, the CPU time of this process and its worker processes into load,
// and the database server's, when the config names it, into db.
func (s *summary) sample(workers []*workerProc, srv *procSample, load, db *time.Duration) error {
	if s.cfg.pid > 0 {
		p, err := sampleProcs(s.cfg.pid, s.cfg.morePIDs)
		if err != nil {
			return err
		}
		*srv = p
	}
	if s.cfg.dbPID > 0 {
		cpu, err := clusterCPU(s.cfg.dbPID)
		if err != nil {
			return err
		}
		*db = cpu
	}
	*load, _ = processCPU(os.Getpid())
	for _, w := range workers {
		if w.pid > 0 {
			cpu, _ := processCPU(w.pid)
			*load += cpu
		}
	}
	return nil
}

// metrics are the figures of a run that runs are compared by.
type metrics struct {
	deliveries   int
	missing      int
	complete     int // orders that reached every screen
	orders       int // placed
	ordersFailed int

	// Server CPU time in the measured phase, per 1,000 deliveries, and
	// as a share of one core; the load's share of its cores. The
	// database server's (with dbPID) are apart.
	cpuPer1k, dbPer1k    time.Duration
	serverShare, dbShare float64
	loadShare            float64
	toLast, delivery     [2]time.Duration // p50, p99 from the POST
	api                  [2]time.Duration // p50, p99 to the 201
	// Server memory: growth per connected screen before any order, and
	// resident and peak at the end.
	idlePerScreen float64 // bytes
	rssEnd, peak  int64
	// writesPerDelivery is the server's write system calls in the phase
	// per delivery, or -1.
	writesPerDelivery float64
	msgsPerScreen     float64
	bytesPerScreen    float64
	// orderRate is the POSTs sent per second; lost counts the screens
	// whose socket ended before the close.
	orderRate float64
	lost      int
	// otherShare is the CPU the rest of the machine (other processes,
	// the hypervisor) used in the phase, as a share of one core; with
	// -pid only.
	otherShare float64
}

// metrics computes the run's figures; those that need the server's pid
// are zero without one.
func (s *summary) metrics() metrics {
	m := metrics{deliveries: len(s.latencies), missing: s.missing, complete: len(s.toLast), orders: s.placed, ordersFailed: s.orderFailed, writesPerDelivery: -1, lost: s.lost}
	if d := s.lastSent.Sub(s.firstSent); d > 0 {
		m.orderRate = float64(s.placed+s.orderFailed-1) / d.Seconds()
	}
	if len(s.toLast) > 0 {
		m.toLast = [2]time.Duration{percentile(s.toLast, 0.50), percentile(s.toLast, 0.99)}
	}
	if len(s.fromPost) > 0 {
		m.delivery = [2]time.Duration{percentile(s.fromPost, 0.50), percentile(s.fromPost, 0.99)}
	}
	if len(s.api) > 0 {
		m.api = [2]time.Duration{percentile(s.api, 0.50), percentile(s.api, 0.99)}
	}
	if s.connected > 0 {
		m.msgsPerScreen = float64(s.messages) / float64(s.connected)
		m.bytesPerScreen = float64(s.bytes) / float64(s.connected)
	}
	if s.phase > 0 {
		m.loadShare = float64(s.loadEnd-s.loadReady) / float64(s.phase)
	}
	if s.cfg.pid == 0 || s.srvEnd.rss == 0 {
		return m
	}
	cpu := s.srvEnd.cpu - s.srvReady.cpu
	db := s.dbEnd - s.dbReady
	if m.deliveries > 0 {
		m.cpuPer1k = cpu * 1000 / time.Duration(m.deliveries)
		m.dbPer1k = db * 1000 / time.Duration(m.deliveries)
		if s.srvEnd.writes >= 0 && s.srvReady.writes >= 0 {
			m.writesPerDelivery = float64(s.srvEnd.writes-s.srvReady.writes) / float64(m.deliveries)
		}
	}
	if s.phase > 0 {
		m.serverShare = float64(cpu) / float64(s.phase)
		m.dbShare = float64(db) / float64(s.phase)
		if s.machineEnd > 0 && s.machineReady > 0 {
			other := s.machineEnd - s.machineReady - cpu - db - (s.loadEnd - s.loadReady)
			// /proc counts in ticks of 10 ms: a short phase can seem
			// to hold more than the machine has.
			m.otherShare = min(max(float64(other), 0)/float64(s.phase), float64(runtime.NumCPU()))
		}
	}
	if s.connected > 0 {
		m.idlePerScreen = float64(s.srvReady.rss-s.srvBefore.rss) / float64(s.connected)
	}
	m.rssEnd, m.peak = s.srvEnd.rss, s.srvEnd.peak
	return m
}

// print writes the summary as "name: value" lines.
func (s *summary) print(w io.Writer) {
	var b strings.Builder
	line := func(name, format string, args ...any) {
		fmt.Fprintf(&b, "%-25s "+format+"\n", append([]any{name + ":"}, args...)...)
	}
	m := s.metrics()
	line("url", "%s", strings.Join(s.cfg.urls(), " "))
	line("screens", "%d (%s; %d worker(s))", s.cfg.screens, strings.Join(s.cfg.views, ","), s.cfg.workers)
	line("screens connected", "%d", s.connected)
	line("failed connections", "%d", s.failed)
	if s.firstError != "" {
		line("first failure", "%s", s.firstError)
	}
	line("snapshots received", "%d", s.snapshots)
	line("connect time", "%v", s.connectTime.Round(time.Millisecond))
	line("orders placed", "%d", s.placed)
	line("orders failed", "%d", s.orderFailed)
	if s.orderError != "" {
		line("first order failure", "%s", s.orderError)
	}
	if s.placed+s.orderFailed > 1 {
		line("order rate", "%.1f/s (POSTs sent, first to last)", m.orderRate)
	}
	if len(s.api) > 0 {
		line("api latency", "%s (POST to 201)", quantiles(s.api))
	}
	if s.done {
		line("messages received", "%d (%.1f per screen, %.1f KiB per screen)", s.messages, m.msgsPerScreen, m.bytesPerScreen/1024)
		line("deliveries", "%d of %d", len(s.latencies), len(s.latencies)+s.missing)
		line("missing deliveries", "%d", s.missing)
		line("before the 201", "%d", s.early)
		line("screens lost", "%d", s.lost)
		if len(s.latencies) > 0 {
			line("latency from 201", "%s", quantiles(s.latencies))
			line("latency from POST", "%s", quantiles(s.fromPost))
		}
		line("orders on every screen", "%d of %d", len(s.toLast), s.placed)
		if len(s.toLast) > 0 {
			line("latency to last screen", "%s (POST to the last screen, per order)", quantiles(s.toLast))
		}
		line("measured phase", "%v (first POST to last delivery)", s.phase.Round(time.Millisecond))
		line("load cpu", "%v (%.0f%% of one core)", (s.loadEnd - s.loadReady).Round(time.Millisecond), 100*m.loadShare)
	}
	if s.cfg.pid > 0 {
		line("server pid", "%s", pidList(append([]int{s.cfg.pid}, s.cfg.morePIDs...)))
		line("server rss before", "%s", mib(s.srvBefore.rss))
		if s.srvReady.rss > 0 {
			line("server rss connected", "%s", mib(s.srvReady.rss))
			if s.connected > 0 {
				line("rss per screen", "%.1f KiB (connected - before)", m.idlePerScreen/1024)
			}
		}
		if s.srvEnd.rss > 0 {
			line("server rss end", "%s (peak %s)", mib(s.srvEnd.rss), mib(s.srvEnd.peak))
			if s.connected > 0 {
				line("rss per screen end", "%.1f KiB (end - before)", float64(s.srvEnd.rss-s.srvBefore.rss)/1024/float64(s.connected))
			}
			line("server cpu", "%v in the phase (%.0f%% of one core)", (s.srvEnd.cpu - s.srvReady.cpu).Round(time.Millisecond), 100*m.serverShare)
			line("other cpu", "%.0f%% of one core (the rest of the machine in the phase)", 100*m.otherShare)
			if m.deliveries > 0 {
				line("cpu per 1000 deliveries", "%s", millis(m.cpuPer1k))
				if s.cfg.dbPID > 0 {
					line("db cpu per 1000", "%s (database server pid %d and its children)", millis(m.dbPer1k), s.cfg.dbPID)
				}
			}
			if m.writesPerDelivery >= 0 {
				line("writes per delivery", "%.2f (write system calls in the phase / deliveries)", m.writesPerDelivery)
			}
		}
	}
	io.WriteString(w, b.String())
}

// quantiles gives the p50, p90, p99 and max of sorted latencies in
// microseconds.
func quantiles(sorted []int64) string {
	return fmt.Sprintf("p50 %v  p90 %v  p99 %v  max %v", percentile(sorted, 0.50),
		percentile(sorted, 0.90), percentile(sorted, 0.99), micros(sorted[len(sorted)-1]))
}

// percentile is the nearest-rank percentile p of sorted, which is not
// empty.
func percentile(sorted []int64, p float64) time.Duration {
	n := len(sorted)
	i := int(math.Ceil(p*float64(n))) - 1
	return micros(sorted[min(max(i, 0), n-1)])
}

func micros(us int64) time.Duration {
	return (time.Duration(us) * time.Microsecond).Round(10 * time.Microsecond)
}

// millis formats d in milliseconds with two decimals.
func millis(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// pidList is pids separated by commas.
func pidList(pids []int) string {
	s := make([]string, len(pids))
	for i, p := range pids {
		s[i] = strconv.Itoa(p)
	}
	return strings.Join(s, ",")
}
