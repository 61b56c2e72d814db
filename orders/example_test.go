package orders_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ticketrail/ticketrail/orders"
)

// A board runs a rail in any Go program, without HTTP: place orders, act
// on them, and follow every change through a subscription.
func ExampleBoard() {
	ctx := context.Background()
	clock := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	board := orders.NewBoard(orders.BoardConfig{Now: func() time.Time { return clock }})

	sub := board.Subscribe()
	defer sub.Close()
	snap, _ := sub.Next(ctx)
	fmt.Println("first event:", snap.Kind, "with", len(snap.Orders), "tickets")

	order := orders.NewOrder{
		Key:         "pos-4711",
		Destination: orders.Takeout,
		Items: []orders.Item{
			{Quantity: 2, Name: "Double Burger", Station: orders.Grill, Modifiers: []string{"no onion"}},
			{Quantity: 1, Name: "French Fries", Station: orders.Fry},
		},
	}
	// The changes are recorded in the order's history as made by "pos".
	ctx = orders.WithActor(ctx, "pos")
	o, created, err := board.Place(ctx, order)
	if err != nil {
		panic(err)
	}
	fmt.Println("placed", o.ID, "as number", o.Number, "created:", created)

	// A retry with the same key places nothing new.
	again, created, _ := board.Place(ctx, order)
	fmt.Println("retry gave", again.ID, "created:", created)
	// Another order with the same key is not a retry.
	_, _, err = board.Place(ctx, orders.NewOrder{Key: "pos-4711", Destination: orders.Takeout,
		Items: []orders.Item{{Quantity: 1, Name: "Cola", Station: orders.Shake}}})
	fmt.Println("another order with the key:", errors.Is(err, orders.ErrKeyReused))

	clock = clock.Add(3 * time.Minute)
	board.Fire(ctx, o.ID)
	clock = clock.Add(4 * time.Minute)
	board.Bump(ctx, o.ID)

	for range 3 {
		e, _ := sub.Next(ctx)
		fmt.Printf("v%d %s #%d, %d open\n", e.Version, e.Kind, e.Order.Number, len(e.Orders))
	}
	stats, _ := board.Stats(ctx)
	fmt.Println("median ticket time:", time.Duration(stats.Today.MedianSeconds*float64(time.Second)))
	history, _ := board.History(ctx, o.ID)
	for _, c := range history {
		fmt.Println(c.At.Format("15:04"), c.Actor, c.Action)
	}
	// Output:
	// first event: snapshot with 0 tickets
	// placed 1 as number 100 created: true
	// retry gave 1 created: false
	// another order with the key: true
	// v1 placed #100, 1 open
	// v2 fired #100, 1 open
	// v3 bumped #100, 0 open
	// median ticket time: 7m0s
	// 12:00 pos placed
	// 12:03 pos fired
	// 12:07 pos bumped
}
