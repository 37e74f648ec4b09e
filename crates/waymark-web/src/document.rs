//! The stored project as a plan, and plan files as projects to store: thin glue over
//! `waymark_formats::content`, where the one conversion between the two lives (the plan
//! reader's rules read the stored tables directly; an import is read once).

use waymark_core::Diagnostic;
use waymark_store::PlanContent;

/// A plan read from a file or from the store: the plan and the reader's warnings.
pub use waymark_formats::Loaded as Checked;

/// Plan TOML as a project to store and the plan it makes, from one reading of the text.
pub use waymark_formats::content::from_plan_text as content_from_plan_text;

/// Microsoft Project XML as a project to store (the plan the MSPDI reader makes, as the plan
/// writer would write it) and that plan.
pub use waymark_formats::content::from_mspdi_text as content_from_mspdi_text;

/// The stored project as a plan, by the plan file's rules. The diagnostics have no line and
/// column; their messages name the objects (the write check, `crate::content`, also names the
/// field of each).
pub fn plan_of(content: &PlanContent) -> Result<Checked, Vec<Diagnostic>> {
    match waymark_formats::content::read(content) {
        Ok(loaded) => Ok(Checked {
            plan: loaded.plan,
            warnings: loaded.warnings.into_iter().map(|f| f.diagnostic).collect(),
        }),
        Err(findings) => Err(findings.into_iter().map(|f| f.diagnostic).collect()),
    }
}
