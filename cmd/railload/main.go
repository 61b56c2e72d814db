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
// orders with POST URL/api/orders, one every -every. For each order and
// screen it measures the delay from the order's 201 to the first message
// on that screen holding id="ticket-ID" (0 when the message came before
// the 201, which the server may send first; "before the 201" counts them),
// and also from the moment the POST was sent. A screen without the
// ticket -wait after the last order counts as a missing delivery. It
// prints the screens connected and failed, snapshots, orders, messages,
// missing deliveries, the p50/p90/p99/max delivery latencies and, with
// -pid, the server's resident memory (VmRSS from /proc/PID/status) before
// connecting, once connected and at the end, with the growth per screen.
//
// A run with -screens 1 is the baseline the larger runs compare with.
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
	"slices"
	"strconv"
	"strings"
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
}

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
	case c.every < time.Millisecond:
		return c, fmt.Errorf("-every must be at least 1ms, got %v", c.every)
	case c.wait <= 0 || c.timeout <= 0:
		return c, errors.New("-wait and -timeout must be positive")
	case c.pid < 0:
		return c, fmt.Errorf("-pid must be a process id, got %d", c.pid)
	case c.parallel < 1 || c.parallel > 1000:
		return c, fmt.Errorf("-dial-parallel must be 1 to 1000, got %d", c.parallel)
	case c.workers < 0 || c.workers > c.screens:
		return c, fmt.Errorf("-workers must be 0 to -screens (%d), got %d", c.screens, c.workers)
	case c.inproc && c.screens > maxScreensPerWorker:
		return c, fmt.Errorf("-inproc runs at most %d screens in one process", maxScreensPerWorker)
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
	if err := raiseFileLimit(); err != nil {
		return err
	}
	if len(args) > 1 && args[1] == workerFlag {
		if err := work(ctx, os.Stdin, stdout); err != nil {
			return fmt.Errorf("worker: %w", err)
		}
		return nil
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
		if sum.rssBefore, _, err = serverMemory(cfg.pid); err != nil {
			return err
		}
	}
	err = load(ctx, cfg, t, stderr, &sum)
	sum.print(stdout)
	return err
}

// load runs the workers, places the orders and fills sum.
func load(ctx context.Context, cfg config, t *target, logw io.Writer, sum *summary) (err error) {
	start := time.Now()
	deadline := start.Add(cfg.timeout)
	ctx, cancel := context.WithDeadlineCause(ctx, deadline, fmt.Errorf("the run took longer than -timeout %v", cfg.timeout))
	defer cancel()

	workers := make([]*workerProc, 0, cfg.workers)
	defer func() {
		if werr := stopWorkers(workers); err == nil {
			err = werr
		}
	}()
	for i := range cfg.workers {
		first, last := i*cfg.screens/cfg.workers, (i+1)*cfg.screens/cfg.workers
		wc := workerConfig{URL: cfg.url, First: first, Screens: last - first, Views: cfg.views,
			Spread: cfg.spread, Parallel: cfg.parallel, Wait: cfg.wait, Deadline: deadline}
		w, err := startWorker(ctx, i, cfg.inproc, wc, cfg.orders, deadline.Add(closeGrace), logw)
		if err != nil {
			return err
		}
		workers = append(workers, w)
	}
	fmt.Fprintf(logw, "railload: connecting %d screens (%s) to %s with %d worker(s)\n",
		cfg.screens, strings.Join(cfg.views, ","), t.wsURL(expo), len(workers))

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
	if cfg.pid > 0 {
		if sum.rssConnected, _, err = serverMemory(cfg.pid); err != nil {
			return err
		}
	}
	if sum.connected == 0 {
		return fmt.Errorf("no screen connected: %s", sum.firstError)
	}

	if err := placeOrders(ctx, cfg, t, workers, logw, sum); err != nil {
		return err
	}
	for _, w := range workers {
		w.send(command{Kind: kindDone})
	}
	var lat, fromPost []int64
	for _, w := range workers {
		r, err := w.next(ctx, kindResult)
		if err != nil {
			return err
		}
		sum.messages += r.Messages
		sum.missing += r.Missing
		sum.early += r.Early
		sum.lost += r.Lost
		lat = append(lat, r.Latencies...)
		fromPost = append(fromPost, r.FromPost...)
	}
	slices.Sort(lat)
	slices.Sort(fromPost)
	sum.latencies, sum.fromPost = lat, fromPost
	sum.done = true
	if cfg.pid > 0 {
		if sum.rssEnd, sum.rssPeak, err = serverMemory(cfg.pid); err != nil {
			return err
		}
	}
	if sum.placed == 0 && cfg.orders > 0 {
		return fmt.Errorf("no order was placed: %s", sum.orderError)
	}
	return nil
}

// placeOrders places cfg.orders orders, one every cfg.every, and tells
// every worker each order's id and when its 201 arrived.
func placeOrders(ctx context.Context, cfg config, t *target, workers []*workerProc, logw io.Writer, sum *summary) error {
	client := t.client(t.sourceAddr(0, false))
	defer client.CloseIdleConnections()
	var items []map[string]string
	for _, v := range cfg.views {
		if name, ok := stationItems[v]; ok && !slices.ContainsFunc(items, func(m map[string]string) bool { return m["station"] == v }) {
			items = append(items, map[string]string{"name": name, "station": v})
		}
	}
	if len(items) == 0 {
		items = append(items, map[string]string{"name": stationItems["grill"], "station": "grill"})
	}
	runID := strconv.FormatInt(time.Now().UnixNano(), 36)
	fmt.Fprintf(logw, "railload: placing %d orders, one every %v (run %s)\n", cfg.orders, cfg.every, runID)
	tick := time.NewTicker(cfg.every)
	defer tick.Stop()
	for n := range cfg.orders {
		if n > 0 {
			select {
			case <-tick.C:
			case <-ctx.Done():
				return fmt.Errorf("placing orders: %w", context.Cause(ctx))
			}
		}
		body, err := json.Marshal(map[string]any{
			"destination": "takeout", "items": items, "source_id": fmt.Sprintf("load-%s-%d", runID, n+1),
		})
		if err != nil {
			return fmt.Errorf("encode order: %w", err)
		}
		sent := time.Now()
		id, at, err := placeOrder(ctx, client, t.ordersURL(), cfg.token, body)
		if err != nil {
			sum.orderFailed++
			if sum.orderError == "" {
				sum.orderError = err.Error()
			}
			continue
		}
		sum.placed++
		for _, w := range workers {
			w.send(command{Kind: kindOrder, ID: id, Sent: sent.UnixNano(), At: at.UnixNano()})
		}
	}
	return nil
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
	cmds    chan any // config, then commands; closing it closes the worker's input
	reports chan report
	done    chan struct{} // closed once the worker has ended
	err     error         // why it ended, set before done closes
	kill    func()
}

// startWorker starts worker n with its config; it can take up to orders
// commands besides "done" and "close".
func startWorker(ctx context.Context, n int, inproc bool, wc workerConfig, orders int, killAt time.Time, logw io.Writer) (*workerProc, error) {
	w := &workerProc{n: n, cmds: make(chan any, orders+3), reports: make(chan report, 2), done: make(chan struct{})}
	w.cmds <- wc
	var (
		in      io.WriteCloser
		out     io.Reader
		readEnd = make(chan struct{})
	)
	if inproc {
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
		cmd := exec.CommandContext(wctx, exe, workerFlag)
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
		for range 2 {
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
	done        bool // every worker reported its result

	messages  int64
	missing   int
	early     int
	lost      int
	latencies []int64 // from the 201, sorted, microseconds
	fromPost  []int64 // from sending the POST, sorted, microseconds

	rssBefore, rssConnected, rssEnd, rssPeak int64
}

// print writes the summary as "name: value" lines.
func (s *summary) print(w io.Writer) {
	var b strings.Builder
	line := func(name, format string, args ...any) {
		fmt.Fprintf(&b, "%-22s "+format+"\n", append([]any{name + ":"}, args...)...)
	}
	line("url", "%s", s.cfg.url)
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
	if s.done {
		line("messages received", "%d", s.messages)
		line("deliveries", "%d of %d", len(s.latencies), len(s.latencies)+s.missing)
		line("missing deliveries", "%d", s.missing)
		line("before the 201", "%d", s.early)
		line("screens lost", "%d", s.lost)
		if len(s.latencies) > 0 {
			line("latency from 201", "%s", quantiles(s.latencies))
			line("latency from POST", "%s", quantiles(s.fromPost))
		}
	}
	if s.cfg.pid > 0 {
		line("server pid", "%d", s.cfg.pid)
		line("server rss before", "%s", mib(s.rssBefore))
		if s.rssConnected > 0 {
			line("server rss connected", "%s", mib(s.rssConnected))
			if s.connected > 0 {
				line("rss per screen", "%.1f KiB (connected - before)", float64(s.rssConnected-s.rssBefore)/1024/float64(s.connected))
			}
		}
		if s.rssEnd > 0 {
			line("server rss end", "%s (peak %s)", mib(s.rssEnd), mib(s.rssPeak))
			if s.connected > 0 {
				line("rss per screen end", "%.1f KiB (end - before)", float64(s.rssEnd-s.rssBefore)/1024/float64(s.connected))
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

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// serverMemory reads a process's resident memory and its peak, in bytes,
// from /proc/PID/status (VmRSS, VmHWM).
func serverMemory(pid int) (rss, peak int64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, fmt.Errorf("server memory: %w", err)
	}
	for l := range strings.Lines(string(data)) {
		name, value, ok := strings.Cut(l, ":")
		if !ok || name != "VmRSS" && name != "VmHWM" {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("server memory: %s: %w", name, err)
		}
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			peak = kb << 10
		}
	}
	if rss == 0 {
		return 0, 0, fmt.Errorf("server memory: no VmRSS for pid %d", pid)
	}
	return rss, peak, nil
}
