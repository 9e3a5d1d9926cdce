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
