package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ticketrail/ticketrail/internal/pgtest"
	"github.com/ticketrail/ticketrail/orders"
	"github.com/ticketrail/ticketrail/orders/postgres"
	"github.com/ticketrail/ticketrail/orders/storetest"
)

// open opens the store at url and fails the test if that fails. The
// store is closed when the test ends unless the test closed it.
func open(t *testing.T, url string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStore(t *testing.T) {
	t.Parallel()
	c := pgtest.Start(t)
	var mu sync.Mutex
	urls := make(map[orders.Store]string) // the database of each store
	openAt := func(t *testing.T, url string) orders.Store {
		s, err := postgres.Open(t.Context(), url)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		mu.Lock()
		urls[s] = url
		mu.Unlock()
		return s
	}
	urlOf := func(s orders.Store) string {
		mu.Lock()
		defer mu.Unlock()
		return urls[s]
	}
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) orders.Store { return openAt(t, c.NewDatabase(t)) },
		Reopen: func(t *testing.T, s orders.Store) orders.Store {
			url := urlOf(s)
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			return openAt(t, url)
		},
		Share: func(t *testing.T, s orders.Store) orders.Store { return openAt(t, urlOf(s)) },
	})
}

// order returns an order to insert.
func order(source string) orders.Order {
	return orders.Order{
		SourceID:    source,
		Destination: orders.Takeout,
		Status:      orders.Received,
		Items:       []orders.Item{{Quantity: 1, Name: "Socket Burger", Station: orders.Grill}},
		PlacedAt:    time.Now(),
	}
}

// insert inserts o and fails the test if that fails.
func insert(t *testing.T, s orders.Store, o orders.Order) orders.Entry {
	t.Helper()
	e, err := s.Insert(t.Context(), o, orders.Idempotency{}, time.Time{}, orders.Change{At: o.PlacedAt, Actor: "test", Action: orders.ActionPlaced})
	if err != nil {
		t.Fatalf("Insert: %v", err)
	}
	return e
}

// fire is an Edit that fires a received order.
func fire(o *orders.Order) (orders.Entry, error) {
	if o.Status != orders.Received {
		return orders.Entry{}, nil
	}
	o.Status, o.FiredAt = orders.Fired, time.Now()
	return orders.Entry{Kind: orders.EventFired, Change: orders.Change{At: o.FiredAt, Actor: "test", Action: orders.ActionFired}}, nil
}

// TestConcurrentOpen opens five stores on one new database at once: one
// of them migrates, the others wait, and all of them work.
func TestConcurrentOpen(t *testing.T) {
	t.Parallel()
	c := pgtest.Start(t)
	url := c.NewDatabase(t)
	const n = 5
	stores := make([]*postgres.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = postgres.Open(t.Context(), url) })
	}
	wg.Wait()
	for i, s := range stores {
		if errs[i] != nil {
			t.Errorf("Open %d: %v", i, errs[i])
			continue
		}
		defer s.Close()
		if err := s.Ready(t.Context()); err != nil {
			t.Errorf("Ready %d: %v", i, err)
		}
	}
	if t.Failed() {
		return
	}
	for i, s := range stores {
		if e := insert(t, s, order(fmt.Sprint("pos-", i))); e.Version != uint64(i+1) || e.Order.ID != int64(i+1) {
			t.Errorf("Insert through store %d = version %d, order %d; want %d", i, e.Version, e.Order.ID, i+1)
		}
	}
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var rows, versions int
	if err := conn.QueryRow(t.Context(), `SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&rows, &versions); err != nil {
		t.Fatal(err)
	}
	if rows != versions || rows == 0 {
		t.Errorf("schema_migrations has %d rows for %d versions", rows, versions)
	}
}

// TestNewerSchema checks that Open refuses a database that a newer
// program migrated.
func TestNewerSchema(t *testing.T) {
	t.Parallel()
	c := pgtest.Start(t)
	url := c.NewDatabase(t)
	open(t, url).Close()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), `INSERT INTO schema_migrations (version) VALUES (9999)`); err != nil {
		t.Fatal(err)
	}
	s, err := postgres.Open(t.Context(), url)
	if err == nil {
		s.Close()
		t.Fatal("Open of a database with schema version 9999 succeeded")
	}
	if !strings.Contains(err.Error(), "9999") {
		t.Errorf("Open: %v; want it to name version 9999", err)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := t.Context()
	for _, url := range []string{"", "postgres://u:secret@host:notaport/db", "host=x port=y"} {
		s, err := postgres.Open(ctx, url)
		if err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", url)
			continue
		}
		if errors.Is(err, orders.ErrUnavailable) || strings.Contains(err.Error(), "secret") {
			t.Errorf("Open(%q) = %v; want a bad URL that does not show the password", url, err)
		}
	}
	// Nothing listens on port 1.
	start := time.Now()
	s, err := postgres.Open(ctx, "postgres://postgres@127.0.0.1:1/x?sslmode=disable")
	if err == nil {
		s.Close()
		t.Fatal("Open of a server that is not there succeeded")
	}
	if !errors.Is(err, orders.ErrUnavailable) {
		t.Errorf("Open of a server that is not there = %v; want ErrUnavailable", err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("Open of a server that is not there took %v", d)
	}
}

// TestOpenMissingDatabase checks that a database that is not there is a
// mistake to fix, not a server to wait for.
func TestOpenMissingDatabase(t *testing.T) {
	t.Parallel()
	c := pgtest.Start(t)
	s, err := postgres.Open(t.Context(), c.URL("not_there"))
	if err == nil {
		s.Close()
		t.Fatal("Open of a database that is not there succeeded")
	}
	if errors.Is(err, orders.ErrUnavailable) || !strings.Contains(err.Error(), "not_there") {
		t.Errorf("Open of a database that is not there = %v; want an error naming it, not ErrUnavailable", err)
	}
}

// TestWatch checks that a store hears of the changes that another store on
// the same database commits, in order.
func TestWatch(t *testing.T) {
	t.Parallel()
	c := pgtest.Start(t)
	url := c.NewDatabase(t)
	watcher, writer := open(t, url), open(t, url)
	ctx, cancel := context.WithCancel(t.Context())
	listening := make(chan struct{})
	versions := make(chan uint64, 100)
	watched := make(chan error, 1)
	go func() {
		watched <- watcher.Watch(ctx, func() { close(listening) }, func(v uint64) { versions <- v })
	}()
	select {
	case <-listening:
	case err := <-watched:
		t.Fatalf("Watch: %v", err)
	}
	for i := range 3 {
		insert(t, writer, order(fmt.Sprint("pos-", i)))
	}
	if _, err := writer.Update(t.Context(), 2, fire); err != nil {
		t.Fatalf("Update: %v", err)
	}
	// An edit that changes nothing writes nothing, and tells nothing.
	if e, err := writer.Update(t.Context(), 2, fire); err != nil || e.Version != 0 {
		t.Fatalf("Update again = version %d, %v; want 0, nil", e.Version, err)
	}
	insert(t, writer, order("pos-last"))
	for want := uint64(1); want <= 5; want++ {
		select {
		case v := <-versions:
			if v != want {
				t.Fatalf("Watch told version %d; want %d", v, want)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("Watch did not tell version %d", want)
		}
	}
	cancel()
	if err := <-watched; !errors.Is(err, context.Canceled) {
		t.Errorf("Watch after its context was cancelled = %v; want context.Canceled", err)
	}
}

// TestWatchServerStops checks that Watch returns an error wrapping
// ErrUnavailable when the server goes, and that Close ends a Watch.
func TestWatchServerStops(t *testing.T) {
	t.Parallel()
	c := pgtest.Start(t)
	s := open(t, c.NewDatabase(t))
	listening := make(chan struct{})
	watched := make(chan error, 1)
	go func() { watched <- s.Watch(t.Context(), func() { close(listening) }, func(uint64) {}) }()
	<-listening
	c.Stop(t)
	select {
	case err := <-watched:
		if !errors.Is(err, orders.ErrUnavailable) {
			t.Errorf("Watch when the server stopped = %v; want ErrUnavailable", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Watch did not return when the server stopped")
	}
	if err := s.Watch(t.Context(), func() { t.Error("listening without a server") }, func(uint64) {}); !errors.Is(err, orders.ErrUnavailable) {
		t.Errorf("Watch without a server = %v; want ErrUnavailable", err)
	}

	c.Start(t)
	listening = make(chan struct{})
	go func() { watched <- s.Watch(t.Context(), func() { close(listening) }, func(uint64) {}) }()
	<-listening
	s.Close()
	if err := <-watched; err == nil || errors.Is(err, orders.ErrUnavailable) {
		t.Errorf("Watch when the store closed = %v; want the store closed", err)
	}
}

// leader runs Lead on s in the background, sending name on led each time
// it starts to lead and on lost each time it stops.
func leader(t *testing.T, s *postgres.Store, name string, led, lost chan<- string) <-chan error {
	done := make(chan error, 1)
	go func() {
		done <- s.Lead(t.Context(), "demo", func(ctx context.Context) {
			led <- name
			<-ctx.Done()
			lost <- name
		})
	}()
	return done
}

// TestLead checks that of two stores one leads, and that the other takes
// over when the first is closed.
func TestLead(t *testing.T) {
	t.Parallel()
	c := pgtest.Start(t)
	url := c.NewDatabase(t)
	stores := map[string]*postgres.Store{"a": open(t, url), "b": open(t, url)}
	led, lost := make(chan string, 10), make(chan string, 10)
	done := map[string]<-chan error{}
	for name, s := range stores {
		done[name] = leader(t, s, name, led, lost)
	}
	var first string
	select {
	case first = <-led:
	case <-time.After(time.Minute):
		t.Fatal("no store leads")
	}
	// The other tries every 2 seconds: give it a few tries.
	select {
	case second := <-led:
		t.Fatalf("%s leads while %s does", second, first)
	case <-time.After(5 * time.Second):
	}
	stores[first].Close()
	if name := <-lost; name != first {
		t.Errorf("%s stopped leading; want %s", name, first)
	}
	if err := <-done[first]; err == nil {
		t.Errorf("Lead of the closed store returned nil")
	}
	select {
	case second := <-led:
		if second == first {
			t.Errorf("%s leads again after it was closed", first)
		}
	case <-time.After(time.Minute):
		t.Fatal("the other store does not take over")
	}
}

// TestLeadServerStops checks that a leader's context is done when the
// server goes, and that it leads again when the server is back.
func TestLeadServerStops(t *testing.T) {
	t.Parallel()
	c := pgtest.Start(t)
	s := open(t, c.NewDatabase(t))
	led, lost := make(chan string, 10), make(chan string, 10)
	leader(t, s, "a", led, lost)
	<-led
	c.Stop(t)
	select {
	case <-lost:
	case <-time.After(time.Minute):
		t.Fatal("the leader's context is not done when the server stopped")
	}
	c.Start(t)
	select {
	case <-led:
	case <-time.After(time.Minute):
		t.Fatal("no lead once the server is back")
	}
}

// TestServerStops checks that every call fails with an error wrapping
// ErrUnavailable while the server is down, and works again once it is
// back.
func TestServerStops(t *testing.T) {
	t.Parallel()
	c := pgtest.Start(t)
	s := open(t, c.NewDatabase(t))
	ctx := t.Context()
	insert(t, s, order("pos-1"))
	if err := s.Ready(ctx); err != nil {
		t.Fatalf("Ready: %v", err)
	}

	c.Stop(t)
	_, err := s.Insert(ctx, order("pos-2"), orders.Idempotency{}, time.Time{}, orders.Change{Actor: "test", Action: orders.ActionPlaced})
	if !errors.Is(err, orders.ErrUnavailable) {
		t.Errorf("Insert while stopped = %v; want ErrUnavailable", err)
	}
	if _, err := s.Update(ctx, 1, fire); !errors.Is(err, orders.ErrUnavailable) {
		t.Errorf("Update while stopped = %v; want ErrUnavailable", err)
	}
	if _, err := s.Get(ctx, 1); !errors.Is(err, orders.ErrUnavailable) {
		t.Errorf("Get while stopped = %v; want ErrUnavailable", err)
	}
	if _, err := s.Load(ctx, time.Time{}); !errors.Is(err, orders.ErrUnavailable) {
		t.Errorf("Load while stopped = %v; want ErrUnavailable", err)
	}
	if _, err := s.Log(ctx, 0, 10); !errors.Is(err, orders.ErrUnavailable) {
		t.Errorf("Log while stopped = %v; want ErrUnavailable", err)
	}
	if err := s.Ready(ctx); !errors.Is(err, orders.ErrUnavailable) {
		t.Errorf("Ready while stopped = %v; want ErrUnavailable", err)
	}

	c.Start(t)
	if err := s.Ready(ctx); err != nil {
		t.Errorf("Ready once started again: %v", err)
	}
	e, err := s.Update(ctx, 1, fire)
	if err != nil || e.Version != 2 || e.Order.Status != orders.Fired {
		t.Errorf("Update once started again = version %d, %s, %v; want version 2, fired", e.Version, e.Order.Status, err)
	}
	if e := insert(t, s, order("pos-3")); e.Version != 3 || e.Order.ID != 2 {
		t.Errorf("Insert once started again = version %d, order %d; want version 3, order 2", e.Version, e.Order.ID)
	}
}

// TestServerRestartsBetweenWrites checks that writes after a restart that
// the pool has not noticed succeed: a connection found dead before the
// commit is replaced.
func TestServerRestartsBetweenWrites(t *testing.T) {
	t.Parallel()
	c := pgtest.Start(t)
	s := open(t, c.NewDatabase(t))
	for i := range 3 {
		insert(t, s, order(fmt.Sprint("pos-", i)))
		c.Kill(t)
		c.Start(t)
	}
	log, err := s.Log(t.Context(), 0, 10)
	if err != nil || len(log) != 3 {
		t.Fatalf("Log = %d entries, %v; want 3", len(log), err)
	}
}
