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
	"time"

	"github.com/ticketrail/ticketrail/orders"
)

// How pairing works: a browser that is not a screen gets a pairing page
// with a short code and an HttpOnly cookie holding a new secret; the store
// keeps the code with the secret's SHA-256 (orders.Pairing), so that every
// instance of the server knows it. An operator approves the code (POST
// /api/screens, or the Screens page of a kitchen screen); the server then
// adds the screen to the store with that hash as its token. The waiting
// page, which asks every second, finds its secret is a screen's token now,
// receives it as the screen's cookie and reloads into the rail.
const (
	// pairingCookie holds a waiting browser's secret.
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

// pairings are the browsers waiting to be paired, kept in a store.
type pairings struct {
	now   func() time.Time
	store orders.Store
}

func newPairings(now func() time.Time, store orders.Store) *pairings {
	return &pairings{now: now, store: store}
}

// since is the oldest a pairing may be and still count.
func (ps *pairings) since() time.Time { return ps.now().Add(-PairingTTL) }

// hashOf is the SHA-256 of a secret, as the store keeps it.
func hashOf(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// start returns the secret and code of the browser whose pairing cookie
// holds secret, or a new secret and code.
func (ps *pairings) start(ctx context.Context, secret string) (string, string, error) {
	if secret != "" {
		p, err := ps.store.PairingByToken(ctx, hashOf(secret), ps.since())
		if err == nil {
			return secret, p.Code, nil
		}
		if !errors.Is(err, orders.ErrNotFound) {
			return "", "", fmt.Errorf("pairing: %w", err)
		}
	}
	secret = randomToken(32)
	for range 5 {
		code := randomCode()
		err := ps.store.AddPairing(ctx, orders.Pairing{Code: code, TokenHash: hashOf(secret), Created: ps.now()}, ps.since(), maxPending)
		if err == nil {
			return secret, code, nil
		}
		if !errors.Is(err, orders.ErrConflict) {
			return "", "", fmt.Errorf("pairing: %w", err)
		}
	}
	return "", "", errors.New("pairing: no free code after 5 tries")
}

// waiting reports whether the browser whose cookie holds secret still
// waits: its code has not expired.
func (ps *pairings) waiting(ctx context.Context, secret string) (bool, error) {
	_, err := ps.store.PairingByToken(ctx, hashOf(secret), ps.since())
	if errors.Is(err, orders.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
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
	p, err := ps.store.PairingByCode(ctx, normalizeCode(req.Code), ps.since())
	if errors.Is(err, orders.ErrNotFound) {
		return orders.Screen{}, errNoSuchCode
	}
	if err != nil {
		return orders.Screen{}, fmt.Errorf("pair screen: %w", err)
	}
	s, err := board.Store().AddScreen(ctx, orders.Screen{
		Name: strings.TrimSpace(req.Name), Role: role, Station: st, TokenHash: p.TokenHash, PairedAt: board.Now(),
	})
	if errors.Is(err, orders.ErrConflict) {
		return orders.Screen{}, errNoSuchCode // approved already
	}
	if err != nil {
		return orders.Screen{}, fmt.Errorf("pair screen: %w", err)
	}
	if err := ps.store.DeletePairing(ctx, p.Code); err != nil {
		// The screen is paired; the code only lingers until it expires.
		log.Warn("pairing code not forgotten", "screen", s.ID, "err", err)
	}
	log.Info("screen paired", "screen", s.ID, "name", s.Name, "role", s.Role)
	return s, nil
}

// handlePairingPoll answers the waiting pairing page, which asks every
// second: 204 while it waits (or the store cannot say); once its code is
// approved, the screen's cookie and HX-Refresh, so that the page reloads
// into the rail; HX-Refresh too when its request expired (the reload
// brings a new code) or it is a screen already.
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
		switch _, err := ps.store.ScreenByToken(r.Context(), hashOf(c.Value)); {
		case err == nil:
			// Approved: the secret is the screen's token now.
			http.SetCookie(w, &http.Cookie{
				Name: screenCookie, Value: c.Value, Path: "/", MaxAge: int(screenCookieAge / time.Second),
				HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil,
			})
			http.SetCookie(w, &http.Cookie{Name: pairingCookie, Path: "/", MaxAge: -1})
		case !errors.Is(err, orders.ErrNotFound):
			w.WriteHeader(http.StatusNoContent) // the store is away: ask again
			return
		default:
			if waiting, err := ps.waiting(r.Context(), c.Value); waiting || err != nil {
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		w.Header().Set("HX-Refresh", "true")
	})
}
