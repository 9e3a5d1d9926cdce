//! Completions for the search box: the qualifier names, then the values the events held carry
//! for the qualifier being typed. Each suggestion is the whole box as it would read, so a plain
//! `<datalist>` offers them.

use crate::facets::Facet;
use crate::filter::qualifier;

/// The qualifiers offered for a word with no colon yet.
const NAMES: &[&str] = &["type:", "user:", "ip:", "country:", "source:", "context."];

/// What completions draw on: each qualifier's known values, most common first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Vocabulary {
    /// (qualifier name, values): `type`, `user`, … and `context.<path>`.
    pub fields: Vec<(String, Vec<String>)>,
}

impl Vocabulary {
    /// The values facets found, plus every event type the API knows (for `type:`).
    pub fn new(facets: &[Facet], types: &[String]) -> Self {
        let mut fields: Vec<(String, Vec<String>)> = facets
            .iter()
            .map(|f| {
                (
                    f.field.clone(),
                    f.top.iter().map(|(v, _)| v.clone()).collect(),
                )
            })
            .collect();
        let known: Vec<String> = types.to_vec();
        match fields.iter_mut().find(|(name, _)| name == "type") {
            Some((_, values)) => {
                for t in known {
                    if !values.contains(&t) {
                        values.push(t);
                    }
                }
            }
            None => fields.push(("type".to_string(), known)),
        }
        Vocabulary { fields }
    }

    fn values(&self, name: &str) -> &[String] {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map_or(&[], |(_, v)| v.as_slice())
    }
}

/// At most `limit` completions of `input`, each the whole box. The last word is completed: a
/// qualifier's name while it has no colon, else the value after the colon (or after its last
/// comma). Nothing inside an open quote.
pub fn suggest(input: &str, vocab: &Vocabulary, limit: usize) -> Vec<String> {
    if input.chars().filter(|&c| c == '"').count() % 2 == 1 {
        return Vec::new();
    }
    let start = input.rfind(char::is_whitespace).map_or(0, |i| {
        i + input[i..].chars().next().map_or(1, char::len_utf8)
    });
    let (before, word) = input.split_at(start);
    let (minus, body) = match word.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", word),
    };
    let lower = body.to_lowercase();
    let mut out = Vec::new();
    match body.split_once(':') {
        None => {
            let context_keys = vocab
                .fields
                .iter()
                .filter(|(n, _)| n.starts_with("context."))
                .map(|(n, _)| format!("{n}:"));
            for name in NAMES.iter().map(|n| n.to_string()).chain(context_keys) {
                if name.starts_with(&lower) && name != lower {
                    out.push(format!("{before}{minus}{name}"));
                }
            }
        }
        Some((name, value)) => {
            // Alternatives already typed stay; the one being typed is completed.
            let (done, partial) = match value.rfind(',') {
                Some(i) => (&value[..=i], &value[i + 1..]),
                None => ("", value),
            };
            let partial = partial.to_lowercase();
            let typed: Vec<String> = done
                .split(',')
                .filter(|v| !v.is_empty())
                .map(str::to_lowercase)
                .collect();
            let fits = |v: &String| {
                let v = v.to_lowercase();
                !typed.contains(&v) && v != partial
            };
            // Values that start with what was typed first, then those that hold it.
            let values = vocab.values(name);
            let starting = values
                .iter()
                .filter(|v| v.to_lowercase().starts_with(&partial));
            let holding = values.iter().filter(|v| {
                let v = v.to_lowercase();
                !v.starts_with(&partial) && v.contains(&partial)
            });
            for v in starting.chain(holding).filter(|v| fits(v)) {
                // Quoted as the qualifier would be, without repeating the name.
                let written = qualifier(name, v);
                let value = &written[name.len() + 1..];
                out.push(format!("{before}{minus}{name}:{done}{value}"));
            }
        }
    }
    out.truncate(limit);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab() -> Vocabulary {
        Vocabulary {
            fields: vec![
                (
                    "country".into(),
                    vec!["US".into(), "GB".into(), "IE".into()],
                ),
                (
                    "user".into(),
                    vec!["ann@acme.example".into(), "bob@acme.example".into()],
                ),
                (
                    "context.login_method".into(),
                    vec!["sso".into(), "password".into()],
                ),
                ("source".into(), vec!["Customer Dashboard".into()]),
            ],
        }
    }

    #[test]
    fn names_first_then_values_each_as_the_whole_box() {
        let v = vocab();
        assert_eq!(
            suggest("bob co", &v, 10),
            ["bob country:", "bob context.", "bob context.login_method:"],
            "the context keys the events carry are offered whole"
        );
        assert_eq!(
            suggest("-us", &v, 10),
            ["-user:"],
            "a negated qualifier stays negated"
        );
        assert_eq!(suggest("context.", &v, 10), ["context.login_method:"]);
        assert_eq!(
            suggest("ip:1 country:", &v, 10),
            ["ip:1 country:US", "ip:1 country:GB", "ip:1 country:IE"]
        );
        // Case does not matter; starting with beats holding.
        assert_eq!(
            suggest("user:B", &v, 10),
            ["user:bob@acme.example"],
            "only bob starts with b"
        );
        assert_eq!(
            suggest("user:acme", &v, 10),
            ["user:ann@acme.example", "user:bob@acme.example"]
        );
        // After a comma: the other values, the ones typed left out.
        assert_eq!(
            suggest("country:US,", &v, 10),
            ["country:US,GB", "country:US,IE"]
        );
        // Values with spaces are quoted, and the suggestions parse.
        let s = suggest("source:cus", &v, 10);
        assert_eq!(s, ["source:\"Customer Dashboard\""]);
        assert!(crate::filter::Filter::parse(&s[0]).is_ok());
        assert_eq!(
            suggest("context.login_method:PASS", &v, 10),
            ["context.login_method:password"]
        );
    }

    #[test]
    fn nothing_inside_a_quote_or_for_an_unknown_field_and_the_limit_holds() {
        let v = vocab();
        assert!(suggest("\"country:", &v, 10).is_empty());
        assert!(suggest("colour:", &v, 10).is_empty());
        assert!(suggest("country:US", &v, 10).is_empty(), "already complete");
        assert_eq!(suggest("country:", &v, 2).len(), 2);
        assert_eq!(suggest("", &v, 3), ["type:", "user:", "ip:"]);
    }

    #[test]
    fn the_apis_types_join_the_values_seen() {
        let facet = Facet {
            field: "type".into(),
            label: "Event type".into(),
            top: vec![("USER_LOGIN".into(), 9)],
            distinct: 1,
            missing: 0,
        };
        let v = Vocabulary::new(&[facet], &["APP_CREATE".into(), "USER_LOGIN".into()]);
        assert_eq!(
            suggest("type:", &v, 10),
            ["type:USER_LOGIN", "type:APP_CREATE"]
        );
        let v = Vocabulary::new(&[], &["APP_CREATE".into()]);
        assert_eq!(suggest("type:app", &v, 10), ["type:APP_CREATE"]);
    }
}
