//! Readers and writers of Waymark's files: plan TOML (`*.plan.toml`) and Microsoft Project XML
//! (MSPDI). Bytes in, a [`waymark_core::Plan`] out, or every problem found as diagnostics with
//! line and column; and a plan back out as text ([`plan::write`], [`mspdi::write`]). No file
//! system access here: the caller reads and writes the bytes.

pub mod duration;
pub mod mspdi;
pub mod plan;
pub mod psplib;

use waymark_core::{Diagnostic, Plan};

/// A plan read from a file, with the warnings found while reading it.
#[derive(Debug)]
pub struct Loaded {
    pub plan: Plan,
    /// Problems that did not stop the plan from being read (severity warning or info).
    pub warnings: Vec<Diagnostic>,
}

/// The result of a reader: the plan, or every problem found (at least one error).
pub type ReadResult = Result<Loaded, Vec<Diagnostic>>;
