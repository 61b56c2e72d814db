package views

import (
	"hash/fnv"
	"iter"
	"slices"
	"strconv"

	"github.com/ticketrail/ticketrail/orders"
)

// A message changes only the entries of the all-day panel and the recall
// list that an event changed. On the page, the entries that did not change
// keep their relative order, so deleting the changed ones and inserting
// each run of them in front of the unchanged entry that follows the run
// (or at the end) leaves the page's list equal to the server's. htmx
// finds every target of a message before it swaps any, so a target is
// always an entry that is on the page before the message.

// allDayDelta is how an event changes a screen's all-day panel.
type allDayDelta struct {
	// counts are entries that keep their place and take a new count.
	counts []allDayItem
	// remove are the names of entries to delete.
	remove []string
	// insert are runs of entries to insert.
	insert []allDayInsert
}

// allDayInsert is a run of entries of the all-day panel to insert in
// front of the entry named before ("" for the end of the list).
type allDayInsert struct {
	items  []allDayItem
	before string
}

func (d allDayDelta) empty() bool {
	return len(d.counts) == 0 && len(d.remove) == 0 && len(d.insert) == 0
}

// allDayChange returns how the all-day panel of s changes when o's items
// join the tickets it shows (joined) or leave them, the tickets being rail
// after the event.
func (s Screen) allDayChange(rail []orders.Order, o orders.Order, joined bool) allDayDelta {
	after := s.allDay(rail)
	changed := map[string]int{} // name: the count before, minus the count after
	for _, it := range s.items(o) {
		if joined {
			changed[it.Name] -= it.Quantity
		} else {
			changed[it.Name] += it.Quantity
		}
	}
	before := make([]allDayItem, 0, len(after)+len(changed))
	seen := map[string]bool{}
	for _, it := range after {
		seen[it.Name] = true
		if n := it.N + changed[it.Name]; n > 0 {
			before = append(before, allDayItem{it.Name, n})
		}
	}
	for name, d := range changed {
		if !seen[name] && d > 0 {
			before = append(before, allDayItem{name, d})
		}
	}
	sortAllDay(before)
	return diffAllDay(before, after, changed)
}

// diffAllDay returns the changes that turn the list before into after,
// changed holding the names whose count changed.
func diffAllDay(before, after []allDayItem, changed map[string]int) allDayDelta {
	var d allDayDelta
	isChanged := func(it allDayItem) bool { _, ok := changed[it.Name]; return ok }
	// When the changed entries keep their places, their counts are all
	// that change.
	if slices.EqualFunc(before, after, func(a, b allDayItem) bool { return a.Name == b.Name }) {
		for _, it := range after {
			if isChanged(it) {
				d.counts = append(d.counts, it)
			}
		}
		return d
	}
	for _, it := range before {
		if isChanged(it) {
			d.remove = append(d.remove, it.Name)
		}
	}
	for i, j := range runs(after, isChanged) {
		ins := allDayInsert{items: after[i:j]}
		if j < len(after) {
			ins.before = after[j].Name
		}
		d.insert = append(d.insert, ins)
	}
	return d
}

// runs yields the runs of consecutive items that in holds for, as the
// index of each run's first item and the index after its last.
func runs[T any](items []T, in func(T) bool) iter.Seq2[int, int] {
	return func(yield func(int, int) bool) {
		for i := 0; i < len(items); {
			if !in(items[i]) {
				i++
				continue
			}
			j := i + 1
			for j < len(items) && in(items[j]) {
				j++
			}
			if !yield(i, j) {
				return
			}
			i = j
		}
	}
}

// allDayID is the id of the all-day entry of the item with the given name:
// the name's hash, so that any name makes a valid id and selector.
func allDayID(name string) string {
	h := fnv.New64a()
	h.Write([]byte(name))
	return "all-day-" + strconv.FormatUint(h.Sum64(), 36)
}

// recallDelta is how an event changes the recall list.
type recallDelta struct {
	// remove are the IDs of entries to delete.
	remove []int64
	// insert are runs of entries to insert.
	insert []recallInsert
	// noneGoes and noneComes: the list stops or starts being empty, and
	// its placeholder goes or comes.
	noneGoes, noneComes bool
}

// recallInsert is a run of entries of the recall list to insert in front
// of the entry of the order with ID before (0 for the end of the list).
type recallInsert struct {
	orders []orders.Order
	before int64
}

// recallChange returns the changes that turn the recall list listed (the
// order IDs) into recent.
func recallChange(listed []int64, recent []orders.Order) recallDelta {
	var d recallDelta
	now := make(map[int64]bool, len(recent))
	for _, o := range recent {
		now[o.ID] = true
	}
	was := make(map[int64]bool, len(listed))
	for _, id := range listed {
		was[id] = true
		if !now[id] {
			d.remove = append(d.remove, id)
		}
	}
	for i, j := range runs(recent, func(o orders.Order) bool { return !was[o.ID] }) {
		ins := recallInsert{orders: recent[i:j]}
		if j < len(recent) {
			ins.before = recent[j].ID
		}
		d.insert = append(d.insert, ins)
	}
	d.noneGoes = len(listed) == 0 && len(recent) > 0
	d.noneComes = len(listed) > 0 && len(recent) == 0
	return d
}

// recallID is the id of the recall list's entry for the order with the
// given ID.
func recallID(id int64) string { return "recall-" + strconv.FormatInt(id, 10) }
