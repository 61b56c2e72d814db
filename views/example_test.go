package views_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ticketrail/ticketrail/orders"
	"github.com/ticketrail/ticketrail/views"
)

// Components render into any io.Writer, so a templ app can place them in
// its own pages (`@views.Ticket(screen, now, order)`) and link
// assets/rail.css for their look.
func ExampleTicket() {
	now := time.Date(2026, 11, 24, 12, 6, 30, 0, time.UTC)
	o := orders.Order{
		ID: 7, Number: 106, Status: orders.Fired, Destination: orders.DriveThru,
		PlacedAt: now.Add(-6*time.Minute - 30*time.Second),
		Items:    []orders.Item{{Quantity: 1, Name: "Cheeseburger", Station: orders.Grill}},
	}
	screen := views.Screen{Store: "Socket Burger"}
	var buf bytes.Buffer
	if err := views.Ticket(screen, now, o).Render(context.Background(), &buf); err != nil {
		panic(err)
	}
	html := buf.String()
	fmt.Println(html[:strings.Index(html, ">")+1])
	fmt.Println(strings.Contains(html, `id="age-7"`), strings.Contains(html, "6:30"))
	// Output:
	// <article class="ticket status-fired" id="ticket-7" data-order-id="7" data-status="fired" data-parts="1" style="--age:-390000ms;--to-warn:-90000ms;--to-late:90000ms;">
	// true true
}

// A station's Screen shows only the tickets with items for it.
func ExampleScreen_Shows() {
	grill := views.Screen{Station: orders.Grill}
	burger := orders.Order{Status: orders.Received, Items: []orders.Item{{Quantity: 1, Name: "Hamburger", Station: orders.Grill}}}
	shake := orders.Order{Status: orders.Received, Items: []orders.Item{{Quantity: 1, Name: "Vanilla Shake", Station: orders.Shake}}}
	fmt.Println(grill.Shows(burger), grill.Shows(shake), views.Screen{}.Shows(shake))
	// Output: true false true
}
