//! The connection pool and the schema's versioned migrations.

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use std::time::Duration;

/// The schema, one step per version, applied in order and never edited once released.
const MIGRATIONS: &[(i32, &str, &str)] = &[
    (1, "events", include_str!("../migrations/0001_events.sql")),
    (2, "watch", include_str!("../migrations/0002_watch.sql")),
    (
        3,
        "deliveries",
        include_str!("../migrations/0003_deliveries.sql"),
    ),
    (
        4,
        "qualifiers",
        include_str!("../migrations/0004_qualifiers.sql"),
    ),
    (5, "indexes", include_str!("../migrations/0005_indexes.sql")),
    (6, "counts", include_str!("../migrations/0006_counts.sql")),
    (7, "facets", include_str!("../migrations/0007_facets.sql")),
    (8, "types", include_str!("../migrations/0008_types.sql")),
    (
        9,
        "held types",
        include_str!("../migrations/0009_held_types.sql"),
    ),
    (
        10,
        "search pieces",
        include_str!("../migrations/0010_search_pieces.sql"),
    ),
    (
        11,
        "search pieces indexed",
        include_str!("../migrations/0011_search_pieces_indexed.sql"),
    ),
    (
        12,
        "search counts",
        include_str!("../migrations/0012_search_counts.sql"),
    ),
    (
        13,
        "search facets",
        include_str!("../migrations/0013_search_facets.sql"),
    ),
];

/// Why the database cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The URL does not parse.
    #[error("--database-url is not a PostgreSQL URL (postgres://user@host:port/dbname): {0}")]
    Url(tokio_postgres::Error),
    /// PostgreSQL refused or failed a statement.
    #[error("PostgreSQL: {}", said(.0))]
    Postgres(#[from] tokio_postgres::Error),
    /// No connection could be had.
    #[error("cannot connect to PostgreSQL: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    /// The pool could not be built.
    #[error("cannot set up the connection pool: {0}")]
    Build(#[from] deadpool_postgres::BuildError),
}

impl DbError {
    /// Whether PostgreSQL ended the statement at the session's `statement_timeout` (the
    /// server's request deadline, [`pool`]).
    pub fn timed_out(&self) -> bool {
        matches!(self, DbError::Postgres(e)
            if e.code() == Some(&tokio_postgres::error::SqlState::QUERY_CANCELED))
    }
}

/// What PostgreSQL said of a failed statement (the driver's own text is only "db error"), or
/// the driver's error.
fn said(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} {}: {}", db.severity(), db.code().code(), db.message()),
        None => e.to_string(),
    }
}

/// A pool of at most `size` connections to `url`.
///
/// Each session starts with PostgreSQL's JIT compilation off: the archive's statements are
/// answers a person waits for, which JIT makes slower. Its cost model compiles a count over a
/// large table before running it (35 to 110 ms in `EXPLAIN ANALYZE` at a million events), and
/// the million-event bench answered 90 days' timeline in 42 ms instead of 68, and their facets
/// in 26 instead of 63, p50, without it.
///
/// With `statement_timeout`, PostgreSQL also ends any statement that runs longer (a server
/// passes its request deadline): a question whose asker has been answered 504, or has gone,
/// does not keep a connection and a core busy after it. The migrations lift it for their own
/// transaction, since an upgrade may take minutes.
///
/// Options in the URL come after these and so win (`?options=-c%20jit%3Don` turns JIT back on).
pub fn pool(url: &str, size: usize, statement_timeout: Option<Duration>) -> Result<Pool, DbError> {
    let mut config: tokio_postgres::Config = url.parse().map_err(DbError::Url)?;
    let mut options = "-c jit=off".to_string();
    if let Some(t) = statement_timeout {
        options.push_str(&format!(" -c statement_timeout={}", t.as_millis().max(1)));
    }
    if let Some(given) = config.get_options() {
        options = format!("{options} {given}");
    }
    config.options(&options);
    let manager = Manager::from_config(
        config,
        tokio_postgres::NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Ok(Pool::builder(manager)
        .max_size(size.max(1))
        .wait_timeout(Some(Duration::from_secs(10)))
        .create_timeout(Some(Duration::from_secs(10)))
        .runtime(deadpool_postgres::Runtime::Tokio1)
        .build()?)
}

/// Brings the schema up to the newest version. Several archives starting at once wait for one
/// another (an advisory lock held by the transaction).
pub async fn migrate(pool: &Pool) -> Result<(), DbError> {
    migrate_to(pool, i32::MAX).await
}

/// The same, up to `last` (tests hold events as an older version wrote them).
pub async fn migrate_to(pool: &Pool, last: i32) -> Result<(), DbError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    tx.batch_execute(
        "SET LOCAL statement_timeout = 0; \
         SELECT pg_advisory_xact_lock(7215); \
         CREATE TABLE IF NOT EXISTS schema_migrations ( \
             version integer PRIMARY KEY, name text NOT NULL, \
             applied_at timestamptz NOT NULL DEFAULT now())",
    )
    .await?;
    let applied: Vec<i32> = tx
        .query("SELECT version FROM schema_migrations", &[])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for (version, name, sql) in MIGRATIONS {
        if applied.contains(version) || *version > last {
            continue;
        }
        tx.batch_execute(sql).await?;
        if *version == 10 {
            // Events held from before it: their pieces from their JSON, before 11 requires them.
            let filled = crate::search::fill(&*tx, 5_000).await?;
            if filled > 0 {
                tracing::info!(events = filled, "search text split into pieces");
            }
        }
        tx.execute(
            "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
            &[version, name],
        )
        .await?;
        tracing::info!(version, name, "schema migrated");
    }
    tx.commit().await?;
    Ok(())
}
