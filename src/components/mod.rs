//! Pieces the pages share.

pub mod error;
pub mod filters;
pub mod json_tree;
pub mod pager;
pub mod table;
