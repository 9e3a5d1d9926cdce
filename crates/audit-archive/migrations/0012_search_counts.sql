-- How many events of each type each shared piece of search text (migration 10) holds, per UTC
-- day and per hour: a search text that shared pieces hold (a user, an address, a type) is
-- counted from these rows, the part of an hour at either end of the range from the events.
-- Counted with the facets, day by day (migration 7's facet_days_stale says which days are not).
CREATE TABLE search_counts (
    -- The UTC day's start, in milliseconds since the Unix epoch.
    slot bigint NOT NULL,
    shared_key bytea NOT NULL,
    event_type text NOT NULL,
    n bigint NOT NULL,
    -- The piece first: a search reads a few pieces' rows over a long range.
    PRIMARY KEY (shared_key, slot, event_type)
);
CREATE INDEX search_counts_day ON search_counts (slot);

-- The same per hour (`slot` the hour's start).
CREATE TABLE search_counts_hourly (LIKE search_counts INCLUDING ALL);

-- The events held now, counted at once (a day marked stale is counted again as it is anyway).
INSERT INTO search_counts_hourly (slot, shared_key, event_type, n)
SELECT created_ms - ((created_ms % 3600000) + 3600000) % 3600000, shared_key, event_type, count(*)
FROM events GROUP BY 1, 2, 3;
INSERT INTO search_counts (slot, shared_key, event_type, n)
SELECT slot - ((slot % 86400000) + 86400000) % 86400000, shared_key, event_type, sum(n)
FROM search_counts_hourly GROUP BY 1, 2, 3;

-- A day counted again counts its pieces too.
CREATE OR REPLACE FUNCTION audit_count_facet_day(day bigint) RETURNS boolean LANGUAGE plpgsql AS $$
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
    DELETE FROM search_counts_hourly WHERE slot >= day AND slot < day + 86400000;
    INSERT INTO search_counts_hourly (slot, shared_key, event_type, n)
    SELECT created_ms - ((created_ms % 3600000) + 3600000) % 3600000, shared_key, event_type,
           count(*)
    FROM events
    WHERE created_ms >= day AND created_ms < day + 86400000
    GROUP BY 1, 2, 3;
    DELETE FROM search_counts WHERE slot = day;
    INSERT INTO search_counts (slot, shared_key, event_type, n)
    SELECT day, shared_key, event_type, sum(n)
    FROM search_counts_hourly WHERE slot >= day AND slot < day + 86400000
    GROUP BY 2, 3;
    DELETE FROM facet_days_stale WHERE slot = day;
    RETURN true;
END $$;

-- An update that changes an event's shared piece marks its day, as one of its facet pairs does.
CREATE OR REPLACE FUNCTION audit_facet_days_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO facet_days_stale (slot)
    SELECT DISTINCT n.created_ms - ((n.created_ms % 86400000) + 86400000) % 86400000
    FROM old_rows o JOIN new_rows n USING (id)
    WHERE o.facet_pairs IS DISTINCT FROM n.facet_pairs OR o.shared_key <> n.shared_key
    ORDER BY 1
    ON CONFLICT (slot) DO UPDATE SET slot = EXCLUDED.slot;
    RETURN NULL;
END $$;

-- Counting every event again marks the days these counts hold too.
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
    UNION SELECT slot FROM search_counts
    ON CONFLICT (slot) DO NOTHING;
$$;
