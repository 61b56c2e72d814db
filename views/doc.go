// Package views renders the kitchen rail: the full page, the rail of open
// tickets, each ticket as a thermal-printer slip, and the WebSocket messages
// that keep every kitchen screen in step.
//
// Every component is a pure function of its arguments and escapes all text it
// is given. The page links the stylesheet assets/rail.css, htmx 4 and its
// hx-ws extension; the messages are HTML fragments that hx-ws swaps into the
// page (see SnapshotMessage, PlacedMessage, ChangedMessage, LeavingMessage and
// RemoveMessage).
//
// DOM contract: the rail is <div id="rail" class="rail">, whose only children
// are tickets, oldest first. Each ticket is
//
//	<article class="ticket ..." id="ticket-{ID}" data-order-id="{ID}" data-status="{Status}">
//
// Inner parts of a ticket carry a class and a matching data-testid: store,
// placed, number, destination (upper case, with data-destination), status,
// item (with data-station), quantity, name, modifier, note and count. Around
// the rail, data-testid marks header-store, rail-empty, tally, more-left and
// more-right.
package views
