//! Reading a plan from a file: choose the reader by extension, report diagnostics on stderr.

use anyhow::{Context, Result};
use std::path::Path;
use waymark_core::{Diagnostic, Plan};

/// A plan read from a file.
pub struct Input {
    /// The file name as the user gave it, used in diagnostics.
    pub name: String,
    pub plan: Plan,
    pub warnings: Vec<Diagnostic>,
}

/// Read and parse a file; on errors, print every diagnostic and return `None`.
pub fn load(path: &Path) -> Result<Option<Input>> {
    match load_quiet(path)? {
        Ok(input) => Ok(Some(input)),
        Err((name, diagnostics)) => {
            report(&name, &diagnostics);
            Ok(None)
        }
    }
}

/// Read and parse a file, returning the diagnostics instead of printing them.
pub fn load_quiet(path: &Path) -> Result<std::result::Result<Input, (String, Vec<Diagnostic>)>> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {name}"))?;
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let offset = error.utf8_error().valid_up_to();
            let line = error.as_bytes()[..offset]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            let diagnostic = Diagnostic::error(
                "not-utf8",
                format!("the file is not UTF-8 text (invalid byte at offset {offset})"),
            )
            .at(Some(waymark_core::Location {
                line: line as u32,
                column: 1,
            }));
            return Ok(Err((name, vec![diagnostic])));
        }
    };
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let result = match extension.as_str() {
        "toml" => waymark_formats::plan::read_plan(&text),
        "xml" => waymark_formats::mspdi::read_mspdi(&text),
        _ => {
            let diagnostic = Diagnostic::error(
                "unknown-format",
                "unknown file type: use a plan file (.toml) or Microsoft Project XML (.xml)",
            );
            return Ok(Err((name, vec![diagnostic])));
        }
    };
    Ok(match result {
        Ok(loaded) => Ok(Input {
            name,
            plan: loaded.plan,
            warnings: loaded.warnings,
        }),
        Err(diagnostics) => Err((name, diagnostics)),
    })
}

/// Print diagnostics on stderr, one per line, as `file:line:column: severity[code]: message`.
pub fn report(name: &str, diagnostics: &[Diagnostic]) {
    for diagnostic in diagnostics {
        eprintln!("{}", diagnostic.render(name));
    }
}

/// Diagnostics as text, one per line (for `waymark check`, whose findings are its output).
pub fn render_all(name: &str, diagnostics: &[Diagnostic]) -> String {
    let mut text = String::new();
    for diagnostic in diagnostics {
        text.push_str(&diagnostic.render(name));
        text.push('\n');
    }
    text
}
