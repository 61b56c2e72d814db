-- What each instance of the server sharing this database last reported of
-- itself (orders.Roster): its screens, for the other instances' fleet
-- pages and alarms. One row per instance, replaced by each report; rows
-- of instances gone for a day are deleted by the next report.
--
-- reported_at is unix nanoseconds. The data is opaque to the store.
CREATE TABLE instances (
	name        bytea  PRIMARY KEY,
	reported_at bigint NOT NULL,
	data        bytea  NOT NULL
);
