package handlers

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/ticketrail/ticketrail/orders"
)

// What an answer says for orders.ErrNotFound, by what was looked for.
const (
	noSuchTicket = "no such ticket"
	noSuchOrder  = "no such order"
	noSuchItem   = "no such order or item"
)

// errorAnswer is what the rail answers for an error: the status code, a
// message and, for an invalid field, the field and what is wrong with it.
type errorAnswer struct {
	status  int
	message string
	field   string
	problem string
}

// text is the answer as one line of plain text.
func (a errorAnswer) text() string {
	if a.problem == "" {
		return a.message
	}
	return a.field + ": " + a.problem
}

// answerError is the one map from an error to its answer, for plain text
// and JSON alike: 400 for an invalid request (naming the field of a
// *orders.FieldError), 404 for what does not exist (notFound is the
// message: "no such ticket", "no such order"), an unknown action or a
// pairing code no browser waits with, 409 for an action that does not
// apply, 400 also for a body cut off, 413 for a body over its limit, 503 (with Retry-After) while the
// database is unavailable, and 500, "internal error", for everything that
// is the server's fault.
func answerError(err error, notFound string) errorAnswer {
	var (
		fe     *orders.FieldError
		tooBig *http.MaxBytesError
	)
	switch {
	case errors.As(err, &tooBig):
		return errorAnswer{status: http.StatusRequestEntityTooLarge, message: fmt.Sprintf("the body is over %d bytes", tooBig.Limit)}
	case errors.As(err, &fe):
		return errorAnswer{status: http.StatusBadRequest, message: orders.ErrInvalid.Error(), field: fe.Field, problem: fe.Problem}
	case errors.Is(err, orders.ErrInvalid):
		return errorAnswer{status: http.StatusBadRequest, message: err.Error()}
	case errors.Is(err, errNoSuchCode):
		return errorAnswer{status: http.StatusNotFound, message: err.Error(), field: "code"}
	case errors.Is(err, errUnknownAction):
		return errorAnswer{status: http.StatusNotFound, message: err.Error()}
	case errors.Is(err, orders.ErrNotFound):
		return errorAnswer{status: http.StatusNotFound, message: notFound}
	case errors.Is(err, orders.ErrConflict):
		return errorAnswer{status: http.StatusConflict, message: err.Error()}
	case errors.Is(err, orders.ErrUnavailable):
		return errorAnswer{status: http.StatusServiceUnavailable, message: unavailableMessage}
	case errors.Is(err, io.ErrUnexpectedEOF):
		// After ErrUnavailable: a database connection cut off is not the
		// client's doing.
		return errorAnswer{status: http.StatusBadRequest, message: "the body ended before it was whole"}
	}
	return errorAnswer{status: http.StatusInternalServerError, message: "internal error"}
}

// writeError answers err in plain text (see answerError), logging only
// what is the server's fault.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	a := answerError(err, noSuchTicket)
	if a.status == http.StatusInternalServerError {
		log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	setRetryAfter(w, a.status)
	http.Error(w, a.text(), a.status)
}

// RetryAfter is what the rail answers in Retry-After, in seconds, with a
// 503 for a change it cannot make while its database is unavailable: the
// time within which a database that restarts is usually back.
const RetryAfter = 2

// unavailableMessage is what the rail answers for orders.ErrUnavailable.
const unavailableMessage = "the kitchen is offline: changes are paused until its database is back; try again shortly"

// setRetryAfter sets Retry-After on an answer with status 503.
func setRetryAfter(w http.ResponseWriter, status int) {
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", strconv.Itoa(RetryAfter))
	}
}

// apiError is the JSON body of every API error.
type apiError struct {
	Error   string `json:"error"`
	Field   string `json:"field,omitempty"`
	Problem string `json:"problem,omitempty"`
}

// writeAPIError answers err in JSON (see answerError), logging only what
// is the server's fault. notFound is the message for orders.ErrNotFound.
func writeAPIError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error, notFound string) {
	a := answerError(err, notFound)
	if a.status == http.StatusInternalServerError {
		log.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	setRetryAfter(w, a.status)
	writeJSON(w, a.status, apiError{Error: a.message, Field: a.field, Problem: a.problem})
}
