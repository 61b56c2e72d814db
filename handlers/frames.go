package handlers

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/a-h/templ"

	"github.com/ticketrail/ticketrail/orders"
	"github.com/ticketrail/ticketrail/views"
)

// frameRing is how many recent events keep their rendered message. With
// subscriber queues of up to a quarter of that (DefaultQueueLen is 64), a
// socket is brought current by a snapshot before its events can fall out
// of the ring; only a socket further behind would render an event again.
const frameRing = 1024

// frames renders each event once into the message every socket receives:
// the first socket to need an event renders it, the others wait for and
// share the same bytes.
type frames struct {
	store   string
	renders atomic.Int64

	mu   sync.Mutex
	ring [frameRing]*frame
	snap *frame
}

// frame is one rendered socket message.
type frame struct {
	version uint64
	kind    orders.EventKind
	once    sync.Once
	data    []byte
	// followUp, if not nil, is a message to send once the ticket's leaving
	// animation is over: the removal of a bumped ticket.
	followUp []byte
	err      error
}

func newFrames(store string) *frames { return &frames{store: store} }

// get returns the rendered message for e, rendering it if no socket has yet.
func (f *frames) get(e orders.Event) *frame {
	f.mu.Lock()
	slot := &f.ring[e.Version%frameRing]
	if e.Kind == orders.EventSnapshot {
		slot = &f.snap
	}
	fr := *slot
	if fr == nil || fr.version != e.Version || fr.kind != e.Kind {
		fr = &frame{version: e.Version, kind: e.Kind}
		*slot = fr
	}
	f.mu.Unlock()
	fr.once.Do(func() { fr.render(f, e) })
	return fr
}

func (fr *frame) render(f *frames, e orders.Event) {
	f.renders.Add(1)
	var c templ.Component
	switch e.Kind {
	case orders.EventSnapshot:
		c = views.SnapshotMessage(f.store, e.Orders)
	case orders.EventPlaced:
		c = views.PlacedMessage(f.store, e.Order, e.Before)
	case orders.EventRecalled:
		c = views.RecalledMessage(f.store, e.Order, e.Before)
	case orders.EventBumped, orders.EventCancelled:
		c = views.LeavingMessage(f.store, e.Order)
		fr.followUp, fr.err = render(views.RemoveMessage(e.Order.ID))
	default:
		c = views.ChangedMessage(f.store, e.Order)
	}
	if fr.err == nil {
		fr.data, fr.err = render(c)
	}
	if fr.err != nil {
		fr.err = fmt.Errorf("render %s event v%d: %w", e.Kind, e.Version, fr.err)
	}
}

// render renders c into a byte slice, so that an error never sends half a
// message.
func render(c templ.Component) ([]byte, error) {
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
