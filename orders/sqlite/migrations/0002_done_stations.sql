-- The stations that have finished their part of an order, as a JSON array
-- of station names written by this package alone.
ALTER TABLE orders ADD COLUMN done_stations TEXT NOT NULL DEFAULT '[]';
