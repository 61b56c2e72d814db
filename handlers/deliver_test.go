package handlers

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticketrail/ticketrail/orders"
	"github.com/ticketrail/ticketrail/views"
)

// BenchmarkDeliver delivers events to n in-process subscribers, each doing
// what a socket's writer does short of the network write: take the event
// from its subscription and fetch the event's rendered message. The rail
// holds 30 tickets, as in a busy service; each iteration places one order
// and bumps the oldest, two events. renders/event stays 1 whatever n is.
func BenchmarkDeliver(b *testing.B) {
	for _, n := range []int{1, 1_000, 10_000} {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) {
			board := orders.NewBoard(orders.BoardConfig{})
			var renders atomic.Int64
			f := newFrames(views.Screen{Store: DefaultStore}, &renders, nil)
			ctx, cancel := context.WithCancel(b.Context())
			var received sync.WaitGroup // one count per subscriber per event
			var stopped sync.WaitGroup
			ready := make(chan struct{}, n)
			for range n {
				sub := board.Subscribe()
				stopped.Go(func() {
					defer sub.Close()
					first := true
					for {
						e, err := sub.Next(ctx)
						if err != nil {
							return
						}
						if fr := f.get(e); fr.err != nil {
							b.Error(fr.err)
						}
						if first {
							first = false
							ready <- struct{}{}
							continue
						}
						received.Done()
					}
				})
			}
			for range n {
				<-ready // every subscriber has its snapshot
			}
			order := orders.NewOrder{Destination: orders.DriveThru, Items: []orders.Item{
				{Quantity: 2, Name: "Double Burger", Station: orders.Grill, Modifiers: []string{"no onion", "extra sauce"}},
				{Quantity: 1, Name: "French Fries", Station: orders.Fry},
				{Quantity: 1, Name: "Chocolate Shake", Station: orders.Shake},
			}}
			var open []int64
			place := func() {
				o, _, err := board.Place(b.Context(), order)
				if err != nil {
					b.Fatal(err)
				}
				open = append(open, o.ID)
			}
			received.Add(30 * n)
			for range 30 {
				place()
			}
			received.Wait()
			before := renders.Load()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				received.Add(2 * n)
				place()
				if _, err := board.Bump(b.Context(), open[0]); err != nil {
					b.Fatal(err)
				}
				open = open[1:]
				received.Wait()
			}
			b.StopTimer()
			b.ReportMetric(float64(renders.Load()-before)/float64(2*b.N), "renders/event")
			cancel()
			stopped.Wait()
		})
	}
}

// TestDeliverRendersOncePerEvent is the render counter of BenchmarkDeliver
// as a test: with 1000 subscribers, the snapshot they start from is
// rendered once and each of 20 events once. The clock stands still, as a
// snapshot is rendered again when its second has passed.
func TestDeliverRendersOncePerEvent(t *testing.T) {
	noon := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	board := orders.NewBoard(orders.BoardConfig{Now: func() time.Time { return noon }})
	var renders atomic.Int64
	f := newFrames(views.Screen{Store: DefaultStore}, &renders, nil)
	const subscribers, events = 1000, 20
	var started, done sync.WaitGroup
	started.Add(subscribers)
	for range subscribers {
		sub := board.Subscribe()
		done.Go(func() {
			defer sub.Close()
			for {
				e, err := sub.Next(t.Context())
				if err != nil {
					t.Error(err)
					return
				}
				f.get(e)
				if e.Kind == orders.EventSnapshot {
					started.Done()
				}
				if e.Version == events {
					return
				}
			}
		})
	}
	started.Wait()
	for range events {
		if _, _, err := board.Place(t.Context(), orders.NewOrder{Destination: orders.Takeout, Items: []orders.Item{{Quantity: 1, Name: "Cola", Station: orders.Shake}}}); err != nil {
			t.Fatal(err)
		}
	}
	done.Wait()
	if got := renders.Load(); got != 1+events {
		t.Errorf("%d renders of 1 snapshot and %d events to %d subscribers, want %d", got, events, subscribers, 1+events)
	}
}

// TestRendersOncePerView spreads 1000 subscribers over three kinds of
// screen: each event is rendered exactly once per kind.
func TestRendersOncePerView(t *testing.T) {
	board := orders.NewBoard(orders.BoardConfig{})
	h := New(Options{Board: board})
	screens := []*frames{h.screens[screenKind{}], h.screens[screenKind{station: orders.Grill}], h.screens[screenKind{viewOnly: true}]}
	const subscribers = 1000
	var started, done sync.WaitGroup
	started.Add(subscribers)
	for i := range subscribers {
		f := screens[i%len(screens)]
		sub := board.Subscribe()
		done.Go(func() {
			defer sub.Close()
			for {
				e, err := sub.Next(t.Context())
				if err != nil {
					t.Error(err)
					return
				}
				f.get(e)
				if e.Kind == orders.EventSnapshot {
					started.Done()
					continue
				}
				return
			}
		})
	}
	started.Wait()
	before := h.Renders()
	if _, _, err := board.Place(t.Context(), orders.NewOrder{Destination: orders.Takeout, Items: []orders.Item{
		{Quantity: 1, Name: "Hamburger", Station: orders.Grill}, {Quantity: 1, Name: "Cola", Station: orders.Shake}}}); err != nil {
		t.Fatal(err)
	}
	done.Wait()
	if got := h.Renders() - before; got != int64(len(screens)) {
		t.Errorf("one event to %d sockets on %d kinds of screen: %d renders, want %d", subscribers, len(screens), got, len(screens))
	}
}
