//! One page per file.

pub mod alerts;
pub mod detail;
pub mod events;
pub mod paths;
pub mod security;
pub mod settings;
pub mod signin;
