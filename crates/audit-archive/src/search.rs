//! The API's `search_text` over the archive: each event's text in pieces (migrations 10 and
//! 11), as the tab's index keeps it ([`audit_model::store::text_parts`]).
//!
//! An event's text is its own lines (id, time), kept with it, then the lines of the fields other
//! events repeat (a piece of `search_shared`) and its context's lines (of `search_contexts`),
//! each piece named by a key. A
//! needle without a line break matches inside one line, so inside one piece: the pieces holding
//! it are found by their trigrams first, then the events by their keys ([`TextMatch`]).

use std::collections::BTreeMap;

use audit_model::store::{search_needle, text_parts};
use audit_model::AuditEvent;
use sha2::{Digest, Sha256};
use tokio_postgres::GenericClient;

use crate::qualifiers::{pg_text, Conditions};

/// A piece's key: the first 16 bytes of the SHA-256 of its text.
fn key(text: &str) -> Vec<u8> {
    Sha256::digest(text.as_bytes())[..16].to_vec()
}

/// `text` matched literally by LIKE: its wildcards (`%`, `_`) and the escape (`\`) escaped.
pub fn like_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The pieces of the events of one write, in their order, and the distinct pieces among them.
#[derive(Default)]
pub struct Pieces {
    /// Each event's own lines.
    pub own: Vec<String>,
    /// Each event's shared piece's key.
    pub shared: Vec<Vec<u8>>,
    /// Each event's context piece's key (the empty piece's without a context).
    pub context: Vec<Vec<u8>>,
    /// The distinct shared pieces and contexts by key: written in the keys' order, so that two
    /// writers never wait for each other's rows in opposite orders.
    distinct_shared: BTreeMap<Vec<u8>, String>,
    distinct_contexts: BTreeMap<Vec<u8>, String>,
}

impl Pieces {
    /// Adds an event's pieces.
    pub fn push(&mut self, e: &AuditEvent) {
        let [own, shared, context] = text_parts(e);
        self.own.push(pg_text(&own));
        let shared = piece(&mut self.distinct_shared, pg_text(&shared));
        self.shared.push(shared);
        let context = piece(&mut self.distinct_contexts, pg_text(&context));
        self.context.push(context);
    }

    /// The distinct pieces, each with the table it belongs in.
    pub fn distinct(&self) -> [(&'static str, &BTreeMap<Vec<u8>, String>); 2] {
        [
            ("search_shared", &self.distinct_shared),
            ("search_contexts", &self.distinct_contexts),
        ]
    }

    /// Writes the pieces not held yet (before the events naming them, in the same transaction).
    pub async fn write(&self, db: &impl GenericClient) -> Result<(), tokio_postgres::Error> {
        for (table, distinct) in self.distinct() {
            let (keys, texts): (Vec<&Vec<u8>>, Vec<&String>) = distinct.iter().unzip();
            db.execute(
                &format!(
                    "INSERT INTO {table} (key, text) \
                     SELECT * FROM unnest($1::bytea[], $2::text[]) ON CONFLICT (key) DO NOTHING"
                ),
                &[&keys, &texts],
            )
            .await?;
        }
        Ok(())
    }
}

/// A piece's key, the piece kept in `distinct`.
fn piece(distinct: &mut BTreeMap<Vec<u8>, String>, text: String) -> Vec<u8> {
    let k = key(&text);
    distinct.entry(k.clone()).or_insert(text);
    k
}

/// Gives the events held from before migration 10 their pieces (from their JSON), `batch` at a
/// time in the caller's transaction; returns how many. An event whose JSON does not read keeps
/// its whole stored text as its own lines, so that it is still found.
pub async fn fill(db: &impl GenericClient, batch: i64) -> Result<u64, tokio_postgres::Error> {
    let mut after = String::new();
    let mut filled = 0u64;
    loop {
        let rows = db
            .query(
                "SELECT id, body, haystack FROM events WHERE id > $1 ORDER BY id LIMIT $2",
                &[&after, &batch],
            )
            .await?;
        let Some(last) = rows.last() else {
            return Ok(filled);
        };
        after = last.get(0);
        let mut pieces = Pieces::default();
        let mut ids = Vec::with_capacity(rows.len());
        for row in &rows {
            ids.push(row.get::<_, String>(0));
            match serde_json::from_str::<AuditEvent>(row.get(1)) {
                Ok(e) => pieces.push(&e),
                Err(_) => {
                    pieces.own.push(row.get(2));
                    let shared = piece(&mut pieces.distinct_shared, String::new());
                    pieces.shared.push(shared);
                    let context = piece(&mut pieces.distinct_contexts, String::new());
                    pieces.context.push(context);
                }
            }
        }
        pieces.write(db).await?;
        db.execute(
            "UPDATE events SET own_text = t.own, shared_key = t.shared, context_key = t.context \
             FROM unnest($1::text[], $2::text[], $3::bytea[], $4::bytea[]) \
                  AS t(id, own, shared, context) \
             WHERE events.id = t.id",
            &[&ids, &pieces.own, &pieces.shared, &pieces.context],
        )
        .await?;
        filled += rows.len() as u64;
    }
}

/// What the events holding a search text are read for: the shape of SQL each is quickest in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadFor {
    /// All of them, in any order (a count, a timeline, facets).
    Counting,
    /// The newest first, a page at a time (the list).
    Listing,
    /// Only those that no shared piece holding the needle holds, the others being counted
    /// apart from their pieces' counts ([`TextMatch::shared_keys`]); all of them where there
    /// are no such pieces.
    Unshared,
}

/// How the events holding a `search_text` are found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextMatch {
    /// At most a few thousand pieces of each kind hold the needle: their keys. The events
    /// holding one are read from the key indexes (a count or a timeline reads no row of the
    /// table), those whose own lines hold it from its trigrams.
    Pieces {
        pattern: String,
        shared: Vec<Vec<u8>>,
        contexts: Vec<Vec<u8>>,
    },
    /// Many pieces hold it: each candidate event's pieces are looked up (or the matching
    /// pieces' keys hashed, as PostgreSQL chooses).
    Many { pattern: String },
    /// The needle holds a line break, so it may run from one piece into the next: each
    /// candidate's whole text is put together and compared.
    Whole { pattern: String },
    /// Every shared piece held holds the needle (a field's name such as `source`, or part of
    /// one, as `us`, or the account's id), so every event does: it narrows nothing.
    Everything,
}

impl TextMatch {
    /// How to find the events whose text holds `search_text` (the API's parameter), asking the
    /// pieces first when the needle lies within a line; `None` when no event can hold it (a
    /// NUL, which no stored text holds). Up to `few` pieces are taken as [`TextMatch::Pieces`].
    pub async fn find(
        db: &impl GenericClient,
        search_text: &str,
        few: i64,
    ) -> Result<Option<TextMatch>, tokio_postgres::Error> {
        let needle = search_needle(search_text);
        if needle.contains('\0') {
            return Ok(None);
        }
        let pattern = format!("%{}%", like_escaped(&needle));
        if needle.contains('\n') {
            return Ok(Some(TextMatch::Whole { pattern }));
        }
        let mut keys = Vec::with_capacity(2);
        for table in ["search_shared", "search_contexts"] {
            let found: Vec<Vec<u8>> = db
                .query(
                    &format!("SELECT key FROM {table} WHERE text LIKE $1 LIMIT $2"),
                    &[&pattern, &(few + 1)],
                )
                .await?
                .iter()
                .map(|r| r.get(0))
                .collect();
            if found.len() as i64 > few {
                return Ok(Some(TextMatch::Many { pattern }));
            }
            if table == "search_shared" && !found.is_empty() {
                // Each event names one shared piece: when they all hold it, every event does.
                let held: i64 = db
                    .query_one(
                        "SELECT count(*) FROM (SELECT 1 FROM search_shared LIMIT $1) AS s",
                        &[&(few + 1)],
                    )
                    .await?
                    .get(0);
                if held == found.len() as i64 {
                    return Ok(Some(TextMatch::Everything));
                }
            }
            keys.push(found);
        }
        let contexts = keys.pop().unwrap_or_default();
        let shared = keys.pop().unwrap_or_default();
        Ok(Some(TextMatch::Pieces {
            pattern,
            shared,
            contexts,
        }))
    }

    /// The keys of the shared pieces holding the needle, when they are few enough to have
    /// been listed ([`TextMatch::Pieces`]) and there is at least one.
    pub fn shared_keys(&self) -> Option<&Vec<Vec<u8>>> {
        match self {
            TextMatch::Pieces { shared, .. } if !shared.is_empty() => Some(shared),
            _ => None,
        }
    }

    /// The events table narrowed to the matching events: the `FROM` item (named `events`),
    /// with what it needs added to `sql` (its parameters, and its conditions).
    pub fn narrow(&self, sql: &mut Conditions, read: ReadFor) -> String {
        match self {
            TextMatch::Pieces {
                pattern,
                shared,
                contexts,
            } => {
                let p = sql.param(Box::new(pattern.clone()));
                let s = sql.param(Box::new(shared.clone()));
                let c = sql.param(Box::new(contexts.clone()));
                match read {
                    // One condition: PostgreSQL may then read the newest events first and stop
                    // at the page's end (a fifth of a million events match: 40 ms instead of
                    // 360 to sort every match), or a few matches by their indexes and sort
                    // those.
                    ReadFor::Listing => sql.and(format!(
                        "(events.shared_key = ANY({s}) OR events.context_key = ANY({c}) \
                          OR events.own_text LIKE {p})"
                    )),
                    ReadFor::Unshared => sql.and(format!(
                        "events.shared_key <> ALL({s}) \
                         AND (events.context_key = ANY({c}) OR events.own_text LIKE {p})"
                    )),
                    // Each matching event in exactly one branch: by its shared piece, else by
                    // its context piece, else by its own lines. PostgreSQL reads the branches
                    // as one table (an append), the conditions of the query applied to each.
                    ReadFor::Counting => {
                        return format!(
                            "(SELECT * FROM events WHERE shared_key = ANY({s}) \
                              UNION ALL \
                              SELECT * FROM events WHERE context_key = ANY({c}) \
                                AND shared_key <> ALL({s}) \
                              UNION ALL \
                              SELECT * FROM events WHERE own_text LIKE {p} \
                                AND shared_key <> ALL({s}) AND context_key <> ALL({c})) \
                             AS events"
                        )
                    }
                }
                "events".to_string()
            }
            TextMatch::Many { pattern } => {
                let p = sql.param(Box::new(pattern.clone()));
                sql.and(format!(
                    "(events.own_text LIKE {p} \
                      OR events.shared_key IN (SELECT key FROM search_shared WHERE text LIKE {p}) \
                      OR events.context_key IN \
                           (SELECT key FROM search_contexts WHERE text LIKE {p}))"
                ));
                "events".to_string()
            }
            TextMatch::Everything => "events".to_string(),
            TextMatch::Whole { pattern } => {
                let p = sql.param(Box::new(pattern.clone()));
                sql.and(format!(
                    "(SELECT events.own_text || s.text || c.text \
                      FROM search_shared AS s, search_contexts AS c \
                      WHERE s.key = events.shared_key AND c.key = events.context_key) LIKE {p}"
                ));
                "events".to_string()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_matches_wildcards_literally() {
        assert_eq!(super::like_escaped(r"50%_a\b"), r"50\%\_a\\b");
        assert_eq!(super::like_escaped("plain"), "plain");
    }

    #[test]
    fn a_piece_is_named_by_its_text_alone() {
        let (a, b) = (
            super::key("user_email\nann@x\n"),
            super::key("user_email\nbob@x\n"),
        );
        assert_eq!(a.len(), 16);
        assert_ne!(a, b);
        assert_eq!(a, super::key("user_email\nann@x\n"));
    }
}
