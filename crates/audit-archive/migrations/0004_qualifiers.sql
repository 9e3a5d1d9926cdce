-- What the search box's qualifiers (`where=`) compare, as the app compares them in the tab
-- (audit_model::filter): text folded in ASCII only, and an event's address read as an address.

-- ASCII letters lower-cased, nothing else changed (the app's eq_ignore_ascii_case).
CREATE FUNCTION audit_fold(t text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN translate(t, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz');

-- The event's source_ip as an address: trimmed, a zone (%eth0) dropped, an IPv4-mapped IPv6
-- address read as IPv4; NULL when it is not one address (then the text itself is compared).
-- PARALLEL UNSAFE: the cast's exception block is a subtransaction, which no process of a
-- parallel query (not even its leader) may start; a query with `ip:` runs in one process.
CREATE FUNCTION audit_addr(raw text) RETURNS inet
    LANGUAGE plpgsql IMMUTABLE PARALLEL UNSAFE STRICT AS $$
DECLARE
    t text := split_part(btrim(raw, E' \t\n\r\f\v'), '%', 1);
    a inet;
BEGIN
    -- Only what the app reads as an address: four decimal octets without leading zeros, or
    -- IPv6 text; never a prefix length.
    IF t ~ '^[0-9.]+$' THEN
        IF t !~ '^[0-9]{1,3}(\.[0-9]{1,3}){3}$' OR t ~ '(^|\.)0[0-9]' THEN
            RETURN NULL;
        END IF;
    ELSIF t !~ '^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$' THEN
        RETURN NULL;
    END IF;
    BEGIN
        a := t::inet;
    EXCEPTION WHEN others THEN
        RETURN NULL;
    END;
    IF family(a) = 6 AND a <<= '::ffff:0.0.0.0/96'::inet THEN
        a := '0.0.0.0'::inet + (a - '::ffff:0.0.0.0'::inet);
    END IF;
    RETURN a;
END;
$$;

-- What the qualifiers compare, one column each, written with every event by the archive (in
-- Rust, by the functions the tab's filter uses) so that a qualifier reads a column instead of
-- parsing each event's JSON.
ALTER TABLE events
    ADD COLUMN q_user text,                -- user_email, ASCII-folded
    ADD COLUMN q_user_id text,             -- user_id as text (a number or a string)
    ADD COLUMN q_country text,             -- source_country, folded
    ADD COLUMN q_source text,              -- source, folded
    ADD COLUMN q_source_description text,  -- source_description, folded
    ADD COLUMN q_ip text,                  -- source_ip trimmed and folded, compared as text
    ADD COLUMN q_addr inet;                -- source_ip as an address (NULL when it is none)

-- An investigator's qualifiers are mostly selective (one country, one user): answered from an
-- index rather than a scan of every event. (An address is compared as an address or, when the
-- event's is none, as text: no one index answers both, so `ip:` scans.)
CREATE INDEX events_q_user ON events (q_user);
CREATE INDEX events_q_country ON events (q_country);

-- The same values computed here, for rows written before this version (and by tests).
CREATE FUNCTION audit_fill_qualifiers() RETURNS void LANGUAGE sql AS $$
    UPDATE events SET
        q_user = audit_fold(d.doc->>'user_email'),
        q_user_id = (d.doc->'user_id') #>> '{}',
        q_country = audit_fold(d.doc->>'source_country'),
        q_source = audit_fold(d.doc->>'source'),
        q_source_description = audit_fold(d.doc->>'source_description'),
        q_ip = audit_fold(btrim(d.doc->>'source_ip', E' \t\n\r\f\v')),
        q_addr = audit_addr(d.doc->>'source_ip')
    FROM (SELECT id, body::jsonb AS doc FROM events) AS d
    WHERE events.id = d.id;
$$;
SELECT audit_fill_qualifiers();
