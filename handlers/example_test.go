package handlers_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/ticketrail/ticketrail/handlers"
	"github.com/ticketrail/ticketrail/orders"
)

// The rail's handler mounts under any prefix of an existing app: every URL
// it emits is relative.
func ExampleNew() {
	board := orders.NewBoard(orders.BoardConfig{})
	rail := handlers.New(handlers.Options{
		Board:  board,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, nil)),
		Store:  "Harbor Street",
	})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "back office") })
	mux.Handle("/kitchen/", http.StripPrefix("/kitchen", rail))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	// Close the sockets with 1012 on shutdown; http.Server.Shutdown does
	// not close hijacked connections.
	defer rail.Close(context.Background())

	board.Place(context.Background(), orders.NewOrder{Destination: orders.Takeout,
		Items: []orders.Item{{Quantity: 1, Name: "Hamburger", Station: orders.Grill}}})
	for _, path := range []string{"/", "/kitchen/", "/kitchen/fragments/tickets/1", "/kitchen/assets/rail.css", "/kitchen/healthz"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Println(path, resp.StatusCode)
	}
	// Output:
	// / 200
	// /kitchen/ 200
	// /kitchen/fragments/tickets/1 200
	// /kitchen/assets/rail.css 200
	// /kitchen/healthz 200
}
