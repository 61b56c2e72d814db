package orders

import (
	"context"
	"errors"
	"fmt"
)

// Entry is one change in a store's log: what was done to which order, the
// order as the change left it, and the rail's version after it. Every
// change to every order is an entry, and versions count them: the first
// change is version 1 and each one after it the next number, with no gaps,
// whichever process made it. The board is a projection of the log: it
// applies entries in version order (see Board.Follow).
type Entry struct {
	// Version is the rail's version after the change: its place in the
	// log.
	Version uint64
	// Kind is what was done: EventPlaced, EventFired, EventBumped,
	// EventRecalled, EventCancelled, EventStationDone, EventItemDone or
	// EventItemUndone.
	Kind EventKind
	// Station is the station that finished, for EventStationDone.
	Station Station
	// Item is the index of the item, for EventItemDone and
	// EventItemUndone.
	Item int
	// Order is the order as the change left it.
	Order Order
	// Change is the entry of the order's history that the change wrote.
	Change Change
}

// Edit is what Store.Update calls to change an order: it changes o, which
// is the order as the store holds it at that moment, and returns what it
// did as an Entry's Kind, Station, Item and Change (the store fills in the
// version and the order). It returns an Entry without a Kind when o
// already is as asked, or an error when the change does not apply. It may
// change only o's status, recalled flag, done stations, done items and
// times. It must do nothing but decide: a store may call it while it holds
// a lock.
type Edit func(o *Order) (Entry, error)

// PriorError is what Store.Insert returns, wrapped, when an order with the
// idempotency key or the source ID of the one to insert was placed in the
// window asked for: nothing was inserted.
type PriorError struct {
	// Order is the earlier order.
	Order Order
	// Idempotency is what it was inserted with.
	Idempotency Idempotency
}

func (e *PriorError) Error() string {
	return fmt.Sprintf("order %d was placed with the same idempotency key or source ID", e.Order.ID)
}

// ErrUnavailable means the store cannot be reached (a database server that
// is down or restarting) and the same request may succeed a little later.
// Nothing was written, unless the error says that the connection was lost
// while a commit was under way and the store could not learn its outcome:
// then a retry is safe for what is idempotent (an order placed with its
// idempotency key, a bump or a void, which change nothing the second
// time). The HTTP API answers it with 503 and Retry-After.
var ErrUnavailable = errors.New("the kitchen's database is unavailable")

// Watcher is a Store that several processes share: it tells a board when
// any of them commits a change, so that the board applies the changes
// other processes make as well as its own (see Board.Follow).
type Watcher interface {
	// Watch listens for committed changes until ctx is done or the
	// connection it listens on fails, and returns why it stopped. Once
	// it listens, it calls listening, and then committed with the version
	// of every change committed from then on, in any process. A change
	// committed while it does not listen is never told: the board reads
	// the log from its own version each time listening is called.
	Watch(ctx context.Context, listening func(), committed func(version uint64)) error
}

// Leader is a Store that several processes share and that can elect one of
// them for work that only one may do, such as running the demo.
type Leader interface {
	// Lead waits until this process leads for name, then calls run with
	// a context that is done when it no longer does (its connection to
	// the database was lost) or ctx is done, and waits again. It returns
	// when ctx is done.
	Lead(ctx context.Context, name string, run func(ctx context.Context)) error
}

// NextNumber returns the display number of the order placed after one
// numbered last: the next one up, FirstNumber after LastNumber, or
// FirstNumber for the first order (last 0).
func NextNumber(last int) int {
	if last < FirstNumber || last >= LastNumber {
		return FirstNumber
	}
	return last + 1
}
