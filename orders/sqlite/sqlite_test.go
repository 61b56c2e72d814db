package sqlite

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/ticketrail/ticketrail/internal/migrations"
	"github.com/ticketrail/ticketrail/orders"
	"github.com/ticketrail/ticketrail/orders/storetest"
)

// open opens the store at path and closes it when the test ends.
func open(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStoreFile(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) orders.Store {
			s, err := Open(t.Context(), filepath.Join(t.TempDir(), "orders.db"))
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			return s
		},
		Reopen: func(t *testing.T, s orders.Store) orders.Store {
			path := s.(*Store).path
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			s, err := Open(t.Context(), path)
			if err != nil {
				t.Fatalf("Open again: %v", err)
			}
			return s
		},
	})
}

func TestStoreMemory(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) orders.Store {
			s, err := Open(t.Context(), MemoryPath)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			return s
		},
	})
}

// order returns an order as a board places it.
func order(id int64, placed time.Time) orders.Order {
	return orders.Order{
		ID:          id,
		Number:      orders.FirstNumber + int(id),
		SourceID:    fmt.Sprintf("pos-%d", id),
		Destination: orders.DriveThru,
		Status:      orders.Received,
		Items: []orders.Item{
			{Quantity: 2, Name: "Socket Burger", Station: orders.Grill, Modifiers: []string{"no onion", "extra cheese"}},
			{Quantity: 2, Name: "Fries", Station: orders.Fry},
			{Quantity: 1, Name: "Chocolate Shake", Station: orders.Shake},
		},
		Notes:    []string{"allergy: sesame"},
		PlacedAt: placed,
	}
}

// pragma returns the value of an integer or text pragma on s's connection.
func pragma(t *testing.T, s *Store, name string) string {
	t.Helper()
	var v string
	if err := s.db.QueryRowContext(t.Context(), "PRAGMA "+name).Scan(&v); err != nil {
		t.Fatalf("PRAGMA %s: %v", name, err)
	}
	return v
}

func TestPragmas(t *testing.T) {
	for _, tc := range []struct {
		path    string
		journal string
	}{
		{filepath.Join(t.TempDir(), "orders.db"), "wal"},
		{MemoryPath, "memory"}, // an in-memory database has no WAL
	} {
		s := open(t, tc.path)
		for name, want := range map[string]string{
			"journal_mode": tc.journal,
			"synchronous":  "2", // FULL
			"busy_timeout": "5000",
			"foreign_keys": "1",
		} {
			if got := pragma(t, s, name); got != want {
				t.Errorf("%s: PRAGMA %s = %s, want %s", tc.path, name, got, want)
			}
		}
		if n := s.db.Stats().MaxOpenConnections; n != 1 {
			t.Errorf("%s: %d connections at most, want 1", tc.path, n)
		}
	}
}

// versions returns the rows of schema_migrations, version and applied_at.
func versions(t *testing.T, db *sql.DB) [][2]int64 {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `SELECT version, applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	defer rows.Close()
	var out [][2]int64
	for rows.Next() {
		var v [2]int64
		if err := rows.Scan(&v[0], &v[1]); err != nil {
			t.Fatalf("read schema_migrations: %v", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	return out
}

func TestOpenAppliesEmbeddedMigrationsOnce(t *testing.T) {
	ms, err := migrations.Read(migrationFiles())
	if err != nil {
		t.Fatalf("readMigrations: %v", err)
	}
	if len(ms) == 0 || ms[0].Name != "0001_orders.sql" {
		t.Fatalf("embedded migrations %v, want 0001_orders.sql first", ms)
	}
	path := filepath.Join(t.TempDir(), "orders.db")
	s := open(t, path)
	first := versions(t, s.db)
	if len(first) != len(ms) {
		t.Fatalf("schema_migrations after the first Open: %v, want %d versions", first, len(ms))
	}
	for i, v := range first {
		if v[0] != ms[i].Version || v[1] <= 0 {
			t.Errorf("schema_migrations row %d = %v, want version %d and a time", i, v, ms[i].Version)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s = open(t, path)
	if got := versions(t, s.db); !slices.Equal(got, first) {
		t.Errorf("schema_migrations after opening again: %v, want %v as it was", got, first)
	}
	applied, err := migrate(t.Context(), s.db, migrationFiles())
	if err != nil || len(applied) != 0 {
		t.Errorf("migrate on an up-to-date database applied %v, %v; want nothing", applied, err)
	}
}

// rawDB opens the database at path as Open does, without migrating it.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", dataSource(path))
	if err != nil {
		t.Fatalf("sql.Open: %v", err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

func TestMigrate(t *testing.T) {
	ctx := t.Context()
	db := rawDB(t, filepath.Join(t.TempDir(), "m.db"))
	fsys := fstest.MapFS{
		// 0002 needs 0001: the migrations run in file-name order.
		"0002_fill.sql":  {Data: []byte("INSERT INTO a (x) VALUES (1);\nINSERT INTO a (x) VALUES (2);")},
		"0001_table.sql": {Data: []byte("CREATE TABLE a (x INTEGER);")},
		"README.md":      {Data: []byte("not a migration")},
	}
	count := func(table string) int {
		t.Helper()
		var n int
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		return n
	}
	applied, err := migrate(ctx, db, fsys)
	if err != nil || !slices.Equal(applied, []int64{1, 2}) {
		t.Fatalf("migrate = %v, %v; want [1 2]", applied, err)
	}
	applied, err = migrate(ctx, db, fsys)
	if err != nil || len(applied) != 0 {
		t.Fatalf("migrate again = %v, %v; want nothing applied", applied, err)
	}
	if n := count("a"); n != 2 {
		t.Errorf("table a has %d rows after migrating twice, want 2", n)
	}

	fsys["0003_more.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE b (y TEXT);")}
	applied, err = migrate(ctx, db, fsys)
	if err != nil || !slices.Equal(applied, []int64{3}) {
		t.Fatalf("migrate with a new file = %v, %v; want [3]", applied, err)
	}

	// A migration that fails is rolled back whole and not recorded.
	fsys["0004_broken.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE c (z);\nINSERT INTO missing VALUES (1);")}
	applied, err = migrate(ctx, db, fsys)
	if err == nil || !strings.Contains(err.Error(), "0004_broken.sql") || len(applied) != 0 {
		t.Fatalf("migrate with a broken file = %v, %v; want an error naming 0004_broken.sql", applied, err)
	}
	var tables int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE name = 'c'").Scan(&tables); err != nil || tables != 0 {
		t.Errorf("table c of the failed migration: %d, %v; want none", tables, err)
	}
	if got := versions(t, db); len(got) != 3 || got[2][0] != 3 {
		t.Errorf("schema_migrations after the failed migration: %v, want versions 1 to 3", got)
	}

	// A database migrated by a newer program is refused.
	delete(fsys, "0004_broken.sql")
	delete(fsys, "0003_more.sql")
	if _, err := migrate(ctx, db, fsys); err == nil || !strings.Contains(err.Error(), "schema version 3") {
		t.Errorf("migrate with fewer migrations than applied: %v, want an error about version 3", err)
	}

	for name, bad := range map[string]fstest.MapFS{
		"no version":        {"orders.sql": {}},
		"version 0":         {"0000_zero.sql": {}},
		"same version":      {"0001_a.sql": {}, "0001_b.sql": {}},
		"out of name order": {"10_a.sql": {}, "9_b.sql": {}},
	} {
		if _, err := migrate(ctx, rawDB(t, MemoryPath), bad); err == nil {
			t.Errorf("migrate with %s: no error", name)
		}
	}
}

// TestUnclosedStore leaves a store open, as a process killed mid-service
// leaves its database (its lock goes with the process, its connection
// stays as it was), and opens the same file again from a second store.
func TestUnclosedStore(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "orders.db")
	first := &Store{db: rawDB(t, path), path: path} // closed only once the test is over
	if _, err := migrate(ctx, first.db, migrationFiles()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	var want []orders.Order
	for id := int64(1); id <= 20; id++ {
		o := order(id, time.Unix(1_800_000_000, id))
		e, err := first.Insert(ctx, o, orders.Idempotency{Key: fmt.Sprintf("key-%d", id)}, time.Time{}, insertChange(o))
		if err != nil || e.Order.ID != id {
			t.Fatalf("Insert = order %d, %v; want order %d", e.Order.ID, err, id)
		}
		if id%2 == 0 {
			o.Status, o.BumpedAt = orders.Bumped, o.PlacedAt.Add(time.Minute)
			if _, err := first.Update(ctx, id, set(orders.EventBumped, o)); err != nil {
				t.Fatalf("Update: %v", err)
			}
		}
		want = append(want, o)
	}

	second := open(t, path)
	got, err := second.List(ctx, -1)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	checkSame(t, got, want)
	if saved, err := second.Load(ctx, time.Time{}); err != nil || saved.Version != 30 {
		t.Errorf("Load: version %d, %v; want 30, one for each write", saved.Version, err)
	}
}

// checkSame fails the test unless got are the orders want, in order.
func checkSame(t *testing.T, got, want []orders.Order) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d orders, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.ID != w.ID || g.Status != w.Status || !g.BumpedAt.Equal(w.BumpedAt) || !g.PlacedAt.Equal(w.PlacedAt) ||
			len(g.Items) != len(w.Items) || g.SourceID != w.SourceID {
			t.Errorf("order %d = %+v, want %+v", w.ID, g, w)
		}
	}
}

// childEnv names the database that TestKilledProcessChild writes to.
const childEnv = "TICKETRAIL_SQLITE_TEST_CHILD_DB"

// TestKilledProcess has a child process write orders and then kills it,
// giving it no chance to close the database, and checks that every write
// the child was told had succeeded is in the database.
func TestKilledProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	path := filepath.Join(t.TempDir(), "orders.db")
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestKilledProcessChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the child: %v", err)
	}
	lines := bufio.NewScanner(out)
	var said []string
	ready := false
	for lines.Scan() {
		if lines.Text() == "ready" {
			ready = true
			break
		}
		said = append(said, lines.Text())
	}
	if ready {
		// The child holds the database: no second server may open it.
		_, err := Open(t.Context(), path)
		if want := fmt.Sprintf("is in use by another server (pid %d)", cmd.Process.Pid); !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), want) {
			t.Errorf("Open of the child's database: %v, want an error saying it %s", err, want)
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatalf("kill the child: %v", err)
	}
	cmd.Wait()
	if !ready {
		t.Fatalf("the child did not write its orders; its output:\n%s\n%s", strings.Join(said, "\n"), stderr.String())
	}
	if _, err := os.Stat(path + "-wal"); err != nil {
		t.Errorf("no write-ahead log left by the killed child: %v", err)
	}

	s := open(t, path)
	got, err := s.List(t.Context(), -1)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	checkSame(t, got, childOrders())
}

// childOrders returns the orders TestKilledProcessChild stores, as it
// leaves them.
func childOrders() []orders.Order {
	var out []orders.Order
	for id := int64(1); id <= 30; id++ {
		o := order(id, time.Unix(1_800_000_000, id))
		if id%3 == 0 {
			o.Status, o.BumpedAt = orders.Bumped, o.PlacedAt.Add(time.Duration(id)*time.Second)
		}
		out = append(out, o)
	}
	return out
}

// TestKilledProcessChild is the child process of TestKilledProcess: it
// writes orders, says "ready" and waits to be killed.
func TestKilledProcessChild(t *testing.T) {
	path := os.Getenv(childEnv)
	if path == "" {
		t.Skip("run by TestKilledProcess")
	}
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	for _, o := range childOrders() {
		placed := o
		placed.Status, placed.BumpedAt = orders.Received, time.Time{}
		if _, err := s.Insert(context.Background(), placed, orders.Idempotency{}, time.Time{}, insertChange(placed)); err != nil {
			t.Fatalf("Insert: %v", err)
		}
		if o.Status != placed.Status {
			if _, err := s.Update(context.Background(), o.ID, set(orders.EventBumped, o)); err != nil {
				t.Fatalf("Update: %v", err)
			}
		}
	}
	fmt.Println("ready")
	time.Sleep(time.Minute)
	t.Fatal("not killed")
}

func TestOpenErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no such folder", "orders.db")
	_, err := Open(t.Context(), path)
	if err == nil {
		t.Fatal("Open in a folder that does not exist succeeded")
	}
	if !strings.HasPrefix(err.Error(), "sqlite: open ") || !strings.Contains(err.Error(), path) {
		t.Errorf("Open error %q, want it to say it is sqlite opening %s", err, path)
	}
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open error %v, want one wrapping os.ErrNotExist", err)
	}
	if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open created the folder: %v", err)
	}

	// A folder is no database. The lock is let go of: a second try fails
	// the same way, not as a database in use.
	dir := t.TempDir()
	for range 2 {
		_, err = Open(t.Context(), dir)
		var se *msqlite.Error
		if !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_CANTOPEN || errors.Is(err, ErrInUse) {
			t.Errorf("Open(a folder) error %v, want one wrapping the driver's SQLITE_CANTOPEN", err)
		}
	}

	if _, err := Open(t.Context(), ""); err == nil {
		t.Error("Open(\"\") succeeded, want an error")
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Open(ctx, filepath.Join(t.TempDir(), "orders.db")); !errors.Is(err, context.Canceled) {
		t.Errorf("Open with a cancelled context: %v, want context.Canceled", err)
	}
}

// TestOpenPathWithURICharacters opens a file whose name has the characters
// that mean something in an SQLite URI filename.
func TestOpenPathWithURICharacters(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "orders?mode=ro#x %41 100%.db")
	s := open(t, path)
	o := order(1, time.Unix(1_800_000_000, 0))
	if _, err := s.Insert(t.Context(), o, orders.Idempotency{}, time.Time{}, insertChange(o)); err != nil {
		t.Fatalf("Insert: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the database is not where it was asked to be: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), filepath.Base(path)) {
			t.Errorf("unexpected file %s", e.Name())
		}
	}
	s = open(t, path)
	if _, err := s.Get(t.Context(), 1); err != nil {
		t.Errorf("Get after opening again: %v", err)
	}
}

// TestInsertRefuses checks that what the store cannot keep exactly is
// refused, and leaves the store as it was.
func TestInsertRefuses(t *testing.T) {
	ctx := t.Context()
	s := open(t, MemoryPath)
	placed := time.Unix(1_800_000_000, 0)
	notUTF8 := order(1, placed)
	notUTF8.Items[1].Modifiers = []string{"\xff"}
	notes := order(2, placed)
	notes.Notes = []string{"ok", "\xc3\x28"}
	early := order(3, time.Date(1600, time.January, 1, 0, 0, 0, 0, time.UTC))
	late := order(4, placed)
	late.CancelledAt = time.Date(2300, time.January, 1, 0, 0, 0, 0, time.UTC)
	itemAllergen := order(6, placed)
	itemAllergen.Items[0].Allergens = []string{"\xfe"}
	allergen := order(7, placed)
	allergen.Allergens = []string{"egg", "\xc3"}
	// wantNothing fails the test unless the store holds no order and its
	// log no change.
	wantNothing := func(what string) {
		t.Helper()
		if all, err := s.List(ctx, -1); err != nil || len(all) != 0 {
			t.Errorf("List after %s = %d orders, %v; want none", what, len(all), err)
		}
		if saved, err := s.Load(ctx, time.Time{}); err != nil || saved.Version != 0 {
			t.Errorf("Load after %s: version %d, %v; want 0", what, saved.Version, err)
		}
	}
	for _, o := range []orders.Order{notUTF8, notes, early, late, itemAllergen, allergen} {
		_, err := s.Insert(ctx, o, orders.Idempotency{}, time.Time{}, insertChange(o))
		if err == nil {
			t.Errorf("Insert(%d) succeeded, want an error", o.ID)
			continue
		}
		if want := "sqlite: insert: "; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Insert(%d) error %q, want it to start %q", o.ID, err, want)
		}
		wantNothing(fmt.Sprintf("the refused Insert(%d)", o.ID))
	}

	// A change at a time out of range takes its order with it.
	o := order(8, placed)
	_, err := s.Insert(ctx, o, orders.Idempotency{}, time.Time{}, orders.Change{At: time.Date(2300, time.January, 1, 0, 0, 0, 0, time.UTC), Actor: "x", Action: "placed"})
	if err == nil || !strings.HasPrefix(err.Error(), "sqlite: insert: change time") {
		t.Errorf("Insert with a change out of range: %v, want an error", err)
	}
	wantNothing("the refused Insert of a change out of range")

	ok := order(1, placed)
	if _, err := s.Insert(ctx, ok, orders.Idempotency{}, time.Time{}, insertChange(ok)); err != nil {
		t.Fatalf("Insert: %v", err)
	}
	bad := ok
	bad.Status, bad.BumpedAt = orders.Bumped, time.Date(2300, time.January, 1, 0, 0, 0, 0, time.UTC)
	e, err := s.Update(ctx, 1, set(orders.EventBumped, bad))
	if err == nil || !strings.HasPrefix(err.Error(), "sqlite: update 1: bumped time") {
		t.Errorf("Update with a time out of range: %v, want an error", err)
	}
	if e.Version != 0 || e.Order.ID != 1 || e.Order.Status != orders.Received {
		t.Errorf("the refused Update returned %+v, want version 0 and the order as stored", e)
	}
	if got, err := s.Get(ctx, 1); err != nil || got.Status != orders.Received || !got.BumpedAt.IsZero() {
		t.Errorf("Get after the refused Update = %+v, %v; want it unchanged", got, err)
	}
	fired := ok
	fired.Status, fired.FiredAt = orders.Fired, placed.Add(time.Minute)
	_, err = s.Update(ctx, 1, func(o *orders.Order) (orders.Entry, error) {
		o.Status, o.FiredAt = fired.Status, fired.FiredAt
		return orders.Entry{Kind: orders.EventFired, Change: orders.Change{At: time.Date(1500, time.January, 1, 0, 0, 0, 0, time.UTC), Actor: "x", Action: "fired"}}, nil
	})
	if err == nil || !strings.HasPrefix(err.Error(), "sqlite: update 1: change time") {
		t.Errorf("Update with a change out of range: %v, want an error", err)
	}
	if got, err := s.Get(ctx, 1); err != nil || got.Status != orders.Received {
		t.Errorf("Get after the refused Update = %+v, %v; want it unchanged", got, err)
	}
	if h, err := s.History(ctx, 1); err != nil || len(h) != 1 {
		t.Errorf("History after the refused Update = %v, %v; want the insert's change only", h, err)
	}

	// The refused writes took no version: the next change is the second.
	if e, err := s.Update(ctx, 1, set(orders.EventFired, fired)); err != nil || e.Version != 2 {
		t.Errorf("Update after the refused ones = version %d, %v; want 2", e.Version, err)
	}
	if log, err := s.Log(ctx, 0, 10); err != nil || len(log) != 2 || log[0].Version != 1 || log[1].Version != 2 {
		t.Errorf("Log = %+v, %v; want versions 1 and 2", log, err)
	}
}

// TestTimesOutOfRangeQueries checks that Find, Bumped and Load take any
// time to compare with, also one that unix nanoseconds cannot hold.
func TestTimesOutOfRangeQueries(t *testing.T) {
	ctx := t.Context()
	s := open(t, MemoryPath)
	o := order(1, time.Unix(1_800_000_000, 0))
	o.Status, o.BumpedAt = orders.Bumped, o.PlacedAt.Add(time.Minute)
	if _, err := s.Insert(ctx, o, orders.Idempotency{Key: "k"}, time.Time{}, insertChange(o)); err != nil {
		t.Fatalf("Insert: %v", err)
	}
	for _, tc := range []struct {
		since time.Time
		found bool
	}{
		{time.Date(1000, time.January, 1, 0, 0, 0, 0, time.UTC), true},
		{time.Date(-5, time.January, 1, 0, 0, 0, 0, time.UTC), true},
		{time.Date(3000, time.January, 1, 0, 0, 0, 0, time.UTC), false},
	} {
		_, _, err := s.Find(ctx, "k", "", tc.since)
		bumped, err2 := s.Bumped(ctx, tc.since)
		saved, err3 := s.Load(ctx, tc.since)
		if err2 != nil || err3 != nil {
			t.Fatalf("since %v: Bumped: %v; Load: %v", tc.since, err2, err3)
		}
		if (err == nil) != tc.found || (len(bumped) == 1) != tc.found || (len(saved.Recent) == 1) != tc.found {
			t.Errorf("since %v: Find error %v, Bumped %d, Load recent %d; want found %v",
				tc.since, err, len(bumped), len(saved.Recent), tc.found)
		}
	}
}

// TestQueryPlans checks that the queries use the indexes they are written
// for, and that those that read the log neither read all of it nor sort.
func TestQueryPlans(t *testing.T) {
	s := open(t, MemoryPath)
	logOnly := []string{"SCAN order_history", "SCAN h", "TEMP B-TREE"}
	for _, tc := range []struct {
		query string
		plan  []string // what the plan must say
		avoid []string // what it must not say
	}{
		{openSQL, []string{"INDEX orders_open"}, nil},
		{bumpedSQL("bumped_at >= 1", false), []string{"INDEX orders_bumped"}, nil},
		{bumpedSQL("1", true), []string{"INDEX orders_bumped"}, nil},
		{cancelledSQL("cancelled_at >= 1"), []string{"INDEX orders_cancelled"}, nil},
		{cancelledSQL("1"), []string{"INDEX orders_cancelled"}, nil},
		{findSQL([]string{matchKey}, "placed_at >= 1"), []string{"INDEX orders_idempotency_key"}, nil},
		{findSQL([]string{matchSourceID}, "1"), []string{"INDEX orders_source_id"}, nil},
		{findSQL([]string{matchKey, matchSourceID}, "1"), []string{"INDEX orders_idempotency_key", "INDEX orders_source_id"}, nil},
		{getSQL, []string{"SEARCH orders USING INTEGER PRIMARY KEY"}, nil},
		{lastOrderSQL, []string{"SCAN orders"}, []string{"TEMP B-TREE"}}, // the rowid backwards, one row
		{lastVersionSQL, []string{"SEARCH order_history USING COVERING INDEX order_history_version"}, logOnly},
		{addEntrySQL, []string{"SEARCH orders USING INTEGER PRIMARY KEY"}, logOnly},
		{logSQL, []string{"SEARCH h USING INDEX order_history_version (version>?)", "SEARCH o USING INTEGER PRIMARY KEY"}, logOnly},
	} {
		plan := queryPlan(t, s, tc.query)
		for _, want := range tc.plan {
			if !strings.Contains(plan, want) {
				t.Errorf("the plan of\n%s\nis\n%s\nwhich does not say %s", tc.query, plan, want)
			}
		}
		for _, avoid := range tc.avoid {
			if strings.Contains(plan, avoid) {
				t.Errorf("the plan of\n%s\nis\n%s\nwhich says %s", tc.query, plan, avoid)
			}
		}
	}
}

func BenchmarkInsert(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "orders.db"))
	ctx := context.Background()
	o := order(0, time.Now())
	b.ReportAllocs()
	for id := int64(1); b.Loop(); id++ {
		o.SourceID = "pos-" + strconv.FormatInt(id, 10)
		if _, err := s.Insert(ctx, o, orders.Idempotency{Key: o.SourceID}, o.PlacedAt.Add(-time.Hour), insertChange(o)); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCancelledWrites checks that a write with a context that is done
// either is refused before it begins or completes.
func TestCancelledWrites(t *testing.T) {
	s := open(t, MemoryPath)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	o := order(1, time.Unix(1_800_000_000, 0))
	if _, err := s.Insert(ctx, o, orders.Idempotency{}, time.Time{}, insertChange(o)); !errors.Is(err, context.Canceled) {
		t.Errorf("Insert with a cancelled context: %v, want context.Canceled", err)
	}
	if _, err := s.Get(t.Context(), 1); !errors.Is(err, orders.ErrNotFound) {
		t.Errorf("Get after the cancelled Insert: %v, want ErrNotFound", err)
	}
	if _, err := s.Insert(t.Context(), o, orders.Idempotency{}, time.Time{}, insertChange(o)); err != nil {
		t.Fatalf("Insert: %v", err)
	}
	o.Status = orders.Fired
	called := false
	_, err := s.Update(ctx, 1, func(p *orders.Order) (orders.Entry, error) {
		called = true
		return set(orders.EventFired, o)(p)
	})
	if !errors.Is(err, context.Canceled) || called {
		t.Errorf("Update with a cancelled context: %v, edit called %v; want context.Canceled before the edit", err, called)
	}
	if got, err := s.Get(t.Context(), 1); err != nil || got.Status != orders.Received {
		t.Errorf("Get after the cancelled Update = %s, %v; want received", got.Status, err)
	}
	if saved, err := s.Load(t.Context(), time.Time{}); err != nil || saved.Version != 1 {
		t.Errorf("Load after the cancelled Update: version %d, %v; want 1", saved.Version, err)
	}
}

// TestMigrateKeepsOldOrders opens a database written before the columns
// for allergens and items done: its orders read as having none, and take
// items done from then on.
func TestMigrateKeepsOldOrders(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "old.db")
	db := rawDB(t, path)
	old := fstest.MapFS{}
	ms, err := migrations.Read(migrationFiles())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Version <= 2 {
			old[m.Name] = &fstest.MapFile{Data: []byte(m.SQL)}
		}
	}
	if applied, err := migrate(ctx, db, old); err != nil || len(applied) != 2 {
		t.Fatalf("migrate to version 2 = %v, %v", applied, err)
	}
	placed := time.Unix(1_800_000_000, 0)
	_, err = db.ExecContext(ctx, `INSERT INTO orders (id, number, destination, status, items, notes, placed_at, done_stations)
		VALUES (1, 101, 'takeout', 'received', '[{"quantity":1,"name":"Fries","station":"fry"}]', '["allergy: sesame"]', ?, '["fry"]')`,
		placed.UnixNano())
	if err != nil {
		t.Fatalf("insert an old row: %v", err)
	}
	db.Close()

	s := open(t, path)
	got, err := s.Get(ctx, 1)
	if err != nil {
		t.Fatalf("Get after migrating: %v", err)
	}
	if got.Allergens != nil || got.Allergy || got.ItemsDone != nil || got.Items[0].Allergens != nil ||
		!slices.Equal(got.Done, []orders.Station{orders.Fry}) || !got.PlacedAt.Equal(placed) {
		t.Errorf("old order after migrating: %+v", got)
	}
	got.ItemsDone = []int{0}
	if e, err := s.Update(ctx, 1, set(orders.EventItemDone, got)); err != nil || e.Version != 1 {
		t.Fatalf("Update after migrating = version %d, %v; want 1", e.Version, err)
	}
	if again, err := s.Get(ctx, 1); err != nil || !slices.Equal(again.ItemsDone, []int{0}) {
		t.Errorf("items done after an Update = %v, %v; want [0]", again.ItemsDone, err)
	}
	// It has no history from before the migration, and no fingerprint,
	// so that any retry matches it.
	history, err := s.History(ctx, 1)
	if err != nil || len(history) != 1 || history[0].Action != string(orders.Received) {
		t.Errorf("history of an old order after an Update = %v, %v; want the Update's change only", history, err)
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE orders SET source_id = 'pos-1' WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	if o, idem, err := s.Find(ctx, "", "pos-1", time.Time{}); err != nil || o.ID != 1 || idem.Fingerprint != nil {
		t.Errorf("Find(old order) = %d, %+v, %v; want order 1 without a fingerprint", o.ID, idem, err)
	}
}

// insertChange returns the change a test inserts o with.
func insertChange(o orders.Order) orders.Change {
	return orders.Change{At: o.PlacedAt, Actor: "test", Action: orders.ActionPlaced}
}

// updateChange returns the change a test updates o with.
func updateChange(o orders.Order) orders.Change {
	return orders.Change{At: o.PlacedAt, Actor: "test", Action: string(o.Status)}
}

// set returns an Edit that gives an order the status, recalled flag, done
// stations, done items and times of want, as a change of the given kind
// with updateChange(want).
func set(kind orders.EventKind, want orders.Order) orders.Edit {
	return func(o *orders.Order) (orders.Entry, error) {
		o.Status, o.Recalled = want.Status, want.Recalled
		o.Done, o.ItemsDone = slices.Clone(want.Done), slices.Clone(want.ItemsDone)
		o.FiredAt, o.BumpedAt, o.CancelledAt = want.FiredAt, want.BumpedAt, want.CancelledAt
		return orders.Entry{Kind: kind, Change: updateChange(want)}, nil
	}
}

// queryPlan returns SQLite's plan of query, one step a line, with every
// parameter bound to a text.
func queryPlan(t *testing.T, s *Store, query string) string {
	t.Helper()
	args := make([]any, strings.Count(query, "?"))
	for i := range args {
		args[i] = "a"
	}
	rows, err := s.db.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatalf("EXPLAIN QUERY PLAN: %v", err)
	}
	defer rows.Close()
	var details []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatalf("EXPLAIN QUERY PLAN: %v", err)
		}
		details = append(details, detail)
	}
	return strings.Join(details, "\n")
}
