//! What a form says beside a field it cannot take: the one error that is only text, because a
//! person reads it where they typed (a page number, a date, the proxy's URL, a view's name).
//! Errors that code acts on are typed per layer (`ApiError`, `KeptError`, `ConfigError`).

/// The sentence shown beside a field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FieldError(pub String);

impl FieldError {
    /// A message.
    pub fn new(text: impl Into<String>) -> FieldError {
        FieldError(text.into())
    }
}

impl From<String> for FieldError {
    fn from(text: String) -> FieldError {
        FieldError(text)
    }
}

impl From<&str> for FieldError {
    fn from(text: &str) -> FieldError {
        FieldError(text.to_string())
    }
}
