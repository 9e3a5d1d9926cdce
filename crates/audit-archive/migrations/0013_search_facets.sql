-- The facets of the events holding each shared piece of search text (migration 10), per UTC
-- day: the facets of a search text that shared pieces hold (a user, an address, a type) add up
-- these rows for the range's whole days, and read the rest of the range from the events. The
-- values are the events' own facet pairs (migration 7), not read from the lower-cased pieces,
-- so two events of one piece whose values differ in case are counted apart, as the tab does.
-- Counted with the facets, day by day (migration 7's facet_days_stale says which days are not).
-- No hourly rows: they were three times the daily ones at a million events, and the part of a
-- day at either end of a range is a few of a piece's events.
CREATE TABLE search_facet_counts (
    shared_key bytea NOT NULL,
    -- The UTC day's start, in milliseconds since the Unix epoch.
    slot bigint NOT NULL,
    event_type text NOT NULL,
    field text NOT NULL,
    value text NOT NULL,
    n bigint NOT NULL,
    -- The piece, then the field: a search reads a few pieces' rows of a few fields.
    PRIMARY KEY (shared_key, field, slot, event_type, value)
);
CREATE INDEX search_facet_counts_day ON search_facet_counts (slot);

-- The events held now, counted at once (a day marked stale is counted again as it is anyway;
-- events still waiting for their pairs mark their day when they get them).
INSERT INTO search_facet_counts (shared_key, slot, event_type, field, value, n)
SELECT shared_key, created_ms - ((created_ms % 86400000) + 86400000) % 86400000, event_type,
       split_part(p, chr(31), 1), substr(p, strpos(p, chr(31)) + 1), count(*)
FROM events, unnest(events.facet_pairs) AS p
GROUP BY 1, 2, 3, 4, 5;

-- A day counted again counts its pieces' facets too (the rest as migration 12 left it).
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
    DELETE FROM search_facet_counts WHERE slot = day;
    INSERT INTO search_facet_counts (shared_key, slot, event_type, field, value, n)
    SELECT shared_key, day, event_type, split_part(p, chr(31), 1),
           substr(p, strpos(p, chr(31)) + 1), count(*)
    FROM events, unnest(events.facet_pairs) AS p
    WHERE created_ms >= day AND created_ms < day + 86400000
    GROUP BY 1, 3, 4, 5;
    DELETE FROM facet_days_stale WHERE slot = day;
    RETURN true;
END $$;

-- Counting every event again counts the days these rows hold too.
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
    UNION SELECT slot FROM search_facet_counts
    ON CONFLICT (slot) DO NOTHING;
$$;
