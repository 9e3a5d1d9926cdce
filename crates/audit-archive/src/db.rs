//! The connection pool and the schema's versioned migrations.

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};

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
/// in 26 instead of 63, p50, without it. Options in the URL come after this one and so win
/// (`?options=-c%20jit%3Don` turns it back on).
pub fn pool(url: &str, size: usize) -> Result<Pool, DbError> {
    let mut config: tokio_postgres::Config = url.parse().map_err(DbError::Url)?;
    let options = match config.get_options() {
        Some(given) => format!("-c jit=off {given}"),
        None => "-c jit=off".to_string(),
    };
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
        .wait_timeout(Some(std::time::Duration::from_secs(10)))
        .create_timeout(Some(std::time::Duration::from_secs(10)))
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
        "SELECT pg_advisory_xact_lock(7215); \
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
