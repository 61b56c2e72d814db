package handlers

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"

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
func (h *Handler) principal(r *http.Request) (Principal, error) {
	if h.opts.APIToken != "" {
		if scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
			got := sha256.Sum256([]byte(strings.TrimSpace(token)))
			if subtle.ConstantTimeCompare(got[:], h.tokenHash[:]) == 1 {
				return Principal{Role: orders.RoleKitchen, Actor: "api"}, nil
			}
			return Principal{}, errBadToken
		}
	}
	var p Principal
	switch {
	case h.opts.Authorize != nil:
		var err error
		if p, err = h.opts.Authorize(r); err != nil {
			return Principal{}, err
		}
	default:
		if !h.hostAllowed(r.Host) {
			return Principal{}, errHost
		}
		if s, ok := h.pairedScreen(r); ok {
			p = Principal{Role: s.Role, Actor: s.Name, Screen: s.ID}
			break
		}
		switch {
		case h.opts.Pairing == PairOff:
			p = Principal{Role: orders.RoleKitchen, Actor: "anyone"}
		case h.opts.Pairing == PairRemote && fromLoopback(r):
			p = Principal{Role: orders.RoleKitchen, Actor: "this machine"}
		}
	}
	if _, listed, _ := h.originAllowed(r); listed && p.Role == orders.RoleKitchen {
		p.Role = orders.RoleView
	}
	return p, nil
}

// errBadToken is a request that carries a token, but not the API's.
var errBadToken = errors.New("missing or wrong API token: send Authorization: Bearer <token>")

// pairedScreen returns the screen whose secret the request's cookie holds,
// noting that it was seen.
func (h *Handler) pairedScreen(r *http.Request) (orders.Screen, bool) {
	c, err := r.Cookie(screenCookie)
	if err != nil || c.Value == "" || len(c.Value) > 128 {
		return orders.Screen{}, false
	}
	sum := sha256.Sum256([]byte(c.Value))
	s, err := h.store().ScreenByToken(r.Context(), sum[:])
	if err != nil {
		if !errors.Is(err, orders.ErrNotFound) {
			h.log.Error("screen lookup failed", "err", err)
		}
		return orders.Screen{}, false
	}
	h.seen(r, s)
	return s, true
}

// store is the board's store, where the screens are kept.
func (h *Handler) store() orders.Store { return h.opts.Board.Store() }

// hostAllowed reports whether a Host header names this server: a loopback
// name or address, this machine's host name (also with .local) or one of
// its addresses, or a name listed in Options.Hosts. A page of another site
// that rebinds its own name to this machine's address sends its own name,
// and gets nothing.
func (h *Handler) hostAllowed(host string) bool {
	if loopbackHost(host) {
		return true
	}
	name := host
	if n, _, err := net.SplitHostPort(host); err == nil {
		name = n
	}
	name = strings.ToLower(strings.TrimSuffix(strings.Trim(name, "[]"), "."))
	for _, allowed := range h.opts.Hosts {
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
func (h *Handler) viewer(w http.ResponseWriter, r *http.Request) (screenKind, Principal, bool) {
	k, ok := kindOf(w, r)
	if !ok {
		return k, Principal{}, false
	}
	p, err := h.principal(r)
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
func (h *Handler) kitchen(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := h.principal(r)
		if err != nil || !p.Kitchen() {
			refuse(w, p, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(orders.WithActor(r.Context(), p.Actor)))
	})
}
