package handlers

import (
	"net/http"
	"net/url"
	"time"

	"github.com/ticketrail/ticketrail/assets"
	"github.com/ticketrail/ticketrail/orders"
	"github.com/ticketrail/ticketrail/views"
)

// look is what every screen and page of the rail shows alike: the
// restaurant's name and when a ticket's timer turns amber and red.
type look struct {
	store                string
	warnAfter, lateAfter time.Duration
}

// screen returns what a screen of kind k shows.
func (lk look) screen(k screenKind) views.Screen {
	return views.Screen{Store: lk.store, Station: k.station, WarnAfter: lk.warnAfter, LateAfter: lk.lateAfter, ViewOnly: k.viewOnly}
}

// frame is what the pairing and Screens pages, titled title, link.
func (lk look) frame(title string) views.Frame {
	return views.Frame{
		Title: lk.store + " · " + title, Store: lk.store,
		CSSURL: assets.Path("rail.css"), HTMXURL: assets.Path("htmx/htmx.min.js"), WSExtURL: assets.Path("htmx/hx-ws.min.js"),
	}
}

// screenKind is one kind of screen, rendered once per event for all the
// sockets of that kind: the expo or a station's, with or without controls.
type screenKind struct {
	station  orders.Station // "" for the expo
	viewOnly bool           // ?controls=none
}

// kindOf returns the kind of screen a request asks for: the station that
// ?station= names ("" for the expo) and, with ?controls=none, view-only.
// For a station or controls value it does not know it answers 404 and
// reports false.
func kindOf(w http.ResponseWriter, r *http.Request) (screenKind, bool) {
	q := r.URL.Query()
	k := screenKind{station: orders.Station(q.Get("station"))}
	if k.station != "" && !k.station.Valid() {
		http.Error(w, "unknown station: use grill, fry or shake, or none for the expo", http.StatusNotFound)
		return screenKind{}, false
	}
	switch q.Get("controls") {
	case "", "all":
	case "none":
		k.viewOnly = true
	default:
		http.Error(w, "unknown controls: use controls=none for a screen without controls", http.StatusNotFound)
		return screenKind{}, false
	}
	return k, true
}

// query is the query string that asks for a screen of kind k, with large
// type if large is set: "", or e.g. "?station=grill&controls=none".
func (k screenKind) query(large bool) string {
	v := url.Values{}
	if k.station != "" {
		v.Set("station", string(k.station))
	}
	if k.viewOnly {
		v.Set("controls", "none")
	}
	if large {
		v.Set("size", "large")
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}
