package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ticketrail/ticketrail/orders"
)

// errClosed is what the methods of a closed Store return.
var errClosed = errors.New("the store is closed")

// unavailable reports whether err means that the server cannot be reached
// or does not serve now, so that the same request may succeed a little
// later: a connection that could not be made or was lost, an answer that
// did not come in time, a server that is shutting down, starting or full.
// An error the server gave about the request itself, or a context the
// caller cancelled, is not.
func unavailable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		switch pgErr.Code {
		case "57P01", // admin_shutdown
			"57P02", // crash_shutdown
			"57P03", // cannot_connect_now: starting or shutting down
			"53300": // too_many_connections
			return true
		}
		return strings.HasPrefix(pgErr.Code, "08") // connection exceptions
	}
	if _, ok := errors.AsType[*pgconn.ConnectError](err); ok {
		return true
	}
	// What the driver could not send, such as a query on a connection it
	// found closed.
	if pgconn.SafeToRetry(err) {
		return true
	}
	// Timeouts, refused and reset connections, and a context deadline,
	// which the driver reports for an answer that does not come.
	if _, ok := errors.AsType[net.Error](err); ok {
		return true
	}
	for _, target := range []error{io.EOF, io.ErrUnexpectedEOF, net.ErrClosed,
		syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.EPIPE} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// connectFailed reports whether err is a connection that could not be
// made, as opposed to one that was lost.
func connectFailed(err error) bool {
	_, ok := errors.AsType[*pgconn.ConnectError](err)
	return ok
}

// fail returns err as the error of the operation op, wrapping
// orders.ErrUnavailable as well when err means the server cannot be
// reached (see unavailable).
func fail(op string, err error) error {
	if unavailable(err) && !errors.Is(err, orders.ErrUnavailable) {
		return fmt.Errorf("postgres: %s: %w: %w", op, orders.ErrUnavailable, err)
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// unknownOutcome is the error of a write whose connection was lost while
// it committed, when the server could not be asked afterwards whether the
// commit happened.
type unknownOutcome struct {
	err error // why the commit's answer did not come
}

func (e *unknownOutcome) Error() string {
	return fmt.Sprintf("%v: the outcome of the commit is unknown: %v", orders.ErrUnavailable, e.err)
}

// Unwrap lets errors.Is hold for orders.ErrUnavailable and for the cause.
func (e *unknownOutcome) Unwrap() []error { return []error{orders.ErrUnavailable, e.err} }
