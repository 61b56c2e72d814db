-- The browsers waiting to be paired as screens (orders.Pairing): the code
-- each shows and the SHA-256 of the secret it holds. A code and a hash are
-- each one browser's; AddPairing deletes the expired pairings before it
-- inserts, in the same transaction, so that only waiting ones hold them,
-- and of two processes adding the same code at once the second finds it
-- taken. The code is bytea, as what senders send is: an operator types it.
-- The identity keeps the order in which pairings were added, for those
-- created at the same time.
--
-- created is unix nanoseconds; NULL is the zero time.
CREATE TABLE pairings (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	code       bytea  NOT NULL UNIQUE,
	token_hash bytea  NOT NULL UNIQUE,
	created    bigint
);

-- The expired pairings, and the oldest ones beyond the limit: NULLS FIRST
-- since the zero time is before every other.
CREATE INDEX pairings_created ON pairings (created NULLS FIRST, id);
