package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/ticketrail/ticketrail/internal/migrations"
)

// migrationsFS holds the schema migrations, one SQL file each, named by
// version: 0001_rail.sql, 0002_....sql. A migration is never edited once it
// has shipped; a change to the schema is a new file.
//
//go:embed migrations/*.sql
var migrationsFS embed.FS

// migrateLock is the key of the session-level advisory lock that a store
// holds while it migrates, so that of several processes that open one
// database at once, one migrates and the others wait and find it done.
// Advisory locks belong to a database, so other databases of the same
// server do not wait.
const migrateLock int64 = 0x7261696c_6d696772 // "railmigr"

// migrationFiles returns the folder of embedded migrations.
func migrationFiles() fs.FS { return migrations.Sub(migrationsFS, "migrations") }

// migrate applies the migrations in fsys that the database has not had,
// in order, each in its own transaction, and returns the versions it
// applied. It holds migrateLock meanwhile, on conn. It refuses a database
// that has had a migration this program does not know, which a newer
// program wrote.
func migrate(ctx context.Context, conn *pgx.Conn, fsys fs.FS) (applied []int64, err error) {
	ms, err := migrations.Read(fsys)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrateLock); err != nil {
		return nil, fmt.Errorf("lock for migrations: %w", err)
	}
	defer func() {
		_, uerr := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrateLock)
		if uerr != nil && err == nil {
			err = fmt.Errorf("unlock after migrations: %w", uerr)
		}
	}()
	_, err = conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    bigint      PRIMARY KEY,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`)
	if err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	done, err := appliedVersions(ctx, conn)
	if err != nil {
		return nil, err
	}
	if err := migrations.CheckKnown(ms, done); err != nil {
		return nil, err
	}
	for _, m := range ms {
		if done[m.Version] {
			continue
		}
		if err := applyMigration(ctx, conn, m); err != nil {
			return applied, err
		}
		applied = append(applied, m.Version)
	}
	return applied, nil
}

// appliedVersions returns the versions of the migrations the database has
// had.
func appliedVersions(ctx context.Context, conn *pgx.Conn) (map[int64]bool, error) {
	rows, err := conn.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	done := make(map[int64]bool, len(versions))
	for _, v := range versions {
		done[v] = true
	}
	return done, nil
}

// applyMigration applies m and records it, in one transaction.
func applyMigration(ctx context.Context, conn *pgx.Conn, m migrations.Migration) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("migration %s: %w", m.Name, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) // a no-op after Commit
	// Without arguments, Exec sends the file as one simple query, which
	// may hold several statements.
	if _, err := tx.Exec(ctx, m.SQL); err != nil {
		return fmt.Errorf("migration %s: %w", m.Name, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, m.Version); err != nil {
		return fmt.Errorf("migration %s: %w", m.Name, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("migration %s: commit: %w", m.Name, err)
	}
	return nil
}
