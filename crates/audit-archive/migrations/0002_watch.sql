-- The order events were written in. The watch reads what is new by it: an event the API lists
-- late is new to the watch whatever its time.
ALTER TABLE events ADD COLUMN seq bigserial;
CREATE INDEX events_written ON events (seq);

-- Where the watch is, in one row: the last event written that the rules have seen, the rule set
-- they were (a fingerprint of the files), and the correlations' open windows then. Written in the
-- same transaction as the hits of the events before it.
CREATE TABLE watch_state (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    seq bigint NOT NULL,
    rules text NOT NULL,
    windows text,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Each rule hit once: the rule, and the events behind it.
CREATE TABLE hits (
    key text PRIMARY KEY,
    rule_id text NOT NULL,
    title text NOT NULL,
    level text NOT NULL,
    event_ids text[] NOT NULL,
    -- When the last of its events happened (ms since the epoch, UTC).
    at_ms bigint NOT NULL,
    found_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX hits_newest ON hits (at_ms DESC);
