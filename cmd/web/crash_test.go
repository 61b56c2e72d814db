package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketrail/ticketrail/orders"
)

// binary builds the server once for the tests that run it as a process.
func binary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "web")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go build: %v", err)
	}
	return bin
}

// process is the server binary running.
type process struct {
	cmd *exec.Cmd
	url string
	log *syncBuffer // what it wrote to stderr
}

// syncBuffer is a buffer that one goroutine writes while others read it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func startProcess(t *testing.T, bin string, args ...string) *process {
	t.Helper()
	// As in start, the unseen-ticket alarms are off unless asked for.
	cmd := exec.Command(bin, append([]string{"-unseen-after", "0"}, args...)...)
	log := &syncBuffer{}
	cmd.Stderr = io.MultiWriter(t.Output(), log)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Scan()
		line <- sc.Text()
		io.Copy(io.Discard, out)
	}()
	select {
	case l := <-line:
		m := regexp.MustCompile(`^listening on (http://127\.0\.0\.1:\d+)$`).FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("first line %q", l)
		}
		return &process{cmd: cmd, url: m[1], log: log}
	case <-time.After(20 * time.Second):
		t.Fatal("the server printed no listening line within 20 s")
	}
	return nil
}

func post(t *testing.T, url, body string) (int, orders.Order) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var o orders.Order
	if err := json.NewDecoder(resp.Body).Decode(&o); err != nil {
		t.Fatalf("POST %s: %d, body is not an order: %v", url, resp.StatusCode, err)
	}
	return resp.StatusCode, o
}

// TestCrashLosesNothing kills the real server with SIGKILL right after it
// acknowledged the last order, starts it again on the same database, and
// checks that every acknowledged order and action is there, and that a
// browser that was open all along shows exactly the server's rail.
func TestCrashLosesNothing(t *testing.T) {
	b := browser(t)
	bin := binary(t)
	db := filepath.Join(t.TempDir(), "rail.db")
	first := startProcess(t, bin, "-addr", "127.0.0.1:0", "-db", db, "-demo=false")
	api := first.url + "/api/orders"

	page := openTab(t, b)
	page.navigate(t, first.url+"/")
	page.wait(t, "the socket", `window.__opens >= 1`)

	want := map[int64]orders.Order{} // what the server acknowledged
	for i := range 30 {
		rush := i%7 == 3
		code, o := post(t, api, fmt.Sprintf(`{"source_id": "crash-%d", "destination": "takeout", "rush": %v,
			"items": [{"name": "Hamburger", "quantity": %d, "modifiers": ["no onion"]}], "notes": ["<b>note %d</b>"]}`, i, rush, i%5+1, i))
		if code != http.StatusCreated {
			t.Fatalf("order %d: status %d", i, code)
		}
		want[o.ID] = o
		var action string
		switch i % 6 {
		case 1:
			action = "fire"
		case 2, 4:
			action = "bump"
		case 5:
			action = "cancel"
		}
		if action == "" {
			continue
		}
		code, o = post(t, fmt.Sprintf("%s/%d/%s", api, o.ID, action), "")
		if code != http.StatusOK {
			t.Fatalf("%s %d: status %d", action, o.ID, code)
		}
		want[o.ID] = o
		if i == 20 { // bring an earlier bumped ticket back
			code, o = post(t, api+"/3/recall", "")
			if code != http.StatusOK || !o.Recalled {
				t.Fatalf("recall 3: %d %+v", code, o)
			}
			want[o.ID] = o
		}
	}
	code, last := post(t, api, `{"destination": "drive thru", "items": [{"name": "Chocolate Shake"}]}`)
	if code != http.StatusCreated {
		t.Fatalf("last order: %d", code)
	}
	want[last.ID] = last
	if err := first.cmd.Process.Kill(); err != nil { // SIGKILL, at once
		t.Fatal(err)
	}
	first.cmd.Wait()

	port := first.url[strings.LastIndexByte(first.url, ':')+1:]
	second := startProcess(t, bin, "-addr", "127.0.0.1:"+port, "-db", db, "-demo=false")

	// Every acknowledged order and action is there.
	for id, w := range want {
		resp, err := http.Get(fmt.Sprintf("%s/api/orders/%d", second.url, id))
		if err != nil {
			t.Fatal(err)
		}
		var got orders.Order
		json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if got.ID != id || got.Status != w.Status || got.Recalled != w.Recalled || got.Number != w.Number ||
			!got.PlacedAt.Equal(w.PlacedAt) || !got.BumpedAt.Equal(w.BumpedAt) || fmt.Sprint(got.Items) != fmt.Sprint(w.Items) {
			t.Errorf("order %d after the crash:\n got %+v\nwant %+v", id, got, w)
		}
	}
	// The rail is rebuilt in order: rush first, then oldest first.
	var open []orders.Order
	for _, o := range want {
		if o.Status.Open() {
			open = append(open, o)
		}
	}
	slices.SortFunc(open, func(a, b orders.Order) int {
		if a.Rush != b.Rush {
			if a.Rush {
				return -1
			}
			return 1
		}
		return int(a.ID - b.ID)
	})
	var wantRail []string
	for _, o := range open {
		wantRail = append(wantRail, fmt.Sprintf("ticket-%d", o.ID))
	}
	if got := serverRail(t, second.url); !slices.Equal(got, wantRail) {
		t.Fatalf("rail after the crash %v, want %v", got, wantRail)
	}
	// Numbering goes on where it stopped.
	code, next := post(t, second.url+"/api/orders", `{"destination": "takeout", "items": [{"name": "Cola"}]}`)
	if code != http.StatusCreated || next.ID != last.ID+1 || next.Number != last.Number+1 {
		t.Errorf("next order after the crash: %d id %d number %d, want id %d number %d", code, next.ID, next.Number, last.ID+1, last.Number+1)
	}
	wantRail = serverRail(t, second.url)

	// The page that was open reconnected by itself and shows that rail.
	page.wait(t, "the page to converge to the rail after the crash",
		ticketIDs+`.join() === `+jsString(wantRail))
	if closes := eval[[]int](t, page, `window.__closes`); !slices.Contains(closes, 1006) {
		t.Errorf("close codes %v, want 1006 (connection lost) from the crash", closes)
	}
}
