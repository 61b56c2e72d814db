package orders

import (
	"strings"
	"unicode"
)

// MenuItem is a dish on the Socket Burger menu and the modifiers a guest
// may ask for.
type MenuItem struct {
	Name      string
	Station   Station
	Modifiers []string
}

// Menu returns the Socket Burger menu, used by the demo generator. Each call
// returns a fresh copy.
func Menu() []MenuItem {
	burger := []string{"extra sauce", "no lettuce", "no onion", "no tomato", "no sauce", "no bread", "add bacon"}
	return []MenuItem{
		{Name: "Double Burger", Station: Grill, Modifiers: burger},
		{Name: "Cheeseburger", Station: Grill, Modifiers: burger},
		{Name: "Hamburger", Station: Grill, Modifiers: burger},
		{Name: "French Fries", Station: Fry, Modifiers: []string{"no salt", "well done", "add sauce"}},
		{Name: "Vanilla Shake", Station: Shake, Modifiers: []string{"no whip", "extra thick"}},
		{Name: "Strawberry Shake", Station: Shake, Modifiers: []string{"no whip", "extra thick"}},
		{Name: "Chocolate Shake", Station: Shake, Modifiers: []string{"no whip", "extra thick"}},
		{Name: "Cola", Station: Shake, Modifiers: []string{"no ice", "light ice"}},
		{Name: "Lemonade", Station: Shake, Modifiers: []string{"no ice", "light ice"}},
	}
}

// GuessStation returns the station that most likely makes an item, from
// words in its name: fries and other fried sides go to the fry station,
// shakes and drinks to the shake station, everything else to the grill.
func GuessStation(name string) Station {
	words := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return !unicode.IsLetter(r)
	})
	for _, w := range words {
		switch w {
		case "fries", "fry", "rings", "nuggets", "tots", "wedges", "chips", "hash", "churros":
			return Fry
		case "shake", "shakes", "malt", "cola", "soda", "lemonade", "coffee", "tea", "juice", "water",
			"drink", "sundae", "float", "smoothie", "milk", "cone":
			return Shake
		}
	}
	return Grill
}
