package orders

import (
	"fmt"
	"slices"
	"sync"
	"time"
)

// Board holds the rail: the open tickets in order, oldest first. It is the
// only writer of that state. Every change increments the board's version
// and is published on the board's hub as an Event carrying the new version.
// A Board is safe for concurrent use.
type Board struct {
	now func() time.Time
	hub *Hub

	mu      sync.Mutex
	version uint64
	lastID  int64
	number  int     // the display number given to the last order
	open    []Order // the rail, oldest first
}

// BoardConfig configures a Board. The zero value is usable.
type BoardConfig struct {
	// Now tells the time orders are placed at. Default time.Now.
	Now func() time.Time
	// QueueLen is how many events a subscriber may fall behind before it is
	// brought current with a snapshot. Default DefaultQueueLen.
	QueueLen int
}

// NewBoard returns an empty board.
func NewBoard(cfg BoardConfig) *Board {
	b := &Board{now: cfg.Now, number: FirstNumber - 1}
	if b.now == nil {
		b.now = time.Now
	}
	b.hub = NewHub(cfg.QueueLen, b.Snapshot)
	return b
}

// Place validates n, gives it an ID, a display number and the current time,
// hangs it at the end of the rail and announces it. It returns the placed
// order, or an error wrapping ErrInvalid.
func (b *Board) Place(n NewOrder) (Order, error) {
	if err := n.Validate(); err != nil {
		return Order{}, fmt.Errorf("orders: place: %w", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lastID++
	b.number++
	if b.number > LastNumber {
		b.number = FirstNumber
	}
	o := Order{
		ID:          b.lastID,
		Number:      b.number,
		PlacedAt:    b.now(),
		Destination: n.Destination,
		Status:      Received,
		Items:       cloneItems(n.Items),
		Notes:       slices.Clone(n.Notes),
	}
	b.open = append(b.open, o)
	b.publish(EventPlaced, o)
	return o, nil
}

// Bump marks an open order as done and takes it off the rail. It returns
// the bumped order, or an error wrapping ErrNotFound if no open order has
// that ID.
func (b *Board) Bump(id int64) (Order, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	i := slices.IndexFunc(b.open, func(o Order) bool { return o.ID == id })
	if i < 0 {
		return Order{}, fmt.Errorf("orders: bump %d: %w", id, ErrNotFound)
	}
	o := b.open[i]
	o.Status = Bumped
	b.open = slices.Delete(b.open, i, i+1)
	b.publish(EventBumped, o)
	return o, nil
}

// publish announces a change to o. The caller holds b.mu, so events reach
// the hub in version order.
func (b *Board) publish(kind EventKind, o Order) {
	b.version++
	b.hub.Publish(Event{Kind: kind, Version: b.version, Order: o})
}

// Snapshot returns the whole rail as an EventSnapshot at the current
// version.
func (b *Board) Snapshot() Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	return Event{Kind: EventSnapshot, Version: b.version, Orders: slices.Clone(b.open)}
}

// Open returns the open orders in rail order.
func (b *Board) Open() []Order { return b.Snapshot().Orders }

// Order returns the open order with the given ID, or an error wrapping
// ErrNotFound.
func (b *Board) Order(id int64) (Order, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, o := range b.open {
		if o.ID == id {
			return o, nil
		}
	}
	return Order{}, fmt.Errorf("orders: order %d: %w", id, ErrNotFound)
}

// Version returns the board's current version.
func (b *Board) Version() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.version
}

// Subscribe returns a subscription to the board's events. Its first event
// is a snapshot of the rail. Close it when done.
func (b *Board) Subscribe() *Subscription { return b.hub.Subscribe() }

// Subscribers returns how many subscriptions are open.
func (b *Board) Subscribers() int { return b.hub.Subscribers() }

func cloneItems(items []Item) []Item {
	out := make([]Item, len(items))
	for i, it := range items {
		it.Modifiers = slices.Clone(it.Modifiers)
		out[i] = it
	}
	return out
}
