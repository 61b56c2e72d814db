package handlers

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/a-h/templ"

	"github.com/ticketrail/ticketrail/orders"
	"github.com/ticketrail/ticketrail/views"
)

// frameRing is how many recent events keep their rendered message. With
// subscriber queues of up to a quarter of that (DefaultQueueLen is 64), a
// socket is brought current by a snapshot before its events can fall out
// of the ring; only a socket further behind would render an event again.
const frameRing = 1024

// frames renders each event once for one kind of screen into the message
// every socket of that screen receives: the first socket to need an event
// renders it, the others wait for and share the same bytes.
type frames struct {
	screen   views.Screen
	renders  *atomic.Int64 // shared by every screen's frames
	rendered func(time.Duration)

	mu   sync.Mutex
	ring [frameRing]*frame
	snap *frame
}

// frame is one rendered socket message.
type frame struct {
	seq    uint64 // the event's Seq
	kind   orders.EventKind
	second int64 // a snapshot's time, in whole seconds: its ages go stale
	once   sync.Once
	// data is the message; empty when the event changes nothing the
	// screen shows. wire is data as a WebSocket frame.
	data, wire []byte
	// followUp, if not nil, is a message to send after delay: the removal
	// of a ticket once its leaving animation is over; followUpWire is its
	// frame.
	followUp, followUpWire []byte
	delay                  time.Duration
	err                    error
}

// newFrames returns the frames of screen s, which count their renders in
// renders and report how long each took to rendered.
func newFrames(s views.Screen, renders *atomic.Int64, rendered func(time.Duration)) *frames {
	return &frames{screen: s, renders: renders, rendered: rendered}
}

// get returns the rendered message for e, rendering it if no socket has yet.
func (f *frames) get(e orders.Event) *frame {
	f.mu.Lock()
	slot := &f.ring[e.Seq%frameRing]
	if e.Kind == orders.EventSnapshot {
		slot = &f.snap
	}
	fr := *slot
	// A snapshot of the same version is reused within the same second
	// only: the tickets' ages move on even when nothing else happens.
	second := e.Now.Unix()
	if fr == nil || fr.seq != e.Seq || fr.kind != e.Kind || fr.kind == orders.EventSnapshot && fr.second != second {
		fr = &frame{seq: e.Seq, kind: e.Kind, second: second}
		*slot = fr
	}
	f.mu.Unlock()
	fr.once.Do(func() { fr.render(f, e) })
	return fr
}

func (fr *frame) render(f *frames, e orders.Event) {
	f.renders.Add(1)
	start := time.Now()
	fr.data, fr.err = render(views.Message(f.screen, e))
	if f.rendered != nil {
		defer func() { f.rendered(time.Since(start)) }()
	}
	if c, delay := views.FollowUp(f.screen, e); fr.err == nil && c != nil {
		fr.followUp, fr.err = render(c)
		fr.delay = delay
	}
	if fr.err != nil {
		fr.err = fmt.Errorf("render %s event %d (version %d) for %q: %w", e.Kind, e.Seq, e.Version, f.screen.Station, fr.err)
	}
	if len(bytes.TrimSpace(fr.data)) == 0 {
		fr.data = nil
	}
	fr.data, fr.wire = framed(fr.data)
	fr.followUp, fr.followUpWire = framed(fr.followUp)
}

// framed returns the WebSocket frame of message p, and p as the end of
// that frame, so that the two share their bytes; nil for nil.
func framed(p []byte) (data, wire []byte) {
	if p == nil {
		return nil, nil
	}
	wire = textFrame(p)
	return wire[len(wire)-len(p):], wire
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
