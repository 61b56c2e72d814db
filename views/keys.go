package views

import "strconv"

// MaxSlots is how many visible tickets get a key: 1 to 9, as on a bump bar.
const MaxSlots = 9

// The page's script (railScript) gives each ticket that is in view a slot,
// in rail order: data-slot="1" to "9" on the <article>, shown in a badge
// <b class="slot" data-testid="slot">. A ticket out of view has neither, so
// a key whose slot no ticket holds matches nothing and does nothing. The
// script also keeps one visible ticket selected (class selected,
// aria-selected="true"), which Enter acts on.

// slotTicket finds the ticket in slot n that is not on its way out. It
// holds no square brackets, which would end a trigger filter.
func slotTicket(n int) string {
	return `Array.from(document.querySelectorAll('#rail > .ticket:not(.leaving)')).find(t => t.dataset.slot === '` + strconv.Itoa(n) + `')`
}

// selectedTicket selects the selected ticket that is not on its way out.
const selectedTicket = `document.querySelector('#rail > .ticket.selected:not(.leaving)')`

// keyGuard is the part of a key trigger's filter that ignores keys pressed
// with Ctrl, Alt or Meta, held down (repeats), or typed into a text field.
// A trigger filter may hold no square brackets.
const keyGuard = `!ctrlKey && !altKey && !metaKey && !repeat && !target.closest('input,textarea,select') && !target.isContentEditable`

// controlGuard also ignores a key pressed on a focused control, which the
// browser itself activates (Enter on a button).
const controlGuard = keyGuard + ` && !target.closest('button,a,summary')`

// recallLastVals names the ticket that Recall and the R key bring back: the
// first of the recall list, the most recently bumped or voided. Sending its
// ID, not "the last one", keeps the action safe to repeat: hx-ws queues
// what is sent while the socket is down and sends it all on reconnect.
const recallLastVals = `js:{id: document.querySelector('#recall-list [data-order-id]')?.dataset.orderId}`

// recallKeyTrigger fires on R or r anywhere on the page while there is
// something to recall.
const recallKeyTrigger = `keyup[(key == 'r' || key == 'R') && ` + keyGuard + ` && document.querySelector('#recall-list .recall-item')] from:body`

// slotKeyTrigger fires on the key of digit n anywhere on the page while a
// ticket in view holds slot n.
func slotKeyTrigger(n int) string {
	return `keyup[key == '` + strconv.Itoa(n) + `' && ` + keyGuard + ` && ` + slotTicket(n) + `] from:body`
}

// slotKeyVals adds the ID of the ticket in slot n.
func slotKeyVals(n int) string {
	return `js:{id: ` + slotTicket(n) + `?.dataset.orderId}`
}

// enterKeyTrigger fires on Enter while a ticket is selected.
const enterKeyTrigger = `keyup[key == 'Enter' && ` + controlGuard + ` && ` + selectedTicket + `] from:body`

// enterKeyVals adds the ID of the selected ticket.
const enterKeyVals = `js:{id: ` + selectedTicket + `?.dataset.orderId}`
