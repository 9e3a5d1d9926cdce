//! The log: where it goes and how it looks, the access log's one line per request, and warnings
//! that a flood would otherwise repeat thousands of times a second.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tracing_subscriber::EnvFilter;

use crate::args::LogFormat;

/// Installs the global log subscriber: to stderr, at `RUST_LOG` or else `default_filter`, as
/// text (coloured only on a terminal without `NO_COLOR`) or JSON. Each line is written as it
/// happens (a writer thread with a buffer was tried: it cost more CPU per request, not less).
pub fn init(format: LogFormat, default_filter: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        LogFormat::Text => builder
            .with_ansi(colour(std::io::stderr().is_terminal()))
            .init(),
    }
}

/// Colour only for a person at a terminal who has not asked for none (<https://no-color.org>).
fn colour(terminal: bool) -> bool {
    terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The names of a query's parameters, without their values (search text holds emails and
/// addresses): `page,size,search_text`. Unreadable names are shown as `?`; at most 16.
pub fn param_names(query: Option<&str>) -> String {
    let Some(query) = query.filter(|q| !q.is_empty()) else {
        return "-".into();
    };
    let mut out = String::new();
    for (i, pair) in query.split('&').filter(|p| !p.is_empty()).enumerate() {
        if i == 16 {
            out.push_str(",…");
            break;
        }
        if i > 0 {
            out.push(',');
        }
        let name = pair.split('=').next().unwrap_or("");
        if name.len() <= 32
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            out.push_str(name);
        } else {
            out.push('?');
        }
    }
    out
}

/// A path as the access log writes it: at most 200 bytes (a longer one is cut and marked).
pub fn log_path(path: &str) -> &str {
    if path.len() <= 200 {
        return path;
    }
    let mut end = 200;
    while !path.is_char_boundary(end) {
        end -= 1;
    }
    &path[..end]
}

/// A warning written at most once per period, with how many were held back since.
#[derive(Debug)]
pub struct Throttled {
    period: Duration,
    last: Mutex<Option<Instant>>,
    held: AtomicU64,
}

impl Throttled {
    /// At most one line per `period`.
    pub const fn new(period: Duration) -> Self {
        Self {
            period,
            last: Mutex::new(None),
            held: AtomicU64::new(0),
        }
    }

    /// Calls `write` with the number held back since the last line, if a line is due.
    pub fn warn(&self, write: impl FnOnce(u64)) {
        let now = Instant::now();
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if last.is_some_and(|at| now - at < self.period) {
            self.held.fetch_add(1, Ordering::Relaxed);
            return;
        }
        *last = Some(now);
        drop(last);
        write(self.held.swap(0, Ordering::Relaxed));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_access_log_keeps_parameter_names_and_never_values() {
        assert_eq!(param_names(None), "-");
        assert_eq!(param_names(Some("")), "-");
        assert_eq!(
            param_names(Some("search_text=carol%40acme.example&page=2&size=100")),
            "search_text,page,size"
        );
        assert_eq!(param_names(Some("a%0Ab=1&&x")), "?,x");
        let many = (0..20)
            .map(|i| format!("p{i}=1"))
            .collect::<Vec<_>>()
            .join("&");
        assert!(param_names(Some(&many)).ends_with("p15,…"));
    }

    #[test]
    fn long_paths_are_cut() {
        assert_eq!(log_path("/beta"), "/beta");
        assert_eq!(log_path(&"a".repeat(300)).len(), 200);
        assert!(log_path(&"é".repeat(150)).len() <= 200);
    }

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(!colour(false));
    }

    #[test]
    fn a_throttled_warning_counts_what_it_held_back() {
        let t = Throttled::new(Duration::from_secs(3600));
        let mut lines = Vec::new();
        for _ in 0..5 {
            t.warn(|held| lines.push(held));
        }
        assert_eq!(lines, vec![0]);
        assert_eq!(t.held.load(Ordering::Relaxed), 4);
    }
}
