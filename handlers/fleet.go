package handlers

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/ticketrail/ticketrail/views"
)

// fleet serves the fleet page (GET /fleet) and its cards (GET
// fleet/cards), for kitchen screens: every connected screen and how far
// behind it is, on every instance of the server.
type fleet struct {
	door    *door
	sockets *socketSet
	watch   *watch
	look    look
	log     *slog.Logger
}

// amberAfter is how long a screen may owe an ack before its card turns
// amber: a screen applies a message within milliseconds.
const amberAfter = time.Second

// data returns what the fleet page shows at now.
func (fl *fleet) data(now time.Time) views.FleetData {
	alarms, _, _ := fl.watch.current()
	socks := fl.sockets.all()
	self := views.FleetInstance{Name: fl.watch.instance, Self: true, Total: len(socks)}
	for _, s := range socks[:min(len(socks), maxCards)] {
		self.Screens = append(self.Screens, fl.watch.card(s, now))
	}
	d := views.FleetData{Now: now, Instances: []views.FleetInstance{self}, Alarms: alarms}
	d.Instances = append(d.Instances, fl.watch.others(now)...)
	return d
}

// card is what the fleet page shows of socket s at now.
func (w *watch) card(s *screenSocket, now time.Time) views.FleetScreen {
	st := s.rec.state()
	c := views.FleetScreen{
		ID: s.info.id, Name: s.info.name, Station: s.info.kind.station, ViewOnly: s.info.kind.viewOnly,
		Since: s.info.since, Acks: s.info.acks, Sent: st.sent, Applied: st.applied,
		Messages: s.messages.Load(), Bytes: s.bytes.Load(), Snapshots: s.snapshots.Load(),
		MiniURL: miniURL(s.info.kind),
	}
	c.Lag, c.Level = st.lag, views.LevelOK
	if st.owing {
		c.Lag = st.lagAt(now)
	}
	switch red := w.redAfter(); {
	case !c.Acks:
		c.Level = views.LevelUnknown
	case st.owing && c.Lag >= red:
		c.Level = views.LevelRed
	case st.owing && c.Lag >= min(amberAfter, red/2):
		c.Level = views.LevelAmber
	}
	return c
}

// redAfter is the lag at which a card turns red: when the alarm is
// raised, or DefaultUnseenAfter with the alarms off.
func (w *watch) redAfter() time.Duration {
	if w.after > 0 {
		return w.after
	}
	return DefaultUnseenAfter
}

// miniURL is the URL of the miniature of a screen of kind k: its page,
// marked mini=1, whose socket is neither listed nor watched.
func miniURL(k screenKind) string {
	return addQuery("./"+k.query(false), "mini=1")
}

// handlePage serves the fleet page.
func (fl *fleet) handlePage() http.Handler {
	return fl.door.kitchen(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writePage(w, r, fl.log, views.FleetPage(fl.look.frame("Fleet"), fl.data(fl.watch.now())))
	}))
}

// handleCards serves the fleet page's cards, which it fetches every second.
func (fl *fleet) handleCards() http.Handler {
	return fl.door.kitchen(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeHTML(w, r, fl.log, views.FleetCards(fl.data(fl.watch.now())))
	}))
}
