package main

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// asMainEnv set to 1 makes the test binary railload itself, so that the
// processes a comparison starts from os.Executable (its workers and
// baseline servers) are railload's.
const asMainEnv = "RAILLOAD_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(asMainEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestCompare runs a whole comparison at a tiny size: it builds cmd/web,
// captures its messages, runs each target and prints the table and the
// ratios. It checks what was delivered, never how fast.
func TestCompare(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the comparison builds cmd/web with the go command")
	}
	t.Setenv(asMainEnv, "1")
	var stdout, stderr bytes.Buffer
	args := []string{"railload", "-compare", "-screens", "3", "-orders", "3", "-every", "10ms", "-wait", "20s", "-timeout", "2m"}
	if err := run(t.Context(), args, noEnv, &stdout, &stderr); err != nil {
		t.Fatalf("compare: %v\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	out := stdout.String()
	t.Logf("stdout:\n%s", out)
	if !strings.Contains(out, "== 3 screens\n") {
		t.Errorf("no scenario heading for 3 screens")
	}
	for _, name := range []string{serverRail, serverHub, serverRaw} {
		// target, orders, orders/s, deliveries, missing, lost, ...
		row := regexp.MustCompile(`(?m)^\s*` + name + `\s+3 of 3\s+[\d.]+\s+(\d+) of (\d+)\s+(\d+)\s+(\d+)\s`).FindStringSubmatch(out)
		if row == nil {
			t.Errorf("no row for %s", name)
			continue
		}
		if got := strings.Join(row[1:], " "); got != "9 9 0 0" {
			t.Errorf("%s: deliveries, of, missing, lost = %s; want 9 9 0 0", name, got)
		}
	}
	for _, b := range []string{serverHub, serverRaw} {
		if !regexp.MustCompile(`(?m)^ratio ticketrail/` + b + `: cpu per delivery \S+, p99 to last screen \S+, p99 per delivery \S+$`).MatchString(out) {
			t.Errorf("no ratio line for ticketrail/%s", b)
		}
	}
	// Each run's summary goes to stderr.
	if got := strings.Count(stderr.String(), "cpu per 1000 deliveries:"); got != 3 {
		t.Errorf("%d run summaries on stderr, want 3", got)
	}
}

func TestCompareFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"railload", "-compare"}, true},
		{[]string{"railload", "-screens", "10", "--compare"}, true},
		{[]string{"railload", "-compare=true"}, true},
		{[]string{"railload", "-screens", "10"}, false},
		{[]string{"railload"}, false},
	} {
		if got := isCompare(tc.args); got != tc.want {
			t.Errorf("isCompare(%q) = %v, want %v", tc.args, got, tc.want)
		}
	}
	var stderr bytes.Buffer
	c, err := parseCompareFlags([]string{"railload", "-compare", "-screens", "10, 200", "-targets", "raw,ticketrail,raw"}, &stderr)
	if err != nil || !slices.Equal(c.screens, []int{10, 200}) || !slices.Equal(c.targets, []string{serverRaw, serverRail}) {
		t.Errorf("parseCompareFlags = %+v, %v", c, err)
	}
	for _, bad := range [][]string{
		{"-screens", "0"}, {"-screens", "20000"}, {"-screens", "10,x"}, {"-targets", "nginx"}, {"-orders", "0"},
	} {
		if _, err := parseCompareFlags(append([]string{"railload", "-compare"}, bad...), &stderr); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestParseCPUList(t *testing.T) {
	for list, want := range map[string][]int{
		"0-1":       {0, 1},
		"0":         {0},
		"2,4-6,9":   {2, 4, 5, 6, 9},
		"":          nil,
		"3-1":       nil,
		"0-1,x":     nil,
		"0-1000000": nil,
	} {
		if got := parseCPUList(list); !slices.Equal(got, want) {
			t.Errorf("parseCPUList(%q) = %v, want %v", list, got, want)
		}
	}
}
