//! Insight logic, kept free of the browser so it has plain tests: timeline buckets, first-seen
//! countries and IPs, changes at unusual hours.

use std::collections::{BTreeMap, HashMap, HashSet};

use audit_model::time::Timestamp;
use audit_model::AuditEvent;

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;

/// Most bars a timeline shows.
pub const MAX_BUCKETS: i64 = 96;

/// The bucket width for a range: the smallest of 1, 5, 15, 30 minutes, 1, 3, 6, 12 hours, 1 or
/// 7 days that keeps the bar count at or below [`MAX_BUCKETS`].
pub fn bucket_width(from: Timestamp, to: Timestamp) -> i64 {
    let span = (to - from).max(1);
    [
        MIN,
        5 * MIN,
        15 * MIN,
        30 * MIN,
        HOUR,
        3 * HOUR,
        6 * HOUR,
        12 * HOUR,
        DAY,
        7 * DAY,
    ]
    .into_iter()
    .find(|w| (span + w - 1) / w <= MAX_BUCKETS)
    .unwrap_or(7 * DAY)
}

/// Buckets `[start, end)` covering `from..=to`, aligned to whole widths of the clock the user
/// reads: `offset_minutes` east of UTC (0 for UTC), so in local time day bars start at local
/// midnight.
pub fn buckets(from: Timestamp, to: Timestamp, offset_minutes: i32) -> Vec<(Timestamp, Timestamp)> {
    let w = bucket_width(from, to);
    // The same cut an archive counts by.
    let cut = audit_model::archive::Cut {
        width_ms: w,
        offset_minutes,
    };
    let mut start = cut.start_of(from);
    let mut out = Vec::new();
    while start <= to {
        out.push((start, start + w));
        start += w;
    }
    out
}

/// A label for a bucket width: "1 min", "3 h", "1 day".
pub fn width_label(w: i64) -> String {
    match w {
        w if w >= DAY => format!("{} day{}", w / DAY, if w / DAY == 1 { "" } else { "s" }),
        w if w >= HOUR => format!("{} h", w / HOUR),
        w => format!("{} min", w / MIN),
    }
}

/// The event types a security review reads.
pub const SECURITY_TYPES: [&str; 12] = [
    "USER_LOGIN",
    "ACCOUNT_SECRET_CREATE",
    "ACCOUNT_SECRET_DELETE",
    "USER_API_KEYS_UPDATE",
    "IP_WHITELIST_CREATE",
    "IP_WHITELIST_DELETE",
    "ACCOUNT_UPDATE_SETTINGS",
    "ACCOUNT_UPDATE_SETTINGS_API",
    "USER_CREATE",
    "USER_UPDATE",
    "USER_STATUS",
    "ACCOUNT_UPDATE_SPAMMER",
];

/// Key and secret changes.
pub const KEY_TYPES: [&str; 3] = [
    "ACCOUNT_SECRET_CREATE",
    "ACCOUNT_SECRET_DELETE",
    "USER_API_KEYS_UPDATE",
];

/// Logins from one place (a country or an IP).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    /// The country code or IP.
    pub name: String,
    /// Logins from it.
    pub logins: usize,
    /// Distinct users.
    pub users: usize,
    /// When it was first used in the range.
    pub first: Timestamp,
    /// First used after the range's settling-in period: the account had not used it before.
    pub first_seen: bool,
    /// Users for whom it was new (they had logged in from elsewhere before).
    pub new_for_users: Vec<String>,
}

/// What a security review of a range found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Findings {
    /// Logins by country, most logins first.
    pub countries: Vec<Place>,
    /// Logins by source IP, most logins first.
    pub ips: Vec<Place>,
    /// Changes (not logins) at hours the account rarely works, newest first.
    pub unusual: Vec<AuditEvent>,
    /// The hours counted as unusual, on the clock shown (see [`analyze`]).
    pub unusual_hours: Vec<u32>,
    /// Key and secret changes, newest first.
    pub key_changes: Vec<AuditEvent>,
}

/// How far before the range the security overview looks for the places an account already
/// used: a place is "first seen" only if no login in this window came from it.
pub const LOOK_BACK_MS: i64 = 90 * DAY;

/// How much of the range is "settling in" when there is no history before it: places first used
/// then are not flagged as new. A quarter of the range, at most 7 days.
pub fn settling(from: Timestamp, to: Timestamp) -> Timestamp {
    from + ((to - from) / 4).min(7 * DAY)
}

/// The hour of the day of `ts` on a clock `offset_minutes` east of UTC.
fn hour_of(ts: Timestamp, offset_minutes: i32) -> u32 {
    ((ts + i64::from(offset_minutes) * MIN).rem_euclid(DAY) / HOUR) as u32
}

fn places(
    logins: &[(&AuditEvent, Timestamp)],
    before: &[(&AuditEvent, Timestamp)],
    key: impl Fn(&AuditEvent) -> Option<String>,
    settled: Timestamp,
) -> Vec<Place> {
    let mut by: BTreeMap<String, Place> = BTreeMap::new();
    let mut users: HashMap<String, HashSet<String>> = HashMap::new();
    // What each user, and the account, used before the range.
    let mut user_seen: HashMap<String, HashSet<String>> = HashMap::new();
    let mut user_first: HashMap<String, Timestamp> = HashMap::new();
    let mut known: HashSet<String> = HashSet::new();
    for (ev, t) in before {
        let Some(k) = key(ev) else { continue };
        let user = ev.user_email.clone().unwrap_or_default();
        user_seen.entry(user.clone()).or_default().insert(k.clone());
        let first = user_first.entry(user).or_insert(*t);
        *first = (*first).min(*t);
        known.insert(k);
    }
    for (ev, t) in logins {
        let Some(k) = key(ev) else { continue };
        let user = ev.user_email.clone().unwrap_or_default();
        let p = by.entry(k.clone()).or_insert_with(|| Place {
            name: k.clone(),
            logins: 0,
            users: 0,
            first: *t,
            first_seen: *t > settled && !known.contains(&k),
            new_for_users: Vec::new(),
        });
        p.logins += 1;
        users.entry(k.clone()).or_default().insert(user.clone());
        let seen = user_seen.entry(user.clone()).or_default();
        let first_login = *user_first.entry(user.clone()).or_insert(*t);
        if seen.insert(k.clone())
            && first_login < *t
            && *t > settled
            && !p.new_for_users.contains(&user)
        {
            p.new_for_users.push(user);
        }
    }
    let mut out: Vec<Place> = by
        .into_values()
        .map(|mut p| {
            p.users = users.get(&p.name).map_or(0, HashSet::len);
            p
        })
        .collect();
    audit_model::sorting::sort_by(&mut out, |a, b| {
        b.logins.cmp(&a.logins).then(a.name.cmp(&b.name))
    });
    out
}

/// The events that have a readable time, with it, oldest first.
fn timed_of(list: &[AuditEvent]) -> Vec<(&AuditEvent, Timestamp)> {
    let mut timed: Vec<(&AuditEvent, Timestamp)> = list
        .iter()
        .filter_map(|e| Some((e, e.timestamp()?)))
        .collect();
    audit_model::sorting::sort_by_key(&mut timed, |(_, t)| *t);
    timed
}

/// The places logins came from in the range `from..=to`: by country and by source IP, most
/// logins first, with first-seen marks.
///
/// `earlier_logins` are the account's logins in the [`LOOK_BACK_MS`] before the range. A place
/// they came from is never "first seen", and with such history every place new to it is, from
/// the range's first moment; without any (a new account, or one whose history does not reach
/// back), the range's first quarter is the settling-in period instead.
pub fn login_places(
    logins: &[AuditEvent],
    earlier_logins: &[AuditEvent],
    from: Timestamp,
    to: Timestamp,
) -> (Vec<Place>, Vec<Place>) {
    let is_login = |(e, _): &(&AuditEvent, Timestamp)| e.event_type == "USER_LOGIN";
    let before: Vec<_> = timed_of(earlier_logins)
        .into_iter()
        .filter(|x| is_login(x) && x.1 < from)
        .collect();
    let settled = if before.is_empty() {
        settling(from, to)
    } else {
        from - 1
    };
    let logins: Vec<_> = timed_of(logins).into_iter().filter(is_login).collect();
    (
        places(&logins, &before, |e| e.source_country.clone(), settled),
        places(&logins, &before, |e| e.source_ip.clone(), settled),
    )
}

/// Changes (not logins) at hours the account rarely works, newest first, and those hours.
///
/// `events` are all the security events of the range, in any number of parts; hours are read on
/// the clock the user has chosen: `offset(t)` is its offset east of UTC at `t`, in minutes (0 for
/// UTC). An hour is unusual when it holds under 2% of all activity in the range (logins included,
/// as they show when people work), and only when there is enough activity to tell.
pub fn unusual_changes(
    events: &[&[AuditEvent]],
    offset: impl Fn(Timestamp) -> i32,
) -> (Vec<u32>, Vec<AuditEvent>) {
    let timed: Vec<(&AuditEvent, Timestamp)> = events
        .iter()
        .flat_map(|part| part.iter())
        .filter_map(|e| Some((e, e.timestamp()?)))
        .collect();
    let mut per_hour = [0usize; 24];
    for (_, t) in &timed {
        per_hour[hour_of(*t, offset(*t)) as usize] += 1;
    }
    let total = timed.len();
    let hours: Vec<u32> = if total >= 50 {
        (0..24u32)
            .filter(|h| per_hour[*h as usize] * 50 < total)
            .collect()
    } else {
        Vec::new()
    };
    let mut unusual: Vec<(&AuditEvent, Timestamp)> = timed
        .into_iter()
        .filter(|(e, t)| e.event_type != "USER_LOGIN" && hours.contains(&hour_of(*t, offset(*t))))
        .collect();
    newest_first(&mut unusual);
    (hours, unusual.into_iter().map(|(e, _)| e.clone()).collect())
}

/// The key and secret changes among `events`, newest first.
pub fn key_changes(events: &[AuditEvent]) -> Vec<AuditEvent> {
    let mut keys: Vec<(&AuditEvent, Timestamp)> = timed_of(events)
        .into_iter()
        .filter(|(e, _)| KEY_TYPES.contains(&e.event_type.as_str()))
        .collect();
    newest_first(&mut keys);
    keys.into_iter().map(|(e, _)| e.clone()).collect()
}

/// Newest first; of events at the same moment, the one listed later first (as a newest-first
/// reading of an oldest-first list gives).
fn newest_first(list: &mut [(&AuditEvent, Timestamp)]) {
    audit_model::sorting::sort_by_key(list, |(_, t)| *t);
    list.reverse();
}

/// Reviews the security-relevant events of the range `from..=to`: [`login_places`],
/// [`unusual_changes`] and [`key_changes`] of one list.
pub fn analyze(
    events: &[AuditEvent],
    earlier_logins: &[AuditEvent],
    from: Timestamp,
    to: Timestamp,
    offset: impl Fn(Timestamp) -> i32,
) -> Findings {
    let (countries, ips) = login_places(events, earlier_logins, from, to);
    let (unusual_hours, unusual) = unusual_changes(&[events], offset);
    Findings {
        countries,
        ips,
        unusual,
        unusual_hours,
        key_changes: key_changes(events),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_widths_fit_the_range() {
        assert_eq!(bucket_width(0, HOUR), MIN);
        assert_eq!(bucket_width(0, DAY), 15 * MIN);
        assert_eq!(bucket_width(0, 7 * DAY), 3 * HOUR);
        assert_eq!(bucket_width(0, 30 * DAY), 12 * HOUR);
        assert_eq!(bucket_width(0, 90 * DAY), DAY);
        assert_eq!(bucket_width(0, 5 * 365 * DAY), 7 * DAY);
        let b = buckets(10 * MIN + 5, 2 * HOUR, 0);
        assert_eq!(b.first().map(|x| x.0), Some(10 * MIN));
        assert!(b.len() as i64 <= MAX_BUCKETS);
        assert!(b.windows(2).all(|w| w[0].1 == w[1].0), "contiguous");
        assert!(b.last().is_some_and(|x| x.1 > 2 * HOUR));
        assert_eq!(width_label(DAY), "1 day");
    }

    #[test]
    fn day_bars_start_at_midnight_of_the_clock_shown() {
        let from = 3 * DAY + 7 * HOUR;
        let to = from + 60 * DAY;
        // UTC: midnight UTC.
        assert_eq!(buckets(from, to, 0)[0].0, 3 * DAY);
        // UTC+02:00: local midnight is 22:00 UTC the day before.
        assert_eq!(buckets(from, to, 120)[0].0, 3 * DAY - 2 * HOUR);
        // UTC-05:30: local midnight is 05:30 UTC.
        let west = buckets(from, to, -330);
        assert_eq!(west[0].0, 3 * DAY + 5 * HOUR + 30 * MIN);
        assert!(west[0].0 <= from && west.last().is_some_and(|b| b.1 > to));
        assert_eq!(width_label(3 * HOUR), "3 h");
    }

    fn login(t: Timestamp, user: &str, country: &str, ip: &str, ty: &str) -> AuditEvent {
        audit_model::testing::event(format!("{t}-{user}"))
            .of_type(ty)
            .at_ms(t)
            .user(user)
            .country(country)
            .ip(ip)
            .build()
    }

    #[test]
    fn first_seen_marks_places_new_after_settling_in() {
        let from = 0;
        let to = 40 * DAY;
        let mut events = Vec::new();
        for d in 0..40 {
            events.push(login(
                d * DAY + 9 * HOUR,
                "a@x",
                "GB",
                "192.0.2.1",
                "USER_LOGIN",
            ));
            events.push(login(
                d * DAY + 10 * HOUR,
                "b@x",
                "US",
                "192.0.2.2",
                "USER_LOGIN",
            ));
        }
        // b logs in from GB (known to the account, new for b), then from BR (new to everyone).
        events.push(login(
            30 * DAY + 11 * HOUR,
            "b@x",
            "GB",
            "192.0.2.3",
            "USER_LOGIN",
        ));
        events.push(login(
            31 * DAY + 11 * HOUR,
            "b@x",
            "BR",
            "198.51.100.77",
            "USER_LOGIN",
        ));
        let f = analyze(&events, &[], from, to, |_| 0);
        let gb = f.countries.iter().find(|p| p.name == "GB").expect("GB");
        assert!(!gb.first_seen, "GB was used from the start");
        assert_eq!(gb.new_for_users, ["b@x"]);
        let br = f.countries.iter().find(|p| p.name == "BR").expect("BR");
        assert!(br.first_seen);
        assert_eq!(br.logins, 1);
        assert!(f
            .ips
            .iter()
            .find(|p| p.name == "198.51.100.77")
            .is_some_and(|p| p.first_seen));
        assert!(
            !f.ips
                .iter()
                .find(|p| p.name == "192.0.2.1")
                .expect("ip")
                .first_seen
        );
        assert_eq!(f.countries[0].name, "GB", "most logins first");
    }

    #[test]
    fn a_short_range_compares_with_the_logins_before_it() {
        // A day's range; IE was used all along before it, BR never.
        let (from, to) = (100 * DAY, 101 * DAY);
        let earlier: Vec<AuditEvent> = (10..100)
            .map(|d| login(d * DAY + 9 * HOUR, "a@x", "IE", "192.0.2.9", "USER_LOGIN"))
            .collect();
        let today = vec![
            // Late in the day, after what would be the settling-in quarter.
            login(from + 20 * HOUR, "a@x", "IE", "192.0.2.9", "USER_LOGIN"),
            // Early, inside that quarter: with history, it still counts as new.
            login(from + HOUR, "a@x", "BR", "198.51.100.77", "USER_LOGIN"),
        ];
        let f = analyze(&today, &earlier, from, to, |_| 0);
        let ie = f.countries.iter().find(|p| p.name == "IE").expect("IE");
        assert!(!ie.first_seen, "IE has 90 logins before the range");
        let br = f.countries.iter().find(|p| p.name == "BR").expect("BR");
        assert!(br.first_seen, "BR was never used before");
        assert_eq!(br.new_for_users, ["a@x"], "new for a, who logged in before");
        // Without the look-back, the settling-in quarter decides: IE, first used at 20:00, would
        // be flagged; BR, at 01:00, would not.
        let blind = analyze(&today, &[], from, to, |_| 0);
        assert!(blind
            .countries
            .iter()
            .any(|p| p.name == "IE" && p.first_seen));
    }

    #[test]
    fn changes_at_rare_hours_are_unusual() {
        let mut events = Vec::new();
        for d in 0..60 {
            events.push(login(
                d * DAY + 9 * HOUR,
                "a@x",
                "GB",
                "192.0.2.1",
                "USER_LOGIN",
            ));
            events.push(login(
                d * DAY + 14 * HOUR,
                "a@x",
                "GB",
                "192.0.2.1",
                "APP_UPDATE",
            ));
        }
        events.push(login(
            20 * DAY + 3 * HOUR,
            "a@x",
            "GB",
            "192.0.2.1",
            "ACCOUNT_SECRET_CREATE",
        ));
        events.push(login(
            25 * DAY + 14 * HOUR + 30 * MIN,
            "a@x",
            "GB",
            "192.0.2.1",
            "ACCOUNT_SECRET_DELETE",
        ));
        let f = analyze(&events, &[], 0, 60 * DAY, |_| 0);
        assert!(f.unusual_hours.contains(&3));
        assert!(!f.unusual_hours.contains(&9) && !f.unusual_hours.contains(&14));
        // On a clock two hours ahead of UTC the same work happens at 11 and 16.
        let ahead = analyze(&events, &[], 0, 60 * DAY, |_| 120);
        assert!(ahead.unusual_hours.contains(&5) && ahead.unusual_hours.contains(&9));
        assert!(!ahead.unusual_hours.contains(&11) && !ahead.unusual_hours.contains(&16));
        assert_eq!(
            ahead.unusual, f.unusual,
            "the same events, only the hours' names move"
        );
        assert_eq!(f.unusual.len(), 1);
        assert_eq!(f.unusual[0].event_type, "ACCOUNT_SECRET_CREATE");
        let keys: Vec<&str> = f
            .key_changes
            .iter()
            .map(|e| e.event_type.as_str())
            .collect();
        assert_eq!(
            keys,
            ["ACCOUNT_SECRET_DELETE", "ACCOUNT_SECRET_CREATE"],
            "newest first"
        );
    }

    #[test]
    fn sections_read_from_parts_equal_one_list() {
        // The overview reads key changes, other changes and logins as separate queries and
        // paints each section when its parts are in: the same findings as one list.
        let mut keys = Vec::new();
        let mut changes = Vec::new();
        let mut logins = Vec::new();
        for d in 0..90 {
            logins.push(login(
                d * DAY + 9 * HOUR,
                "a@x",
                "GB",
                "192.0.2.1",
                "USER_LOGIN",
            ));
            changes.push(login(
                d * DAY + 10 * HOUR,
                "a@x",
                "GB",
                "192.0.2.1",
                "USER_UPDATE",
            ));
        }
        logins.push(login(
            12 * DAY + 2 * HOUR,
            "b@x",
            "BR",
            "2001:db8::7",
            "USER_LOGIN",
        ));
        changes.push(login(
            13 * DAY + 2 * HOUR,
            "b@x",
            "BR",
            "2001:db8::7",
            "IP_WHITELIST_CREATE",
        ));
        keys.push(login(
            13 * DAY + 2 * HOUR,
            "b@x",
            "BR",
            "2001:db8::7",
            "USER_API_KEYS_UPDATE",
        ));
        keys.push(login(
            5 * DAY + 11 * HOUR,
            "a@x",
            "GB",
            "192.0.2.1",
            "ACCOUNT_SECRET_CREATE",
        ));
        let all: Vec<AuditEvent> = [&keys[..], &changes[..], &logins[..]].concat();
        let (from, to) = (0, 90 * DAY);
        let whole = analyze(&all, &[], from, to, |_| 60);
        assert_eq!(key_changes(&keys), whole.key_changes);
        assert_eq!(whole.key_changes.len(), 2);
        assert_eq!(whole.key_changes[0].event_type, "USER_API_KEYS_UPDATE");
        let (hours, unusual) = unusual_changes(&[&keys, &changes, &logins], |_| 60);
        assert_eq!(
            (hours, unusual),
            (whole.unusual_hours.clone(), whole.unusual)
        );
        assert!(
            whole.unusual_hours.contains(&3),
            "02:00 UTC is 03:00 on the clock shown"
        );
        let (countries, ips) = login_places(&logins, &[], from, to);
        assert_eq!((countries, ips), (whole.countries, whole.ips));
    }
}
