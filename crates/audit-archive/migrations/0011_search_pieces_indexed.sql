-- The pieces required and indexed; the whole text each event carried (and its trigram index,
-- the largest on the table) dropped.
ALTER TABLE events
    ALTER COLUMN own_text SET NOT NULL,
    ALTER COLUMN shared_key SET NOT NULL,
    ALTER COLUMN context_key SET NOT NULL,
    DROP COLUMN haystack;

CREATE INDEX search_shared_text ON search_shared USING gin (text gin_trgm_ops);
CREATE INDEX search_contexts_text ON search_contexts USING gin (text gin_trgm_ops);
CREATE INDEX events_own_text ON events USING gin (own_text gin_trgm_ops);
-- What a count or a timeline of matching events reads, index only: the events holding a
-- shared piece, and those holding a context piece (with their shared piece, so that an event
-- holding both is counted once).
CREATE INDEX events_shared_key ON events (shared_key, created_ms) INCLUDE (event_type);
CREATE INDEX events_context_key ON events (context_key) INCLUDE (shared_key, created_ms, event_type);
