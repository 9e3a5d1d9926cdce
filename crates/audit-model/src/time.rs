//! Timestamps: parsing the API's ISO-8601 strings and formatting them for people.
//!
//! The API's `created_at` carries no zone and means UTC; query dates may come with or without a
//! time and with or without an offset. Internally a timestamp is milliseconds since the Unix
//! epoch, which makes the demo store's range filter a pair of binary searches.
//!
//! The calendar arithmetic is written here (the proleptic Gregorian calendar, days counted from
//! the epoch as in Howard Hinnant's `days_from_civil`) rather than taken from the `time` crate:
//! the app needs one narrow grammar (RFC 3339 and the ISO-8601 forms people type), and `time`'s
//! general ISO-8601 parser and formatter were 23 kB of the browser's code. The tests compare
//! every answer with `time`'s own.

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

const MS_PER_DAY: i64 = 86_400_000;
/// The years a timestamp may fall in (those `time` handles by default).
const YEARS: std::ops::RangeInclusive<i64> = -9999..=9999;

/// Days since 1970-01-01 of a date in the proleptic Gregorian calendar.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y.rem_euclid(400);
    let march_based = i64::from((month + 9) % 12);
    let day_of_year = (153 * march_based + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day counted from 1970-01-01: (year, month, day).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let march_based = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * march_based + 2) / 5 + 1) as u32;
    let month = if march_based < 10 {
        march_based + 3
    } else {
        march_based - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Reads `n` ASCII digits at the start of `s`.
fn digits(s: &[u8], n: usize) -> Option<u32> {
    let d = s.get(..n)?;
    d.iter().try_fold(0u32, |acc, b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

/// `YYYY-MM-DD`, checked against the calendar: days since the epoch.
fn date(s: &[u8]) -> Option<i64> {
    if s.len() != 10 || s[4] != b'-' || s[7] != b'-' {
        return None;
    }
    let year = i64::from(digits(s, 4)?);
    let (month, day) = (digits(&s[5..], 2)?, digits(&s[8..], 2)?);
    ((1..=12).contains(&month) && (1..=days_in_month(year, month)).contains(&day))
        .then(|| days_from_civil(year, month, day))
}

/// `HH:MM[:SS[.fraction]]`: milliseconds into the day (a fraction past milliseconds is cut),
/// and what follows.
fn time_of_day(s: &[u8]) -> Option<(i64, &[u8])> {
    let (hour, minute) = (digits(s, 2)?, digits(s.get(3..)?, 2)?);
    if s[2] != b':' || hour > 23 || minute > 59 {
        return None;
    }
    let mut ms = i64::from(hour * 3600 + minute * 60) * 1000;
    let mut rest = &s[5..];
    if let Some(b':') = rest.first() {
        let second = digits(&rest[1..], 2)?;
        if second > 59 {
            return None;
        }
        ms += i64::from(second) * 1000;
        rest = &rest[3..];
        if let Some(b'.' | b',') = rest.first() {
            let n = rest[1..].iter().take_while(|b| b.is_ascii_digit()).count();
            if n == 0 || n > 9 {
                return None;
            }
            let fraction = &rest[1..1 + n];
            let padded = |i: usize| fraction.get(i).map_or(0, |b| i64::from(b - b'0'));
            ms += padded(0) * 100 + padded(1) * 10 + padded(2);
            rest = &rest[1 + n..];
        }
    }
    Some((ms, rest))
}

/// A UTC offset, `Z` or `±HH[:MM]` or `±HHMM` (hours up to 25, as `time` allows), in milliseconds;
/// `None` for anything else
/// (nothing at all is UTC, decided by the caller).
fn offset(s: &[u8]) -> Option<i64> {
    let (sign, rest) = match s {
        [b'Z' | b'z'] => return Some(0),
        [b'+', rest @ ..] => (1, rest),
        [b'-', rest @ ..] => (-1, rest),
        _ => return None,
    };
    let hours = digits(rest, 2)?;
    let minutes = match &rest[2..] {
        [] => 0,
        [b':', m @ ..] | m if m.len() == 2 => digits(m, 2)?,
        _ => return None,
    };
    (hours <= 25 && minutes <= 59).then(|| sign * i64::from(hours * 60 + minutes) * 60_000)
}

/// Parses a date-time as the API writes it; without a zone it is UTC.
pub fn parse_api_timestamp(s: &str) -> Result<Timestamp, DateError> {
    parse_bound(s, RangeEnd::Start)
}

/// Parses a query bound: a date-time with or without an offset (none means UTC), or a date alone,
/// which stands for the start or end of that day. A date-time's date and time are joined by `T`
/// or a space.
pub fn parse_bound(s: &str, end: RangeEnd) -> Result<Timestamp, DateError> {
    let s = s.trim();
    let err = || DateError(s.to_string());
    if s.is_empty() || s.len() > 64 {
        return Err(err());
    }
    let b = s.as_bytes();
    if b.len() == 10 {
        let day = date(b).ok_or_else(err)?;
        return Ok(match end {
            RangeEnd::Start => day * MS_PER_DAY,
            RangeEnd::End => (day + 1) * MS_PER_DAY - 1,
        });
    }
    let (Some(b'T' | b't' | b' '), Some(day)) = (b.get(10), b.get(..10).and_then(date)) else {
        return Err(err());
    };
    let (ms, rest) = time_of_day(&b[11..]).ok_or_else(err)?;
    let shift = if rest.is_empty() {
        0
    } else {
        offset(rest).ok_or_else(err)?
    };
    Ok(day * MS_PER_DAY + ms - shift)
}

/// The date and time of day of `ts` shifted by `offset_minutes`, if its year is one a timestamp
/// may fall in: ((year, month, day), milliseconds into the day).
fn civil(ts: Timestamp, offset_minutes: i32) -> Option<((i64, u32, u32), i64)> {
    let local = ts.checked_add(i64::from(offset_minutes) * 60_000)?;
    let date = civil_from_days(local.div_euclid(MS_PER_DAY));
    YEARS
        .contains(&date.0)
        .then_some((date, local.rem_euclid(MS_PER_DAY)))
}

/// `YYYY-MM-DD{sep}HH:MM:SS`, and the milliseconds left over.
fn written(ts: Timestamp, offset_minutes: i32, sep: char) -> Option<(String, i64)> {
    let ((year, month, day), ms) = civil(ts, offset_minutes)?;
    let sign = if year < 0 { "-" } else { "" };
    let s = ms / 1000;
    Some((
        format!(
            "{sign}{:04}-{month:02}-{day:02}{sep}{:02}:{:02}:{:02}",
            year.abs(),
            s / 3600,
            s / 60 % 60,
            s % 60
        ),
        ms % 1000,
    ))
}

/// Formats as the API does: `2024-05-01T13:45:00`, UTC, no zone.
pub fn format_api(ts: Timestamp) -> String {
    written(ts, 0, 'T').map(|(s, _)| s).unwrap_or_default()
}

/// Formats as RFC 3339 in UTC with milliseconds, `2024-05-01T13:45:00.000Z` (what ECS's
/// `@timestamp` takes); `None` out of range.
pub fn format_rfc3339(ts: Timestamp) -> Option<String> {
    written(ts, 0, 'T').map(|(s, ms)| format!("{s}.{ms:03}Z"))
}

/// Formats for a person at the given UTC offset (in minutes): `2024-05-01 13:45:00`.
pub fn format_display(ts: Timestamp, offset_minutes: i32) -> String {
    // An offset a zone cannot have (a day or more) is ignored, as UTC.
    let offset = if offset_minutes.abs() < 24 * 60 {
        offset_minutes
    } else {
        0
    };
    written(ts, offset, ' ').map(|(s, _)| s).unwrap_or_default()
}

const MONTHS: [&[u8]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];
const WEEKDAYS: [&[u8]; 7] = [
    b"Monday",
    b"Tuesday",
    b"Wednesday",
    b"Thursday",
    b"Friday",
    b"Saturday",
    b"Sunday",
];

/// `HH:MM:SS`: milliseconds into the day.
fn clock(s: &[u8]) -> Option<i64> {
    let (h, m, sec) = (
        digits(s, 2)?,
        digits(s.get(3..)?, 2)?,
        digits(s.get(6..)?, 2)?,
    );
    (s.len() == 8 && s[2] == b':' && s[5] == b':' && h < 24 && m < 60 && sec < 60)
        .then(|| i64::from(h * 3600 + m * 60 + sec) * 1000)
}

/// An HTTP date (RFC 9110 §5.6.7) in any of its three forms — `Sun, 06 Nov 1994 08:49:37 GMT`,
/// the obsolete `Sunday, 06-Nov-94 08:49:37 GMT` (years 70–99 are 19xx, 00–69 20xx) and
/// `Sun Nov  6 08:49:37 1994` — with its weekday and day of the month checked, from 1970.
pub fn parse_http_date(s: &str) -> Option<Timestamp> {
    let b = s.trim().as_bytes();
    let month = |m: &[u8]| MONTHS.iter().position(|n| *n == m).map(|i| i as u32 + 1);
    let short = |w: &[u8]| WEEKDAYS.iter().position(|n| n[..3] == *w);
    let day2 = |d: &[u8]| match d {
        [b' ', one] => digits(&[*one], 1),
        _ => digits(d, 2),
    };
    // (weekday from Monday = 0, year, month, day, time of day)
    let (weekday, year, month, day, ms) = if b.len() == 29 && &b[3..5] == b", " {
        if &b[25..] != b" GMT" || b[7] != b' ' || b[11] != b' ' || b[16] != b' ' {
            return None;
        }
        let year = i64::from(digits(&b[12..], 4)?);
        (
            short(&b[..3])?,
            year,
            month(&b[8..11])?,
            digits(&b[5..], 2)?,
            clock(&b[17..25])?,
        )
    } else if b.len() == 24 && b[3] == b' ' {
        if b[7] != b' ' || b[10] != b' ' || b[19] != b' ' {
            return None;
        }
        let year = i64::from(digits(&b[20..], 4)?);
        (
            short(&b[..3])?,
            year,
            month(&b[4..7])?,
            day2(&b[8..10])?,
            clock(&b[11..19])?,
        )
    } else {
        let comma = b.iter().position(|c| *c == b',')?;
        let weekday = WEEKDAYS.iter().position(|n| *n == &b[..comma])?;
        let rest = &b[comma..];
        if rest.len() != 24 || &rest[..2] != b", " || rest[4] != b'-' || rest[8] != b'-' {
            return None;
        }
        if rest[11] != b' ' || &rest[20..] != b" GMT" {
            return None;
        }
        let yy = i64::from(digits(&rest[9..], 2)?);
        let year = if yy < 70 { 2000 + yy } else { 1900 + yy };
        (
            weekday,
            year,
            month(&rest[5..8])?,
            digits(&rest[2..], 2)?,
            clock(&rest[12..20])?,
        )
    };
    if !(1970..=9999).contains(&year) || !(1..=days_in_month(year, month)).contains(&day) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    // 1970-01-01 was a Thursday.
    ((days + 3).rem_euclid(7) == weekday as i64).then_some(days * MS_PER_DAY + ms)
}

/// The wait a `Retry-After` value asks for (RFC 9110 §10.2.3), in whole seconds from `now`:
/// delay-seconds, or an HTTP date (one already past is 0). `None` when it cannot be read.
pub fn retry_after_secs(value: &str, now: Timestamp) -> Option<u64> {
    let value = value.trim();
    value.parse::<u64>().ok().or_else(|| {
        let wait_ms = parse_http_date(value)? - now;
        Some((wait_ms.max(0) as u64).div_ceil(1000))
    })
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

    /// A deterministic spread of values (a linear congruential generator).
    fn spread(n: usize) -> impl Iterator<Item = u64> {
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        (0..n).map(move |_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            x >> 11
        })
    }

    fn time_millis(dt: time::OffsetDateTime) -> Timestamp {
        (dt.unix_timestamp_nanos() / 1_000_000) as Timestamp
    }

    #[test]
    fn the_calendar_agrees_with_the_time_crate() {
        let fmt =
            time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
        // Years 0001 to 9999, any millisecond, any offset a zone has.
        let (low, high) = (-62_135_596_800_000_i64, 253_402_300_799_999_i64);
        for (r, o) in spread(20_000).zip(spread(20_001).skip(1)) {
            let ts = low + (r % (high - low) as u64) as i64;
            let off = (o % (26 * 60 + 1)) as i32 - 12 * 60;
            let dt = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ts) * 1_000_000)
                .expect("in range");
            let offset = time::UtcOffset::from_whole_seconds(off * 60).expect("offset");
            let theirs = dt.to_offset(offset).format(&fmt).expect("format");
            assert_eq!(format_display(ts, off), theirs, "{ts} at {off}");
            assert_eq!(
                parse_api_timestamp(&format_api(ts)),
                Ok(ts - ts.rem_euclid(1000))
            );
            let rfc = format_rfc3339(ts).expect("in range");
            assert_eq!(parse_api_timestamp(&rfc), Ok(ts), "{rfc}");
        }
    }

    #[test]
    fn parsing_agrees_with_the_time_crate_on_what_people_and_the_api_write() {
        use time::format_description::well_known::Iso8601;
        let iso = Iso8601::DEFAULT;
        let theirs = |s: &str| -> Option<Timestamp> {
            let n = s.replace([' ', 't'], "T").replace('z', "Z");
            if n.len() == 10 {
                return time::Date::parse(&n, &iso)
                    .ok()
                    .map(|d| time_millis(d.with_time(time::Time::MIDNIGHT).assume_utc()));
            }
            time::OffsetDateTime::parse(&n, &iso)
                .map(time_millis)
                .or_else(|_| {
                    time::PrimitiveDateTime::parse(&n, &iso).map(|d| time_millis(d.assume_utc()))
                })
                .ok()
        };
        let mut cases: Vec<String> = [
            "2024-02-29",
            "2023-02-29",
            "2000-02-29",
            "1900-02-29",
            "2024-04-31",
            "2024-12-31",
            "0001-01-01",
            "9999-12-31T23:59:59",
            "2024-05-01T12:00",
            "2024-05-01 12:00:00",
            "2024-05-01t12:00:00z",
            "2024-05-01T12:00:00.5",
            "2024-05-01T12:00:00.123456789",
            "2024-05-01T12:00:00,25Z",
            "2024-05-01T12:00:00+05:30",
            "2024-05-01T12:00:00-0800",
            "2024-05-01T12:00:00+02",
            "2024-05-01T00:00:00-23:59",
            "2024-05-01T24:00:00",
            "2024-05-01T12:60:00",
            "2024-05-01T12:00:60",
            "2024-05-01T12:00:00+24:00",
            "2024-05-01T12:00:00+05:60",
            "2024-05-01T12:00:00.",
            "2024-5-01",
            "24-05-01",
            "2024-05-01T",
            "2024-05-01T12:00:00Z junk",
        ]
        .map(String::from)
        .to_vec();
        // And every day of four years, each at a time with an offset.
        for day in 0..(4 * 366) {
            let (y, m, d) = civil_from_days(19_700 + day);
            cases.push(format!("{y:04}-{m:02}-{d:02}"));
            cases.push(format!(
                "{y:04}-{m:02}-{d:02}T{:02}:{:02}:07.250+0{}:30",
                day % 24,
                day % 60,
                day % 10
            ));
        }
        for s in &cases {
            assert_eq!(parse_api_timestamp(s).ok(), theirs(s), "{s}");
        }
    }

    #[test]
    fn http_dates_agree_with_httpdate() {
        let theirs = |s: &str| {
            httpdate::parse_http_date(s).ok().map(|t| {
                t.duration_since(std::time::UNIX_EPOCH)
                    .expect("after 1970")
                    .as_millis() as Timestamp
            })
        };
        let mut cases: Vec<String> = [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Mon, 06 Nov 1994 08:49:37 GMT",
            "Sun, 31 Nov 1994 08:49:37 GMT",
            "Thu, 29 Feb 2024 00:00:00 GMT",
            "Sat, 29 Feb 2025 00:00:00 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 08:60:37 GMT",
            "sun, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Thu, 01 Jan 1970 00:00:00 GMT",
            "Wed, 31 Dec 1969 23:59:59 GMT",
            "Friday, 31-Dec-99 23:59:59 GMT",
            "Saturday, 01-Jan-00 00:00:00 GMT",
            "Sun Nov 06 08:49:37 1994",
            "Sun Nov 6 08:49:37 1994",
            " Sun, 06 Nov 1994 08:49:37 GMT ",
            "Fri, 31 Dec 9999 23:59:59 GMT",
            "",
            "120",
        ]
        .map(String::from)
        .to_vec();
        for r in spread(3000) {
            let ts = (r % 4_102_444_800_000) as Timestamp;
            let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ts as u64);
            let imf = httpdate::fmt_http_date(t);
            let ((y, m, d), _) = civil(ts, 0).expect("in range");
            let wd = WEEKDAYS[(ts.div_euclid(MS_PER_DAY) + 3).rem_euclid(7) as usize];
            let (w, mon) = (
                String::from_utf8_lossy(wd),
                String::from_utf8_lossy(MONTHS[m as usize - 1]),
            );
            let clock = &imf[17..25];
            cases.push(format!("{w}, {d:02}-{mon}-{:02} {clock} GMT", y % 100));
            cases.push(format!("{} {mon} {d:>2} {clock} {y}", &w[..3]));
            cases.push(imf);
        }
        for s in &cases {
            assert_eq!(parse_http_date(s), theirs(s), "{s:?}");
        }
        let noon = parse_http_date("Wed, 01 May 2024 12:00:00 GMT").expect("date");
        assert_eq!(noon, NOON);
        assert_eq!(retry_after_secs(" 30 ", NOON), Some(30));
        assert_eq!(
            retry_after_secs("Wed, 01 May 2024 12:00:10 GMT", NOON - 500),
            Some(11)
        );
        assert_eq!(
            retry_after_secs("Wed, 01 May 2024 11:00:00 GMT", NOON),
            Some(0)
        );
        assert_eq!(retry_after_secs("soon", NOON), None);
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
