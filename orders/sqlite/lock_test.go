package sqlite

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketrail/ticketrail/orders"
)

// TestOpenInUse opens a database a store has open: the second Open fails
// at once, naming the file and the process, and the first store carries
// on; once it is closed, the database opens again.
func TestOpenInUse(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "ticketrail.db")
	first, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer first.Close()

	for range 2 {
		start := time.Now()
		second, err := Open(ctx, path)
		if err == nil {
			second.Close()
			t.Fatal("a second Open of a database in use succeeded")
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("the second Open took %v, want it to fail at once", d)
		}
		want := fmt.Sprintf("sqlite: %s is in use by another server (pid %d)", path, os.Getpid())
		if !errors.Is(err, ErrInUse) || err.Error() != want {
			t.Errorf("the second Open: %q, want %q wrapping ErrInUse", err, want)
		}
	}
	o := order(1, time.Unix(1_800_000_000, 0))
	if _, err := first.Insert(ctx, o, orders.Idempotency{}, time.Time{}, insertChange(o)); err != nil {
		t.Fatalf("Insert on the first store after the refused Open: %v", err)
	}
	if err := first.Ready(ctx); err != nil {
		t.Errorf("Ready on the first store after the refused Open: %v", err)
	}
	if err := first.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	again := open(t, path)
	if _, err := again.Get(ctx, 1); err != nil {
		t.Errorf("Get after opening again: %v", err)
	}
	if b, err := os.ReadFile(path + LockSuffix); err != nil || strings.TrimSpace(string(b)) != fmt.Sprint(os.Getpid()) {
		t.Errorf("the lock file holds %q, %v; want this process's ID", b, err)
	}

	// In-memory databases are private to their store: any number open.
	for range 2 {
		open(t, MemoryPath)
	}
	if _, err := os.Stat(MemoryPath + LockSuffix); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a lock file for %s: %v", MemoryPath, err)
	}
}

// TestOpenInUseStaleLockFile opens a database whose lock file a server
// that is gone left behind, with its process ID in it.
func TestOpenInUseStaleLockFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ticketrail.db")
	if err := os.WriteFile(path+LockSuffix, []byte("999999999\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := open(t, path)
	if err := s.Ready(t.Context()); err != nil {
		t.Errorf("Ready: %v", err)
	}
}
