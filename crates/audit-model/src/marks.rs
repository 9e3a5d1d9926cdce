//! What to highlight: the words a query searches for and the values its qualifiers ask for, and
//! where they occur in a piece of text (in UTF-16 units, as the DOM's ranges count).

use crate::filter::{Filter, Wanted};
use crate::query::unescape_search_text;
use crate::EventQuery;

/// What a query looks for, lower-cased and without repeats.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Marks {
    /// Each word of its text search: marked wherever it occurs.
    pub words: Vec<String>,
    /// Each value a qualifier includes (an excluded value is not shown anywhere; an address
    /// range is not text): marked where a whole text is that value — the country cell that says
    /// "US", not the "us" inside "status".
    pub values: Vec<String>,
}

impl Marks {
    /// Whether there is nothing to mark.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.values.is_empty()
    }
}

fn add(list: &mut Vec<String>, t: &str) {
    let t = t.trim().to_lowercase();
    if !t.is_empty() && !list.contains(&t) {
        list.push(t);
    }
}

/// What `q` looks for.
pub fn marks(q: &EventQuery) -> Marks {
    let mut m = Marks::default();
    if let Some(text) = &q.search_text {
        for word in unescape_search_text(text).split_whitespace() {
            add(&mut m.words, word.trim_matches('"'));
        }
    }
    if let Some(filter) = q.filter.as_deref().and_then(|f| Filter::parse(f).ok()) {
        for c in filter.clauses.iter().filter(|c| !c.negated) {
            for w in &c.any_of {
                match w {
                    Wanted::Text(t) => add(&mut m.values, t),
                    Wanted::Addr(a) => add(&mut m.values, &a.to_string()),
                    Wanted::Range(_) => {}
                }
            }
        }
        for t in &filter.text {
            add(&mut m.words, t);
        }
    }
    m
}

/// A character as compared: lower-cased when that is one character, as it is otherwise.
fn fold(c: char) -> char {
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// Where `marks` occur in `text`, case-insensitively: (start, end) in UTF-16 units, in order,
/// never overlapping. A text that is one of the values (spaces around aside) is marked whole;
/// otherwise each word where it occurs, the longest at one place.
pub fn spans(text: &str, marks: &Marks) -> Vec<(u32, u32)> {
    let hay: Vec<char> = text.chars().map(fold).collect();
    // UTF-16 offset of each char index.
    let mut at16 = Vec::with_capacity(hay.len() + 1);
    let mut n = 0u32;
    for c in text.chars() {
        at16.push(n);
        n += c.len_utf16() as u32;
    }
    at16.push(n);
    let first = hay.iter().position(|c| !c.is_whitespace());
    let last = hay.iter().rposition(|c| !c.is_whitespace());
    if let (Some(a), Some(b)) = (first, last) {
        let trimmed = &hay[a..=b];
        if marks
            .values
            .iter()
            .any(|v| v.chars().map(fold).eq(trimmed.iter().copied()))
        {
            return vec![(at16[a], at16[b + 1])];
        }
    }
    let needles: Vec<Vec<char>> = marks
        .words
        .iter()
        .map(|t| t.chars().map(fold).collect::<Vec<char>>())
        .filter(|n| !n.is_empty())
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < hay.len() {
        let longest = needles
            .iter()
            .filter(|t| hay[i..].starts_with(t))
            .map(Vec::len)
            .max();
        match longest {
            Some(len) => {
                out.push((at16[i], at16[i + len]));
                i += len;
            }
            None => i += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_words_searched_and_the_values_included() {
        let q = EventQuery {
            search_text: Some("Webhook  sso".into()),
            filter: Some(
                "country:US,GB -user:bot@x.example ip:2001:DB8::1 ip:198.51.100.0/24 \"two words\""
                    .into(),
            ),
            ..Default::default()
        };
        let m = marks(&q);
        assert_eq!(m.words, ["webhook", "sso", "two words"]);
        assert_eq!(m.values, ["us", "gb", "2001:db8::1"]);
        assert!(marks(&EventQuery::default()).is_empty());
    }

    fn words(v: &[&str]) -> Marks {
        Marks {
            words: v.iter().map(|s| s.to_string()).collect(),
            values: Vec::new(),
        }
    }

    #[test]
    fn spans_count_utf16_ignore_case_and_prefer_the_longest() {
        assert_eq!(
            spans("Login via SSO, sso again", &words(&["sso"])),
            [(10, 13), (15, 18)]
        );
        // An emoji is two UTF-16 units; the match after it is counted so.
        assert_eq!(spans("😀 Zürich", &words(&["zü"])), [(3, 5)]);
        assert_eq!(spans("hooks.acme", &words(&["hook", "hooks"])), [(0, 5)]);
        assert_eq!(
            spans("aaaa", &words(&["aa"])),
            [(0, 2), (2, 4)],
            "no overlaps"
        );
        assert!(spans("nothing", &words(&["x", ""])).is_empty());
        // A letter whose lower case is two characters is compared as it is.
        assert_eq!(spans("İstanbul", &words(&["stan"])), [(1, 5)]);
    }

    #[test]
    fn a_value_marks_a_whole_text_only() {
        let m = Marks {
            words: Vec::new(),
            values: vec!["us".into()],
        };
        assert_eq!(spans(" US ", &m), [(1, 3)]);
        assert!(spans("status", &m).is_empty());
        assert!(spans("US East", &m).is_empty());
    }
}
