package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/ticketrail/ticketrail/orders"
)

// screenColumns are the columns of screens that make an orders.Screen, in
// the order scanScreen reads them.
const screenColumns = `id, name, role, station, token_hash, paired_at, last_seen`

// AddScreen implements orders.Store.
func (s *Store) AddScreen(ctx context.Context, sc orders.Screen) (orders.Screen, error) {
	if err := sc.Validate(); err != nil {
		return orders.Screen{}, fmt.Errorf("sqlite: add screen: %w", err)
	}
	paired, err := encodeTime("paired", sc.PairedAt)
	if err != nil {
		return orders.Screen{}, fmt.Errorf("sqlite: add screen: %w", err)
	}
	seen, err := encodeTime("last seen", sc.LastSeen)
	if err != nil {
		return orders.Screen{}, fmt.Errorf("sqlite: add screen: %w", err)
	}
	err = s.db.QueryRowContext(context.WithoutCancel(ctx), `INSERT INTO screens (name, role, station, token_hash, paired_at, last_seen)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		sc.Name, string(sc.Role), string(sc.Station), sc.TokenHash, paired, seen).Scan(&sc.ID)
	var se *msqlite.Error
	if errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE {
		return orders.Screen{}, fmt.Errorf("sqlite: add screen: the token hash is another screen's: %w", orders.ErrConflict)
	}
	if err != nil {
		return orders.Screen{}, fmt.Errorf("sqlite: add screen: %w", err)
	}
	sc.TokenHash = append([]byte(nil), sc.TokenHash...)
	return sc, nil
}

// ScreenByToken implements orders.Store.
func (s *Store) ScreenByToken(ctx context.Context, hash []byte) (orders.Screen, error) {
	if len(hash) == 0 {
		return orders.Screen{}, fmt.Errorf("sqlite: screen by token: %w", orders.ErrNotFound)
	}
	row := s.db.QueryRowContext(ctx, `SELECT `+screenColumns+` FROM screens WHERE token_hash = ?`, hash)
	sc, err := scanScreen(row)
	if errors.Is(err, sql.ErrNoRows) {
		return orders.Screen{}, fmt.Errorf("sqlite: screen by token: %w", orders.ErrNotFound)
	}
	if err != nil {
		return orders.Screen{}, fmt.Errorf("sqlite: screen by token: %w", err)
	}
	return sc, nil
}

// Screens implements orders.Store.
func (s *Store) Screens(ctx context.Context) ([]orders.Screen, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+screenColumns+` FROM screens ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: screens: %w", err)
	}
	defer rows.Close()
	var out []orders.Screen
	for rows.Next() {
		sc, err := scanScreen(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: screens: %w", err)
		}
		out = append(out, sc)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: screens: %w", err)
	}
	return out, nil
}

// DeleteScreen implements orders.Store.
func (s *Store) DeleteScreen(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(context.WithoutCancel(ctx), `DELETE FROM screens WHERE id = ?`, id)
	if err := affectedOne(res, err); err != nil {
		return fmt.Errorf("sqlite: delete screen %d: %w", id, err)
	}
	return nil
}

// TouchScreen implements orders.Store.
func (s *Store) TouchScreen(ctx context.Context, id int64, at time.Time) error {
	seen, err := encodeTime("last seen", at)
	if err != nil {
		return fmt.Errorf("sqlite: touch screen %d: %w", id, err)
	}
	res, err := s.db.ExecContext(context.WithoutCancel(ctx), `UPDATE screens SET last_seen = ? WHERE id = ?`, seen, id)
	if err := affectedOne(res, err); err != nil {
		return fmt.Errorf("sqlite: touch screen %d: %w", id, err)
	}
	return nil
}

// affectedOne returns err, or orders.ErrNotFound if res changed no row.
func affectedOne(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return orders.ErrNotFound
	}
	return nil
}

// scanScreen reads a screen from a row of screenColumns.
func scanScreen(sc scanner) (orders.Screen, error) {
	var (
		s                orders.Screen
		role, station    string
		paired, lastSeen sql.NullInt64
	)
	if err := sc.Scan(&s.ID, &s.Name, &role, &station, &s.TokenHash, &paired, &lastSeen); err != nil {
		return orders.Screen{}, err
	}
	s.Role, s.Station = orders.Role(role), orders.Station(station)
	s.PairedAt, s.LastSeen = decodeTime(paired), decodeTime(lastSeen)
	return s, nil
}
