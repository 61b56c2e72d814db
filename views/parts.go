package views

import (
	"strings"
	"unicode/utf8"

	"github.com/ticketrail/ticketrail/orders"
)

// A ticket too long for one rail row continues in the next column, as a
// printed slip would be torn into two: each column is a part. The split is
// made here, on the server, from a height budget measured in the ticket's
// own font size (em): rail.css sizes the type so that PartEm of it fit in
// one row of the rail at every screen size, so no part is ever clipped and
// no ticket needs a scroll box of its own. Text is set in a monospace face,
// so the number of lines a text wraps to is known from its length.
//
// The figures below mirror rail.css; TestPartEmMatchesCSS ties PartEm to
// the stylesheet.
const (
	// PartEm is the height of one part, paper edges included, in ems of
	// the ticket's font: rail.css's --rail-part-em.
	PartEm = 29.0

	edgesEm    = 2.3  // the torn edges and the paper's padding
	bodyEm     = 1.0  // the rule above the body, and its spacing
	headEm     = 6.3  // store, stamp and time; number and age; destination
	flagsEm    = 1.9  // the RUSH / RECALLED line
	contHeadEm = 2.1  // CONTINUED #number n/m
	footEm     = 5.2  // stations and count, then the buttons
	plainFoot  = 2.2  // stations and count only (no controls)
	stationsEm = 1.4  // a second line for three stations and the count
	contFootEm = 1.5  // "continued ▶" at the foot of a part that is not the last
	bandPadEm  = 0.9  // padding and margin of the allergy band
	bandLineEm = 1.55 // one line of the allergy band (1.24em type)
	itemLineEm = 1.5  // one line of an item (1.2em type)
	itemGapEm  = 0.25 // between two items
	modLineEm  = 1.3  // one line of a modifier (1.04em type)
	noteLineEm = 1.3  // one line of a note (1.04em type)
	notesPadEm = 0.8  // the rule and space under the notes
	othersEm   = 1.9  // "+N other items"

	// Characters per line, for a part 15.5em wide in a face whose
	// advance is 0.6em, less a margin for faces slightly wider.
	itemChars = 15
	modChars  = 16
	noteChars = 19
	bandChars = 15
)

// part is one column of a ticket.
type part struct {
	n, of int      // 1-based, of how many
	notes []string // notes shown in this part
	items []piece  // items, or the rest of an item, shown in this part
	// others is set on the last part of a station's ticket.
	others bool
	// em is the part's estimated height, at most PartEm; or, for a part
	// whose one modifier or note is taller than a row by itself (at most
	// MaxTextLength of text), at most twice that: it is tall.
	em float64
}

// tall reports whether p takes two rows of the rail.
func (p part) tall() bool { return p.em > PartEm }

func (p part) first() bool { return p.n == 1 }
func (p part) last() bool  { return p.n == p.of }

// piece is an item, or the part of its modifiers that one part shows.
type piece struct {
	index int // into the order's Items
	item  orders.Item
	mods  []string
	// cont is set when the item began in the part before: its name is
	// repeated, marked as continued.
	cont bool
}

// unit is what the split places: a note, an item's name line, or one of
// its modifiers.
type unit struct {
	em    float64
	note  string
	index int // the item's index, for a name or a modifier
	item  *orders.Item
	mod   int // -1 for the item's name line
}

// modifier reports whether u is one of an item's modifiers.
func (u unit) modifier() bool { return u.item != nil && u.mod >= 0 }

// wrapLines is how many lines s takes at width chars per line, breaking
// between words where it can and inside a word that is longer than a line.
func wrapLines(s string, width int) int {
	lines, col := 1, 0
	for len(s) > 0 {
		// The next word and its length in runes.
		s = strings.TrimLeft(s, " \t")
		end := strings.IndexAny(s, " \t")
		if end < 0 {
			end = len(s)
		}
		n := utf8.RuneCountInString(s[:end])
		s = s[end:]
		if n == 0 {
			break
		}
		switch {
		case col == 0:
		case col+1+n <= width:
			col++
		default:
			lines++
			col = 0
		}
		for n > width-col {
			n -= width - col
			lines++
			col = 0
		}
		col += n
	}
	return lines
}

// parts splits o, as screen s shows it, into the parts that each fit one
// rail row.
func (s Screen) parts(o orders.Order) []part {
	size := len(o.Notes)
	for _, it := range o.Items {
		size += 1 + len(it.Modifiers)
	}
	units := make([]unit, 0, size)
	for _, n := range o.Notes {
		units = append(units, unit{em: float64(wrapLines(n, noteChars)) * noteLineEm, note: n, index: -1})
	}
	if len(o.Notes) > 0 {
		units[len(units)-1].em += notesPadEm
	}
	for i := range o.Items {
		it := &o.Items[i] // read only: orders share their items
		if !s.expo() && it.Station != s.Station {
			continue
		}
		units = append(units, unit{em: float64(wrapLines(it.Name, itemChars))*itemLineEm + itemGapEm, index: i, item: it, mod: -1})
		for j, m := range it.Modifiers {
			units = append(units, unit{em: float64(wrapLines(m, modChars)) * modLineEm, index: i, item: it, mod: j})
		}
	}

	top := headEm
	if o.Rush || o.Recalled {
		top += flagsEm
	}
	band := 0.0
	if o.Allergy {
		band = bandPadEm + float64(wrapLines(allergyText(o), bandChars))*bandLineEm
	}
	foot := footEm
	if s.ViewOnly {
		foot = plainFoot
	}
	if s.expo() && len(o.Stations()) > 2 {
		foot += stationsEm // three stations and the count take two lines
	}
	if s.others(o) > 0 {
		foot += othersEm
	}
	room := func(n int) float64 { // the body's height in part n
		if n > 1 {
			return PartEm - edgesEm - bodyEm - contHeadEm - band
		}
		return PartEm - edgesEm - bodyEm - top - band
	}

	// Fill each part in turn, keeping an item's name with its first
	// modifier, and leaving room for "continued" at its foot.
	var groups [][]unit
	var cur []unit
	used := 0.0
	for i, u := range units {
		need := u.em
		if u.mod == -1 && len(u.item.Modifiers) > 0 && i+1 < len(units) {
			need += units[i+1].em
		}
		if len(cur) > 0 && used+need > room(len(groups)+1)-contFootEm {
			groups, cur, used = append(groups, cur), nil, 0
		}
		if len(cur) == 0 && u.modifier() {
			used = contNameEm(u.item.Name) // the item's name, repeated
		}
		cur, used = append(cur, u), used+u.em
	}
	// The last part also holds the foot: move units from its end to a
	// part of their own until it does.
	for used+foot > room(len(groups)+1) {
		cut, rest := len(cur), used
		for cut > 1 && rest+foot > room(len(groups)+1) {
			cut--
			rest -= cur[cut].em
		}
		if cut == 1 && rest+foot > room(len(groups)+1) {
			cut = len(cur) // the foot goes in a part of its own
		}
		groups = append(groups, cur[:cut])
		cur, used = cur[cut:], used-rest
		if len(cur) > 0 && cur[0].modifier() {
			used += contNameEm(cur[0].item.Name)
		}
	}
	groups = append(groups, cur)

	out := make([]part, len(groups))
	for k, g := range groups {
		p := part{n: k + 1, of: len(groups), em: PartEm - room(k+1)}
		if len(g) > 0 && g[0].modifier() {
			p.em += contNameEm(g[0].item.Name)
		}
		if k < len(groups)-1 {
			p.em += contFootEm
		} else {
			p.em += foot
		}
		for _, u := range g {
			p.em += u.em
			switch {
			case u.item == nil:
				p.notes = append(p.notes, u.note)
			case u.mod == -1:
				p.items = append(p.items, piece{index: u.index, item: *u.item})
			default:
				if len(p.items) == 0 || p.items[len(p.items)-1].index != u.index {
					p.items = append(p.items, piece{index: u.index, item: *u.item, cont: true})
				}
				last := &p.items[len(p.items)-1]
				last.mods = append(last.mods, u.item.Modifiers[u.mod])
			}
		}
		out[k] = p
	}
	out[len(out)-1].others = s.others(o) > 0
	return out
}

// contNameEm is the height of an item's name repeated at the top of the
// part that continues its modifiers, marked "(cont.)".
func contNameEm(name string) float64 {
	return float64(wrapLines(name+" (cont.)", itemChars))*itemLineEm + itemGapEm
}

// allergyText is what a ticket's allergy band says after ALLERGY: the
// order's allergens in capitals, or SEE NOTES when a note speaks of an
// allergy without naming one.
func allergyText(o orders.Order) string {
	if len(o.Allergens) == 0 {
		return "ALLERGY: SEE NOTES"
	}
	return "ALLERGY: " + strings.ToUpper(strings.Join(o.Allergens, ", "))
}
