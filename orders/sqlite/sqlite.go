// Package sqlite keeps the kitchen's orders in an SQLite database, through
// modernc.org/sqlite, a pure Go port of SQLite that needs no cgo.
//
// A Store is one database file (or a private in-memory database). Every
// write is committed, and with synchronous=FULL synced to disk, before the
// method that makes it returns: an order the board has acknowledged
// survives a crash of the process and a loss of power. The schema is
// created and brought up to date by Open from the migrations embedded in
// the package.
//
// Every change to an order is one row of the order_history table: an entry
// of the order's history and, numbered by version, of the rail's log
// (orders.Entry), holding the order's state as the change left it.
// Versions count the changes from 1 with no gaps: a write takes the next
// one inside its transaction, which holds the database's write lock from
// its start.
package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ticketrail/ticketrail/orders"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// MemoryPath is the path that Open takes as a private in-memory database,
// gone when the Store is closed.
const MemoryPath = ":memory:"

// Store is an orders.Store that keeps orders in an SQLite database. It is
// safe for concurrent use: its single connection serialises the calls.
type Store struct {
	db   *sql.DB
	path string
	lock *os.File // holds the database's lock; nil for MemoryPath
}

var _ orders.Store = (*Store)(nil)

// Open opens (creating if needed) the database at path, or a private
// in-memory database for ":memory:" (MemoryPath), applies embedded schema
// migrations, and returns the store. Close it when done.
//
// A database is used by one Store at a time: Open takes an exclusive lock
// on the file path + LockSuffix, and fails at once, with an error wrapping
// ErrInUse that names the file and the process holding it, while another
// Store (in this process or another) has it. The lock goes with Close, or
// with the process.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("sqlite: open: empty path")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	var lock *os.File
	if path != MemoryPath {
		var err error
		if lock, err = lockDatabase(path); errors.Is(err, ErrInUse) {
			return nil, fmt.Errorf("sqlite: %w", err)
		} else if err != nil {
			return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
		}
	}
	s, err := openLocked(ctx, path)
	if err != nil {
		if lock != nil {
			lock.Close()
		}
		return nil, err
	}
	s.lock = lock
	return s, nil
}

// openLocked opens the database at path as Open does, once Open holds its
// lock.
func openLocked(ctx context.Context, path string) (*Store, error) {
	db, err := sql.Open("sqlite", dataSource(path))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	// One connection: the board makes one change at a time anyway, calls
	// never wait for each other's locks, and an in-memory database lives
	// in its connection, so it must be the only one and never be closed
	// while the Store is open (database/sql keeps an idle connection
	// forever unless told otherwise).
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	if _, err := migrate(ctx, db, migrationFiles()); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	return &Store{db: db, path: path}, nil
}

// dataSource returns the modernc.org/sqlite data source name for path. The
// pragmas run on every new connection: busy_timeout first, so that the
// others wait for a lock instead of failing.
func dataSource(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(1)")
	// FULL syncs the write-ahead log at every commit: an acknowledged order
	// survives power loss, not only a crash of the process.
	q.Add("_pragma", "synchronous(FULL)")
	// Transactions that write take the write lock when they begin, so
	// that two processes migrating the same file wait for each other
	// instead of failing; read-only transactions still begin deferred.
	q.Set("_txlock", "immediate")
	if path == MemoryPath {
		return MemoryPath + "?" + q.Encode()
	}
	q.Add("_pragma", "journal_mode(WAL)")
	return fileURI(path) + "?" + q.Encode()
}

// fileURI returns path as an SQLite URI filename, so that any path, also
// one holding '?' or '#', names the file it says.
func fileURI(path string) string {
	p := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(filepath.ToSlash(path))
	if strings.HasPrefix(p, "/") {
		return "file://" + p // an empty authority, then the absolute path
	}
	return "file:" + p
}

// Close closes the database and releases its lock. The Store must not be
// used after.
func (s *Store) Close() error {
	err := s.db.Close()
	if s.lock != nil {
		// After the database: the next Store opens it only once this one
		// has let go of it.
		if lerr := s.lock.Close(); err == nil {
			err = lerr
		}
	}
	if err != nil {
		return fmt.Errorf("sqlite: close %q: %w", s.path, err)
	}
	return nil
}

// Ready implements orders.Store: it writes to the database (one row of
// its health table) and returns nil if that succeeded, or the reason it
// did not, such as a database that is read-only or a full disk. It waits
// for a lock another process holds until ctx is done or at most the busy
// timeout, 5 seconds.
func (s *Store) Ready(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO health (id, checked_at) VALUES (1, ?)
		ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`, time.Now().UnixNano())
	if err != nil {
		return fmt.Errorf("sqlite: %s takes no writes: %w", s.path, err)
	}
	return nil
}

// columns are the columns of orders that make an orders.Order, in the
// order scanOrder reads them.
const columns = `id, number, source_id, destination, status, rush, recalled,
	items, notes, placed_at, fired_at, bumped_at, cancelled_at, done_stations,
	allergens, allergy, items_done`

// The queries repeat the conditions of the partial indexes of the
// migrations (0001_orders.sql, 0003_allergens_items_done.sql), so that
// they can use them; TestQueryPlans checks that they do.

// openSQL selects the orders on the rail (orders.Status.Open), in the
// order placed.
const openSQL = `SELECT ` + columns + ` FROM orders
	WHERE status IN ('` + string(orders.Received) + `', '` + string(orders.Fired) + `')
	ORDER BY id`

// bumpedSQL selects the bumped orders for which cond holds, in bump order
// or, if newestFirst, the other way round; those bumped at the same time
// in the order placed.
func bumpedSQL(cond string, newestFirst bool) string {
	order := "bumped_at"
	if newestFirst {
		order = "bumped_at DESC"
	}
	return `SELECT ` + columns + ` FROM orders
		WHERE status = '` + string(orders.Bumped) + `' AND ` + cond + `
		ORDER BY ` + order + `, id`
}

// cancelledSQL selects the cancelled orders for which cond holds, the
// newest cancel first; those cancelled at the same time in the order
// placed.
func cancelledSQL(cond string) string {
	return `SELECT ` + columns + ` FROM orders
		WHERE status = '` + string(orders.Cancelled) + `' AND ` + cond + `
		ORDER BY cancelled_at DESC, id`
}

// The conditions of findSQL that match an idempotency key and a source ID.
const (
	matchKey      = "(idempotency_key = ? AND idempotency_key <> '')"
	matchSourceID = "(source_id = ? AND source_id <> '')"
)

// findSQL selects the newest order for which one of the conditions match
// holds, and the condition placed, with its idempotency key and
// fingerprint after its columns.
func findSQL(match []string, placed string) string {
	return `SELECT ` + columns + `, idempotency_key, fingerprint FROM orders
		WHERE (` + strings.Join(match, " OR ") + `) AND ` + placed + `
		ORDER BY id DESC LIMIT 1`
}

// Insert implements orders.Store. Whatever ID and number o has, it gives
// o the ID one above the highest and the display number after that
// order's. It fails for a time that unix nanoseconds cannot hold (before
// late 1677 or after early 2262; a zero time is stored as "has not
// happened") and for an item or note that is not valid UTF-8, which JSON
// could not store exactly.
//
// Looking for an earlier order with the same key or source ID, and writing
// the order and its first entry, are one transaction that holds the
// database's write lock from its start, so no other write falls between
// them. Once begun, a write is not abandoned when ctx is done, so that an
// error always means that nothing was written: the driver would report a
// write interrupted just after its commit as failed. It waits at most the
// busy timeout, 5 seconds, for another process's lock.
func (s *Store) Insert(ctx context.Context, o orders.Order, idem orders.Idempotency, since time.Time, c orders.Change) (orders.Entry, error) {
	e, err := s.insert(ctx, o, idem, since, c)
	if err != nil {
		return orders.Entry{}, fmt.Errorf("sqlite: insert: %w", err)
	}
	return e, nil
}

func (s *Store) insert(ctx context.Context, o orders.Order, idem orders.Idempotency, since time.Time, c orders.Change) (orders.Entry, error) {
	if err := ctx.Err(); err != nil {
		return orders.Entry{}, err
	}
	items, notes, err := encodeLines(o)
	if err != nil {
		return orders.Entry{}, err
	}
	ts, err := encodeTimes(o)
	if err != nil {
		return orders.Entry{}, err
	}
	allergens, err := encodeAllergens(o.Allergens)
	if err != nil {
		return orders.Entry{}, err
	}
	at, err := encodeTime("change", c.At)
	if err != nil {
		return orders.Entry{}, err
	}
	var fingerprint any // NULL when there is none
	if len(idem.Fingerprint) > 0 {
		fingerprint = idem.Fingerprint
	}
	ctx = context.WithoutCancel(ctx)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return orders.Entry{}, err
	}
	defer tx.Rollback() // a no-op after Commit
	prior, err := find(ctx, tx, idem.Key, o.SourceID, since)
	if err != nil {
		return orders.Entry{}, fmt.Errorf("look for an earlier order: %w", err)
	}
	if prior != nil {
		return orders.Entry{}, prior
	}
	var lastID int64
	var lastNumber int
	err = tx.QueryRowContext(ctx, lastOrderSQL).Scan(&lastID, &lastNumber)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return orders.Entry{}, fmt.Errorf("read the last order: %w", err)
	}
	row := tx.QueryRowContext(ctx, `INSERT INTO orders (`+columns+`, idempotency_key, fingerprint)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		RETURNING `+columns,
		lastID+1, orders.NextNumber(lastNumber), o.SourceID, string(o.Destination), string(o.Status),
		flag(o.Rush), flag(o.Recalled), string(items), string(notes), ts[0], ts[1], ts[2], ts[3],
		encodeDone(o.Done), allergens, flag(o.Allergy), encodeItemsDone(o.ItemsDone), idem.Key, fingerprint)
	stored, err := scanOrder(row)
	if err != nil {
		return orders.Entry{}, err
	}
	e := orders.Entry{Kind: orders.EventPlaced, Order: stored, Change: c}
	if e.Version, err = addEntry(ctx, tx, e, at); err != nil {
		return orders.Entry{}, err
	}
	if err := tx.Commit(); err != nil {
		return orders.Entry{}, fmt.Errorf("commit: %w", err)
	}
	return e, nil
}

// lastOrderSQL selects the ID and number of the newest order.
const lastOrderSQL = `SELECT id, number FROM orders ORDER BY id DESC LIMIT 1`

// lastVersionSQL selects the version of the last change in the log, NULL
// for none.
const lastVersionSQL = `SELECT max(version) FROM order_history`

// stateColumns are the columns of orders that change after an order is
// placed; the log holds them as each change left them.
const stateColumns = `status, recalled, done_stations, items_done, fired_at, bumped_at, cancelled_at`

// addEntrySQL appends an entry to the log and its order's history, with
// the order's state as the orders table holds it.
const addEntrySQL = `INSERT INTO order_history (order_id, at, actor, action, version, kind, station, item,
		` + stateColumns + `)
	SELECT id, ?, ?, ?, ?, ?, ?, ?, ` + stateColumns + ` FROM orders WHERE id = ?`

// addEntry appends e, made at at (encoded), to the log at its next version
// and to the history of e.Order, whose state it copies from the orders
// table; it returns the version. The caller has written the order in tx,
// which holds the write lock, so that no other process takes the version.
func addEntry(ctx context.Context, tx *sql.Tx, e orders.Entry, at any) (uint64, error) {
	var last sql.NullInt64
	if err := tx.QueryRowContext(ctx, lastVersionSQL).Scan(&last); err != nil {
		return 0, fmt.Errorf("read the version: %w", err)
	}
	version := last.Int64 + 1
	res, err := tx.ExecContext(ctx, addEntrySQL, at, e.Change.Actor, e.Change.Action, version,
		string(e.Kind), string(e.Station), e.Item, e.Order.ID)
	if err := affectedOne(res, err); err != nil {
		return 0, fmt.Errorf("record the change: %w", err)
	}
	return uint64(version), nil
}

// Update implements orders.Store. Reading the order, calling edit and
// writing what it did are one transaction that holds the database's write
// lock from its start, so no other write falls between them. Only the
// fields that change after an order is placed are written; the entry's
// order is the order as stored. An error of edit is returned as it is,
// the others begin "sqlite: update ID: ". Like Insert, once begun it is
// not abandoned when ctx is done, and it refuses times out of range.
func (s *Store) Update(ctx context.Context, id int64, edit orders.Edit) (orders.Entry, error) {
	e, refused, err := s.update(ctx, id, edit)
	if refused != nil {
		return e, refused
	}
	if err != nil {
		return e, fmt.Errorf("sqlite: update %d: %w", id, err)
	}
	return e, nil
}

// update is Update, but returns the error of edit apart, as refused.
// After an error it returns the order as stored, if it read it.
func (s *Store) update(ctx context.Context, id int64, edit orders.Edit) (e orders.Entry, refused, err error) {
	if err := ctx.Err(); err != nil {
		return orders.Entry{}, nil, err
	}
	ctx = context.WithoutCancel(ctx)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return orders.Entry{}, nil, err
	}
	defer tx.Rollback() // a no-op after Commit
	cur, err := scanOrder(tx.QueryRowContext(ctx, getSQL, id))
	if errors.Is(err, sql.ErrNoRows) {
		return orders.Entry{}, nil, orders.ErrNotFound
	}
	if err != nil {
		return orders.Entry{}, nil, err
	}
	o := cur
	o.Done, o.ItemsDone = slices.Clone(cur.Done), slices.Clone(cur.ItemsDone)
	if e, err = edit(&o); err != nil {
		return orders.Entry{Order: cur}, err, nil
	}
	if e.Kind == "" {
		return orders.Entry{Order: cur}, nil, nil
	}
	// The placed time is not written, so it is not checked.
	var ts [3]any
	names := [3]string{"fired", "bumped", "cancelled"}
	for i, t := range [3]time.Time{o.FiredAt, o.BumpedAt, o.CancelledAt} {
		if ts[i], err = encodeTime(names[i], t); err != nil {
			return orders.Entry{Order: cur}, nil, err
		}
	}
	at, err := encodeTime("change", e.Change.At)
	if err != nil {
		return orders.Entry{Order: cur}, nil, err
	}
	row := tx.QueryRowContext(ctx, `UPDATE orders
		SET status = ?, recalled = ?, fired_at = ?, bumped_at = ?, cancelled_at = ?, done_stations = ?,
			items_done = ?
		WHERE id = ?
		RETURNING `+columns,
		string(o.Status), flag(o.Recalled), ts[0], ts[1], ts[2], encodeDone(o.Done),
		encodeItemsDone(o.ItemsDone), id)
	if e.Order, err = scanOrder(row); err != nil {
		return orders.Entry{Order: cur}, nil, err
	}
	if e.Version, err = addEntry(ctx, tx, e, at); err != nil {
		return orders.Entry{Order: cur}, nil, err
	}
	if err := tx.Commit(); err != nil {
		return orders.Entry{Order: cur}, nil, fmt.Errorf("commit: %w", err)
	}
	return e, nil, nil
}

// logColumns are the columns that make the order of a log entry, in the
// order of columns: those of orders (o) that never change after an order
// is placed, and the log's own (h) for stateColumns. TestLogColumns checks
// that they agree.
const logColumns = `o.id, o.number, o.source_id, o.destination, h.status, o.rush, h.recalled,
	o.items, o.notes, o.placed_at, h.fired_at, h.bumped_at, h.cancelled_at, h.done_stations,
	o.allergens, o.allergy, h.items_done`

// logSQL selects up to a number of log entries after a version, in version
// order: the order's columns as logColumns, then the entry's own.
const logSQL = `SELECT ` + logColumns + `, h.version, h.kind, h.station, h.item, h.at, h.actor, h.action
	FROM order_history h JOIN orders o ON o.id = h.order_id
	WHERE h.version > ?
	ORDER BY h.version LIMIT ?`

// Log implements orders.Store. The changes recorded before the log was
// kept are in their orders' histories only.
func (s *Store) Log(ctx context.Context, after uint64, limit int) ([]orders.Entry, error) {
	if limit <= 0 || after >= math.MaxInt64 {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, logSQL, int64(after), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: log: %w", err)
	}
	defer rows.Close()
	var out []orders.Entry
	for rows.Next() {
		var (
			e             orders.Entry
			kind, station string
			at            sql.NullInt64
			version       int64
		)
		o, err := scanOrder(withMore{rows, []any{&version, &kind, &station, &e.Item, &at, &e.Change.Actor, &e.Change.Action}})
		if err != nil {
			return nil, fmt.Errorf("sqlite: log: %w", err)
		}
		e.Version, e.Kind, e.Station, e.Order = uint64(version), orders.EventKind(kind), orders.Station(station), o
		e.Change.At = decodeTime(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: log: %w", err)
	}
	return out, nil
}

// History implements orders.Store: the changes in the order they were
// written. An order placed before histories were kept has none.
func (s *Store) History(ctx context.Context, id int64) ([]orders.Change, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT h.seq, h.at, h.actor, h.action
		FROM orders o LEFT JOIN order_history h ON h.order_id = o.id
		WHERE o.id = ? ORDER BY h.seq`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: history %d: %w", id, err)
	}
	defer rows.Close()
	found := false
	var out []orders.Change
	for rows.Next() {
		found = true
		var (
			seq, at       sql.NullInt64
			actor, action sql.NullString
		)
		if err := rows.Scan(&seq, &at, &actor, &action); err != nil {
			return nil, fmt.Errorf("sqlite: history %d: %w", id, err)
		}
		if seq.Valid {
			out = append(out, orders.Change{At: decodeTime(at), Actor: actor.String, Action: action.String})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: history %d: %w", id, err)
	}
	if !found {
		return nil, fmt.Errorf("sqlite: history %d: %w", id, orders.ErrNotFound)
	}
	return out, nil
}

// getSQL selects the order with an ID.
const getSQL = `SELECT ` + columns + ` FROM orders WHERE id = ?`

// Get implements orders.Store.
func (s *Store) Get(ctx context.Context, id int64) (orders.Order, error) {
	o, err := scanOrder(s.db.QueryRowContext(ctx, getSQL, id))
	if errors.Is(err, sql.ErrNoRows) {
		return orders.Order{}, fmt.Errorf("sqlite: get %d: %w", id, orders.ErrNotFound)
	}
	if err != nil {
		return orders.Order{}, fmt.Errorf("sqlite: get %d: %w", id, err)
	}
	return o, nil
}

// Find implements orders.Store. The newest order is the one with the
// highest ID.
func (s *Store) Find(ctx context.Context, key, sourceID string, since time.Time) (orders.Order, orders.Idempotency, error) {
	prior, err := find(ctx, s.db, key, sourceID, since)
	if err != nil {
		return orders.Order{}, orders.Idempotency{}, fmt.Errorf("sqlite: find: %w", err)
	}
	if prior == nil {
		return orders.Order{}, orders.Idempotency{}, fmt.Errorf("sqlite: find: %w", orders.ErrNotFound)
	}
	return prior.Order, prior.Idempotency, nil
}

// find returns the newest order placed at or after since with the given
// idempotency key or source ID, either not "", and what it was inserted
// with; nil if there is none.
func find(ctx context.Context, q querier, key, sourceID string, since time.Time) (*orders.PriorError, error) {
	var match []string
	var args []any
	if key != "" {
		match = append(match, matchKey)
		args = append(args, key)
	}
	if sourceID != "" {
		match = append(match, matchSourceID)
		args = append(args, sourceID)
	}
	if len(match) == 0 {
		return nil, nil
	}
	placed, placedArgs := atOrAfter("placed_at", since)
	row := q.QueryRowContext(ctx, findSQL(match, placed), append(args, placedArgs...)...)
	var prior orders.PriorError
	o, err := scanOrder(withMore{row, []any{&prior.Idempotency.Key, &prior.Idempotency.Fingerprint}})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	prior.Order = o
	if len(prior.Idempotency.Fingerprint) == 0 {
		prior.Idempotency.Fingerprint = nil
	}
	return &prior, nil
}

// withMore is a scanner that scans the columns of an order and then more.
type withMore struct {
	sc   scanner
	more []any
}

// Scan scans into dest and then into the more of m.
func (m withMore) Scan(dest ...any) error { return m.sc.Scan(append(dest, m.more...)...) }

// List implements orders.Store. The order placed is the order of IDs. A
// negative limit means no limit, as it does for orders.MemoryStore.
func (s *Store) List(ctx context.Context, limit int, statuses ...orders.Status) ([]orders.Order, error) {
	if limit == 0 {
		return nil, nil
	}
	query := `SELECT ` + columns + ` FROM orders`
	args := make([]any, 0, len(statuses)+1)
	if len(statuses) > 0 {
		query += ` WHERE status IN (?` + strings.Repeat(", ?", len(statuses)-1) + `)`
		for _, st := range statuses {
			args = append(args, string(st))
		}
	}
	// The newest limit orders, then turned around. SQLite takes a
	// negative limit as none.
	query += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit)
	out, err := queryOrders(ctx, s.db, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list: %w", err)
	}
	slices.Reverse(out)
	return out, nil
}

// Bumped implements orders.Store. Orders bumped at the same time come in
// the order of their IDs.
func (s *Store) Bumped(ctx context.Context, since time.Time) ([]orders.Order, error) {
	cond, args := atOrAfter("bumped_at", since)
	out, err := queryOrders(ctx, s.db, bumpedSQL(cond, false), args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: bumped: %w", err)
	}
	return out, nil
}

// Load implements orders.Store. It reads in one transaction, so what it
// returns is one moment's state: the orders as the last change in the log,
// whose version it returns, left them. A database written before the log
// was kept has version 0 until its first change.
func (s *Store) Load(ctx context.Context, recentSince time.Time) (orders.Saved, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return orders.Saved{}, fmt.Errorf("sqlite: load: %w", err)
	}
	defer tx.Rollback() // it only read

	var saved orders.Saved
	saved.Open, err = queryOrders(ctx, tx, openSQL)
	if err != nil {
		return orders.Saved{}, fmt.Errorf("sqlite: load open orders: %w", err)
	}
	cond, args := atOrAfter("bumped_at", recentSince)
	bumped, err := queryOrders(ctx, tx, bumpedSQL(cond, true), args...)
	if err != nil {
		return orders.Saved{}, fmt.Errorf("sqlite: load bumped orders: %w", err)
	}
	cond, args = atOrAfter("cancelled_at", recentSince)
	cancelled, err := queryOrders(ctx, tx, cancelledSQL(cond), args...)
	if err != nil {
		return orders.Saved{}, fmt.Errorf("sqlite: load cancelled orders: %w", err)
	}
	saved.Recent = mergeRecent(bumped, cancelled)
	var version sql.NullInt64
	if err := tx.QueryRowContext(ctx, lastVersionSQL).Scan(&version); err != nil {
		return orders.Saved{}, fmt.Errorf("sqlite: load the version: %w", err)
	}
	saved.Version = uint64(version.Int64)
	return saved, nil
}

// mergeRecent merges bumped orders (newest bump first) and cancelled orders
// (newest cancel first), each list with ties in the order placed, into one
// list by the time each left the rail, the newest first, ties in the order
// placed.
func mergeRecent(bumped, cancelled []orders.Order) []orders.Order {
	if len(bumped)+len(cancelled) == 0 {
		return nil
	}
	out := make([]orders.Order, 0, len(bumped)+len(cancelled))
	for len(bumped) > 0 && len(cancelled) > 0 {
		b, c := bumped[0], cancelled[0]
		if b.BumpedAt.After(c.CancelledAt) || b.BumpedAt.Equal(c.CancelledAt) && b.ID < c.ID {
			out, bumped = append(out, b), bumped[1:]
		} else {
			out, cancelled = append(out, c), cancelled[1:]
		}
	}
	return append(append(out, bumped...), cancelled...)
}

// atOrAfter returns an SQL condition that holds where column, a time
// column, is not before t, and its arguments. Times are unix nanoseconds
// and NULL is the zero time, which is before every other time.
func atOrAfter(column string, t time.Time) (string, []any) {
	switch {
	case t.IsZero() || t.Before(time.Time{}):
		return "1", nil
	case t.Before(time.Unix(0, math.MinInt64)):
		return column + " IS NOT NULL", nil
	case t.After(time.Unix(0, math.MaxInt64)):
		return "0", nil
	}
	return column + " >= ?", []any{t.UnixNano()}
}

// encodeTimes returns o's placed, fired, bumped and cancelled times as
// column values (see encodeTime).
func encodeTimes(o orders.Order) ([4]any, error) {
	var out [4]any
	names := [4]string{"placed", "fired", "bumped", "cancelled"}
	for i, t := range [4]time.Time{o.PlacedAt, o.FiredAt, o.BumpedAt, o.CancelledAt} {
		v, err := encodeTime(names[i], t)
		if err != nil {
			return out, err
		}
		out[i] = v
	}
	return out, nil
}

// encodeTime returns t as a column value: unix nanoseconds, or nil for a
// zero time. It fails for a time unix nanoseconds cannot hold; what names
// the time in the error.
func encodeTime(what string, t time.Time) (any, error) {
	if t.IsZero() {
		return nil, nil
	}
	if t.Before(time.Unix(0, math.MinInt64)) || t.After(time.Unix(0, math.MaxInt64)) {
		return nil, fmt.Errorf("%s time %v is out of range: it must be from %v to %v",
			what, t, time.Unix(0, math.MinInt64).UTC(), time.Unix(0, math.MaxInt64).UTC())
	}
	return t.UnixNano(), nil
}

// decodeTime returns the time that encodeTimes stored as n.
func decodeTime(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64)
}

// flag returns b as an INTEGER column value.
func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

// storedItem is an orders.Item as the items column holds it. It has its
// own JSON names so that the database does not change when the JSON of the
// API does.
type storedItem struct {
	Quantity  int      `json:"quantity"`
	Name      string   `json:"name"`
	Station   string   `json:"station"`
	Modifiers []string `json:"modifiers,omitempty"`
	Allergens []string `json:"allergens,omitempty"`
}

// encodeLines returns o's items and notes as JSON for the items and notes
// columns.
func encodeLines(o orders.Order) (items, notes []byte, err error) {
	// JSON would replace bytes that are not UTF-8; refuse them rather
	// than store something else than was given.
	for i, it := range o.Items {
		if !utf8.ValidString(it.Name) || !utf8.ValidString(string(it.Station)) {
			return nil, nil, fmt.Errorf("items[%d] is not valid UTF-8", i)
		}
		for j, m := range it.Modifiers {
			if !utf8.ValidString(m) {
				return nil, nil, fmt.Errorf("items[%d].modifiers[%d] is not valid UTF-8", i, j)
			}
		}
		for j, a := range it.Allergens {
			if !utf8.ValidString(a) {
				return nil, nil, fmt.Errorf("items[%d].allergens[%d] is not valid UTF-8", i, j)
			}
		}
	}
	for i, n := range o.Notes {
		if !utf8.ValidString(n) {
			return nil, nil, fmt.Errorf("notes[%d] is not valid UTF-8", i)
		}
	}
	var stored []storedItem
	if o.Items != nil {
		stored = make([]storedItem, len(o.Items))
		for i, it := range o.Items {
			stored[i] = storedItem{Quantity: it.Quantity, Name: it.Name, Station: string(it.Station),
				Modifiers: it.Modifiers, Allergens: it.Allergens}
		}
	}
	if items, err = json.Marshal(stored); err != nil {
		return nil, nil, fmt.Errorf("encode items: %w", err)
	}
	if notes, err = json.Marshal(o.Notes); err != nil {
		return nil, nil, fmt.Errorf("encode notes: %w", err)
	}
	return items, notes, nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// scanOrder reads an order from a row of columns.
func scanOrder(sc scanner) (orders.Order, error) {
	var (
		o                                orders.Order
		destination, status              string
		items, notes, done               []byte
		allergens, itemsDone             []byte
		placed, fired, bumped, cancelled sql.NullInt64
	)
	err := sc.Scan(&o.ID, &o.Number, &o.SourceID, &destination, &status, &o.Rush, &o.Recalled,
		&items, &notes, &placed, &fired, &bumped, &cancelled, &done,
		&allergens, &o.Allergy, &itemsDone)
	if err != nil {
		return orders.Order{}, err
	}
	o.Destination, o.Status = orders.Destination(destination), orders.Status(status)
	var stored []storedItem
	if err := json.Unmarshal(items, &stored); err != nil {
		return orders.Order{}, fmt.Errorf("order %d: decode items: %w", o.ID, err)
	}
	if stored != nil {
		o.Items = make([]orders.Item, len(stored))
		for i, it := range stored {
			o.Items[i] = orders.Item{Quantity: it.Quantity, Name: it.Name, Station: orders.Station(it.Station),
				Modifiers: it.Modifiers, Allergens: it.Allergens}
		}
	}
	if err := json.Unmarshal(notes, &o.Notes); err != nil {
		return orders.Order{}, fmt.Errorf("order %d: decode notes: %w", o.ID, err)
	}
	if err := json.Unmarshal(done, &o.Done); err != nil {
		return orders.Order{}, fmt.Errorf("order %d: decode done stations: %w", o.ID, err)
	}
	if len(o.Done) == 0 {
		o.Done = nil
	}
	if err := json.Unmarshal(allergens, &o.Allergens); err != nil {
		return orders.Order{}, fmt.Errorf("order %d: decode allergens: %w", o.ID, err)
	}
	if len(o.Allergens) == 0 {
		o.Allergens = nil
	}
	if err := json.Unmarshal(itemsDone, &o.ItemsDone); err != nil {
		return orders.Order{}, fmt.Errorf("order %d: decode items done: %w", o.ID, err)
	}
	if len(o.ItemsDone) == 0 {
		o.ItemsDone = nil
	}
	o.PlacedAt, o.FiredAt = decodeTime(placed), decodeTime(fired)
	o.BumpedAt, o.CancelledAt = decodeTime(bumped), decodeTime(cancelled)
	return o, nil
}

// querier is a *sql.DB or *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// queryOrders returns the orders that query selects; it selects columns.
func queryOrders(ctx context.Context, q querier, query string, args ...any) ([]orders.Order, error) {
	rows, err := q.QueryContext(ctx, query, args...)
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
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// encodeDone is the JSON array of done stations; station names are plain
// words, so it cannot fail.
func encodeDone(done []orders.Station) string {
	if len(done) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(done)
	return string(b)
}

// encodeAllergens is the JSON array of an order's allergens. Like items,
// they must be valid UTF-8, which JSON could not store exactly otherwise.
func encodeAllergens(names []string) (string, error) {
	if len(names) == 0 {
		return "[]", nil
	}
	for i, a := range names {
		if !utf8.ValidString(a) {
			return "", fmt.Errorf("allergens[%d] is not valid UTF-8", i)
		}
	}
	b, err := json.Marshal(names)
	if err != nil {
		return "", fmt.Errorf("encode allergens: %w", err)
	}
	return string(b), nil
}

// encodeItemsDone is the JSON array of the indexes of the items done;
// numbers cannot fail to encode.
func encodeItemsDone(done []int) string {
	if len(done) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(done)
	return string(b)
}
