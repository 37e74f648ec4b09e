//! `waymark level FILE.sm`: solve a PSPLIB single-mode RCPSP instance with the engine's
//! genetic algorithm and print the schedule, for benchmarks against published results.
//!
//! The engine never reads the clock: the wall-clock time limit lives here, in the `stop`
//! closure the search polls. Job numbers and periods are those of the file (job 1 is the dummy
//! source), so `bench/psplib.py` can check the schedule against the file on its own.

use anyhow::{Context, Result};
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;
use waymark_core::rcpsp;

/// How to run the solver on one instance.
#[derive(Clone, Debug)]
pub struct PsplibSettings {
    pub json: bool,
    /// Wall-clock seconds for the search.
    pub time_limit: f64,
    pub seed: u64,
    /// Stop after this many schedules; with it the answer depends on the seed only.
    pub schedules: Option<u64>,
}

/// Solves the PSPLIB instance in `file` and prints the schedule (JSON or a summary).
pub fn level_psplib(file: &Path, settings: &PsplibSettings) -> Result<ExitCode> {
    let started = Instant::now();
    let name = file.display().to_string();
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {name}"))?;
    let problem = match waymark_formats::psplib::read_sm(&text) {
        Ok(problem) => problem,
        Err(diagnostics) => {
            crate::input::report(&name, &diagnostics);
            return Ok(ExitCode::from(1));
        }
    };
    let deadline = crate::level::deadline(started, settings.time_limit);
    let mut stop = || Instant::now() >= deadline;
    let options = rcpsp::Options {
        seed: settings.seed,
        max_schedules: settings.schedules,
    };
    let solution = match rcpsp::solve(&problem, &options, &mut stop) {
        Ok(solution) => solution,
        Err(error) => {
            eprintln!("{name}: error: {error}");
            return Ok(ExitCode::from(1));
        }
    };
    // The engine's result is checked before it is shown: a bug must not print a bad plan.
    if let Err(violation) = rcpsp::check(&problem, &solution.starts) {
        anyhow::bail!("internal error: the schedule found is infeasible: {violation}");
    }
    let elapsed = started.elapsed().as_secs_f64();
    let critical_path = rcpsp::critical_path_bound(&problem);
    if settings.json {
        print!("{}", json(&solution, critical_path, settings.seed, elapsed));
    } else {
        println!(
            "{name}: makespan {} (lower bound {}, critical path {}), {} schedules in {elapsed:.2} s, seed {}",
            solution.makespan,
            solution.lower_bound,
            critical_path,
            solution.schedules,
            settings.seed
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The JSON document, written by hand so `starts` lists jobs in numeric order (1, 2, ..., 10)
/// rather than the string order of a JSON map. Every value is a number.
fn json(solution: &rcpsp::Solution, critical_path: u32, seed: u64, elapsed: f64) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{{");
    let _ = writeln!(out, "  \"makespan\": {},", solution.makespan);
    let _ = writeln!(out, "  \"lower_bound\": {},", solution.lower_bound);
    let _ = writeln!(out, "  \"critical_path\": {critical_path},");
    let _ = writeln!(out, "  \"schedules\": {},", solution.schedules);
    let _ = writeln!(out, "  \"seed\": {seed},");
    let _ = writeln!(out, "  \"seconds\": {elapsed:.3},");
    let _ = write!(out, "  \"starts\": {{");
    for (index, start) in solution.starts.iter().enumerate() {
        let separator = if index == 0 { "" } else { ", " };
        let _ = write!(out, "{separator}\"{}\": {start}", index + 1);
    }
    let _ = writeln!(out, "}}");
    let _ = writeln!(out, "}}");
    out
}
