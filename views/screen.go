package views

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/ticketrail/ticketrail/orders"
)

// DefaultWarnAfter and DefaultLateAfter are the ages at which a ticket's
// timer turns amber and red when a Screen does not say.
const (
	DefaultWarnAfter = 5 * time.Minute
	DefaultLateAfter = 8 * time.Minute
)

// How long a ticket that leaves the rail stays in the DOM before FollowUp
// removes it: a bumped ticket (or one whose station is done, on that
// station's screen) plays a short exit animation; a voided ticket shows its
// VOID stamp for about three seconds first.
const (
	leaveDelay = 400 * time.Millisecond
	voidDelay  = 3500 * time.Millisecond
)

// Screen is what one kind of kitchen screen shows: the expo screen shows
// every open ticket with all its items; a station's screen shows the open
// tickets that still have items for that station, and only those items.
type Screen struct {
	// Store is the restaurant's name, printed on every ticket.
	Store string
	// Station is the station whose screen this is, or "" for the expo
	// screen.
	Station orders.Station
	// WarnAfter is the age at which a ticket's timer turns amber
	// (5 minutes when 0).
	WarnAfter time.Duration
	// LateAfter is the age at which a ticket's timer turns red
	// (8 minutes when 0).
	LateAfter time.Duration
	// ViewOnly screens show the tickets without any control: no buttons,
	// no forms, nothing to tap (?controls=none).
	ViewOnly bool
}

// Shows reports whether the screen shows o: o is open and, on a station's
// screen, has items for the station, which has not finished its part yet.
func (s Screen) Shows(o orders.Order) bool {
	return o.Status.Open() && s.holds(o)
}

// holds reports whether the screen would show o if o were open.
func (s Screen) holds(o orders.Order) bool {
	if s.expo() {
		return true
	}
	return len(o.ItemsFor(s.Station)) > 0 && !o.StationDone(s.Station)
}

// expo reports whether s is the expo screen.
func (s Screen) expo() bool { return s.Station == "" }

// name is the screen's name as the header shows it: "Expo", or the
// station's name with a capital, e.g. "Grill".
func (s Screen) name() string {
	if s.expo() {
		return "Expo"
	}
	return stationName(s.Station)
}

// stationName is a station's name with a capital, e.g. "Grill".
func stationName(st orders.Station) string {
	name := string(st)
	if name == "" {
		return ""
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

func (s Screen) warnAfter() time.Duration {
	if s.WarnAfter > 0 {
		return s.WarnAfter
	}
	return DefaultWarnAfter
}

func (s Screen) lateAfter() time.Duration {
	if s.LateAfter > 0 {
		return s.LateAfter
	}
	return DefaultLateAfter
}

// age is how long ago o was placed at now, never less than zero.
func age(now time.Time, o orders.Order) time.Duration {
	return max(now.Sub(o.PlacedAt), 0)
}

// clock formats an age as minutes and seconds, e.g. "4:59" or "75:03".
// The seconds are truncated, so 4:59.9 still reads 4:59.
func clock(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	secs := int64(d / time.Second)
	ss := secs % 60
	pad := ""
	if ss < 10 {
		pad = "0"
	}
	return strconv.FormatInt(secs/60, 10) + ":" + pad + strconv.FormatInt(ss, 10)
}

// ageClass is the class of a timer at age d: "late", "warn" or "".
func (s Screen) ageClass(d time.Duration) string {
	switch {
	case d >= s.lateAfter():
		return "late"
	case d >= s.warnAfter():
		return "warn"
	}
	return ""
}

// timerClass is the class attribute of a timer at age d, e.g. "age warn".
func (s Screen) timerClass(d time.Duration) string {
	if c := s.ageClass(d); c != "" {
		return "age " + c
	}
	return "age"
}

// clockStyle is the style attribute of the ticket of o rendered at now:
// the custom properties from which rail.css runs its timer in the page,
// in milliseconds, e.g. "--age:-83412ms;--to-warn:216588ms;--to-late:396588ms;".
// --age is the timer's animation delay, minus its age; --to-warn and
// --to-late are the delays until it turns amber and red, negative once it
// has. It holds nothing but numbers, so it is safe in an attribute.
func (s Screen) clockStyle(now time.Time, o orders.Order) templ.SafeCSS {
	a := age(now, o).Truncate(time.Millisecond)
	ms := func(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) + "ms" }
	return templ.SafeCSS("--age:" + ms(-a) + ";--to-warn:" + ms(s.warnAfter()-a) + ";--to-late:" + ms(s.lateAfter()-a) + ";")
}

// ageID is the id of the timer on the ticket of the order with the given ID.
func ageID(id int64) string { return "age-" + strconv.FormatInt(id, 10) }

// items returns the items of o that the screen shows.
func (s Screen) items(o orders.Order) []orders.Item {
	if s.expo() {
		return o.Items
	}
	return o.ItemsFor(s.Station)
}

// others is the number of units on o that other stations make, which a
// station's screen does not list.
func (s Screen) others(o orders.Order) int {
	if s.expo() {
		return 0
	}
	n := 0
	for _, it := range o.Items {
		if it.Station != s.Station {
			n += it.Quantity
		}
	}
	return n
}

// units is the number of units in items, counting quantities.
func units(items []orders.Item) int {
	n := 0
	for _, it := range items {
		n += it.Quantity
	}
	return n
}

// allDayItem is one line of the all-day panel.
type allDayItem struct {
	Name string
	N    int
}

// allDay counts the units of each item on the tickets the screen shows,
// the most first, then by name.
func (s Screen) allDay(os []orders.Order) []allDayItem {
	counts := map[string]int{}
	for _, o := range os {
		if !s.Shows(o) {
			continue
		}
		for _, it := range s.items(o) {
			counts[it.Name] += it.Quantity
		}
	}
	out := make([]allDayItem, 0, len(counts))
	for name, n := range counts {
		out = append(out, allDayItem{Name: name, N: n})
	}
	sortAllDay(out)
	return out
}

// sortAllDay sorts the all-day panel's entries: the most first, then by
// name.
func sortAllDay(items []allDayItem) {
	slices.SortFunc(items, func(a, b allDayItem) int {
		return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Name, b.Name))
	})
}

// shown returns the orders of os that the screen shows, in order.
func (s Screen) shown(os []orders.Order) []orders.Order {
	var out []orders.Order
	for _, o := range os {
		if s.Shows(o) {
			out = append(out, o)
		}
	}
	return out
}

// before returns the ID of the ticket that the ticket of o hangs in front of
// on this screen: the next order after o in the rail os that the screen
// shows, or 0 when there is none (o hangs at the end).
func (s Screen) before(os []orders.Order, o orders.Order) int64 {
	i := slices.IndexFunc(os, func(p orders.Order) bool { return p.ID == o.ID })
	if i < 0 {
		return 0
	}
	for _, p := range os[i+1:] {
		if s.Shows(p) {
			return p.ID
		}
	}
	return 0
}

// allStationsDone reports whether every station of o has finished its part.
func allStationsDone(o orders.Order) bool {
	sts := o.Stations()
	if len(sts) == 0 {
		return false
	}
	for _, st := range sts {
		if !o.StationDone(st) {
			return false
		}
	}
	return true
}

// TicketID is the id attribute of the ticket of the order with the given ID,
// e.g. "ticket-7"; "#" + TicketID(id) selects it.
func TicketID(id int64) string {
	return "ticket-" + strconv.FormatInt(id, 10)
}

// idString is an order ID as form values carry it.
func idString(id int64) string { return strconv.FormatInt(id, 10) }

// statusClass is the class that styles a status, or "" for an unknown one.
func statusClass(s orders.Status) string {
	switch s {
	case orders.Received, orders.Fired, orders.Bumped, orders.Cancelled:
		return "status-" + string(s)
	}
	return ""
}

// itemCount is a count of units, e.g. "3 items".
func itemCount(n int) string {
	if n == 1 {
		return "1 item"
	}
	return strconv.Itoa(n) + " items"
}

// othersLine is the line under a station's items, e.g. "+2 other items".
func othersLine(n int) string {
	if n == 1 {
		return "+1 other item"
	}
	return "+" + strconv.Itoa(n) + " other items"
}
