-- Each hit's delivery to the alert webhook: tries so far, when the next may go, the last error,
-- and when it was delivered, or given up on after the last try (dead).
ALTER TABLE hits
    ADD COLUMN tries integer NOT NULL DEFAULT 0,
    ADD COLUMN next_try_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN last_error text,
    ADD COLUMN delivered_at timestamptz,
    ADD COLUMN dead_at timestamptz;
CREATE INDEX hits_due ON hits (next_try_at) WHERE delivered_at IS NULL AND dead_at IS NULL;
