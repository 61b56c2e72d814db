package orders

import (
	"context"
	"errors"
	"sync"
	"time"
)

// EventKind names what happened on the board.
type EventKind string

// The kinds of Event. A Snapshot carries the whole rail; every other kind is
// about one order.
const (
	EventSnapshot  EventKind = "snapshot"
	EventPlaced    EventKind = "placed"
	EventFired     EventKind = "fired"
	EventBumped    EventKind = "bumped"
	EventRecalled  EventKind = "recalled"
	EventCancelled EventKind = "cancelled"
	// EventStationDone: a station finished its part of an order; Station
	// names it.
	EventStationDone EventKind = "station-done"
	// EventItemDone and EventItemUndone: a cook marked one item of an
	// order done, or took that back; Item is its index.
	EventItemDone   EventKind = "item-done"
	EventItemUndone EventKind = "item-undone"
	// EventTick: time passed: orders left the recall list (Expired) or the
	// clock's minute turned (NewMinute). Tickets' ages are not sent.
	EventTick EventKind = "tick"
)

// Event is a change on the board, or the whole rail (EventSnapshot). Events
// are shared between subscribers and must be treated as read-only.
type Event struct {
	Kind EventKind
	// Seq orders the events of one board: each one it publishes, ticks
	// included, has the next number, and a snapshot has the number of
	// the last event it shows. Subscribers skip what they have seen by
	// it.
	Seq uint64
	// Version is the version of the last change of the store's log
	// (see Entry) that the event shows; ticks carry time only and leave
	// it as it was. Every board on one log shows the same rail at the
	// same version.
	Version uint64
	// Now is the board's time when the event happened; tickets' ages are
	// measured against it, never against a screen's own clock.
	Now time.Time
	// Order is the order the event is about, as it is after the change.
	// It is the zero Order in a snapshot and a tick.
	Order Order
	// Station is the station that finished, in an EventStationDone.
	Station Station
	// Item is the index of the item, in an EventItemDone or
	// EventItemUndone.
	Item int
	// Before is, for an order that joins the rail (placed or recalled), the
	// ID of the ticket it hangs in front of, or 0 when it hangs at the end.
	Before int64
	// Orders holds every open order in rail order after the event.
	Orders []Order
	// Recent is the recall list after the event: orders bumped or voided
	// within RecallWindow, at most RecallSize, the most recently bumped or
	// voided first.
	Recent []Order
	// RecentBefore is the IDs of the recall list as the event before this
	// one left it, so that a screen can change only the entries that
	// changed. It is nil in a snapshot.
	RecentBefore []int64
	// Expired is set on a tick when orders left the recall list because
	// their RecallWindow ended.
	Expired bool
	// NewMinute is set on a tick when the board's clock shows another
	// minute than at the tick before: screens show the time of day.
	NewMinute bool
	// Offline is set while the board cannot reach its store: the rail
	// is the last one it knew and changes are paused (see Board.Follow).
	Offline bool
	// OfflineChanged is set on the tick that announces that the board
	// went offline or back online.
	OfflineChanged bool
}

// ErrClosed is returned by Subscription.Next after Close.
var ErrClosed = errors.New("orders: subscription closed")

// DefaultQueueLen is how many events a subscriber may fall behind before its
// queue is replaced by one snapshot.
const DefaultQueueLen = 64

// firstQueueLen is how many events a subscriber's queue holds when it first
// needs room. The queue doubles as events pile up, to at most the hub's
// queue length, so an idle subscriber holds no queue at all.
const firstQueueLen = 4

// Hub fans events out to subscribers without ever blocking the publisher.
//
// Each subscriber has a bounded queue. The rail is state, not a log: when a
// subscriber's queue is full, the queue is dropped and the subscriber is
// marked stale, and its next call to Next returns a fresh snapshot. A slow
// subscriber therefore catches up with one event instead of a backlog, and
// is never cut off.
//
// Every subscriber queues the same *Event: one copy per Publish, however
// many subscribers there are.
type Hub struct {
	snapshot func() Event
	queueLen int

	mu   sync.Mutex
	subs map[*Subscription]struct{}
}

// NewHub returns a hub whose subscribers queue up to queueLen events
// (DefaultQueueLen if queueLen < 1). snapshot must return the current rail as
// an EventSnapshot; it is called when a subscriber starts or falls behind,
// never while the hub holds a lock.
func NewHub(queueLen int, snapshot func() Event) *Hub {
	if queueLen < 1 {
		queueLen = DefaultQueueLen
	}
	return &Hub{snapshot: snapshot, queueLen: queueLen, subs: make(map[*Subscription]struct{})}
}

// Subscribe registers a new subscriber. Its first Next returns a snapshot
// taken after the subscription was registered, so no event can fall between
// the snapshot and the events that follow it. Call Close when done.
func (h *Hub) Subscribe() *Subscription { return h.add(nil) }

// SubscribeFunc is Subscribe for a subscriber that is called rather than
// waited for: the hub calls notify whenever it queues an event for it, and
// the subscriber then calls TryNext until it says false. The first
// snapshot is waiting from the start, without a call. notify must be quick
// and must not block; it is called while the hub publishes, and may be
// called when nothing new is waiting after all.
func (h *Hub) SubscribeFunc(notify func()) *Subscription { return h.add(notify) }

// add registers a subscription whose first event is a snapshot.
func (h *Hub) add(notify func()) *Subscription {
	s := &Subscription{hub: h, stale: true, ready: make(chan struct{}, 1), notify: notify}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	return s
}

// Publish hands e to every subscriber. It never blocks on a subscriber.
// Callers publish events in the order of their Seq.
func (h *Hub) Publish(e Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.subs) == 0 {
		return
	}
	p := new(Event)
	*p = e
	for s := range h.subs {
		s.push(p)
	}
}

// Subscribers returns how many subscriptions are open.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// Subscription is one subscriber's view of the hub. Next may be called from
// one goroutine at a time; Close from any.
type Subscription struct {
	hub    *Hub
	ready  chan struct{}
	notify func() // see SubscribeFunc; nil for a subscriber that waits

	mu        sync.Mutex
	buf       []*Event // a ring of queued events: n of them from head; nil until needed
	head, n   int
	stale     bool
	resync    bool // the coming snapshot is due even if nothing is new
	closed    bool
	overflows int

	// Only Next touches these.
	seen    uint64 // the Seq last returned
	started bool   // whether the first snapshot was returned
}

func (s *Subscription) push(e *Event) {
	s.mu.Lock()
	switch {
	case s.closed, s.stale:
		// A stale subscriber's coming snapshot covers e.
	case s.n == len(s.buf) && len(s.buf) >= s.hub.queueLen:
		s.drop()
		s.stale = true
		s.overflows++
	default:
		if s.n == len(s.buf) {
			s.grow()
		}
		s.buf[(s.head+s.n)%len(s.buf)] = e
		s.n++
	}
	s.mu.Unlock()
	s.wake()
}

// Next returns the next event for this subscriber, waiting until there is
// one, ctx is done, or the subscription is closed (ErrClosed). The first
// event is always a snapshot, and so is the first event after the
// subscriber fell behind. Events already covered by a snapshot returned
// earlier are skipped.
func (s *Subscription) Next(ctx context.Context) (Event, error) {
	for {
		e, ok, err := s.TryNext()
		if ok || err != nil {
			return e, err
		}
		select {
		case <-s.ready:
		case <-ctx.Done():
			return Event{}, ctx.Err()
		}
	}
}

// TryNext is Next without the wait: it returns the next event and true, or
// false when no event is waiting, or ErrClosed.
func (s *Subscription) TryNext() (Event, bool, error) {
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return Event{}, false, ErrClosed
		}
		if s.stale {
			forced := s.resync
			s.stale, s.resync = false, false
			s.mu.Unlock()
			// Taken after the flag is cleared: events published from
			// now on are queued, and those the snapshot already shows
			// are skipped below by their Seq.
			snap := s.hub.snapshot()
			if s.started && snap.Seq <= s.seen && !forced {
				// Events already seen filled the queue; this
				// subscriber is current after all.
				continue
			}
			s.started = true
			s.seen = snap.Seq
			return snap, true, nil
		}
		for s.n > 0 {
			e := s.buf[s.head]
			s.buf[s.head] = nil
			s.head = (s.head + 1) % len(s.buf)
			s.n--
			if e.Seq <= s.seen {
				continue
			}
			s.mu.Unlock()
			s.seen = e.Seq
			return *e, true, nil
		}
		s.mu.Unlock()
		return Event{}, false, nil
	}
}

// grow makes room for more events in a full queue: firstQueueLen slots at
// first, then twice as many, up to the hub's queue length. The caller holds
// s.mu and has checked that the queue may grow.
func (s *Subscription) grow() {
	size := min(max(2*len(s.buf), firstQueueLen), s.hub.queueLen)
	buf := make([]*Event, size)
	k := copy(buf, s.buf[s.head:])
	copy(buf[k:], s.buf[:s.head])
	s.buf, s.head = buf, 0
}

// drop empties the queue and lets go of it and of the events it held: a
// subscriber that fell behind starts over with a small queue.
func (s *Subscription) drop() {
	s.buf = nil
	s.head, s.n = 0, 0
}

// Overflows returns how many times this subscriber fell so far behind that
// its queue was replaced by a snapshot.
func (s *Subscription) Overflows() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.overflows
}

// wake tells the subscriber that it has an event to read: it calls its
// notify, or wakes a pending Next.
func (s *Subscription) wake() {
	if s.notify != nil {
		s.notify()
		return
	}
	select {
	case s.ready <- struct{}{}:
	default:
	}
}

// Resync makes the subscriber's next event a fresh snapshot, as if it had
// fallen behind (without counting an overflow): the events it has queued
// are dropped, as the snapshot shows them. It is for a subscriber whose
// screen shows something else than it was sent.
func (s *Subscription) Resync() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.drop()
	s.stale, s.resync = true, true
	s.mu.Unlock()
	s.wake()
}

// Close unregisters the subscription and wakes a pending Next. It is safe
// to call more than once.
func (s *Subscription) Close() {
	s.hub.mu.Lock()
	delete(s.hub.subs, s)
	s.hub.mu.Unlock()
	s.mu.Lock()
	s.closed = true
	s.drop()
	s.mu.Unlock()
	select {
	case s.ready <- struct{}{}:
	default:
	}
}
