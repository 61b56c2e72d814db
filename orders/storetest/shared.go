package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/ticketrail/ticketrail/orders"
)

// testSharedBoards runs two boards on one store's data, as two instances
// of the server would, placing, bumping and voiding at once. Both must end
// with the same rail at the same version, the log without gaps, no number
// given twice, and exactly one winner of each bump raced against a void.
func testSharedBoards(t *testing.T, f *fixture) {
	ctx := t.Context()
	second := f.h.Share(t, f.s)
	if second != f.s {
		t.Cleanup(func() {
			if err := second.Close(); err != nil {
				t.Errorf("Close of the second store: %v", err)
			}
		})
	}
	clk := &clock{now: base()}
	boards := []*orders.Board{f.openBoard(clk), openBoardOn(t, second, clk)}
	follow, stop := context.WithCancel(ctx)
	var followers sync.WaitGroup
	for _, b := range boards {
		followers.Go(func() { b.Follow(follow) })
	}
	defer func() {
		stop()
		followers.Wait()
	}()

	const perBoard = 40
	var wg sync.WaitGroup
	placed := make([][]orders.Order, len(boards))
	for i, b := range boards {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(i), 7))
			for k := range perBoard {
				n := newOrder(fmt.Sprintf("board %d order %d", i, k), r.IntN(5) == 0)
				n.Key = fmt.Sprintf("b%d-%d", i, k)
				o, created, err := b.Place(ctx, n)
				if err != nil || !created {
					t.Errorf("board %d: Place(%s) = created %v, %v", i, n.Key, created, err)
					return
				}
				placed[i] = append(placed[i], o)
				// A retry through the other board finds the order.
				if k%10 == 0 {
					again, created, err := boards[1-i].Place(ctx, n)
					if err != nil || created || again.ID != o.ID {
						t.Errorf("board %d: retry of %s through the other board = order %d, created %v, %v; want order %d", 1-i, n.Key, again.ID, created, err, o.ID)
					}
				}
				if k%3 == 0 {
					if _, err := b.Fire(ctx, o.ID); err != nil {
						t.Errorf("board %d: Fire(%d): %v", i, o.ID, err)
					}
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	// Each of the first orders of each board: one board bumps it while
	// the other voids it.
	var races []int64
	for i := range boards {
		for _, o := range placed[i][:10] {
			races = append(races, o.ID)
		}
	}
	for _, id := range races {
		var bumpErr, voidErr error
		wg.Go(func() { _, bumpErr = boards[0].Bump(ctx, id) })
		wg.Go(func() { _, voidErr = boards[1].Cancel(ctx, id) })
		wg.Wait()
		won := 0
		for _, err := range []error{bumpErr, voidErr} {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, orders.ErrConflict):
				t.Errorf("order %d: %v, want success or ErrConflict", id, err)
			}
		}
		if won != 1 {
			t.Errorf("order %d: bump %v, void %v; want exactly one to win", id, bumpErr, voidErr)
		}
	}

	// Both boards catch up with the log (Follow may have done it
	// already) and show the same rail.
	for i, b := range boards {
		if err := b.Sync(ctx); err != nil {
			t.Fatalf("board %d: Sync: %v", i, err)
		}
	}
	entries := f.log()
	checkGapless(t, "Log", entries)
	want := 2*perBoard + (perBoard/3+1)*2 + len(races)
	if len(entries) != want {
		t.Errorf("%d entries in the log, want %d", len(entries), want)
	}
	last := entries[len(entries)-1].Version
	a, b := boards[0].Snapshot(), boards[1].Snapshot()
	if a.Version != last || b.Version != last {
		t.Errorf("boards at versions %d and %d, want both at %d", a.Version, b.Version, last)
	}
	checkOrders(t, "the second board's rail", b.Orders, a.Orders)
	checkOrders(t, "the second board's recall list", b.Recent, a.Recent)
	saved, err := f.s.Load(ctx, clk.Now().Add(-orders.RecallWindow))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(saved.Open) != len(a.Orders) {
		t.Errorf("the store has %d open orders, the boards %d", len(saved.Open), len(a.Orders))
	}
	numbers := make(map[int]bool)
	for _, o := range f.list() {
		if numbers[o.Number] {
			t.Errorf("number %d given twice", o.Number)
		}
		numbers[o.Number] = true
	}
	for _, id := range races {
		h := f.history(id)
		closes := slices.IndexFunc(h, func(c orders.Change) bool {
			return c.Action == orders.ActionBumped || c.Action == orders.ActionCancelled
		})
		if closes < 0 || slices.ContainsFunc(h[closes+1:], func(c orders.Change) bool {
			return c.Action == orders.ActionBumped || c.Action == orders.ActionCancelled
		}) {
			t.Errorf("order %d: history %v, want exactly one bump or void", id, h)
		}
	}
}

// openBoardOn returns a board on s, failing the test if that fails.
func openBoardOn(t *testing.T, s orders.Store, clk *clock) *orders.Board {
	t.Helper()
	b, err := orders.OpenBoard(t.Context(), s, orders.BoardConfig{Now: clk.Now})
	if err != nil {
		t.Fatalf("OpenBoard: %v", err)
	}
	return b
}
