package orders

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// How long the board remembers bumped and voided orders for recall, and
// how many the recall list shows.
const (
	RecallWindow = 15 * time.Minute
	RecallSize   = 10
)

// IdempotencyWindow is how long a retried order is recognised by its
// idempotency key or source ID. A point of sale that reuses its order IDs
// every day gets new tickets for them.
const IdempotencyWindow = 24 * time.Hour

// Board holds the rail: the open tickets in rail order (rush orders first,
// then oldest first), a projection of its store's log. Every change is
// first committed to the store, which gives it the log's next version, then
// applied in version order, with the changes other processes sharing the
// store made (see Follow), then published on the board's hub as an Event
// carrying that version.
// A Board is safe for concurrent use.
type Board struct {
	now    func() time.Time
	hub    *Hub
	store  Store
	logger *slog.Logger
	// observeStore is BoardConfig.ObserveStore.
	observeStore func(StoreOp, time.Duration, error)

	// amu serialises applying the log's entries, so that they are
	// applied once each and in version order. It is held while the log
	// is read, never while a change is written.
	amu sync.Mutex

	mu sync.Mutex
	// version is the version of the last entry of the log applied.
	version uint64
	// seq counts the events published, ticks included (Event.Seq).
	seq uint64
	// offline is why the board cannot follow its store, nil while it
	// can (see Follow).
	offline error
	open    []Order // the rail
	closed  []Order // bumped or cancelled within RecallWindow, newest first (see closedAt)
	// tickMinute is the minute (of the board's clock) of the last tick
	// published, or of the board's start.
	tickMinute time.Time
	// listed is the recall list as the last published event left it: the
	// order IDs, most recently closed first.
	listed []int64
}

// BoardConfig configures a Board. The zero value is usable.
type BoardConfig struct {
	// Now tells the time. Default time.Now.
	Now func() time.Time
	// QueueLen is how many events a subscriber may fall behind before it is
	// brought current with a snapshot. Default DefaultQueueLen.
	QueueLen int
	// Logger is where Follow says when the store is lost and found
	// again. Default: a logger that discards.
	Logger *slog.Logger
	// ObserveStore, if set, is told how long each of the board's calls
	// to its store took, and the error it ended with, for metrics.
	ObserveStore func(op StoreOp, took time.Duration, err error)
}

// StoreOp names a call of a Board to its Store, for
// BoardConfig.ObserveStore.
type StoreOp string

// The calls a Board makes to its Store.
const (
	OpInsert  StoreOp = "insert"
	OpUpdate  StoreOp = "update"
	OpLog     StoreOp = "log"
	OpGet     StoreOp = "get"
	OpHistory StoreOp = "history"
	OpList    StoreOp = "list"
)

// StoreOps lists every StoreOp.
func StoreOps() []StoreOp { return []StoreOp{OpInsert, OpUpdate, OpLog, OpGet, OpHistory, OpList} }

// observe reports a call to the store that began at start and ended with
// err to BoardConfig.ObserveStore.
func (b *Board) observe(op StoreOp, start time.Time, err error) {
	if b.observeStore != nil {
		b.observeStore(op, time.Since(start), err)
	}
}

// NewBoard returns an empty board that keeps its orders in memory only.
func NewBoard(cfg BoardConfig) *Board {
	b, err := OpenBoard(context.Background(), NewMemoryStore(), cfg)
	if err != nil {
		panic(err) // an empty MemoryStore cannot fail
	}
	return b
}

// OpenBoard returns a board that keeps its orders in s, rebuilt from what s
// holds: the open tickets in rail order, the recall list and the version of
// the log they show.
func OpenBoard(ctx context.Context, s Store, cfg BoardConfig) (*Board, error) {
	b := &Board{now: cfg.Now, store: s, logger: cfg.Logger, observeStore: cfg.ObserveStore}
	if b.now == nil {
		b.now = time.Now
	}
	if b.logger == nil {
		b.logger = slog.New(slog.DiscardHandler)
	}
	b.hub = NewHub(cfg.QueueLen, b.Snapshot)
	saved, err := s.Load(ctx, b.now().Add(-RecallWindow))
	if err != nil {
		return nil, fmt.Errorf("orders: open board: %w", err)
	}
	for _, o := range saved.Open {
		b.open = insertAt(b.open, o)
	}
	b.closed = saved.Recent
	b.version = saved.Version
	b.tickMinute = b.now().Truncate(time.Minute)
	b.listed = orderIDs(b.recent(b.now()))
	return b, nil
}

// insertAt puts o into rail in its place and returns the rail.
func insertAt(rail []Order, o Order) []Order {
	return slices.Insert(rail, railIndex(rail, o), o)
}

// railIndex returns where o belongs on the rail.
func railIndex(rail []Order, o Order) int {
	i, _ := slices.BinarySearchFunc(rail, o, func(a, o Order) int {
		if a.before(o) {
			return -1
		}
		return 1
	})
	return i
}

// Place validates n, gives it an ID, a display number and the current time,
// stores it with its history's first Change ("placed", by the actor of
// ctx), hangs it on the rail in its place and announces it.
//
// If an order with n's idempotency key or source ID was placed within
// IdempotencyWindow, n is a retry when it asks for the same as that order
// did (the same NewOrder.Fingerprint): Place returns that order instead,
// with created false. Otherwise it returns a *ReuseError, wrapping
// ErrKeyReused, and places nothing. A retry sent while the first is being
// placed waits for it, and then is recognised as a retry.
//
// Errors wrap ErrInvalid or ErrKeyReused, or come from the store.
func (b *Board) Place(ctx context.Context, n NewOrder) (o Order, created bool, err error) {
	if err := n.Validate(); err != nil {
		return Order{}, false, fmt.Errorf("orders: place: %w", err)
	}
	if err := b.writable(); err != nil {
		return Order{}, false, fmt.Errorf("orders: place: %w", err)
	}
	fingerprint := n.Fingerprint()
	now := b.now()
	o = Order{
		SourceID:    n.SourceID,
		PlacedAt:    now,
		Destination: n.Destination,
		Status:      Received,
		Rush:        n.Rush,
		Items:       cloneItems(n.Items),
		Notes:       slices.Clone(n.Notes),
	}
	for i := range o.Items {
		o.Items[i].Allergens = normalizeAllergens(o.Items[i].Allergens)
	}
	o.Allergens, o.Allergy = orderAllergens(n)
	c := changeOf(ctx, Entry{Kind: EventPlaced}, now)
	idem := Idempotency{Key: n.Key, Fingerprint: fingerprint}
	start := time.Now()
	e, err := b.store.Insert(ctx, o, idem, now.Add(-IdempotencyWindow), c)
	b.observe(OpInsert, start, err)
	if prior := (*PriorError)(nil); errors.As(err, &prior) {
		if prior.Idempotency.Fingerprint != nil && !bytes.Equal(prior.Idempotency.Fingerprint, fingerprint) {
			field := "source_id"
			if n.Key != "" && prior.Idempotency.Key == n.Key {
				field = "idempotency_key"
			}
			return Order{}, false, fmt.Errorf("orders: place: %w", &ReuseError{Field: field, ID: prior.Order.ID})
		}
		return prior.Order, false, nil
	}
	if err != nil {
		return Order{}, false, fmt.Errorf("orders: place: %w", err)
	}
	b.advance(ctx, e)
	return e.Order, true, nil
}

// idAt returns the ID of the ticket at index i of the rail, or 0 past its
// end. The caller holds b.mu.
func (b *Board) idAt(i int) int64 {
	if i < len(b.open) {
		return b.open[i].ID
	}
	return 0
}

// Fire marks an open order as started by a cook. Firing a fired order
// changes nothing. It returns the order, or an error wrapping ErrNotFound,
// or ErrConflict for an order that is no longer open.
func (b *Board) Fire(ctx context.Context, id int64) (Order, error) {
	return b.change(ctx, "fire", id, func(o *Order, now time.Time) (Entry, error) {
		switch o.Status {
		case Fired:
			return Entry{}, nil
		case Received:
			o.Status, o.FiredAt = Fired, now
			return Entry{Kind: EventFired}, nil
		}
		return Entry{}, fmt.Errorf("order is %s: %w", o.Status, ErrConflict)
	})
}

// Bump marks an open order as done and takes it off the rail; it stays on
// the recall list for RecallWindow. Bumping a bumped order changes nothing.
// It returns the order, or an error wrapping ErrNotFound, or ErrConflict
// for a cancelled order.
func (b *Board) Bump(ctx context.Context, id int64) (Order, error) {
	return b.change(ctx, "bump", id, func(o *Order, now time.Time) (Entry, error) {
		switch o.Status {
		case Bumped:
			return Entry{}, nil
		case Received, Fired:
			o.Status, o.BumpedAt = Bumped, now
			return Entry{Kind: EventBumped}, nil
		}
		return Entry{}, fmt.Errorf("order is %s: %w", o.Status, ErrConflict)
	})
}

// Recall brings a bumped or voided order back to its place on the rail,
// marked as recalled, fired again if it had been fired. It undoes a bump
// or a void: the bump or cancel time goes back to zero. Recalling an open
// order changes nothing. It returns the order, or an error wrapping
// ErrNotFound, or ErrConflict for an order whose status it does not know.
func (b *Board) Recall(ctx context.Context, id int64) (Order, error) {
	return b.change(ctx, "recall", id, func(o *Order, now time.Time) (Entry, error) {
		switch o.Status {
		case Received, Fired:
			return Entry{}, nil
		case Bumped, Cancelled:
			o.Status, o.BumpedAt, o.CancelledAt, o.Recalled = Received, time.Time{}, time.Time{}, true
			if !o.FiredAt.IsZero() {
				o.Status = Fired
			}
			return Entry{Kind: EventRecalled}, nil
		}
		return Entry{}, fmt.Errorf("order is %s: %w", o.Status, ErrConflict)
	})
}

// BumpStation marks station's part of an open order as done: the order
// leaves that station's screen, and the expo screen shows the station done.
// The order stays open until it is bumped. Doing it twice changes nothing.
// It returns the order, or an error wrapping ErrNotFound, or ErrConflict
// for an order that is not open or has nothing for the station.
func (b *Board) BumpStation(ctx context.Context, id int64, station Station) (Order, error) {
	return b.change(ctx, "bump "+string(station), id, func(o *Order, now time.Time) (Entry, error) {
		switch {
		case !o.Status.Open():
			return Entry{}, fmt.Errorf("order is %s: %w", o.Status, ErrConflict)
		case len(o.ItemsFor(station)) == 0:
			return Entry{}, fmt.Errorf("order has nothing for %q: %w", station, ErrConflict)
		case o.StationDone(station):
			return Entry{}, nil
		}
		o.Done = append(slices.Clone(o.Done), station)
		return Entry{Kind: EventStationDone, Station: station}, nil
	})
}

// ItemDone marks the item at index item (from 0, into the order's Items)
// of an open order as done, or, with done false, as not done. An order
// whose every item is done stays open until it is bumped. Asking for the
// state an item already has changes nothing. It returns the order, or an
// error wrapping ErrNotFound for an unknown order or an index it has no
// item at, or ErrConflict for an order that is not open.
func (b *Board) ItemDone(ctx context.Context, id int64, item int, done bool) (Order, error) {
	verb := "item done"
	if !done {
		verb = "item undone"
	}
	return b.change(ctx, verb, id, func(o *Order, now time.Time) (Entry, error) {
		switch {
		case !o.Status.Open():
			return Entry{}, fmt.Errorf("order is %s: %w", o.Status, ErrConflict)
		case item < 0 || item >= len(o.Items):
			return Entry{}, fmt.Errorf("order %d has no item %d: %w", o.ID, item, ErrNotFound)
		case o.ItemDone(item) == done:
			return Entry{}, nil
		}
		if done {
			i, _ := slices.BinarySearch(o.ItemsDone, item)
			o.ItemsDone = slices.Insert(slices.Clone(o.ItemsDone), i, item)
			return Entry{Kind: EventItemDone, Item: item}, nil
		}
		o.ItemsDone = slices.DeleteFunc(slices.Clone(o.ItemsDone), func(i int) bool { return i == item })
		if len(o.ItemsDone) == 0 {
			o.ItemsDone = nil
		}
		return Entry{Kind: EventItemUndone, Item: item}, nil
	})
}

// RecallLast recalls the order bumped or voided most recently that is still
// on the recall list, or returns an error wrapping ErrNotFound when the
// list is empty. Each call recalls another order, so it is not safe to
// retry: screens that may resend an action name the order with Recall
// instead.
func (b *Board) RecallLast(ctx context.Context) (Order, error) {
	recent := b.Recent()
	if len(recent) == 0 {
		return Order{}, fmt.Errorf("orders: recall last: %w", ErrNotFound)
	}
	return b.Recall(ctx, recent[0].ID)
}

// Cancel voids an open order and takes it off the rail; it stays on the
// recall list for RecallWindow, so that a void by mistake can be undone
// with Recall. Cancelling a cancelled order changes nothing. It returns the order, or an error
// wrapping ErrNotFound, or ErrConflict for a bumped order.
func (b *Board) Cancel(ctx context.Context, id int64) (Order, error) {
	return b.change(ctx, "cancel", id, func(o *Order, now time.Time) (Entry, error) {
		switch o.Status {
		case Cancelled:
			return Entry{}, nil
		case Received, Fired:
			o.Status, o.CancelledAt = Cancelled, now
			return Entry{Kind: EventCancelled}, nil
		}
		return Entry{}, fmt.Errorf("order is %s: %w", o.Status, ErrConflict)
	})
}

// change applies apply to the order with the given ID. apply returns the
// event its change makes, with its Kind and what the kind says (Station,
// Item), or an Event without a Kind when the order already is as asked;
// change fills in the rest, and records the Change that the event makes
// (see changeOf) in the same store write as the order.
func (b *Board) change(ctx context.Context, verb string, id int64, apply func(o *Order, now time.Time) (Entry, error)) (Order, error) {
	if err := b.writable(); err != nil {
		return Order{}, fmt.Errorf("orders: %s %d: %w", verb, id, err)
	}
	now, start := b.now(), time.Now()
	e, err := b.store.Update(ctx, id, func(o *Order) (Entry, error) {
		e, err := apply(o, now)
		if err != nil || e.Kind == "" {
			return Entry{}, err
		}
		e.Change = changeOf(ctx, e, now)
		return e, nil
	})
	b.observe(OpUpdate, start, err)
	if err != nil {
		return e.Order, fmt.Errorf("orders: %s %d: %w", verb, id, err)
	}
	if e.Version != 0 {
		b.advance(ctx, e)
	}
	return e.Order, nil
}

// writable returns nil when the board may try a change, or an error
// wrapping ErrUnavailable while it cannot reach its store (see Follow).
func (b *Board) writable() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.offline != nil {
		return fmt.Errorf("changes are paused until it is back: %w", b.offline)
	}
	return nil
}

// advance applies own, an entry this board has just written, once every
// entry before it is applied: it reads from the log those that other
// processes wrote in between. If the log cannot be read now, own is
// applied later, when Follow or the next change catches up.
func (b *Board) advance(ctx context.Context, own Entry) {
	b.amu.Lock()
	defer b.amu.Unlock()
	if own.Version > b.appliedVersion()+1 {
		if err := b.catchUp(ctx, own.Version-1); err != nil {
			b.logger.Warn("the log could not be read: the change shows once the board catches up",
				"version", own.Version, "err", err)
			return
		}
	}
	if own.Version == b.appliedVersion()+1 {
		b.apply(own)
	}
}

// appliedVersion returns b.version. The caller holds b.amu, so that it
// does not change meanwhile.
func (b *Board) appliedVersion() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.version
}

// logPage is how many entries catchUp reads from the log at a time.
const logPage = 256

// catchUp applies the log's entries after the board's version, up to
// version upTo (to the end of the log if upTo is 0). The caller holds
// b.amu.
func (b *Board) catchUp(ctx context.Context, upTo uint64) error {
	for {
		from := b.appliedVersion()
		if upTo != 0 && from >= upTo {
			return nil
		}
		start := time.Now()
		entries, err := b.store.Log(ctx, from, logPage)
		b.observe(OpLog, start, err)
		if err != nil {
			return fmt.Errorf("orders: read the log after version %d: %w", from, err)
		}
		for _, e := range entries {
			if e.Version != b.appliedVersion()+1 {
				return fmt.Errorf("orders: the log skips from version %d to %d", b.appliedVersion(), e.Version)
			}
			b.apply(e)
		}
		if len(entries) < logPage {
			return nil
		}
	}
}

// Sync applies every change in the store's log that the board has not
// applied yet, whoever wrote it. Follow calls it; a board whose store has
// no other writer never needs it.
func (b *Board) Sync(ctx context.Context) error {
	b.amu.Lock()
	defer b.amu.Unlock()
	return b.catchUp(ctx, 0)
}

// apply puts e's order where its change leaves it, on the rail, off it or
// on the recall list, and announces it at e's version. The caller holds
// b.amu, and e is the entry after the board's version.
func (b *Board) apply(e Entry) {
	b.mu.Lock()
	defer b.mu.Unlock()
	o := e.Order
	ev := Event{Kind: e.Kind, Station: e.Station, Item: e.Item, Order: o}
	if i := slices.IndexFunc(b.open, func(p Order) bool { return p.ID == o.ID }); i >= 0 {
		if o.Status.Open() {
			b.open[i] = o
		} else {
			b.open = slices.Delete(b.open, i, i+1)
		}
	} else if o.Status.Open() {
		i := railIndex(b.open, o)
		b.open = slices.Insert(b.open, i, o)
		ev.Before = b.idAt(i + 1)
	}
	b.closed = slices.DeleteFunc(b.closed, func(p Order) bool { return p.ID == o.ID })
	if !closedAt(o).IsZero() {
		b.closed = slices.Insert(b.closed, 0, o)
	}
	b.prune(b.now())
	b.version = e.Version
	b.publish(ev)
}

// publish announces e at the board's version, as the next event. The
// caller holds b.mu, so events reach the hub in order and no snapshot falls
// between a change and its event.
func (b *Board) publish(e Event) {
	b.seq++
	e.Seq, e.Version = b.seq, b.version
	e.Offline = b.offline != nil
	e.Now = b.now()
	e.Orders = slices.Clone(b.open)
	e.Recent = b.recent(e.Now)
	e.RecentBefore = b.listed
	b.listed = orderIDs(e.Recent)
	b.hub.Publish(e)
}

// orderIDs returns the IDs of os, in order.
func orderIDs(os []Order) []int64 {
	ids := make([]int64, len(os))
	for i, o := range os {
		ids[i] = o.ID
	}
	return ids
}

// Tick announces what the passing of time changes on the board's screens:
// it publishes an EventTick when orders leave the recall list (Expired) or
// when the minute of the board's clock is another than at the last tick it
// published, or at the board's start (NewMinute), so that the header's
// clock moves; otherwise it does nothing. Tickets' ages are not its
// concern: every ticket carries its age at render and the page counts on
// from there. Call it every second or so (see Ticker).
func (b *Board) Tick() {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	minute := now.Truncate(time.Minute)
	expired := b.prune(now)
	newMinute := !minute.Equal(b.tickMinute)
	if expired || newMinute {
		b.tickMinute = minute
		b.publish(Event{Kind: EventTick, Expired: expired, NewMinute: newMinute})
	}
}

// prune forgets the closed orders whose RecallWindow has ended and reports
// whether there were any. The caller holds b.mu.
func (b *Board) prune(now time.Time) bool {
	cutoff := now.Add(-RecallWindow)
	n := len(b.closed)
	b.closed = slices.DeleteFunc(b.closed, func(o Order) bool { return closedAt(o).Before(cutoff) })
	return len(b.closed) < n
}

// closedAt returns when o left the rail: its bump time if it is bumped,
// its cancel time if it is cancelled, or the zero time if it is open.
func closedAt(o Order) time.Time {
	switch o.Status {
	case Bumped:
		return o.BumpedAt
	case Cancelled:
		return o.CancelledAt
	}
	return time.Time{}
}

// Ticker calls Tick every interval until ctx is done. A second keeps the
// recall list's expiry and the header's minute within a second of the
// board's clock; a tick that changes nothing costs a lock and a look at the
// recall list, and publishes nothing.
func (b *Board) Ticker(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			b.Tick()
		}
	}
}

// Snapshot returns the whole rail as an EventSnapshot at the current
// version.
func (b *Board) Snapshot() Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	return Event{Kind: EventSnapshot, Seq: b.seq, Version: b.version, Now: now, Offline: b.offline != nil,
		Orders: slices.Clone(b.open), Recent: b.recent(now)}
}

// Open returns the open orders in rail order.
func (b *Board) Open() []Order { return b.Snapshot().Orders }

// Recent returns the recall list: up to RecallSize orders bumped or voided
// within RecallWindow, the most recently bumped or voided first.
func (b *Board) Recent() []Order {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.recent(b.now())
}

// recent returns the recall list at now. The caller holds b.mu.
func (b *Board) recent(now time.Time) []Order {
	cutoff := now.Add(-RecallWindow)
	var out []Order
	for _, o := range b.closed {
		if len(out) == RecallSize || closedAt(o).Before(cutoff) {
			break
		}
		out = append(out, o)
	}
	return out
}

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

// Lookup returns any order ever placed on the board's store, open or not,
// as the store has it now (another process sharing the store may have
// changed it a moment before this board shows the change), or an error
// wrapping ErrNotFound. While the store cannot be reached it returns an
// open order as the board last knew it.
func (b *Board) Lookup(ctx context.Context, id int64) (Order, error) {
	start := time.Now()
	o, err := b.store.Get(ctx, id)
	b.observe(OpGet, start, err)
	if err == nil {
		return o, nil
	}
	if !errors.Is(err, ErrNotFound) {
		if o, merr := b.Order(id); merr == nil {
			return o, nil
		}
	}
	return Order{}, fmt.Errorf("orders: lookup %d: %w", id, err)
}

// History returns the changes made to the order with the given ID, oldest
// first, or an error wrapping ErrNotFound.
func (b *Board) History(ctx context.Context, id int64) ([]Change, error) {
	start := time.Now()
	h, err := b.store.History(ctx, id)
	b.observe(OpHistory, start, err)
	if err != nil {
		return nil, fmt.Errorf("orders: history %d: %w", id, err)
	}
	return h, nil
}

// Store returns the board's store, for what the board does not keep
// itself, such as the paired screens. Changes to orders go through the
// board, never through the store directly: the board would not know.
func (b *Board) Store() Store { return b.store }

// Ready returns nil when the board can make changes: it is not offline
// (see Follow) and its store can take writes (see Store.Ready). Otherwise it returns why not.
func (b *Board) Ready(ctx context.Context) error {
	if err := b.Offline(); err != nil {
		return fmt.Errorf("orders: not ready: %w", err)
	}
	if err := b.store.Ready(ctx); err != nil {
		return fmt.Errorf("orders: not ready: %w", err)
	}
	return nil
}

// List returns up to limit orders with one of the given statuses (all if
// none), in the order placed; the newest when there are more.
func (b *Board) List(ctx context.Context, limit int, statuses ...Status) ([]Order, error) {
	start := time.Now()
	out, err := b.store.List(ctx, limit, statuses...)
	b.observe(OpList, start, err)
	if err != nil {
		return nil, fmt.Errorf("orders: list: %w", err)
	}
	return out, nil
}

// Version returns the version of the last change of the log that the
// board has applied.
func (b *Board) Version() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.version
}

// Now returns the board's time.
func (b *Board) Now() time.Time { return b.now() }

// Subscribe returns a subscription to the board's events. Its first event
// is a snapshot of the rail. Close it when done.
func (b *Board) Subscribe() *Subscription { return b.hub.Subscribe() }

// SubscribeFunc subscribes to the board's events with a subscriber that
// is called when events are queued for it (see Hub.SubscribeFunc).
func (b *Board) SubscribeFunc(notify func()) *Subscription { return b.hub.SubscribeFunc(notify) }

// Subscribers returns how many subscriptions are open.
func (b *Board) Subscribers() int { return b.hub.Subscribers() }

func cloneItems(items []Item) []Item {
	out := make([]Item, len(items))
	for i, it := range items {
		it.Modifiers = slices.Clone(it.Modifiers)
		it.Allergens = slices.Clone(it.Allergens)
		out[i] = it
	}
	return out
}
