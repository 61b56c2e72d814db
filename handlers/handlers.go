// Package handlers serves the kitchen rail over HTTP: the page, the
// WebSocket that keeps every screen current, bare HTML fragments for
// server-side inclusion, the embedded assets and a health check. Every
// screen acks what it shows (receipts.go); the watch (unseen.go) raises
// the expo's unseen-ticket alarms, and the fleet page (fleet.go) shows
// every connected screen, on every instance of a shared store; the
// handler registers its Prometheus series where Options.Metrics says.
//
// New returns one http.Handler that can be mounted at the root or under any
// path prefix with http.StripPrefix: every URL it emits is relative.
package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ticketrail/ticketrail/orders"
	"github.com/ticketrail/ticketrail/views"
)

// Defaults for the zero values of Options.
const (
	DefaultStore        = "Socket Burger"
	DefaultWriteTimeout = 10 * time.Second
	DefaultPingEvery    = 30 * time.Second
	// DefaultRevokedCheckEvery is Options.RevokedCheckEvery's default.
	DefaultRevokedCheckEvery = 10 * time.Second
	DefaultWarnAfter         = views.DefaultWarnAfter
	DefaultLateAfter         = views.DefaultLateAfter
	// MaxMessageBytes is the largest message a screen may send; a larger
	// one closes that socket with 1009 (message too big).
	MaxMessageBytes = 4 << 10
)

// Options configures New. Board is required; the zero value of every other
// field picks its default.
type Options struct {
	// Board is the rail to show.
	Board *orders.Board
	// Logger receives one line per unexpected error. Default: discard.
	Logger *slog.Logger
	// Store is the restaurant's name, printed on every ticket.
	Store string
	// APIToken, if set, is the bearer token every /api/ request must carry.
	// Without it the API answers whoever the pairing mode trusts. Anywhere,
	// it makes a request a kitchen principal ("api").
	APIToken string
	// Pairing says which browsers must pair before they see the rail:
	// PairRemote (the default), PairAll or PairOff.
	Pairing Pairing
	// Hosts are the host names, besides this machine's own names and
	// addresses and the loopback ones, that requests may address the rail
	// by (the Host header); any other is refused, which stops DNS
	// rebinding.
	Hosts []string
	// Authorize, if set, decides who every request comes from, instead of
	// pairing and the Host check: a Go program that mounts the rail gives
	// its own signed-in staff the controls (Role orders.RoleKitchen), a
	// view (orders.RoleView) or nothing (""). The API token still counts.
	Authorize func(*http.Request) (Principal, error)
	// OriginPatterns lists the host patterns (path.Match syntax, matched
	// against the origin's host and port, e.g. "pos.example.com",
	// "*.example.com" or "localhost:3000") of other sites whose pages may
	// embed the rail: open the WebSocket, load fragments and assets (with
	// CORS headers) and post the page's actions. Every other foreign origin
	// is refused with 403. The rail's own origin is always allowed.
	OriginPatterns []string
	// WriteTimeout bounds each write to a socket. A screen that cannot take
	// a message in that time is dropped and reconnects by itself. (One
	// that falls behind again while taking the snapshot meant to catch it
	// up is closed with 1013, try again later.)
	WriteTimeout time.Duration
	// PingEvery is how often a socket is pinged, so that screens that
	// vanished without closing are noticed: one whose pong has not come
	// by the next ping is dropped.
	PingEvery time.Duration
	// RevokedCheckEvery is how often, while paired screens have sockets
	// open, the handler asks the store which screens are still paired,
	// and closes (with 4001) the sockets of a screen revoked elsewhere,
	// such as through another instance on a shared database. A revoke
	// through this handler closes them at once. Default
	// DefaultRevokedCheckEvery.
	RevokedCheckEvery time.Duration
	// Limits bounds the actions a socket may send, the sockets open in all
	// and per client address, and the API requests per client address.
	// Its zero value picks the defaults (see Limits).
	Limits Limits
	// WarnAfter and LateAfter are the ages at which a ticket's timer turns
	// amber and red. Defaults DefaultWarnAfter and DefaultLateAfter.
	WarnAfter, LateAfter time.Duration
	// UnseenAfter is how long a screen may take to show what it was sent
	// before the expo screens raise the unseen-ticket alarm (see
	// views.UnseenPanel); the screen is then sent the rail again, and
	// after as long again its socket is closed so that the page
	// reconnects. A station with open tickets and no screen for as long
	// raises the alarm too. Default DefaultUnseenAfter; negative turns
	// the alarms off. Only sockets whose URL has acks=1, as the rail's
	// own pages ask, are held to it.
	UnseenAfter time.Duration
	// Instance names this instance of the server on the fleet page, and
	// among the instances that share a store (see orders.Roster), where
	// each must have a name of its own. Default: the host's name and the
	// process's ID.
	Instance string
	// Metrics, if set, is where the handler registers its Prometheus
	// series: screens, messages and bytes sent, renders, catch-ups,
	// sockets closed by reason, ack lag, alarms, API requests, the rail's
	// changes and open tickets. The handler serves no metrics itself:
	// mount a promhttp handler, behind Guard if it is on the rail's
	// listener.
	Metrics prometheus.Registerer
}

// Handler is the rail's HTTP handler. Close it to close every WebSocket.
type Handler struct {
	opts    Options
	log     *slog.Logger
	mux     *http.ServeMux
	look    look
	screens map[screenKind]*frames
	renders atomic.Int64
	origins *origins
	door    *door
	pairing *pairings
	sockets *socketSet
	watch   *watch
	metrics *metrics
	counted *orders.Subscription // counts the rail's changes for metrics
}

// New returns the handler for opts. It panics if opts.Board is nil.
func New(opts Options) *Handler {
	if opts.Board == nil {
		panic("handlers: New needs a Board")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Store == "" {
		opts.Store = DefaultStore
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = DefaultWriteTimeout
	}
	if opts.PingEvery <= 0 {
		opts.PingEvery = DefaultPingEvery
	}
	if opts.RevokedCheckEvery <= 0 {
		opts.RevokedCheckEvery = DefaultRevokedCheckEvery
	}
	if opts.WarnAfter <= 0 {
		opts.WarnAfter = DefaultWarnAfter
	}
	if opts.LateAfter <= 0 {
		opts.LateAfter = DefaultLateAfter
	}
	if opts.Instance == "" {
		opts.Instance = defaultInstance()
	}
	if opts.UnseenAfter == 0 {
		opts.UnseenAfter = DefaultUnseenAfter
	}
	if opts.Pairing == "" {
		opts.Pairing = PairRemote
	}
	if !opts.Pairing.Valid() {
		panic(fmt.Sprintf("handlers: unknown pairing mode %q", opts.Pairing))
	}
	og := &origins{patterns: opts.OriginPatterns, csrf: http.NewCrossOriginProtection()}
	h := &Handler{
		opts:    opts,
		log:     opts.Logger,
		screens: make(map[screenKind]*frames),
		origins: og,
		door:    newDoor(opts, og),
		look:    look{store: opts.Store, warnAfter: opts.WarnAfter, lateAfter: opts.LateAfter},
		pairing: newPairings(opts.Board.Now, opts.Board.Store()),
		sockets: newSocketSet(opts.Board.Store(), opts.RevokedCheckEvery, opts.Logger),
		metrics: newMetrics(),
	}
	for _, st := range append([]orders.Station{""}, orders.Stations()...) {
		for _, viewOnly := range []bool{false, true} {
			k := screenKind{st, viewOnly}
			h.screens[k] = newFrames(h.look.screen(k), &h.renders, h.metrics.rendered)
		}
	}
	h.watch = &watch{
		after: max(opts.UnseenAfter, 0), now: opts.Board.Now, board: opts.Board, sockets: h.sockets,
		look: h.look, metrics: h.metrics, log: opts.Logger, instance: opts.Instance,
	}
	h.watch.roster, _ = opts.Board.Store().(orders.Roster)
	h.sockets.emptied = h.watch.allClosed
	h.mux = h.routes()
	if opts.Metrics != nil {
		h.metrics.register(opts.Metrics, h)
		h.countEvents()
	}
	return h
}

// defaultInstance is Options.Instance's default: host and process ID.
func defaultInstance() string {
	host, err := os.Hostname()
	if err != nil {
		host = "localhost"
	}
	return host + " pid " + strconv.Itoa(os.Getpid())
}

// countEvents counts the rail's changes for the metrics, as the board
// publishes them, until Close.
func (h *Handler) countEvents() {
	var mu sync.Mutex
	var sub *orders.Subscription
	count := func() {
		mu.Lock()
		defer mu.Unlock()
		for sub != nil {
			e, ok, err := sub.TryNext()
			if !ok || err != nil {
				return
			}
			if e.Kind != orders.EventSnapshot && e.Kind != orders.EventTick {
				h.metrics.event(e.Kind)
			}
		}
	}
	mu.Lock()
	sub = h.opts.Board.SubscribeFunc(count)
	h.counted = sub
	mu.Unlock()
	count()
}

// Guard serves next only to the callers the order API answers: with
// Options.APIToken, those that carry it; without, whoever the pairing mode
// trusts (this machine, with PairRemote) and paired screens, a view-only
// one for reading. It is for what a program mounts beside the rail, such
// as its metrics.
func (h *Handler) Guard(next http.Handler) http.Handler { return h.door.apiAuth(next) }

// ServeHTTP serves the rail's routes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mux.ServeHTTP(w, r)
}

// Renders returns how many times an event or snapshot has been rendered
// into a socket message. It grows by one per event for each kind of screen
// (expo, grill, fry, shake) that has a socket open, however many sockets
// receive it.
func (h *Handler) Renders() int64 { return h.renders.Load() }

// Close closes every WebSocket with 1012 (service restart), so that pages
// reconnect by themselves, and refuses new ones. It waits until the sockets'
// goroutines have ended or ctx is done; then it drops the remaining
// connections without a close handshake. http.Server.Shutdown does not do
// this, as WebSocket connections are hijacked.
func (h *Handler) Close(ctx context.Context) error {
	if h.counted != nil {
		h.counted.Close()
	}
	return h.sockets.close(ctx)
}
