//! The display preferences a person sets and the app remembers, as types: a misspelt theme or
//! column cannot compile, and what was stored is read back through one parser. [`Prefs`] holds
//! them for the app (a context of its own) and formats times on the clock chosen.

use leptos::prelude::*;

use crate::browser::{load, save, Store};

const UTC_KEY: &str = ui_names::storage::UTC;
const ZONE_KEY: &str = ui_names::storage::ZONE;
const COLUMNS_KEY: &str = ui_names::storage::HIDDEN_COLUMNS;
const COMPACT_KEY: &str = ui_names::storage::COMPACT;
const THEME_KEY: &str = ui_names::storage::THEME;

/// The person's display preferences, each remembered in localStorage when set: provided as a
/// context by [`crate::App`].
#[derive(Clone, Copy)]
pub struct Prefs {
    /// The zone times are shown, typed and bucketed in.
    pub zone: RwSignal<Zone>,
    /// Table columns the user hid.
    pub hidden_columns: RwSignal<Vec<Column>>,
    /// Compact table rows.
    pub compact: RwSignal<bool>,
    /// The colour scheme.
    pub theme: RwSignal<Theme>,
}

impl Prefs {
    /// The preferences remembered on this device (the defaults for what was never set).
    pub fn restore() -> Prefs {
        Prefs {
            zone: RwSignal::new(match load(Store::Local, ZONE_KEY) {
                Some(key) => Zone::from_key(&key),
                // Carried over from the UTC/local switch of earlier versions.
                None if load(Store::Local, UTC_KEY).as_deref() == Some("false") => Zone::Local,
                None => Zone::Utc,
            }),
            hidden_columns: RwSignal::new(
                load(Store::Local, COLUMNS_KEY)
                    .map(|s| Column::parse_hidden(&s))
                    .unwrap_or_default(),
            ),
            compact: RwSignal::new(load(Store::Local, COMPACT_KEY).as_deref() == Some("true")),
            theme: RwSignal::new(
                load(Store::Local, THEME_KEY)
                    .map(|t| Theme::from_key(&t))
                    .unwrap_or_default(),
            ),
        }
    }

    /// Shows or hides a table column, and remembers the choice.
    pub fn set_column(&self, column: Column, visible: bool) {
        self.hidden_columns.update(|h| {
            h.retain(|c| *c != column);
            if !visible {
                h.push(column);
            }
        });
        save(
            Store::Local,
            COLUMNS_KEY,
            &self
                .hidden_columns
                .with_untracked(|h| Column::store_hidden(h)),
        );
    }

    /// Sets the row density, and remembers it.
    pub fn set_compact(&self, compact: bool) {
        save(
            Store::Local,
            COMPACT_KEY,
            if compact { "true" } else { "false" },
        );
        self.compact.set(compact);
    }

    /// Sets the theme, and remembers it.
    pub fn set_theme(&self, theme: Theme) {
        save(Store::Local, THEME_KEY, theme.key());
        self.theme.set(theme);
    }

    /// Switches the display zone and remembers it.
    pub fn set_zone(&self, zone: Zone) {
        save(Store::Local, ZONE_KEY, zone.key());
        self.zone.set(zone);
    }

    /// Minutes east of UTC for displaying a moment in the zone shown (tracked).
    pub fn offset_at(&self, ts: i64) -> i32 {
        self.zone.with(|z| z.offset_at(ts))
    }

    /// When `ev` happened, on the clock times are shown in (`2026-11-20 08:30:00`); the API's
    /// text as it is when it is not a time.
    pub fn shown_time(&self, ev: &audit_model::AuditEvent) -> String {
        ev.timestamp()
            .map(|t| self.shown_at(t))
            .unwrap_or_else(|| ev.created_at.clone())
    }

    /// A moment on the clock times are shown in: `2026-11-20 08:30:00`.
    pub fn shown_at(&self, ts: audit_model::time::Timestamp) -> String {
        audit_model::time::format_display(ts, self.offset_at(ts))
    }

    /// The clock times are shown in, for labels (tracked): "UTC", "local time, UTC+02:00", or
    /// "Asia/Kolkata, UTC+05:30" (the offset now).
    pub fn zone_label(&self) -> String {
        let now = crate::browser::now_ms();
        let offset = audit_model::time::format_offset(self.offset_at(now));
        self.zone.with(|z| match z {
            Zone::Utc => "UTC".to_string(),
            Zone::Local => format!("local time, {offset}"),
            Zone::Named(name) => format!("{name}, {offset}"),
        })
    }
}

/// The colour scheme.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Theme {
    /// Follow the system's setting.
    #[default]
    System,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

impl Theme {
    /// In menu order.
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Light, Theme::Dark];

    /// The value stored and used in forms.
    pub fn key(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    /// The menu label.
    pub fn label(self) -> &'static str {
        match self {
            Theme::System => "System",
            Theme::Light => "Light",
            Theme::Dark => "Dark",
        }
    }

    /// Parses [`key`](Self::key); anything else is the system's.
    pub fn from_key(key: &str) -> Theme {
        Theme::ALL
            .into_iter()
            .find(|t| t.key() == key)
            .unwrap_or_default()
    }
}

/// The clock times are shown, typed, bucketed and read in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Zone {
    /// UTC.
    #[default]
    Utc,
    /// The browser's own zone.
    Local,
    /// An IANA zone, such as `Asia/Kolkata` (offsets from the browser's `Intl`).
    Named(NamedZone),
}

impl Zone {
    /// The value stored: `utc`, `local`, or the zone's name.
    pub fn key(&self) -> &str {
        match self {
            Zone::Utc => "utc",
            Zone::Local => "local",
            Zone::Named(zone) => zone.name(),
        }
    }

    /// Parses [`key`](Self::key); an empty value is UTC.
    pub fn from_key(key: &str) -> Zone {
        match key.trim() {
            "" | "utc" | "UTC" => Zone::Utc,
            "local" => Zone::Local,
            name => Zone::Named(NamedZone::new(name)),
        }
    }

    /// The zone's offset at a moment, in minutes east of UTC (0 for a zone the browser does not
    /// know).
    pub fn offset_at(&self, at_ms: i64) -> i32 {
        match self {
            Zone::Utc => 0,
            Zone::Local => crate::browser::local_offset_minutes(at_ms),
            Zone::Named(zone) => zone.offset_at(at_ms).unwrap_or(0),
        }
    }
}

/// An IANA zone by name, with its clock: made the first time an offset is asked and shared by
/// every copy of this value, so formatting a table's times makes one formatter, not one per row.
#[derive(Clone)]
pub struct NamedZone {
    name: String,
    // A signal's value must be Send; the app runs on one thread, where this is made and read.
    clock: send_wrapper::SendWrapper<
        std::rc::Rc<std::cell::OnceCell<Option<crate::browser::ZoneClock>>>,
    >,
}

impl NamedZone {
    /// The zone called `name` (not checked here: an unknown zone reads as UTC).
    pub fn new(name: &str) -> NamedZone {
        NamedZone {
            name: name.to_string(),
            clock: send_wrapper::SendWrapper::new(Default::default()),
        }
    }

    /// Its IANA name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its offset at a moment, in minutes east of UTC; `None` when the browser does not know it.
    pub fn offset_at(&self, at_ms: i64) -> Option<i32> {
        self.clock
            .get_or_init(|| crate::browser::ZoneClock::of(&self.name))
            .as_ref()?
            .offset_minutes(at_ms)
    }
}

impl PartialEq for NamedZone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for NamedZone {}

impl std::fmt::Debug for NamedZone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("NamedZone").field(&self.name).finish()
    }
}

impl std::fmt::Display for NamedZone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

/// A column of the events table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Column {
    /// When it happened.
    Time,
    /// The event type.
    Type,
    /// Who: email and user id.
    User,
    /// Dashboard, API…
    Source,
    /// The source IP.
    Ip,
    /// The source country.
    Country,
    /// The context, summarised.
    Details,
}

impl Column {
    /// In table order.
    pub const ALL: [Column; 7] = [
        Column::Time,
        Column::Type,
        Column::User,
        Column::Source,
        Column::Ip,
        Column::Country,
        Column::Details,
    ];

    /// The key stored in preferences and used in CSS classes (`col-…`, `hide-…`) and test ids.
    pub fn key(self) -> &'static str {
        match self {
            Column::Time => "time",
            Column::Type => "type",
            Column::User => "user",
            Column::Source => "source",
            Column::Ip => "ip",
            Column::Country => "country",
            Column::Details => "details",
        }
    }

    /// The heading.
    pub fn label(self) -> &'static str {
        match self {
            Column::Time => "Time",
            Column::Type => "Event type",
            Column::User => "User",
            Column::Source => "Source",
            Column::Ip => "IP",
            Column::Country => "Country",
            Column::Details => "Details",
        }
    }

    /// Parses [`key`](Self::key).
    pub fn from_key(key: &str) -> Option<Column> {
        Column::ALL.into_iter().find(|c| c.key() == key)
    }

    /// Reads a stored list of hidden columns (`"ip,country"`), skipping what it does not know
    /// and never hiding every column.
    pub fn parse_hidden(stored: &str) -> Vec<Column> {
        let mut hidden: Vec<Column> = Vec::new();
        for c in stored.split(',').filter_map(|k| Column::from_key(k.trim())) {
            if !hidden.contains(&c) && hidden.len() + 1 < Column::ALL.len() {
                hidden.push(c);
            }
        }
        hidden
    }

    /// The stored form of a list of hidden columns.
    pub fn store_hidden(hidden: &[Column]) -> String {
        hidden.iter().map(|c| c.key()).collect::<Vec<_>>().join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_unknown_themes_follow_the_system() {
        for t in Theme::ALL {
            assert_eq!(Theme::from_key(t.key()), t);
        }
        assert_eq!(Theme::from_key("purple"), Theme::System);
        for c in Column::ALL {
            assert_eq!(Column::from_key(c.key()), Some(c));
        }
        assert_eq!(Column::from_key("Time"), None);
    }

    #[test]
    fn zones_round_trip() {
        for z in [Zone::Utc, Zone::Local, Zone::from_key("Asia/Kolkata")] {
            assert_eq!(Zone::from_key(z.key()), z);
        }
        assert_eq!(Zone::from_key(""), Zone::Utc);
    }

    #[test]
    fn stored_hidden_columns_are_read_safely() {
        assert_eq!(
            Column::parse_hidden("ip, country,bogus,ip"),
            [Column::Ip, Column::Country]
        );
        assert_eq!(Column::parse_hidden(""), []);
        // A stored list hiding everything keeps the last column shown.
        let all = Column::store_hidden(&Column::ALL);
        assert_eq!(Column::parse_hidden(&all).len(), Column::ALL.len() - 1);
        assert_eq!(
            Column::store_hidden(&[Column::Ip, Column::Details]),
            "ip,details"
        );
    }
}
