package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"time"

	"github.com/ticketrail/ticketrail/internal/migrations"
)

// migrationsFS holds the schema migrations, one SQL file each, named by
// version: 0001_orders.sql, 0002_....sql. A migration is never edited once
// it has shipped; a change to the schema is a new file.
//
//go:embed migrations/*.sql
var migrationsFS embed.FS

// migrationFiles returns the folder of embedded migrations.
func migrationFiles() fs.FS { return migrations.Sub(migrationsFS, "migrations") }

// migrate applies the migrations in fsys that db has not had yet, each in
// its own transaction, in order, and returns the versions it applied. It
// refuses a database that has had a migration this program does not know,
// which a newer program wrote.
func migrate(ctx context.Context, db *sql.DB, fsys fs.FS) ([]int64, error) {
	ms, err := migrations.Read(fsys)
	if err != nil {
		return nil, err
	}
	_, err = db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at INTEGER NOT NULL -- unix nanoseconds
	) STRICT`)
	if err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	done, err := appliedVersions(ctx, db)
	if err != nil {
		return nil, err
	}
	if err := migrations.CheckKnown(ms, done); err != nil {
		return nil, err
	}
	var applied []int64
	for _, m := range ms {
		if done[m.Version] {
			continue
		}
		ok, err := applyMigration(ctx, db, m)
		if err != nil {
			return applied, err
		}
		if ok {
			applied = append(applied, m.Version)
		}
	}
	return applied, nil
}

// appliedVersions returns the versions of the migrations db has had.
func appliedVersions(ctx context.Context, db *sql.DB) (map[int64]bool, error) {
	rows, err := db.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	done := make(map[int64]bool)
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("read schema_migrations: %w", err)
		}
		done[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	return done, nil
}

// applyMigration applies m in a transaction unless the database has had it
// by now (another process may have applied it meanwhile), and reports
// whether it did.
func applyMigration(ctx context.Context, db *sql.DB, m migrations.Migration) (bool, error) {
	// With _txlock=immediate the transaction holds the write lock from
	// its start, so a second process opening the same file waits here and
	// then finds the migration applied.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("migration %s: %w", m.Name, err)
	}
	defer tx.Rollback() // a no-op after Commit
	var n int
	err = tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("migration %s: %w", m.Name, err)
	}
	if n > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return false, fmt.Errorf("migration %s: %w", m.Name, err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
		m.Version, time.Now().UnixNano())
	if err != nil {
		return false, fmt.Errorf("migration %s: %w", m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("migration %s: commit: %w", m.Name, err)
	}
	return true, nil
}
