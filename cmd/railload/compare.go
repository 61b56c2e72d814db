package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/coder/websocket"

	"github.com/ticketrail/ticketrail/cmd/railload/internal/baseline"
)

// compareFlag, anywhere among the arguments, makes railload compare the
// rail with two baselines on this machine, in one sitting:
//
//	railload -compare [-screens 1000,10000] [-orders 100] [-every 100ms] [-web PATH]
//	                  [-targets ticketrail,hub,raw] [-pin=true] [-wait 10s] [-timeout 5m]
//
// It builds the rail (cmd/web) into a temporary directory unless -web
// names a binary, starts it once to capture what a screen receives when it
// connects and when an order is placed, then, for each number of screens
// and each target, starts a fresh server process and runs the load
// against it: ticketrail (-db :memory: -demo=false), hub (the textbook
// coder/websocket fan-out, baseline.Hub) and raw (hand-framed writes,
// baseline.Raw), the last two sending the captured bytes. With -pin, and
// taskset and two CPUs at hand, every server runs on the first CPU this
// process may use and the load's workers on the others. It prints each
// run's summary on stderr and, per number of screens, a table of the
// targets' figures and the ratios of ticketrail's to each baseline's on
// stdout.
const compareFlag = "-compare"

// webPackage is the rail's command, built when -web is not given.
const webPackage = "github.com/ticketrail/ticketrail/cmd/web"

// maxCompareScreens keeps a server's sockets under the 20,000 files one
// process may hold open.
const maxCompareScreens = 19000

// Bounds of the servers a comparison starts.
const (
	serverStartTimeout = 30 * time.Second
	serverStopTimeout  = 10 * time.Second
	captureTimeout     = 30 * time.Second
)

// compareConfig is what the command line of -compare says.
type compareConfig struct {
	screens  []int
	orders   int
	every    time.Duration
	targets  []string
	web      string
	pin      bool
	wait     time.Duration
	timeout  time.Duration
	parallel int
}

// isCompare reports whether the arguments ask for a comparison.
func isCompare(args []string) bool { return hasFlag(args, compareFlag) }

// hasFlag reports whether the arguments after the program's name hold
// flag, as -name, --name, -name=value or --name=value.
func hasFlag(args []string, flag string) bool {
	return len(args) > 1 && slices.ContainsFunc(args[1:], func(a string) bool {
		return a == flag || a == "-"+flag || strings.HasPrefix(a, flag+"=") || strings.HasPrefix(a, "-"+flag+"=")
	})
}

func parseCompareFlags(args []string, stderr io.Writer) (compareConfig, error) {
	var c compareConfig
	fs := flag.NewFlagSet(args[0]+" "+compareFlag, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Bool("compare", true, "compare the rail with the hub and raw baselines")
	screens := fs.String("screens", "1000,10000", "comma-separated `numbers` of screens, one scenario each")
	targets := fs.String("targets", strings.Join([]string{serverRail, serverHub, serverRaw}, ","), "comma-separated `servers` to run: ticketrail, hub, raw")
	fs.IntVar(&c.orders, "orders", 100, "orders placed in each run")
	fs.DurationVar(&c.every, "every", 100*time.Millisecond, "`interval` between orders")
	fs.StringVar(&c.web, "web", "", "the rail's binary (cmd/web); without it, "+webPackage+" is built into a temporary directory")
	fs.BoolVar(&c.pin, "pin", true, "run the servers on one CPU and the load on the others (needs taskset and two CPUs)")
	fs.DurationVar(&c.wait, "wait", 10*time.Second, "how long to wait for snapshots, and for deliveries after the last order")
	fs.DurationVar(&c.timeout, "timeout", 5*time.Minute, "each run stops after this `duration`")
	fs.IntVar(&c.parallel, "dial-parallel", 64, "connections each worker opens at once")
	if err := fs.Parse(args[1:]); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	for v := range strings.SplitSeq(*screens, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 || n > maxCompareScreens {
			return c, fmt.Errorf("-screens: %q is not a number of screens from 1 to %d", v, maxCompareScreens)
		}
		c.screens = append(c.screens, n)
	}
	for v := range strings.SplitSeq(*targets, ",") {
		v = strings.TrimSpace(v)
		if v != serverRail && v != serverHub && v != serverRaw {
			return c, fmt.Errorf("-targets: unknown server %q (ticketrail, hub or raw)", v)
		}
		if !slices.Contains(c.targets, v) {
			c.targets = append(c.targets, v)
		}
	}
	if c.orders < 1 || c.orders > maxOrders {
		return c, fmt.Errorf("-orders must be 1 to %d, got %d", maxOrders, c.orders)
	}
	return c, checkPace(c.every, c.wait, c.timeout, c.parallel)
}

// comparison is one sitting of -compare.
type comparison struct {
	cfg      compareConfig
	dir      string   // temporary: the binaries, the messages, the servers' logs
	web      string   // the rail's binary
	self     string   // this program, which serves the baselines
	messages string   // the captured messages' file
	srvPin   []string // command prefix that pins a server, or nil
	loadPin  []string // the same for the load's workers
	loadCPUs int      // how many CPUs the load may use
	pinNote  string
	logw     io.Writer
}

// compare runs -compare.
func compare(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseCompareFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	c := &comparison{cfg: cfg, logw: stderr}
	if c.self, err = os.Executable(); err != nil {
		return fmt.Errorf("find this program: %w", err)
	}
	if c.dir, err = os.MkdirTemp("", "railload-compare-"); err != nil {
		return err
	}
	defer os.RemoveAll(c.dir)
	if c.web, err = buildWeb(ctx, cfg.web, c.dir, stderr); err != nil {
		return err
	}
	c.planPins()

	m, err := c.capture(ctx)
	if err != nil {
		return err
	}
	c.messages = filepath.Join(c.dir, "messages.json")
	if err := baseline.WriteMessages(c.messages, m); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "railload -compare: %s, %d CPU(s), %s\n", runtime.Version(), runtime.NumCPU(), c.pinNote)
	fmt.Fprintf(stdout, "messages: snapshot %d B, new ticket %d B (captured from ticketrail; hub and raw send these bytes)\n",
		len(m.Snapshot), len(m.Ticket))
	fmt.Fprintf(stdout, "%d orders per run, one every %v; every run starts a fresh server\n", cfg.orders, cfg.every)

	var errs []error
	for _, n := range cfg.screens {
		results := make([]compareResult, 0, len(cfg.targets))
		for _, name := range cfg.targets {
			if err := ctx.Err(); err != nil {
				return err
			}
			fmt.Fprintf(stderr, "\nrailload: %s with %d screens\n", name, n)
			sum, err := c.runOne(ctx, name, n)
			r := compareResult{name: name, err: err}
			if sum != nil {
				r.m = sum.metrics()
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("%s with %d screens: %w", name, n, err))
			}
			results = append(results, r)
		}
		printComparison(stdout, n, c.loadCPUs, c.srvPin != nil, results)
	}
	return errors.Join(errs...)
}

// buildWeb returns the rail's binary: web when it is not "", or else
// cmd/web built into dir.
func buildWeb(ctx context.Context, web, dir string, stderr io.Writer) (string, error) {
	if web != "" {
		return web, nil
	}
	web = filepath.Join(dir, "web")
	fmt.Fprintf(stderr, "railload: building %s\n", webPackage)
	build := exec.CommandContext(ctx, "go", "build", "-o", web, webPackage)
	build.Stdout, build.Stderr = stderr, stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("build %s (run this inside a clone of the repository, or give -web): %w", webPackage, err)
	}
	return web, nil
}

// planPins decides where the servers and the load run.
func (c *comparison) planPins() {
	c.srvPin, c.loadPin, c.loadCPUs, c.pinNote = planPins(c.cfg.pin)
}

// planPins returns the commands that pin a server to the first CPU this
// process may use and the load to the others, how many CPUs the load
// gets and a note on it; with pin false, or without taskset or two CPUs,
// nothing is pinned.
func planPins(pin bool) (srv, load []string, loadCPUs int, note string) {
	loadCPUs = runtime.NumCPU()
	if !pin {
		return nil, nil, loadCPUs, "not pinned (-pin=false)"
	}
	taskset, err := exec.LookPath("taskset")
	if err != nil {
		return nil, nil, loadCPUs, "not pinned (no taskset)"
	}
	cpus := allowedCPUs()
	if len(cpus) < 2 {
		return nil, nil, loadCPUs, "not pinned (fewer than two CPUs)"
	}
	rest := make([]string, 0, len(cpus)-1)
	for _, n := range cpus[1:] {
		rest = append(rest, strconv.Itoa(n))
	}
	return []string{taskset, "-c", strconv.Itoa(cpus[0])}, []string{taskset, "-c", strings.Join(rest, ",")}, len(rest),
		fmt.Sprintf("servers on cpu %d, load workers on cpu %s", cpus[0], strings.Join(rest, ","))
}

// allowedCPUs lists the CPUs this process may run on (Cpus_allowed_list
// in /proc/self/status), or nil.
func allowedCPUs() []int {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return nil
	}
	for l := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(l, "Cpus_allowed_list:"); ok {
			return parseCPUList(strings.TrimSpace(v))
		}
	}
	return nil
}

// parseCPUList reads a list of CPUs such as "0-3,8,10-11", or returns nil.
func parseCPUList(list string) []int {
	var cpus []int
	for r := range strings.SplitSeq(list, ",") {
		lo, hi, isRange := strings.Cut(r, "-")
		if !isRange {
			hi = lo
		}
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || a < 0 || b < a || b-a > 4096 {
			return nil
		}
		for n := a; n <= b; n++ {
			cpus = append(cpus, n)
		}
	}
	return cpus
}

// argv is the command line that starts server name, pinned when planned.
func (c *comparison) argv(name string) []string {
	var a []string
	switch name {
	case serverRail:
		a = []string{c.web, "-addr", "127.0.0.1:0", "-db", ":memory:", "-demo=false", "-max-screens", "-1"}
	default:
		a = []string{c.self, serveFlag, name, "-addr", "127.0.0.1:0", "-messages", c.messages}
	}
	return append(slices.Clip(c.srvPin), a...)
}

// runOne starts a fresh server name, runs the load with n screens against
// it and stops it. The summary is there whenever the load ran.
func (c *comparison) runOne(ctx context.Context, name string, n int) (*summary, error) {
	srv, err := startServer(ctx, name, c.argv(name), filepath.Join(c.dir, fmt.Sprintf("%s-%d.log", name, n)))
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	t, err := newTarget(ctx, srv.url)
	if err != nil {
		return nil, err
	}
	cfg := config{
		url: srv.url, screens: n, views: []string{expo}, orders: c.cfg.orders, every: c.cfg.every,
		wait: c.cfg.wait, timeout: c.cfg.timeout, pid: srv.pid, spread: true, parallel: c.cfg.parallel,
		workers: (n + maxScreensPerWorker - 1) / maxScreensPerWorker, pin: c.loadPin,
	}
	sum := &summary{cfg: cfg}
	if sum.srvBefore, err = sampleProc(srv.pid); err != nil {
		return nil, err
	}
	err = load(ctx, cfg, t, c.logw, sum)
	sum.print(c.logw)
	if err != nil {
		err = fmt.Errorf("%w (server log: %s)", err, srv.tail())
	}
	return sum, err
}

// capture starts the rail, opens one screen, places one order and returns
// the screen's first message and the first one that holds the new ticket.
func (c *comparison) capture(ctx context.Context) (baseline.Messages, error) {
	var m baseline.Messages
	srv, err := startServer(ctx, serverRail, c.argv(serverRail), filepath.Join(c.dir, "capture.log"))
	if err != nil {
		return m, err
	}
	defer srv.stop()
	t, err := newTarget(ctx, srv.url)
	if err != nil {
		return m, err
	}
	ctx, cancel := context.WithTimeout(ctx, captureTimeout)
	defer cancel()
	client := t.client(netip.Addr{})
	defer client.CloseIdleConnections()
	conn, _, err := websocket.Dial(ctx, t.wsURL(expo, false), &websocket.DialOptions{HTTPClient: client, CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return m, fmt.Errorf("capture: %w", err)
	}
	defer conn.CloseNow()
	conn.SetReadLimit(maxMessageBytes)
	if _, m.Snapshot, err = conn.Read(ctx); err != nil {
		return m, fmt.Errorf("capture the snapshot: %w", err)
	}
	body, err := orderBody([]string{expo}, "capture", 1)
	if err != nil {
		return m, err
	}
	if m.ID, _, err = placeOrder(ctx, client, t.ordersURL(), "", body); err != nil {
		return m, fmt.Errorf("capture: %w", err)
	}
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			return m, fmt.Errorf("capture the message of ticket %d: %w", m.ID, err)
		}
		if slices.Contains(ticketIDs(nil, data), m.ID) {
			m.Ticket = data
			conn.Close(websocket.StatusNormalClosure, "captured")
			return m, m.Check()
		}
	}
}

// server is one server process a comparison started.
type server struct {
	cmd     *exec.Cmd
	pid     int
	url     string
	logPath string
	exited  chan struct{}
}

// startServer starts argv, which prints "listening on URL" first, with its
// stderr going to logPath.
func startServer(ctx context.Context, name string, argv []string, logPath string) (*server, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the child has its own copy
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stderr = logf
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	s := &server{cmd: cmd, pid: cmd.Process.Pid, logPath: logPath, exited: make(chan struct{})}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		io.Copy(io.Discard, out)
		cmd.Wait()
		close(s.exited)
	}()
	timer := time.NewTimer(serverStartTimeout)
	defer timer.Stop()
	select {
	case l, ok := <-lines:
		if u, found := strings.CutPrefix(l, "listening on "); ok && found {
			s.url = u
			return s, nil
		}
		s.stop()
		return nil, fmt.Errorf("%s did not start: %q (log: %s)", name, l, s.tail())
	case <-timer.C:
		s.stop()
		return nil, fmt.Errorf("%s did not start within %v (log: %s)", name, serverStartTimeout, s.tail())
	case <-ctx.Done():
		s.stop()
		return nil, context.Cause(ctx)
	}
}

// stop asks the server to stop and kills it if it has not within
// serverStopTimeout.
func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(serverStopTimeout):
		s.cmd.Process.Kill()
		<-s.exited
	}
}

// tail is the end of the server's log, on one line.
func (s *server) tail() string {
	data, _ := os.ReadFile(s.logPath)
	const keep = 600
	if len(data) > keep {
		data = data[len(data)-keep:]
	}
	if t := strings.TrimSpace(string(data)); t != "" {
		return strings.ReplaceAll(t, "\n", " | ")
	}
	return "empty"
}

// compareResult is one target's run in a scenario.
type compareResult struct {
	name string
	m    metrics
	err  error
}

// loadBound is the share of its CPUs beyond which the load, not the
// server, sets the pace.
const loadBound = 0.85

// disturbedShare is the share of one core that the rest of the machine
// may use during a run before its figures are called disturbed.
const disturbedShare = 0.15

// printComparison writes the scenario's table and ratios; loadCPUs is how
// many CPUs the load had, pinned whether each server had one of its own.
func printComparison(w io.Writer, screens, loadCPUs int, pinned bool, results []compareResult) {
	fmt.Fprintf(w, "\n== %d screens\n", screens)
	// Two tables, what reached the screens and what it cost, so that
	// each fits a terminal.
	var flow, cost strings.Builder
	tf := tabwriter.NewWriter(&flow, 0, 0, 2, ' ', tabwriter.AlignRight)
	tc := tabwriter.NewWriter(&cost, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tf, "target\torders\torders/s\tdeliveries\tmissing\tlost\tlast p50\tlast p99\tdeliv p50\tdeliv p99\tapi p50\tapi p99\t")
	fmt.Fprintln(tc, "target\tcpu ms/1k\tserver cpu\twrites/deliv\tmsgs/screen\tidle KiB/screen\trss end MiB\tpeak MiB\tload cpu\tother cpu\t")
	var bound, busy, disturbed, refused []string
	for _, r := range results {
		m := r.m
		if r.err != nil && m.orders == 0 {
			fmt.Fprintf(tf, "%s\tfailed: %v\t\n", r.name, r.err)
			continue
		}
		writes := "n/a"
		if m.writesPerDelivery >= 0 {
			writes = fmt.Sprintf("%.2f", m.writesPerDelivery)
		}
		srv := fmt.Sprintf("%.0f%%", 100*m.serverShare)
		if pinned && m.serverShare >= loadBound {
			srv += " +"
			busy = append(busy, r.name)
		}
		load := fmt.Sprintf("%.0f%%", 100*m.loadShare)
		if m.loadShare >= loadBound*float64(loadCPUs) {
			load += " *"
			bound = append(bound, r.name)
		}
		if m.ordersFailed > 0 {
			refused = append(refused, fmt.Sprintf("%s %d", r.name, m.ordersFailed))
		}
		other := fmt.Sprintf("%.0f%%", 100*m.otherShare)
		if m.otherShare >= disturbedShare {
			other += " !"
			disturbed = append(disturbed, r.name)
		}
		fmt.Fprintf(tf, "%s\t%d of %d\t%.1f\t%d of %d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n",
			r.name, m.orders, m.orders+m.ordersFailed, m.orderRate, m.deliveries, m.deliveries+m.missing, m.missing, m.lost,
			msString(m.toLast[0]), msString(m.toLast[1]), msString(m.delivery[0]), msString(m.delivery[1]),
			msString(m.api[0]), msString(m.api[1]))
		fmt.Fprintf(tc, "%s\t%.2f\t%s\t%s\t%.1f\t%.1f\t%.1f\t%.1f\t%s\t%s\t\n",
			r.name, ms(m.cpuPer1k), srv, writes, m.msgsPerScreen,
			m.idlePerScreen/1024, float64(m.rssEnd)/(1<<20), float64(m.peak)/(1<<20), load, other)
	}
	tf.Flush()
	tc.Flush()
	io.WriteString(w, flow.String())
	io.WriteString(w, "\n")
	io.WriteString(w, cost.String())
	fmt.Fprintln(w, "(cpu ms/1k: server CPU in the phase per 1,000 deliveries; server/load cpu: share of one core in the phase;")
	fmt.Fprintln(w, " last: POST to the last screen, per order; deliv: POST to each screen; api: POST to 201; all in ms;")
	fmt.Fprintln(w, " lost: screens whose socket ended before the run closed it; other cpu: the rest of the machine)")
	if len(bound) > 0 {
		fmt.Fprintf(w, "* load-bound (%s): railload's screens used %.0f%% or more of their %d CPU(s), so the latencies and missing\n",
			strings.Join(bound, ", "), 100*loadBound, loadCPUs)
		fmt.Fprintln(w, "  deliveries there are railload's as much as the server's; cpu ms/1k is still the server's own.")
	}
	if len(refused) > 0 {
		fmt.Fprintf(w, "- orders failed (%s): no 201 (each POST waits %v; the run's summary on stderr has the first failure);\n",
			strings.Join(refused, ", "), orderTimeout)
		fmt.Fprintln(w, "  the other figures are for the orders that were placed.")
	}
	if len(busy) > 0 {
		fmt.Fprintf(w, "+ server-bound (%s): the server used %.0f%% or more of its CPU: orders and deliveries queued behind it.\n",
			strings.Join(busy, ", "), 100*loadBound)
	}
	if len(disturbed) > 0 {
		fmt.Fprintf(w, "! disturbed (%s): the rest of the machine used %.0f%% of a core or more during the run; rerun on a quiet machine.\n",
			strings.Join(disturbed, ", "), 100*disturbedShare)
	}
	var rail *compareResult
	for i := range results {
		if results[i].name == serverRail && results[i].err == nil {
			rail = &results[i]
		}
	}
	if rail == nil {
		return
	}
	for _, b := range results {
		if b.name == serverRail {
			continue
		}
		if b.err != nil {
			fmt.Fprintf(w, "ratio ticketrail/%s: n/a (%s failed)\n", b.name, b.name)
			continue
		}
		fmt.Fprintf(w, "ratio ticketrail/%s: cpu per delivery %s, p99 to last screen %s, p99 per delivery %s\n", b.name,
			ratio(rail.m.cpuPer1k, b.m.cpuPer1k), ratio(rail.m.toLast[1], b.m.toLast[1]), ratio(rail.m.delivery[1], b.m.delivery[1]))
	}
}

// ms is d in milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// msString is d in milliseconds, with more decimals when it is short.
func msString(d time.Duration) string {
	switch {
	case d == 0:
		return "-"
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2f", ms(d))
	default:
		return fmt.Sprintf("%.0f", ms(d))
	}
}

// ratio is a/b as "2.41x", or "n/a" when b is zero.
func ratio(a, b time.Duration) string {
	if b <= 0 || a <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2fx", float64(a)/float64(b))
}
