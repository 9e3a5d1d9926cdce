-- The search text in pieces, each distinct piece kept once (the tab's index does the same,
-- audit_model::store::text_parts): an event's own lines (id, time) stay with it; the lines
-- other events repeat (type, user, address, source) and its context's lines are pieces, named
-- by a key, in two tables. A million demo events hold 236 distinct shared pieces and 250,000
-- contexts: 30 MB of text where every event's whole text was 380 MB. The shared pieces are
-- few, so what they hold is decided by reading the few.
--
-- A needle without a line break matches inside one line, so inside one piece: the pieces that
-- hold it are found by their trigrams, and the events by the keys, from indexes that hold
-- what a count and a timeline read (no row of the wide table is read to be counted).

CREATE TABLE search_shared (
    -- The first 16 bytes of the SHA-256 of the text (written by the archive).
    key bytea PRIMARY KEY,
    text text NOT NULL
);
CREATE TABLE search_contexts (LIKE search_shared INCLUDING ALL);

ALTER TABLE events
    ADD COLUMN own_text text,      -- its own lines, lower-cased
    ADD COLUMN shared_key bytea,   -- its other fields' lines
    ADD COLUMN context_key bytea;  -- its context's lines (the empty piece without one)

-- The events held from before this version get theirs from the archive, in Rust, in the same
-- transaction (db::migrate), before migration 11 makes them required.
