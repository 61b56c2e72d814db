-- The browsers waiting to be paired as screens (orders.Pairing): the code
-- each shows and the SHA-256 of the secret it holds. A code and a hash are
-- each one browser's; AddPairing deletes the expired pairings before it
-- inserts, in the same transaction, so that only waiting ones hold them.
-- The rowid keeps the order in which pairings were added, for those
-- created at the same time.
--
-- created is unix nanoseconds; NULL is the zero time.
CREATE TABLE pairings (
	id         INTEGER PRIMARY KEY,
	code       TEXT    NOT NULL UNIQUE,
	token_hash BLOB    NOT NULL UNIQUE,
	created    INTEGER
) STRICT;

-- The expired pairings, and the oldest ones beyond the limit.
CREATE INDEX pairings_created ON pairings (created);
