package views

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"

	"github.com/ticketrail/ticketrail/orders"
)

// TestUnseenPanelEmpty checks that the expo's alarm panel is there, hidden
// and empty, when nothing is in alarm, and that the socket's message
// replaces it out of band while the page's does not.
func TestUnseenPanelEmpty(t *testing.T) {
	for _, alarms := range [][]Alarm{nil, {}} {
		p := one(t, UnseenPanel(alarms))
		if p.Data != "section" || attrOr(p, "id") != "unseen" || attrOr(p, "data-testid") != "unseen" {
			t.Errorf("panel <%s id=%q data-testid=%q>", p.Data, attrOr(p, "id"), attrOr(p, "data-testid"))
		}
		if _, ok := attr(p, "hidden"); !ok {
			t.Errorf("an empty panel is not hidden: %s", renderString(t, UnseenPanel(alarms)))
		}
		if n := len(byTestID(p, "unseen-alarm")); n != 0 {
			t.Errorf("%d alarms listed, want none", n)
		}
		if _, ok := attr(p, "hx-swap-oob"); ok {
			t.Error("the page's panel is swapped out of band")
		}
	}
	msg := one(t, UnseenMessage(nil))
	if attrOr(msg, "id") != "unseen" || attrOr(msg, "hx-swap-oob") != "true" {
		t.Errorf("the socket's empty panel: %s", renderString(t, UnseenMessage(nil)))
	}
	if _, ok := attr(msg, "hidden"); !ok {
		t.Error("the socket's empty panel is not hidden")
	}
}

// TestUnseenPanelEntries checks each alarm's entry: a lagging screen with
// its ticket, one that owes the whole rail, and a station without a
// screen.
func TestUnseenPanelEntries(t *testing.T) {
	since := time.Date(2026, 3, 14, 9, 10, 5, 0, time.UTC)
	alarms := []Alarm{
		{Station: orders.Grill, NoScreen: true, Open: 3, Since: since},
		{Station: orders.Shake, NoScreen: true, Open: 1, Since: since},
		{Screen: "Fry tablet", Station: orders.Fry, Ticket: 112, OrderID: 12, Since: since},
		{Screen: "Pass 2", Station: "", Ticket: 0, Since: since},
	}
	for _, c := range []struct {
		name string
		oob  bool
	}{{name: "page"}, {name: "message", oob: true}} {
		t.Run(c.name, func(t *testing.T) {
			comp := UnseenPanel(alarms)
			if c.oob {
				comp = UnseenMessage(alarms)
			}
			p := one(t, comp)
			if _, ok := attr(p, "hidden"); ok {
				t.Error("the panel is hidden with alarms in it")
			}
			entries := byTestID(p, "unseen-alarm")
			if len(entries) != len(alarms) {
				t.Fatalf("%d entries, want %d: %s", len(entries), len(alarms), renderString(t, comp))
			}
			for i, want := range []struct {
				screen, station, ticket string
				noScreen                bool
				text                    string
			}{
				{"", "grill", "0", true, "No GRILL screen · 3 open tickets · since 09:10:05"},
				{"", "shake", "0", true, "No SHAKE screen · 1 open ticket · since 09:10:05"},
				{"Fry tablet", "fry", "112", false, "Fry tablet (fry) has not shown #112 · since 09:10:05"},
				{"Pass 2", "", "0", false, "Pass 2 (expo) has not shown the rail · since 09:10:05"},
			} {
				e := entries[i]
				if got := attrOr(e, "data-screen"); got != want.screen {
					t.Errorf("entry %d: data-screen %q, want %q", i, got, want.screen)
				}
				if got := attrOr(e, "data-station"); got != want.station {
					t.Errorf("entry %d: data-station %q, want %q", i, got, want.station)
				}
				if got := attrOr(e, "data-ticket"); got != want.ticket {
					t.Errorf("entry %d: data-ticket %q, want %q", i, got, want.ticket)
				}
				if _, ok := attr(e, "data-no-screen"); ok != want.noScreen {
					t.Errorf("entry %d: data-no-screen %v, want %v", i, ok, want.noScreen)
				}
				if got := text(e); got != want.text {
					t.Errorf("entry %d: %q, want %q", i, got, want.text)
				}
			}
			if n := len(byTestID(p, "unseen-more")); n != 0 {
				t.Errorf("%d 'more' entries for %d alarms", n, len(alarms))
			}
		})
	}
}

// TestUnseenPanelHostileNames renders screen names that try to break out
// of the text and the attributes: they come back as they were, as text,
// with no element or handler of theirs; station names too.
func TestUnseenPanelHostileNames(t *testing.T) {
	for _, bad := range hostile {
		t.Run(bad, func(t *testing.T) {
			alarms := []Alarm{{Screen: bad, Station: orders.Grill, Ticket: 7, Since: now}}
			for _, comp := range []templ.Component{UnseenPanel(alarms), UnseenMessage(alarms)} {
				p := one(t, comp)
				checkNoInjection(t, p, 0)
				entries := byTestID(p, "unseen-alarm")
				if len(entries) != 1 {
					t.Fatalf("%d entries, want 1: %s", len(entries), renderString(t, comp))
				}
				if got := attrOr(entries[0], "data-screen"); got != bad {
					t.Errorf("data-screen %q, want %q", got, bad)
				}
				if got := text(byTag(entries[0], "strong")[0]); got != strings.Join(strings.Fields(bad), " ") {
					t.Errorf("the name reads %q, want %q", got, bad)
				}
				if n := len(byTag(p, "li")); n != 1 {
					t.Errorf("%d list entries, want 1", n)
				}
			}
			// A station's name is the server's, but it is escaped all
			// the same.
			station := one(t, UnseenPanel([]Alarm{{Station: orders.Station(bad), NoScreen: true, Open: 2, Since: now}}))
			checkNoInjection(t, station, 0)
			if got := attrOr(byTestID(station, "unseen-alarm")[0], "data-station"); got != bad {
				t.Errorf("data-station %q, want %q", got, bad)
			}
		})
	}
}

// TestUnseenPanelBounded checks that the panel lists at most
// maxAlarmsShown alarms and counts the rest.
func TestUnseenPanelBounded(t *testing.T) {
	var alarms []Alarm
	for i := range maxAlarmsShown + 3 {
		alarms = append(alarms, Alarm{Screen: "grill " + strconv.Itoa(i), Station: orders.Grill, Ticket: 100 + i, Since: now})
	}
	p := one(t, UnseenPanel(alarms))
	entries := byTestID(p, "unseen-alarm")
	if len(entries) != maxAlarmsShown {
		t.Errorf("%d entries listed, want %d", len(entries), maxAlarmsShown)
	}
	if got := attrOr(entries[0], "data-screen"); got != "grill 0" {
		t.Errorf("the first entry is %q, want the first alarm", got)
	}
	more := onlyTestID(t, p, "unseen-more")
	if got := text(more); got != "and 3 more: see the fleet page" {
		t.Errorf("the count of the rest: %q", got)
	}
}
