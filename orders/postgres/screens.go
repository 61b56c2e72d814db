package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/ticketrail/ticketrail/orders"
)

// screenColumns are the columns of screens that make an orders.Screen, in
// the order scanScreen reads them.
const screenColumns = `id, name, role, station, token_hash, paired_at, last_seen`

// uniqueViolation is the SQLSTATE of a row that a unique index refuses.
const uniqueViolation = "23505"

// AddScreen implements orders.Store.
func (s *Store) AddScreen(ctx context.Context, sc orders.Screen) (orders.Screen, error) {
	if err := sc.Validate(); err != nil {
		return orders.Screen{}, fmt.Errorf("postgres: add screen: %w", err)
	}
	paired, err := encodeTime("paired", sc.PairedAt)
	if err != nil {
		return orders.Screen{}, fail("add screen", err)
	}
	seen, err := encodeTime("last seen", sc.LastSeen)
	if err != nil {
		return orders.Screen{}, fail("add screen", err)
	}
	err = s.write(ctx, false, func(ctx context.Context, tx pgx.Tx, _ uint64) (bool, error) {
		err := tx.QueryRow(ctx, `INSERT INTO screens (name, role, station, token_hash, paired_at, last_seen)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			sc.Name, string(sc.Role), string(sc.Station), sc.TokenHash, paired, seen).Scan(&sc.ID)
		if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok && pgErr.Code == uniqueViolation {
			return false, fmt.Errorf("the token hash is another screen's: %w", orders.ErrConflict)
		}
		return err == nil, err
	})
	if err != nil {
		return orders.Screen{}, fail("add screen", err)
	}
	sc.TokenHash = slices.Clone(sc.TokenHash)
	return sc, nil
}

// ScreenByToken implements orders.Store.
func (s *Store) ScreenByToken(ctx context.Context, hash []byte) (orders.Screen, error) {
	if len(hash) == 0 {
		return orders.Screen{}, fail("screen by token", orders.ErrNotFound)
	}
	var sc orders.Screen
	err := s.read(ctx, func() (err error) {
		sc, err = scanScreen(s.pool.QueryRow(ctx, `SELECT `+screenColumns+` FROM screens WHERE token_hash = $1`, hash))
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		err = orders.ErrNotFound
	}
	if err != nil {
		return orders.Screen{}, fail("screen by token", err)
	}
	return sc, nil
}

// Screens implements orders.Store.
func (s *Store) Screens(ctx context.Context) ([]orders.Screen, error) {
	var out []orders.Screen
	err := s.read(ctx, func() error {
		rows, err := s.pool.Query(ctx, `SELECT `+screenColumns+` FROM screens ORDER BY id`)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (orders.Screen, error) { return scanScreen(row) })
		return err
	})
	if err != nil {
		return nil, fail("screens", err)
	}
	return out, nil
}

// DeleteScreen implements orders.Store.
func (s *Store) DeleteScreen(ctx context.Context, id int64) error {
	op := fmt.Sprintf("delete screen %d", id)
	err := s.write(ctx, false, func(ctx context.Context, tx pgx.Tx, _ uint64) (bool, error) {
		tag, err := tx.Exec(ctx, `DELETE FROM screens WHERE id = $1`, id)
		err = affectedOne(tag, err)
		return err == nil, err
	})
	if err != nil {
		return fail(op, err)
	}
	return nil
}

// TouchScreen implements orders.Store.
func (s *Store) TouchScreen(ctx context.Context, id int64, at time.Time) error {
	op := fmt.Sprintf("touch screen %d", id)
	seen, err := encodeTime("last seen", at)
	if err != nil {
		return fail(op, err)
	}
	err = s.write(ctx, false, func(ctx context.Context, tx pgx.Tx, _ uint64) (bool, error) {
		tag, err := tx.Exec(ctx, `UPDATE screens SET last_seen = $1 WHERE id = $2`, seen, id)
		err = affectedOne(tag, err)
		return err == nil, err
	})
	if err != nil {
		return fail(op, err)
	}
	return nil
}

// affectedOne returns err, or orders.ErrNotFound if the statement of tag
// changed no row.
func affectedOne(tag pgconn.CommandTag, err error) error {
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return orders.ErrNotFound
	}
	return nil
}

// scanScreen reads a screen from a row of screenColumns.
func scanScreen(sc scanner) (orders.Screen, error) {
	var (
		s                orders.Screen
		role, station    string
		paired, lastSeen pgtype.Int8
	)
	if err := sc.Scan(&s.ID, &s.Name, &role, &station, &s.TokenHash, &paired, &lastSeen); err != nil {
		return orders.Screen{}, err
	}
	s.Role, s.Station = orders.Role(role), orders.Station(station)
	s.PairedAt, s.LastSeen = decodeTime(paired), decodeTime(lastSeen)
	return s, nil
}
