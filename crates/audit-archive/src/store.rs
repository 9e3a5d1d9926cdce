//! The archive's events in PostgreSQL: idempotent writes with what is held, and answers to the
//! API's three calls, ordered and paged exactly as the API orders and pages them.

use std::borrow::Cow;

use audit_model::store::build_page;
use audit_model::{AuditEvent, EventQuery, EventType, EventsPage, QueryError};
use deadpool_postgres::Pool;

use crate::db::DbError;
use crate::qualifiers::{pg_text, Conditions};
use crate::search::{like_escaped, Pieces, ReadFor, TextMatch};

/// What of the upstream account is held: every event with `from < created_ms <= to` (or, once
/// the backfill is done, every event up to `to`). Written with the events that change it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    /// Lower bound, exclusive, while the backfill goes on.
    pub from: i64,
    /// Upper bound, inclusive: the newest event held.
    pub to: i64,
    /// The backfill's next page of the window ending at `from`.
    pub backfill_page: u32,
    /// Whether the backfill reached the oldest event the API answers.
    pub backfill_done: bool,
}

/// An event as listed by the API, with its place in that list.
#[derive(Debug, Clone)]
pub struct Listed {
    /// The event, without `_links`.
    pub event: AuditEvent,
    /// `created_at` in milliseconds.
    pub created_ms: i64,
    /// Its offset in the list it was read from (smaller is newer among equal times).
    pub pos: i64,
}

impl Listed {
    /// The `n`th event of a list, its links dropped (they name the host that answered).
    pub fn new(mut event: AuditEvent, pos: i64) -> Self {
        event.links = None;
        let created_ms = event.timestamp().unwrap_or(i64::MIN);
        Self {
            event,
            created_ms,
            pos,
        }
    }
}

/// Why the archive cannot answer a call.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The query's parameters fail the API's validation.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<tokio_postgres::Error> for ReadError {
    fn from(e: tokio_postgres::Error) -> Self {
        ReadError::Db(e.into())
    }
}

/// Where an oldest-first read stopped (see [`Archive::oldest_first`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resume {
    created_ms: i64,
    pos: i64,
    id: String,
}

/// What the qualifiers compare (migration 4's `q_` columns), per event of a write, computed
/// by the functions the tab's filter uses ([`audit_model::filter`]).
struct Qualified {
    user: Vec<Option<String>>,
    user_id: Vec<Option<String>>,
    country: Vec<Option<String>>,
    source: Vec<Option<String>>,
    source_description: Vec<Option<String>>,
    ip: Vec<Option<String>>,
    addr: Vec<Option<std::net::IpAddr>>,
}

impl Qualified {
    fn with_capacity(n: usize) -> Self {
        Self {
            user: Vec::with_capacity(n),
            user_id: Vec::with_capacity(n),
            country: Vec::with_capacity(n),
            source: Vec::with_capacity(n),
            source_description: Vec::with_capacity(n),
            ip: Vec::with_capacity(n),
            addr: Vec::with_capacity(n),
        }
    }

    fn push(&mut self, e: &AuditEvent) {
        let fold = |v: &Option<String>| v.as_deref().map(|s| pg_text(&s.to_ascii_lowercase()));
        self.user.push(fold(&e.user_email));
        self.user_id
            .push(e.user_id.as_ref().map(|u| pg_text(&u.to_string())));
        self.country.push(fold(&e.source_country));
        self.source.push(fold(&e.source));
        self.source_description.push(fold(&e.source_description));
        self.ip.push(
            e.source_ip
                .as_deref()
                .map(|raw| pg_text(&raw.trim().to_ascii_lowercase())),
        );
        self.addr.push(
            e.source_ip
                .as_deref()
                .and_then(audit_model::filter::event_addr),
        );
    }
}

/// The facet pairs of a write's events ([`audit_model::facets::pairs`], as migration 7's
/// `facet_pairs` keeps them), one flat array with each event's number of pairs.
#[derive(Default)]
struct FacetPairs {
    flat: Vec<String>,
    lengths: Vec<i32>,
    buf: Vec<(String, String)>,
}

impl FacetPairs {
    fn push(&mut self, e: &AuditEvent) {
        audit_model::facets::pairs(e, &mut self.buf);
        self.lengths
            .push(i32::try_from(self.buf.len()).unwrap_or(i32::MAX));
        for (field, value) in self.buf.drain(..) {
            self.flat.push(pg_text(&format!("{field}\u{1f}{value}")));
        }
    }
}

/// The archive's database.
#[derive(Debug, Clone)]
pub struct Archive {
    pool: Pool,
    /// Told when this process wrote events or found hits, so that the watch and the deliveries
    /// take them up at once instead of at their next tick.
    wrote: std::sync::Arc<Wrote>,
    /// From how many matching events on a qualifier of one field is counted from the facet
    /// counts ([`FEW`]).
    few: i64,
    /// Up to how many pieces holding a search text are named by their keys
    /// ([`TextMatch::Pieces`], [`FEW_PIECES`]).
    few_pieces: i64,
}

/// What an [`Archive`] tells the other tasks of its process.
#[derive(Debug, Default)]
struct Wrote {
    events: tokio::sync::Notify,
    /// The same, for the task that counts the facets of the days written.
    days: tokio::sync::Notify,
    hits: tokio::sync::Notify,
}

impl Archive {
    /// The archive over a pool whose schema is migrated.
    pub fn new(pool: Pool) -> Self {
        Self {
            pool,
            wrote: std::sync::Arc::default(),
            few: FEW,
            few_pieces: FEW_PIECES,
        }
    }

    /// The same, naming the pieces that hold a search text by their keys up to `few` of them
    /// (tests give 0 and a large number, so that both ways answer the same queries).
    pub fn matching_pieces_up_to(mut self, few: i64) -> Self {
        self.few_pieces = few;
        self
    }

    /// The same, counting an `ip:` or `country:` query's total from the facet counts from
    /// `few` matching events on (tests give 0, so that a few hundred events take that path).
    pub fn counting_from(mut self, few: i64) -> Self {
        self.few = few;
        self
    }

    /// The pool, for the collector's lock.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// What is held; `None` before the first page.
    pub async fn held(&self) -> Result<Option<Held>, DbError> {
        let client = self.pool.get().await?;
        let row = client
            .query_one(
                "SELECT complete_from, complete_to, backfill_page, backfill_done FROM collect_state",
                &[],
            )
            .await?;
        let to: Option<i64> = row.get(1);
        Ok(to.map(|to| Held {
            from: row.get::<_, Option<i64>>(0).unwrap_or(to),
            to,
            backfill_page: u32::try_from(row.get::<_, i32>(2)).unwrap_or(1).max(1),
            backfill_done: row.get(3),
        }))
    }

    /// Writes events (a row already held keeps its content; only its place among equal times
    /// follows the newer list) and, in the same transaction, what is held after them.
    pub async fn write(&self, events: &[Listed], held: Option<Held>) -> Result<(), DbError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        if !events.is_empty() {
            let mut ids = Vec::with_capacity(events.len());
            let mut times = Vec::with_capacity(events.len());
            let mut places = Vec::with_capacity(events.len());
            let mut types = Vec::with_capacity(events.len());
            let mut descriptions = Vec::with_capacity(events.len());
            let mut bodies = Vec::with_capacity(events.len());
            let mut pieces = Pieces::default();
            let mut q = Qualified::with_capacity(events.len());
            let mut pairs = FacetPairs::default();
            for l in events {
                q.push(&l.event);
                pairs.push(&l.event);
                ids.push(pg_text(&l.event.id));
                times.push(l.created_ms);
                places.push(l.pos);
                types.push(pg_text(&l.event.event_type));
                descriptions.push(l.event.event_type_description.as_deref().map(pg_text));
                bodies.push(serde_json::to_string(&l.event).unwrap_or_default());
                pieces.push(&l.event);
            }
            pieces.write(&*tx).await?;
            // Each event's pairs are its slice of one flat array ($15), as long as $16 says.
            tx.execute(
                "INSERT INTO events (id, created_ms, pos, event_type, type_description, body, own_text, \
                                     shared_key, context_key, \
                                     q_user, q_user_id, q_country, q_source, q_source_description, \
                                     q_ip, q_addr, facet_pairs) \
                 SELECT id, ms, pos, ty, descr, body, own, sk, ck, u, uid, c, src, sd, ip, addr, \
                        ($15::text[])[start + 1 : start + k] \
                 FROM (SELECT *, (sum(k) OVER (ORDER BY o) - k)::int4 AS start \
                       FROM unnest($1::text[], $2::int8[], $3::int8[], $4::text[], $5::text[], \
                                   $6::text[], $7::text[], $17::bytea[], $18::bytea[], $8::text[], \
                                   $9::text[], $10::text[], \
                                   $11::text[], $12::text[], $13::text[], $14::inet[], $16::int4[]) \
                            WITH ORDINALITY AS t(id, ms, pos, ty, descr, body, own, sk, ck, u, uid, c, \
                                                 src, sd, ip, addr, k, o)) AS rows \
                 ORDER BY o \
                 ON CONFLICT (id) DO UPDATE SET pos = EXCLUDED.pos \
                 WHERE events.pos <> EXCLUDED.pos AND events.created_ms = EXCLUDED.created_ms",
                &[
                    &ids,
                    &times,
                    &places,
                    &types,
                    &descriptions,
                    &bodies,
                    &pieces.own,
                    &q.user,
                    &q.user_id,
                    &q.country,
                    &q.source,
                    &q.source_description,
                    &q.ip,
                    &q.addr,
                    &pairs.flat,
                    &pairs.lengths,
                    &pieces.shared,
                    &pieces.context,
                ],
            )
            .await?;
        }
        if let Some(h) = held {
            tx.execute(
                "UPDATE collect_state SET complete_from = $1, complete_to = $2, \
                 backfill_page = $3, backfill_done = $4, updated_at = now()",
                &[
                    &h.from,
                    &h.to,
                    &i32::try_from(h.backfill_page).unwrap_or(i32::MAX),
                    &h.backfill_done,
                ],
            )
            .await?;
        }
        tx.commit().await?;
        if !events.is_empty() {
            self.wrote.events.notify_one();
            self.wrote.days.notify_one();
        }
        Ok(())
    }

    /// Waits until this process writes events, or `most` has passed.
    pub async fn events_written(&self, most: std::time::Duration) {
        let _ = tokio::time::timeout(most, self.wrote.events.notified()).await;
    }

    /// Waits until this process stores new hits, or `most` has passed.
    pub async fn hits_found(&self, most: std::time::Duration) {
        let _ = tokio::time::timeout(most, self.wrote.hits.notified()).await;
    }

    /// Number of events held.
    pub async fn count(&self) -> Result<i64, DbError> {
        let client = self.pool.get().await?;
        Ok(client
            .query_one("SELECT count(*) FROM events", &[])
            .await?
            .get(0))
    }

    /// Every id held, sorted.
    pub async fn ids(&self) -> Result<Vec<String>, DbError> {
        let client = self.pool.get().await?;
        Ok(client
            .query("SELECT id FROM events ORDER BY id", &[])
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    /// One event, with its `_links.self` under `base`.
    pub async fn event(&self, id: &str, base: &str) -> Result<Option<AuditEvent>, ReadError> {
        let client = self.pool.get().await.map_err(DbError::from)?;
        let row = client
            .query_opt("SELECT body FROM events WHERE id = $1", &[&pg_text(id)])
            .await?;
        Ok(row.map(|r| {
            let mut ev = parse_body(r.get(0));
            audit_model::store::add_self_link(&mut ev, base);
            ev
        }))
    }

    /// Whether every event held has its facet values (migration 7's `facet_pairs`; events held
    /// from before it get theirs in the background, [`Archive::fill_facet_pairs`]).
    pub async fn pairs_ready(&self) -> Result<bool, DbError> {
        let client = self.pool.get().await?;
        let unpaired: bool = client.query_one(UNPAIRED, &[]).await?.get(0);
        Ok(!unpaired)
    }

    /// What the archive says around the event `id`, as the tab says it over the events it holds
    /// ([`audit_model::related`]), over the whole history: the same user's events just before
    /// and after it, and the history of the resource it is about ([`HISTORY_SHOWN`] of them
    /// around it, and how many in all), in the list's order read oldest first. `None` when no
    /// such event is held.
    ///
    /// The events are matched by their facet values ([`audit_model::facets::pairs`]: the user,
    /// `context.<key>`), which the tab's definitions of "the same user" and of the resource's
    /// qualifier agree with; an index finds the candidates first (the user's folded email, or
    /// the value in the search text's pieces).
    ///
    /// [`HISTORY_SHOWN`]: audit_model::related::HISTORY_SHOWN
    pub async fn related(
        &self,
        id: &str,
        base: &str,
    ) -> Result<Option<audit_model::related::Related>, ReadError> {
        use audit_model::related::HISTORY_SHOWN;
        let client = self.pool.get().await.map_err(DbError::from)?;
        let id = pg_text(id);
        let Some(row) = client
            .query_opt(
                "SELECT body, created_ms, pos FROM events WHERE id = $1",
                &[&id],
            )
            .await?
        else {
            return Ok(None);
        };
        let e = parse_body(row.get(0));
        let (at, pos): (i64, i64) = (row.get(1), row.get(2));
        // Before and after the event in the list's order read oldest first (time, then the
        // API's order within a millisecond and the id, both descending). $1–$3: its place. The
        // bound on the time alone lets an index on it start at the event.
        const BEFORE: &str = "(created_ms <= $1 AND (created_ms < $1 OR (created_ms = $1 \
             AND (pos > $2 OR (pos = $2 AND id > $3)))))";
        const AFTER: &str = "(created_ms >= $1 AND (created_ms > $1 OR (created_ms = $1 \
             AND (pos < $2 OR (pos = $2 AND id < $3)))))";
        // $4: what an index narrows to, $5: the facet pair every match has.
        let matching = |narrow: &str| format!("{narrow} AND $5 = ANY(facet_pairs)");
        let in_text = |key: &str, value: &str| {
            format!(
                "%{}\n{}\n%",
                like_escaped(&key.to_lowercase()),
                like_escaped(&value.to_lowercase())
            )
        };
        let with_link = |row: &tokio_postgres::Row| {
            let mut ev = parse_body(row.get(0));
            audit_model::store::add_self_link(&mut ev, base);
            ev
        };
        let mut related = audit_model::related::Related::default();
        if let Some(user) = audit_model::facets::value("user", &e) {
            let pair = pg_text(&format!("user\u{1f}{user}"));
            let (narrow, key) = match e.user_email.as_deref().filter(|m| !m.is_empty()) {
                Some(mail) => ("q_user = $4", pg_text(&mail.to_ascii_lowercase())),
                None => (
                    "shared_key IN (SELECT key FROM search_shared WHERE text LIKE $4)",
                    in_text("user_id", &user),
                ),
            };
            let params: [&(dyn tokio_postgres::types::ToSql + Sync); 5] =
                [&at, &pos, &id, &key, &pair];
            let one = |side: &str, order: &str| {
                format!(
                    "SELECT body FROM events WHERE {} AND {side} ORDER BY {order} LIMIT 1",
                    matching(narrow)
                )
            };
            related.previous = client
                .query_opt(&one(BEFORE, "created_ms DESC, pos, id"), &params)
                .await?
                .as_ref()
                .map(with_link);
            related.next = client
                .query_opt(&one(AFTER, "created_ms, pos DESC, id DESC"), &params)
                .await?
                .as_ref()
                .map(with_link);
        }
        if let Some((key, value)) = audit_model::related::resource(&e) {
            let pair = pg_text(&format!("context.{key}\u{1f}{value}"));
            let narrow = in_text(key, &value);
            let all =
                matching("context_key IN (SELECT key FROM search_contexts WHERE text LIKE $4)");
            let params: [&(dyn tokio_postgres::types::ToSql + Sync); 5] =
                [&at, &pos, &id, &narrow, &pair];
            // The window of HISTORY_SHOWN around the event's place, as the tab cuts it (its
            // place among them all, less half the window, kept inside the history), with how
            // many there are: the matching rows read once, numbered in the list's order read
            // oldest first, and only the window's bodies read.
            let shown = HISTORY_SHOWN as i64;
            let mut params = params.to_vec();
            params.push(&shown);
            let rows = client
                .query(
                    &format!(
                        "WITH m AS MATERIALIZED (SELECT id, created_ms, pos FROM events WHERE {all}), \
                              o AS (SELECT id, \
                                      row_number() OVER (ORDER BY created_ms, pos DESC, id DESC) - 1 AS i, \
                                      count(*) OVER () AS total, \
                                      count(*) FILTER (WHERE {BEFORE}) OVER () AS before \
                                    FROM m), \
                              w AS (SELECT id, i, total, \
                                      greatest(0, least(before - $6::int8 / 2, total - $6::int8)) AS start \
                                    FROM o) \
                         SELECT events.body, w.total FROM w JOIN events USING (id) \
                         WHERE w.i >= w.start AND w.i < w.start + $6::int8 ORDER BY w.i"
                    ),
                    &params,
                )
                .await?;
            related.history_total = rows
                .first()
                .map_or(0, |r| usize::try_from(r.get::<_, i64>(1)).unwrap_or(0));
            related.history = rows.iter().map(with_link).collect();
        }
        Ok(Some(related))
    }

    /// Up to `limit` events oldest first (by time, then the API's order within a millisecond,
    /// then id) after `after` (the last one read), from `since_ms` on: the export's batches,
    /// each one indexed seek, so a whole archive is read without holding it.
    /// Only events written up to `upto_seq` (the watch's place), when given.
    pub async fn oldest_first(
        &self,
        since_ms: i64,
        upto_seq: Option<i64>,
        after: Option<&Resume>,
        limit: i64,
    ) -> Result<Vec<(Resume, AuditEvent)>, DbError> {
        let client = self.pool.get().await?;
        let rows = match after {
            None => {
                client
                    .query(
                        "SELECT created_ms, pos, id, body FROM events WHERE created_ms >= $1 \
                         AND ($2::int8 IS NULL OR seq <= $2) \
                         ORDER BY created_ms, pos DESC, id DESC LIMIT $3",
                        &[&since_ms, &upto_seq, &limit],
                    )
                    .await?
            }
            Some(r) => {
                client
                    .query(
                        "SELECT created_ms, pos, id, body FROM events WHERE created_ms >= $1 \
                         AND ($2::int8 IS NULL OR seq <= $2) \
                         AND (created_ms > $3 OR (created_ms = $3 AND (pos < $4 \
                         OR (pos = $4 AND id < $5)))) \
                         ORDER BY created_ms, pos DESC, id DESC LIMIT $6",
                        &[&since_ms, &upto_seq, &r.created_ms, &r.pos, &r.id, &limit],
                    )
                    .await?
            }
        };
        Ok(rows
            .iter()
            .map(|row| {
                (
                    Resume {
                        created_ms: row.get(0),
                        pos: row.get(1),
                        id: row.get(2),
                    },
                    parse_body(row.get(3)),
                )
            })
            .collect())
    }

    /// Calls `each` with every event from `since_ms` on, oldest first, read in batches of
    /// `batch` ([`oldest_first`](Self::oldest_first)), so an archive of any size is walked without
    /// being held; returns how many. The first error `each` returns ends the walk.
    pub async fn for_each_oldest_first<E: From<DbError>>(
        &self,
        since_ms: i64,
        upto_seq: Option<i64>,
        batch: i64,
        mut each: impl FnMut(&AuditEvent) -> Result<(), E>,
    ) -> Result<u64, E> {
        let mut after = None;
        let mut seen = 0u64;
        loop {
            let events = self
                .oldest_first(since_ms, upto_seq, after.as_ref(), batch)
                .await?;
            let full = events.len() as i64 == batch;
            for (_, ev) in &events {
                each(ev)?;
                seen += 1;
            }
            match events.into_iter().last() {
                Some((last, _)) if full => after = Some(last),
                _ => return Ok(seen),
            }
        }
    }

    /// Where the watch is: (the last event written it has seen, the rule set's fingerprint, the
    /// correlations' windows); `None` before it starts.
    pub async fn watch_state(&self) -> Result<Option<(i64, String, Option<String>)>, DbError> {
        let client = self.pool.get().await?;
        let row = client
            .query_opt("SELECT seq, rules, windows FROM watch_state", &[])
            .await?;
        Ok(row.map(|r| (r.get(0), r.get(1), r.get(2))))
    }

    /// Starts the watch at the newest event written, once the backfill is done (history is for
    /// `rules test`; the watch alerts on what is new); returns where, or `None` while the backfill
    /// runs.
    pub async fn start_watch(&self, rules: &str) -> Result<Option<i64>, DbError> {
        let client = self.pool.get().await?;
        let row = client
            .query_opt(
                "INSERT INTO watch_state (seq, rules) \
                 SELECT coalesce((SELECT max(seq) FROM events), 0), $1 FROM collect_state \
                 WHERE backfill_done ON CONFLICT (one) DO NOTHING RETURNING seq",
                &[&rules],
            )
            .await?;
        match row {
            Some(r) => Ok(Some(r.get(0))),
            None => Ok(self.watch_state().await?.map(|(seq, _, _)| seq)),
        }
    }

    /// The time of the newest event written up to `seq`.
    pub async fn newest_written(&self, seq: i64) -> Result<Option<i64>, DbError> {
        let client = self.pool.get().await?;
        Ok(client
            .query_one(
                "SELECT max(created_ms) FROM events WHERE seq <= $1",
                &[&seq],
            )
            .await?
            .get(0))
    }

    /// Up to `limit` events written after `seq`, each with its place in the writing order.
    pub async fn written_after(
        &self,
        seq: i64,
        limit: i64,
    ) -> Result<Vec<(i64, AuditEvent)>, DbError> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT seq, body FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
                &[&seq, &limit],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| (r.get(0), parse_body(r.get(1))))
            .collect())
    }

    /// Saves a batch of the watch's work in one transaction: its hits (each once: a hit already
    /// stored is not stored again) and where it stopped. Returns the hits that were new.
    pub async fn save_watch(
        &self,
        hits: &[crate::hit::Hit],
        seq: i64,
        rules: &str,
        windows: &str,
    ) -> Result<Vec<crate::hit::Hit>, DbError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let mut new = Vec::new();
        for h in hits {
            let n = tx
                .execute(
                    "INSERT INTO hits (key, rule_id, title, level, event_ids, at_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (key) DO NOTHING",
                    &[&h.key(), &h.rule, &h.title, &h.level, &h.events, &h.at],
                )
                .await?;
            if n == 1 {
                new.push(h.clone());
            }
        }
        tx.execute(
            "UPDATE watch_state SET seq = $1, rules = $2, windows = $3, updated_at = now()",
            &[&seq, &rules, &windows],
        )
        .await?;
        tx.commit().await?;
        if !new.is_empty() {
            self.wrote.hits.notify_one();
        }
        Ok(new)
    }

    /// Up to `limit` hits to deliver now (not delivered, not dead, their wait over), oldest
    /// found first, each with its failed tries so far.
    pub async fn due_hits(&self, limit: i64) -> Result<Vec<(crate::hit::Hit, u32)>, DbError> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT rule_id, title, level, event_ids, at_ms, tries FROM hits \
                 WHERE delivered_at IS NULL AND dead_at IS NULL AND next_try_at <= now() \
                 ORDER BY found_at, key LIMIT $1",
                &[&limit],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| (hit_of(r), u32::try_from(r.get::<_, i32>(5)).unwrap_or(0)))
            .collect())
    }

    /// Marks a hit delivered.
    pub async fn delivered(&self, key: &str) -> Result<(), DbError> {
        let client = self.pool.get().await?;
        client
            .execute(
                "UPDATE hits SET delivered_at = now(), last_error = NULL WHERE key = $1",
                &[&key],
            )
            .await?;
        Ok(())
    }

    /// Records a failed try: the error, and either the next try in `wait_ms` or, after the last,
    /// the hit dead.
    pub async fn failed(
        &self,
        key: &str,
        error: &str,
        wait_ms: i64,
        dead: bool,
    ) -> Result<(), DbError> {
        let client = self.pool.get().await?;
        client
            .execute(
                "UPDATE hits SET tries = tries + 1, last_error = $2, \
                 next_try_at = now() + $3 * interval '1 millisecond', \
                 dead_at = CASE WHEN $4 THEN now() END WHERE key = $1",
                &[&key, &pg_text(error), &(wait_ms as f64), &dead],
            )
            .await?;
        Ok(())
    }

    /// The hits whose last event is at or after `since_ms`, oldest first (none when the
    /// database predates the watch).
    pub async fn hits_since(&self, since_ms: i64) -> Result<Vec<crate::hit::Hit>, DbError> {
        let client = self.pool.get().await?;
        let exists: bool = client
            .query_one("SELECT to_regclass('hits') IS NOT NULL", &[])
            .await?
            .get(0);
        if !exists {
            return Ok(Vec::new());
        }
        let rows = client
            .query(
                "SELECT rule_id, title, level, event_ids, at_ms FROM hits \
                 WHERE at_ms >= $1 ORDER BY at_ms, key",
                &[&since_ms],
            )
            .await?;
        Ok(rows.iter().map(hit_of).collect())
    }

    /// The hits stored, newest first.
    pub async fn hits(&self, limit: i64) -> Result<Vec<crate::hit::Hit>, DbError> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT rule_id, title, level, event_ids, at_ms FROM hits \
                 ORDER BY at_ms DESC, key LIMIT $1",
                &[&limit],
            )
            .await?;
        Ok(rows.iter().map(hit_of).collect())
    }

    /// What is held: how many events, the oldest's and the newest's time (ms), and whether
    /// the backfill is done.
    pub async fn held_summary(&self) -> Result<(u64, Option<i64>, Option<i64>, bool), DbError> {
        let client = self.pool.get().await?;
        let row = client
            .query_one(
                "SELECT (SELECT count(*) FROM events), (SELECT min(created_ms) FROM events), \
                 (SELECT max(created_ms) FROM events), \
                 coalesce((SELECT backfill_done FROM collect_state), false)",
                &[],
            )
            .await?;
        let count: i64 = row.get(0);
        Ok((
            u64::try_from(count).unwrap_or(0),
            row.get(1),
            row.get(2),
            row.get(3),
        ))
    }

    /// The newest `limit` hits with their delivery: `delivered`, `dead`, `pending`, or `none`
    /// when `webhook` is false (nothing is sent).
    pub async fn alerts(
        &self,
        limit: i64,
        webhook: bool,
    ) -> Result<Vec<audit_model::archive::Alert>, DbError> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT rule_id, title, level, event_ids, at_ms, \
                 delivered_at IS NOT NULL, dead_at IS NOT NULL FROM hits \
                 ORDER BY at_ms DESC, key LIMIT $1",
                &[&limit],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| {
                let hit = hit_of(r);
                let delivery = match (webhook, r.get::<_, bool>(5), r.get::<_, bool>(6)) {
                    (false, _, _) => "none",
                    (true, true, _) => "delivered",
                    (true, _, true) => "dead",
                    _ => "pending",
                };
                audit_model::archive::Alert {
                    rule: hit.rule,
                    title: hit.title,
                    level: hit.level,
                    at: audit_model::time::format_api(hit.at),
                    events: hit.events,
                    delivery: delivery.to_string(),
                }
            })
            .collect())
    }

    /// The event-type list: every documented type, and any other type held with the
    /// description its oldest event carries, sorted by name (as the API's demo answers).
    pub async fn event_types(&self) -> Result<Vec<EventType>, ReadError> {
        let client = self.pool.get().await.map_err(DbError::from)?;
        // The distinct types by walking the index, one step per type, not every row
        // (migration 9).
        let held = client
            .query(
                "SELECT t.name, (SELECT type_description FROM events e WHERE e.event_type = t.name \
                                 ORDER BY created_ms, pos DESC LIMIT 1) \
                 FROM audit_held_types() AS t(name)",
                &[],
            )
            .await?;
        let mut list: Vec<EventType> = audit_model::catalog::EVENT_TYPES
            .iter()
            .map(|(t, d)| EventType {
                name: (*t).to_string(),
                description: Some((*d).to_string()),
            })
            .collect();
        for row in held {
            let name: String = row.get(0);
            if audit_model::catalog::describe(&name).is_none() {
                list.push(EventType {
                    name,
                    description: row.get(1),
                });
            }
        }
        list.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(list)
    }

    /// `q` as the archive answers it, with how its search text is found
    /// ([`TextMatch::find`]); `None` when nothing can match. A search text every event holds
    /// is dropped, so that the query is answered as one of its other parts (by the counts, for
    /// one of dates and types).
    async fn resolve<'q>(
        &self,
        q: &'q EventQuery,
    ) -> Result<Option<(Cow<'q, EventQuery>, Option<TextMatch>)>, ReadError> {
        let Some(text) = q.search_text.as_deref().filter(|s| !s.is_empty()) else {
            return Ok(Some((Cow::Borrowed(q), None)));
        };
        let client = self.pool.get().await.map_err(DbError::from)?;
        Ok(
            match TextMatch::find(&**client, text, self.few_pieces).await? {
                None => None,
                Some(TextMatch::Everything) => Some((
                    Cow::Owned(EventQuery {
                        search_text: None,
                        ..q.clone()
                    }),
                    None,
                )),
                Some(m) => Some((Cow::Borrowed(q), Some(m))),
            },
        )
    }

    /// The rows matching `q`, its search text found by `text`, in the shape `read` is served best by.
    fn narrowed(
        q: &EventQuery,
        text: Option<&TextMatch>,
        read: ReadFor,
    ) -> Result<(String, Conditions), ReadError> {
        let range = q.validate()?;
        let mut sql = Conditions::default();
        if let Some(from) = range.from {
            let p = sql.param(Box::new(from));
            sql.and(format!("created_ms >= {p}"));
        }
        if let Some(to) = range.to {
            let p = sql.param(Box::new(to));
            sql.and(format!("created_ms <= {p}"));
        }
        if !q.event_types.is_empty() {
            let p = sql.param(Box::new(q.event_types.clone()));
            sql.and(format!("event_type = ANY({p})"));
        }
        let events = match text {
            Some(m) => m.narrow(&mut sql, read),
            None => "events".to_string(),
        };
        let filter = qualifiers_of(q);
        let mut from = events;
        if let Some(filter) = &filter {
            sql.qualifiers(filter, "d.doc");
            // Only a context path reads the event's JSON; the other qualifiers read columns.
            if filter
                .clauses
                .iter()
                .any(|c| matches!(c.field, audit_model::filter::Field::Context(_)))
            {
                from.push_str(" CROSS JOIN LATERAL (SELECT events.body::jsonb AS doc) AS d");
            }
        }
        Ok((from, sql))
    }

    /// A query of dates and types alone (the API's `event_type`, `type:` qualifiers), as
    /// counts kept per slot of `width` ms answer it (migration 6's `event_counts`, 7's
    /// `facet_counts`): the whole slots of its range from the counts, the part of a slot at
    /// either end from the events. `None` for any other query, or a range holding no whole
    /// slot (reading its events is as quick).
    fn slotted(q: &EventQuery, width: i64) -> Result<Option<Slotted>, ReadError> {
        let range = q.validate()?;
        if q.search_text.as_deref().is_some_and(|s| !s.is_empty()) {
            return Ok(None);
        }
        let filter = qualifiers_of(q);
        if filter.as_ref().is_some_and(|f| {
            f.clauses
                .iter()
                .any(|c| !matches!(c.field, audit_model::filter::Field::Type))
        }) {
            return Ok(None);
        }
        // Whole slots: from the first slot starting at or after `from` to the last ending at or
        // before `to` (both included); open ends reach every slot.
        let first = match range.from {
            Some(f) => f.saturating_add((width - f.rem_euclid(width)) % width),
            None => i64::MIN,
        };
        let end = match range.to {
            Some(t) => {
                let after = t.saturating_add(1);
                after - after.rem_euclid(width)
            }
            None => i64::MAX,
        };
        if first >= end {
            return Ok(None);
        }
        let mut sql = Conditions::default();
        if !q.event_types.is_empty() {
            let p = sql.param(Box::new(q.event_types.clone()));
            sql.and(format!("event_type = ANY({p})"));
        }
        if let Some(filter) = &filter {
            // `type:` reads only event_type, a column of both tables.
            sql.qualifiers(filter, "NULL");
        }
        let kinds = sql.all().map(|c| format!(" AND {c}")).unwrap_or_default();
        let by_type = !kinds.is_empty();
        let (first_ms, end_ms) = (first, end);
        let [from, first, end, to] = [
            range.from.unwrap_or(i64::MIN),
            first,
            end,
            range.to.unwrap_or(i64::MAX),
        ]
        // Typed where written: not every statement uses every one.
        .map(|v| format!("{}::int8", sql.param(Box::new(v))));
        Ok(Some(Slotted {
            whole: format!("slot >= {first} AND slot < {end}{kinds}"),
            ends: format!(
                "((created_ms >= {from} AND created_ms < {first}) OR \
                  (created_ms >= {end} AND created_ms <= {to})){kinds}"
            ),
            newer: format!("created_ms >= {end} AND created_ms <= {to}{kinds}"),
            within: format!("created_ms >= {first} AND created_ms < {end}{kinds}"),
            from,
            to,
            first: first_ms,
            end: end_ms,
            by_type,
            sql,
        }))
    }

    /// The events matching `q` counted per bucket of `cut` (only buckets holding events,
    /// oldest first): what the timeline draws, in one query. A cut of whole quarters of an hour
    /// (every zone's offset is one) over a query of dates and types reads the per-slot counts.
    pub async fn counts(
        &self,
        q: &EventQuery,
        cut: &audit_model::archive::Cut,
    ) -> Result<Vec<audit_model::archive::BucketCount>, ReadError> {
        let Some((q, text)) = self.resolve(q).await? else {
            return Ok(Vec::new());
        };
        if let Some(m) = &text {
            if let Some(buckets) = self.pieces_counts(&q, m, Some(cut)).await? {
                return Ok(buckets
                    .into_iter()
                    .map(|(start_ms, n)| audit_model::archive::BucketCount {
                        start_ms,
                        count: u64::try_from(n).unwrap_or(0),
                    })
                    .collect());
            }
        }
        // A qualifier many events match, from the facet counts (few: from its index at once).
        if let Some(v) = Valued::of(&q) {
            let (from, sql) = Self::narrowed(&q, None, ReadFor::Counting)?;
            let many = self.up_to(self.few, &from, &sql).await? >= self.few;
            if let Some(buckets) = match many {
                true => self.valued_counts(&v, cut).await?,
                false => None,
            } {
                return Ok(buckets
                    .into_iter()
                    .map(|(start_ms, n)| audit_model::archive::BucketCount {
                        start_ms,
                        count: u64::try_from(n).unwrap_or(0),
                    })
                    .collect());
            }
        }
        let offset_ms = i64::from(cut.offset_minutes) * 60_000;
        let whole_slots = cut.width_ms % SLOT_MS == 0 && offset_ms % SLOT_MS == 0;
        let slotted = if whole_slots {
            Self::slotted(&q, SLOT_MS)?
        } else {
            None
        };
        // The conditions, and where the rows are read from: the slots' counts with the events
        // at either end, or the matching events.
        let (sql, read) = match slotted {
            Some(s) => (s.sql, Read::Slots(s.whole, s.ends)),
            None => {
                let (from, sql) = Self::narrowed(&q, text.as_ref(), ReadFor::Counting)?;
                let where_sql = sql.where_sql();
                (sql, Read::Events(from, where_sql))
            }
        };
        let mut refs = sql.params();
        let n = refs.len();
        refs.push(&offset_ms);
        refs.push(&cut.width_ms);
        // A slot lies in one bucket.
        let bucket = |t: &str| bucket_start(t, n + 1, n + 2);
        let select = match read {
            Read::Slots(whole, ends) => format!(
                "SELECT start, sum(n)::int8 FROM ( \
                   SELECT {} AS start, n FROM event_counts WHERE {whole} \
                   UNION ALL \
                   SELECT {} AS start, 1::int8 AS n FROM events WHERE {ends}) AS c \
                 GROUP BY 1 ORDER BY 1",
                bucket("slot"),
                bucket("created_ms"),
            ),
            Read::Events(from, where_sql) => format!(
                "SELECT {} AS start, count(*) FROM {from} {where_sql} GROUP BY 1 ORDER BY 1",
                bucket("created_ms")
            ),
        };
        let client = self.pool.get().await.map_err(DbError::from)?;
        let rows = client.query(&select, &refs).await?;
        Ok(rows
            .iter()
            .map(|r| audit_model::archive::BucketCount {
                start_ms: r.get(0),
                count: u64::try_from(r.get::<_, i64>(1)).unwrap_or(0),
            })
            .collect())
    }

    /// How many events match: the list's total, from the slots' counts when the query is one of
    /// dates and types ([`Archive::slotted`]), else from the matching rows (`from`, `sql`).
    async fn total(
        &self,
        slotted: Option<&Slotted>,
        from: &str,
        sql: &Conditions,
    ) -> Result<i64, ReadError> {
        let client = self.pool.get().await.map_err(DbError::from)?;
        let row = match slotted {
            Some(s) => client.query_one(&s.total(), &s.sql.params()).await?,
            None => {
                client
                    .query_one(
                        &format!("SELECT count(*) FROM {from} {}", sql.where_sql()),
                        &sql.params(),
                    )
                    .await?
            }
        };
        Ok(row.get(0))
    }

    /// How many events match, counting no further than `most`.
    async fn up_to(&self, most: i64, from: &str, sql: &Conditions) -> Result<i64, ReadError> {
        let client = self.pool.get().await.map_err(DbError::from)?;
        let mut refs = sql.params();
        refs.push(&most);
        let n = refs.len();
        let row = client
            .query_one(
                &format!(
                    "SELECT count(*) FROM (SELECT 1 FROM {from} {} LIMIT ${n}) AS m",
                    sql.where_sql()
                ),
                &refs,
            )
            .await?;
        Ok(row.get(0))
    }

    /// The total of a [`Valued`] query: each value's events from the facet counts (the way the
    /// facets of a query of dates and types are counted), those whose value matches added up,
    /// and the events without a value when that matches; in one snapshot. `None` when the
    /// counts cannot answer: the range holds no whole hour, or events wait for their facet
    /// pairs.
    async fn valued_total(&self, v: &Valued) -> Result<Option<i64>, ReadError> {
        let (Some(hours), Some(quarters)) = (
            Self::slotted(&v.base, HOUR_MS)?,
            Self::slotted(&v.base, SLOT_MS)?,
        ) else {
            return Ok(None);
        };
        let days = Self::slotted(&v.base, DAY_MS)?;
        let mut client = self.pool.get().await.map_err(DbError::from)?;
        let tx = snapshot(&mut client).await?;
        let unpaired: bool = tx.query_one(UNPAIRED, &[]).await?.get(0);
        if unpaired {
            return Ok(None);
        }
        let mut tally = audit_model::facets::Tally::default();
        Self::count_facets(&tx, &hours, days.as_ref(), &mut tally, Some(v.field), None).await?;
        // The range's events in all, only when those without a value match (a negated
        // qualifier): summing its quarter hours is most of the work over a long range.
        let missing_match = v.matches(None);
        let all: i64 = match missing_match {
            true => tx
                .query_one(&quarters.total(), &quarters.sql.params())
                .await?
                .get(0),
            false => 0,
        };
        tx.commit().await?;
        let (mut valued, mut matching) = (0i64, 0i64);
        for (value, n) in tally.values(v.field) {
            let n = i64::try_from(n).unwrap_or(i64::MAX);
            valued += n;
            if v.matches(Some(value)) {
                matching += n;
            }
        }
        if missing_match {
            matching += all - valued;
        }
        Ok(Some(matching))
    }

    /// A [`Valued`] query's events counted per bucket of `cut` (only buckets holding events,
    /// oldest first), as its total is ([`Archive::valued_total`]): each value's events per day
    /// and per hour from the facet counts, those whose value matches added up, and the part of
    /// an hour at either end and the stale days from the events' values; in one snapshot.
    /// `None` when the counts cannot answer: events without a value match (a negated
    /// qualifier), events wait for their facet pairs, a range holding no whole hour, or a cut
    /// that splits an hour.
    async fn valued_counts(
        &self,
        v: &Valued,
        cut: &audit_model::archive::Cut,
    ) -> Result<Option<Vec<(i64, i64)>>, ReadError> {
        let (offset_ms, width_ms) = (i64::from(cut.offset_minutes) * 60_000, cut.width_ms);
        let aligned = |unit: i64| offset_ms % unit == 0 && width_ms % unit == 0;
        if v.matches(None) || !aligned(HOUR_MS) {
            return Ok(None);
        }
        let Some(hours) = Self::slotted(&v.base, HOUR_MS)? else {
            return Ok(None);
        };
        let days = match aligned(DAY_MS) {
            true => Self::slotted(&v.base, DAY_MS)?,
            false => None,
        };
        let mut client = self.pool.get().await.map_err(DbError::from)?;
        let tx = snapshot(&mut client).await?;
        let unpaired: bool = tx.query_one(UNPAIRED, &[]).await?.get(0);
        if unpaired {
            return Ok(None);
        }
        let stale = stale_days(&tx).await?;
        let field = v.field.to_string();
        let cut_refs: [&(dyn tokio_postgres::types::ToSql + Sync); 2] = [&offset_ms, &width_ms];
        // Each statement's rows are (bucket, value, count); `n` parameters come before the cut's.
        let mut statements: Vec<(String, Vec<&(dyn tokio_postgres::types::ToSql + Sync)>)> =
            Vec::new();
        if let Some(d) = &days {
            let mut refs = d.sql.params();
            refs.push(&field);
            refs.push(&stale);
            let n = refs.len();
            let table = if d.by_type {
                "facet_counts"
            } else {
                "facet_counts_all"
            };
            statements.push((
                format!(
                    "SELECT {}, value, sum(n)::int8 FROM {table} \
                     WHERE field = ${} AND {} AND {} AND slot <> ALL(${n}::int8[]) \
                     GROUP BY 1, 2",
                    bucket_start("slot", n + 1, n + 2),
                    n - 1,
                    d.whole,
                    d.typed()
                ),
                refs,
            ));
        }
        let ranges = hours.around(days.as_ref());
        for (lo, hi) in ranges.iter().filter(|(lo, hi)| lo < hi) {
            let mut refs = hours.sql.params();
            refs.push(&field);
            refs.push(lo);
            refs.push(hi);
            refs.push(&stale);
            let n = refs.len();
            statements.push((
                format!(
                    "SELECT {}, value, sum(n)::int8 FROM facet_counts_hourly \
                     WHERE field = ${} AND slot >= ${} AND slot < ${} AND {} AND {} \
                       AND {SLOT_DAY} <> ALL(${n}::int8[]) \
                     GROUP BY 1, 2",
                    bucket_start("slot", n + 1, n + 2),
                    n - 3,
                    n - 2,
                    n - 1,
                    hours.whole,
                    hours.typed(),
                ),
                refs,
            ));
        }
        // The parts of an hour at either end, and the stale days (day by day), from the
        // events' values.
        let mut refs = hours.sql.params();
        refs.push(&field);
        let f = refs.len();
        let mut stale_part = String::new();
        if !stale.is_empty() {
            refs.push(&stale);
            stale_part = format!(
                "UNION ALL \
                 SELECT e.created_ms, e.facet_pairs FROM unnest(${}::int8[]) AS d(slot) \
                 CROSS JOIN LATERAL (SELECT created_ms, facet_pairs FROM events \
                   WHERE created_ms >= d.slot AND created_ms < d.slot + {DAY_MS} \
                     AND {}) AS e",
                refs.len(),
                hours.within
            );
        }
        let n = refs.len();
        statements.push((
            format!(
                "SELECT {}, substr(pair, strpos(pair, chr(31)) + 1), count(*) FROM ( \
                   SELECT created_ms, facet_pairs FROM events WHERE {} {stale_part}) AS e, \
                   unnest(e.facet_pairs) AS p(pair) \
                 WHERE split_part(pair, chr(31), 1) = ${f} \
                 GROUP BY 1, 2",
                bucket_start("e.created_ms", n + 1, n + 2),
                hours.ends
            ),
            refs,
        ));
        let mut buckets: std::collections::BTreeMap<i64, i64> = Default::default();
        let mut matched: std::collections::HashMap<String, bool> = Default::default();
        for (sql, mut refs) in statements {
            refs.extend(cut_refs);
            for r in tx.query(&sql, &refs).await? {
                let value: String = r.get(1);
                let hit = match matched.get(&value) {
                    Some(hit) => *hit,
                    None => *matched
                        .entry(value)
                        .or_insert_with_key(|value| v.matches(Some(value))),
                };
                if hit {
                    *buckets.entry(r.get(0)).or_default() += r.get::<_, i64>(2);
                }
            }
        }
        tx.commit().await?;
        Ok(Some(buckets.into_iter().filter(|(_, n)| *n > 0).collect()))
    }

    /// The events of a query of dates, types and a search text that shared pieces hold
    /// ([`TextMatch::shared_keys`]), counted per bucket of `cut` (only buckets holding events,
    /// oldest first), or in all without one (a bucket starting at 0): the events holding those
    /// pieces from their per-day and per-hour counts (migration 12), split as the facets' are
    /// ([`Archive::count_facets`]), and the other matching events (by their context or their
    /// own lines) from the events; in one snapshot. `None` when the counts cannot answer: a
    /// qualifier besides `type:`, a range holding no whole hour (its events are counted as
    /// quickly), or a cut that splits an hour.
    async fn pieces_counts(
        &self,
        q: &EventQuery,
        text: &TextMatch,
        cut: Option<&audit_model::archive::Cut>,
    ) -> Result<Option<Vec<(i64, i64)>>, ReadError> {
        let Some(shared) = text.shared_keys() else {
            return Ok(None);
        };
        // The bucket of each slot or event: a whole hour (or day) lies in one.
        let (offset_ms, width_ms) = match cut {
            Some(c) => (i64::from(c.offset_minutes) * 60_000, c.width_ms),
            None => (0, i64::MAX),
        };
        let aligned = |unit: i64| offset_ms % unit == 0 && (cut.is_none() || width_ms % unit == 0);
        if !aligned(HOUR_MS) {
            return Ok(None);
        }
        let base = EventQuery {
            search_text: None,
            ..q.clone()
        };
        let Some(hours) = Self::slotted(&base, HOUR_MS)? else {
            return Ok(None);
        };
        let days = match aligned(DAY_MS) {
            true => Self::slotted(&base, DAY_MS)?,
            false => None,
        };
        let (rest_from, rest) = Self::narrowed(q, Some(text), ReadFor::Unshared)?;
        // Each statement's rows are (bucket, count); `t` is the column of times, `n` its
        // parameters so far (the offset and the width follow them).
        let bucket = |t: &str, n: usize| match cut {
            Some(_) => bucket_start(t, n + 1, n + 2),
            None => "0::int8".to_string(),
        };
        let cut_refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = match cut {
            Some(_) => vec![&offset_ms, &width_ms],
            None => Vec::new(),
        };
        let mut buckets: std::collections::BTreeMap<i64, i64> = Default::default();
        let mut client = self.pool.get().await.map_err(DbError::from)?;
        let tx = snapshot(&mut client).await?;
        let stale = stale_days(&tx).await?;
        let mut add = |rows: Vec<tokio_postgres::Row>| {
            for r in rows {
                *buckets.entry(r.get(0)).or_default() += r.get::<_, i64>(1);
            }
        };
        if let Some(d) = &days {
            let mut refs = d.sql.params();
            refs.push(shared);
            refs.push(&stale);
            let n = refs.len();
            let sql = format!(
                "SELECT {}, sum(n)::int8 FROM search_counts \
                 WHERE shared_key = ANY(${}) AND {} AND {} AND slot <> ALL(${n}::int8[]) \
                 GROUP BY 1",
                bucket("slot", n),
                n - 1,
                d.whole,
                d.typed()
            );
            refs.extend(cut_refs.iter().copied());
            add(tx.query(&sql, &refs).await?);
        }
        for (lo, hi) in hours
            .around(days.as_ref())
            .iter()
            .filter(|(lo, hi)| lo < hi)
        {
            let mut refs = hours.sql.params();
            refs.push(shared);
            refs.push(lo);
            refs.push(hi);
            refs.push(&stale);
            let n = refs.len();
            let sql = format!(
                "SELECT {}, sum(n)::int8 FROM search_counts_hourly \
                 WHERE shared_key = ANY(${}) AND slot >= ${} AND slot < ${} AND {} AND {} \
                   AND {SLOT_DAY} <> ALL(${n}::int8[]) \
                 GROUP BY 1",
                bucket("slot", n),
                n - 3,
                n - 2,
                n - 1,
                hours.whole,
                hours.typed(),
            );
            refs.extend(cut_refs.iter().copied());
            add(tx.query(&sql, &refs).await?);
        }
        // The parts of an hour at either end, and the stale days' whole hours (day by day, as
        // the facets read them), from the events.
        let mut refs = hours.sql.params();
        refs.push(shared);
        let s = refs.len();
        let mut stale_part = String::new();
        if !stale.is_empty() {
            refs.push(&stale);
            stale_part = format!(
                "UNION ALL \
                 SELECT e.created_ms FROM unnest(${}::int8[]) AS d(slot) \
                 CROSS JOIN LATERAL (SELECT created_ms FROM events \
                   WHERE shared_key = ANY(${s}) \
                     AND created_ms >= d.slot AND created_ms < d.slot + {DAY_MS} \
                     AND {}) AS e",
                refs.len(),
                hours.within
            );
        }
        let sql = format!(
            "SELECT {}, count(*) FROM ( \
               SELECT created_ms FROM events WHERE shared_key = ANY(${s}) AND {} \
               {stale_part}) AS m GROUP BY 1",
            bucket("created_ms", refs.len()),
            hours.ends
        );
        refs.extend(cut_refs.iter().copied());
        add(tx.query(&sql, &refs).await?);
        let mut refs = rest.params();
        let sql = format!(
            "SELECT {}, count(*) FROM {rest_from} {} GROUP BY 1",
            bucket("events.created_ms", refs.len()),
            rest.where_sql()
        );
        refs.extend(cut_refs.iter().copied());
        add(tx.query(&sql, &refs).await?);
        tx.commit().await?;
        Ok(Some(buckets.into_iter().filter(|(_, n)| *n > 0).collect()))
    }

    /// A query of dates, types and a search text that shared pieces hold
    /// ([`TextMatch::shared_keys`]) split into whole UTC days, with those pieces; `None` for
    /// any other query, or a range holding no whole day.
    fn pieces_days<'t>(
        q: &EventQuery,
        text: Option<&'t TextMatch>,
    ) -> Result<Option<PiecesDays<'t>>, ReadError> {
        let Some((text, shared)) = text.and_then(|t| Some((t, t.shared_keys()?))) else {
            return Ok(None);
        };
        let base = EventQuery {
            search_text: None,
            ..q.clone()
        };
        Ok(Self::slotted(&base, DAY_MS)?.map(|days| (days, shared, text)))
    }

    /// The facets of the events matching `q`, each with its `top` most common values, counted
    /// by the same code as the tab's ([`audit_model::facets::Tally`]): from the events' facet
    /// pairs, and for a query of dates and types from the per-day counts of its whole days
    /// (migration 7), with a search text that shared pieces hold from those pieces' (13). While
    /// rows written before migration 7 wait for their pairs ([`Archive::fill_facet_pairs`]),
    /// from the events' JSON.
    pub async fn facets(
        &self,
        q: &EventQuery,
        top: usize,
    ) -> Result<audit_model::archive::Facets, ReadError> {
        use futures_util::TryStreamExt;
        let mut tally = audit_model::facets::Tally::default();
        let Some((q, text)) = self.resolve(q).await? else {
            return Ok(audit_model::archive::Facets {
                events: 0,
                facets: tally.facets(top),
            });
        };
        let matching = || Self::narrowed(&q, text.as_ref(), ReadFor::Counting);
        let mut client = self.pool.get().await.map_err(DbError::from)?;
        let unpaired: bool = client.query_one(UNPAIRED, &[]).await?.get(0);
        if unpaired {
            let (from, sql) = matching()?;
            let rows = client
                .query_raw(
                    &format!("SELECT body FROM {from} {}", sql.where_sql()),
                    sql.params(),
                )
                .await?;
            let mut rows = std::pin::pin!(rows);
            while let Some(row) = rows.try_next().await? {
                tally.add(&parse_body(row.get(0)));
            }
        } else if let Some(hours) = Self::slotted(&q, HOUR_MS)? {
            let days = Self::slotted(&q, DAY_MS)?;
            let tx = snapshot(&mut client).await?;
            Self::count_facets(&tx, &hours, days.as_ref(), &mut tally, None, None).await?;
            tx.commit().await?;
        } else if let Some((days, shared, text)) = Self::pieces_days(&q, text.as_ref())? {
            // The events holding the pieces from their per-day counts, the other matching
            // events (by their context or own lines) from the events.
            // The others first: the context keys shown are those of every matching event.
            let (rest_from, rest) = Self::narrowed(&q, Some(text), ReadFor::Unshared)?;
            let tx = snapshot(&mut client).await?;
            count_pairs(
                &mut tally,
                tx.query(&pairs_of(&rest_from, &rest), &rest.params())
                    .await?,
            );
            Self::count_facets(&tx, &days, None, &mut tally, None, Some(shared)).await?;
            tx.commit().await?;
        } else {
            let (from, sql) = matching()?;
            count_pairs(
                &mut tally,
                client.query(&pairs_of(&from, &sql), &sql.params()).await?,
            );
        }
        Ok(audit_model::archive::Facets {
            events: tally.events(),
            facets: tally.facets(top),
        })
    }

    /// Counts into `tally` the facets of a query of dates and types split into whole hours
    /// (`hours`) and days (`days`): the whole days from the days' counts, the rest of the whole
    /// hours from the hours' counts, the part of an hour at either end from the events, and a
    /// day whose events changed since it was counted from its events; in one snapshot.
    ///
    /// With `only`, the values of that one field alone (no context keys' values after them).
    /// With `holding`, only the events holding one of those shared pieces of search text, from
    /// their per-day counts (migration 13): `hours` is then split into whole days, and `days`
    /// is `None`. `tx` is the caller's snapshot ([`snapshot`]).
    async fn count_facets(
        tx: &deadpool_postgres::Transaction<'_>,
        hours: &Slotted,
        days: Option<&Slotted>,
        tally: &mut audit_model::facets::Tally,
        only: Option<&str>,
        holding: Option<&Vec<Vec<u8>>>,
    ) -> Result<(), ReadError> {
        let hour_ranges = hours.around(days);
        let fine = match holding {
            Some(_) => "search_facet_counts",
            None => "facet_counts_hourly",
        };
        // The condition naming the pieces, when it is the parameter after `n` others.
        let held = |n: usize| match holding {
            Some(_) => format!(" AND shared_key = ANY(${})", n + 1),
            None => String::new(),
        };
        let stale = stale_days(tx).await?;
        let fields: Vec<String> = match only {
            Some(field) => vec![field.to_string()],
            None => audit_model::facets::counted_first()
                .map(String::from)
                .collect(),
        };
        let passes = if only.is_some() { 1 } else { 2 };
        for pass in 0..passes {
            // The fields but the context's values first, and all the events' pairs; then only
            // the values of the context keys shown.
            let fields = if pass == 0 {
                fields.clone()
            } else {
                tally
                    .context_keys()
                    .into_iter()
                    .map(|k| format!("{}.{k}", audit_model::facets::CARRIED))
                    .collect()
            };
            if let Some(d) = days {
                let mut refs = d.sql.params();
                refs.push(&fields);
                refs.push(&stale);
                let n = refs.len();
                let table = if d.by_type {
                    "facet_counts"
                } else {
                    "facet_counts_all"
                };
                let sql = format!(
                    "SELECT field, value, sum(n)::int8 FROM {table} \
                     WHERE field = ANY(${}::text[]) AND {} AND {} \
                       AND slot <> ALL(${n}::int8[]) \
                     GROUP BY 1, 2",
                    n - 1,
                    d.whole,
                    d.typed()
                );
                count_pairs(tally, tx.query(&sql, &refs).await?);
            }
            for (lo, hi) in hour_ranges.iter().filter(|(lo, hi)| lo < hi) {
                let mut refs = hours.sql.params();
                refs.push(&fields);
                refs.push(lo);
                refs.push(hi);
                refs.push(&stale);
                let n = refs.len();
                let held = held(n);
                refs.extend(holding.map(|k| k as &(dyn tokio_postgres::types::ToSql + Sync)));
                let sql = format!(
                    "SELECT field, value, sum(n)::int8 FROM {fine} \
                     WHERE field = ANY(${}::text[]) AND slot >= ${} AND slot < ${} \
                       AND {} AND {} \
                       AND {SLOT_DAY} <> ALL(${n}::int8[]){held} \
                     GROUP BY 1, 2",
                    n - 3,
                    n - 2,
                    n - 1,
                    hours.whole,
                    hours.typed(),
                );
                count_pairs(tally, tx.query(&sql, &refs).await?);
            }
            if pass == 0 {
                // The stale days' events are read day by day (a lateral join: never the whole
                // range's events joined to the days, a plan PostgreSQL may choose when it
                // believes the empty table of stale days holds a row).
                let mut refs = hours.sql.params();
                let held = held(refs.len());
                refs.extend(holding.map(|k| k as &(dyn tokio_postgres::types::ToSql + Sync)));
                let mut stale_days = String::new();
                if !stale.is_empty() {
                    refs.push(&stale);
                    stale_days = format!(
                        "UNION ALL \
                         SELECT e.facet_pairs FROM unnest(${}::int8[]) AS d(slot) \
                         CROSS JOIN LATERAL (SELECT facet_pairs FROM events \
                           WHERE created_ms >= d.slot AND created_ms < d.slot + {DAY_MS} \
                             AND {}{held}) AS e",
                        refs.len(),
                        hours.within
                    );
                }
                let sql = format!(
                    "SELECT {SPLIT}, count(*) FROM ( \
                       SELECT facet_pairs FROM events WHERE {}{held} \
                       {stale_days} \
                     ) AS e, unnest(e.facet_pairs) AS p(pair) GROUP BY 1, 2",
                    hours.ends
                );
                count_pairs(tally, tx.query(&sql, &refs).await?);
            }
        }
        Ok(())
    }

    /// Writes the facet pairs of events held from before migration 7, a thousand per
    /// transaction (the counts follow, by trigger); how many it wrote. Until it is done the
    /// facets are counted from the events' JSON.
    pub async fn fill_facet_pairs(&self) -> Result<u64, DbError> {
        let mut filled = 0;
        loop {
            let mut client = self.pool.get().await?;
            let tx = client.transaction().await?;
            let rows = tx
                .query(
                    "SELECT id, body FROM events WHERE facet_pairs IS NULL LIMIT 1000 FOR UPDATE",
                    &[],
                )
                .await?;
            if rows.is_empty() {
                return Ok(filled);
            }
            let mut ids = Vec::with_capacity(rows.len());
            let mut pairs = FacetPairs::default();
            for r in &rows {
                ids.push(r.get::<_, String>(0));
                pairs.push(&parse_body(r.get(1)));
            }
            tx.execute(
                "UPDATE events SET facet_pairs = ($2::text[])[f.start + 1 : f.start + f.k] \
                 FROM (SELECT id, k, (sum(k) OVER (ORDER BY o) - k)::int4 AS start \
                       FROM unnest($1::text[], $3::int4[]) WITH ORDINALITY AS t(id, k, o)) AS f \
                 WHERE events.id = f.id",
                &[&ids, &pairs.flat, &pairs.lengths],
            )
            .await?;
            tx.commit().await?;
            filled += rows.len() as u64;
        }
    }

    /// Counts the facets of the days whose events changed since they were last counted, newest
    /// first, a day per transaction; how many days it counted. Until a day is counted, the
    /// facets read its events (as exact, slower).
    pub async fn count_facet_days(&self) -> Result<u64, DbError> {
        let mut counted = 0;
        loop {
            let mut client = self.pool.get().await?;
            let day: Option<i64> = client
                .query_opt(
                    "SELECT slot FROM facet_days_stale ORDER BY slot DESC LIMIT 1",
                    &[],
                )
                .await?
                .map(|r| r.get(0));
            let Some(day) = day else {
                return Ok(counted);
            };
            let tx = client.transaction().await?;
            tx.execute("SELECT audit_count_facet_day($1)", &[&day])
                .await?;
            tx.commit().await?;
            counted += 1;
        }
    }

    /// Updates the planner's statistics of the counts tables.
    async fn analyze_counts(&self) -> Result<(), DbError> {
        let client = self.pool.get().await?;
        client
            .batch_execute(
                "ANALYZE facet_counts, facet_counts_hourly, facet_counts_all, search_counts, \
                 search_counts_hourly, search_facet_counts",
            )
            .await?;
        Ok(())
    }

    /// Keeps the facets' per-day counts up to date while the process runs: first the pairs of
    /// events held from before them ([`Archive::fill_facet_pairs`]), then, whenever writes
    /// have paused for `quiet`, the days they changed ([`Archive::count_facet_days`]). (While
    /// writes go on, a day being filled would be counted again and again.) A database error is
    /// logged and tried again at the next pause.
    pub async fn keep_facets_counted(self, quiet: std::time::Duration) {
        match self.fill_facet_pairs().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(events = n, "facet values written for events held before"),
            Err(e) => tracing::warn!(
                error = %e,
                "facet values not written for events held before; their facets are read from \
                 every event until the next start"
            ),
        }
        loop {
            match self.count_facet_days().await {
                Ok(0) => {}
                // A poll's new events change one day, a minute at a time: not worth a line.
                Ok(1) => tracing::debug!(days = 1, "facet counts up to date"),
                Ok(days) => {
                    // Many days counted at once (a backfill, an upgrade) change the tables
                    // enough that the planner, until autovacuum looks, reads them slowly:
                    // 164 -> 22 ms for 90 days' facets at 100,000 events once analysed.
                    if let Err(e) = self.analyze_counts().await {
                        tracing::warn!(error = %e, "facet counts not analysed");
                    }
                    tracing::info!(days, "facet counts up to date")
                }
                Err(e) => tracing::warn!(error = %e, "facet counts not brought up to date"),
            }
            self.wrote.days.notified().await;
            while tokio::time::timeout(quiet, self.wrote.days.notified())
                .await
                .is_ok()
            {}
        }
    }

    /// For a query of dates and types (`s`), where its row `skip` (newest first) lies: the
    /// latest time a row from there on can have, and how many rows to skip up to that time.
    /// `None` when the row is newer than every whole slot.
    async fn seek(&self, s: &Slotted, skip: i64) -> Result<Option<(i64, i64)>, ReadError> {
        let mut refs = s.sql.params();
        refs.push(&skip);
        let skip_p = refs.len();
        let client = self.pool.get().await.map_err(DbError::from)?;
        // The rows newer than the whole slots; the whole slots newest first, with how many
        // rows they and the newer ones hold; the first slot whose rows reach past `skip`.
        let row = client
            .query_one(
                &format!(
                    "WITH newer AS (SELECT count(*)::int8 AS n FROM events WHERE {newer}), \
                          slots AS (SELECT slot, sum(n)::int8 AS n FROM event_counts \
                                    WHERE {whole} GROUP BY slot), \
                          reach AS (SELECT slot, n, (SELECT n FROM newer) \
                                      + sum(n) OVER (ORDER BY slot DESC)::int8 AS upto \
                                    FROM slots), \
                          there AS (SELECT slot, upto - n AS before FROM reach \
                                    WHERE upto > ${skip_p} ORDER BY slot DESC LIMIT 1) \
                     SELECT {from} AS since, (SELECT n FROM newer), \
                            (SELECT n FROM newer) + (SELECT coalesce(sum(n), 0)::int8 FROM slots), \
                            (SELECT slot FROM there), (SELECT before FROM there)",
                    newer = s.newer,
                    whole = s.whole,
                    from = s.from,
                ),
                &refs,
            )
            .await?;
        let newer: i64 = row.get(1);
        let through_slots: i64 = row.get(2);
        let slot: Option<i64> = row.get(3);
        let before: Option<i64> = row.get(4);
        Ok(match (slot, before) {
            _ if skip < newer => None,
            (Some(slot), Some(before)) => Some((slot + SLOT_MS - 1, skip - before)),
            // Past every whole slot: in the part of a slot before them.
            _ => Some((s.first.saturating_sub(1), skip - through_slots)),
        })
    }

    /// One page of the list, as the API answers `GET /beta/audit/events`, and the app's exact
    /// qualifiers (`where=`) answered in SQL ([`crate::qualifiers`]).
    pub async fn page(&self, asked: &EventQuery, base: &str) -> Result<EventsPage, ReadError> {
        let Some((q, text)) = self.resolve(asked).await? else {
            return Ok(build_page(asked, 0, Vec::new(), base));
        };
        let q = &*q;
        let (from, sql) = Self::narrowed(q, text.as_ref(), ReadFor::Counting)?;
        // Read once: the total and a deep page's start both use it.
        let slotted = Self::slotted(q, SLOT_MS)?;
        // A qualifier few events match is counted from its index at once; one many match, from
        // the facet counts.
        let counted = match Valued::of(q) {
            Some(v) => match self.up_to(self.few, &from, &sql).await? {
                n if n < self.few => Some(n),
                _ => self.valued_total(&v).await?,
            },
            None => None,
        };
        let counted = match (counted, &text) {
            (None, Some(m)) => self
                .pieces_counts(q, m, None)
                .await?
                .map(|b| b.iter().map(|(_, n)| n).sum()),
            (counted, _) => counted,
        };
        let total = match counted {
            Some(n) => n,
            None => self.total(slotted.as_ref(), &from, &sql).await?,
        };
        let size = i64::from(q.size);
        let mut skip = i64::from(q.page - 1) * i64::from(q.size);
        // The page's rows are read newest first, where an index in that order can serve.
        let (from, mut sql) = Self::narrowed(q, text.as_ref(), ReadFor::Listing)?;
        // Past the first page, the counts say which slot the page starts in: the rows newer
        // than that slot are not read at all.
        if skip > 0 {
            let seek = match &slotted {
                Some(s) => self.seek(s, skip).await?,
                None => None,
            };
            if let Some((newest, within)) = seek {
                let p = sql.param(Box::new(newest));
                sql.and(format!("created_ms <= {p}"));
                skip = within;
            }
        }
        let where_sql = sql.where_sql();
        let mut refs = sql.params();
        let client = self.pool.get().await.map_err(DbError::from)?;
        let n = refs.len();
        refs.push(&size);
        refs.push(&skip);
        let rows = client
            .query(
                &format!(
                    "SELECT body FROM {from} {where_sql} ORDER BY created_ms DESC, pos, id \
                     LIMIT ${} OFFSET ${}",
                    n + 1,
                    n + 2
                ),
                &refs,
            )
            .await?;
        let events = rows.iter().map(|r| parse_body(r.get(0))).collect();
        Ok(build_page(
            asked,
            usize::try_from(total).unwrap_or(0),
            events,
            base,
        ))
    }
}

/// A facet pair's field and value (`pair`, migration 7), split at its first unit separator.
const SPLIT: &str = "split_part(pair, chr(31), 1), substr(pair, strpos(pair, chr(31)) + 1)";

/// A query's whole UTC days ([`Archive::pieces_days`]), the shared pieces holding its search
/// text, and how that text is found.
type PiecesDays<'t> = (Slotted, &'t Vec<Vec<u8>>, &'t TextMatch);

/// The facet pairs of the rows `from` narrowed by `sql`, counted: (field, value, events).
fn pairs_of(from: &str, sql: &Conditions) -> String {
    format!(
        "SELECT {SPLIT}, count(*) FROM {from}, unnest(events.facet_pairs) AS p(pair) {} \
         GROUP BY 1, 2",
        sql.where_sql()
    )
}

/// Whether any event held still waits for its facet pairs (migration 7's background fill).
const UNPAIRED: &str = "SELECT EXISTS (SELECT 1 FROM events WHERE facet_pairs IS NULL)";

/// Below this many matching events, a [`Valued`] query's total is counted from the events (an
/// index finds them at once); from it on, from the facet counts. When most events match, the
/// count is a scan that stops there: up to 5,000 took 44 ms at 100,000 events.
const FEW: i64 = 1_000;

/// Up to this many pieces holding a search text, the events are found by the pieces' keys
/// ([`TextMatch::Pieces`]); past it, by looking up each candidate's pieces.
const FEW_PIECES: i64 = 2_000;

/// The slots of migration 6's `event_counts`: a quarter of an hour, in milliseconds.
const SLOT_MS: i64 = 900_000;

/// The slots of migration 7's `facet_counts` and `facet_counts_hourly`: a UTC day and an hour,
/// in milliseconds.
const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;

/// A query of dates and types split for per-slot counts ([`Archive::slotted`]): the conditions
/// of its whole slots (on `event_counts` or `facet_counts`) and of the rest of its range (on
/// `events`), sharing one set of parameters.
struct Slotted {
    sql: Conditions,
    whole: String,
    ends: String,
    /// The events after the last whole slot.
    newer: String,
    /// The events in the whole slots.
    within: String,
    /// Whether it narrows by type.
    by_type: bool,
    /// The range's start and end (a statement not reading the events at either end still
    /// names them, so that PostgreSQL knows every parameter's type).
    from: String,
    to: String,
    /// The first whole slot's start, and the end of the last.
    first: i64,
    end: i64,
}

impl Slotted {
    /// The whole hours (`self`) before the whole days and after them: all of them without
    /// days. An empty range is `(0, 0)`.
    fn around(&self, days: Option<&Slotted>) -> [(i64, i64); 2] {
        match days {
            Some(d) => [(self.first, d.first), (d.end, self.end)],
            None => [(self.first, self.end), (0, 0)],
        }
    }

    /// A condition always true that names the range's start and end, for a statement reading
    /// neither (PostgreSQL needs to know every parameter's type).
    fn typed(&self) -> String {
        format!("{} IS NOT NULL AND {} IS NOT NULL", self.from, self.to)
    }

    /// The statement counting the events of a split into quarter hours: their counts, and the
    /// events at either end.
    fn total(&self) -> String {
        format!(
            "SELECT (SELECT coalesce(sum(n), 0)::int8 FROM event_counts WHERE {}) \
                  + (SELECT count(*) FROM events WHERE {})",
            self.whole, self.ends
        )
    }
}

/// The start of the bucket holding time `t` (SQL), as `Cut::start_of` computes it, for the cut
/// whose offset and width are parameters `$offset` and `$width` (a remainder never negative,
/// as rem_euclid's; SQL's % takes the dividend's sign).
fn bucket_start(t: &str, offset: usize, width: usize) -> String {
    format!("{t} - (({t} + ${offset}) % ${width} + ${width}) % ${width}")
}

/// The start of the UTC day holding the hour `slot` starts (SQL).
const SLOT_DAY: &str = "slot - ((slot % 86400000) + 86400000) % 86400000";

/// The days counted (migration 7's and 12's per-day and per-hour counts) before their events
/// last changed: read from the events instead, until they are counted again.
async fn stale_days(tx: &deadpool_postgres::Transaction<'_>) -> Result<Vec<i64>, ReadError> {
    Ok(tx
        .query("SELECT slot FROM facet_days_stale", &[])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

/// A read-only snapshot: every statement in it sees the same rows (a count from the counts and
/// one from the events agree even while events are written).
async fn snapshot(
    client: &mut deadpool_postgres::Object,
) -> Result<deadpool_postgres::Transaction<'_>, ReadError> {
    Ok(client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?)
}

/// A list query whose qualifiers besides `type:` are all on one field that an event has one
/// value of at most, and that the facet counts hold whole (`ip:`, `country:`): an event's value
/// of that field alone decides those qualifiers, so the total is counted from the counts of
/// each value ([`Archive::valued_total`]).
struct Valued {
    /// The query with its dates and types only.
    base: EventQuery,
    /// The field's facet name (`ip`, `country`).
    field: &'static str,
    /// The field's qualifiers.
    filter: audit_model::filter::Filter,
}

impl Valued {
    fn of(q: &EventQuery) -> Option<Valued> {
        use audit_model::filter::{Field, Filter, Wanted};
        if q.search_text.as_deref().is_some_and(|s| !s.is_empty()) {
            return None;
        }
        let (types, rest): (Vec<_>, Vec<_>) = qualifiers_of(q)?
            .clauses
            .into_iter()
            .partition(|c| c.field == Field::Type);
        let field = match rest.first()?.field {
            Field::Ip => "ip",
            Field::Country => "country",
            _ => return None,
        };
        // An empty value matches an empty field, which the counts do not tell from a missing one.
        let counted = rest.iter().all(|c| {
            c.field == rest[0].field
                && !c
                    .any_of
                    .iter()
                    .any(|w| matches!(w, Wanted::Text(t) if t.is_empty()))
        });
        if !counted {
            return None;
        }
        let mut base = q.clone();
        base.filter = (!types.is_empty()).then(|| {
            Filter {
                clauses: types,
                text: Vec::new(),
            }
            .to_string()
        });
        Some(Valued {
            base,
            field,
            filter: Filter {
                clauses: rest,
                text: Vec::new(),
            },
        })
    }

    /// Whether an event whose value of the field is `value` (`None`: it has none) matches.
    fn matches(&self, value: Option<&str>) -> bool {
        let value = value.map(String::from);
        let event = match self.field {
            "ip" => AuditEvent {
                source_ip: value,
                ..AuditEvent::default()
            },
            _ => AuditEvent {
                source_country: value,
                ..AuditEvent::default()
            },
        };
        self.filter.matches(&event)
    }
}

/// Where a count reads its rows: the slots' counts (their conditions) with the events at either
/// end (theirs), or the matching events (`FROM`, `WHERE`).
enum Read {
    Slots(String, String),
    Events(String, String),
}

/// Rows of (field, value, events) counted into `tally`.
fn count_pairs(tally: &mut audit_model::facets::Tally, rows: Vec<tokio_postgres::Row>) {
    for r in rows {
        let n = u64::try_from(r.get::<_, i64>(2)).unwrap_or(0);
        tally.count(r.get(0), r.get(1), n);
    }
}

/// The query's qualifiers (`where=`), parsed, if it has any. (Validated first: a filter that
/// does not parse never gets here.)
fn qualifiers_of(q: &EventQuery) -> Option<audit_model::filter::Filter> {
    q.filter
        .as_deref()
        .and_then(|f| audit_model::filter::Filter::parse(f).ok())
        .filter(|f| !f.clauses.is_empty())
}

/// An event as stored; a body that no longer parses shows as an empty event rather than failing
/// the whole page.
/// A hit from a row whose first five columns are rule_id, title, level, event_ids, at_ms.
fn hit_of(r: &tokio_postgres::Row) -> crate::hit::Hit {
    crate::hit::Hit {
        rule: r.get(0),
        title: r.get(1),
        level: r.get(2),
        events: r.get(3),
        at: r.get(4),
    }
}

fn parse_body(body: &str) -> AuditEvent {
    serde_json::from_str(body).unwrap_or_default()
}
