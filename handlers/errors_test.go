package handlers

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/ticketrail/ticketrail/orders"
)

// TestAnswerError maps each kind of error to its status and message, the
// same for plain text and JSON.
func TestAnswerError(t *testing.T) {
	for _, tt := range []struct {
		name   string
		err    error
		status int
		text   string
	}{
		{"field", fmt.Errorf("decode: %w", &orders.FieldError{Field: "items[0].name", Problem: "must not be empty"}), http.StatusBadRequest, "items[0].name: must not be empty"},
		{"invalid", fmt.Errorf("action done: %w", orders.ErrInvalid), http.StatusBadRequest, "action done: invalid order"},
		{"not found", fmt.Errorf("x: %w", orders.ErrNotFound), http.StatusNotFound, noSuchOrder},
		{"unknown action", fmt.Errorf("%w %q", errUnknownAction, "dance"), http.StatusNotFound, `unknown action "dance"`},
		{"no such code", errNoSuchCode, http.StatusNotFound, errNoSuchCode.Error()},
		{"conflict", fmt.Errorf("bump: %w", orders.ErrConflict), http.StatusConflict, "bump: action does not apply"},
		{"too big", fmt.Errorf("read order: %w", &http.MaxBytesError{Limit: 10}), http.StatusRequestEntityTooLarge, "the body is over 10 bytes"},
		{"cut off", fmt.Errorf("read order: %w", io.ErrUnexpectedEOF), http.StatusBadRequest, "the body ended before it was whole"},
		{"database cut off", fmt.Errorf("insert: %w: %w", orders.ErrUnavailable, io.ErrUnexpectedEOF), http.StatusServiceUnavailable, unavailableMessage},
		{"internal", errors.New("disk on fire"), http.StatusInternalServerError, "internal error"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := answerError(tt.err, noSuchOrder)
			if a.status != tt.status || a.text() != tt.text {
				t.Errorf("answerError(%v) = %d %q, want %d %q", tt.err, a.status, a.text(), tt.status, tt.text)
			}
		})
	}
}

// TestParseID accepts whole numbers from 1 and nothing else, which names
// nothing.
func TestParseID(t *testing.T) {
	for _, s := range []string{"", "0", "-3", " 7", "7 ", "1.5", "x", "99999999999999999999"} {
		if _, err := parseID("order", s); !errors.Is(err, orders.ErrNotFound) {
			t.Errorf("parseID(%q) = %v, want orders.ErrNotFound", s, err)
		}
	}
	if id, err := parseID("order", "42"); id != 42 || err != nil {
		t.Errorf(`parseID("42") = %d, %v`, id, err)
	}
}
