package handlers

import (
	"context"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Defaults for the zero values of Limits.
const (
	DefaultActionRate           = 10     // actions a second, per socket
	DefaultActionBurst          = 20     // actions at once, per socket
	DefaultMaxScreens           = 15_000 // sockets open in the process
	DefaultMaxScreensPerAddress = 100    // sockets open from one client address
	DefaultAPIRate              = 20     // API requests a second, per client address
	DefaultAPIBurst             = 100    // API requests at once, per client address
)

// Limits bounds what one screen or one client can ask of the server. The
// zero value of each field picks its default; a negative value turns that
// limit off.
//
// A client address is the IP address a request comes from; for IPv6, its
// /64 network, which one machine or one site usually has to itself. Behind
// a reverse proxy every request comes from the proxy's address.
type Limits struct {
	// ActionRate is how many actions a second one socket may send, on
	// average, and ActionBurst how many it may send at once. Messages
	// beyond that are dropped unread and counted, with one log line per
	// socket a minute at most. Defaults DefaultActionRate (10) and
	// DefaultActionBurst (20): a cook tapping as fast as they can stays
	// well below, a stuck key or a runaway script does not.
	ActionRate  float64
	ActionBurst int
	// MaxScreens caps the sockets open in the process, and
	// MaxScreensPerAddress those open from one client address, so that one
	// client cannot take them all. A socket over either cap is refused
	// with 503 (Service Unavailable) and Retry-After before the upgrade;
	// the page tries again by itself. Loopback clients (this machine, or a
	// reverse proxy on it) are held by MaxScreens alone. Defaults
	// DefaultMaxScreens (15,000) and DefaultMaxScreensPerAddress (100,
	// many times the screens of the largest kitchen behind one router).
	MaxScreens           int
	MaxScreensPerAddress int
	// APIRate is how many /api/ requests a second one client address may
	// make, on average, and APIBurst how many at once, loopback clients
	// included. A request beyond that is answered 429 (Too Many Requests)
	// with Retry-After and a JSON error. Defaults DefaultAPIRate (20) and
	// DefaultAPIBurst (100: a till that sends the orders it queued while
	// the rail was out of reach gets them through at once).
	APIRate  float64
	APIBurst int
}

// withDefaults returns l with every zero field set to its default.
func (l Limits) withDefaults() Limits {
	orDefault := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	if l.ActionRate == 0 {
		l.ActionRate = DefaultActionRate
	}
	if l.APIRate == 0 {
		l.APIRate = DefaultAPIRate
	}
	orDefault(&l.ActionBurst, DefaultActionBurst)
	orDefault(&l.MaxScreens, DefaultMaxScreens)
	orDefault(&l.MaxScreensPerAddress, DefaultMaxScreensPerAddress)
	orDefault(&l.APIBurst, DefaultAPIBurst)
	return l
}

// newLimiter returns a token bucket of rate r and burst b; with either
// negative, one that allows everything.
func newLimiter(r float64, b int) *rate.Limiter {
	if r < 0 || b < 0 {
		return rate.NewLimiter(rate.Inf, 0)
	}
	return rate.NewLimiter(rate.Limit(r), b)
}

// ackLimiter bounds the acks a socket's screen may send: more than any
// screen sends, one per message, even while it catches up. Acks beyond
// it are dropped; the next one covers them.
func ackLimiter() *rate.Limiter { return newLimiter(200, 512) }

// actionLimiter returns the token bucket of one socket's messages.
func (l Limits) actionLimiter() *rate.Limiter {
	l = l.withDefaults()
	return newLimiter(l.ActionRate, l.ActionBurst)
}

// logEvery is how often a socket may log the same kind of thing.
const logEvery = time.Minute

// quietLog counts occurrences of one kind of log line on one socket and
// lets at most one line through every logEvery.
type quietLog struct {
	last  time.Time
	count int // since the last line
}

// note counts one occurrence at now. When a line may be written it
// reports true and how many occurrences it stands for.
func (q *quietLog) note(now time.Time) (int, bool) {
	q.count++
	if !q.last.IsZero() && now.Sub(q.last) < logEvery {
		return 0, false
	}
	n := q.count
	q.count, q.last = 0, now
	return n, true
}

// rest returns how many occurrences no line has reported yet.
func (q *quietLog) rest() int {
	n := q.count
	q.count = 0
	return n
}

// clientKey returns the client address of r: its IP address, or for IPv6
// its /64 network, and whether that is a loopback address.
func clientKey(r *http.Request) (key string, loopback bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host, false
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() && !ip.IsLoopback() {
		p, _ := ip.Prefix(64)
		return p.String(), false
	}
	return ip.String(), ip.IsLoopback()
}

// retryAfter sets the Retry-After header to d, in whole seconds, at least 1.
func retryAfter(w http.ResponseWriter, d time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(d.Seconds())))))
}

// screenRetry is how long a refused screen is told to wait.
const screenRetry = 10 * time.Second

// screenCount counts the open sockets, in all and per client address.
type screenCount struct {
	max, perAddress int // <0: no cap

	mu     sync.Mutex
	open   int
	byAddr map[string]int
}

// acquire takes a slot for a socket from key, and reports false if a cap
// is reached.
func (s *screenCount) acquire(key string, loopback bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.max >= 0 && s.open >= s.max {
		return false
	}
	if !loopback && s.perAddress >= 0 && s.byAddr[key] >= s.perAddress {
		return false
	}
	s.open++
	s.byAddr[key]++
	return true
}

// release gives back a slot that acquire took.
func (s *screenCount) release(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.open--
	if s.byAddr[key]--; s.byAddr[key] <= 0 {
		delete(s.byAddr, key)
	}
}

// limitScreens admits a socket while the caps of l allow it, holds its
// slot until next returns, or, if next takes the slot (takeSlot), until it
// releases it, and refuses it with 503 and Retry-After otherwise.
func limitScreens(l Limits, log *slog.Logger, next http.Handler) http.Handler {
	l = l.withDefaults()
	screens := &screenCount{max: l.MaxScreens, perAddress: l.MaxScreensPerAddress, byAddr: make(map[string]int)}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, loopback := clientKey(r)
		if !screens.acquire(key, loopback) {
			log.Debug("socket refused: too many screens", "remote", r.RemoteAddr)
			retryAfter(w, screenRetry)
			http.Error(w, "too many screens open; try again later", http.StatusServiceUnavailable)
			return
		}
		sl := &screenSlot{release: func() { screens.release(key) }}
		defer sl.done()
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), screenSlotKey{}, sl)))
	})
}

// screenSlot is a socket's place under the caps of limitScreens. The
// handler takes it, if at all, before it returns, on the same goroutine.
type screenSlot struct {
	release func()
	taken   bool
}

type screenSlotKey struct{}

// done releases the slot, unless a socket took it.
func (sl *screenSlot) done() {
	if !sl.taken {
		sl.release()
	}
}

// takeSlot takes over the screen slot of request r, for a socket that
// outlives its handler: call the function returned when the socket ends.
// Without a slot it returns a function that does nothing.
func takeSlot(r *http.Request) func() {
	sl, ok := r.Context().Value(screenSlotKey{}).(*screenSlot)
	if !ok {
		return func() {}
	}
	sl.taken = true
	return sl.release
}

// maxAPIClients bounds how many client addresses the API's rate limit
// remembers between sweeps; clients beyond it share one bucket until the
// next sweep forgets idle ones.
const maxAPIClients = 1 << 16

// sweepEvery is how often the API's rate limit forgets idle clients.
const sweepEvery = time.Minute

// apiLimiter holds a token bucket per client address. A bucket that has
// filled up again is forgotten at the next sweep, which changes nothing
// for its client, so memory grows only with the clients of the last
// minute.
type apiLimiter struct {
	rate  float64
	burst int

	mu       sync.Mutex
	clients  map[string]*rate.Limiter
	overflow *rate.Limiter // shared by the clients beyond maxAPIClients
	swept    time.Time
}

func newAPILimiter(l Limits) *apiLimiter {
	l = l.withDefaults()
	return &apiLimiter{rate: l.APIRate, burst: l.APIBurst, clients: make(map[string]*rate.Limiter), overflow: newLimiter(l.APIRate, l.APIBurst)}
}

// allow takes a token from key's bucket at now. If there is none it reports
// false and how long until there is one.
func (a *apiLimiter) allow(key string, now time.Time) (bool, time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if now.Sub(a.swept) >= sweepEvery {
		a.sweep(now)
	}
	lim, ok := a.clients[key]
	if !ok {
		lim = a.overflow
		if len(a.clients) < maxAPIClients {
			lim = newLimiter(a.rate, a.burst)
			a.clients[key] = lim
		}
	}
	if lim.AllowN(now, 1) {
		return true, 0
	}
	return false, time.Duration((1 - lim.TokensAt(now)) / float64(lim.Limit()) * float64(time.Second))
}

// sweep forgets the clients whose buckets are full.
func (a *apiLimiter) sweep(now time.Time) {
	for key, lim := range a.clients {
		if lim.TokensAt(now) >= float64(lim.Burst()) {
			delete(a.clients, key)
		}
	}
	a.swept = now
}

// limitAPI returns middleware that answers 429 with Retry-After to a client
// address that exceeds the API's rate (l.APIRate and APIBurst). The
// handlers it wraps share one bucket per client.
func limitAPI(l Limits) func(http.Handler) http.Handler {
	l = l.withDefaults()
	if l.APIRate < 0 || l.APIBurst < 0 {
		return func(next http.Handler) http.Handler { return next }
	}
	a := newAPILimiter(l)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			key, _ := clientKey(r)
			if ok, wait := a.allow(key, time.Now()); !ok {
				retryAfter(w, wait)
				writeJSON(w, http.StatusTooManyRequests, apiError{Error: "too many requests; try again after Retry-After seconds"})
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
