package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/ticketrail/ticketrail/orders"
)

// forgetInstancesAfter is how long the row of an instance that stopped
// reporting stays.
const forgetInstancesAfter = 24 * time.Hour

// Report implements orders.Roster: one statement that replaces the
// instance's row and deletes the rows of instances gone for a day. A
// report is not part of the log and wakes no one.
func (s *Store) Report(ctx context.Context, r orders.InstanceReport) error {
	at, err := encodeTime("report", r.At)
	if err != nil || at == nil {
		return fail("report", errors.Join(err, errors.New("a report needs its time")))
	}
	data := r.Data
	if data == nil {
		data = []byte{}
	}
	ctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	err = s.read(ctx, func() error {
		_, err := s.pool.Exec(ctx, `WITH gone AS (DELETE FROM instances WHERE reported_at < $4 AND name <> $1)
			INSERT INTO instances (name, reported_at, data) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO UPDATE SET reported_at = excluded.reported_at, data = excluded.data`,
			bytesOf(r.Instance), *at, data, *at-int64(forgetInstancesAfter))
		return err
	})
	if err != nil {
		return fail("report", err)
	}
	return nil
}

// Reports implements orders.Roster.
func (s *Store) Reports(ctx context.Context, since time.Time) ([]orders.InstanceReport, error) {
	var a args
	query := `SELECT name, reported_at, data FROM instances WHERE ` + atOrAfter("reported_at", since, &a) + ` ORDER BY name`
	var out []orders.InstanceReport
	err := s.read(ctx, func() error {
		out = out[:0]
		rows, err := s.pool.Query(ctx, query, a...)
		if err != nil {
			return err
		}
		var (
			name []byte
			at   pgtype.Int8
			data []byte
		)
		_, err = pgx.ForEachRow(rows, []any{&name, &at, &data}, func() error {
			out = append(out, orders.InstanceReport{Instance: string(name), At: decodeTime(at), Data: append([]byte(nil), data...)})
			return nil
		})
		return err
	})
	if err != nil {
		return nil, fail("reports", err)
	}
	return out, nil
}
