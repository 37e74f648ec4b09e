//! Command-line arguments and the commands they run.

use crate::input::{self, Input};
use crate::output;
use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use waymark_core::{doctor, schedule, Severity};

/// Waymark: critical-path scheduling on real calendars and health checks for technical projects,
/// from a plan file in git.
#[derive(Debug, Parser)]
#[command(name = "waymark", version)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Schedule a plan with the critical path method and show the dates.
    ///
    /// FILE is a Waymark plan (`*.plan.toml`) or a Microsoft Project XML file (`*.xml`).
    /// Prints a table of tasks with their dates, total float and a `*` on critical tasks; with
    /// --json, the machine-readable schedule described in docs/cli.md.
    ///
    /// Examples:
    ///   waymark schedule examples/website-launch.plan.toml
    ///   waymark schedule plan.toml --json | jq '.tasks[] | select(.critical)'
    ///   waymark schedule project.xml --svg gantt.svg
    #[command(verbatim_doc_comment)]
    Schedule {
        /// The plan file (.toml) or Microsoft Project XML file (.xml).
        file: PathBuf,
        /// Print the schedule as JSON on stdout.
        #[arg(long)]
        json: bool,
        /// Also write a Gantt chart as SVG to this file.
        #[arg(long, value_name = "OUT")]
        svg: Option<PathBuf>,
    },
    /// Check a plan for errors and red flags (the plan doctor).
    ///
    /// Reports every problem with file:line:column: malformed input, unknown references,
    /// dependency cycles, impossible constraints, missed deadlines, tasks without logic.
    /// Exits with status 1 when there is an error, so it can fail a CI build.
    ///
    /// Examples:
    ///   waymark check examples/crm-rollout.plan.toml
    ///   waymark check plan.toml --json
    #[command(verbatim_doc_comment)]
    Check {
        /// The plan file (.toml) or Microsoft Project XML file (.xml).
        file: PathBuf,
        /// Print the findings as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
}

/// Run a parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Schedule { file, json, svg } => run_schedule(&file, json, svg.as_deref()),
        Command::Check { file, json } => run_check(&file, json),
    }
}

fn run_schedule(
    file: &std::path::Path,
    json: bool,
    svg: Option<&std::path::Path>,
) -> Result<ExitCode> {
    let Some(input) = input::load(file)? else {
        return Ok(ExitCode::from(1));
    };
    let cycles = doctor::dependency_cycles(&input.plan);
    if !cycles.is_empty() {
        input::report(&input.name, &cycles);
        return Ok(ExitCode::from(1));
    }
    let computed = match schedule(&input.plan) {
        Ok(computed) => computed,
        Err(error) => {
            eprintln!("{}: error: {error}", input.name);
            return Ok(ExitCode::from(1));
        }
    };
    input::report(&input.name, &input.warnings);
    if let Some(path) = svg {
        let chart = output::gantt(&input.plan, &computed);
        let svg_text = waymark_report::gantt_svg(&chart);
        write_atomically(path, svg_text.as_bytes())
            .with_context(|| format!("cannot write the Gantt chart to {}", path.display()))?;
    }
    if json {
        output::print_json(&output::schedule_json(&input.plan, &computed))?;
    } else {
        print!("{}", output::schedule_table(&input.plan, &computed));
    }
    Ok(ExitCode::SUCCESS)
}

fn run_check(file: &std::path::Path, json: bool) -> Result<ExitCode> {
    let (name, diagnostics) = match input::load_quiet(file)? {
        Err((name, diagnostics)) => (name, diagnostics),
        Ok(Input {
            name,
            plan,
            mut warnings,
        }) => {
            let cycles = doctor::dependency_cycles(&plan);
            if cycles.is_empty() {
                match schedule(&plan) {
                    Ok(computed) => warnings.extend(doctor::check_schedule(&plan, &computed)),
                    Err(error) => warnings.push(waymark_core::Diagnostic::error(
                        "schedule-failed",
                        error.to_string(),
                    )),
                }
            } else {
                warnings.extend(cycles);
            }
            (name, warnings)
        }
    };
    let mut diagnostics = diagnostics;
    diagnostics.sort_by_key(|d| (d.location.map(|l| (l.line, l.column)), d.severity));
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    if json {
        output::print_json(&output::check_json(&name, &diagnostics))?;
    } else {
        input::report_to_stdout(&name, &diagnostics);
        let warnings = diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count();
        println!("{name}: {errors} error(s), {warnings} warning(s)");
    }
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Write a file through a temporary sibling and a rename, so a crash never leaves half a file.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = PathBuf::from(temporary);
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, path)?;
    Ok(())
}
