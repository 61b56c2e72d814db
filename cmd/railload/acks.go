package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// acksFlag, anywhere among the arguments, makes railload measure what
// delivery receipts cost, on this machine, in one sitting:
//
//	railload -acks-compare -screens 1000,10000 [-rounds 2] [-orders 100] [-every 100ms] [-web PATH] [-pin=true]
//	                       [-wait 10s] [-timeout 5m]
//
// It builds the rail (cmd/web) into a temporary directory unless -web
// names a binary. With taskset and two CPUs, the server runs on the first
// and the load on the others (-pin=false to share). For each number of screens it runs the load -rounds
// times each way, alternating, each run against a fresh server
// (-db :memory: -demo=false, the unseen-ticket alarm at its default):
// once with screens that do not ack, once with screens that ask to be
// held to their receipts and ack every message, as the rail's pages do.
// It prints each run's summary on stderr and, per number of screens, a
// table of the runs, with the acks the server counted and the sockets it
// closed as not showing what they were sent, and the ratios of the
// acking runs' medians to the others' on stdout.
const acksFlag = "-acks-compare"

// acksConfig is what the command line of -acks-compare says.
type acksConfig struct {
	screens  []int
	rounds   int
	orders   int
	every    time.Duration
	web      string
	wait     time.Duration
	timeout  time.Duration
	parallel int
	pin      bool
	// srvPin and loadPin prefix the server's and the workers' command
	// lines when pinned (see planPins).
	srvPin, loadPin []string
}

// isAcksCompare reports whether the arguments ask for the acks' runs.
func isAcksCompare(args []string) bool { return hasFlag(args, acksFlag) }

func parseAcksFlags(args []string, stderr io.Writer) (acksConfig, error) {
	var c acksConfig
	fs := flag.NewFlagSet(args[0]+" "+acksFlag, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Bool(acksFlag[1:], true, "compare runs with and without acks (this mode)")
	screens := fs.String("screens", "1000,10000", "comma-separated `numbers` of screens")
	fs.IntVar(&c.rounds, "rounds", 2, "runs each way per number of screens")
	fs.IntVar(&c.orders, "orders", 100, "orders placed in each run")
	fs.DurationVar(&c.every, "every", 100*time.Millisecond, "`interval` between orders")
	fs.StringVar(&c.web, "web", "", "the rail's binary (cmd/web); without it, "+webPackage+" is built into a temporary directory")
	fs.DurationVar(&c.wait, "wait", 10*time.Second, "how long to wait for snapshots, and for deliveries after the last order")
	fs.DurationVar(&c.timeout, "timeout", 5*time.Minute, "each run stops after this `duration`")
	fs.IntVar(&c.parallel, "dial-parallel", 64, "connections each worker opens at once")
	fs.BoolVar(&c.pin, "pin", true, "run the server on one CPU and the load on the others (needs taskset and two CPUs)")
	if err := fs.Parse(args[1:]); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	var err error
	if c.screens, err = numbers(*screens, 1, maxScreens); err != nil {
		return c, fmt.Errorf("-screens: %w", err)
	}
	switch {
	case c.rounds < 1 || c.rounds > 10:
		return c, fmt.Errorf("-rounds must be 1 to 10, got %d", c.rounds)
	case c.orders < 1 || c.orders > maxOrders:
		return c, fmt.Errorf("-orders must be 1 to %d, got %d", maxOrders, c.orders)
	}
	return c, checkPace(c.every, c.wait, c.timeout, c.parallel)
}

// ackRun is one run's figures, and what the server counted of acks.
type ackRun struct {
	acks   bool
	m      metrics
	err    error
	acked  float64 // acks the server took (ticketrail_ack_lag_seconds_count)
	unseen float64 // sockets it closed as not showing what they were sent
}

// acksCompare runs -acks-compare.
func acksCompare(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseAcksFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	start := time.Now()
	dir, err := os.MkdirTemp("", "railload-acks-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	web, err := buildWeb(ctx, cfg.web, dir, stderr)
	if err != nil {
		return err
	}
	var note string
	cfg.srvPin, cfg.loadPin, _, note = planPins(cfg.pin)
	fmt.Fprintf(stdout, "railload -acks-compare: %s, %d CPU(s), %s; %d orders per run, one every %v; %d run(s) each way, alternating, each on a fresh server\n",
		runtime.Version(), runtime.NumCPU(), note, cfg.orders, cfg.every, cfg.rounds)
	var errs []error
	n := 0
	for _, screens := range cfg.screens {
		var runs []ackRun
		for round := range cfg.rounds {
			for _, acks := range []bool{false, true} {
				if err := ctx.Err(); err != nil {
					return err
				}
				n++
				r := runAcks(ctx, cfg, web, filepath.Join(dir, fmt.Sprintf("run-%d.log", n)), screens, acks, stderr)
				if r.err != nil {
					errs = append(errs, fmt.Errorf("%d screens, round %d, acks %v: %w", screens, round+1, acks, r.err))
				}
				runs = append(runs, r)
			}
		}
		printAcks(stdout, screens, runs)
	}
	fmt.Fprintf(stdout, "\nin %v\n", time.Since(start).Round(time.Second))
	return errors.Join(errs...)
}

// runAcks runs the load once against a fresh server.
func runAcks(ctx context.Context, cfg acksConfig, web, logPath string, screens int, acks bool, logw io.Writer) ackRun {
	r := ackRun{acks: acks}
	fmt.Fprintf(logw, "\nrailload: %d screens, acks %v\n", screens, acks)
	argv := append(slices.Clip(cfg.srvPin), web, "-addr", "127.0.0.1:0", "-db", ":memory:", "-demo=false", "-max-screens", "-1")
	srv, err := startServer(ctx, "the rail", argv, logPath)
	if err != nil {
		r.err = err
		return r
	}
	defer srv.stop()
	t, err := newTarget(ctx, srv.url)
	if err != nil {
		r.err = err
		return r
	}
	lc := config{
		url: srv.url, screens: screens, views: []string{expo}, orders: cfg.orders, every: cfg.every,
		wait: cfg.wait, timeout: cfg.timeout, pid: srv.pid, spread: true, parallel: cfg.parallel,
		workers: (screens + maxScreensPerWorker - 1) / maxScreensPerWorker, acks: acks, pin: cfg.loadPin,
	}
	sum := &summary{cfg: lc}
	if sum.srvBefore, err = sampleProcs(lc.pid, nil); err != nil {
		r.err = err
		return r
	}
	r.err = load(ctx, lc, t, logw, sum)
	sum.print(logw)
	r.m = sum.metrics()
	if r.err != nil {
		r.err = fmt.Errorf("%w (server log: %s)", r.err, srv.tail())
	}
	// The server's own count, read before it stops.
	if series, err := scrapeSeries(ctx, srv.url+"/metrics"); err != nil {
		fmt.Fprintf(logw, "railload: metrics: %v\n", err)
	} else {
		r.acked, r.unseen = series["ticketrail_ack_lag_seconds_count"], series[`ticketrail_sockets_closed_total{reason="unseen"}`]
	}
	return r
}

// scrapeSeries reads the Prometheus text at url: each sample line's
// value, by the series as written (name and labels).
func scrapeSeries(ctx context.Context, url string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return parseSeries(resp.Body)
}

// parseSeries reads sample lines, "name{labels} value", of the
// Prometheus text format; comments and blank lines are skipped.
func parseSeries(r io.Reader) (map[string]float64, error) {
	out := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			return nil, fmt.Errorf("not a sample: %q", line)
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			return nil, fmt.Errorf("sample %q: %w", line, err)
		}
		out[line[:i]] = v
	}
	return out, sc.Err()
}

// printAcks writes the table of one number of screens' runs, and the
// ratios of the acking runs' medians to those of the runs without.
func printAcks(w io.Writer, screens int, runs []ackRun) {
	fmt.Fprintf(w, "\n== %d screens\n", screens)
	tr := newTable(w)
	fmt.Fprintln(tr, "acks\tdeliveries\tmissing\tlost\tacks taken\tclosed unseen\tlast p50\tlast p99\tdeliv p50\tdeliv p99\tapi p99\tcpu ms/1k\tidle KiB/screen\tKiB/screen end\tserver cpu\tload cpu\t")
	var with, without []metrics
	for _, r := range runs {
		if r.err != nil && r.m.orders == 0 {
			fmt.Fprintf(tr, "%v\tfailed: %v\t\n", r.acks, r.err)
			continue
		}
		if r.acks {
			with = append(with, r.m)
		} else {
			without = append(without, r.m)
		}
		m := r.m
		fmt.Fprintf(tr, "%v\t%d of %d\t%d\t%d\t%.0f\t%.0f\t%s\t%s\t%s\t%s\t%s\t%.2f\t%.1f\t%.1f\t%.0f%%\t%.0f%%\t\n",
			r.acks, m.deliveries, m.deliveries+m.missing, m.missing, m.lost, r.acked, r.unseen,
			msString(m.toLast[0]), msString(m.toLast[1]), msString(m.delivery[0]), msString(m.delivery[1]),
			msString(m.api[1]), ms(m.cpuPer1k), m.idlePerScreen/1024, float64(m.rssEnd)/1024/float64(screens),
			100*m.serverShare, 100*m.loadShare)
	}
	tr.Flush()
	if len(with) == 0 || len(without) == 0 {
		return
	}
	med := func(ms []metrics, f func(metrics) time.Duration) time.Duration {
		var ds []int64
		for _, m := range ms {
			ds = append(ds, int64(f(m)))
		}
		return time.Duration(median(ds))
	}
	fmt.Fprintln(w, "(last: POST to the last screen, per order; deliv: POST to each screen; api: POST to 201; in ms;")
	fmt.Fprintln(w, " cpu ms/1k: the server's CPU in the phase per 1,000 deliveries; acks taken: the server's count)")
	fmt.Fprintf(w, "with acks / without, medians of %d and %d run(s): cpu per delivery %s, last p50 %s, last p99 %s, deliv p99 %s, api p99 %s\n",
		len(with), len(without),
		ratio(med(with, func(m metrics) time.Duration { return m.cpuPer1k }), med(without, func(m metrics) time.Duration { return m.cpuPer1k })),
		ratio(med(with, func(m metrics) time.Duration { return m.toLast[0] }), med(without, func(m metrics) time.Duration { return m.toLast[0] })),
		ratio(med(with, func(m metrics) time.Duration { return m.toLast[1] }), med(without, func(m metrics) time.Duration { return m.toLast[1] })),
		ratio(med(with, func(m metrics) time.Duration { return m.delivery[1] }), med(without, func(m metrics) time.Duration { return m.delivery[1] })),
		ratio(med(with, func(m metrics) time.Duration { return m.api[1] }), med(without, func(m metrics) time.Duration { return m.api[1] })))
}

// median returns the median of xs (the mean of the middle two for an even
// count); 0 for none.
func median(xs []int64) int64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
