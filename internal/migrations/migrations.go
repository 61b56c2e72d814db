// Package migrations reads a store's schema migrations: SQL files named by
// version, 0001_orders.sql, 0002_....sql, embedded in the store's package.
// A migration is never edited once it has shipped; a change to the schema
// is a new file. Applying them is each store's own business: the SQL and
// the locking differ by database.
package migrations

import (
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// Migration is one file of migrations.
type Migration struct {
	Version int64 // the number the file name starts with
	Name    string
	SQL     string
}

// Sub returns the folder dir of fsys, an embedded file system that holds
// it: it panics if it does not.
func Sub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err) // the folder is embedded, so it is there
	}
	return sub
}

// Read returns the migrations in fsys by version, which must follow the
// order of the file names, each greater than the one before. Files that
// do not end in .sql are not migrations.
func Read(fsys fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			continue
		}
		prefix, _, found := strings.Cut(e.Name(), "_")
		v, err := strconv.ParseInt(prefix, 10, 64)
		if !found || err != nil || v < 1 {
			return nil, fmt.Errorf("migration %s: the name must be a version number from 1, '_' and a name", e.Name())
		}
		if n := len(out); n > 0 && v <= out[n-1].Version {
			return nil, fmt.Errorf("migration %s: version %d does not follow %s", e.Name(), v, out[n-1].Name)
		}
		b, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("migration %s: %w", e.Name(), err)
		}
		out = append(out, Migration{Version: v, Name: e.Name(), SQL: string(b)})
	}
	return out, nil
}

// CheckKnown returns an error when done, the versions a database has had,
// holds one newer than the last of ms: a newer program migrated it, and
// this one must not write to it.
func CheckKnown(ms []Migration, done map[int64]bool) error {
	var known int64
	if len(ms) > 0 {
		known = ms[len(ms)-1].Version
	}
	for v := range done {
		if v > known {
			return fmt.Errorf("the database has schema version %d; this program knows versions up to %d", v, known)
		}
	}
	return nil
}
