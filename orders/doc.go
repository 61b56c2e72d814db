// Package orders is the kitchen's domain: orders and their items, the Socket
// Burger menu, a demo generator, the Board that holds the rail of open
// tickets, and the Hub that fans the board's events out to subscribers.
//
// The package knows nothing of HTTP or HTML; it can run a rail in any Go
// program. The Store is the log: every change is one store write that
// records it, with who made it (see WithActor) and when, in the order's
// history, and takes the rail's next version (see Entry). The Board is a
// projection of that log, its own changes and, on a store several
// processes share, theirs (Board.Follow); it publishes each change as an
// Event carrying that version, and every event, ticks included, with the
// next Seq, so a subscriber that has seen a Snapshot at Seq s skips events
// numbered s or below.
//
// The Store keeps the orders, their histories, the paired kitchen screens
// (Screen) and the browsers waiting to be paired (Pairing); orders/sqlite
// and orders/postgres implement it.
package orders
