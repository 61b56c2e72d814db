package sqlite

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketrail/ticketrail/orders"
)

// TestReadyReadOnly checks that Ready reports a store that cannot write,
// and that it is ready again once it can. Tests may run as root, for whom
// file modes stop no write, so the store is made read-only by SQLite:
// with the query_only pragma, and by opening the file read-only.
func TestReadyReadOnly(t *testing.T) {
	ctx := t.Context()
	for _, path := range []string{filepath.Join(t.TempDir(), "orders.db"), MemoryPath} {
		s := open(t, path)
		if err := s.Ready(ctx); err != nil {
			t.Fatalf("%s: Ready: %v", path, err)
		}
		// One connection, so the pragma holds for every later call.
		if _, err := s.db.ExecContext(ctx, "PRAGMA query_only = 1"); err != nil {
			t.Fatal(err)
		}
		err := s.Ready(ctx)
		if err == nil || !strings.Contains(err.Error(), "readonly") || !strings.HasPrefix(err.Error(), "sqlite: "+path) {
			t.Errorf("%s: Ready on a query-only store: %v, want an error saying it is read-only", path, err)
		}
		if _, err := s.db.ExecContext(ctx, "PRAGMA query_only = 0"); err != nil {
			t.Fatal(err)
		}
		if err := s.Ready(ctx); err != nil {
			t.Errorf("%s: Ready once writable again: %v", path, err)
		}
	}

	path := filepath.Join(t.TempDir(), "orders.db")
	s := open(t, path)
	o := order(1, time.Unix(1_800_000_000, 0))
	if _, err := s.Insert(ctx, o, orders.Idempotency{}, time.Time{}, insertChange(o)); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", fileURI(path)+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	defer db.Close()
	ro := &Store{db: db, path: path}
	if _, err := ro.Get(ctx, 1); err != nil {
		t.Fatalf("Get from the read-only store: %v", err)
	}
	if err := ro.Ready(ctx); err == nil || !strings.Contains(err.Error(), "readonly") {
		t.Errorf("Ready on a store opened read-only: %v, want an error saying it is read-only", err)
	}
	if err := s.Ready(ctx); err != nil {
		t.Errorf("Ready on the writable store: %v", err)
	}
}
