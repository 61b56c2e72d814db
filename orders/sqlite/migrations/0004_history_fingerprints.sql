-- The history of every order: who changed it, when and how, one row per
-- change, written in the same transaction as the change to the order.
-- seq (the rowid) keeps the order the changes were written in; at is unix
-- nanoseconds.
CREATE TABLE order_history (
	seq      INTEGER PRIMARY KEY,
	order_id INTEGER NOT NULL REFERENCES orders (id),
	at       INTEGER,          -- NULL is the zero time
	actor    TEXT    NOT NULL,
	action   TEXT    NOT NULL
) STRICT;

CREATE INDEX order_history_order ON order_history (order_id, seq);

-- The SHA-256 of what an order asked for (orders.NewOrder.Fingerprint),
-- to tell a retry from another order that reuses its idempotency key or
-- source ID. NULL for the orders placed before it was kept.
ALTER TABLE orders ADD COLUMN fingerprint BLOB;

-- One row that Ready writes to, to learn whether the database takes
-- writes.
CREATE TABLE health (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	checked_at INTEGER NOT NULL -- unix nanoseconds
) STRICT;
