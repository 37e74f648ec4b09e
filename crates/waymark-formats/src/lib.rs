//! Readers and writers of Waymark's files: plan TOML (`*.plan.toml`) and Microsoft Project XML
//! (MSPDI). Bytes in, a [`waymark_core::Plan`] out, or every problem found as diagnostics with
//! line and column; and a plan back out as text ([`plan::write`], [`mspdi::write`]). A project
//! the server stores (the plan file's tables as JSON, [`content`]) is read by the same plan
//! reader, and made from a file or a plan here too. No file system access here: the caller reads
//! and writes the bytes.

pub mod content;
pub mod duration;
pub mod mspdi;
pub mod plan;
pub mod psplib;
mod toml_text;

use waymark_core::calendar::Calendar;
use waymark_core::{Diagnostic, Plan};

/// A plan read from a file (or a stored project), with the warnings found while reading it.
/// The findings are [`Diagnostic`]s with lines and columns, or for a stored project
/// [`content::Finding`]s naming objects and fields.
#[derive(Debug)]
pub struct Loaded<W = Diagnostic> {
    pub plan: Plan,
    /// Problems that did not stop the plan from being read (severity warning or info).
    pub warnings: Vec<W>,
}

/// The result of a reader: the plan, or every problem found (at least one error).
pub type ReadResult<W = Diagnostic> = Result<Loaded<W>, Vec<W>>;

/// Breaks every cycle of base calendars by dropping the base link that closes it, so that the
/// calendars' weeks can be resolved; the one rule of both readers. For each cycle, `found` is
/// told the calendars (before the link is dropped), the index of the calendar whose base closes
/// the cycle, and the chain from where the walk started to the base met again (which ends the
/// chain), so that the reader can report it in its own words.
pub(crate) fn break_base_cycles(
    calendars: &mut [Calendar],
    mut found: impl FnMut(&[Calendar], usize, &[usize]),
) {
    for start in 0..calendars.len() {
        let mut chain = vec![start];
        let mut current = start;
        while let Some(base) = calendars.get(current).and_then(|c| c.base) {
            let closes = chain.contains(&base);
            chain.push(base);
            if closes {
                found(calendars, current, &chain);
                if let Some(calendar) = calendars.get_mut(current) {
                    calendar.base = None;
                }
                break;
            }
            current = base;
        }
    }
}
