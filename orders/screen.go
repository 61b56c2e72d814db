package orders

import (
	"crypto/sha256"
	"fmt"
	"time"
)

// Role is what a paired screen may do.
type Role string

// The roles of a screen.
const (
	// RoleKitchen screens show the rail and act on it: fire, bump, void,
	// recall, mark items done.
	RoleKitchen Role = "kitchen"
	// RoleView screens only show the rail.
	RoleView Role = "view"
)

// Valid reports whether r is RoleKitchen or RoleView.
func (r Role) Valid() bool { return r == RoleKitchen || r == RoleView }

// MaxScreenNameLength is the longest name of a screen, in bytes.
const MaxScreenNameLength = 40

// Screen is a kitchen screen paired with the rail: a browser that proved it
// holds a secret token, known by the token's SHA-256 only.
type Screen struct {
	// ID identifies the screen; the store assigns it and never reuses it.
	ID int64 `json:"id"`
	// Name is what the kitchen calls the screen, such as "grill left"; the
	// board records it as the actor of the screen's changes.
	Name string `json:"name"`
	Role Role   `json:"role"`
	// Station is the view the screen shows: a station, or "" for expo.
	Station Station `json:"station,omitempty"`
	// TokenHash is the SHA-256 of the screen's secret token. The secret
	// itself is never stored.
	TokenHash []byte `json:"-"`
	// PairedAt is when the screen was paired; LastSeen when it was last
	// seen (see Store.TouchScreen), zero if never.
	PairedAt time.Time `json:"paired_at"`
	LastSeen time.Time `json:"last_seen,omitzero"`
}

// Validate reports the first problem with s as a *FieldError (wrapping
// ErrInvalid), or nil: a name of 1 to MaxScreenNameLength bytes of
// printable, visible text without bidirectional controls (the rules of an
// order's text), a valid role, a valid station or none, and a token hash
// of sha256.Size bytes. Stores check it in AddScreen.
func (s Screen) Validate() error {
	if err := checkString("name", s.Name, MaxScreenNameLength); err != nil {
		return err
	}
	if !s.Role.Valid() {
		return invalid("role", fmt.Sprintf("must be %s or %s", RoleKitchen, RoleView))
	}
	if s.Station != "" && !s.Station.Valid() {
		return invalid("station", "must be grill, fry, shake or none (expo)")
	}
	if len(s.TokenHash) != sha256.Size {
		return invalid("token_hash", fmt.Sprintf("must be a SHA-256, %d bytes", sha256.Size))
	}
	return nil
}

// Pairing is a browser waiting to become a screen: the code it shows,
// which an operator approves, and the SHA-256 of the secret it holds. The
// store keeps it so that any instance of the server can show the code,
// approve it and let the browser know: once approved, the browser's
// secret is the new screen's token (Screen.TokenHash is TokenHash).
type Pairing struct {
	// Code is what the browser shows and the operator types, such as
	// "K7PQ3X".
	Code string
	// TokenHash is the SHA-256 of the browser's secret.
	TokenHash []byte
	// Created is when the browser asked.
	Created time.Time
}
