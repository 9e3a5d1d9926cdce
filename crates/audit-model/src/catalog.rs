//! The event types known from the documentation, as a fallback label table.
//!
//! The list is open: `OPTIONS /beta/audit/events` is the source of truth at run time, and an
//! event type missing here must still be shown. This table merges the API definition's enum with
//! the two types only the docs name (`ACCOUNT_UPDATE_SETTINGS`, `NUMBER_USER_CANCELED`).

/// `(type, description)` for every documented event type, sorted by type.
pub const EVENT_TYPES: &[(&str, &str)] = &[
    ("ACCOUNT_SECRET_CREATE", "Account secret created"),
    ("ACCOUNT_SECRET_DELETE", "Account secret deleted"),
    ("ACCOUNT_UPDATE_SETTINGS", "Account settings updated"),
    (
        "ACCOUNT_UPDATE_SETTINGS_API",
        "Account settings updated via API",
    ),
    ("ACCOUNT_UPDATE_SPAMMER", "Account spam status updated"),
    ("APP_CREATE", "Application created"),
    ("APP_DELETE", "Application deleted"),
    ("APP_DISABLE", "Application disabled"),
    ("APP_ENABLE", "Application enabled"),
    ("APP_UPDATE", "Application updated"),
    ("AUTORELOAD_DISABLE", "Autoreload disabled"),
    ("AUTORELOAD_ENABLE", "Autoreload enabled"),
    ("AUTORELOAD_UPDATE", "Autoreload settings updated"),
    ("IP_WHITELIST_CREATE", "Whitelist IP added"),
    ("IP_WHITELIST_DELETE", "Whitelist IP deleted"),
    ("NUMBER_ASSIGN", "Number assigned"),
    ("NUMBER_LINKED", "Number linked to application"),
    ("NUMBER_RELEASE", "Number released"),
    ("NUMBER_UNLINKED", "Number unlinked from application"),
    ("NUMBER_UPDATED", "Number updated"),
    ("NUMBER_USER_CANCELED", "Number canceled by user"),
    ("USER_API_KEYS_UPDATE", "Sub-accounts for user updated"),
    ("USER_BILLING_UPDATE", "User billing updated"),
    ("USER_CREATE", "User created"),
    ("USER_LOGIN", "User login into Customer dashboard"),
    ("USER_LOGOUT", "User logout from Customer dashboard"),
    ("USER_PRODUCT_SEARCH", "User product search"),
    ("USER_STATUS", "User status updated"),
    ("USER_UPDATE", "User updated"),
];

/// The documented description of a type, if it is documented.
pub fn describe(event_type: &str) -> Option<&'static str> {
    EVENT_TYPES
        .binary_search_by(|(t, _)| t.cmp(&event_type))
        .ok()
        .map(|i| EVENT_TYPES[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_unique_and_searchable() {
        assert!(EVENT_TYPES.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(describe("APP_CREATE"), Some("Application created"));
        assert_eq!(
            describe("NUMBER_USER_CANCELED"),
            Some("Number canceled by user")
        );
        assert_eq!(describe("SOMETHING_NEW"), None);
    }
}
