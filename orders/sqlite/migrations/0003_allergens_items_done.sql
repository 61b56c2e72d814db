-- Allergens and item-level done. An item's allergens live in its entry of
-- the items JSON, so only the order's own columns are new:
--
-- allergens  the order's allergens, a JSON array of names
-- allergy    1 when the ticket must show an allergy
-- items_done the indexes of the items marked done, a JSON array of numbers
--
-- all written by this package alone.
ALTER TABLE orders ADD COLUMN allergens TEXT NOT NULL DEFAULT '[]';
ALTER TABLE orders ADD COLUMN allergy INTEGER NOT NULL DEFAULT 0 CHECK (allergy IN (0, 1));
ALTER TABLE orders ADD COLUMN items_done TEXT NOT NULL DEFAULT '[]';

-- The recall list holds voided orders too, read by cancel time.
CREATE INDEX orders_cancelled ON orders (cancelled_at) WHERE status = 'cancelled';
