package orders

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Store keeps every order and every change to it, so that the board can be
// rebuilt after a restart or a crash. The board writes to its store before
// it announces a change to any screen or acknowledges it to any caller.
//
// Implementations live in their own packages (orders/sqlite); they all pass
// the conformance suite in orders/storetest. A Store is safe for concurrent
// use; the board makes one change at a time. A write that returns an error
// has written nothing. "In the order placed" and "newest" follow order IDs.
type Store interface {
	// Load returns what a board needs to start: every open order in the
	// order placed, the orders bumped or cancelled at or after recentSince
	// for the recall list (newest bump or cancel time first, see Saved),
	// and the order with the highest ID (the zero Order if none).
	Load(ctx context.Context, recentSince time.Time) (Saved, error)
	// Insert records a new order, with the idempotency key it was placed
	// with ("" for none). It fails, changing nothing, if the ID is taken.
	Insert(ctx context.Context, o Order, key string) error
	// Update records o's status, recalled flag, done stations, done items
	// and times; every other field stays as inserted. It returns
	// ErrNotFound for an unknown ID.
	Update(ctx context.Context, o Order) error
	// Get returns the order with the given ID, or ErrNotFound.
	Get(ctx context.Context, id int64) (Order, error)
	// Find returns the newest order placed at or after since with the
	// given idempotency key or, if sourceID is not "", the given source
	// ID; or ErrNotFound. An empty key matches nothing.
	Find(ctx context.Context, key, sourceID string, since time.Time) (Order, error)
	// List returns the orders with one of the given statuses (all if none
	// is given), in the order placed, at most limit of them (the newest
	// ones when there are more; no limit when limit is negative).
	List(ctx context.Context, limit int, statuses ...Status) ([]Order, error)
	// Bumped returns the orders bumped at or after since, in bump order.
	Bumped(ctx context.Context, since time.Time) ([]Order, error)
	// Close releases the store.
	Close() error
}

// Saved is what Store.Load returns.
type Saved struct {
	// Open holds the orders on the rail, in the order placed.
	Open []Order
	// Recent holds the orders for the recall list: bumped ones by their
	// bump time and cancelled ones by their cancel time, the newest
	// first; those at the same time in the order placed.
	Recent []Order
	// Last is the order with the highest ID.
	Last Order
}

// MemoryStore is a Store that keeps orders in memory only: for tests,
// demonstrations and programs that need no persistence.
type MemoryStore struct {
	mu     sync.Mutex
	orders map[int64]memoryOrder
}

type memoryOrder struct {
	Order
	key string
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{orders: make(map[int64]memoryOrder)}
}

// sorted returns the stored orders that match keep, by ID.
func (m *MemoryStore) sorted(keep func(Order) bool) []Order {
	var out []Order
	for _, o := range m.orders {
		if keep(o.Order) {
			out = append(out, o.Order)
		}
	}
	slices.SortFunc(out, func(a, b Order) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// Load implements Store.
func (m *MemoryStore) Load(ctx context.Context, recentSince time.Time) (Saved, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var s Saved
	s.Open = m.sorted(func(o Order) bool { return o.Status.Open() })
	s.Recent = m.sorted(func(o Order) bool {
		return (o.Status == Bumped || o.Status == Cancelled) && !closedAt(o).Before(recentSince)
	})
	slices.SortStableFunc(s.Recent, func(a, b Order) int { return closedAt(b).Compare(closedAt(a)) })
	for _, o := range m.orders {
		if o.ID > s.Last.ID {
			s.Last = o.Order
		}
	}
	return s, nil
}

// Insert implements Store.
func (m *MemoryStore) Insert(ctx context.Context, o Order, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.orders[o.ID]; ok {
		return fmt.Errorf("memory store: insert %d: ID taken", o.ID)
	}
	o.Items = cloneItems(o.Items)
	o.Notes = slices.Clone(o.Notes)
	o.Done = slices.Clone(o.Done)
	o.Allergens = slices.Clone(o.Allergens)
	o.ItemsDone = slices.Clone(o.ItemsDone)
	m.orders[o.ID] = memoryOrder{o, key}
	return nil
}

// Update implements Store.
func (m *MemoryStore) Update(ctx context.Context, o Order) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	saved, ok := m.orders[o.ID]
	if !ok {
		return fmt.Errorf("memory store: update %d: %w", o.ID, ErrNotFound)
	}
	saved.Status, saved.Recalled = o.Status, o.Recalled
	saved.Done, saved.ItemsDone = slices.Clone(o.Done), slices.Clone(o.ItemsDone)
	saved.FiredAt, saved.BumpedAt, saved.CancelledAt = o.FiredAt, o.BumpedAt, o.CancelledAt
	m.orders[o.ID] = saved
	return nil
}

// Get implements Store.
func (m *MemoryStore) Get(ctx context.Context, id int64) (Order, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.orders[id]
	if !ok {
		return Order{}, fmt.Errorf("memory store: get %d: %w", id, ErrNotFound)
	}
	return o.Order, nil
}

// Find implements Store.
func (m *MemoryStore) Find(ctx context.Context, key, sourceID string, since time.Time) (Order, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var found Order
	for _, o := range m.orders {
		match := key != "" && o.key == key || sourceID != "" && o.SourceID == sourceID
		if match && !o.PlacedAt.Before(since) && o.ID > found.ID {
			found = o.Order
		}
	}
	if found.ID == 0 {
		return Order{}, fmt.Errorf("memory store: find: %w", ErrNotFound)
	}
	return found, nil
}

// List implements Store.
func (m *MemoryStore) List(ctx context.Context, limit int, statuses ...Status) ([]Order, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.sorted(func(o Order) bool { return len(statuses) == 0 || slices.Contains(statuses, o.Status) })
	if limit >= 0 && len(out) > limit {
		out = out[len(out)-limit:]
	}
	return out, nil
}

// Bumped implements Store.
func (m *MemoryStore) Bumped(ctx context.Context, since time.Time) ([]Order, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.sorted(func(o Order) bool { return o.Status == Bumped && !o.BumpedAt.Before(since) })
	slices.SortStableFunc(out, func(a, b Order) int { return a.BumpedAt.Compare(b.BumpedAt) })
	return out, nil
}

// Close implements Store.
func (m *MemoryStore) Close() error { return nil }
