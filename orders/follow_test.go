package orders_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ticketrail/ticketrail/orders"
)

// sharedStore is a MemoryStore that tells watchers of every change, as a
// database that several processes share does, and that can be taken away
// (down) like a database server that stops.
type sharedStore struct {
	*orders.MemoryStore
	mu       sync.Mutex
	down     bool          // writes and reads fail
	deaf     bool          // watching fails
	cut      chan struct{} // closed when watching starts to fail
	watchers map[chan uint64]struct{}
}

func newSharedStore() *sharedStore {
	return &sharedStore{MemoryStore: orders.NewMemoryStore(), cut: make(chan struct{}), watchers: make(map[chan uint64]struct{})}
}

// setDown makes writes and reads fail (down) and watching fail (deaf), or
// work again.
func (s *sharedStore) setDown(down, deaf bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if deaf && !s.deaf {
		close(s.cut)
	}
	if !deaf && s.deaf {
		s.cut = make(chan struct{})
	}
	s.down, s.deaf = down, deaf
}

func (s *sharedStore) away() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return fmt.Errorf("shared store: %w", orders.ErrUnavailable)
	}
	return nil
}

func (s *sharedStore) tell(e orders.Entry, err error) (orders.Entry, error) {
	if err != nil || e.Version == 0 {
		return e, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for w := range s.watchers {
		select {
		case w <- e.Version:
		default: // a watcher that is behind reads the log anyway
		}
	}
	return e, nil
}

func (s *sharedStore) Insert(ctx context.Context, o orders.Order, idem orders.Idempotency, since time.Time, c orders.Change) (orders.Entry, error) {
	if err := s.away(); err != nil {
		return orders.Entry{}, err
	}
	return s.tell(s.MemoryStore.Insert(ctx, o, idem, since, c))
}

func (s *sharedStore) Update(ctx context.Context, id int64, edit orders.Edit) (orders.Entry, error) {
	if err := s.away(); err != nil {
		return orders.Entry{}, err
	}
	return s.tell(s.MemoryStore.Update(ctx, id, edit))
}

func (s *sharedStore) Log(ctx context.Context, after uint64, limit int) ([]orders.Entry, error) {
	if err := s.away(); err != nil {
		return nil, err
	}
	return s.MemoryStore.Log(ctx, after, limit)
}

func (s *sharedStore) Watch(ctx context.Context, listening func(), committed func(uint64)) error {
	s.mu.Lock()
	if s.deaf {
		s.mu.Unlock()
		return errors.New("connection refused")
	}
	w, cut := make(chan uint64, 64), s.cut
	s.watchers[w] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.watchers, w)
		s.mu.Unlock()
	}()
	listening()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-cut:
			return errors.New("the server closed the connection")
		case v := <-w:
			committed(v)
		}
	}
}

// until returns the next event of s for which ok holds, skipping others,
// or fails the test when none comes within a generous time.
func until(t *testing.T, s *orders.Subscription, what string, ok func(orders.Event) bool) orders.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for {
		e, err := s.Next(ctx)
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if ok(e) {
			return e
		}
	}
}

// TestFollowSharedStore checks that a board shows the changes another
// board makes on a store they share, goes offline when the store goes
// away (refusing changes), and catches up with what it missed once the
// store is back.
func TestFollowSharedStore(t *testing.T) {
	store := newSharedStore()
	open := func() *orders.Board {
		b, err := orders.OpenBoard(t.Context(), store, orders.BoardConfig{})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b := open(), open()
	ctx, stop := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	defer func() { stop(); wg.Wait() }()
	wg.Go(func() { b.Follow(ctx) })
	sub := b.Subscribe()
	defer sub.Close()
	next(t, sub) // the snapshot

	placed, _, err := a.Place(t.Context(), burger())
	if err != nil {
		t.Fatal(err)
	}
	e := until(t, sub, "the order placed on the other board", func(e orders.Event) bool { return e.Kind == orders.EventPlaced })
	if e.Order.ID != placed.ID || e.Version != 1 || len(e.Orders) != 1 {
		t.Errorf("got %s of order %d at version %d with %d open, want order %d placed at version 1", e.Kind, e.Order.ID, e.Version, len(e.Orders), placed.ID)
	}

	store.setDown(true, true)
	e = until(t, sub, "the offline tick", func(e orders.Event) bool { return e.OfflineChanged })
	if e.Kind != orders.EventTick || !e.Offline || len(e.Orders) != 1 {
		t.Errorf("got %s offline %v with %d open, want an offline tick with the last rail", e.Kind, e.Offline, len(e.Orders))
	}
	if _, _, err := b.Place(t.Context(), burger()); !errors.Is(err, orders.ErrUnavailable) {
		t.Errorf("Place while offline: %v, want ErrUnavailable", err)
	}
	if _, err := b.Bump(t.Context(), placed.ID); !errors.Is(err, orders.ErrUnavailable) {
		t.Errorf("Bump while offline: %v, want ErrUnavailable", err)
	}
	if err := b.Ready(t.Context()); !errors.Is(err, orders.ErrUnavailable) {
		t.Errorf("Ready while offline: %v, want ErrUnavailable", err)
	}
	if snap := b.Snapshot(); !snap.Offline || len(snap.Orders) != 1 {
		t.Errorf("snapshot while offline: offline %v, %d open; want offline with the last rail", snap.Offline, len(snap.Orders))
	}

	// What changes while b cannot listen, b never hears of; it reads it
	// from the log once the store is back.
	store.setDown(false, true) // a writes; b does not hear of it
	second, _, err := a.Place(t.Context(), burger())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Bump(t.Context(), placed.ID); err != nil {
		t.Fatal(err)
	}
	store.setDown(false, false)
	e = until(t, sub, "the bump missed while offline", func(e orders.Event) bool { return e.Kind == orders.EventBumped })
	if e.Order.ID != placed.ID || e.Version != 3 || len(e.Orders) != 1 || e.Orders[0].ID != second.ID {
		t.Errorf("got %s of order %d at version %d, rail %v; want order %d bumped at version 3, order %d open", e.Kind, e.Order.ID, e.Version, e.Orders, placed.ID, second.ID)
	}
	e = until(t, sub, "the tick back online", func(e orders.Event) bool { return e.OfflineChanged })
	if e.Offline {
		t.Error("the tick after catching up says offline")
	}
	if err := b.Ready(t.Context()); err != nil {
		t.Errorf("Ready once back: %v", err)
	}
	if _, err := b.Fire(t.Context(), second.ID); err != nil {
		t.Errorf("Fire once back: %v", err)
	}
	if err := a.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got, want := a.Snapshot(), b.Snapshot(); got.Version != want.Version || len(got.Orders) != 1 || got.Orders[0].Status != orders.Fired {
		t.Errorf("board a at version %d with %v, b at %d; want both at one version with order %d fired", got.Version, got.Orders, want.Version, second.ID)
	}
}
