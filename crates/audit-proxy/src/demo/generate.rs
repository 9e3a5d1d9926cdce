//! A deterministic synthetic account: a few users going about their work for 90 days, and three
//! patterns a fraud-watcher should find.
//!
//! IP addresses come from the documentation ranges (RFC 5737) so no real host is named.

use audit_model::time::{format_api, Timestamp};
use audit_model::{AuditEvent, UserId};
use serde_json::{json, Value};

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct DemoSpec {
    /// Same seed, same account (relative to `now`).
    pub seed: u64,
    /// Total number of events, patterns included.
    pub events: usize,
    /// The account's present; events fall in the 90 days before it.
    pub now: Timestamp,
}

/// The account's API key.
pub const ACCOUNT: &str = "a1b2c3d4";
const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
/// Days of history.
pub const DAYS: i64 = 90;

struct User {
    email: &'static str,
    id: i64,
    country: &'static str,
    ips: &'static [&'static str],
    /// First working hour, UTC.
    start_hour: i64,
    /// Uses the Developer API rather than the dashboard.
    api: bool,
}

const USERS: &[User] = &[
    User {
        email: "alice.owner@acme.example",
        id: 1_000_001,
        country: "GB",
        ips: &["192.0.2.10", "192.0.2.11"],
        start_hour: 8,
        api: false,
    },
    User {
        email: "bob.ops@acme.example",
        id: 1_000_002,
        country: "GB",
        ips: &["192.0.2.20"],
        start_hour: 9,
        api: false,
    },
    User {
        email: "carol.security@acme.example",
        id: 1_000_003,
        country: "US",
        ips: &["198.51.100.30", "198.51.100.31"],
        start_hour: 13,
        api: false,
    },
    User {
        email: "dave.dev@acme.example",
        id: 1_000_004,
        country: "DE",
        ips: &["203.0.113.40"],
        start_hour: 7,
        api: true,
    },
    User {
        email: "deploy-bot@acme.example",
        id: 1_000_005,
        country: "IE",
        ips: &["203.0.113.50", "203.0.113.51"],
        start_hour: 6,
        api: true,
    },
];

/// Relative weights of the routine event types.
const WEIGHTS: &[(&str, u32)] = &[
    ("USER_LOGIN", 30),
    ("USER_LOGOUT", 22),
    ("USER_PRODUCT_SEARCH", 12),
    ("NUMBER_UPDATED", 6),
    ("NUMBER_LINKED", 5),
    ("NUMBER_UNLINKED", 3),
    ("NUMBER_ASSIGN", 3),
    ("NUMBER_RELEASE", 1),
    ("NUMBER_USER_CANCELED", 1),
    ("APP_CREATE", 3),
    ("APP_UPDATE", 5),
    ("APP_DELETE", 1),
    ("APP_DISABLE", 1),
    ("APP_ENABLE", 1),
    ("ACCOUNT_UPDATE_SETTINGS", 2),
    ("ACCOUNT_UPDATE_SETTINGS_API", 2),
    ("ACCOUNT_UPDATE_SPAMMER", 1),
    ("ACCOUNT_SECRET_CREATE", 1),
    ("ACCOUNT_SECRET_DELETE", 1),
    ("USER_API_KEYS_UPDATE", 1),
    ("USER_BILLING_UPDATE", 1),
    ("USER_CREATE", 1),
    ("USER_STATUS", 1),
    ("USER_UPDATE", 2),
    ("IP_WHITELIST_CREATE", 1),
    ("IP_WHITELIST_DELETE", 1),
    ("AUTORELOAD_ENABLE", 1),
    ("AUTORELOAD_UPDATE", 1),
    ("AUTORELOAD_DISABLE", 1),
];

struct Gen {
    rng: fastrand::Rng,
    now: Timestamp,
    apps: Vec<(String, String)>,
}

impl Gen {
    fn uuid(&mut self) -> String {
        let mut bytes = [0u8; 16];
        self.rng.fill(&mut bytes);
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .hyphenated()
            .to_string()
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.usize(..items.len())]
    }

    fn msisdn(&mut self, country: &str) -> String {
        let prefix = match country {
            "US" => "1555",
            "DE" => "4915",
            "IE" => "35387",
            _ => "447700",
        };
        format!("{prefix}{:06}", self.rng.u32(..1_000_000))
    }

    fn app(&mut self) -> (String, String) {
        if self.apps.is_empty() || self.rng.u8(..10) == 0 {
            let names = [
                "Support line",
                "Order alerts",
                "2FA verify",
                "Call centre IVR",
                "Voice bot",
                "Delivery SMS",
            ];
            let name = format!("{} {}", self.pick(&names), self.rng.u8(1..9));
            let id = self.uuid();
            self.apps.push((id, name));
        }
        let i = self.rng.usize(..self.apps.len());
        self.apps[i].clone()
    }

    fn callback(&mut self, path: &str) -> Value {
        let method = if self.rng.bool() { "GET" } else { "POST" };
        json!({"method": method, "url": format!("https://hooks.acme.example/{path}")})
    }

    fn context(&mut self, event_type: &str, user: &User) -> Value {
        let country = user.country;
        match event_type {
            "USER_LOGIN" => json!({
                "login_method": if self.rng.u8(..5) == 0 { "sso" } else { "password" },
                "two_factor": self.rng.u8(..4) != 0,
                "user_agent": self.pick(&["Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0", "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"]),
            }),
            "USER_LOGOUT" => json!({"reason": self.pick(&["user", "session_expired"])}),
            "USER_PRODUCT_SEARCH" => json!({
                "product": self.pick(&["voice", "sms", "verify", "messages"]),
                "search": {"date_start": format_api(self.now - 7 * DAY), "date_end": format_api(self.now), "status": "failed"},
            }),
            "NUMBER_UPDATED" => {
                let (app_id, _) = self.app();
                json!({
                    "country": country,
                    "msisdn": self.msisdn(country),
                    "voice-type": self.pick(&["app", "tel", "sip"]),
                    "voice-value": app_id,
                    "http": "https://hooks.acme.example/inbound-sms",
                })
            }
            "NUMBER_LINKED" | "NUMBER_UNLINKED" => {
                let (app_id, _) = self.app();
                json!({"country": country, "account": ACCOUNT, "msisdn": self.msisdn(country), "applicationId": app_id})
            }
            "NUMBER_ASSIGN" | "NUMBER_RELEASE" | "NUMBER_USER_CANCELED" => json!({
                "country": country,
                "msisdn": self.msisdn(country),
                "type": self.pick(&["mobile-lvn", "landline", "landline-toll-free"]),
                "features": ["VOICE", "SMS"],
            }),
            "APP_CREATE" => {
                let (app_id, name) = self.app();
                json!({
                    "appId": app_id,
                    "created": {
                        "accountId": ACCOUNT,
                        "appId": app_id,
                        "name": name,
                        "type": "voice",
                        "answer_url": self.callback("answer"),
                        "event_url": self.callback("event"),
                    }
                })
            }
            "APP_UPDATE" => {
                let (app_id, name) = self.app();
                json!({
                    "appId": app_id,
                    "name": name,
                    "changes": {"event_url": {"old": self.callback("event"), "new": self.callback("v2/event")}},
                })
            }
            "APP_DELETE" | "APP_DISABLE" | "APP_ENABLE" => {
                let (app_id, name) = self.app();
                json!({"appId": app_id, "name": name})
            }
            "ACCOUNT_UPDATE_SETTINGS" | "ACCOUNT_UPDATE_SETTINGS_API" => json!({
                "settings": {
                    "mo_callback_url": {"old": "https://hooks.acme.example/mo", "new": "https://hooks.acme.example/v2/mo"},
                    "http_forward_method": {"old": "GET", "new": "POST"},
                }
            }),
            "ACCOUNT_UPDATE_SPAMMER" => json!({"spammer": false}),
            "ACCOUNT_SECRET_CREATE" | "ACCOUNT_SECRET_DELETE" => {
                json!({"api_key": ACCOUNT, "secret_id": self.uuid()})
            }
            "USER_API_KEYS_UPDATE" => json!({
                "sub_account": format!("{ACCOUNT}-{:02}", self.rng.u8(1..20)),
                "action": self.pick(&["created", "suspended", "reactivated"]),
            }),
            "USER_BILLING_UPDATE" => {
                json!({"billing_address": {"country": country, "postcode_changed": true}})
            }
            "USER_CREATE" => {
                json!({"created_user": format!("new.hire{}@acme.example", self.rng.u8(1..50)), "role": "developer"})
            }
            "USER_STATUS" => {
                json!({"status": {"old": "ACTIVE", "new": self.pick(&["LOCKED", "ACTIVE"])}})
            }
            "USER_UPDATE" => json!({"fields": [self.pick(&["phone", "name", "timezone"])]}),
            "IP_WHITELIST_CREATE" | "IP_WHITELIST_DELETE" => json!({
                "ip": self.pick(&["192.0.2.0/28", "198.51.100.64/27", "203.0.113.7"]),
                "description": "office egress",
            }),
            "AUTORELOAD_ENABLE" | "AUTORELOAD_UPDATE" => json!({
                "threshold": f64::from(self.rng.u8(1..5)) * 10.0,
                "amount": f64::from(self.rng.u8(1..5)) * 50.0,
                "currency": "EUR",
            }),
            "AUTORELOAD_DISABLE" => json!({}),
            _ => json!({}),
        }
    }

    fn event(
        &mut self,
        event_type: &str,
        user: &User,
        at: Timestamp,
        ip: &str,
        country: &str,
    ) -> AuditEvent {
        let (source, source_description) =
            if user.api && !matches!(event_type, "USER_LOGIN" | "USER_LOGOUT") {
                ("DEVAPI", "Developer API")
            } else {
                ("CD", "Customer Dashboard")
            };
        let context = self.context(event_type, user);
        AuditEvent {
            id: self.uuid(),
            event_type: event_type.to_string(),
            event_type_description: audit_model::catalog::describe(event_type).map(str::to_string),
            created_at: format_api(at),
            user_email: Some(user.email.to_string()),
            user_id: Some(UserId::Number(user.id)),
            account_id: Some(ACCOUNT.to_string()),
            source: Some(source.to_string()),
            source_ip: Some(ip.to_string()),
            source_description: Some(source_description.to_string()),
            source_country: Some(country.to_string()),
            context: Some(context.into()),
            links: None,
            extra: Default::default(),
        }
    }

    /// A time within the user's working hours on a random day of the history.
    fn working_time(&mut self, user: &User) -> Timestamp {
        let day_start = self.now - self.now.rem_euclid(DAY) - self.rng.i64(0..DAYS) * DAY;
        let t = day_start + (user.start_hour + self.rng.i64(0..10)) * HOUR + self.rng.i64(0..HOUR);
        if t >= self.now {
            // Today, later than now: the day before, at the same hour.
            t - DAY
        } else {
            t
        }
    }

    fn routine_type(&mut self) -> &'static str {
        let total: u32 = WEIGHTS.iter().map(|(_, w)| w).sum();
        let mut roll = self.rng.u32(..total);
        for (t, w) in WEIGHTS {
            if roll < *w {
                return t;
            }
            roll -= w;
        }
        WEIGHTS[0].0
    }
}

/// Where the planted patterns are, for tests and the docs.
pub mod patterns {
    /// Country of the login burst; used by no other event.
    pub const BURST_COUNTRY: &str = "BR";
    /// Source IP of the login burst.
    pub const BURST_IP: &str = "198.51.100.77";
    /// Logins in the burst.
    pub const BURST_LOGINS: usize = 14;
    /// Days before now of the burst.
    pub const BURST_DAYS_AGO: i64 = 9;
    /// Hour (UTC) at which the night-time secret is created.
    pub const NIGHT_SECRET_HOUR: i64 = 3;
    /// Days before now of the night-time secret.
    pub const NIGHT_SECRET_DAYS_AGO: i64 = 5;
    /// IP added to the whitelist before the key changes.
    pub const WHITELISTED_IP: &str = "203.0.113.99";
    /// Days before now of the whitelist-then-keys sequence.
    pub const WHITELIST_DAYS_AGO: i64 = 2;
}

/// One routine event happening at `now`, for a demo account that grows while it is watched
/// (`--demo-live-every-ms`). `n` numbers the events so each is different.
pub fn live_event(seed: u64, n: u64, now: Timestamp) -> AuditEvent {
    let mut g = Gen {
        rng: fastrand::Rng::with_seed(seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        now,
        apps: Vec::new(),
    };
    let user = g.pick(USERS);
    let t = g.routine_type();
    let ip = *g.pick(user.ips);
    g.event(t, user, now, ip, user.country)
}

/// Generates the account. Every documented event type occurs at least once.
pub fn generate(spec: DemoSpec) -> Vec<AuditEvent> {
    let mut g = Gen {
        rng: fastrand::Rng::with_seed(spec.seed),
        now: spec.now,
        apps: Vec::new(),
    };
    let mut out = Vec::with_capacity(spec.events);
    let midnight = spec.now - spec.now.rem_euclid(DAY);

    // 1. A burst of logins from a country the account never used, by bob.
    let bob = &USERS[1];
    let burst_start = midnight - patterns::BURST_DAYS_AGO * DAY + 14 * HOUR + 7 * 60_000;
    for i in 0..patterns::BURST_LOGINS as i64 {
        let at = burst_start + i * 83_000;
        out.push(g.event(
            "USER_LOGIN",
            bob,
            at,
            patterns::BURST_IP,
            patterns::BURST_COUNTRY,
        ));
    }

    // 2. An API secret created at 3 a.m. by alice, from her usual IP.
    let alice = &USERS[0];
    let night = midnight - patterns::NIGHT_SECRET_DAYS_AGO * DAY
        + patterns::NIGHT_SECRET_HOUR * HOUR
        + 12 * 60_000;
    out.push(g.event(
        "ACCOUNT_SECRET_CREATE",
        alice,
        night,
        alice.ips[0],
        alice.country,
    ));

    // 3. A new whitelist entry, then key and secret changes within the hour, via the API.
    let dave = &USERS[3];
    let wl = midnight - patterns::WHITELIST_DAYS_AGO * DAY + 11 * HOUR + 3 * 60_000;
    let mut e = g.event("IP_WHITELIST_CREATE", dave, wl, dave.ips[0], dave.country);
    e.context = Some(json!({"ip": patterns::WHITELISTED_IP, "description": "temporary"}).into());
    out.push(e);
    for (i, t) in [
        "USER_API_KEYS_UPDATE",
        "ACCOUNT_SECRET_CREATE",
        "ACCOUNT_SECRET_DELETE",
    ]
    .iter()
    .enumerate()
    {
        let at = wl + (i as i64 + 1) * 9 * 60_000;
        out.push(g.event(t, dave, at, patterns::WHITELISTED_IP, dave.country));
    }

    // Every documented type at least once, then routine traffic.
    for (t, _) in WEIGHTS {
        if out.len() >= spec.events {
            break;
        }
        let user = g.pick(USERS);
        let at = g.working_time(user);
        let ip = *g.pick(user.ips);
        out.push(g.event(t, user, at, ip, user.country));
    }
    while out.len() < spec.events {
        let user = g.pick(USERS);
        let t = g.routine_type();
        let at = g.working_time(user);
        let ip = *g.pick(user.ips);
        out.push(g.event(t, user, at, ip, user.country));
    }
    out.truncate(spec.events);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use uuid::Uuid;

    const NOW: Timestamp = 1_767_268_800_000; // 2026-01-01T12:00:00Z

    fn spec(seed: u64, events: usize) -> DemoSpec {
        DemoSpec {
            seed,
            events,
            now: NOW,
        }
    }

    #[test]
    fn same_seed_same_account() {
        assert_eq!(generate(spec(7, 500)), generate(spec(7, 500)));
        assert_ne!(generate(spec(7, 500)), generate(spec(8, 500)));
    }

    #[test]
    fn covers_every_documented_type_within_90_days() {
        let events = generate(spec(42, 5000));
        assert_eq!(events.len(), 5000);
        let types: HashSet<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
        for (t, _) in audit_model::catalog::EVENT_TYPES {
            assert!(types.contains(t), "{t} missing");
        }
        for e in &events {
            let t = e.timestamp().expect("parses");
            assert!(
                (NOW - DAYS * DAY - DAY..NOW).contains(&t),
                "{}",
                e.created_at
            );
            assert!(Uuid::try_parse(&e.id).is_ok());
        }
        let ids: HashSet<&str> = events.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids.len(), events.len(), "ids are unique");
    }

    #[test]
    fn planted_patterns_are_there() {
        let events = generate(spec(42, 5000));
        let burst: Vec<_> = events
            .iter()
            .filter(|e| e.source_country.as_deref() == Some(patterns::BURST_COUNTRY))
            .collect();
        assert_eq!(burst.len(), patterns::BURST_LOGINS);
        assert!(burst.iter().all(|e| e.event_type == "USER_LOGIN"));
        let night: Vec<_> = events
            .iter()
            .filter(|e| e.event_type == "ACCOUNT_SECRET_CREATE")
            .filter(|e| e.created_at[11..13] == *"03")
            .collect();
        assert_eq!(night.len(), 1);
        // Routine activity happens between 06:00 and 23:59 UTC, so the 03:00 change stands out.
        let small_hours = events
            .iter()
            .filter(|e| e.created_at[11..13] < *"06")
            .count();
        assert_eq!(small_hours, 1);
    }
}
