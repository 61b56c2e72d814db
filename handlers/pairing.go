package handlers

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ticketrail/ticketrail/orders"
)

// How pairing works: a browser that is not a screen gets a pairing page
// with a short code and a cookie naming its request. An operator approves
// the code (POST /api/screens, or the Screens page of a kitchen screen);
// the server then adds the screen to the store with the hash of a new
// secret, and the waiting page, which asks every second, receives the
// secret in an HttpOnly cookie and reloads into the rail.
const (
	// pairingCookie names a waiting browser's request.
	pairingCookie = "ticketrail_pairing"
	// PairingTTL is how long a pairing code stays valid.
	PairingTTL = 15 * time.Minute
	// maxPending bounds how many browsers may wait at once; the oldest
	// request gives way to a new one.
	maxPending = 1000
	// codeAlphabet has no 0/O or 1/I: codes are read aloud and typed.
	codeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	codeLength   = 6
	// screenCookieAge is how long a screen's cookie lasts: the screen
	// stays paired until it is revoked.
	screenCookieAge = 400 * 24 * time.Hour
)

// errNoSuchCode is an approval for a code no browser is waiting with.
var errNoSuchCode = errors.New("no browser is waiting with that code (codes last 15 minutes; reload the screen for a new one)")

// pairings are the browsers waiting to be paired.
type pairings struct {
	now func() time.Time

	mu     sync.Mutex
	byID   map[string]*pending
	byCode map[string]*pending
}

// pending is one waiting browser.
type pending struct {
	id, code string
	created  time.Time
	// secret is set once the code is approved: the credential the
	// browser collects.
	secret string
	// reserved is set while an approval adds the screen.
	reserved bool
}

func newPairings(now func() time.Time) *pairings {
	return &pairings{now: now, byID: make(map[string]*pending), byCode: make(map[string]*pending)}
}

// start returns the request of the browser whose pairing cookie holds id,
// or a new one.
func (ps *pairings) start(id string) *pending {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.expire()
	if p, ok := ps.byID[id]; ok {
		return p
	}
	if len(ps.byID) >= maxPending {
		var oldest *pending
		for _, p := range ps.byID {
			if oldest == nil || p.created.Before(oldest.created) {
				oldest = p
			}
		}
		ps.remove(oldest)
	}
	p := &pending{id: randomToken(18), created: ps.now()}
	for p.code == "" || ps.byCode[p.code] != nil {
		p.code = randomCode()
	}
	ps.byID[p.id], ps.byCode[p.code] = p, p
	return p
}

// reserve marks the request with the given code as being approved, so
// that no second approval takes it.
func (ps *pairings) reserve(code string) (*pending, error) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.expire()
	p, ok := ps.byCode[normalizeCode(code)]
	if !ok || p.reserved || p.secret != "" {
		return nil, errNoSuchCode
	}
	p.reserved = true
	return p, nil
}

// release ends a reservation that did not become a screen.
func (ps *pairings) release(p *pending) {
	ps.mu.Lock()
	p.reserved = false
	ps.mu.Unlock()
}

// approve hands the reserved request its screen's secret.
func (ps *pairings) approve(p *pending, secret string) {
	ps.mu.Lock()
	p.secret = secret
	ps.mu.Unlock()
}

// collect returns the secret of the approved request of the browser whose
// cookie holds id, and forgets the request; waiting reports whether it is
// still waiting instead.
func (ps *pairings) collect(id string) (secret string, waiting bool) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.expire()
	p, ok := ps.byID[id]
	if !ok {
		return "", false
	}
	if p.secret == "" {
		return "", true
	}
	ps.remove(p)
	return p.secret, false
}

// expire forgets the requests older than PairingTTL. The caller holds mu.
func (ps *pairings) expire() {
	cutoff := ps.now().Add(-PairingTTL)
	for _, p := range ps.byID {
		if p.created.Before(cutoff) && !p.reserved {
			ps.remove(p)
		}
	}
}

func (ps *pairings) remove(p *pending) {
	delete(ps.byID, p.id)
	delete(ps.byCode, p.code)
}

// randomCode is a new pairing code, e.g. "K7PQ3X".
func randomCode() string {
	b := make([]byte, codeLength)
	rand.Read(b)
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return string(b)
}

// normalizeCode accepts a code as people type it: any case, with spaces
// or dashes.
func normalizeCode(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, strings.ToUpper(strings.TrimSpace(s)))
}

// showCode prints a code in two groups, e.g. "K7P-Q3X".
func showCode(code string) string {
	if len(code) != codeLength {
		return code
	}
	return code[:3] + "-" + code[3:]
}

// randomToken is n random bytes, base64url.
func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// pairRequest is what an approval says of the new screen.
type pairRequest struct {
	Code    string `json:"code"`
	Name    string `json:"name"`
	Role    string `json:"role"`
	Station string `json:"station"`
}

// pair approves the browser waiting in ps with req.Code as a new screen
// in board's store and returns it. Errors wrap errNoSuchCode or
// orders.ErrInvalid, or come from the store.
func pair(ctx context.Context, board *orders.Board, ps *pairings, log *slog.Logger, req pairRequest) (orders.Screen, error) {
	role := orders.Role(strings.ToLower(strings.TrimSpace(req.Role)))
	if role == "" {
		role = orders.RoleKitchen
	}
	st := orders.Station(strings.ToLower(strings.TrimSpace(req.Station)))
	switch {
	case !role.Valid():
		return orders.Screen{}, &orders.FieldError{Field: "role", Problem: "must be kitchen or view"}
	case st != "" && !st.Valid():
		return orders.Screen{}, &orders.FieldError{Field: "station", Problem: "must be grill, fry or shake, or none for the expo"}
	}
	p, err := ps.reserve(req.Code)
	if err != nil {
		return orders.Screen{}, err
	}
	secret := randomToken(32)
	sum := sha256.Sum256([]byte(secret))
	s, err := board.Store().AddScreen(ctx, orders.Screen{
		Name: strings.TrimSpace(req.Name), Role: role, Station: st, TokenHash: sum[:], PairedAt: board.Now(),
	})
	if err != nil {
		ps.release(p)
		return orders.Screen{}, fmt.Errorf("pair screen: %w", err)
	}
	ps.approve(p, secret)
	log.Info("screen paired", "screen", s.ID, "name", s.Name, "role", s.Role)
	return s, nil
}

// handlePairingPoll answers the waiting pairing page, which asks every
// second: 204 while it waits; once its code is approved, the screen's
// cookie and HX-Refresh, so that the page reloads into the rail;
// HX-Refresh too when its request expired (the reload brings a new code)
// or it is a screen already.
func handlePairingPoll(d *door, ps *pairings) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if p, err := d.principal(r); err == nil && p.Sees() {
			w.Header().Set("HX-Refresh", "true")
			return
		}
		c, err := r.Cookie(pairingCookie)
		if err != nil {
			w.Header().Set("HX-Refresh", "true")
			return
		}
		secret, waiting := ps.collect(c.Value)
		switch {
		case waiting:
			w.WriteHeader(http.StatusNoContent)
			return
		case secret != "":
			http.SetCookie(w, &http.Cookie{
				Name: screenCookie, Value: secret, Path: "/", MaxAge: int(screenCookieAge / time.Second),
				HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil,
			})
			http.SetCookie(w, &http.Cookie{Name: pairingCookie, Path: "/", MaxAge: -1})
		}
		w.Header().Set("HX-Refresh", "true")
	})
}
