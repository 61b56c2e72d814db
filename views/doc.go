// Package views renders the kitchen rail: the full page of one kitchen
// screen, the rail of open tickets, each ticket as a thermal-printer slip,
// the all-day and recall panels, and the WebSocket messages that keep every
// screen in step.
//
// A Screen says what one kind of screen shows: the expo screen (every open
// ticket, every item, which stations are done) or one station's screen (the
// tickets that still have items for that station, only those items).
// Message renders, once per event and per Screen, the socket message that
// every screen of that kind receives; FollowUp the message that removes a
// ticket once its exit animation is over.
//
// Every component is a pure function of its arguments and escapes all text it
// is given. Tickets' ages are measured against the server's time passed in
// (PageData.Now, orders.Event.Now), never a screen's clock. The page links the
// stylesheet assets/rail.css, htmx 4 and its hx-ws extension; its only
// inline styles are the tickets' style attributes, which hold the custom
// properties from which rail.css runs each timer in the page (so a
// Content-Security-Policy needs style-src-attr 'unsafe-inline', and no
// <style> element is allowed), and it has one inline script of its own,
// which ScriptHash allows, and needs 'unsafe-eval' in script-src for
// htmx's hx-on, trigger filters and js: values.
//
// DOM contract: the rail is <div id="rail" class="rail">, whose only children
// are tickets in rail order. Each ticket is
//
//	<article class="ticket status-{Status} [rush] [recalled] [allergy] [ready] [view-only] [arriving|leaving [voided]]"
//	         id="ticket-{ID}" data-order-id="{ID}" data-status="{Status}" data-parts="{N}">
//
// holding one <div class="ticket-part" data-part="{n}"> per column (see
// parts.go), and its timer is <span id="age-{ID}" class="age [warn|late]">
// holding <span class="age-text">m:ss</span>, the age at render; the
// article's style attribute holds --age, --to-warn and --to-late (see
// Screen.clockStyle).
// Inner parts of a ticket carry a data-testid: store, placed, number, age,
// destination (upper case, with data-destination), rush, recalled, status,
// fire, allergy, continued, item (with data-station, data-index and
// data-done), quantity, name, modifier, others, note, station (with
// data-station, class done), count, bump, void and void-stamp. Around the
// rail: header-store, screen-name, screen-link, clock, sound, recall-last,
// recall-panel, recall-count, recall-list, recall-item, recall-items,
// recall-void, recall, all-day, all-day-item (with data-name), connection,
// offline, bump-key, recall-key, rail-empty, tally, more-before and more-after. The
// page's script adds data-slot and a slot badge to the tickets in view and
// class selected to one of them (see script.go).
//
// Controls are plain forms that post to a relative URL (orders/{ID}/fire,
// bump, cancel, recall, done, orders/{ID}/items/{index}/done or undone;
// recall) and carry hx-ws:send, so that with htmx their fields go over the
// socket as JSON instead:
//
//	{"action": "fire"|"bump"|"cancel"|"recall", "id": "7"}
//	{"action": "done", "id": "7", "station": "grill"}
//	{"action": "item-done"|"item-undone", "id": "7", "item": "2"}
//	{"action": "recall-last"}
//
// A Screen with ViewOnly set renders no control at all.
//
// plus the "headers" object that hx-ws adds. IDs are strings, as form values
// are.
package views
