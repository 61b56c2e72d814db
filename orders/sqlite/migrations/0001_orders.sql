-- The orders table: one row per order, written when it is placed and
-- updated as it moves along the rail.
--
-- Times are unix nanoseconds; NULL is the zero time (it has not happened).
-- items and notes are JSON arrays written by this package alone.
CREATE TABLE orders (
	id              INTEGER PRIMARY KEY,
	number          INTEGER NOT NULL,
	source_id       TEXT    NOT NULL DEFAULT '',
	idempotency_key TEXT    NOT NULL DEFAULT '',
	destination     TEXT    NOT NULL,
	status          TEXT    NOT NULL,
	rush            INTEGER NOT NULL DEFAULT 0 CHECK (rush IN (0, 1)),
	recalled        INTEGER NOT NULL DEFAULT 0 CHECK (recalled IN (0, 1)),
	items           TEXT    NOT NULL,
	notes           TEXT    NOT NULL,
	placed_at       INTEGER,
	fired_at        INTEGER,
	bumped_at       INTEGER,
	cancelled_at    INTEGER
) STRICT;

-- The rail: open orders, read in placed order when a board starts. The
-- condition must stay the same as the one the store queries with.
CREATE INDEX orders_open ON orders (id) WHERE status IN ('received', 'fired');

-- Retries, recognised by idempotency key or source ID.
CREATE INDEX orders_idempotency_key ON orders (idempotency_key) WHERE idempotency_key <> '';
CREATE INDEX orders_source_id ON orders (source_id) WHERE source_id <> '';

-- The recall list and the speed of service, read by bump time.
CREATE INDEX orders_bumped ON orders (bumped_at) WHERE status = 'bumped';
