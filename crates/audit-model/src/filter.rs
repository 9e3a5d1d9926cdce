//! Exact filters typed into the search box: `type:APP_CREATE,APP_DELETE -user:bot@x.example
//! ip:198.51.100.0/24 country:US source:CD context.application.id:abc "free text"`.
//!
//! - A qualifier is a known name, a colon and a value: `type:`, `user:` (email or user id),
//!   `ip:` (an address or a CIDR range), `country:`, `source:` (code or description), `id:`, or
//!   `context.<path>:` for a value inside the context (dotted path for nesting).
//! - Commas give alternatives (any may match); different qualifiers all apply; `-` in front
//!   negates; double quotes let a value or a word hold spaces (`\"` and `\\` inside).
//! - Everything else is bare text, which stays the API's own text search (`search_text`).
//!
//! [`Filter::parse`] reads the box; [`Filter::matches`] decides one event exactly;
//! [`Filter`]'s `Display` writes the canonical form, which parses back to the same filter.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;
use serde_json::Value;

use crate::event::AuditEvent;

/// What a qualifier looks at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Field {
    /// `type:` the event type (case-insensitive).
    Type,
    /// `user:` the user's email (case-insensitive) or user id.
    User,
    /// `ip:` the source IP: an address (any spelling of the same address matches) or a range.
    Ip,
    /// `country:` the source country (case-insensitive).
    Country,
    /// `source:` the source code (`CD`) or its description (case-insensitive).
    Source,
    /// `id:` the event's id (case-insensitive): `id:a,b,c` is a set of events, as an alert's.
    Id,
    /// `context.<path>:` a scalar inside the context, at a dotted path.
    Context(Vec<String>),
}

/// The qualifiers, as the error messages list them.
pub const QUALIFIERS: &str = "type:, user:, ip:, country:, source:, id: or context.<path>:";

impl Field {
    fn parse(name: &str) -> Option<Field> {
        Some(match name {
            "type" => Field::Type,
            "user" => Field::User,
            "ip" => Field::Ip,
            "country" => Field::Country,
            "source" => Field::Source,
            "id" => Field::Id,
            _ => {
                let path = name.strip_prefix("context.")?;
                let parts: Vec<String> = path.split('.').map(str::to_string).collect();
                if parts.iter().any(String::is_empty) {
                    return None;
                }
                Field::Context(parts)
            }
        })
    }

    fn name(&self) -> String {
        match self {
            Field::Type => "type".into(),
            Field::User => "user".into(),
            Field::Ip => "ip".into(),
            Field::Country => "country".into(),
            Field::Source => "source".into(),
            Field::Id => "id".into(),
            Field::Context(path) => format!("context.{}", path.join(".")),
        }
    }
}

/// One alternative of a clause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Wanted {
    /// A text value, compared as the field says.
    Text(String),
    /// An IP address (for `ip:`).
    Addr(IpAddr),
    /// An IP range (for `ip:`).
    Range(IpNet),
}

impl Wanted {
    /// As written (an address or range in its canonical form): borrowed for text, which is
    /// compared with every event.
    fn text(&self) -> Cow<'_, str> {
        match self {
            Wanted::Text(t) => Cow::Borrowed(t),
            Wanted::Addr(a) => Cow::Owned(a.to_string()),
            Wanted::Range(r) => Cow::Owned(r.to_string()),
        }
    }
}

/// `[-]field:alt1,alt2`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clause {
    /// What is looked at.
    pub field: Field,
    /// Any of these matches.
    pub any_of: Vec<Wanted>,
    /// The clause excludes what it matches.
    pub negated: bool,
}

/// A parsed search box.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// The qualifiers; all apply.
    pub clauses: Vec<Clause>,
    /// Bare words and quoted phrases, in order: the API's text search.
    pub text: Vec<String>,
}

/// Why a search box could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FilterError(pub String);

/// A part of a word: its text, and whether it was quoted.
type Piece = (String, bool);

/// A word of the box: as typed (for messages), and its pieces with quoting removed.
struct Word {
    raw: String,
    pieces: Vec<Piece>,
}

/// Splits the box into words: whitespace separates, except inside double quotes; a quote may
/// start anywhere in a word (`context.note:"two words"`). A word whose first piece is quoted is
/// never a qualifier.
fn words(input: &str) -> Result<Vec<Word>, FilterError> {
    let mut out = Vec::new();
    let mut chars = input.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            return Ok(out);
        }
        let mut raw = String::new();
        let mut pieces: Vec<Piece> = vec![(String::new(), false)];
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() {
                break;
            }
            chars.next();
            raw.push(c);
            if c != '"' {
                if let Some(last) = pieces.last_mut() {
                    last.0.push(c);
                }
                continue;
            }
            let mut quoted = String::new();
            let mut closed = false;
            while let Some(q) = chars.next() {
                raw.push(q);
                match q {
                    '"' => {
                        closed = true;
                        break;
                    }
                    '\\' => {
                        if let Some(escaped) = chars.next() {
                            raw.push(escaped);
                            quoted.push(escaped);
                        }
                    }
                    q => quoted.push(q),
                }
            }
            if !closed {
                return Err(FilterError(format!(
                    "A quote is not closed in “{raw}”: end the phrase with \"."
                )));
            }
            pieces.push((quoted, true));
            pieces.push((String::new(), false));
        }
        pieces.retain(|(t, quoted)| *quoted || !t.is_empty());
        out.push(Word { raw, pieces });
    }
}

/// Splits a qualifier's value at commas outside quotes.
fn alternatives(pieces: &[Piece]) -> Vec<String> {
    let mut alts = vec![String::new()];
    for (text, quoted) in pieces {
        if *quoted {
            if let Some(last) = alts.last_mut() {
                last.push_str(text);
            }
            continue;
        }
        let mut parts = text.split(',');
        if let (Some(first), Some(last)) = (parts.next(), alts.last_mut()) {
            last.push_str(first);
        }
        alts.extend(parts.map(str::to_string));
    }
    alts
}

impl Filter {
    /// Reads a search box. An unknown qualifier, an empty value, a bad address or an open quote
    /// is an error that says what is allowed. Text that only looks like a qualifier can be
    /// searched for by quoting it (`"type:x"`).
    pub fn parse(input: &str) -> Result<Filter, FilterError> {
        let mut filter = Filter::default();
        for Word { raw, pieces } in words(input)? {
            let (first, quoted) = pieces.first().cloned().unwrap_or_default();
            let qualifier =
                (!quoted)
                    .then(|| first.split_once(':'))
                    .flatten()
                    .filter(|(name, _)| {
                        let name = name.strip_prefix('-').unwrap_or(name);
                        !name.is_empty()
                            && name.chars().all(|c| {
                                c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-'
                            })
                            && name.starts_with(|c: char| c.is_ascii_alphabetic())
                    });
            let Some((name, rest)) = qualifier else {
                let text: String = pieces.into_iter().map(|(t, _)| t).collect();
                if !text.is_empty() {
                    filter.text.push(text);
                }
                continue;
            };
            let (negated, name) = match name.strip_prefix('-') {
                Some(n) => (true, n),
                None => (false, name),
            };
            let field = Field::parse(name).ok_or_else(|| {
                FilterError(format!(
                    "“{name}:” is not a qualifier: use {QUALIFIERS} (quote the word to search for it as text)."
                ))
            })?;
            let mut value_pieces = vec![(rest.to_string(), false)];
            value_pieces.extend(pieces.into_iter().skip(1));
            let mut any_of = Vec::new();
            for alt in alternatives(&value_pieces) {
                if alt.is_empty() {
                    return Err(FilterError(format!(
                        "“{raw}” needs a value after “{name}:” (and none empty between commas)."
                    )));
                }
                any_of.push(wanted(&field, &alt)?);
            }
            filter.clauses.push(Clause {
                field,
                any_of,
                negated,
            });
        }
        Ok(filter)
    }

    /// Whether the box holds nothing.
    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty() && self.text.is_empty()
    }

    /// The bare text, for the API's `search_text` (`None` when there is none).
    pub fn search_text(&self) -> Option<String> {
        (!self.text.is_empty()).then(|| self.text.join(" "))
    }

    /// Whether `e` passes every qualifier (bare text is the API's to apply).
    pub fn matches(&self, e: &AuditEvent) -> bool {
        // The cheap comparisons first: an address is parsed, or a context walked, only for the
        // events they leave.
        let costly = |c: &&Clause| matches!(c.field, Field::Ip | Field::Context(_));
        let cheap_first = self.clauses.iter().filter(|c| !costly(c));
        cheap_first
            .chain(self.clauses.iter().filter(costly))
            .all(|c| {
                let hit = c.any_of.iter().any(|w| field_matches(&c.field, w, e));
                hit != c.negated
            })
    }
}

/// The qualifier that matches one value of a field exactly (`country:US`, `ip:2001:db8::1`),
/// the value quoted when it holds a space, a comma or a quote: for links.
pub fn qualifier(field: &str, value: &str) -> String {
    if value.is_empty() || value.contains([' ', ',', '"', '\\']) {
        let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
        format!("{field}:\"{escaped}\"")
    } else {
        format!("{field}:{value}")
    }
}

/// A value as the field wants it.
fn wanted(field: &Field, value: &str) -> Result<Wanted, FilterError> {
    if *field != Field::Ip {
        return Ok(Wanted::Text(value.to_string()));
    }
    if let Ok(addr) = value.parse::<IpAddr>() {
        return Ok(Wanted::Addr(addr));
    }
    match value.parse::<IpNet>() {
        Ok(net) => Ok(Wanted::Range(net.trunc())),
        Err(_) => Err(FilterError(format!(
            "“ip:{value}” is not an IP address or range: write one such as 198.51.100.7, 2001:db8::1 or 198.51.100.0/24."
        ))),
    }
}

fn same_text(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// The event's address as `ip:` reads it: the text trimmed, a zone (`%eth0`) dropped, parsed,
/// an IPv4-mapped IPv6 address read as IPv4; `None` when it is not one address.
pub fn event_addr(raw: &str) -> Option<IpAddr> {
    let raw = raw.trim();
    let addr = raw.split_once('%').map_or(raw, |(a, _)| a);
    match addr.parse::<IpAddr>().ok()? {
        IpAddr::V6(v6) => Some(v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4)),
        v4 => Some(v4),
    }
}

/// An address as `ip:` compares it: an IPv4-mapped IPv6 address read as IPv4.
pub fn normal(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// The scalar at `path` inside the context, as text (strings as they are, numbers and booleans
/// as JSON writes them); objects, arrays and null have none.
fn context_text<'v>(context: Option<&'v Value>, path: &[String]) -> Option<Cow<'v, str>> {
    let mut at = context?;
    for key in path {
        at = match at {
            Value::Object(map) => map.get(key)?,
            Value::Array(list) => list.get(key.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    match at {
        Value::String(s) => Some(Cow::Borrowed(s)),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        _ => None,
    }
}

fn field_matches(field: &Field, wanted: &Wanted, e: &AuditEvent) -> bool {
    // Only `ip:` wants an address or range, and it compares those as such.
    let text = match (field, wanted) {
        (Field::Ip, _) => Cow::Borrowed(""),
        _ => wanted.text(),
    };
    match field {
        Field::Type => same_text(&e.event_type, &text),
        Field::User => {
            e.user_email.as_deref().is_some_and(|m| same_text(m, &text))
                || e.user_id.as_ref().is_some_and(|id| id.to_string() == text)
        }
        Field::Country => e
            .source_country
            .as_deref()
            .is_some_and(|c| same_text(c, &text)),
        Field::Source => {
            e.source.as_deref().is_some_and(|s| same_text(s, &text))
                || e.source_description
                    .as_deref()
                    .is_some_and(|s| same_text(s, &text))
        }
        Field::Id => same_text(&e.id, &text),
        Field::Context(path) => {
            context_text(e.context.as_deref(), path).is_some_and(|v| *v == *text)
        }
        Field::Ip => {
            let Some(raw) = e.source_ip.as_deref() else {
                return false;
            };
            match (wanted, event_addr(raw)) {
                (Wanted::Addr(a), Some(have)) => normal(*a) == have,
                (Wanted::Range(net), Some(have)) => {
                    net.contains(&have)
                        || matches!(have, IpAddr::V4(v4) if net.contains(&IpAddr::V6(v4.to_ipv6_mapped())))
                }
                _ => same_text(raw.trim(), &wanted.text()),
            }
        }
    }
}

/// A word as the box needs it: quoted when it holds a space, a quote, a backslash or a comma
/// (in a value), or when bare text would read as a qualifier.
fn quoted_if_needed(word: &str, in_value: bool) -> String {
    let looks_qualified = !in_value && (word.contains(':') || word.starts_with('-'));
    if word.is_empty()
        || looks_qualified
        || word
            .chars()
            .any(|c| c.is_whitespace() || c == '"' || c == '\\' || (in_value && c == ','))
    {
        let escaped = word.replace('\\', "\\\\").replace('"', "\\\"");
        format!("\"{escaped}\"")
    } else {
        word.to_string()
    }
}

impl fmt::Display for Filter {
    /// The canonical form: qualifiers in the order given, then the text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        for c in &self.clauses {
            let values: Vec<String> = c
                .any_of
                .iter()
                .map(|w| quoted_if_needed(&w.text(), true))
                .collect();
            parts.push(format!(
                "{}{}:{}",
                if c.negated { "-" } else { "" },
                c.field.name(),
                values.join(",")
            ));
        }
        parts.extend(self.text.iter().map(|t| quoted_if_needed(t, false)));
        f.write_str(&parts.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_qualifier_for_a_link_parses_back_to_its_one_value() {
        for (field, value) in [
            ("country", "US"),
            ("ip", "2001:db8::1"),
            ("context.name", "Côte d'Ivoire, \"x\" \\ y"),
        ] {
            let f = Filter::parse(&qualifier(field, value)).expect("parses");
            assert_eq!(f.clauses.len(), 1, "{value}");
            assert!(f.text.is_empty(), "{value}");
            assert_eq!(
                f.clauses[0]
                    .any_of
                    .iter()
                    .map(Wanted::text)
                    .collect::<Vec<_>>(),
                [value],
                "one alternative, the value itself"
            );
        }
    }
    use crate::testing::event;

    fn parse(s: &str) -> Filter {
        Filter::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn error(s: &str) -> String {
        Filter::parse(s).expect_err(s).0
    }

    #[test]
    fn qualifiers_alternatives_negation_and_text() {
        let f = parse(r#"type:APP_CREATE,APP_DELETE -user:bot@x.example login "two words""#);
        assert_eq!(f.clauses.len(), 2);
        assert_eq!(f.clauses[0].field, Field::Type);
        assert_eq!(
            f.clauses[0].any_of,
            [
                Wanted::Text("APP_CREATE".into()),
                Wanted::Text("APP_DELETE".into())
            ]
        );
        assert!(f.clauses[1].negated);
        assert_eq!(f.text, ["login", "two words"]);
        assert_eq!(f.search_text().as_deref(), Some("login two words"));
        assert!(parse("").is_empty());
    }

    #[test]
    fn quoted_values_and_context_paths() {
        let f = parse(r#"context.note:"a, b" context.application.id:abc"#);
        assert_eq!(f.clauses[0].field, Field::Context(vec!["note".into()]));
        assert_eq!(f.clauses[0].any_of, [Wanted::Text("a, b".into())]);
        assert_eq!(
            f.clauses[1].field,
            Field::Context(vec!["application".into(), "id".into()])
        );
        // A quoted word is text, even when it looks like a qualifier.
        assert_eq!(parse(r#""type:x""#).text, ["type:x"]);
        // A colon in bare text that is not a qualifier's shape stays text: a time, a URL.
        assert_eq!(parse("12:30").text, ["12:30"]);
    }

    #[test]
    fn mistakes_say_what_is_allowed() {
        assert!(error("colour:red").contains("type:, user:, ip:"));
        assert!(error("type:").contains("needs a value"));
        assert!(error("type:A,,B").contains("needs a value"));
        assert!(error("ip:banana").contains("198.51.100.0/24"));
        assert!(error(r#"user:"open"#).contains("not closed"));
        assert!(error("context..x:1").contains("is not a qualifier"));
    }

    #[test]
    fn each_field_matches_exactly() {
        let e = event("e1")
            .of_type("USER_LOGIN")
            .user("Ann@Example.com")
            .user_id(42)
            .ip("198.51.100.7")
            .country("US")
            .source("CD", "Customer Dashboard")
            .context(serde_json::json!({"application": {"id": "abc", "n": 3}, "ok": true}))
            .build();
        let yes = [
            "type:user_login",
            "user:ann@example.com",
            "user:42",
            "ip:198.51.100.7",
            "ip:198.51.100.0/24",
            "ip:::ffff:198.51.100.7",
            "country:us",
            "source:CD",
            r#"source:"customer dashboard""#,
            "context.application.id:abc",
            "context.application.n:3",
            "context.ok:true",
            "type:APP_CREATE,USER_LOGIN",
            "-type:APP_CREATE",
            // Bare text is the API's to apply: it never excludes here.
            "anything",
        ];
        for q in yes {
            assert!(parse(q).matches(&e), "{q} should match");
        }
        let no = [
            "type:USER_LOGOUT",
            "user:ann",
            "ip:198.51.100.8",
            "ip:198.51.101.0/24",
            // "US" as text appears elsewhere, but the country is exact.
            "country:USA",
            "source:DEVAPI",
            "context.application.id:ABC",
            "context.application:abc",
            "context.missing:1",
            "-country:US",
            "type:USER_LOGIN country:GB",
        ];
        for q in no {
            assert!(!parse(q).matches(&e), "{q} should not match");
        }
    }

    #[test]
    fn ipv6_in_any_spelling_and_ranges() {
        let e = event("e").ip("2001:db8:0:0:0:0:ff:1").build();
        assert!(parse("ip:2001:db8::ff:1").matches(&e));
        assert!(parse("ip:2001:db8::/32").matches(&e));
        assert!(!parse("ip:2001:db9::/32").matches(&e));
        // An address that is not one is compared as text.
        let odd = event("o").ip("unknown").build();
        assert!(!parse("ip:198.51.100.0/24").matches(&odd));
    }

    #[test]
    fn the_canonical_form_parses_back_to_the_same_filter() {
        for q in [
            r#"type:A,B -user:"x y" ip:198.51.100.0/24 country:US text "two words""#,
            r#"context.note:"a, b" "type:x" "-not" "back\\slash" "say \"hi\"""#,
            "ip:198.51.100.77/24",
        ] {
            let f = parse(q);
            let again = parse(&f.to_string());
            assert_eq!(f, again, "{q} → {f}");
        }
        // A range is written by its network.
        assert_eq!(
            parse("ip:198.51.100.77/24").to_string(),
            "ip:198.51.100.0/24"
        );
    }
}
