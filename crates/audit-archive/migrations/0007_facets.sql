-- Facets over a long range: how many events of each type each UTC day, and each hour, holds with
-- each value of each facet's field, so that the facets of 90 days read the days' rows, the parts
-- of a day at either end the hours' rows, and only the part of an hour at either end the events.

-- Each event's facet pairs (audit_model::facets::pairs), written with it by the archive in
-- Rust, the way the tab counts them: 'field<US>value', split at the first unit separator
-- (chr(31); a field's name never holds one). NULL for rows written before this version, until
-- the archive has filled them in (it does at start, and reads the events' JSON meanwhile).
ALTER TABLE events ADD COLUMN facet_pairs text[];
CREATE INDEX events_unpaired ON events (id) WHERE facet_pairs IS NULL;

-- The counts of the days not in `facet_days_stale`, each counted in one go from its events.
CREATE TABLE facet_counts (
    field text NOT NULL,
    -- The UTC day's start, in milliseconds since the Unix epoch.
    slot bigint NOT NULL,
    event_type text NOT NULL,
    value text NOT NULL,
    n bigint NOT NULL,
    -- Field first: the fixed fields of a long range are read without the many context rows.
    PRIMARY KEY (field, slot, event_type, value)
);
CREATE INDEX facet_counts_day ON facet_counts (slot);

-- The same per hour (`slot` the hour's start).
CREATE TABLE facet_counts_hourly (LIKE facet_counts INCLUDING ALL);

-- And per day for events of every type: what a range not narrowed by type reads, a fraction of
-- the rows.
CREATE TABLE facet_counts_all (
    field text NOT NULL,
    slot bigint NOT NULL,
    value text NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (field, slot, value)
);
CREATE INDEX facet_counts_all_day ON facet_counts_all (slot);

-- The days whose events changed since they were counted: their facets are read from their
-- events until the archive counts them again. Marked by triggers in the transaction that
-- changes the events (a row each, not a count per value: keeping every value's count in step
-- event by event halved the rate of the archive's writes).
CREATE TABLE facet_days_stale (slot bigint PRIMARY KEY);

CREATE FUNCTION audit_facet_days_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- DO UPDATE, not DO NOTHING: it waits for a count of the day under way, so that a day
    -- counted without these events is marked again once that count is done.
    INSERT INTO facet_days_stale (slot)
    SELECT DISTINCT created_ms - ((created_ms % 86400000) + 86400000) % 86400000 FROM inserted
    ORDER BY 1
    ON CONFLICT (slot) DO UPDATE SET slot = EXCLUDED.slot;
    RETURN NULL;
END $$;

CREATE FUNCTION audit_facet_days_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO facet_days_stale (slot)
    SELECT DISTINCT created_ms - ((created_ms % 86400000) + 86400000) % 86400000 FROM deleted
    ORDER BY 1
    ON CONFLICT (slot) DO UPDATE SET slot = EXCLUDED.slot;
    RETURN NULL;
END $$;

-- An update that changes an event's pairs (the archive filling them in). The write's update of
-- `pos` alone changes none.
CREATE FUNCTION audit_facet_days_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO facet_days_stale (slot)
    SELECT DISTINCT n.created_ms - ((n.created_ms % 86400000) + 86400000) % 86400000
    FROM old_rows o JOIN new_rows n USING (id)
    WHERE o.facet_pairs IS DISTINCT FROM n.facet_pairs
    ORDER BY 1
    ON CONFLICT (slot) DO UPDATE SET slot = EXCLUDED.slot;
    RETURN NULL;
END $$;

CREATE TRIGGER events_facet_days AFTER INSERT ON events
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION audit_facet_days_inserted();
CREATE TRIGGER events_facet_days_deleted AFTER DELETE ON events
    REFERENCING OLD TABLE AS deleted
    FOR EACH STATEMENT EXECUTE FUNCTION audit_facet_days_deleted();
CREATE TRIGGER events_facet_days_updated AFTER UPDATE ON events
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_facet_days_updated();

-- Counts one stale day again from its events, in the caller's transaction; false when the day
-- is not stale. The day's row is locked first, so a write of its events either finishes before
-- (and is counted) or marks the day again after.
CREATE FUNCTION audit_count_facet_day(day bigint) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM facet_days_stale WHERE slot = day FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    DELETE FROM facet_counts_hourly WHERE slot >= day AND slot < day + 86400000;
    INSERT INTO facet_counts_hourly (field, slot, event_type, value, n)
    SELECT split_part(p, chr(31), 1), created_ms - ((created_ms % 3600000) + 3600000) % 3600000,
           event_type, substr(p, strpos(p, chr(31)) + 1), count(*)
    FROM events, unnest(events.facet_pairs) AS p
    WHERE created_ms >= day AND created_ms < day + 86400000
    GROUP BY 1, 2, 3, 4;
    DELETE FROM facet_counts WHERE slot = day;
    INSERT INTO facet_counts (field, slot, event_type, value, n)
    SELECT field, day, event_type, value, sum(n)
    FROM facet_counts_hourly WHERE slot >= day AND slot < day + 86400000
    GROUP BY 1, 3, 4;
    DELETE FROM facet_counts_all WHERE slot = day;
    INSERT INTO facet_counts_all (field, slot, value, n)
    SELECT field, day, value, sum(n) FROM facet_counts WHERE slot = day GROUP BY 1, 3;
    DELETE FROM facet_days_stale WHERE slot = day;
    RETURN true;
END $$;

-- Counts every event again (as migration 6's audit_recount does for the per-slot counts): every
-- day holding events or counts is marked stale, and the archive counts them again as it runs.
CREATE OR REPLACE FUNCTION audit_recount() RETURNS void LANGUAGE sql AS $$
    DELETE FROM event_counts;
    INSERT INTO event_counts (slot, event_type, n)
    SELECT created_ms - ((created_ms % 900000) + 900000) % 900000, event_type, count(*)
    FROM events GROUP BY 1, 2;
    INSERT INTO facet_days_stale (slot)
    SELECT slot - ((slot % 86400000) + 86400000) % 86400000 FROM event_counts
    UNION SELECT slot FROM facet_counts
    UNION SELECT slot FROM facet_counts_all
    UNION SELECT slot - ((slot % 86400000) + 86400000) % 86400000 FROM facet_counts_hourly
    ON CONFLICT (slot) DO NOTHING;
$$;
