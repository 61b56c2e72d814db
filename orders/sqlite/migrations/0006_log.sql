-- The rail's log: every change to every order, numbered by version. The
-- history grows into it, so that one row is both an entry of its order's
-- history and an entry of the log, written in the same transaction as the
-- change to the order:
--
-- version        the rail's version after the change: 1 for the first
--                change, then each change the next number, with no gaps;
--                NULL for the changes recorded before the log was kept,
--                which belong to their order's history only
-- kind           what was done (orders.EventKind: 'placed', 'fired', ...)
-- station        the station that finished, for 'station-done'
-- item           the index of the item, for 'item-done' and 'item-undone'
--
-- and the order's mutable state as the change left it, the same columns
-- as in orders: status, recalled, done_stations, items_done, fired_at,
-- bumped_at, cancelled_at (NULL before the log was kept). What never
-- changes after an order is placed is read from orders.
ALTER TABLE order_history ADD COLUMN version INTEGER CHECK (version > 0);
ALTER TABLE order_history ADD COLUMN kind TEXT;
ALTER TABLE order_history ADD COLUMN station TEXT NOT NULL DEFAULT '';
ALTER TABLE order_history ADD COLUMN item INTEGER NOT NULL DEFAULT 0;
ALTER TABLE order_history ADD COLUMN status TEXT;
ALTER TABLE order_history ADD COLUMN recalled INTEGER CHECK (recalled IN (0, 1));
ALTER TABLE order_history ADD COLUMN done_stations TEXT;
ALTER TABLE order_history ADD COLUMN items_done TEXT;
ALTER TABLE order_history ADD COLUMN fired_at INTEGER;
ALTER TABLE order_history ADD COLUMN bumped_at INTEGER;
ALTER TABLE order_history ADD COLUMN cancelled_at INTEGER;

-- The log read in version order, and the last version. NULLs are distinct,
-- so the rows from before the log share it.
CREATE UNIQUE INDEX order_history_version ON order_history (version);
