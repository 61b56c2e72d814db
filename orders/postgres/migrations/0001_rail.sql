-- The kitchen's rail: its orders, the log of every change to them, and the
-- paired screens.
--
-- Times are unix nanoseconds, as bigint (timestamptz keeps microseconds
-- only); NULL is the zero time (it has not happened). What senders send is
-- kept byte for byte: source IDs, idempotency keys, destinations, actors
-- and actions are bytea, since text holds neither NUL nor bytes that are not
-- UTF-8; items, notes, allergens and the done lists are JSON arrays written
-- by this package alone, as json rather than jsonb, which cannot hold
-- \u0000.

-- The rail's version: the version of the last change in the log. Every
-- write takes the next version by updating this one row, inside its
-- transaction: the row's lock makes writers take turns until they commit
-- or roll back, so versions commit in order and without gaps.
CREATE TABLE rail (
	id      integer PRIMARY KEY CHECK (id = 1),
	version bigint  NOT NULL CHECK (version >= 0)
);

INSERT INTO rail (id, version) VALUES (1, 0);

-- One row per order, written when it is placed and updated as it moves
-- along the rail.
CREATE TABLE orders (
	id              bigint  PRIMARY KEY CHECK (id > 0),
	number          integer NOT NULL,
	source_id       bytea   NOT NULL,
	idempotency_key bytea   NOT NULL,
	-- The SHA-256 of what was placed (orders.NewOrder.Fingerprint), to
	-- tell a retry from another order with the same key; NULL for none.
	fingerprint     bytea,
	destination     bytea   NOT NULL,
	status          text    NOT NULL,
	rush            boolean NOT NULL,
	recalled        boolean NOT NULL,
	items           json    NOT NULL,
	notes           json    NOT NULL,
	allergens       json    NOT NULL,
	allergy         boolean NOT NULL,
	done_stations   json    NOT NULL,
	items_done      json    NOT NULL,
	placed_at       bigint,
	fired_at        bigint,
	bumped_at       bigint,
	cancelled_at    bigint
);

-- The rail: open orders, read in placed order when a board starts. The
-- conditions of these partial indexes are the ones the store queries with.
CREATE INDEX orders_open ON orders (id) WHERE status IN ('received', 'fired');

-- Retries, recognised by idempotency key or source ID, the newest first.
CREATE INDEX orders_idempotency_key ON orders (idempotency_key, id) WHERE idempotency_key <> '';
CREATE INDEX orders_source_id ON orders (source_id, id) WHERE source_id <> '';

-- The recall list and the speed of service, by bump and by cancel time.
CREATE INDEX orders_bumped ON orders (bumped_at) WHERE status = 'bumped';
CREATE INDEX orders_cancelled ON orders (cancelled_at) WHERE status = 'cancelled';

-- The log: every change to every order, numbered by version, written in the
-- same transaction as the change to the order. A row is also an entry of
-- its order's history (at, actor, action):
--
-- version   the rail's version after the change: 1 for the first change,
--           then each change the next number
-- kind      what was done (orders.EventKind: 'placed', 'fired', ...)
-- station   the station that finished, for 'station-done'
-- item      the index of the item, for 'item-done' and 'item-undone'
--
-- and the order's mutable state as the change left it, the same columns as
-- in orders. What never changes after an order is placed is read from
-- orders.
CREATE TABLE changes (
	version       bigint  PRIMARY KEY CHECK (version > 0),
	order_id      bigint  NOT NULL REFERENCES orders (id),
	kind          text    NOT NULL,
	station       text    NOT NULL,
	item          integer NOT NULL,
	at            bigint,
	actor         bytea   NOT NULL,
	action        bytea   NOT NULL,
	status        text    NOT NULL,
	recalled      boolean NOT NULL,
	done_stations json    NOT NULL,
	items_done    json    NOT NULL,
	fired_at      bigint,
	bumped_at     bigint,
	cancelled_at  bigint
);

-- An order's history, in the order written.
CREATE INDEX changes_order ON changes (order_id, version);

-- The paired kitchen screens. A screen is known by the SHA-256 of its
-- secret token; the secret is never stored. An identity column never gives
-- a deleted screen's ID to a new one.
CREATE TABLE screens (
	id         bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name       text    NOT NULL,
	role       text    NOT NULL,
	station    text    NOT NULL,
	token_hash bytea   NOT NULL UNIQUE,
	paired_at  bigint,
	last_seen  bigint
);
