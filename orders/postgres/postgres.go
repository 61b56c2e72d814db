// Package postgres keeps the kitchen's orders in a PostgreSQL database,
// through github.com/jackc/pgx/v5, so that several processes can share one
// rail.
//
// A Store is a pool of connections to one database. Every write is one
// transaction that takes the rail's next version by updating the rail's
// single row, so that writers from every process take turns, versions
// commit in order and without gaps, and each commit tells every listening
// process its version (Watch, on the channel Channel). Lead elects one
// process for work that only one may do, with an advisory lock that goes
// with its connection. The schema is created and brought up to date by
// Open from the migrations embedded in the package.
//
// Errors that mean the server cannot be reached, or is shutting down or
// starting, wrap orders.ErrUnavailable.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ticketrail/ticketrail/orders"
)

// Channel is the channel every write notifies in the transaction that
// makes it, with the version of its change as the payload (see Watch).
const Channel = "ticketrail_changes"

// Timeouts that keep a call from waiting forever for a server that does
// not answer.
const (
	// connectTimeout is how long a connection may take to be made,
	// unless the URL says otherwise (connect_timeout).
	connectTimeout = 5 * time.Second
	// writeTimeout bounds a write from its start to its commit, waiting
	// for other writers included.
	writeTimeout = 15 * time.Second
	// resolveTimeout is how long a write whose connection was lost while
	// it committed tries to learn whether the commit happened.
	resolveTimeout = 10 * time.Second
	// readyTimeout bounds Ready.
	readyTimeout = 3 * time.Second
	// pingTimeout bounds the query that checks that a dedicated
	// connection (Watch, Lead) is alive.
	pingTimeout = 5 * time.Second
)

// Store is an orders.Store, an orders.Watcher and an orders.Leader that
// keeps orders in a PostgreSQL database. It is safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
	conn *pgx.ConnConfig // for the connections Watch, Lead and Open hold
	name string          // the database and server, for errors
	// silent leaves the NOTIFY out of every write, so that a benchmark
	// can tell what it costs; nothing else sets it.
	silent bool

	// closing is done once Close is called; it ends Watch and Lead.
	closing context.Context
	close   context.CancelFunc

	mu       sync.Mutex
	closed   bool
	sessions sync.WaitGroup // the calls of Watch and Lead that run
}

var (
	_ orders.Store   = (*Store)(nil)
	_ orders.Watcher = (*Store)(nil)
	_ orders.Leader  = (*Store)(nil)
)

// Open connects to the database at url, a PostgreSQL URL
// (postgres://user:password@host:port/database?sslmode=...) or key=value
// connection string, applies the embedded schema migrations and returns
// the store. Close it when done.
//
// A connection that takes more than 5 seconds to be made fails, unless the
// URL sets connect_timeout. Several processes may open one database at
// once: one of them migrates it while the others wait. Open refuses a
// database that a newer program has migrated further than this one knows.
// When the server cannot be reached, the error wraps
// orders.ErrUnavailable.
func Open(ctx context.Context, url string) (*Store, error) {
	if strings.TrimSpace(url) == "" {
		return nil, errors.New("postgres: open: empty URL")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The driver's message names the URL with its password masked.
		return nil, fmt.Errorf("postgres: open: bad URL: %w", err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "ticketrail"
	}
	name := fmt.Sprintf("database %q on %s", cfg.ConnConfig.Database,
		net.JoinHostPort(cfg.ConnConfig.Host, strconv.Itoa(int(cfg.ConnConfig.Port))))
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("postgres: open %s: %w", name, err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fail("open "+name, err)
	}
	closing, cancel := context.WithCancel(context.Background())
	s := &Store{pool: pool, conn: cfg.ConnConfig, name: name, closing: closing, close: cancel}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, fail("open "+name, err)
	}
	return s, nil
}

// migrate brings the schema up to date on a connection of its own, so that
// the advisory lock it takes goes with the connection whatever happens.
func (s *Store) migrate(ctx context.Context) error {
	conn, err := pgx.ConnectConfig(ctx, s.conn.Copy())
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = migrate(ctx, conn, migrationFiles())
	return err
}

// Close ends Watch and Lead, waits until they have returned, and closes
// the store's connections. The Store must not be used after.
func (s *Store) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.close()
	s.sessions.Wait()
	s.pool.Close()
	return nil
}

// session returns a context for a call of Watch or Lead that is done when
// ctx is or when the store is closed, and the function to call when the
// call returns. It fails once the store is closed.
func (s *Store) session(ctx context.Context) (context.Context, func(), error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, nil, errClosed
	}
	s.sessions.Add(1)
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(s.closing, cancel)
	return ctx, func() {
		stop()
		cancel()
		s.sessions.Done()
	}, nil
}

// sessionEnd returns why a call of Watch or Lead whose session context is
// done ends: the caller's context, or the store's closing.
func (s *Store) sessionEnd(parent context.Context) error {
	if err := parent.Err(); err != nil {
		return err
	}
	return errClosed
}

// connect makes a connection of its own, outside the pool, for a call
// that holds it (Watch, Lead).
func (s *Store) connect(ctx context.Context) (*pgx.Conn, error) {
	return pgx.ConnectConfig(ctx, s.conn.Copy())
}

// Ready implements orders.Store: it asks the server, within 3 seconds,
// whether it takes writes. It returns an error wrapping
// orders.ErrUnavailable when the server does not answer, is a standby in
// recovery, or makes transactions read-only.
func (s *Store) Ready(ctx context.Context) error {
	qctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	var recovery bool
	var readOnly string
	err := s.pool.QueryRow(qctx, `SELECT pg_is_in_recovery(), current_setting('transaction_read_only')`).
		Scan(&recovery, &readOnly)
	switch {
	case err != nil && ctx.Err() != nil:
		return fmt.Errorf("postgres: ready: %w", err)
	case err != nil:
		return fmt.Errorf("postgres: %s takes no writes: %w: %w", s.name, orders.ErrUnavailable, err)
	case recovery:
		return fmt.Errorf("postgres: %s takes no writes: %w: the server is a standby in recovery", s.name, orders.ErrUnavailable)
	case readOnly == "on":
		return fmt.Errorf("postgres: %s takes no writes: %w: transactions are read-only", s.name, orders.ErrUnavailable)
	}
	return nil
}
