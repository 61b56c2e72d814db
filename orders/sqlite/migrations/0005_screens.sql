-- The paired kitchen screens. A screen is known by the SHA-256 of its
-- secret token; the secret is never stored. AUTOINCREMENT keeps the IDs
-- of deleted screens from being given to new ones.
--
-- Times are unix nanoseconds; NULL is the zero time (it has not happened).
CREATE TABLE screens (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	name       TEXT    NOT NULL,
	role       TEXT    NOT NULL,
	station    TEXT    NOT NULL DEFAULT '',
	token_hash BLOB    NOT NULL UNIQUE,
	paired_at  INTEGER,
	last_seen  INTEGER
) STRICT;
