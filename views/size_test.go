package views

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/ticketrail/ticketrail/orders"
)

// serviceEvents runs a busy moment of service on a board, 12 tickets open
// and a full recall list, and returns one event of each kind that follows.
func serviceEvents(tb testing.TB) map[orders.EventKind]orders.Event {
	tb.Helper()
	clock := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	board := orders.NewBoard(orders.BoardConfig{Now: func() time.Time { return clock }})
	ctx := context.Background()
	menu := orders.Menu()
	place := func(i int) orders.Order {
		var items []orders.Item
		for k := range 3 {
			m := menu[(i*3+k)%len(menu)]
			items = append(items, orders.Item{Quantity: 1 + k%2, Name: m.Name, Station: m.Station, Modifiers: m.Modifiers[:min(1, len(m.Modifiers))]})
		}
		o, _, err := board.Place(ctx, orders.NewOrder{Destination: orders.Takeout, Items: items})
		if err != nil {
			tb.Fatal(err)
		}
		return o
	}
	for i := range 22 {
		o := place(i)
		if i < 10 {
			if _, err := board.Bump(ctx, o.ID); err != nil {
				tb.Fatal(err)
			}
		}
	}
	sub := board.Subscribe()
	defer sub.Close()
	if _, err := sub.Next(ctx); err != nil { // the snapshot
		tb.Fatal(err)
	}
	open := board.Open()
	must := func(_ orders.Order, err error) {
		if err != nil {
			tb.Fatal(err)
		}
	}
	place(22)
	must(board.Fire(ctx, open[0].ID))
	must(board.BumpStation(ctx, open[1].ID, open[1].Items[0].Station))
	must(board.Bump(ctx, open[2].ID))
	must(board.Cancel(ctx, open[3].ID))
	must(board.Recall(ctx, open[2].ID))
	events := map[orders.EventKind]orders.Event{orders.EventSnapshot: board.Snapshot()}
	for range 6 {
		e, err := sub.Next(ctx)
		if err != nil {
			tb.Fatal(err)
		}
		events[e.Kind] = e
	}
	return events
}

// BenchmarkMessage renders the expo screen's message for each kind of
// event in a busy moment of service, and reports its size.
func BenchmarkMessage(b *testing.B) {
	events := serviceEvents(b)
	for _, kind := range []orders.EventKind{orders.EventSnapshot, orders.EventPlaced, orders.EventFired,
		orders.EventStationDone, orders.EventBumped, orders.EventCancelled, orders.EventRecalled} {
		e := events[kind]
		b.Run(string(kind), func(b *testing.B) {
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				if err := Message(Screen{}, e).Render(context.Background(), &buf); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(buf.Len()), "bytes/msg")
		})
	}
}
