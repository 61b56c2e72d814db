package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ticketrail/ticketrail/internal/pgtest"
	"github.com/ticketrail/ticketrail/orders"
)

func TestUnavailable(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	// Nothing listens on port 1.
	_, connectErr := pgconn.Connect(ctx, "postgres://x@127.0.0.1:1/x?sslmode=disable&connect_timeout=5")
	if connectErr == nil {
		t.Fatal("connecting to port 1 succeeded")
	}
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"connect error", connectErr, true},
		{"wrapped connect error", fmt.Errorf("insert: %w", connectErr), true},
		{"refused", refused, true},
		{"reset", fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{"broken pipe", syscall.EPIPE, true},
		{"EOF", fmt.Errorf("receive message: %w", io.EOF), true},
		{"unexpected EOF", io.ErrUnexpectedEOF, true},
		{"closed connection", net.ErrClosed, true},
		{"deadline", context.DeadlineExceeded, true},
		{"admin shutdown", &pgconn.PgError{Severity: "FATAL", Code: "57P01"}, true},
		{"crash shutdown", &pgconn.PgError{Severity: "FATAL", Code: "57P02"}, true},
		{"cannot connect now", &pgconn.PgError{Severity: "FATAL", Code: "57P03"}, true},
		{"too many connections", &pgconn.PgError{Severity: "FATAL", Code: "53300"}, true},
		{"connection failure", &pgconn.PgError{Severity: "FATAL", Code: "08006"}, true},
		{"connection exception", fmt.Errorf("x: %w", &pgconn.PgError{Code: "08000"}), true},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"syntax error", &pgconn.PgError{Code: "42601"}, false},
		{"query cancelled", &pgconn.PgError{Code: "57014"}, false},
		{"cancelled", context.Canceled, false},
		{"cancelled while reading", fmt.Errorf("%w: %w", context.Canceled, io.ErrUnexpectedEOF), false},
		{"no rows", pgx.ErrNoRows, false},
		{"not found", orders.ErrNotFound, false},
		{"prior", &orders.PriorError{}, false},
		{"other", errors.New("something else"), false},
	} {
		if got := unavailable(tc.err); got != tc.want {
			t.Errorf("unavailable(%s: %v) = %v; want %v", tc.name, tc.err, got, tc.want)
		}
		wrapped := fail("op", tc.err)
		if tc.err != nil && errors.Is(wrapped, orders.ErrUnavailable) != tc.want {
			t.Errorf("fail(%s) = %v; ErrUnavailable %v, want %v", tc.name, wrapped, !tc.want, tc.want)
		}
		if tc.err != nil && !errors.Is(wrapped, tc.err) {
			t.Errorf("fail(%s) = %v; it does not wrap the error", tc.name, wrapped)
		}
	}
	unknown := fail("insert", &unknownOutcome{io.ErrUnexpectedEOF})
	if !errors.Is(unknown, orders.ErrUnavailable) || !errors.Is(unknown, io.ErrUnexpectedEOF) {
		t.Errorf("an unknown outcome = %v; want it to wrap ErrUnavailable and its cause", unknown)
	}
	if got := unknown.Error(); got != "postgres: insert: the kitchen's database is unavailable: the outcome of the commit is unknown: unexpected EOF" {
		t.Errorf("an unknown outcome says %q", got)
	}
	if !connectFailed(connectErr) || connectFailed(refused) {
		t.Errorf("connectFailed(connect error) = %v, connectFailed(refused) = %v; want true, false",
			connectFailed(connectErr), connectFailed(refused))
	}
}

// TestResolve checks that a write whose commit's answer was lost learns
// from the server what became of it.
func TestResolve(t *testing.T) {
	t.Parallel()
	c := pgtest.Start(t)
	s, err := Open(t.Context(), c.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	xid := func(commit bool) int64 {
		tx, err := s.pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		var id int64
		if err := tx.QueryRow(ctx, `UPDATE rail SET version = version RETURNING txid_current()`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if commit {
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
		}
		return id
	}
	lost := io.ErrUnexpectedEOF
	if err := s.resolve(ctx, xid(true), lost); err != nil {
		t.Errorf("resolve(a committed transaction) = %v; want nil", err)
	}
	if err := s.resolve(ctx, xid(false), lost); !errors.Is(err, lost) || errors.As(err, new(*unknownOutcome)) {
		t.Errorf("resolve(a rolled back transaction) = %v; want the commit's error", err)
	}
	c.Stop(t)
	start := time.Now()
	if err := s.resolve(ctx, 1000, lost); !errors.As(err, new(*unknownOutcome)) {
		t.Errorf("resolve without a server = %v; want an unknown outcome", err)
	}
	if d := time.Since(start); d < resolveTimeout/2 || d > 3*resolveTimeout {
		t.Errorf("resolve without a server took %v; want about %v", d, resolveTimeout)
	}
}
