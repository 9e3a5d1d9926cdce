//! What the table shows, as plain data: each row's text and the order of the rows (plain
//! tests, no browser).

use std::collections::HashMap;

use audit_model::time::format_display;
use audit_model::AuditEvent;

use crate::prefs::Column;

/// The text a column sorts by.
fn sort_key(e: &AuditEvent, column: Column) -> String {
    let s = |v: &Option<String>| v.clone().unwrap_or_default().to_lowercase();
    match column {
        // By the instant, so times with offsets (`+02:00`) fall where they belong; a time that does
        // not parse sorts after every one that does.
        Column::Time => match e.timestamp() {
            Some(ms) => format!("{:020}", i128::from(ms) - i128::from(i64::MIN)),
            None => format!("~{}", e.created_at),
        },
        Column::Type => e.event_type.clone(),
        Column::User => s(&e.user_email),
        Column::Source => s(&e.source),
        // By value: 192.0.2.9 before 192.0.2.10, 2001:db8::ff:1 after 2001:db8:0:0:0:0:1:0.
        Column::Ip => audit_model::ip::sort_key(e.source_ip.as_deref().unwrap_or_default()),
        Column::Country => s(&e.source_country),
        Column::Details => e.details_summary(200).to_lowercase(),
    }
}

/// What one row shows, all of it text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RowText {
    /// The event's id (the row's `data-id`, which opens it).
    pub id: String,
    /// The cells' texts in row order: time, type, user email, user id, source, IP, country,
    /// details.
    pub cells: [String; CELL_TEXTS],
    /// The type cell's tooltip: the type's description.
    pub type_title: String,
    /// The source cell's tooltip: the source code (e.g. `CD`).
    pub source_code: String,
    /// The details cell's tooltip: the context at length, where the cell cuts it short.
    pub details_title: String,
}

/// Text nodes in a row.
pub const CELL_TEXTS: usize = 8;

impl RowText {
    /// The row for `ev`, with times shifted by `offset_minutes(timestamp)` and type titles from
    /// the event-types call's `descriptions`.
    pub fn new(
        ev: &AuditEvent,
        offset_minutes: impl Fn(i64) -> i32,
        descriptions: &HashMap<String, String>,
    ) -> Self {
        let time = match ev.timestamp() {
            Some(t) => format_display(t, offset_minutes(t)),
            None => ev.created_at.clone(),
        };
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        // The cell shows the start of the tooltip's text: one summary serves both.
        let details_title = ev.details_summary(1_000);
        let details = audit_model::event::truncate_chars(&details_title, 140);
        RowText {
            id: ev.id.clone(),
            cells: [
                time,
                ev.event_type.clone(),
                text(&ev.user_email),
                ev.user_id
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                ev.source_description
                    .clone()
                    .or_else(|| ev.source.clone())
                    .unwrap_or_default(),
                text(&ev.source_ip),
                text(&ev.source_country),
                details,
            ],
            type_title: descriptions
                .get(&ev.event_type)
                .cloned()
                .or_else(|| ev.event_type_description.clone())
                .or_else(|| audit_model::catalog::describe(&ev.event_type).map(str::to_string))
                .unwrap_or_else(|| "Event type not in the API's list".to_string()),
            source_code: text(&ev.source),
            details_title,
        }
    }
}

/// How the page's rows are sorted: by a column, one way or the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sort {
    /// The column.
    pub column: Column,
    /// Smallest first.
    pub ascending: bool,
}

impl Sort {
    /// What a click on `column`'s heading makes of `current`: ascending first, then the other
    /// way.
    pub fn clicked(current: Option<Sort>, column: Column) -> Sort {
        match current {
            Some(s) if s.column == column => Sort {
                column,
                ascending: !s.ascending,
            },
            _ => Sort {
                column,
                ascending: true,
            },
        }
    }
}

/// The rows of `list` in the order the table shows them: as given, or sorted by a column.
pub fn row_order(list: &[AuditEvent], sort: Option<Sort>) -> Vec<usize> {
    let mut order: Vec<usize> = (0..list.len()).collect();
    if let Some(sort) = sort {
        audit_model::sorting::sort_by_cached_key(&mut order, |&i| sort_key(&list[i], sort.column));
        if !sort.ascending {
            order.reverse();
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, ip: &str, created_at: &str) -> AuditEvent {
        audit_model::testing::event(id)
            .at(created_at)
            .user("ann@example.com")
            .source("CD", "Customer Dashboard")
            .ip(ip)
            .context(serde_json::json!({"login_method": "password"}))
            .build()
    }

    #[test]
    fn a_row_is_the_events_text_in_column_order() {
        let ev = event("e1", "192.0.2.9", "2026-11-01T10:00:00.000Z");
        let descriptions = HashMap::from([("USER_LOGIN".to_string(), "A login".to_string())]);
        let row = RowText::new(&ev, |_| 60, &descriptions);
        assert_eq!(row.id, "e1");
        assert_eq!(row.cells[0], "2026-11-01 11:00:00", "shifted by the offset");
        assert_eq!(row.cells[1], "USER_LOGIN");
        assert_eq!(row.cells[2], "ann@example.com");
        assert_eq!(row.cells[4], "Customer Dashboard");
        assert_eq!(row.cells[5], "192.0.2.9");
        assert!(row.cells[7].contains("login_method"));
        // A long context: the cell is the summary cut at 140 characters, the title at 1,000.
        let long = audit_model::testing::event("e2")
            .context(serde_json::json!({"note": "x".repeat(2_000)}))
            .build();
        let long_row = RowText::new(&long, |_| 0, &descriptions);
        assert_eq!(long_row.cells[7], long.details_summary(140));
        assert_eq!(long_row.cells[7].chars().count(), 140);
        assert_eq!(long_row.details_title, long.details_summary(1_000));
        assert_eq!(row.type_title, "A login");
        assert_eq!(row.source_code, "CD");
        // Without the API's description, the catalog's is used.
        let row = RowText::new(&ev, |_| 0, &HashMap::new());
        assert_eq!(row.cells[0], "2026-11-01 10:00:00");
        assert_ne!(row.type_title, "Event type not in the API's list");
    }

    fn by(column: Column, ascending: bool) -> Option<Sort> {
        Some(Sort { column, ascending })
    }

    #[test]
    fn a_heading_click_sorts_ascending_then_flips() {
        let first = Sort::clicked(None, Column::Ip);
        assert_eq!(Some(first), by(Column::Ip, true));
        assert_eq!(
            Some(Sort::clicked(Some(first), Column::Ip)),
            by(Column::Ip, false)
        );
        // Another column starts ascending again.
        assert_eq!(
            Some(Sort::clicked(Some(first), Column::Time)),
            by(Column::Time, true)
        );
    }

    #[test]
    fn rows_sort_by_a_column_both_ways_and_ips_numerically() {
        let list = [
            event("a", "192.0.2.10", "2026-11-01T10:00:00.000Z"),
            event("b", "192.0.2.9", "2026-11-01T09:00:00.000Z"),
            event("c", "192.0.2.100", "2026-11-01T11:00:00.000Z"),
        ];
        assert_eq!(row_order(&list, None), [0, 1, 2]);
        assert_eq!(row_order(&list, by(Column::Ip, true)), [1, 0, 2]);
        assert_eq!(row_order(&list, by(Column::Ip, false)), [2, 0, 1]);
        assert_eq!(row_order(&list, by(Column::Time, true)), [1, 0, 2]);
    }

    #[test]
    fn ipv6_sorts_by_value_and_times_by_instant() {
        let list = [
            event("a", "2001:db8::ff:1", "2026-11-01T10:30:00+02:00"),
            event("b", "2001:db8:0:0:0:0:1:0", "2026-11-01T09:00:00Z"),
            event("c", "198.51.100.7", "2026-11-01T08:45:00.5-01:00"),
            event("d", "unknown", "yesterday"),
        ];
        // IPv4 first, then IPv6 by value (::1:0 < ::ff:1), then text.
        assert_eq!(row_order(&list, by(Column::Ip, true)), [2, 1, 0, 3]);
        // 08:30Z, 09:00Z, 09:45:00.5Z, then the unparseable one.
        assert_eq!(row_order(&list, by(Column::Time, true)), [0, 1, 2, 3]);
        assert_eq!(row_order(&list, by(Column::Time, false)), [3, 2, 1, 0]);
    }
}
