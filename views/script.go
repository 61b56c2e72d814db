package views

import (
	"crypto/sha256"
	"encoding/base64"
)

// railScript is the kitchen page's only script of its own, inline, for what
// only the browser can know: which tickets are in view, and when a ticket
// was sent again.
//
//   - Slots: each ticket whose first part is wholly inside the rail's view
//     gets data-slot="1" to "9" in rail order and a badge <b class="slot"
//     data-testid="slot">; others get none. The bump keys (bumpKeys) act
//     on the ticket that holds their slot.
//   - Selection: one visible ticket has class selected and
//     aria-selected="true", the first by default; ArrowLeft and ArrowRight
//     move it (paging at the edges), Enter acts on it (bumpKeys).
//   - Paging: PageDown and PageUp (and the out-of-sight counts, tapped)
//     page the rail by a screenful; the counts say how many tickets are
//     before and after the view. A rush or recalled ticket that arrives
//     out of view brings its page into view, and the rail never moves by
//     itself otherwise (overflow-anchor: none in rail.css).
//   - Sound: the sound control switches chimes on and off for this screen
//     (kept in localStorage); with it on, a ticket that arrives plays one
//     chime, and a ticket that turns late while shown another: its
//     rail-clock-late animation (rail.css) starts at its threshold, not
//     already past it as on a ticket that was late when rendered.
//   - Clocks: a ticket that a message sends again keeps its node (morphed),
//     and its clock animations keep their start, so a new delay alone
//     would count the time shown twice. When a ticket's style attribute
//     changes, its clock animations start again (currentTime 0) from the
//     delays it now holds: the server's age at the new render.
//
// Everything is recomputed after every change to the rail (a
// MutationObserver, before the browser paints), on scroll and on resize,
// and it writes to the page only what differs, so a morphed ticket gets its
// slot and selection back before it is seen without them.
const railScript = `(() => {
const rail = document.getElementById('rail');
if (!rail) return;
const $ = s => document.querySelector(s);
const before = $('[data-testid=more-before]'), after = $('[data-testid=more-after]');
const soundButton = $('[data-testid=sound]');
let selected = null, selectedAt = 0, sound = false;

// visible returns the tickets whose first part lies in the rail's view,
// and how many are before and after them. It measures layout boxes, which
// the tickets' animations and tilt do not move.
function visible() {
	const top = rail.scrollTop, bottom = top + rail.clientHeight, left = rail.scrollLeft, right = left + rail.clientWidth, out = [];
	let n = 0, m = 0;
	for (const t of rail.querySelectorAll(':scope > .ticket:not(.leaving)')) {
		const p = t.querySelector('.ticket-part');
		if (p && p.offsetParent === rail && p.offsetHeight > 0 && p.offsetTop >= top - 1 && p.offsetTop + p.offsetHeight <= bottom + 1 &&
			p.offsetLeft >= left - 1 && p.offsetLeft + p.offsetWidth <= right + 1) out.push(t);
		else if (out.length) m++; else n++;
	}
	return [out, n, m];
}

function count(el, n, text) {
	if (!el) return;
	const s = n ? text(n) : '';
	if (el.textContent !== s) el.textContent = s;
	if (el.hidden !== !n) el.hidden = !n;
}

function layout() {
	const [vis, n, m] = visible();
	// The selection stays on its ticket while that is in view. When the
	// ticket leaves the rail the one that takes its place is selected;
	// when the rail pages, the first in view.
	let i = selected === 'last' ? vis.length - 1 : vis.findIndex(t => t.dataset.orderId === selected);
	if (i < 0) {
		const gone = !rail.querySelector(':scope > .ticket[data-order-id="' + selected + '"]:not(.leaving)');
		i = gone ? Math.min(selectedAt, vis.length - 1) : 0;
	}
	selected = i >= 0 && vis[i] ? vis[i].dataset.orderId : null;
	selectedAt = Math.max(i, 0);
	for (const t of rail.querySelectorAll(':scope > .ticket')) {
		const k = vis.indexOf(t), slot = k >= 0 && k < 9 ? String(k + 1) : '';
		if ((t.dataset.slot || '') !== slot) {
			if (slot) t.dataset.slot = slot; else delete t.dataset.slot;
		}
		const p = t.querySelector('.ticket-part');
		let b = p && p.querySelector(':scope > .slot');
		if (slot && p && !b) {
			b = document.createElement('b');
			b.className = 'slot';
			b.dataset.testid = 'slot';
			b.setAttribute('aria-hidden', 'true');
			p.append(b);
		}
		if (b && !slot) b.remove();
		else if (b && b.textContent !== slot) b.textContent = slot;
		const on = t.dataset.orderId === selected && k >= 0;
		if (t.classList.contains('selected') !== on) t.classList.toggle('selected', on);
		if ((t.getAttribute('aria-selected') === 'true') !== on) t.setAttribute('aria-selected', String(on));
	}
	count(before, n, n => '\u25B2 ' + n + ' more');
	count(after, m, n => n + ' more \u25BC');
}

function page(dir) {
	rail.scrollBy({top: dir * rail.clientHeight, behavior: 'instant'});
}

function show(t) {
	const p = t.querySelector('.ticket-part');
	if (!p) return;
	const top = p.offsetTop - rail.scrollTop, h = rail.clientHeight;
	if (top < 0 || top + p.offsetHeight > h) rail.scrollTo({top: Math.floor(p.offsetTop / h) * h, behavior: 'instant'});
}

function play(name) {
	const a = document.getElementById('sound-' + name);
	if (!sound || !a) return;
	a.currentTime = 0;
	a.play().catch(() => {});
}

function arrivals(records) {
	let arrived = false;
	for (const r of records) for (const n of r.addedNodes) {
		if (n.nodeType !== 1 || !n.matches('.ticket.arriving')) continue;
		arrived = true;
		if (n.matches('.rush, .recalled')) show(n);
	}
	if (arrived) play('arrive');
}

function clocks(records) {
	for (const r of records) {
		if (r.attributeName !== 'style' || !r.target.matches('.ticket')) continue;
		for (const a of r.target.getAnimations({subtree: true})) {
			if (a.animationName && a.animationName.startsWith('rail-clock-')) a.currentTime = 0;
		}
	}
}

new MutationObserver(records => { clocks(records); arrivals(records); layout(); })
	.observe(rail, {childList: true, subtree: true, attributes: true, attributeFilter: ['class', 'style']});
rail.addEventListener('animationstart', e => {
	if (e.animationName === 'rail-clock-late' && e.elapsedTime < 0.5 && !e.target.matches('.leaving')) play('late');
});
new ResizeObserver(layout).observe(rail);
rail.addEventListener('scroll', () => requestAnimationFrame(layout), {passive: true});
for (const [el, dir] of [[before, -1], [after, 1]]) if (el) el.addEventListener('click', () => page(dir));

document.addEventListener('keydown', e => {
	const t = e.target instanceof Element ? e.target : document.body;
	if (e.ctrlKey || e.altKey || e.metaKey || t.closest('input,textarea,select') || t.isContentEditable) return;
	const [vis] = visible();
	let i = vis.findIndex(t => t.dataset.orderId === selected);
	switch (e.key) {
	case 'PageDown': page(1); break;
	case 'PageUp': page(-1); break;
	case 'ArrowRight':
		if (i + 1 < vis.length) selected = vis[i + 1].dataset.orderId;
		else page(1);
		break;
	case 'ArrowLeft':
		if (i > 0) selected = vis[i - 1].dataset.orderId;
		else if (rail.scrollTop > 0) { page(-1); selected = 'last'; }
		break;
	default: return;
	}
	e.preventDefault();
	layout();
});

if (soundButton) {
	const key = 'ticketrail-sound';
	const set = on => {
		sound = on;
		soundButton.setAttribute('aria-pressed', String(on));
		soundButton.textContent = on ? 'Sound on' : 'Sound off';
	};
	try { set(localStorage.getItem(key) === 'on'); } catch (e) {}
	soundButton.addEventListener('click', () => {
		set(!sound);
		try { localStorage.setItem(key, sound ? 'on' : 'off'); } catch (e) {}
		play('arrive');
	});
}
layout();
})();`

// ScriptHash is the Content-Security-Policy source that allows the page's
// inline script and nothing else inline: 'sha256-…'.
func ScriptHash() string {
	sum := sha256.Sum256([]byte(railScript))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}
