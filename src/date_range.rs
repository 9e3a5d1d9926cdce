//! The date range form: presets, and the conversion between what a person types (in the zone
//! shown) and the query's dates (UTC, API format). Plain tests.

use audit_model::time::{
    format_api, format_display, parse_api_timestamp, parse_bound, RangeEnd, Timestamp,
};

use crate::field::FieldError;

/// A time-range preset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    /// The last hour.
    Hour,
    /// The last 24 hours.
    Day,
    /// The last 7 days.
    Week,
    /// The last 30 days.
    Month,
    /// The last 90 days.
    Quarter,
}

impl Preset {
    /// All presets, in menu order.
    pub const ALL: [Preset; 5] = [
        Preset::Hour,
        Preset::Day,
        Preset::Week,
        Preset::Month,
        Preset::Quarter,
    ];

    /// The menu label.
    pub fn label(self) -> &'static str {
        match self {
            Preset::Hour => "Last hour",
            Preset::Day => "Last 24 hours",
            Preset::Week => "Last 7 days",
            Preset::Month => "Last 30 days",
            Preset::Quarter => "Last 90 days",
        }
    }

    /// The value used in forms and tests.
    pub fn key(self) -> &'static str {
        match self {
            Preset::Hour => "1h",
            Preset::Day => "24h",
            Preset::Week => "7d",
            Preset::Month => "30d",
            Preset::Quarter => "90d",
        }
    }

    /// Parses [`key`](Self::key).
    pub fn from_key(key: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.key() == key)
    }

    /// Length in milliseconds.
    pub fn millis(self) -> i64 {
        const H: i64 = 3_600_000;
        match self {
            Preset::Hour => H,
            Preset::Day => 24 * H,
            Preset::Week => 7 * 24 * H,
            Preset::Month => 30 * 24 * H,
            Preset::Quarter => 90 * 24 * H,
        }
    }

    /// The preset whose length a range has exactly (as [`range`](Self::range) makes them), if
    /// any: what the preset menu shows for a query's dates.
    pub fn matching(date_from: Option<&str>, date_to: Option<&str>) -> Option<Preset> {
        let from = audit_model::time::parse_api_timestamp(date_from?).ok()?;
        let to = audit_model::time::parse_api_timestamp(date_to?).ok()?;
        Preset::ALL.into_iter().find(|p| to - from == p.millis())
    }

    /// `(date_from, date_to)` as API strings (UTC) for this preset ending at `now`.
    pub fn range(self, now: Timestamp) -> (String, String) {
        // Whole seconds, so the URL stays short and the range is reproducible.
        let now = now - now.rem_euclid(1000);
        (format_api(now - self.millis()), format_api(now))
    }
}

/// The value of a date input for a query date, in the display zone (`offset_minutes` east of
/// UTC): `2024-05-01 14:00:00`.
pub fn to_input(query_date: &str, offset_minutes: impl Fn(Timestamp) -> i32) -> String {
    match parse_api_timestamp(query_date) {
        Ok(ts) => format_display(ts, offset_minutes(ts)),
        Err(_) => query_date.to_string(),
    }
}

/// A date input value (in the display zone) to a query date (UTC, API format).
/// Empty input means no bound. A date alone stands for a whole day: as the start of a range it
/// means 00:00:00 of that day, as the end 23:59:59, so From 2026-11-22 To 2026-11-22 is that day.
pub fn from_input(
    value: &str,
    end: RangeEnd,
    offset_minutes: impl Fn(Timestamp) -> i32,
) -> Result<Option<String>, FieldError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    // Whole seconds: the end of a day is its last second, which the API's times (whole seconds)
    // all fall within.
    let as_if_utc = parse_bound(value, end).map_err(|e| e.to_string())?;
    let as_if_utc = as_if_utc - as_if_utc.rem_euclid(1000);
    // The wall-clock time is in the display zone; the offset is looked up at that moment.
    let ts = as_if_utc - i64::from(offset_minutes(as_if_utc)) * 60_000;
    Ok(Some(format_api(ts)))
}

/// Whether an input holds a date without a time (which [`from_input`] widens to a whole day).
pub fn is_date_only(value: &str) -> bool {
    let v = value.trim();
    !v.is_empty() && !v.contains(['T', 't', ' ']) && parse_bound(v, RangeEnd::Start).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_as_long_as_a_preset_is_named_by_it() {
        let now = audit_model::time::parse_api_timestamp("2026-11-28T13:00:00.250Z").expect("ts");
        for p in Preset::ALL {
            let (f, t) = p.range(now);
            assert_eq!(Preset::matching(Some(&f), Some(&t)), Some(p), "{f}..{t}");
        }
        let one_second_more =
            Preset::matching(Some("2026-11-21T12:59:59Z"), Some("2026-11-28T13:00:00Z"));
        assert_eq!(one_second_more, None);
        assert_eq!(Preset::matching(Some("2026-11-21T13:00:00Z"), None), None);
        assert_eq!(
            Preset::matching(Some("nonsense"), Some("2026-11-28T13:00:00Z")),
            None
        );
    }

    #[test]
    fn presets() {
        let now = 1_714_564_800_123; // 2024-05-01T12:00:00.123Z
        assert_eq!(
            Preset::Day.range(now),
            (
                "2024-04-30T12:00:00".to_string(),
                "2024-05-01T12:00:00".to_string()
            )
        );
        assert_eq!(Preset::from_key("7d"), Some(Preset::Week));
        assert_eq!(Preset::from_key("nope"), None);
    }

    #[test]
    fn inputs_convert_between_zones() {
        let plus2 = |_| 120;
        assert_eq!(
            to_input("2024-05-01T12:00:00", plus2),
            "2024-05-01 14:00:00"
        );
        assert_eq!(
            from_input("2024-05-01T14:00", RangeEnd::Start, plus2),
            Ok(Some("2024-05-01T12:00:00".to_string()))
        );
        assert_eq!(from_input("", RangeEnd::End, plus2), Ok(None));
        assert!(from_input("2024-13-01T00:00", RangeEnd::Start, plus2).is_err());
        let utc = |_| 0;
        assert_eq!(
            from_input(&to_input("2024-05-01T12:00:00", utc), RangeEnd::End, utc),
            Ok(Some("2024-05-01T12:00:00".to_string()))
        );
    }

    #[test]
    fn a_date_alone_covers_its_whole_day() {
        let utc = |_| 0;
        assert_eq!(
            from_input("2026-11-22", RangeEnd::Start, utc),
            Ok(Some("2026-11-22T00:00:00".to_string()))
        );
        assert_eq!(
            from_input("2026-11-22", RangeEnd::End, utc),
            Ok(Some("2026-11-22T23:59:59".to_string()))
        );
        // In the display zone: the local day 2026-11-22 at UTC+2 is 21st 22:00 to 22nd 21:59:59.
        let plus2 = |_| 120;
        assert_eq!(
            from_input("2026-11-22", RangeEnd::Start, plus2),
            Ok(Some("2026-11-21T22:00:00".to_string()))
        );
        assert_eq!(
            from_input("2026-11-22", RangeEnd::End, plus2),
            Ok(Some("2026-11-22T21:59:59".to_string()))
        );
        // A time given is taken as it is, whichever end.
        assert_eq!(
            from_input("2026-11-22 00:00", RangeEnd::End, utc),
            Ok(Some("2026-11-22T00:00:00".to_string()))
        );
        assert!(is_date_only(" 2026-11-22 "));
        assert!(!is_date_only("2026-11-22 10:00"));
        assert!(!is_date_only("22/11/2026"));
        assert!(!is_date_only(""));
    }
}
