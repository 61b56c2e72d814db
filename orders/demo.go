package orders

import (
	"cmp"
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// DefaultDemoEvery is the demo generator's default mean interval between
// orders.
const DefaultDemoEvery = 4 * time.Second

// Generator invents Socket Burger orders for demonstrations and tests. With
// the same source of randomness it produces the same orders.
type Generator struct {
	rand  *rand.Rand
	menu  []MenuItem
	notes []string
}

// NewGenerator returns a generator drawing from r. Seed r (for example
// rand.New(rand.NewPCG(1, 2))) for repeatable orders.
func NewGenerator(r *rand.Rand) *Generator {
	return &Generator{
		rand: r,
		menu: Menu(),
		notes: []string{
			"allergy: sesame", "extra napkins", "birthday, add a candle",
			"guest in a hurry", "allergy: peanuts", "ketchup on the side",
		},
	}
}

// Order returns a new order of 1 to 8 items, each with 0 to 2 distinct
// modifiers, for a random destination, with a note now and then.
func (g *Generator) Order() NewOrder {
	dests := Destinations()
	n := NewOrder{Destination: dests[g.rand.IntN(len(dests))]}
	for range 1 + g.rand.IntN(8) {
		m := g.menu[g.rand.IntN(len(g.menu))]
		it := Item{Quantity: 1, Name: m.Name, Station: m.Station}
		if g.rand.IntN(4) == 0 {
			it.Quantity = 2 + g.rand.IntN(2)
		}
		// 0, 1 or 2 distinct modifiers, by taking a prefix of a
		// shuffled choice.
		if k := g.rand.IntN(3); k > 0 {
			for _, j := range g.rand.Perm(len(m.Modifiers))[:k] {
				if len(it.Modifiers) == 1 && conflict(it.Modifiers[0], m.Modifiers[j]) {
					continue
				}
				it.Modifiers = append(it.Modifiers, m.Modifiers[j])
			}
		}
		n.Items = append(n.Items, it)
	}
	n.Rush = g.rand.IntN(15) == 0
	if g.rand.IntN(5) == 0 {
		n.Notes = []string{g.notes[g.rand.IntN(len(g.notes))]}
	}
	return n
}

// conflict reports whether two modifiers change the same thing, such as
// "no sauce" and "extra sauce": no guest asks for both.
func conflict(a, b string) bool {
	last := func(s string) string { return s[strings.LastIndexByte(s, ' ')+1:] }
	return last(a) == last(b)
}

// Interval returns a wait drawn evenly from mean/2 to 3*mean/2, so orders
// arrive on average every mean but never in lockstep.
func (g *Generator) Interval(mean time.Duration) time.Duration {
	if mean <= 0 {
		return 0
	}
	return mean/2 + time.Duration(g.rand.Int64N(int64(mean)+1))
}

// Placer is where the demo sends its orders: the Board, or anything that
// places orders the same way.
type Placer interface {
	Place(context.Context, NewOrder) (Order, bool, error)
	Bump(ctx context.Context, id int64) (Order, error)
	Open() []Order
}

// DemoConfig says how a demo service runs.
type DemoConfig struct {
	// Every is the mean interval between orders; each wait is drawn by
	// Interval. Default DefaultDemoEvery.
	Every time.Duration
	// MaxOpen keeps an unattended demo from burying the rail: whenever more
	// than MaxOpen tickets are open, the oldest are bumped. 0: no limit.
	MaxOpen int
	// Orders is how many orders to place before stopping. 0: no end.
	Orders int
}

// Demo runs a Socket Burger service as cfg says, placing orders on p until
// ctx is done or cfg.Orders have been placed. It returns nil then, or the
// first error from p other than ErrUnavailable: while the store is away,
// the orders it would have placed are skipped, and it goes on once the
// store is back. Its changes are made as the actor "demo" (see WithActor)
// unless ctx names another.
func (g *Generator) Demo(ctx context.Context, p Placer, cfg DemoConfig) error {
	if ActorFrom(ctx) == "" {
		ctx = WithActor(ctx, "demo")
	}
	if cfg.Every <= 0 {
		cfg.Every = DefaultDemoEvery
	}
	t := time.NewTimer(g.Interval(cfg.Every))
	defer t.Stop()
	for placed := 0; cfg.Orders == 0 || placed < cfg.Orders; {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if _, _, err := p.Place(ctx, g.Order()); err != nil {
			switch {
			case ctx.Err() != nil:
				return nil
			case errors.Is(err, ErrUnavailable):
				t.Reset(g.Interval(cfg.Every))
				continue
			}
			return err
		}
		placed++
		if open := p.Open(); cfg.MaxOpen > 0 && len(open) > cfg.MaxOpen {
			// The oldest, by when they were placed, not by rail order,
			// which puts rush tickets first.
			slices.SortFunc(open, func(a, b Order) int { return cmp.Compare(a.ID, b.ID) })
			for _, o := range open[:len(open)-cfg.MaxOpen] {
				// Someone may have bumped or voided it first; that is fine.
				if _, err := p.Bump(ctx, o.ID); err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrConflict) && !errors.Is(err, ErrUnavailable) {
					return err
				}
			}
		}
		t.Reset(g.Interval(cfg.Every))
	}
	return nil
}
