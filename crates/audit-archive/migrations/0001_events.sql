-- The account's events, one row each, keyed by the API's event id.
CREATE TABLE events (
    id text PRIMARY KEY,
    -- created_at as milliseconds since the Unix epoch (UTC), as the API's range filter compares.
    created_ms bigint NOT NULL,
    -- Order among events of the same millisecond as the API listed them, smaller first (newer).
    pos bigint NOT NULL,
    event_type text NOT NULL,
    type_description text,
    -- The event as the API sent it, without its _links (they name the host that answered).
    body text NOT NULL,
    -- Its keys and values, lower-cased, one per line: what search_text matches.
    haystack text NOT NULL,
    collected_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_newest ON events (created_ms DESC, pos, id);
CREATE INDEX events_type_newest ON events (event_type, created_ms DESC, pos, id);

-- What of the upstream is held, in one row, written in the same transaction as the events that
-- change it: every upstream event with complete_from < created_ms <= complete_to is held.
CREATE TABLE collect_state (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    complete_from bigint,
    complete_to bigint,
    -- The backfill's next page of the window ending at complete_from (more than a page of
    -- events in one millisecond).
    backfill_page integer NOT NULL DEFAULT 1,
    -- The backfill reached the oldest event the API answers.
    backfill_done boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO collect_state DEFAULT VALUES;
