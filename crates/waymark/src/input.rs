//! Reading a plan from a file or standard input (`-`): choose the reader by `--format`, the
//! extension or the first character, and report diagnostics on stderr.

use anyhow::{Context, Result};
use std::io::Read as _;
use std::path::{Path, PathBuf};
use waymark_core::{doctor, schedule, Diagnostic, Plan};

/// The name diagnostics give standard input, read when the path is `-`.
pub const STDIN_NAME: &str = "<stdin>";

/// A plan file's format, as `--format` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A Waymark plan file (TOML).
    Toml,
    /// Microsoft Project XML.
    Mspdi,
}

/// A plan read from a file.
pub struct Input {
    /// The file name as the user gave it (`<stdin>` for `-`), used in diagnostics.
    pub name: String,
    pub plan: Plan,
    pub warnings: Vec<Diagnostic>,
}

/// `-`, the path that means standard input.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// The name of `path` in diagnostics.
pub fn name_of(path: &Path) -> String {
    if is_stdin(path) {
        STDIN_NAME.to_string()
    } else {
        path.display().to_string()
    }
}

/// The bytes of `path`, or of standard input for `-`, with the name diagnostics give them.
pub fn read_bytes(path: &Path) -> Result<(String, Vec<u8>)> {
    let name = name_of(path);
    let bytes = if is_stdin(path) {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .context("cannot read the plan from standard input")?;
        bytes
    } else {
        std::fs::read(path).with_context(|| format!("cannot read {name}"))?
    };
    Ok((name, bytes))
}

/// The format of `path`: `--format` when given, else the extension (`.toml`, `.xml`), else for
/// standard input the first character (`<` is XML, anything else TOML). `None`: unknown.
pub fn format_of(path: &Path, given: Option<Format>, text: &str) -> Option<Format> {
    if given.is_some() {
        return given;
    }
    if is_stdin(path) {
        let first = text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .chars()
            .next();
        return Some(if first == Some('<') {
            Format::Mspdi
        } else {
            Format::Toml
        });
    }
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    match extension.as_str() {
        "toml" => Some(Format::Toml),
        "xml" => Some(Format::Mspdi),
        _ => None,
    }
}

/// Read and parse a file; on errors, print every diagnostic and return `None`.
pub fn load(path: &Path, format: Option<Format>) -> Result<Option<Input>> {
    match load_quiet(path, format)? {
        Ok(input) => Ok(Some(input)),
        Err((name, diagnostics)) => {
            report(&name, &diagnostics);
            Ok(None)
        }
    }
}

/// Read and parse a file, returning the diagnostics instead of printing them.
pub fn load_quiet(
    path: &Path,
    format: Option<Format>,
) -> Result<std::result::Result<Input, (String, Vec<Diagnostic>)>> {
    let (name, bytes) = read_bytes(path)?;
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
    let result = match format_of(path, format, &text) {
        Some(Format::Toml) => waymark_formats::plan::read_plan(&text),
        Some(Format::Mspdi) => waymark_formats::mspdi::read_mspdi(&text),
        None => {
            let diagnostic = Diagnostic::error(
                "unknown-format",
                "unknown file type: use a plan file (.toml) or Microsoft Project XML (.xml), \
                 or say which it is with --format toml or --format mspdi",
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

/// Read every file, stopping with diagnostics on the first that has errors or does not
/// schedule (a cycle, dates beyond the year 9999), so each is reported against its own file.
pub fn load_scheduled(files: &[PathBuf], format: Option<Format>) -> Result<Option<Vec<Input>>> {
    let mut inputs = Vec::new();
    for file in files {
        let Some(input) = load(file, format)? else {
            return Ok(None);
        };
        if let Err(error) = schedule(&input.plan) {
            report(&input.name, &doctor::schedule_failure(&input.plan, &error));
            return Ok(None);
        }
        report(&input.name, &input.warnings);
        inputs.push(input);
    }
    Ok(Some(inputs))
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
