package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/ticketrail/ticketrail/orders"
)

// pairingsLock is the key of the transaction-level advisory lock that
// AddPairing holds, so that the writers of pairings take turns and the
// oldest give way exactly beyond the limit, however many processes add
// them at once.
const pairingsLock int64 = 0x7261696c_70616972 // "railpair"

// pairingColumns are the columns of pairings that make an orders.Pairing,
// in the order scanPairing reads them.
const pairingColumns = `code, token_hash, created`

// AddPairing implements orders.Store. Forgetting the expired pairings,
// adding p and forgetting the oldest beyond limit are one transaction,
// which holds pairingsLock: of two processes adding the same code or
// token hash at once, the second finds it taken. p is added before the
// oldest are forgotten, so that a pairing with p's code or token hash is a
// conflict even when it is one of the oldest. Like every write, once begun
// it is not abandoned when ctx is done, and it refuses a time out of
// range.
func (s *Store) AddPairing(ctx context.Context, p orders.Pairing, since time.Time, limit int) error {
	created, err := encodeTime("created", p.Created)
	if err != nil {
		return fail("add pairing", err)
	}
	hash := p.TokenHash
	if hash == nil {
		hash = []byte{} // bytea, not NULL
	}
	var a args
	expired := before("created", since, &a)
	err = s.write(ctx, false, func(ctx context.Context, tx pgx.Tx, _ uint64) (bool, error) {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, pairingsLock); err != nil {
			return false, fmt.Errorf("lock the pairings: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM pairings WHERE `+expired, a...); err != nil {
			return false, fmt.Errorf("forget the expired pairings: %w", err)
		}
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO pairings (code, token_hash, created) VALUES ($1, $2, $3) RETURNING id`,
			bytesOf(p.Code), hash, created).Scan(&id)
		if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok && pgErr.Code == uniqueViolation {
			return false, fmt.Errorf("the code or the token hash is another pairing's: %w", orders.ErrConflict)
		}
		if err != nil {
			return false, err
		}
		// Of those created at the same time, the first added go first.
		_, err = tx.Exec(ctx, `DELETE FROM pairings WHERE id IN (
			SELECT id FROM pairings WHERE id <> $1 ORDER BY created DESC NULLS LAST, id DESC OFFSET $2)`,
			id, max(limit-1, 0))
		if err != nil {
			return false, fmt.Errorf("forget the oldest pairings: %w", err)
		}
		return true, nil
	})
	if err != nil {
		return fail("add pairing", err)
	}
	return nil
}

// PairingByCode implements orders.Store.
func (s *Store) PairingByCode(ctx context.Context, code string, since time.Time) (orders.Pairing, error) {
	p, err := s.pairing(ctx, "code", bytesOf(code), since)
	if err != nil {
		return orders.Pairing{}, fail("pairing by code", err)
	}
	return p, nil
}

// PairingByToken implements orders.Store.
func (s *Store) PairingByToken(ctx context.Context, hash []byte, since time.Time) (orders.Pairing, error) {
	if len(hash) == 0 {
		return orders.Pairing{}, fail("pairing by token", orders.ErrNotFound)
	}
	p, err := s.pairing(ctx, "token_hash", hash, since)
	if err != nil {
		return orders.Pairing{}, fail("pairing by token", err)
	}
	return p, nil
}

// pairing returns the pairing created at or after since whose column,
// code or token_hash, is value; or orders.ErrNotFound.
func (s *Store) pairing(ctx context.Context, column string, value []byte, since time.Time) (orders.Pairing, error) {
	a := args{value}
	query := `SELECT ` + pairingColumns + ` FROM pairings WHERE ` + column + ` = $1 AND ` + atOrAfter("created", since, &a)
	var p orders.Pairing
	err := s.read(ctx, func() (err error) {
		p, err = scanPairing(s.pool.QueryRow(ctx, query, a...))
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return orders.Pairing{}, orders.ErrNotFound
	}
	return p, err
}

// DeletePairing implements orders.Store.
func (s *Store) DeletePairing(ctx context.Context, code string) error {
	err := s.write(ctx, false, func(ctx context.Context, tx pgx.Tx, _ uint64) (bool, error) {
		_, err := tx.Exec(ctx, `DELETE FROM pairings WHERE code = $1`, bytesOf(code))
		return err == nil, err
	})
	if err != nil {
		return fail("delete pairing", err)
	}
	return nil
}

// scanPairing reads a pairing from a row of pairingColumns.
func scanPairing(sc scanner) (orders.Pairing, error) {
	var (
		p       orders.Pairing
		code    []byte
		created pgtype.Int8
	)
	if err := sc.Scan(&code, &p.TokenHash, &created); err != nil {
		return orders.Pairing{}, err
	}
	p.Code, p.Created = string(code), decodeTime(created)
	return p, nil
}

// before returns an SQL condition that holds where column, a time column,
// is before t, adding its argument to a: the opposite of atOrAfter's. NULL
// is the zero time, which is before every other time.
func before(column string, t time.Time, a *args) string {
	switch {
	case !t.After(time.Time{}):
		return "false"
	case t.Before(minTime):
		return column + " IS NULL"
	case t.After(maxTime):
		return "true"
	}
	return "(" + column + " IS NULL OR " + column + " < " + a.add(t.UnixNano()) + ")"
}
