package handlers

import (
	"context"
	"encoding/json"
	"time"

	"github.com/ticketrail/ticketrail/orders"
	"github.com/ticketrail/ticketrail/views"
)

// On a store that several instances share (orders.Roster), each instance
// reports its screens and their alarms every reportEvery; a report older
// than reportFresh is of an instance that has gone, or has no screens.
const (
	reportEvery = 2 * time.Second
	reportFresh = 3 * reportEvery
)

// maxCards is how many screens of an instance the fleet page shows, and
// an instance reports, at most; the stations they serve are all told.
const maxCards = 200

// instanceReport is what an instance reports of itself on the roster.
type instanceReport struct {
	// Screens are its first maxCards screens, of Total.
	Screens []views.FleetScreen `json:"screens"`
	Total   int                 `json:"total"`
	// Stations are the stations its screens serve ("" for the expo).
	Stations []orders.Station `json:"stations"`
	// Alarms are its screens' alarms; each instance works out the
	// stations without a screen for itself, from every report.
	Alarms []views.Alarm `json:"alarms"`
}

// peer is another instance as its last report shows it.
type peer struct {
	name   string
	at     time.Time
	report instanceReport
}

// share reports this instance's screens and their alarms on the roster,
// when a report is due at now or force is set, and reads the others'
// reports. It returns the others as last read.
func (w *watch) share(now time.Time, socks []*screenSocket, alarms []views.Alarm, force bool) []peer {
	if w.roster == nil {
		return nil
	}
	w.mu.Lock()
	due := force || now.Sub(w.reported) >= reportEvery || now.Before(w.reported)
	if due {
		w.reported = now
	}
	peers := w.peers
	w.mu.Unlock()
	if !due {
		return peers
	}
	rep := instanceReport{Alarms: alarms[:min(len(alarms), maxCards)], Total: len(socks)}
	seen := make(map[orders.Station]bool)
	for i, s := range socks {
		if i < maxCards {
			rep.Screens = append(rep.Screens, w.card(s, now))
		}
		if st := s.info.kind.station; !seen[st] {
			seen[st] = true
			rep.Stations = append(rep.Stations, st)
		}
	}
	data, err := json.Marshal(rep)
	if err != nil {
		w.log.Error("report the screens", "err", err)
		return peers
	}
	ctx, cancel := context.WithTimeout(context.Background(), reportEvery)
	defer cancel()
	if err := w.roster.Report(ctx, orders.InstanceReport{Instance: w.instance, At: now, Data: data}); err != nil {
		w.log.Debug("report the screens", "err", err)
	}
	return w.readPeers(ctx, now)
}

// readPeers reads the other instances' reports and keeps them.
func (w *watch) readPeers(ctx context.Context, now time.Time) []peer {
	reports, err := w.roster.Reports(ctx, now.Add(-reportFresh))
	if err != nil {
		w.log.Debug("read the other instances' reports", "err", err)
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.peers
	}
	var peers []peer
	for _, r := range reports {
		if r.Instance == w.instance {
			continue
		}
		p := peer{name: r.Instance, at: r.At}
		if err := json.Unmarshal(r.Data, &p.report); err != nil {
			w.log.Warn("another instance's report is unreadable", "instance", r.Instance, "err", err)
			continue
		}
		peers = append(peers, p)
	}
	w.mu.Lock()
	w.peers, w.peersAt = peers, now
	w.mu.Unlock()
	return peers
}

// others returns the other instances for the fleet page: as last read, or
// read now if that was more than reportEvery ago (no screen of this
// instance keeps the watch running).
func (w *watch) others(now time.Time) []views.FleetInstance {
	if w.roster == nil {
		return nil
	}
	w.mu.Lock()
	peers, at := w.peers, w.peersAt
	w.mu.Unlock()
	if now.Sub(at) > reportEvery || now.Before(at) {
		ctx, cancel := context.WithTimeout(context.Background(), reportEvery)
		peers = w.readPeers(ctx, now)
		cancel()
	}
	var out []views.FleetInstance
	for _, p := range peers {
		out = append(out, views.FleetInstance{Name: p.name, ReportedAt: p.at, Screens: p.report.Screens, Total: p.report.Total})
	}
	return out
}
