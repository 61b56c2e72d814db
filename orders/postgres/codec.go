package postgres

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/ticketrail/ticketrail/orders"
)

// orderColumns are the columns of orders (as o) that make an
// orders.Order, in the order scanOrder reads them.
const orderColumns = `o.id, o.number, o.source_id, o.destination, o.status, o.rush, o.recalled,
	o.items, o.notes, o.allergens, o.allergy, o.done_stations, o.items_done,
	o.placed_at, o.fired_at, o.bumped_at, o.cancelled_at`

// entryColumns are the columns of changes (as c) and orders (as o) that
// make an orders.Entry, in the order scanEntry reads them: the order as
// the change left it takes its mutable state from the change.
const entryColumns = `c.version, c.kind, c.station, c.item, c.at, c.actor, c.action,
	o.id, o.number, o.source_id, o.destination, c.status, o.rush, c.recalled,
	o.items, o.notes, o.allergens, o.allergy, c.done_stations, c.items_done,
	o.placed_at, c.fired_at, c.bumped_at, c.cancelled_at`

// args collects the arguments of a query as it is written.
type args []any

// add appends v to the arguments and returns its placeholder, $1, $2...
func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// bytesOf returns s as a bytea value: never nil, which would be NULL.
func bytesOf(s string) []byte {
	if s == "" {
		return []byte{}
	}
	return []byte(s)
}

// The range of times that unix nanoseconds in a bigint hold.
var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// encodeTime returns t as a column value: unix nanoseconds, or nil (NULL)
// for the zero time. It fails for a time that unix nanoseconds cannot hold
// (before late 1677 or after early 2262); what names the time in the
// error.
func encodeTime(what string, t time.Time) (*int64, error) {
	if t.IsZero() {
		return nil, nil
	}
	if t.Before(minTime) || t.After(maxTime) {
		return nil, fmt.Errorf("%s time %v is out of range: it must be from %v to %v",
			what, t, minTime.UTC(), maxTime.UTC())
	}
	n := t.UnixNano()
	return &n, nil
}

// decodeTime returns the time that encodeTime stored as n.
func decodeTime(n pgtype.Int8) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64)
}

// atOrAfter returns an SQL condition that holds where column, a time
// column, is not before t, adding its argument to a. NULL is the zero
// time, which is before every other time.
func atOrAfter(column string, t time.Time, a *args) string {
	switch {
	case !t.After(time.Time{}):
		return "true"
	case t.Before(minTime):
		return column + " IS NOT NULL"
	case t.After(maxTime):
		return "false"
	}
	return column + " >= " + a.add(t.UnixNano())
}

// storedItem is an orders.Item as the items column holds it. It has its
// own JSON names so that the database does not change when the JSON of
// the API does.
type storedItem struct {
	Quantity  int      `json:"quantity"`
	Name      string   `json:"name"`
	Station   string   `json:"station"`
	Modifiers []string `json:"modifiers,omitempty"`
	Allergens []string `json:"allergens,omitempty"`
}

// orderRow is an order's columns, encoded.
type orderRow struct {
	sourceID, key, fingerprint, destination []byte
	items, notes, allergens                 string
	state                                   stateRow
	placed                                  *int64
}

// stateRow is the columns of an order's mutable state, which orders and
// changes both have.
type stateRow struct {
	status                   string
	recalled                 bool
	done, itemsDone          string
	fired, bumped, cancelled *int64
}

// encodeOrder returns the columns of o, inserted with idem. It fails for a
// time encodeTime refuses and for a text held in JSON that is not valid
// UTF-8, which JSON would not keep as given.
func encodeOrder(o orders.Order, idem orders.Idempotency) (orderRow, error) {
	r := orderRow{sourceID: bytesOf(o.SourceID), key: bytesOf(idem.Key), destination: bytesOf(string(o.Destination))}
	if len(idem.Fingerprint) > 0 {
		r.fingerprint = idem.Fingerprint
	}
	stored := make([]storedItem, len(o.Items))
	for i, it := range o.Items {
		field := fmt.Sprintf("items[%d]", i)
		if err := checkUTF8(field+".name", it.Name); err != nil {
			return r, err
		}
		if err := checkUTF8(field+".station", string(it.Station)); err != nil {
			return r, err
		}
		if err := checkAllUTF8(field+".modifiers", it.Modifiers); err != nil {
			return r, err
		}
		if err := checkAllUTF8(field+".allergens", it.Allergens); err != nil {
			return r, err
		}
		stored[i] = storedItem{Quantity: it.Quantity, Name: it.Name, Station: string(it.Station),
			Modifiers: it.Modifiers, Allergens: it.Allergens}
	}
	var err error
	if r.items, err = encodeJSON("items", stored); err != nil {
		return r, err
	}
	if err := checkAllUTF8("notes", o.Notes); err != nil {
		return r, err
	}
	if r.notes, err = encodeJSON("notes", orEmpty(o.Notes)); err != nil {
		return r, err
	}
	if err := checkAllUTF8("allergens", o.Allergens); err != nil {
		return r, err
	}
	if r.allergens, err = encodeJSON("allergens", orEmpty(o.Allergens)); err != nil {
		return r, err
	}
	if r.placed, err = encodeTime("placed", o.PlacedAt); err != nil {
		return r, err
	}
	r.state, err = encodeState(o)
	return r, err
}

// encodeState returns the columns of o's mutable state.
func encodeState(o orders.Order) (stateRow, error) {
	r := stateRow{status: string(o.Status), recalled: o.Recalled}
	done := make([]string, len(o.Done))
	for i, s := range o.Done {
		done[i] = string(s)
	}
	if err := checkAllUTF8("done stations", done); err != nil {
		return r, err
	}
	var err error
	if r.done, err = encodeJSON("done stations", done); err != nil {
		return r, err
	}
	if r.itemsDone, err = encodeJSON("items done", orEmpty(o.ItemsDone)); err != nil {
		return r, err
	}
	if r.fired, err = encodeTime("fired", o.FiredAt); err != nil {
		return r, err
	}
	if r.bumped, err = encodeTime("bumped", o.BumpedAt); err != nil {
		return r, err
	}
	if r.cancelled, err = encodeTime("cancelled", o.CancelledAt); err != nil {
		return r, err
	}
	return r, nil
}

// checkUTF8 returns an error naming field if s is not valid UTF-8.
func checkUTF8(field, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s is not valid UTF-8", field)
	}
	return nil
}

// checkAllUTF8 returns an error naming field and the index if one of ss is
// not valid UTF-8.
func checkAllUTF8(field string, ss []string) error {
	for i, s := range ss {
		if err := checkUTF8(fmt.Sprintf("%s[%d]", field, i), s); err != nil {
			return err
		}
	}
	return nil
}

// orEmpty returns s, or an empty slice for nil, which JSON writes as
// null.
func orEmpty[S ~[]E, E any](s S) S {
	if s == nil {
		return S{}
	}
	return s
}

// encodeJSON returns v as JSON text for a json column.
func encodeJSON(what string, v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", what, err)
	}
	return string(b), nil
}

// scanner is a pgx.Row or pgx.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// scanOrder reads an order from a row of orderColumns, after the columns
// that first scans into.
func scanOrder(sc scanner, first ...any) (orders.Order, error) {
	var (
		o                                orders.Order
		sourceID, destination            []byte
		status                           string
		items, notes, allergens          []byte
		done, itemsDone                  []byte
		placed, fired, bumped, cancelled pgtype.Int8
	)
	dest := append(first, &o.ID, &o.Number, &sourceID, &destination, &status, &o.Rush, &o.Recalled,
		&items, &notes, &allergens, &o.Allergy, &done, &itemsDone,
		&placed, &fired, &bumped, &cancelled)
	if err := sc.Scan(dest...); err != nil {
		return orders.Order{}, err
	}
	o.SourceID, o.Destination, o.Status = string(sourceID), orders.Destination(destination), orders.Status(status)
	var stored []storedItem
	if err := json.Unmarshal(items, &stored); err != nil {
		return orders.Order{}, fmt.Errorf("order %d: decode items: %w", o.ID, err)
	}
	if len(stored) > 0 {
		o.Items = make([]orders.Item, len(stored))
		for i, it := range stored {
			o.Items[i] = orders.Item{Quantity: it.Quantity, Name: it.Name, Station: orders.Station(it.Station),
				Modifiers: it.Modifiers, Allergens: it.Allergens}
		}
	}
	for _, f := range []struct {
		what string
		data []byte
		into any
	}{
		{"notes", notes, &o.Notes},
		{"allergens", allergens, &o.Allergens},
		{"done stations", done, &o.Done},
		{"items done", itemsDone, &o.ItemsDone},
	} {
		if err := json.Unmarshal(f.data, f.into); err != nil {
			return orders.Order{}, fmt.Errorf("order %d: decode %s: %w", o.ID, f.what, err)
		}
	}
	o.Notes, o.Allergens = nilIfEmpty(o.Notes), nilIfEmpty(o.Allergens)
	o.Done, o.ItemsDone = nilIfEmpty(o.Done), nilIfEmpty(o.ItemsDone)
	o.PlacedAt, o.FiredAt = decodeTime(placed), decodeTime(fired)
	o.BumpedAt, o.CancelledAt = decodeTime(bumped), decodeTime(cancelled)
	return o, nil
}

// nilIfEmpty returns s, or nil if it is empty.
func nilIfEmpty[S ~[]E, E any](s S) S {
	if len(s) == 0 {
		return nil
	}
	return s
}

// scanEntry reads an entry from a row of entryColumns.
func scanEntry(sc scanner) (orders.Entry, error) {
	var (
		e             orders.Entry
		version       int64
		kind, station string
		at            pgtype.Int8
		actor, action []byte
	)
	o, err := scanOrder(sc, &version, &kind, &station, &e.Item, &at, &actor, &action)
	if err != nil {
		return orders.Entry{}, err
	}
	e.Version, e.Kind, e.Station, e.Order = uint64(version), orders.EventKind(kind), orders.Station(station), o
	e.Change = orders.Change{At: decodeTime(at), Actor: string(actor), Action: string(action)}
	return e, nil
}
