// Package orders is the kitchen's domain: orders and their items, the Socket
// Burger menu, a demo generator, the Board that holds the rail of open
// tickets, and the Hub that fans the board's events out to subscribers.
//
// The package knows nothing of HTTP or HTML; it can run a rail in any Go
// program. The Board is the only writer of rail state. Every change bumps the
// board's version and is published as an Event carrying that version, so a
// subscriber that has seen a Snapshot at version v can skip events numbered
// v or below. Every change is also recorded in the order's history, with
// who made it (see WithActor) and when, in the same store write.
//
// The Store keeps the orders, their histories and the paired kitchen
// screens (Screen); orders/sqlite implements it.
package orders
