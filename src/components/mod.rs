//! Pieces the pages share.

pub mod error;
pub mod export;
pub mod facets;
pub mod filters;
pub mod json_tree;
pub mod local_copy;
pub mod open_file;
pub mod pager;
pub mod print;
pub mod saved_views;
pub mod table;
pub mod timeline;
