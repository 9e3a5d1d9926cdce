-- How many events of each type each quarter of an hour holds: the timeline and the list's total
-- for a query of dates and types read these few rows instead of every event of a long range.
-- Kept by triggers in the transaction that writes or removes the events, so it is never out of
-- step with them (an event's time and type never change once written).
CREATE TABLE event_counts (
    -- The slot's start: created_ms rounded down to a whole 15 minutes (900,000 ms) of UTC.
    slot bigint NOT NULL,
    event_type text NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (slot, event_type)
);

CREATE FUNCTION audit_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Only the rows inserted: an INSERT ... ON CONFLICT DO UPDATE passes the rows it updated
    -- to the UPDATE triggers, not here.
    INSERT INTO event_counts (slot, event_type, n)
    SELECT created_ms - ((created_ms % 900000) + 900000) % 900000, event_type, count(*)
    FROM inserted GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (slot, event_type) DO UPDATE SET n = event_counts.n + EXCLUDED.n;
    RETURN NULL;
END $$;

CREATE FUNCTION audit_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE event_counts c SET n = c.n - d.n
    FROM (SELECT created_ms - ((created_ms % 900000) + 900000) % 900000 AS slot, event_type,
                 count(*) AS n
          FROM deleted GROUP BY 1, 2) d
    WHERE c.slot = d.slot AND c.event_type = d.event_type;
    DELETE FROM event_counts WHERE n <= 0;
    RETURN NULL;
END $$;

CREATE TRIGGER events_counted AFTER INSERT ON events
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION audit_count_inserted();
CREATE TRIGGER events_uncounted AFTER DELETE ON events
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION audit_count_deleted();

-- Counts every event again: for the events held before this migration, and for an operator
-- who changed events by hand with the triggers disabled.
CREATE FUNCTION audit_recount() RETURNS void LANGUAGE sql AS $$
    DELETE FROM event_counts;
    INSERT INTO event_counts (slot, event_type, n)
    SELECT created_ms - ((created_ms % 900000) + 900000) % 900000, event_type, count(*)
    FROM events GROUP BY 1, 2;
$$;
SELECT audit_recount();
