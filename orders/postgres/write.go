package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ticketrail/ticketrail/orders"
)

// change is the work of one write, done in its transaction; a write to
// the log gets the version its change takes, others 0. It returns whether
// to commit: false, or an error, rolls everything back, the version
// included.
type change func(ctx context.Context, tx pgx.Tx, version uint64) (commit bool, err error)

// beforeCommit marks an error of a write that happened before the write
// asked to commit: nothing was written.
type beforeCommit struct{ err error }

func (e *beforeCommit) Error() string { return e.err.Error() }
func (e *beforeCommit) Unwrap() error { return e.err }

// write runs do in a transaction of its own and commits it unless do says
// not to. A write to the log (logged) takes the rail's next version first,
// which holds the rail's row until the transaction ends, and notifies
// Channel with it. Once begun, a write is not abandoned when ctx is done,
// so that an error means that nothing was written: it ends only when it is
// done, or after writeTimeout without an answer from the server.
//
// A write that loses its connection before it asks to commit is tried once
// more, do included, on a new connection: the server may have restarted,
// which leaves every idle connection of the pool dead, so the pool lets
// them go first. A write that loses its connection while it commits asks
// the server, on another connection, whether the commit happened, and
// returns an unknownOutcome if it cannot tell.
func (s *Store) write(ctx context.Context, logged bool, do change) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()
	err := s.tryWrite(ctx, logged, do)
	if b, ok := errors.AsType[*beforeCommit](err); ok && unavailable(b.err) && !connectFailed(b.err) {
		s.pool.Reset()
		err = s.tryWrite(ctx, logged, do)
	}
	if b, ok := errors.AsType[*beforeCommit](err); ok {
		return b.err
	}
	return err
}

// tryWrite makes one attempt of write.
func (s *Store) tryWrite(ctx context.Context, logged bool, do change) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return &beforeCommit{err}
	}
	defer tx.Rollback(ctx) // a no-op after Commit
	var (
		version int64
		xid     int64 // to ask about the commit if its answer is lost
	)
	if logged {
		err = tx.QueryRow(ctx, `UPDATE rail SET version = version + 1 RETURNING version, txid_current()`).
			Scan(&version, &xid)
	} else {
		err = tx.QueryRow(ctx, `SELECT txid_current()`).Scan(&xid)
	}
	if err != nil {
		return &beforeCommit{fmt.Errorf("begin: %w", err)}
	}
	commit, err := do(ctx, tx, uint64(version))
	if err != nil {
		return &beforeCommit{err}
	}
	if !commit {
		return nil
	}
	if logged && !s.silent {
		if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, Channel, strconv.FormatInt(version, 10)); err != nil {
			return &beforeCommit{fmt.Errorf("notify: %w", err)}
		}
	}
	err = tx.Commit(ctx)
	if err == nil {
		return nil
	}
	if _, ok := errors.AsType[*pgconn.PgError](err); ok || errors.Is(err, pgx.ErrTxCommitRollback) {
		// The server answered: it rolled back.
		return fmt.Errorf("commit: %w", err)
	}
	return s.resolve(ctx, xid, err)
}

// resolve returns the outcome of the transaction xid, whose commit failed
// with err before the server answered: nil if it committed after all, err
// if it did not, and an unknownOutcome wrapping err if the server cannot
// tell within resolveTimeout.
func (s *Store) resolve(ctx context.Context, xid int64, err error) error {
	// The write's own time may be up: that may be why the answer was
	// lost.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), resolveTimeout)
	defer cancel()
	retry := time.NewTicker(250 * time.Millisecond)
	defer retry.Stop()
	for {
		var status *string
		qerr := s.pool.QueryRow(ctx, `SELECT txid_status($1)`, xid).Scan(&status)
		switch {
		case qerr == nil && status != nil && *status == "committed":
			return nil
		case qerr == nil && status != nil && *status == "aborted":
			return fmt.Errorf("commit: %w", err)
		case qerr == nil && status == nil:
			// Too old for the server to remember: it cannot tell.
			return &unknownOutcome{err}
		}
		// Still in progress, or the server cannot be asked yet.
		select {
		case <-ctx.Done():
			return &unknownOutcome{err}
		case <-retry.C:
		}
	}
}

// Insert implements orders.Store. It fails for a time that unix
// nanoseconds cannot hold (before late 1677 or after early 2262; a zero
// time is stored as "has not happened") and for an item, note, allergen or
// done station that is not valid UTF-8, which JSON could not store exactly.
// Source IDs, idempotency keys and destinations are kept byte for byte.
//
// The order, its first change and the log's next version are written in
// one transaction, which holds the rail's row from the start: an insert
// with the same key or source ID from another process waits for it and
// then finds its order. Like every write, once begun it is not abandoned
// when ctx is done.
func (s *Store) Insert(ctx context.Context, o orders.Order, idem orders.Idempotency, since time.Time, c orders.Change) (orders.Entry, error) {
	row, err := encodeOrder(o, idem)
	if err != nil {
		return orders.Entry{}, fail("insert", err)
	}
	at, err := encodeTime("change", c.At)
	if err != nil {
		return orders.Entry{}, fail("insert", err)
	}
	var out orders.Entry
	err = s.write(ctx, true, func(ctx context.Context, tx pgx.Tx, version uint64) (bool, error) {
		if prior, err := find(ctx, tx, idem.Key, o.SourceID, since); err == nil {
			return false, prior
		} else if !errors.Is(err, orders.ErrNotFound) {
			return false, fmt.Errorf("look for an earlier order: %w", err)
		}
		var lastID int64
		var lastNumber int
		err := tx.QueryRow(ctx, `SELECT id, number FROM orders ORDER BY id DESC LIMIT 1`).Scan(&lastID, &lastNumber)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return false, fmt.Errorf("read the last order: %w", err)
		}
		placed := o
		placed.ID, placed.Number = lastID+1, orders.NextNumber(lastNumber)
		st := row.state
		_, err = tx.Exec(ctx, `INSERT INTO orders (id, number, source_id, idempotency_key, fingerprint,
				destination, status, rush, recalled, items, notes, allergens, allergy, done_stations,
				items_done, placed_at, fired_at, bumped_at, cancelled_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
			placed.ID, placed.Number, row.sourceID, row.key, row.fingerprint,
			row.destination, st.status, o.Rush, st.recalled, row.items, row.notes, row.allergens, o.Allergy, st.done,
			st.itemsDone, row.placed, st.fired, st.bumped, st.cancelled)
		if err != nil {
			return false, fmt.Errorf("insert order %d: %w", placed.ID, err)
		}
		e := orders.Entry{Version: version, Kind: orders.EventPlaced, Order: placed, Change: c}
		if err := addChange(ctx, tx, e, at, st); err != nil {
			return false, err
		}
		out = e
		return true, nil
	})
	if err != nil {
		return orders.Entry{}, fail("insert", err)
	}
	return out, nil
}

// addChange records e, made at at (encoded), with the order's state st
// after it, in the log.
func addChange(ctx context.Context, tx pgx.Tx, e orders.Entry, at *int64, st stateRow) error {
	_, err := tx.Exec(ctx, `INSERT INTO changes (version, order_id, kind, station, item, at, actor, action,
			status, recalled, done_stations, items_done, fired_at, bumped_at, cancelled_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		int64(e.Version), e.Order.ID, string(e.Kind), string(e.Station), e.Item, at,
		bytesOf(e.Change.Actor), bytesOf(e.Change.Action),
		st.status, st.recalled, st.done, st.itemsDone, st.fired, st.bumped, st.cancelled)
	if err != nil {
		return fmt.Errorf("record the change: %w", err)
	}
	return nil
}

// editError marks the error that an Edit returned.
type editError struct{ err error }

func (e *editError) Error() string { return e.err.Error() }
func (e *editError) Unwrap() error { return e.err }

// Update implements orders.Store. It calls edit with the order as the
// transaction holds it: the transaction holds the rail's row from its
// start, and the order's, so no other write falls between what edit sees
// and the write. An error of edit is returned as it is. Like every write, once begun it is not abandoned when
// ctx is done; edit may be called twice if the connection is lost before
// the commit (see write).
func (s *Store) Update(ctx context.Context, id int64, edit orders.Edit) (orders.Entry, error) {
	op := fmt.Sprintf("update %d", id)
	var out orders.Entry
	err := s.write(ctx, true, func(ctx context.Context, tx pgx.Tx, version uint64) (bool, error) {
		out = orders.Entry{}
		saved, err := scanOrder(tx.QueryRow(ctx, `SELECT `+orderColumns+` FROM orders o WHERE o.id = $1 FOR UPDATE`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return false, orders.ErrNotFound
		}
		if err != nil {
			return false, fmt.Errorf("read the order: %w", err)
		}
		o := saved
		o.Done, o.ItemsDone = slices.Clone(saved.Done), slices.Clone(saved.ItemsDone)
		e, err := edit(&o)
		if err != nil {
			out = orders.Entry{Order: saved}
			return false, &editError{err}
		}
		if e.Kind == "" {
			out = orders.Entry{Order: saved}
			return false, nil
		}
		// Only the state that an edit may change is kept.
		saved.Status, saved.Recalled = o.Status, o.Recalled
		saved.Done, saved.ItemsDone = o.Done, o.ItemsDone
		saved.FiredAt, saved.BumpedAt, saved.CancelledAt = o.FiredAt, o.BumpedAt, o.CancelledAt
		st, err := encodeState(saved)
		if err != nil {
			return false, err
		}
		at, err := encodeTime("change", e.Change.At)
		if err != nil {
			return false, err
		}
		_, err = tx.Exec(ctx, `UPDATE orders SET status = $1, recalled = $2, done_stations = $3, items_done = $4,
				fired_at = $5, bumped_at = $6, cancelled_at = $7
			WHERE id = $8`,
			st.status, st.recalled, st.done, st.itemsDone, st.fired, st.bumped, st.cancelled, id)
		if err != nil {
			return false, fmt.Errorf("write the order: %w", err)
		}
		e.Version, e.Order = version, saved
		if err := addChange(ctx, tx, e, at, st); err != nil {
			return false, err
		}
		out = e
		return true, nil
	})
	if ee, ok := errors.AsType[*editError](err); ok {
		return out, ee.err // it speaks for itself
	}
	if err != nil {
		return orders.Entry{}, fail(op, err)
	}
	return out, nil
}
