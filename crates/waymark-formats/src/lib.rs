//! Readers for Waymark's input files: plan TOML (`*.plan.toml`) and Microsoft Project XML
//! (MSPDI). Bytes in, a [`waymark_core::Plan`] out, or every problem found as diagnostics with
//! line and column. No file system access here: the caller reads the bytes.

pub mod duration;
pub mod mspdi;
pub mod plan;
