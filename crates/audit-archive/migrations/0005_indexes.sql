-- Indexes for the questions that otherwise read every row of a large archive.

-- `ip:` as an address or a range: the event's address contained in the range (GiST answers
-- `<<=`), and the text of a source_ip that is not one address.
CREATE INDEX events_addr ON events USING gist (q_addr inet_ops);
CREATE INDEX events_ip_text ON events (q_ip);

-- The API's search_text: a substring of the event's text, found by its trigrams (pg_trgm, a
-- trusted extension: the database's owner may create it). A needle shorter than three
-- characters has no trigram and is still answered, by reading the rows.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX events_haystack ON events USING gin (haystack gin_trgm_ops);
