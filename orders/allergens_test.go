package orders_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/ticketrail/ticketrail/orders"
)

func TestAllergensList(t *testing.T) {
	list := orders.Allergens()
	if len(list) == 0 || len(list) > orders.MaxAllergens {
		t.Fatalf("%d allergens, want 1 to %d", len(list), orders.MaxAllergens)
	}
	seen := map[string]bool{}
	for _, a := range list {
		if seen[a] {
			t.Errorf("%q is listed twice", a)
		}
		seen[a] = true
		if got := orders.NormalizeAllergen(a); got != a {
			t.Errorf("NormalizeAllergen(%q) = %q: a canonical name must be its own normal form", a, got)
		}
		if len(a) > orders.MaxAllergenLength {
			t.Errorf("%q is longer than MaxAllergenLength", a)
		}
	}
	list[0] = "changed"
	if orders.Allergens()[0] == "changed" {
		t.Error("Allergens returned the list itself, not a copy")
	}
}

func TestNormalizeAllergen(t *testing.T) {
	for _, tt := range []struct {
		in, want string
	}{
		{"peanut", "peanut"},
		{"  Peanuts ", "peanut"},
		{"MILK", "dairy"},
		{"lactose", "dairy"},
		{"Tree-Nuts", "tree nut"},
		{"tree_nut", "tree nut"},
		{"tree   nut", "tree nut"},
		{"nuts", "tree nut"},
		{"nut", "tree nut"},
		{"eggs", "egg"},
		{"Wheat", "gluten"},
		{"coeliac", "gluten"},
		{"soya", "soy"},
		{"soybean", "soy"},
		{"soy-beans", "soy"},
		{"sulfites", "sulphite"},
		{"Sulfur Dioxide", "sulphite"},
		{"crustaceans", "shellfish"},
		{"mollusk", "mollusc"},
		{"lupine", "lupin"},
		{"celeriac", "celery"},
		{"sesame seeds", "sesame"},
		// Not on the list: kept as normalised text.
		{"Kiwi  Fruit", "kiwi fruit"},
		{"cheese", "cheese"},
		{"Crème-Brûlée", "crème brûlée"},
		{"   ", ""},
		{"-_-", ""},
	} {
		t.Run(tt.in, func(t *testing.T) {
			if got := orders.NormalizeAllergen(tt.in); got != tt.want {
				t.Errorf("NormalizeAllergen(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDetectAllergens(t *testing.T) {
	for _, tt := range []struct {
		text    string
		names   []string
		allergy bool
	}{
		{"allergy: sesame", []string{"sesame"}, true},
		{"DAIRY ALLERGY", []string{"dairy"}, true},
		{"allergic to nuts", []string{"tree nut"}, true},
		{"no peanuts please", []string{"peanut"}, true},
		{"severe allergy, ask server", nil, true},
		{"Allergies!!", nil, true},
		{"guest is anaphylactic", nil, true},
		{"has an EpiPen", nil, true},
		{"has an epi-pen", nil, true},
		{"anaphylaxis risk: shellfish & tree-nuts", []string{"tree nut", "shellfish"}, true},
		{"gluten free bun, no wheat", []string{"gluten"}, true},
		{"milk, eggs and soya", []string{"dairy", "egg", "soy"}, true},
		{"soy sauce on the side", []string{"soy"}, true},
		{"sulfites", []string{"sulphite"}, true},
		{"peanut,sesame;mustard", []string{"peanut", "sesame", "mustard"}, true},
		{"tree nut", []string{"tree nut"}, true},
		{"sesame sesame SESAME", []string{"sesame"}, true},
		{"Erdnuss allergy", nil, true},
		// Must not flag.
		{"extra napkins", nil, false},
		{"nutmeg on top", nil, false},
		{"no cheese", nil, false},
		{"eggplant side", nil, false},
		{"butternut squash", nil, false},
		{"a doughnut", nil, false},
		{"peanutbutter shake", nil, false},
		{"coconut flakes", nil, false},
		{"no bread", nil, false},
		{"extra butter", nil, false},
		{"birthday, add a candle", nil, false},
		{"", nil, false},
		{"🍔 no onion", nil, false},
	} {
		t.Run(tt.text, func(t *testing.T) {
			names, allergy := orders.DetectAllergens(tt.text)
			if !slices.Equal(names, tt.names) || allergy != tt.allergy {
				t.Errorf("DetectAllergens(%q) = %q, %v; want %q, %v", tt.text, names, allergy, tt.names, tt.allergy)
			}
		})
	}
}

func TestValidateAllergens(t *testing.T) {
	many := make([]string, orders.MaxAllergens+1)
	for i := range many {
		many[i] = "thing " + strings.Repeat("x", i)
	}
	long := strings.Repeat("x", orders.MaxAllergenLength+1)
	withItem := func(a ...string) orders.NewOrder {
		n := burger()
		n.Items = append(n.Items, orders.Item{Quantity: 1, Name: "Fries", Station: orders.Fry},
			orders.Item{Quantity: 1, Name: "Shake", Station: orders.Shake, Allergens: a})
		return n
	}
	withOrder := func(a ...string) orders.NewOrder {
		n := burger()
		n.Allergens = a
		return n
	}
	for _, tt := range []struct {
		name  string
		order orders.NewOrder
		field string
	}{
		{"fine", withOrder("peanut", "Kiwi"), ""},
		{"fine on an item", withItem("milk"), ""},
		{"fourteen", withOrder(orders.Allergens()...), ""},
		{"longest", withOrder(strings.Repeat("x", orders.MaxAllergenLength)), ""},
		{"too many", withOrder(many...), "allergens"},
		{"too many on an item", withItem(many...), "items[2].allergens"},
		{"empty", withOrder("peanut", "  "), "allergens[1]"},
		{"only hyphens", withItem("--"), "items[2].allergens[0]"},
		{"too long", withOrder(long), "allergens[0]"},
		{"too long on an item", withItem("egg", long), "items[2].allergens[1]"},
		{"control character", withOrder("egg\n"), "allergens[0]"},
		{"not UTF-8", withItem("\xff"), "items[2].allergens[0]"},
	} {
		t.Run(tt.name, func(t *testing.T) { checkValidate(t, tt.order, tt.field) })
	}
}

func TestPlaceCollectsAllergens(t *testing.T) {
	item := func(name string, mods []string, allergens ...string) orders.Item {
		return orders.Item{Quantity: 1, Name: name, Station: orders.Grill, Modifiers: mods, Allergens: allergens}
	}
	for _, tt := range []struct {
		name      string
		order     orders.NewOrder
		allergens []string
		allergy   bool
		items     [][]string // each item's allergens after placing
	}{
		{
			name:  "nothing",
			order: orders.NewOrder{Items: []orders.Item{item("Hamburger", []string{"no cheese", "no bread"})}, Notes: []string{"extra napkins"}},
			items: [][]string{nil},
		},
		{
			name:      "from a note",
			order:     orders.NewOrder{Items: []orders.Item{item("Hamburger", nil)}, Notes: []string{"allergy: sesame"}},
			allergens: []string{"sesame"},
			allergy:   true,
			items:     [][]string{nil},
		},
		{
			name:    "an allergy without a name",
			order:   orders.NewOrder{Items: []orders.Item{item("Hamburger", nil)}, Notes: []string{"severe allergy, ask server"}},
			allergy: true,
			items:   [][]string{nil},
		},
		{
			name: "every source, in list order, others after, once each",
			order: orders.NewOrder{
				Allergens: []string{"Kiwi", "sulfites", "MILK"},
				Items: []orders.Item{
					item("Hamburger", []string{"no peanuts please"}, "Eggs", "celery", "eggs", "banana"),
					item("Shake", nil, "milk", "Kiwi"),
				},
				Notes: []string{"allergic to nuts", "DAIRY ALLERGY"},
			},
			allergens: []string{"peanut", "tree nut", "dairy", "egg", "celery", "sulphite", "banana", "kiwi"},
			allergy:   true,
			items:     [][]string{{"egg", "celery", "banana"}, {"dairy", "kiwi"}},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := orders.NewBoard(orders.BoardConfig{})
			tt.order.Destination = orders.Takeout
			o, _, err := b.Place(t.Context(), tt.order)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(o.Allergens, tt.allergens) || o.Allergy != tt.allergy {
				t.Errorf("placed with allergens %q, allergy %v; want %q, %v", o.Allergens, o.Allergy, tt.allergens, tt.allergy)
			}
			for i, want := range tt.items {
				if got := o.Items[i].Allergens; !slices.Equal(got, want) {
					t.Errorf("item %d has allergens %q, want %q", i, got, want)
				}
			}
			if open := b.Open(); len(open) != 1 || !slices.Equal(open[0].Allergens, o.Allergens) {
				t.Errorf("the rail's order has allergens %q, want %q", open[0].Allergens, o.Allergens)
			}
			// What the caller gave is not what the board keeps.
			if len(tt.order.Items[0].Allergens) > 0 {
				tt.order.Items[0].Allergens[0] = "changed"
				if got, _ := b.Order(o.ID); slices.Contains(got.Items[0].Allergens, "changed") {
					t.Error("the board's item allergens changed with the caller's")
				}
			}
		})
	}
}
