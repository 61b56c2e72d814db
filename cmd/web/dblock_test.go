package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSecondServerOnSameDatabase starts the server binary twice on one
// database: the second exits at once with status 1, saying which file is
// in use and by which process, and the first serves on; once the first
// has stopped, the database serves again.
func TestSecondServerOnSameDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the server")
	}
	bin := binary(t)
	db := filepath.Join(t.TempDir(), "ticketrail.db")
	first := startProcess(t, bin, "-addr", "127.0.0.1:0", "-db", db, "-demo=false")

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	second := exec.CommandContext(ctx, bin, "-addr", "127.0.0.1:0", "-db", db, "-demo=false")
	var stdout, stderr bytes.Buffer
	second.Stdout, second.Stderr = &stdout, &stderr
	err := second.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("the second server: %v, want exit status 1; stderr:\n%s", err, stderr.String())
	}
	want := fmt.Sprintf("web: sqlite: %s is in use by another server (pid %d)\n", db, first.cmd.Process.Pid)
	if !strings.HasSuffix(stderr.String(), want) {
		t.Errorf("the second server's stderr:\n%s\nwant it to end with %q", stderr.String(), want)
	}
	if stdout.Len() != 0 {
		t.Errorf("the second server printed %q, want nothing: it never listened", stdout.String())
	}

	if code, _ := post(t, first.url+"/api/orders", `{"destination": "takeout", "items": [{"name": "Fries"}]}`); code != http.StatusCreated {
		t.Errorf("the first server after the second was refused: POST answered %d, want 201", code)
	}
	if err := first.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := first.cmd.Wait(); err != nil {
		t.Fatalf("the first server on SIGTERM: %v", err)
	}
	third := startProcess(t, bin, "-addr", "127.0.0.1:0", "-db", db, "-demo=false")
	resp, err := http.Get(third.url + "/api/orders/1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the order placed before the restart: %d, want 200", resp.StatusCode)
	}
}
