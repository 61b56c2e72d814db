package orders

import (
	"bytes"
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
// Implementations live in their own packages (orders/sqlite,
// orders/postgres); they all pass the conformance suite in
// orders/storetest. A Store is safe for concurrent use, also by several
// boards. A write that returns an error has written nothing (but see
// ErrUnavailable). "In the order placed" and "newest" follow order IDs.
type Store interface {
	// Load returns what a board needs to start, as one moment of the
	// log: every open order in the order placed, the orders bumped or
	// cancelled at or after recentSince for the recall list (newest bump
	// or cancel time first, see Saved), and the version of the last
	// change (0 for an empty log).
	Load(ctx context.Context, recentSince time.Time) (Saved, error)
	// Insert records o as a new order, as the next change in the log, in
	// one write: it gives o the next ID (one above the highest), the
	// display number after the newest order's (NextNumber), and the
	// log's next version, and records c as the first entry of its
	// history. It returns the entry, of kind EventPlaced.
	//
	// If an order placed at or after since has idem's key or o's source
	// ID (either not ""), Insert writes nothing and returns an error
	// wrapping a *PriorError with that order (the newest one) and its
	// Idempotency. Looking for it and inserting are one step: two
	// processes inserting the same key at once insert one order.
	Insert(ctx context.Context, o Order, idem Idempotency, since time.Time, c Change) (Entry, error)
	// Update calls edit on the order with the given ID as the store
	// holds it and records what edit did as the next change in the log,
	// in one write: the order's status, recalled flag, done stations,
	// done items and times, the log entry and the history entry. No
	// other change to the order falls between what edit sees and the
	// write (compare-and-set), so of two processes changing one order at
	// once, the second sees the first's change. It returns the entry.
	//
	// When edit returns an Entry without a Kind, Update writes nothing
	// and returns an Entry with the order and Version 0. When edit
	// returns an error, Update writes nothing and returns the order and
	// that error as it is, not wrapped: it speaks for itself. It returns
	// ErrNotFound for an unknown ID.
	Update(ctx context.Context, id int64, edit Edit) (Entry, error)
	// Log returns up to limit changes after version after, in version
	// order, each with the order as that change left it.
	Log(ctx context.Context, after uint64, limit int) ([]Entry, error)
	// Get returns the order with the given ID, or ErrNotFound.
	Get(ctx context.Context, id int64) (Order, error)
	// History returns the changes recorded for the order with the given
	// ID, oldest first (in the order written), or ErrNotFound.
	History(ctx context.Context, id int64) ([]Change, error)
	// Find returns the newest order placed at or after since with the
	// given idempotency key or, if sourceID is not "", the given source
	// ID, and what it was inserted with to recognise retries; or
	// ErrNotFound. An empty key matches nothing.
	Find(ctx context.Context, key, sourceID string, since time.Time) (Order, Idempotency, error)
	// List returns the orders with one of the given statuses (all if none
	// is given), in the order placed, at most limit of them (the newest
	// ones when there are more; no limit when limit is negative).
	List(ctx context.Context, limit int, statuses ...Status) ([]Order, error)
	// Bumped returns the orders bumped at or after since, in bump order.
	Bumped(ctx context.Context, since time.Time) ([]Order, error)

	// AddScreen records a newly paired screen and returns it with its ID,
	// which counts up and is never reused. It returns a *FieldError
	// (wrapping ErrInvalid) for a screen that Screen.Validate refuses, and
	// an error wrapping ErrConflict for a token hash another screen has.
	AddScreen(ctx context.Context, s Screen) (Screen, error)
	// ScreenByToken returns the screen whose TokenHash is hash, or
	// ErrNotFound.
	ScreenByToken(ctx context.Context, hash []byte) (Screen, error)
	// Screens returns every paired screen, by ID.
	Screens(ctx context.Context) ([]Screen, error)
	// DeleteScreen forgets a screen, so that its token pairs it no more,
	// or returns ErrNotFound.
	DeleteScreen(ctx context.Context, id int64) error
	// TouchScreen records at as when the screen was last seen, or returns
	// ErrNotFound.
	TouchScreen(ctx context.Context, id int64, at time.Time) error

	// AddPairing records a browser waiting to be paired. It first forgets
	// the pairings created before since (expired) and, beyond max, the
	// oldest ones, so that at most max wait. It returns an error wrapping
	// ErrConflict, adding nothing, when another pairing created at or
	// after since has p's code or p's token hash.
	AddPairing(ctx context.Context, p Pairing, since time.Time, max int) error
	// PairingByCode returns the pairing with the given code created at or
	// after since, or ErrNotFound.
	PairingByCode(ctx context.Context, code string, since time.Time) (Pairing, error)
	// PairingByToken returns the pairing whose TokenHash is hash created
	// at or after since, or ErrNotFound.
	PairingByToken(ctx context.Context, hash []byte, since time.Time) (Pairing, error)
	// DeletePairing forgets the pairing with the given code; forgetting
	// one that is not there is not an error.
	DeletePairing(ctx context.Context, code string) error

	// Ready returns nil when the store can take writes, or why it cannot
	// (a read-only database, a lock held by another process, a full
	// disk). It is cheap enough to ask every few seconds.
	Ready(ctx context.Context) error
	// Close releases the store.
	Close() error
}

// Idempotency is what a store keeps with an order to recognise a retry of
// it (see Board.Place).
type Idempotency struct {
	// Key is the idempotency key the order was placed with, "" for none.
	Key string
	// Fingerprint is NewOrder.Fingerprint of what was placed; nil for an
	// order stored before fingerprints were kept, which any retry matches.
	Fingerprint []byte
}

// Saved is what Store.Load returns.
type Saved struct {
	// Open holds the orders on the rail, in the order placed.
	Open []Order
	// Recent holds the orders for the recall list: bumped ones by their
	// bump time and cancelled ones by their cancel time, the newest
	// first; those at the same time in the order placed.
	Recent []Order
	// Version is the version of the last change in the log that the
	// orders show, 0 for none.
	Version uint64
}

// MemoryStore is a Store that keeps orders in memory only: for tests,
// demonstrations and programs that need no persistence.
type MemoryStore struct {
	mu         sync.Mutex
	orders     map[int64]memoryOrder
	screens    map[int64]Screen
	lastScreen int64
	log        []Entry // log[v-1] is version v
	pairings   []Pairing
	reports    map[string]InstanceReport // see Roster
	// notReady, if not nil, is what Ready answers (see SetReady).
	notReady error
}

type memoryOrder struct {
	Order
	idem    Idempotency
	history []Change
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{orders: make(map[int64]memoryOrder), screens: make(map[int64]Screen)}
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
	s.Version = uint64(len(m.log))
	return s, nil
}

// Insert implements Store.
func (m *MemoryStore) Insert(ctx context.Context, o Order, idem Idempotency, since time.Time, c Change) (Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if prior, ok := m.find(idem.Key, o.SourceID, since); ok {
		return Entry{}, fmt.Errorf("memory store: insert: %w", prior)
	}
	var last memoryOrder
	for _, p := range m.orders {
		if p.ID > last.ID {
			last = p
		}
	}
	o.ID, o.Number = last.ID+1, NextNumber(last.Number)
	o.Items = cloneItems(o.Items)
	o.Notes = slices.Clone(o.Notes)
	o.Done = slices.Clone(o.Done)
	o.Allergens = slices.Clone(o.Allergens)
	o.ItemsDone = slices.Clone(o.ItemsDone)
	idem.Fingerprint = slices.Clone(idem.Fingerprint)
	m.orders[o.ID] = memoryOrder{o, idem, []Change{c}}
	return m.append(Entry{Kind: EventPlaced, Order: o, Change: c}), nil
}

// append adds e to the log at the next version and returns it. The caller
// holds m.mu.
func (m *MemoryStore) append(e Entry) Entry {
	e.Version = uint64(len(m.log)) + 1
	m.log = append(m.log, e)
	return e
}

// Update implements Store.
func (m *MemoryStore) Update(ctx context.Context, id int64, edit Edit) (Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	saved, ok := m.orders[id]
	if !ok {
		return Entry{}, fmt.Errorf("memory store: update %d: %w", id, ErrNotFound)
	}
	o := saved.Order
	o.Done, o.ItemsDone = slices.Clone(o.Done), slices.Clone(o.ItemsDone)
	e, err := edit(&o)
	if err != nil {
		return Entry{Order: saved.Order}, err
	}
	if e.Kind == "" {
		return Entry{Order: saved.Order}, nil
	}
	saved.Status, saved.Recalled = o.Status, o.Recalled
	saved.Done, saved.ItemsDone = o.Done, o.ItemsDone
	saved.FiredAt, saved.BumpedAt, saved.CancelledAt = o.FiredAt, o.BumpedAt, o.CancelledAt
	saved.history = append(saved.history, e.Change)
	m.orders[id] = saved
	e.Order = saved.Order
	return m.append(e), nil
}

// Log implements Store.
func (m *MemoryStore) Log(ctx context.Context, after uint64, limit int) ([]Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if after >= uint64(len(m.log)) || limit <= 0 {
		return nil, nil
	}
	out := m.log[after:]
	if len(out) > limit {
		out = out[:limit]
	}
	return slices.Clone(out), nil
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

// History implements Store.
func (m *MemoryStore) History(ctx context.Context, id int64) ([]Change, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.orders[id]
	if !ok {
		return nil, fmt.Errorf("memory store: history %d: %w", id, ErrNotFound)
	}
	return slices.Clone(o.history), nil
}

// Find implements Store.
func (m *MemoryStore) Find(ctx context.Context, key, sourceID string, since time.Time) (Order, Idempotency, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	prior, ok := m.find(key, sourceID, since)
	if !ok {
		return Order{}, Idempotency{}, fmt.Errorf("memory store: find: %w", ErrNotFound)
	}
	return prior.Order, prior.Idempotency, nil
}

// find returns the newest order placed at or after since with the given
// idempotency key or source ID, either not "". The caller holds m.mu.
func (m *MemoryStore) find(key, sourceID string, since time.Time) (*PriorError, bool) {
	var found memoryOrder
	for _, o := range m.orders {
		match := key != "" && o.idem.Key == key || sourceID != "" && o.SourceID == sourceID
		if match && !o.PlacedAt.Before(since) && o.ID > found.ID {
			found = o
		}
	}
	if found.ID == 0 {
		return nil, false
	}
	idem := found.idem
	idem.Fingerprint = slices.Clone(idem.Fingerprint)
	return &PriorError{Order: found.Order, Idempotency: idem}, true
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

// AddScreen implements Store.
func (m *MemoryStore) AddScreen(ctx context.Context, s Screen) (Screen, error) {
	if err := s.Validate(); err != nil {
		return Screen{}, fmt.Errorf("memory store: add screen: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, other := range m.screens {
		if bytes.Equal(other.TokenHash, s.TokenHash) {
			return Screen{}, fmt.Errorf("memory store: add screen: token hash taken by screen %d: %w", other.ID, ErrConflict)
		}
	}
	m.lastScreen++
	s.ID = m.lastScreen
	s.TokenHash = slices.Clone(s.TokenHash)
	m.screens[s.ID] = s
	s.TokenHash = slices.Clone(s.TokenHash)
	return s, nil
}

// ScreenByToken implements Store.
func (m *MemoryStore) ScreenByToken(ctx context.Context, hash []byte) (Screen, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range m.screens {
		if len(hash) > 0 && bytes.Equal(s.TokenHash, hash) {
			s.TokenHash = slices.Clone(s.TokenHash)
			return s, nil
		}
	}
	return Screen{}, fmt.Errorf("memory store: screen by token: %w", ErrNotFound)
}

// Screens implements Store.
func (m *MemoryStore) Screens(ctx context.Context) ([]Screen, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Screen, 0, len(m.screens))
	for _, s := range m.screens {
		s.TokenHash = slices.Clone(s.TokenHash)
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Screen) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// DeleteScreen implements Store.
func (m *MemoryStore) DeleteScreen(ctx context.Context, id int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.screens[id]; !ok {
		return fmt.Errorf("memory store: delete screen %d: %w", id, ErrNotFound)
	}
	delete(m.screens, id)
	return nil
}

// TouchScreen implements Store.
func (m *MemoryStore) TouchScreen(ctx context.Context, id int64, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.screens[id]
	if !ok {
		return fmt.Errorf("memory store: touch screen %d: %w", id, ErrNotFound)
	}
	s.LastSeen = at
	m.screens[id] = s
	return nil
}

// AddPairing implements Store.
func (m *MemoryStore) AddPairing(ctx context.Context, p Pairing, since time.Time, max int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pairings = slices.DeleteFunc(m.pairings, func(q Pairing) bool { return q.Created.Before(since) })
	for _, q := range m.pairings {
		if q.Code == p.Code || bytes.Equal(q.TokenHash, p.TokenHash) {
			return fmt.Errorf("memory store: add pairing: code or token hash taken: %w", ErrConflict)
		}
	}
	slices.SortStableFunc(m.pairings, func(a, b Pairing) int { return a.Created.Compare(b.Created) })
	if n := len(m.pairings) - max + 1; n > 0 {
		m.pairings = slices.Delete(m.pairings, 0, min(n, len(m.pairings)))
	}
	p.TokenHash = slices.Clone(p.TokenHash)
	m.pairings = append(m.pairings, p)
	return nil
}

// PairingByCode implements Store.
func (m *MemoryStore) PairingByCode(ctx context.Context, code string, since time.Time) (Pairing, error) {
	return m.pairing("code", func(p Pairing) bool { return p.Code == code }, since)
}

// PairingByToken implements Store.
func (m *MemoryStore) PairingByToken(ctx context.Context, hash []byte, since time.Time) (Pairing, error) {
	return m.pairing("token", func(p Pairing) bool { return len(hash) > 0 && bytes.Equal(p.TokenHash, hash) }, since)
}

// pairing returns the pairing created at or after since for which match
// holds; by names the lookup in the error.
func (m *MemoryStore) pairing(by string, match func(Pairing) bool, since time.Time) (Pairing, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range m.pairings {
		if match(p) && !p.Created.Before(since) {
			p.TokenHash = slices.Clone(p.TokenHash)
			return p, nil
		}
	}
	return Pairing{}, fmt.Errorf("memory store: pairing by %s: %w", by, ErrNotFound)
}

// DeletePairing implements Store.
func (m *MemoryStore) DeletePairing(ctx context.Context, code string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pairings = slices.DeleteFunc(m.pairings, func(p Pairing) bool { return p.Code == code })
	return nil
}

// Ready implements Store: a MemoryStore is ready unless SetReady said
// otherwise.
func (m *MemoryStore) Ready(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.notReady != nil {
		return fmt.Errorf("memory store: %w", m.notReady)
	}
	return nil
}

// SetReady makes Ready answer err (nil: ready), so that tests can show
// what a store that cannot write does. It changes nothing else: writes
// still succeed.
func (m *MemoryStore) SetReady(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.notReady = err
}

// Close implements Store.
func (m *MemoryStore) Close() error { return nil }
