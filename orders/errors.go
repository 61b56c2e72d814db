package orders

import (
	"errors"
	"fmt"
)

// Errors returned by the board and the stores. Callers test for them with
// errors.Is.
var (
	// ErrInvalid means a request was malformed; the error also is a
	// *FieldError naming the field.
	ErrInvalid = errors.New("invalid order")
	// ErrNotFound means no order (or, from the screen methods of a Store,
	// no screen) has the given ID or token.
	ErrNotFound = errors.New("not found")
	// ErrConflict means an action does not apply to the order in its
	// current status, such as bumping an order that is no longer open, or
	// that what is added is taken, such as a screen's token.
	ErrConflict = errors.New("action does not apply")
	// ErrKeyReused means an order was sent with the idempotency key or
	// source ID of an order placed within IdempotencyWindow, but asks for
	// something else: it is not a retry. The error also is a *ReuseError.
	ErrKeyReused = errors.New("idempotency key reused for another order")
)

// FieldError names the field of a NewOrder that is wrong and why.
type FieldError struct {
	Field   string // for example "items[2].quantity"
	Problem string // for example "must be from 1 to 99"
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

// Unwrap lets errors.Is(err, ErrInvalid) hold for every FieldError.
func (e *FieldError) Unwrap() error { return ErrInvalid }

func invalid(field, problem string) error {
	return &FieldError{Field: field, Problem: problem}
}

// ReuseError is the error Board.Place returns for an order whose
// idempotency key or source ID is that of an earlier order with other
// content (see NewOrder.Fingerprint).
type ReuseError struct {
	// Field is what matched: "idempotency_key" or "source_id".
	Field string
	// ID is the ID of the earlier order.
	ID int64
}

func (e *ReuseError) Error() string {
	return fmt.Sprintf("%s of order %d sent again with another order: %v", e.Field, e.ID, ErrKeyReused)
}

// Unwrap lets errors.Is(err, ErrKeyReused) hold for every ReuseError.
func (e *ReuseError) Unwrap() error { return ErrKeyReused }
