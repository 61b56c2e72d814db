package handlers

import (
	"bytes"
	"cmp"
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/ticketrail/ticketrail/orders"
	"github.com/ticketrail/ticketrail/views"
)

// DefaultUnseenAfter is Options.UnseenAfter's default.
const DefaultUnseenAfter = 10 * time.Second

// StatusNotShowing is the close code of a socket whose screen did not show
// what it was sent, even after a fresh snapshot: 1013 (try again later),
// on which the page reconnects.
const StatusNotShowing = websocket.StatusTryAgainLater

// watch raises the unseen-ticket alarms. A screen whose socket asked to be
// held to its receipts (acks=1, as the rail's own pages do) and has not
// acked a message within after of sending it is in alarm: the expo
// screens name it and the ticket, it is sent a fresh snapshot, and if it
// has still not acked after another after, its socket is closed so that
// the page reconnects. A station that has open tickets and no screen
// connected at all for after is in alarm too. An alarm clears by itself
// when the screen catches up, leaves, or the station's screen comes.
type watch struct {
	after   time.Duration // 0: no alarms
	now     func() time.Time
	board   *orders.Board
	sockets *socketSet
	writers *writers
	look    look
	metrics *metrics
	log     *slog.Logger

	mu sync.Mutex
	// panel is the expo's alarm panel as a socket frame, rendered once
	// per change; gen counts the changes.
	panel   []byte
	gen     uint64
	alarms  []views.Alarm
	noScene map[orders.Station]time.Time // since when each station has had tickets and no screen
	running bool
	// idle wakes the loop when the last socket has closed, so that it
	// ends at once.
	idle chan struct{}

	// On a shared store (roster not nil), this instance's name, when it
	// last reported, and the other instances as last read (see share).
	roster   orders.Roster
	instance string
	reported time.Time
	peers    []peer
	peersAt  time.Time
}

// checkEvery is how often the watch looks at the screens: often enough
// that an alarm is raised within a second or so of being due.
func (w *watch) checkEvery() time.Duration {
	if w.after <= 0 {
		return time.Second // only to report to the other instances
	}
	return min(max(w.after/5, 50*time.Millisecond), time.Second)
}

// begin starts the watch's loop unless it runs; it runs while sockets are
// open.
func (w *watch) begin() {
	if w.after <= 0 && w.roster == nil {
		return // no alarms, and no other instance to tell
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.running {
		return
	}
	w.running = true
	if w.idle == nil {
		w.idle = make(chan struct{}, 1)
	}
	go w.loop(w.idle)
}

func (w *watch) loop(idle <-chan struct{}) {
	t := time.NewTicker(w.checkEvery())
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-idle:
		}
		if !w.check(w.now()) {
			return
		}
	}
}

// allClosed tells the loop that the last socket has closed.
func (w *watch) allClosed() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.running {
		select {
		case w.idle <- struct{}{}:
		default:
		}
	}
}

// check raises and clears alarms as the screens are at now: this
// instance's and, on a shared store, the other instances' as they
// reported them. It reports false, and stops counting as running, once no
// socket is open.
func (w *watch) check(now time.Time) bool {
	socks := w.sockets.all()
	if len(socks) == 0 {
		w.mu.Lock()
		// A socket that opened since found the loop running, and
		// started none: look again, under the lock that begin takes.
		if len(w.sockets.all()) > 0 {
			w.mu.Unlock()
			return true
		}
		w.running = false
		w.mu.Unlock()
		w.share(now, nil, nil, true) // no screens here any more
		w.publish(nil)
		return false
	}
	var alarms []views.Alarm
	present := make(map[orders.Station]bool)
	for _, s := range socks {
		present[s.info.kind.station] = true
		if a, ok := w.checkSocket(s, now); ok {
			alarms = append(alarms, a)
		}
	}
	shown := alarms
	for _, p := range w.share(now, socks, alarms, false) {
		for _, st := range p.report.Stations {
			present[st] = true
		}
		shown = append(shown, p.report.Alarms...)
	}
	w.publish(append(shown, w.noScreens(present, now)...))
	return true
}

// checkSocket looks at one socket's receipts at now: it raises the alarm,
// resyncs or closes the socket, or clears its resync once it caught up.
func (w *watch) checkSocket(s *screenSocket, now time.Time) (views.Alarm, bool) {
	if !s.info.acks || w.after <= 0 {
		return views.Alarm{}, false
	}
	st := s.rec.state()
	lag := st.lagAt(now)
	if lag < w.after {
		if !st.resyncAt.IsZero() {
			s.rec.markResync(time.Time{})
			w.log.Info("screen caught up", s.info.logAttrs()...)
		}
		return views.Alarm{}, false
	}
	a := views.Alarm{Screen: s.info.name, Station: s.info.kind.station, Ticket: st.oldest.number, OrderID: st.oldest.order, Since: st.oldest.sentAt}
	switch {
	case st.resyncAt.IsZero():
		s.rec.markResync(now)
		w.metrics.unseenAlarm()
		w.metrics.snapshot(snapshotUnseen)
		w.log.Warn("screen not showing a ticket: sending it the rail again", append(s.info.logAttrs(),
			"order", a.OrderID, "number", a.Ticket, "version", st.oldest.version, "applied", st.applied, "lag", lag.Round(time.Millisecond))...)
		s.sub.Resync()
	case now.Sub(st.resyncAt) >= w.after:
		if s.closing.CompareAndSwap(nil, &reasonUnseen) {
			w.log.Warn("screen still not showing what it is sent: closing its socket", append(s.info.logAttrs(),
				"order", a.OrderID, "number", a.Ticket, "applied", st.applied, "lag", lag.Round(time.Millisecond))...)
			go s.c.Close(StatusNotShowing, "not showing what it is sent, reconnect")
		}
	}
	return a, true
}

// noScreens returns the alarms of the stations with open tickets and no
// screen connected (present) for at least after.
func (w *watch) noScreens(present map[orders.Station]bool, now time.Time) []views.Alarm {
	if w.after <= 0 {
		return nil
	}
	open := make(map[orders.Station]int)
	for _, o := range w.board.Open() {
		for _, st := range orders.Stations() {
			if w.look.screen(screenKind{station: st}).Shows(o) {
				open[st]++
			}
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.noScene == nil {
		w.noScene = make(map[orders.Station]time.Time)
	}
	var alarms []views.Alarm
	for _, st := range orders.Stations() {
		if present[st] || open[st] == 0 {
			delete(w.noScene, st)
			continue
		}
		since, ok := w.noScene[st]
		if !ok {
			w.noScene[st] = now
			continue
		}
		if now.Sub(since) >= w.after {
			alarms = append(alarms, views.Alarm{Station: st, NoScreen: true, Open: open[st], Since: since})
		}
	}
	return alarms
}

// publish makes alarms the expo's alarms: when they changed, the panel is
// rendered once and every expo socket is asked to send it.
func (w *watch) publish(alarms []views.Alarm) {
	slices.SortStableFunc(alarms, func(a, b views.Alarm) int {
		if a.NoScreen != b.NoScreen {
			if a.NoScreen {
				return -1
			}
			return 1
		}
		return cmp.Or(a.Since.Compare(b.Since), cmp.Compare(a.Screen, b.Screen))
	})
	w.mu.Lock()
	if slices.Equal(alarms, w.alarms) {
		w.mu.Unlock()
		return
	}
	for _, a := range alarms {
		if !slices.ContainsFunc(w.alarms, func(b views.Alarm) bool { return sameAlarm(a, b) }) {
			if a.NoScreen {
				w.log.Warn("no screen for a station with open tickets", "station", a.Station, "open", a.Open, "since", a.Since)
				w.metrics.unseenAlarm()
			}
		}
	}
	for _, b := range w.alarms {
		if !slices.ContainsFunc(alarms, func(a views.Alarm) bool { return sameAlarm(a, b) }) {
			w.log.Info("alarm cleared", "screen", b.Screen, "station", b.Station, "no_screen", b.NoScreen, "number", b.Ticket)
		}
	}
	var buf bytes.Buffer
	if err := views.UnseenMessage(alarms).Render(context.Background(), &buf); err != nil {
		w.mu.Unlock()
		w.log.Error("render the alarms", "err", err)
		return
	}
	w.alarms, w.panel = alarms, textFrame(buf.Bytes())
	w.gen++
	w.metrics.setAlarms(len(alarms))
	w.mu.Unlock()
	for _, s := range w.sockets.all() {
		if s.f.screen.Station == "" {
			w.writers.ask(s)
		}
	}
}

// sameAlarm reports whether a and b are the same alarm, whatever its
// ticket: the same screen lagging, or the same station without one.
func sameAlarm(a, b views.Alarm) bool {
	return a.NoScreen == b.NoScreen && a.Screen == b.Screen && a.Station == b.Station
}

// current returns the alarms and the panel's frame and generation.
func (w *watch) current() ([]views.Alarm, []byte, uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.alarms, w.panel, w.gen
}
