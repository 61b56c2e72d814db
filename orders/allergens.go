package orders

import (
	"slices"
	"strings"
	"unicode"
)

// MaxAllergens is the most allergens an order, and each of its items, may
// name. It is also the length of the canonical list (see Allergens), so
// that naming every major allergen fits.
const MaxAllergens = 14

// MaxAllergenLength is the longest allergen name, in bytes, that an order
// or item may give.
const MaxAllergenLength = 40

// allergens is the canonical list, read only: the fourteen major food allergens that
// labelling rules in many countries name, in lower case, in the order a
// ticket lists them. "shellfish" stands for crustaceans, "mollusc" for
// molluscs, "sulphite" for sulphur dioxide and sulphites.
var allergens = [...]string{
	"peanut", "tree nut", "dairy", "egg", "gluten", "soy", "fish",
	"shellfish", "sesame", "mustard", "celery", "lupin", "mollusc", "sulphite",
}

// The canonical list fills exactly the room an order has for allergens.
var _ = [1]struct{}{}[len(allergens)-MaxAllergens]

// Allergens returns the canonical allergen names, in lower case, in the
// order a ticket lists them: peanut, tree nut, dairy, egg, gluten, soy,
// fish, shellfish, sesame, mustard, celery, lupin, mollusc, sulphite. Each
// call returns a fresh copy.
func Allergens() []string { return slices.Clone(allergens[:]) }

// synonym returns the canonical name that s, a normalised name, is
// another name or a plural of. They are names of the allergen itself, never
// of foods that contain it: "cheese", "butter" or "bread" name nothing,
// since a guest asking for no cheese is not telling the kitchen of an
// allergy. "coeliac" names gluten, the one allergen the disease is about.
func synonym(s string) (string, bool) {
	switch s {
	case "peanuts", "groundnut", "groundnuts":
		return "peanut", true
	case "nut", "nuts", "tree nuts", "treenut", "treenuts":
		return "tree nut", true
	case "milk", "lactose":
		return "dairy", true
	case "eggs":
		return "egg", true
	case "wheat", "coeliac", "celiac":
		return "gluten", true
	case "soya", "soybean", "soybeans", "soy bean", "soy beans":
		return "soy", true
	case "crustacean", "crustaceans":
		return "shellfish", true
	case "sesame seed", "sesame seeds":
		return "sesame", true
	case "celeriac":
		return "celery", true
	case "lupine", "lupins", "lupines":
		return "lupin", true
	case "molluscs", "mollusk", "mollusks":
		return "mollusc", true
	case "sulphites", "sulfite", "sulfites", "sulphur dioxide", "sulfur dioxide":
		return "sulphite", true
	}
	return "", false
}

// allergyWord reports whether w, one word or two, speaks of an allergy
// without naming one.
func allergyWord(w string) bool {
	switch w {
	case "allergy", "allergies", "allergic", "allergen", "allergens",
		"anaphylaxis", "anaphylactic", "epipen", "epi pen":
		return true
	}
	return false
}

// canonicalRank maps each canonical name to its place in the list.
func canonicalRank(name string) (int, bool) {
	i := slices.Index(allergens[:], name)
	return i, i >= 0
}

// NormalizeAllergen returns the name of allergen s as the rail keeps it:
// trimmed, in lower case, with hyphens and underscores taken as spaces and
// runs of spaces as one, and a synonym or plural ("milk", "peanuts",
// "soya") replaced by its canonical name (see Allergens). A name that is
// not on the list stays as normalised text: a guest can be allergic to
// anything.
func NormalizeAllergen(s string) string {
	s = strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if r == '-' || r == '_' {
			return ' '
		}
		return r
	}, strings.ToLower(s))), " ")
	if c, ok := synonym(s); ok {
		return c
	}
	return s
}

// DetectAllergens returns the allergens that text (a note or a modifier)
// names, as canonical names in the order of Allergens, and whether it
// speaks of an allergy at all: it names an allergen or has a word such as
// "allergy", "allergic", "anaphylaxis" or "EpiPen".
//
// Only whole words count, so "nutmeg", "eggplant", "butternut", "doughnut"
// and "peanutbutter" name nothing; words are runs of letters of any
// script, and two-word names such as "tree nut" count as one. Foods that
// contain an allergen ("cheese", "bread") name nothing: see
// NormalizeAllergen.
func DetectAllergens(text string) (names []string, allergy bool) {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) })
	found := make(map[string]bool)
	for i := 0; i < len(words); i++ {
		if i+1 < len(words) {
			pair := words[i] + " " + words[i+1]
			if c, ok := allergenName(pair); ok {
				found[c] = true
				i++
				continue
			}
			if allergyWord(pair) {
				allergy = true
				i++
				continue
			}
		}
		if c, ok := allergenName(words[i]); ok {
			found[c] = true
		} else if allergyWord(words[i]) {
			allergy = true
		}
	}
	for _, a := range allergens {
		if found[a] {
			names = append(names, a)
		}
	}
	return names, allergy || len(names) > 0
}

// allergenName returns the canonical name that word (lower case, spaces
// single) is, or is a synonym of.
func allergenName(word string) (string, bool) {
	if _, ok := canonicalRank(word); ok {
		return word, true
	}
	return synonym(word)
}

// sortAllergens sorts names, which must be distinct, as a ticket lists
// them: canonical names first, in the order of Allergens, then the others
// alphabetically.
func sortAllergens(names []string) {
	slices.SortFunc(names, func(a, b string) int {
		ra, ca := canonicalRank(a)
		rb, cb := canonicalRank(b)
		switch {
		case ca && cb:
			return ra - rb
		case ca:
			return -1
		case cb:
			return 1
		}
		return strings.Compare(a, b)
	})
}

// allergenSet collects allergen names without duplicates.
type allergenSet map[string]bool

// addNamed adds the normalised form of each of names.
func (s allergenSet) addNamed(names []string) {
	for _, n := range names {
		if n = NormalizeAllergen(n); n != "" {
			s[n] = true
		}
	}
}

// sorted returns the set's names as sortAllergens orders them, or nil for
// an empty set.
func (s allergenSet) sorted() []string {
	if len(s) == 0 {
		return nil
	}
	out := make([]string, 0, len(s))
	for n := range s {
		out = append(out, n)
	}
	sortAllergens(out)
	return out
}

// normalizeAllergens returns names normalised, without duplicates, in the
// order sortAllergens gives, or nil for none.
func normalizeAllergens(names []string) []string {
	s := make(allergenSet)
	s.addNamed(names)
	return s.sorted()
}

// orderAllergens returns the allergens of an order made from n: those
// named on the order and on its items, and those its notes and modifiers
// mention; and whether anything on it speaks of an allergy.
func orderAllergens(n NewOrder) (names []string, allergy bool) {
	s := make(allergenSet)
	s.addNamed(n.Allergens)
	detect := func(text string) {
		found, any := DetectAllergens(text)
		for _, f := range found {
			s[f] = true
		}
		allergy = allergy || any
	}
	for _, it := range n.Items {
		s.addNamed(it.Allergens)
		for _, m := range it.Modifiers {
			detect(m)
		}
	}
	for _, note := range n.Notes {
		detect(note)
	}
	names = s.sorted()
	return names, allergy || len(names) > 0
}
