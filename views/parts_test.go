package views

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ticketrail/ticketrail/orders"
)

func TestWrapLines(t *testing.T) {
	for _, tc := range []struct {
		s     string
		width int
		want  int
	}{
		{"", 10, 1},
		{"Fries", 10, 1},
		{"Double Burger", 13, 1},
		{"Double Burger", 12, 2},
		{"no onion extra pickles", 10, 3}, // "no onion" "extra" "pickles"
		{"aaaaaaaaaaaaaaaaaaaaaaaaa", 10, 3},
		{"ab aaaaaaaaaaaaaaaaaaaa", 10, 3}, // a long word breaks inside
		{"ééééé ééééé", 11, 1},             // runes, not bytes
	} {
		if got := wrapLines(tc.s, tc.width); got != tc.want {
			t.Errorf("wrapLines(%q, %d) = %d, want %d", tc.s, tc.width, got, tc.want)
		}
	}
}

// bigOrder has n items, each with one modifier.
func bigOrder(n int) orders.Order {
	o := sampleOrder()
	o.Items, o.Notes = nil, nil
	for i := range n {
		o.Items = append(o.Items, orders.Item{Quantity: 1, Name: fmt.Sprintf("Item number %d", i+1), Station: orders.Grill, Modifiers: []string{fmt.Sprintf("mod %d", i+1)}})
	}
	return o
}

// checkParts checks that parts shows every note, item and modifier of the
// items s shows exactly once and in order, and that every part fits.
func checkParts(t *testing.T, s Screen, o orders.Order, parts []part) {
	t.Helper()
	var notes, names, mods []string
	for k, p := range parts {
		if p.n != k+1 || p.of != len(parts) {
			t.Errorf("part %d is %d of %d, want %d of %d", k, p.n, p.of, k+1, len(parts))
		}
		units := len(p.notes)
		for _, pc := range p.items {
			units += len(pc.mods)
			if !pc.cont {
				units++
			}
		}
		switch {
		case p.em > 2*PartEm:
			t.Errorf("part %d of %s is %.2fem, over two rows", p.n, o.Items[0].Name, p.em)
		case p.tall() && units > 1:
			t.Errorf("part %d of %s is %.2fem, over %.0fem, with %d lines", p.n, o.Items[0].Name, p.em, PartEm, units)
		}
		if len(p.notes)+len(p.items) == 0 && !p.last() {
			t.Errorf("part %d of %d is empty", p.n, p.of)
		}
		notes = append(notes, p.notes...)
		for i, pc := range p.items {
			if pc.cont != (i == 0 && k > 0 && len(names) > 0 && names[len(names)-1] == pc.item.Name) {
				t.Errorf("part %d item %q: cont %v", p.n, pc.item.Name, pc.cont)
			}
			if !pc.cont {
				names = append(names, pc.item.Name)
			}
			mods = append(mods, pc.mods...)
			if o.Items[pc.index].Name != pc.item.Name {
				t.Errorf("piece index %d names %q, the order's item is %q", pc.index, pc.item.Name, o.Items[pc.index].Name)
			}
		}
	}
	var wantNames, wantMods []string
	for _, it := range s.items(o) {
		wantNames = append(wantNames, it.Name)
		wantMods = append(wantMods, it.Modifiers...)
	}
	if strings.Join(notes, "|") != strings.Join(o.Notes, "|") {
		t.Errorf("notes %q, want %q", notes, o.Notes)
	}
	if strings.Join(names, "|") != strings.Join(wantNames, "|") {
		t.Errorf("items %q, want %q", names, wantNames)
	}
	if strings.Join(mods, "|") != strings.Join(wantMods, "|") {
		t.Errorf("modifiers %q, want %q", mods, wantMods)
	}
}

func TestParts(t *testing.T) {
	long := sampleOrder()
	long.Items = []orders.Item{{Quantity: 1, Name: "Custom Burger", Station: orders.Grill}}
	for i := range orders.MaxModifiers {
		long.Items[0].Modifiers = append(long.Items[0].Modifiers, strings.Repeat("very long modifier ", 11)[:orders.MaxTextLength-i])
	}
	allergy := bigOrder(12)
	allergy.Allergy, allergy.Allergens = true, []string{"peanut", "sesame", "tree nut", "dairy"}
	mixed := bigOrder(20)
	for i := range mixed.Items {
		if i%2 == 1 {
			mixed.Items[i].Station = orders.Fry
		}
	}
	for _, tc := range []struct {
		name  string
		s     Screen
		o     orders.Order
		parts int // 0: more than one
	}{
		{"a typical ticket", expo, sampleOrder(), 1},
		{"four items", expo, bigOrder(4), 1},
		{"thirty items", expo, bigOrder(30), 0},
		{"the most items", expo, bigOrder(orders.MaxItems), 0},
		{"one item, ten long modifiers", expo, long, 0},
		{"an allergy band on every part", expo, allergy, 0},
		{"view-only", Screen{ViewOnly: true}, bigOrder(30), 0},
		{"a station's items only", grill, mixed, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parts := tc.s.parts(tc.o)
			if tc.parts > 0 && len(parts) != tc.parts || tc.parts == 0 && len(parts) < 2 {
				t.Fatalf("%d parts, want %d (0: several)", len(parts), tc.parts)
			}
			checkParts(t, tc.s, tc.o, parts)
		})
	}
}

// TestPartsFillTheirRoom checks that the split does not waste columns: a
// part ends only where the next item no longer fits.
func TestPartsFillTheirRoom(t *testing.T) {
	o := bigOrder(30)
	parts := expo.parts(o)
	perItem := itemLineEm + itemGapEm + modLineEm
	for _, p := range parts[:len(parts)-1] {
		if p.em+perItem <= PartEm {
			t.Errorf("part %d of %d is %.2fem: another item (%.2fem) would have fitted", p.n, p.of, p.em, perItem)
		}
	}
	if n := len(parts); n > 6 {
		t.Errorf("thirty items take %d parts", n)
	}
}

// TestPartEmMatchesCSS ties PartEm to rail.css, which sizes the type so
// that a part of that many ems fits one row of the rail.
func TestPartEmMatchesCSS(t *testing.T) {
	css, err := os.ReadFile("../assets/rail.css")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`--rail-part-em:\s*([0-9.]+);`).FindSubmatch(css)
	if m == nil {
		t.Fatal("rail.css sets no --rail-part-em")
	}
	if v, _ := strconv.ParseFloat(string(m[1]), 64); v != PartEm {
		t.Errorf("rail.css --rail-part-em is %s, views.PartEm is %v", m[1], PartEm)
	}
}
