// Package baseline holds the two servers railload measures the rail
// against, on the same machine and with the same messages:
//
//   - Hub, the textbook fan-out of a WebSocket library's chat example:
//     a goroutine per socket with a queue of messages, a publish that
//     hands each message to every queue, and every write bounded by a
//     timeout;
//   - Raw, the floor: WebSocket handshakes answered by hand, and each
//     message framed once and written to every socket with one write
//     system call each.
//
// Both speak the part of the rail's HTTP surface that railload uses:
// GET /ws opens a socket whose first message is a snapshot, and
// POST /api/orders takes an order as JSON, sends every socket the message
// of a new ticket and answers 201 with {"id": N}. They know nothing of the
// rail beyond the Messages they are given, which railload captures from a
// running rail.
package baseline
