//! Timestamps: parsing the API's ISO-8601 strings and formatting them for people.
//!
//! The API's `created_at` carries no zone and means UTC; query dates may come with or without a
//! time and with or without an offset. Internally a timestamp is milliseconds since the Unix
//! epoch, which makes the demo store's range filter a pair of binary searches.

use time::format_description::well_known::Iso8601;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// Milliseconds since 1970-01-01T00:00:00Z.
pub type Timestamp = i64;

/// A string that is not an ISO-8601 date or date-time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}” is not an ISO-8601 date or date-time (e.g. 2024-05-01 or 2024-05-01T13:45:00)")]
pub struct DateError(pub String);

/// Which end of a range a date-only bound stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeEnd {
    /// A date alone means the start of that day.
    Start,
    /// A date alone means the end of that day, so `date_to=2024-05-01` includes the whole day.
    End,
}

fn to_millis(dt: OffsetDateTime) -> Timestamp {
    (dt.unix_timestamp_nanos() / 1_000_000) as Timestamp
}

/// Parses a date-time as the API writes it; without a zone it is UTC.
pub fn parse_api_timestamp(s: &str) -> Result<Timestamp, DateError> {
    parse_bound(s, RangeEnd::Start)
}

/// Parses a query bound: a date-time with or without an offset (none means UTC), or a date alone,
/// which stands for the start or end of that day.
pub fn parse_bound(s: &str, end: RangeEnd) -> Result<Timestamp, DateError> {
    let s = s.trim();
    let err = || DateError(s.to_string());
    if s.is_empty() || s.len() > 64 {
        return Err(err());
    }
    if s.contains('T') || s.contains('t') || s.contains(' ') {
        let normalized = s.replace([' ', 't'], "T").replace('z', "Z");
        if let Ok(dt) = OffsetDateTime::parse(&normalized, &Iso8601::DEFAULT) {
            return Ok(to_millis(dt));
        }
        if let Ok(dt) = PrimitiveDateTime::parse(&normalized, &Iso8601::DEFAULT) {
            return Ok(to_millis(dt.assume_utc()));
        }
        return Err(err());
    }
    let date = Date::parse(s, &Iso8601::DEFAULT).map_err(|_| err())?;
    let dt = match end {
        RangeEnd::Start => date.with_time(Time::MIDNIGHT),
        RangeEnd::End => date.with_hms_milli(23, 59, 59, 999).map_err(|_| err())?,
    };
    Ok(to_millis(dt.assume_utc()))
}

fn from_millis(ts: Timestamp) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ts) * 1_000_000).ok()
}

/// Formats as the API does: `2024-05-01T13:45:00`, UTC, no zone.
pub fn format_api(ts: Timestamp) -> String {
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    from_millis(ts)
        .and_then(|dt| dt.format(&fmt).ok())
        .unwrap_or_default()
}

/// Formats as RFC 3339 in UTC with milliseconds, `2024-05-01T13:45:00.000Z` (what ECS's
/// `@timestamp` takes); `None` out of range.
pub fn format_rfc3339(ts: Timestamp) -> Option<String> {
    let fmt =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    from_millis(ts).and_then(|dt| dt.format(&fmt).ok())
}

/// Formats for a person at the given UTC offset (in minutes): `2024-05-01 13:45:00`.
pub fn format_display(ts: Timestamp, offset_minutes: i32) -> String {
    let fmt = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    let offset = UtcOffset::from_whole_seconds(offset_minutes * 60).unwrap_or(UtcOffset::UTC);
    from_millis(ts)
        .and_then(|dt| dt.to_offset(offset).format(&fmt).ok())
        .unwrap_or_default()
}

/// Formats an offset for a label: `UTC`, `UTC+02:00`, `UTC-05:30`.
pub fn format_offset(offset_minutes: i32) -> String {
    if offset_minutes == 0 {
        return "UTC".to_string();
    }
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let m = offset_minutes.unsigned_abs();
    format!("UTC{sign}{:02}:{:02}", m / 60, m % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOON: Timestamp = 1_714_564_800_000; // 2024-05-01T12:00:00Z

    #[test]
    fn api_timestamps_without_zone_are_utc() {
        assert_eq!(parse_api_timestamp("2024-05-01T12:00:00"), Ok(NOON));
        assert_eq!(
            parse_api_timestamp("2024-05-01T12:00:00.250"),
            Ok(NOON + 250)
        );
        assert_eq!(parse_api_timestamp("2024-05-01T12:00"), Ok(NOON));
        assert_eq!(parse_api_timestamp("2024-05-01 12:00:00"), Ok(NOON));
    }

    #[test]
    fn offsets_are_honoured() {
        assert_eq!(parse_api_timestamp("2024-05-01T12:00:00Z"), Ok(NOON));
        assert_eq!(parse_api_timestamp("2024-05-01T14:00:00+02:00"), Ok(NOON));
        assert_eq!(parse_api_timestamp("2024-05-01T07:00:00-05:00"), Ok(NOON));
    }

    #[test]
    fn date_only_bounds_cover_the_whole_day() {
        let start = parse_bound("2024-05-01", RangeEnd::Start).expect("date");
        let end = parse_bound("2024-05-01", RangeEnd::End).expect("date");
        assert_eq!(start, NOON - 12 * 3_600_000);
        assert_eq!(end, NOON + 12 * 3_600_000 - 1);
    }

    #[test]
    fn malformed_dates_are_rejected() {
        for bad in [
            "",
            "yesterday",
            "2024-13-01",
            "2024-02-30",
            "2024-05-01T25:00:00",
            "01/05/2024",
            "2024-05-01T12:00:00+99:00",
        ] {
            assert!(parse_api_timestamp(bad).is_err(), "{bad} should fail");
        }
    }

    #[test]
    fn formatting_round_trips() {
        assert_eq!(format_api(NOON), "2024-05-01T12:00:00");
        assert_eq!(
            parse_api_timestamp(&format_api(NOON + 7_000)),
            Ok(NOON + 7_000)
        );
        assert_eq!(format_display(NOON, 120), "2024-05-01 14:00:00");
        assert_eq!(format_display(NOON, -330), "2024-05-01 06:30:00");
        assert_eq!(format_offset(0), "UTC");
        assert_eq!(format_offset(120), "UTC+02:00");
        assert_eq!(format_offset(-330), "UTC-05:30");
    }
}
