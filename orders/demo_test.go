package orders_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ticketrail/ticketrail/orders"
)

func seeded(seed uint64) *orders.Generator {
	return orders.NewGenerator(rand.New(rand.NewPCG(seed, seed^0x5eed)))
}

func TestGeneratorOrdersStayInRange(t *testing.T) {
	g := seeded(1)
	menu := map[string]orders.MenuItem{}
	for _, m := range orders.Menu() {
		menu[m.Name] = m
	}
	sizes := map[int]bool{}
	mods := map[int]bool{}
	for i := range 2000 {
		n := g.Order()
		if err := n.Validate(); err != nil {
			t.Fatalf("order %d is invalid: %v", i, err)
		}
		if len(n.Items) < 1 || len(n.Items) > 8 {
			t.Fatalf("order %d has %d items, want 1 to 8", i, len(n.Items))
		}
		sizes[len(n.Items)] = true
		for _, it := range n.Items {
			m, ok := menu[it.Name]
			if !ok {
				t.Fatalf("item %q is not on the menu", it.Name)
			}
			if it.Station != m.Station {
				t.Errorf("%s made at %s, want %s", it.Name, it.Station, m.Station)
			}
			if len(it.Modifiers) > 2 {
				t.Fatalf("%s has %d modifiers, want at most 2", it.Name, len(it.Modifiers))
			}
			mods[len(it.Modifiers)] = true
			if len(it.Modifiers) == 2 && lastWord(it.Modifiers[0]) == lastWord(it.Modifiers[1]) {
				t.Fatalf("%s has modifiers that contradict each other: %q", it.Name, it.Modifiers)
			}
		}
	}
	for n := 1; n <= 8; n++ {
		if !sizes[n] {
			t.Errorf("no order of %d items in 2000", n)
		}
	}
	for n := 0; n <= 2; n++ {
		if !mods[n] {
			t.Errorf("no item with %d modifiers in 2000 orders", n)
		}
	}
}

func TestGeneratorIsDeterministic(t *testing.T) {
	a, b := seeded(42), seeded(42)
	for i := range 100 {
		x, y := a.Order(), b.Order()
		if !reflect.DeepEqual(x, y) {
			t.Fatalf("order %d differs under the same seed:\n%+v\n%+v", i, x, y)
		}
		if a.Interval(time.Second) != b.Interval(time.Second) {
			t.Fatalf("interval %d differs under the same seed", i)
		}
	}
	if reflect.DeepEqual(seeded(1).Order(), seeded(2).Order()) && reflect.DeepEqual(seeded(1).Order(), seeded(3).Order()) {
		t.Error("different seeds give the same orders")
	}
}

func TestGeneratorIntervalJitter(t *testing.T) {
	g := seeded(7)
	const mean = 4 * time.Second
	var lo, hi, sum time.Duration = mean, 0, 0
	const n = 5000
	for range n {
		d := g.Interval(mean)
		if d < mean/2 || d > mean*3/2 {
			t.Fatalf("interval %v outside [%v, %v]", d, mean/2, mean*3/2)
		}
		lo, hi, sum = min(lo, d), max(hi, d), sum+d
	}
	if lo > mean/2+100*time.Millisecond || hi < mean*3/2-100*time.Millisecond {
		t.Errorf("intervals span only %v to %v, want about 2s to 6s", lo, hi)
	}
	if avg := sum / n; avg < mean-100*time.Millisecond || avg > mean+100*time.Millisecond {
		t.Errorf("mean interval %v, want about %v", avg, mean)
	}
}

// TestDemoPlacesOnSchedule runs the demo on a fake clock: with the same seed
// it places the same orders at the same times, and it keeps the rail at
// most maxOpen long.
func TestDemoPlacesOnSchedule(t *testing.T) {
	run := func() []orders.Order {
		var placed []orders.Order
		synctest.Test(t, func(t *testing.T) {
			start := time.Now()
			b := orders.NewBoard(orders.BoardConfig{QueueLen: 1000})
			sub := b.Subscribe()
			defer sub.Close()
			if e, err := sub.Next(t.Context()); err != nil || e.Kind != orders.EventSnapshot {
				t.Fatalf("first event %v, %v; want a snapshot", e.Kind, err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error)
			go func() { done <- seeded(9).Demo(ctx, b, orders.DemoConfig{Every: time.Second, MaxOpen: 5}) }()
			time.Sleep(30 * time.Second)
			synctest.Wait()
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("demo: %v", err)
			}
			for {
				e, err := sub.Next(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				if e.Kind == orders.EventPlaced {
					o := e.Order
					o.PlacedAt = time.Unix(0, int64(o.PlacedAt.Sub(start)))
					placed = append(placed, o)
				}
				if e.Version == b.Version() {
					break
				}
			}
			if open := len(b.Open()); open != 5 {
				t.Errorf("%d tickets open, want the demo to keep 5", open)
			}
		})
		return placed
	}
	first, second := run(), run()
	// About 30 orders in 30 s at a 1 s mean.
	if len(first) < 20 || len(first) > 60 {
		t.Errorf("%d orders in 30 s at a 1 s mean", len(first))
	}
	for i := 1; i < len(first); i++ {
		gap := first[i].PlacedAt.Sub(first[i-1].PlacedAt)
		if gap < 500*time.Millisecond || gap > 1500*time.Millisecond {
			t.Errorf("orders %d and %d placed %v apart, want 0.5 s to 1.5 s", i-1, i, gap)
		}
	}
	if !reflect.DeepEqual(first, second) {
		t.Error("two runs with the same seed and clock placed different orders")
	}
}

func TestDemoStopsAfterItsOrders(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := orders.NewBoard(orders.BoardConfig{})
		if err := seeded(3).Demo(t.Context(), b, orders.DemoConfig{Every: time.Second, Orders: 7}); err != nil {
			t.Fatal(err)
		}
		if n := len(b.Open()); n != 7 {
			t.Errorf("%d orders placed, want 7", n)
		}
	})
}

func lastWord(s string) string { f := strings.Fields(s); return f[len(f)-1] }

// awayPlacer is a board whose first away calls to Place fail as they do
// while the database is away.
type awayPlacer struct {
	*orders.Board
	away int
}

func (p *awayPlacer) Place(ctx context.Context, n orders.NewOrder) (orders.Order, bool, error) {
	if p.away > 0 {
		p.away--
		return orders.Order{}, false, fmt.Errorf("place: %w", orders.ErrUnavailable)
	}
	return p.Board.Place(ctx, n)
}

// TestDemoWaitsOutTheDatabase checks that the demo skips the orders it
// cannot place while the database is away and goes on once it is back.
func TestDemoWaitsOutTheDatabase(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &awayPlacer{Board: orders.NewBoard(orders.BoardConfig{}), away: 3}
		if err := seeded(3).Demo(t.Context(), p, orders.DemoConfig{Every: time.Second, Orders: 4}); err != nil {
			t.Fatalf("demo: %v, want it to wait the database out", err)
		}
		if n := len(p.Open()); n != 4 || p.away != 0 {
			t.Errorf("%d orders placed after %d refusals left, want 4 after none", n, p.away)
		}
	})
}
