package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/ticketrail/ticketrail/orders"
)

// pairingColumns are the columns of pairings that make an orders.Pairing,
// in the order scanPairing reads them.
const pairingColumns = `code, token_hash, created`

// The conditions of pairingSQL that find a pairing by its code and by its
// token hash, through the unique indexes of the columns.
const (
	matchCode      = `code = ?`
	matchTokenHash = `token_hash = ?`
)

// pairingSQL selects the pairing for which match holds and created, a
// condition on its creation time (see atOrAfter).
func pairingSQL(match, created string) string {
	return `SELECT ` + pairingColumns + ` FROM pairings WHERE ` + match + ` AND ` + created
}

// expiredPairingsSQL deletes the pairings for which created, a condition
// on their creation time (see before), holds.
func expiredPairingsSQL(created string) string {
	return `DELETE FROM pairings WHERE ` + created
}

// addPairingSQL inserts a pairing and returns its ID.
const addPairingSQL = `INSERT INTO pairings (code, token_hash, created) VALUES (?, ?, ?) RETURNING id`

// trimPairingsSQL deletes the pairings other than the one with the first
// argument's ID beyond the newest ones, as many as the second argument;
// of those created at the same time, the first added go first.
const trimPairingsSQL = `DELETE FROM pairings WHERE id IN (
	SELECT id FROM pairings WHERE id <> ? ORDER BY created DESC, id DESC LIMIT -1 OFFSET ?)`

// deletePairingSQL deletes the pairing with a code.
const deletePairingSQL = `DELETE FROM pairings WHERE code = ?`

// AddPairing implements orders.Store. Forgetting the expired pairings,
// adding p and forgetting the oldest beyond limit are one transaction,
// which holds the database's write lock from its start. p is added before
// the oldest are forgotten, so that a pairing with p's code or token hash
// is a conflict even when it is one of the oldest. Like Insert, once begun
// it is not abandoned when ctx is done, and it refuses a time out of
// range.
func (s *Store) AddPairing(ctx context.Context, p orders.Pairing, since time.Time, limit int) error {
	if err := s.addPairing(ctx, p, since, limit); err != nil {
		return fmt.Errorf("sqlite: add pairing: %w", err)
	}
	return nil
}

func (s *Store) addPairing(ctx context.Context, p orders.Pairing, since time.Time, limit int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	created, err := encodeTime("created", p.Created)
	if err != nil {
		return err
	}
	hash := p.TokenHash
	if hash == nil {
		hash = []byte{} // a blob, not NULL
	}
	expired, expiredArgs := before("created", since)
	ctx = context.WithoutCancel(ctx)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() // a no-op after Commit
	if _, err := tx.ExecContext(ctx, expiredPairingsSQL(expired), expiredArgs...); err != nil {
		return fmt.Errorf("forget the expired pairings: %w", err)
	}
	var id int64
	err = tx.QueryRowContext(ctx, addPairingSQL, p.Code, hash, created).Scan(&id)
	var se *msqlite.Error
	if errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE {
		return fmt.Errorf("the code or the token hash is another pairing's: %w", orders.ErrConflict)
	}
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, trimPairingsSQL, id, max(limit-1, 0)); err != nil {
		return fmt.Errorf("forget the oldest pairings: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// PairingByCode implements orders.Store.
func (s *Store) PairingByCode(ctx context.Context, code string, since time.Time) (orders.Pairing, error) {
	p, err := s.pairing(ctx, matchCode, code, since)
	if err != nil {
		return orders.Pairing{}, fmt.Errorf("sqlite: pairing by code: %w", err)
	}
	return p, nil
}

// PairingByToken implements orders.Store.
func (s *Store) PairingByToken(ctx context.Context, hash []byte, since time.Time) (orders.Pairing, error) {
	if len(hash) == 0 {
		return orders.Pairing{}, fmt.Errorf("sqlite: pairing by token: %w", orders.ErrNotFound)
	}
	p, err := s.pairing(ctx, matchTokenHash, hash, since)
	if err != nil {
		return orders.Pairing{}, fmt.Errorf("sqlite: pairing by token: %w", err)
	}
	return p, nil
}

// pairing returns the pairing created at or after since for which match,
// a condition of pairingSQL, holds with arg; or orders.ErrNotFound.
func (s *Store) pairing(ctx context.Context, match string, arg any, since time.Time) (orders.Pairing, error) {
	created, args := atOrAfter("created", since)
	row := s.db.QueryRowContext(ctx, pairingSQL(match, created), append([]any{arg}, args...)...)
	p, err := scanPairing(row)
	if errors.Is(err, sql.ErrNoRows) {
		return orders.Pairing{}, orders.ErrNotFound
	}
	return p, err
}

// DeletePairing implements orders.Store.
func (s *Store) DeletePairing(ctx context.Context, code string) error {
	if _, err := s.db.ExecContext(context.WithoutCancel(ctx), deletePairingSQL, code); err != nil {
		return fmt.Errorf("sqlite: delete pairing: %w", err)
	}
	return nil
}

// scanPairing reads a pairing from a row of pairingColumns.
func scanPairing(sc scanner) (orders.Pairing, error) {
	var (
		p       orders.Pairing
		created sql.NullInt64
	)
	if err := sc.Scan(&p.Code, &p.TokenHash, &created); err != nil {
		return orders.Pairing{}, err
	}
	p.Created = decodeTime(created)
	return p, nil
}

// before returns an SQL condition that holds where column, a time column,
// is before t, and its arguments: the opposite of atOrAfter's. NULL is the
// zero time, which is before every other time.
func before(column string, t time.Time) (string, []any) {
	switch {
	case t.IsZero() || t.Before(time.Time{}):
		return "0", nil
	case t.Before(time.Unix(0, math.MinInt64)):
		return column + " IS NULL", nil
	case t.After(time.Unix(0, math.MaxInt64)):
		return "1", nil
	}
	return "(" + column + " IS NULL OR " + column + " < ?)", []any{t.UnixNano()}
}
