-- The distinct event types held, by walking the type index (one step per type, not every row):
-- one definition for the type list the archive serves and for a `type:` qualifier's types.
CREATE FUNCTION audit_held_types() RETURNS SETOF text
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    WITH RECURSIVE t(name) AS (
        (SELECT event_type FROM events ORDER BY event_type LIMIT 1)
        UNION ALL
        SELECT (SELECT event_type FROM events WHERE event_type > t.name
                ORDER BY event_type LIMIT 1)
        FROM t WHERE t.name IS NOT NULL)
    SELECT name FROM t WHERE name IS NOT NULL;
END;

CREATE OR REPLACE FUNCTION audit_types_named(wanted text[]) RETURNS text[]
    LANGUAGE sql STABLE PARALLEL SAFE STRICT
    RETURN (SELECT coalesce(array_agg(name), '{}') FROM audit_held_types() AS h(name)
            WHERE audit_fold(name) = ANY(wanted));
