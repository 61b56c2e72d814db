package handlers

import (
	"sync"
	"time"

	"github.com/ticketrail/ticketrail/orders"
)

// receipts is what one socket's screen was sent and what it has shown, as
// its acks tell (see views.Message): every message but a tick ends with a
// form that, once htmx has swapped the message in, sends back the version
// the screen now shows. Acks never touch the store and publish nothing.
type receipts struct {
	mu        sync.Mutex
	sent      uint64    // the version of the last message sent
	sentAt    time.Time // when it was sent
	applied   uint64    // the last version the screen acked
	appliedAt time.Time // when that ack came
	lag       time.Duration
	// owed is what was sent and not yet acked, oldest first: at most
	// maxOwed entries, the last standing for the newest.
	owed []owed
	// resyncAt is when the screen was sent a fresh snapshot because it
	// had not shown what it was sent; zero when it is not lagging.
	resyncAt time.Time
}

// owed is a message a screen was sent and has not acked yet.
type owed struct {
	version uint64
	sentAt  time.Time
	// since is when what it shows happened: the event's time.
	since time.Time
	// order and number are the ticket the event is about; 0 for a
	// snapshot.
	order  int64
	number int
}

// maxOwed bounds what a socket keeps of the messages its screen has not
// acked: a screen that stopped acking is in alarm by its oldest.
const maxOwed = 64

// sentEvent notes that the message of e went to the screen at at; what it
// owes is kept only if it is held to its receipts (held).
func (r *receipts) sentEvent(e orders.Event, at time.Time, held bool) {
	if e.Kind == orders.EventTick {
		return // ticks carry no receipt
	}
	o := owed{version: e.Version, sentAt: at, since: e.Now, order: e.Order.ID, number: e.Order.Number}
	if e.Kind == orders.EventSnapshot {
		o.order, o.number = 0, 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent, r.sentAt = e.Version, at
	if !held {
		return
	}
	if len(r.owed) == maxOwed {
		r.owed[maxOwed-1] = o
		return
	}
	r.owed = append(r.owed, o)
}

// acked notes an ack of version v at at. It returns the time from sending
// that version to its ack, and false for an ack of a version that was not
// sent or is older than what the screen acked before (an ack the page
// queued while its socket was down, say).
func (r *receipts) acked(v uint64, at time.Time) (time.Duration, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if v > r.sent || v < r.applied || len(r.owed) == 0 {
		return 0, false
	}
	i := 0
	var sentAt time.Time
	for i < len(r.owed) && r.owed[i].version <= v {
		sentAt = r.owed[i].sentAt
		i++
	}
	if i == 0 {
		return 0, false
	}
	r.owed = append(r.owed[:0], r.owed[i:]...)
	r.applied, r.appliedAt = v, at
	r.lag = at.Sub(sentAt)
	return r.lag, true
}

// receiptState is a copy of a socket's receipts at one moment.
type receiptState struct {
	sent, applied     uint64
	sentAt, appliedAt time.Time
	lag               time.Duration // of the last ack
	oldest            owed          // the oldest message not acked, if owing
	owing             bool
	resyncAt          time.Time
}

// state returns a copy of r.
func (r *receipts) state() receiptState {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := receiptState{sent: r.sent, applied: r.applied, sentAt: r.sentAt, appliedAt: r.appliedAt, lag: r.lag, resyncAt: r.resyncAt}
	if len(r.owed) > 0 {
		s.oldest, s.owing = r.owed[0], true
	}
	return s
}

// lagAt is how long the screen has owed its oldest ack at now: 0 when it
// owes none.
func (s receiptState) lagAt(now time.Time) time.Duration {
	if !s.owing {
		return 0
	}
	return max(now.Sub(s.oldest.sentAt), 0)
}

// markResync notes that the screen was sent a fresh snapshot at at; a zero
// time says it caught up.
func (r *receipts) markResync(at time.Time) {
	r.mu.Lock()
	r.resyncAt = at
	r.mu.Unlock()
}
