package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/ticketrail/ticketrail/orders"
)

// querier is what the reads need of a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// The statuses as SQL literals, for the queries that repeat the
// conditions of the partial indexes of the migrations so that they can
// use them.
const (
	openStatuses = `('` + string(orders.Received) + `', '` + string(orders.Fired) + `')`
	bumped       = `'` + string(orders.Bumped) + `'`
	cancelled    = `'` + string(orders.Cancelled) + `'`
)

// queryOrders returns the orders that query selects; it selects
// orderColumns.
func queryOrders(ctx context.Context, q querier, query string, a ...any) ([]orders.Order, error) {
	rows, err := q.Query(ctx, query, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []orders.Order
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// find returns a *orders.PriorError with the newest order placed at or
// after since with the idempotency key key or, if sourceID is not "", the
// source ID sourceID, or orders.ErrNotFound.
func find(ctx context.Context, q querier, key, sourceID string, since time.Time) (*orders.PriorError, error) {
	var a args
	var match []string
	if key != "" {
		match = append(match, `(o.idempotency_key = `+a.add(bytesOf(key))+` AND o.idempotency_key <> '')`)
	}
	if sourceID != "" {
		match = append(match, `(o.source_id = `+a.add(bytesOf(sourceID))+` AND o.source_id <> '')`)
	}
	if len(match) == 0 {
		return nil, orders.ErrNotFound
	}
	query := `SELECT ` + orderColumns + `, o.idempotency_key, o.fingerprint FROM orders o
		WHERE (` + strings.Join(match, " OR ") + `) AND ` + atOrAfter("o.placed_at", since, &a) + `
		ORDER BY o.id DESC LIMIT 1`
	var gotKey, fingerprint []byte
	o, err := scanOrder(withMore{q.QueryRow(ctx, query, a...), []any{&gotKey, &fingerprint}})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, orders.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	idem := orders.Idempotency{Key: string(gotKey)}
	if len(fingerprint) > 0 {
		idem.Fingerprint = fingerprint
	}
	return &orders.PriorError{Order: o, Idempotency: idem}, nil
}

// withMore is a scanner that scans the columns of an order and then more.
type withMore struct {
	sc   scanner
	more []any
}

// Scan scans into dest and then into the more of m.
func (m withMore) Scan(dest ...any) error { return m.sc.Scan(append(dest, m.more...)...) }

// read runs f, a read, and runs it once more if it lost its connection
// (not if one could not be made): the server may have restarted, which
// leaves every idle connection of the pool dead, so the pool lets them go
// first.
func (s *Store) read(ctx context.Context, f func() error) error {
	err := f()
	if unavailable(err) && !connectFailed(err) && ctx.Err() == nil {
		s.pool.Reset()
		err = f()
	}
	return err
}

// Find implements orders.Store. The newest order is the one with the
// highest ID.
func (s *Store) Find(ctx context.Context, key, sourceID string, since time.Time) (orders.Order, orders.Idempotency, error) {
	var prior *orders.PriorError
	err := s.read(ctx, func() (err error) {
		prior, err = find(ctx, s.pool, key, sourceID, since)
		return err
	})
	if err != nil {
		return orders.Order{}, orders.Idempotency{}, fail("find", err)
	}
	return prior.Order, prior.Idempotency, nil
}

// Get implements orders.Store.
func (s *Store) Get(ctx context.Context, id int64) (orders.Order, error) {
	var o orders.Order
	err := s.read(ctx, func() (err error) {
		o, err = scanOrder(s.pool.QueryRow(ctx, `SELECT `+orderColumns+` FROM orders o WHERE o.id = $1`, id))
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		err = orders.ErrNotFound
	}
	if err != nil {
		return orders.Order{}, fail(fmt.Sprintf("get %d", id), err)
	}
	return o, nil
}

// History implements orders.Store: the order's changes in version order,
// the order they were written in.
func (s *Store) History(ctx context.Context, id int64) ([]orders.Change, error) {
	op := fmt.Sprintf("history %d", id)
	var out []orders.Change
	err := s.read(ctx, func() (err error) {
		out, err = history(ctx, s.pool, id)
		return err
	})
	if err != nil {
		return nil, fail(op, err)
	}
	return out, nil
}

// history returns the changes of order id, or orders.ErrNotFound.
func history(ctx context.Context, q querier, id int64) ([]orders.Change, error) {
	rows, err := q.Query(ctx, `SELECT c.version, c.at, c.actor, c.action
		FROM orders o LEFT JOIN changes c ON c.order_id = o.id
		WHERE o.id = $1 ORDER BY c.version`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	found := false
	var out []orders.Change
	for rows.Next() {
		found = true
		var (
			version, at   pgtype.Int8
			actor, action []byte
		)
		if err := rows.Scan(&version, &at, &actor, &action); err != nil {
			return nil, err
		}
		if version.Valid {
			out = append(out, orders.Change{At: decodeTime(at), Actor: string(actor), Action: string(action)})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if !found {
		return nil, orders.ErrNotFound
	}
	return out, nil
}

// List implements orders.Store. The order placed is the order of IDs. A
// negative limit means no limit, as it does for orders.MemoryStore.
func (s *Store) List(ctx context.Context, limit int, statuses ...orders.Status) ([]orders.Order, error) {
	if limit == 0 {
		return nil, nil
	}
	var a args
	query := `SELECT ` + orderColumns + ` FROM orders o`
	if len(statuses) > 0 {
		names := make([]string, len(statuses))
		for i, st := range statuses {
			names[i] = string(st)
		}
		query += ` WHERE o.status = ANY(` + a.add(names) + `)`
	}
	// The newest limit orders, then turned around.
	query += ` ORDER BY o.id DESC`
	if limit > 0 {
		query += ` LIMIT ` + a.add(int64(limit))
	}
	var out []orders.Order
	err := s.read(ctx, func() (err error) {
		out, err = queryOrders(ctx, s.pool, query, a...)
		return err
	})
	if err != nil {
		return nil, fail("list", err)
	}
	slices.Reverse(out)
	return out, nil
}

// bumpedSQL selects the bumped orders for which cond holds, in bump order
// or, if newestFirst, the other way round; those bumped at the same time
// in the order placed.
func bumpedSQL(cond string, newestFirst bool) string {
	order := "o.bumped_at ASC NULLS FIRST"
	if newestFirst {
		order = "o.bumped_at DESC NULLS LAST"
	}
	return `SELECT ` + orderColumns + ` FROM orders o
		WHERE o.status = ` + bumped + ` AND ` + cond + `
		ORDER BY ` + order + `, o.id`
}

// Bumped implements orders.Store. Orders bumped at the same time come in
// the order of their IDs.
func (s *Store) Bumped(ctx context.Context, since time.Time) ([]orders.Order, error) {
	var a args
	query := bumpedSQL(atOrAfter("o.bumped_at", since, &a), false)
	var out []orders.Order
	err := s.read(ctx, func() (err error) {
		out, err = queryOrders(ctx, s.pool, query, a...)
		return err
	})
	if err != nil {
		return nil, fail("bumped", err)
	}
	return out, nil
}

// Load implements orders.Store. It reads in one read-only transaction at
// the repeatable read level, so that the orders and the version it returns
// are one moment of the log.
func (s *Store) Load(ctx context.Context, recentSince time.Time) (orders.Saved, error) {
	var saved orders.Saved
	err := s.read(ctx, func() (err error) {
		saved, err = s.load(ctx, recentSince)
		return err
	})
	if err != nil {
		return orders.Saved{}, fail("load", err)
	}
	return saved, nil
}

func (s *Store) load(ctx context.Context, recentSince time.Time) (orders.Saved, error) {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return orders.Saved{}, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) // it only read

	var saved orders.Saved
	var version int64
	if err := tx.QueryRow(ctx, `SELECT version FROM rail`).Scan(&version); err != nil {
		return orders.Saved{}, fmt.Errorf("read the version: %w", err)
	}
	saved.Version = uint64(version)
	saved.Open, err = queryOrders(ctx, tx, `SELECT `+orderColumns+` FROM orders o
		WHERE o.status IN `+openStatuses+` ORDER BY o.id`)
	if err != nil {
		return orders.Saved{}, fmt.Errorf("read the open orders: %w", err)
	}
	// Bumped and cancelled orders by the time they left the rail, the
	// newest first. The zero time, NULL, is the oldest.
	var a args
	saved.Recent, err = queryOrders(ctx, tx, `SELECT `+orderColumns+` FROM orders o
		WHERE o.status = `+bumped+` AND `+atOrAfter("o.bumped_at", recentSince, &a)+`
			OR o.status = `+cancelled+` AND `+atOrAfter("o.cancelled_at", recentSince, &a)+`
		ORDER BY CASE o.status WHEN `+bumped+` THEN o.bumped_at ELSE o.cancelled_at END DESC NULLS LAST, o.id`,
		a...)
	if err != nil {
		return orders.Saved{}, fmt.Errorf("read the recent orders: %w", err)
	}
	return saved, tx.Commit(ctx)
}

// Log implements orders.Store.
func (s *Store) Log(ctx context.Context, after uint64, limit int) ([]orders.Entry, error) {
	if limit <= 0 || after >= math.MaxInt64 {
		return nil, nil
	}
	var out []orders.Entry
	err := s.read(ctx, func() (err error) {
		out, err = queryEntries(ctx, s.pool, after, limit)
		return err
	})
	if err != nil {
		return nil, fail("log", err)
	}
	return out, nil
}

// queryEntries returns up to limit entries of the log after version after.
func queryEntries(ctx context.Context, q querier, after uint64, limit int) ([]orders.Entry, error) {
	rows, err := q.Query(ctx, `SELECT `+entryColumns+`
		FROM changes c JOIN orders o ON o.id = c.order_id
		WHERE c.version > $1 ORDER BY c.version LIMIT $2`, int64(after), int64(limit))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []orders.Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
