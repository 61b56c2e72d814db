package orders

import "errors"

// Errors returned by the board. Callers test for them with errors.Is.
var (
	// ErrInvalid means a request was malformed; the error also is a
	// *FieldError naming the field.
	ErrInvalid = errors.New("invalid order")
	// ErrNotFound means no order has the given ID.
	ErrNotFound = errors.New("order not found")
	// ErrConflict means an action does not apply to the order in its
	// current status, such as bumping an order that is no longer open.
	ErrConflict = errors.New("action does not apply")
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
