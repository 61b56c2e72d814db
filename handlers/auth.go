package handlers

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/ticketrail/ticketrail/orders"
)

// Pairing says which browsers must be paired before they see the rail.
type Pairing string

// The pairing modes.
const (
	// PairRemote: browsers on this machine (by their real source address)
	// are kitchen screens; every other device pairs. The default.
	PairRemote Pairing = "remote"
	// PairAll: every browser pairs, this machine's too.
	PairAll Pairing = "all"
	// PairOff: no pairing: anyone who reaches the server is a kitchen
	// screen.
	PairOff Pairing = "off"
)

// Valid reports whether p is one of the pairing modes.
func (p Pairing) Valid() bool {
	switch p {
	case PairRemote, PairAll, PairOff:
		return true
	}
	return false
}

// Principal is who a request comes from, and what it may do.
type Principal struct {
	// Role is orders.RoleKitchen (sees and acts) or orders.RoleView
	// (sees); "" for a browser that is not a screen yet.
	Role orders.Role
	// Actor names it in the orders' history: a screen's name, "api",
	// "this machine", or what Options.Authorize says.
	Actor string
	// Screen is the paired screen the request comes from; 0 for none.
	Screen int64
}

// The actors of the principals that are not a paired screen, as the
// orders' history names them.
const (
	actorAPI         = "api"          // the API token
	actorThisMachine = "this machine" // a loopback client, with PairRemote
	actorAnyone      = "anyone"       // anyone, with PairOff
)

// Kitchen reports whether p may change the rail.
func (p Principal) Kitchen() bool { return p.Role == orders.RoleKitchen }

// Sees reports whether p may see the rail.
func (p Principal) Sees() bool { return p.Role == orders.RoleKitchen || p.Role == orders.RoleView }

// errNotAScreen and errViewOnly are why a request is refused.
var (
	errNotAScreen = errors.New("this device is not a paired kitchen screen")
	errViewOnly   = errors.New("this screen is view-only")
	errHost       = errors.New("the rail does not answer to this host name")
)

// screenCookie holds a paired screen's secret; the store keeps its hash.
const screenCookie = "ticketrail_screen"

// door is the one door for every request that reads or changes the rail
// (see principal), with what it needs to know who a request comes from.
type door struct {
	hasToken  bool // Options.APIToken is set
	tokenHash [sha256.Size]byte
	authorize func(*http.Request) (Principal, error)
	pairing   Pairing
	hosts     []string
	origins   *origins
	board     *orders.Board // its store keeps the screens
	log       *slog.Logger

	mu      sync.Mutex
	touched map[int64]time.Time // when each screen was last noted as seen
}

// newDoor returns the door that opts describe.
func newDoor(opts Options, origins *origins) *door {
	return &door{
		hasToken:  opts.APIToken != "",
		tokenHash: sha256.Sum256([]byte(opts.APIToken)),
		authorize: opts.Authorize,
		pairing:   opts.Pairing,
		hosts:     opts.Hosts,
		origins:   origins,
		board:     opts.Board,
		log:       opts.Logger,
		touched:   make(map[int64]time.Time),
	}
}

// principal is the one door for every request that reads or changes the
// rail: the page, its fragments and actions, the socket and the API.
//
//   - The API token (Authorization: Bearer) is a kitchen principal, "api".
//   - With Options.Authorize, it decides.
//   - A paired screen's cookie is that screen, with its role.
//   - With pairing off, anyone is a kitchen screen; with pairing remote,
//     this machine (a loopback source address) is.
//
// A page of another site listed in OriginPatterns sees the rail but never
// changes it. Everyone else is nobody (Role ""). The Host is checked first
// (see hostAllowed), so that a name rebound to this machine gets nothing.
func (d *door) principal(r *http.Request) (Principal, error) {
	if d.hasToken {
		if scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
			got := sha256.Sum256([]byte(strings.TrimSpace(token)))
			if subtle.ConstantTimeCompare(got[:], d.tokenHash[:]) == 1 {
				return Principal{Role: orders.RoleKitchen, Actor: actorAPI}, nil
			}
			return Principal{}, errBadToken
		}
	}
	var p Principal
	switch {
	case d.authorize != nil:
		var err error
		if p, err = d.authorize(r); err != nil {
			return Principal{}, err
		}
	default:
		if !d.hostAllowed(r.Host) {
			return Principal{}, errHost
		}
		if s, ok := d.pairedScreen(r); ok {
			p = Principal{Role: s.Role, Actor: s.Name, Screen: s.ID}
			break
		}
		switch {
		case d.pairing == PairOff:
			p = Principal{Role: orders.RoleKitchen, Actor: actorAnyone}
		case d.pairing == PairRemote && fromLoopback(r):
			p = Principal{Role: orders.RoleKitchen, Actor: actorThisMachine}
		}
	}
	if _, listed, _ := d.origins.allowed(r); listed && p.Role == orders.RoleKitchen {
		p.Role = orders.RoleView
	}
	return p, nil
}

// errBadToken is a request that carries a token, but not the API's.
var errBadToken = errors.New("missing or wrong API token: send Authorization: Bearer <token>")

// pairedScreen returns the screen whose secret the request's cookie holds,
// noting that it was seen.
func (d *door) pairedScreen(r *http.Request) (orders.Screen, bool) {
	c, err := r.Cookie(screenCookie)
	if err != nil || c.Value == "" || len(c.Value) > 128 {
		return orders.Screen{}, false
	}
	sum := sha256.Sum256([]byte(c.Value))
	s, err := d.board.Store().ScreenByToken(r.Context(), sum[:])
	if err != nil {
		if !errors.Is(err, orders.ErrNotFound) {
			d.log.Error("screen lookup failed", "err", err)
		}
		return orders.Screen{}, false
	}
	d.seen(r, s)
	return s, true
}

// hostAllowed reports whether a Host header names this server: a loopback
// name or address, this machine's host name (also with .local) or one of
// its addresses, or a name listed in Options.Hosts. A page of another site
// that rebinds its own name to this machine's address sends its own name,
// and gets nothing.
func (d *door) hostAllowed(host string) bool {
	if loopbackHost(host) {
		return true
	}
	name := host
	if n, _, err := net.SplitHostPort(host); err == nil {
		name = n
	}
	name = strings.ToLower(strings.TrimSuffix(strings.Trim(name, "[]"), "."))
	for _, allowed := range d.hosts {
		if strings.EqualFold(allowed, name) || strings.EqualFold(allowed, host) {
			return true
		}
	}
	if hn, err := os.Hostname(); err == nil && hn != "" {
		hn = strings.ToLower(hn)
		if name == hn || name == hn+".local" {
			return true
		}
	}
	ip := net.ParseIP(name)
	if ip == nil {
		return false
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.Equal(ip) {
			return true
		}
	}
	return false
}

// refuse answers a request that principal turned away, or that may not do
// what it asks: 421 for a host name the rail does not answer to, 401 for a
// device that is not a screen (or a wrong token), 403 for a view-only one.
func refuse(w http.ResponseWriter, p Principal, err error) {
	switch {
	case errors.Is(err, errHost):
		http.Error(w, fmt.Sprintf("%v: use this machine's name or address, or start the server with -host", err), http.StatusMisdirectedRequest)
	case err != nil || !p.Sees():
		w.Header().Set("WWW-Authenticate", `Bearer realm="orders"`)
		http.Error(w, errNotAScreen.Error()+": pair it first", http.StatusUnauthorized)
	default:
		http.Error(w, errViewOnly.Error(), http.StatusForbidden)
	}
}

// viewer returns the kind of screen a request that reads the rail asks for
// and who it comes from; a view-only principal gets the view-only kind.
// For a request that may not see the rail it answers (refuse) and reports
// false, unless it is the page, which shows the pairing page instead.
func (d *door) viewer(w http.ResponseWriter, r *http.Request) (screenKind, Principal, bool) {
	k, ok := kindOf(w, r)
	if !ok {
		return k, Principal{}, false
	}
	p, err := d.principal(r)
	if err != nil || !p.Sees() {
		refuse(w, p, err)
		return k, p, false
	}
	if !p.Kitchen() {
		k.viewOnly = true
	}
	return k, p, true
}

// kitchen lets through the requests of kitchen principals, with their
// actor in the context for the orders' history, and refuses the others.
func (d *door) kitchen(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := d.principal(r)
		if err != nil || !p.Kitchen() {
			refuse(w, p, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(orders.WithActor(r.Context(), p.Actor)))
	})
}

// apiAuth is the order API's side of the one door (see principal): with
// an API token configured every call must carry it; without one, the
// callers that the pairing mode trusts, or a paired screen, get through: a
// kitchen one for everything, a view-only one for reading. The caller is
// the actor of the changes in the orders' history. Either way, a browser's
// cross-site request that changes something is refused: the API is for
// programs, and a page open on a kitchen screen must not be able to void
// orders.
func (d *door) apiAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := d.origins.csrf.Check(r); err != nil {
			writeJSON(w, http.StatusForbidden, apiError{Error: "cross-site requests to the order API are refused"})
			return
		}
		p, err := d.principal(r)
		reading := r.Method == http.MethodGet || r.Method == http.MethodHead
		switch {
		case errors.Is(err, errBadToken), err == nil && d.hasToken && p.Actor != actorAPI:
			w.Header().Set("WWW-Authenticate", `Bearer realm="orders"`)
			writeJSON(w, http.StatusUnauthorized, apiError{Error: errBadToken.Error()})
			return
		case err != nil, !p.Kitchen() && !(reading && p.Sees()):
			writeJSON(w, http.StatusForbidden, apiError{Error: "the order API answers only this machine unless the server has an API token (-api-token)"})
			return
		}
		next.ServeHTTP(w, r.WithContext(orders.WithActor(r.Context(), p.Actor)))
	})
}

// loopbackHost reports whether a Host header names this machine: localhost
// or a loopback address, with or without a port.
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func fromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// seen notes that screen s made a request, in the store at most once a
// minute per screen.
func (d *door) seen(r *http.Request, s orders.Screen) {
	now := d.board.Now()
	d.mu.Lock()
	last, ok := d.touched[s.ID]
	if ok && now.Sub(last) < time.Minute {
		d.mu.Unlock()
		return
	}
	d.touched[s.ID] = now
	d.mu.Unlock()
	if err := d.board.Store().TouchScreen(r.Context(), s.ID, now); err != nil && !errors.Is(err, orders.ErrNotFound) {
		d.log.Warn("screen last seen not recorded", "screen", s.ID, "err", err)
	}
}
