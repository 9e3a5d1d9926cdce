//! The search box's qualifiers (`where=`, [`audit_model::filter`]) as SQL with parameters: the
//! archive answers `type:`, `user:`, `ip:`, `country:`, `source:`, `id:` and `context.<path>:` in the
//! database, exactly as the app's tab answers them over the events it holds.
//!
//! Values are never written into the SQL: each becomes a parameter (`$n`). The fields compared
//! are migration 4's `q_` columns, written with each event by the functions the tab's filter
//! uses (ASCII folding, [`audit_model::filter::event_addr`]); only `context.<path>:` reads the
//! event's JSON. An event missing the field matches no value, and a negated qualifier keeps it.

use audit_model::filter::{normal, Clause, Field, Filter, Wanted};
use tokio_postgres::types::ToSql;

/// PostgreSQL text holds no NUL; a value carrying one is kept with it removed.
pub fn pg_text(s: &str) -> String {
    s.replace('\0', "")
}

/// A parameter of a query being built.
pub type Param = Box<dyn ToSql + Sync + Send>;

/// A `WHERE` being built: its conditions and their parameters, numbered in order.
#[derive(Default)]
pub struct Conditions {
    clauses: Vec<String>,
    params: Vec<Param>,
}

impl Conditions {
    /// A parameter: its placeholder (`$n`).
    pub fn param(&mut self, value: Param) -> String {
        self.params.push(value);
        format!("${}", self.params.len())
    }

    /// A condition that must hold.
    pub fn and(&mut self, sql: String) {
        self.clauses.push(sql);
    }

    /// `WHERE …`, or nothing when no condition was added.
    pub fn where_sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.clauses.join(" AND "))
        }
    }

    /// The conditions joined by `AND` (without `WHERE`), or `None` when there are none.
    pub fn all(&self) -> Option<String> {
        (!self.clauses.is_empty()).then(|| self.clauses.join(" AND "))
    }

    /// The parameters, as the driver takes them.
    pub fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params
            .iter()
            .map(|p| p.as_ref() as &(dyn ToSql + Sync))
            .collect()
    }

    /// Every qualifier of `filter` (its bare text is the API's `search_text`, not this). `doc`
    /// is the SQL naming the event's JSON as `jsonb`.
    pub fn qualifiers(&mut self, filter: &Filter, doc: &str) {
        for clause in &filter.clauses {
            let sql = self.clause(clause, doc);
            // A missing field matches no value: NULL is false under WHERE as it stands (and the
            // comparison stays one an index answers), and false under NOT once coalesced.
            self.and(if clause.negated {
                format!("NOT coalesce({sql}, false)")
            } else {
                sql
            });
        }
    }

    /// One qualifier: true, false, or NULL where the event lacks the field.
    fn clause(&mut self, clause: &Clause, doc: &str) -> String {
        let texts = || -> Vec<String> {
            clause
                .any_of
                .iter()
                .map(|w| match w {
                    Wanted::Text(t) => t.clone(),
                    Wanted::Addr(a) => a.to_string(),
                    Wanted::Range(r) => r.to_string(),
                })
                .collect()
        };
        let folded = || -> Param { Box::new(fold_all(texts())) };
        let any = match &clause.field {
            // The types held that the values name, asked once (migration 8), then each row's
            // type compared as it is.
            Field::Type => format!(
                "event_type = ANY((SELECT audit_types_named({}))::text[])",
                self.param(folded())
            ),
            Field::Id => format!("audit_fold(events.id) = ANY({})", self.param(folded())),
            Field::Country => format!("q_country = ANY({})", self.param(folded())),
            Field::Source => {
                let p = self.param(folded());
                format!("(q_source = ANY({p}) OR q_source_description = ANY({p}))")
            }
            Field::User => {
                let emails = self.param(folded());
                let ids = self.param(Box::new(texts()));
                format!("(q_user = ANY({emails}) OR q_user_id = ANY({ids}))")
            }
            Field::Context(path) => {
                let at = format!(
                    "({doc}->'context') #> {}",
                    self.param(Box::new(path.clone()))
                );
                let values = self.param(Box::new(texts()));
                format!(
                    "(jsonb_typeof({at}) IN ('string', 'number', 'boolean') \
                     AND {at} #>> '{{}}' = ANY({values}))"
                )
            }
            Field::Ip => {
                let alternatives: Vec<String> =
                    clause.any_of.iter().map(|w| self.address(w)).collect();
                format!("({})", alternatives.join(" OR "))
            }
        };
        any
    }

    /// One `ip:` alternative: against the event's address when it has one, else its text.
    fn address(&mut self, wanted: &Wanted) -> String {
        let as_text = match wanted {
            Wanted::Text(t) => t.clone(),
            Wanted::Addr(a) => a.to_string(),
            Wanted::Range(r) => r.to_string(),
        };
        let text = self.param(Box::new(as_text.to_ascii_lowercase()));
        // Each side a comparison an index answers (no CASE): an event without an address has
        // a NULL q_addr, so only its text can match, and one with an address never matches by
        // text alone (the text side asks q_addr IS NULL).
        let when_addr: Vec<String> = match wanted {
            Wanted::Text(_) => Vec::new(),
            Wanted::Addr(a) => vec![format!(
                "q_addr = {}::inet",
                self.param(Box::new(normal(*a)))
            )],
            Wanted::Range(net) => ranges(net)
                .into_iter()
                .map(|n| format!("q_addr <<= {}::text::inet", self.param(Box::new(n))))
                .collect(),
        };
        let mut sides = vec![format!("(q_addr IS NULL AND q_ip = {text})")];
        sides.extend(when_addr);
        format!("({})", sides.join(" OR "))
    }
}

/// The ranges an event's address (IPv4-mapped IPv6 stored as IPv4) must fall in to be in `net`:
/// `net` itself, and, for an IPv6 range over IPv4-mapped addresses (`::ffff:0:0/96`), the IPv4
/// addresses it covers.
fn ranges(net: &ipnet::IpNet) -> Vec<String> {
    let mut out = vec![net.to_string()];
    if let ipnet::IpNet::V6(v6) = net {
        let mapped = ipnet::Ipv6Net::new(std::net::Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0), 96)
            .expect("a /96");
        if v6.contains(&mapped) {
            out.push("0.0.0.0/0".into());
        } else if mapped.contains(v6) {
            if let Some(v4) = v6.network().to_ipv4_mapped() {
                if let Ok(n) = ipnet::Ipv4Net::new(v4, v6.prefix_len() - 96) {
                    out.push(n.to_string());
                }
            }
        }
    }
    out
}

fn fold_all(values: Vec<String>) -> Vec<String> {
    values.into_iter().map(|v| v.to_ascii_lowercase()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_range_over_mapped_addresses_covers_their_ipv4_range() {
        let r = |s: &str| ranges(&s.parse().expect("net"));
        assert_eq!(r("198.51.100.0/24"), ["198.51.100.0/24"]);
        assert_eq!(r("2001:db8::/32"), ["2001:db8::/32"]);
        assert_eq!(r("::/0"), ["::/0", "0.0.0.0/0"]);
        assert_eq!(r("::ffff:0:0/96"), ["::ffff:0.0.0.0/96", "0.0.0.0/0"]);
        assert_eq!(
            r("::ffff:198.51.100.0/120"),
            ["::ffff:198.51.100.0/120", "198.51.100.0/24"]
        );
    }

    #[test]
    fn values_are_parameters_never_sql() {
        let filter = Filter::parse(r#"-type:x' user:"a'b@c" context.k:"1); DROP TABLE events""#)
            .expect("parses");
        let mut c = Conditions::default();
        c.qualifiers(&filter, "d.doc");
        let sql = c.where_sql();
        assert!(!sql.contains("DROP"), "{sql}");
        assert!(!sql.contains("x'"), "{sql}");
        assert!(sql.starts_with("WHERE NOT coalesce("), "{sql}");
        assert_eq!(
            c.params().len(),
            5,
            "type, user (emails and ids), context path and value"
        );
    }
}
