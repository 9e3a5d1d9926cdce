//! A rule's hit, as the watch finds it, the store keeps it and the deliveries send it: its own
//! module, so that the store and the watch do not import each other.

use audit_model::time::Timestamp;

/// A rule's hit: the rule, and the events that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The rule's id.
    pub rule: String,
    /// The rule's title.
    pub title: String,
    /// The rule's level.
    pub level: String,
    /// The ids of the events behind it, oldest first (the last one made it).
    pub events: Vec<String>,
    /// When the last of them happened.
    pub at: Timestamp,
}

impl Hit {
    /// What makes a hit itself, for storing it once: the rule and the events behind it.
    pub fn key(&self) -> String {
        let first = self.events.first().map_or("", String::as_str);
        let last = self.events.last().map_or("", String::as_str);
        format!("{}|{first}|{last}|{}", self.rule, self.events.len())
    }
}
