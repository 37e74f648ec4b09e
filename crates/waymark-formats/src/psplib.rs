//! Reader for PSPLIB single-mode RCPSP files (`.sm`, Kolisch & Sprecher 1997), the benchmark
//! instances that `waymark level` and `bench/psplib.py` run on.
//!
//! Jobs keep the file's numbering shifted to zero: job `k` of the file (1-based, the two dummies
//! included) is activity `k - 1` of the [`Problem`]. Only the sections the problem needs are read
//! (job count, renewable resources, precedence relations, requests and durations, resource
//! availabilities); everything else is skipped. Malformed input never panics: every problem
//! found comes back as a diagnostic with the line (and column) to fix.

use waymark_core::rcpsp::{self, Problem, ProblemError};
use waymark_core::{Diagnostic, Location};

/// Reads a PSPLIB single-mode file into an RCPSP problem, or every problem found.
pub fn read_sm(source: &str) -> Result<Problem, Vec<Diagnostic>> {
    let mut reader = Reader {
        lines: source
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l))
            .collect(),
        next: 0,
        diagnostics: Vec::new(),
    };
    let problem = reader.read();
    match problem {
        Some(problem) if reader.diagnostics.is_empty() => Ok(problem),
        _ => {
            if reader.diagnostics.is_empty() {
                reader.diagnostics.push(Diagnostic::error(
                    "psplib-malformed",
                    "not a PSPLIB .sm file",
                ));
            }
            Err(reader.diagnostics)
        }
    }
}

struct Reader<'a> {
    lines: Vec<(usize, &'a str)>,
    next: usize,
    diagnostics: Vec<Diagnostic>,
}

fn at(line: usize, column: usize) -> Option<Location> {
    Some(Location {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: u32::try_from(column).unwrap_or(u32::MAX),
    })
}

/// The whitespace-separated words of a line with their 1-based columns.
fn words(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push((s, &text[s..i]));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, &text[s..]));
    }
    out.into_iter()
        .map(|(s, w)| (text[..s].chars().count() + 1, w))
        .collect()
}

impl<'a> Reader<'a> {
    fn error(&mut self, code: &'static str, line: usize, column: usize, message: String) {
        self.diagnostics
            .push(Diagnostic::error(code, message).at(at(line, column)));
    }

    /// The value after the colon of the first line starting with `key` (whitespace-trimmed).
    fn header_number(&mut self, key: &str, what: &str) -> Option<(usize, u32)> {
        let found = self
            .lines
            .iter()
            .find(|(_, text)| text.trim_start().starts_with(key))
            .copied();
        let Some((line, text)) = found else {
            self.diagnostics.push(
                Diagnostic::error(
                    "psplib-missing-section",
                    format!("no `{key}` line giving the {what}"),
                )
                .at(None),
            );
            return None;
        };
        let Some(colon) = text.find(':') else {
            self.error(
                "psplib-malformed-line",
                line,
                1,
                format!("expected `{key} : NUMBER`"),
            );
            return None;
        };
        let rest = &text[colon + 1..];
        let first = words(rest).first().copied();
        match first.map(|(c, w)| (c, w.parse::<u32>())) {
            Some((_, Ok(value))) => Some((line, value)),
            _ => {
                self.error(
                    "psplib-bad-number",
                    line,
                    colon + 2,
                    format!("expected the {what} as a whole number after the colon"),
                );
                None
            }
        }
    }

    /// Moves to the line after the first line starting with `title`.
    fn section(&mut self, title: &str) -> Option<usize> {
        match self
            .lines
            .iter()
            .position(|(_, text)| text.trim_start().starts_with(title))
        {
            Some(index) => {
                self.next = index + 1;
                Some(self.lines[index].0)
            }
            None => {
                self.diagnostics.push(Diagnostic::error(
                    "psplib-missing-section",
                    format!("no `{title}` section"),
                ));
                None
            }
        }
    }

    /// The next line that has any words and is not a rule of `*` or `-`.
    fn next_content(&mut self) -> Option<(usize, &'a str)> {
        while self.next < self.lines.len() {
            let (line, text) = self.lines[self.next];
            self.next += 1;
            let trimmed = text.trim();
            if trimmed.is_empty() || trimmed.chars().all(|c| c == '-') {
                continue;
            }
            return Some((line, text));
        }
        None
    }

    /// Parses every word of a line as a number, reporting the first that is not one.
    fn numbers(&mut self, line: usize, text: &str) -> Option<Vec<u32>> {
        let mut values = Vec::new();
        for (column, word) in words(text) {
            match word.parse::<u32>() {
                Ok(value) => values.push(value),
                Err(_) => {
                    self.error(
                        "psplib-bad-number",
                        line,
                        column,
                        format!("expected a whole number, found `{word}`"),
                    );
                    return None;
                }
            }
        }
        Some(values)
    }

    /// The rows of a job table: `jobs` lines that start with a job number, each job once.
    fn job_rows(&mut self, title: &str, jobs: usize) -> Option<Vec<(usize, Vec<u32>)>> {
        let title_line = self.section(title)?;
        let mut rows: Vec<Option<(usize, Vec<u32>)>> = vec![None; jobs];
        let mut read = 0;
        while read < jobs {
            let Some((line, text)) = self.next_content() else {
                break;
            };
            let trimmed = text.trim_start();
            if trimmed.starts_with('*') {
                break;
            }
            if trimmed.starts_with(|c: char| c.is_ascii_alphabetic()) {
                continue; // the column header
            }
            let values = self.numbers(line, text)?;
            let job = values.first().copied().unwrap_or(0) as usize;
            if job == 0 || job > jobs {
                self.error(
                    "psplib-unknown-job",
                    line,
                    1,
                    format!("job {job} is outside 1..={jobs}"),
                );
                return None;
            }
            if rows[job - 1].is_some() {
                self.error(
                    "psplib-duplicate-job",
                    line,
                    1,
                    format!("job {job} appears twice in {title}"),
                );
                return None;
            }
            rows[job - 1] = Some((line, values));
            read += 1;
        }
        let missing: Vec<String> = (0..jobs)
            .filter(|&j| rows[j].is_none())
            .map(|j| (j + 1).to_string())
            .take(10)
            .collect();
        if !missing.is_empty() {
            self.error(
                "psplib-missing-job",
                title_line,
                1,
                format!("{title} has no row for job(s) {}", missing.join(", ")),
            );
            return None;
        }
        Some(rows.into_iter().flatten().collect())
    }

    fn read(&mut self) -> Option<Problem> {
        let jobs = self.header_number("jobs (incl. supersource/sink", "number of jobs");
        let renewable = self.header_number("- renewable", "number of renewable resources");
        for key in ["- nonrenewable", "- doubly constrained"] {
            if let Some((line, count)) = self
                .lines
                .iter()
                .find(|(_, t)| t.trim_start().starts_with(key))
                .copied()
                .and_then(|(line, text)| {
                    let rest = text.split(':').nth(1)?;
                    Some((line, words(rest).first()?.1.parse::<u32>().ok()?))
                })
            {
                if count > 0 {
                    self.error(
                        "psplib-unsupported",
                        line,
                        1,
                        format!(
                            "{count} {} resource(s): only renewable resources are supported",
                            key.trim_start_matches("- ")
                        ),
                    );
                }
            }
        }
        let (_, jobs) = jobs?;
        let (_, resources) = renewable?;
        let jobs = jobs as usize;
        let resources = resources as usize;
        if jobs > 1_000_000 || resources > 1_000 {
            self.diagnostics.push(Diagnostic::error(
                "psplib-too-large",
                format!("{jobs} jobs and {resources} resources is more than the reader accepts"),
            ));
            return None;
        }
        if !self.diagnostics.is_empty() {
            return None;
        }

        let precedence_rows = self.job_rows("PRECEDENCE RELATIONS:", jobs)?;
        let mut successors = vec![Vec::new(); jobs];
        for (job, (line, values)) in precedence_rows.iter().enumerate() {
            let (modes, count) = (
                values.get(1).copied().unwrap_or(0),
                values.get(2).copied().unwrap_or(0) as usize,
            );
            if values.len() < 3 {
                self.error(
                    "psplib-malformed-line",
                    *line,
                    1,
                    "expected `job modes successor-count successors...`".into(),
                );
                continue;
            }
            if modes != 1 {
                self.error(
                    "psplib-unsupported",
                    *line,
                    1,
                    format!(
                        "job {} has {modes} modes; only single-mode files are supported",
                        job + 1
                    ),
                );
            }
            if values.len() != 3 + count {
                self.error(
                    "psplib-malformed-line",
                    *line,
                    1,
                    format!(
                        "job {} says it has {count} successors but lists {}",
                        job + 1,
                        values.len() - 3
                    ),
                );
                continue;
            }
            for &successor in &values[3..] {
                if successor == 0 || successor as usize > jobs {
                    self.error(
                        "psplib-unknown-job",
                        *line,
                        1,
                        format!("successor {successor} is outside 1..={jobs}"),
                    );
                } else {
                    successors[job].push(successor as usize - 1);
                }
            }
        }

        let request_rows = self.job_rows("REQUESTS/DURATIONS:", jobs)?;
        let mut durations = vec![0; jobs];
        let mut demands = vec![vec![0; resources]; jobs];
        for (job, (line, values)) in request_rows.iter().enumerate() {
            if values.len() != 3 + resources {
                self.error(
                    "psplib-malformed-line",
                    *line,
                    1,
                    format!(
                        "expected `job mode duration` and {resources} requests, found {} numbers",
                        values.len()
                    ),
                );
                continue;
            }
            durations[job] = values[2];
            demands[job].copy_from_slice(&values[3..]);
        }

        let availability_line = self.section("RESOURCEAVAILABILITIES:")?;
        let mut capacities = None;
        while let Some((line, text)) = self.next_content() {
            if text
                .trim_start()
                .starts_with(|c: char| c.is_ascii_alphabetic())
            {
                continue;
            }
            if text.trim_start().starts_with('*') {
                break;
            }
            let values = self.numbers(line, text)?;
            if values.len() != resources {
                self.error(
                    "psplib-malformed-line",
                    line,
                    1,
                    format!(
                        "expected {resources} resource availabilities, found {}",
                        values.len()
                    ),
                );
                return None;
            }
            capacities = Some(values);
            break;
        }
        let Some(capacities) = capacities else {
            self.error(
                "psplib-missing-section",
                availability_line,
                1,
                "RESOURCEAVAILABILITIES has no line of numbers".into(),
            );
            return None;
        };
        if !self.diagnostics.is_empty() {
            return None;
        }
        let problem = Problem {
            durations,
            successors,
            demands,
            capacities,
        };
        if let Err(error) = rcpsp::validate(&problem) {
            let line = match &error {
                ProblemError::Cycle { activity }
                | ProblemError::UnknownSuccessor { activity, .. } => {
                    precedence_rows.get(*activity).map(|r| r.0)
                }
                ProblemError::OverCapacity { activity, .. } => {
                    request_rows.get(*activity).map(|r| r.0)
                }
                _ => None,
            };
            // Activities are numbered from 0 in the engine and from 1 in the file.
            let message = match error {
                ProblemError::Cycle { activity } => {
                    format!(
                        "the precedences contain a cycle through job {}",
                        activity + 1
                    )
                }
                ProblemError::OverCapacity {
                    activity,
                    resource,
                    demand,
                    capacity,
                } => format!(
                    "job {} requests {demand} units of R {}, which has only {capacity}",
                    activity + 1,
                    resource + 1
                ),
                other => other.to_string(),
            };
            self.diagnostics
                .push(Diagnostic::error("psplib-invalid", message).at(line.and_then(|l| at(l, 1))));
            return None;
        }
        Some(problem)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "\
************************************************************************
jobs (incl. supersource/sink ):  5
horizon                       :  6
RESOURCES
  - renewable                 :  2   R
  - nonrenewable              :  0   N
  - doubly constrained        :  0   D
************************************************************************
PRECEDENCE RELATIONS:
jobnr.    #modes  #successors   successors
   1        1          2           2   3
   2        1          1           4
   3        1          1           5
   4        1          1           5
   5        1          0
************************************************************************
REQUESTS/DURATIONS:
jobnr. mode duration  R 1  R 2
------------------------------------------------------------------------
  1      1     0       0    0
  2      1     2       1    0
  3      1     3       1    1
  4      1     1       0    1
  5      1     0       0    0
************************************************************************
RESOURCEAVAILABILITIES:
  R 1  R 2
    1    1
************************************************************************
";

    fn codes(source: &str) -> Vec<(&'static str, Option<u32>)> {
        match read_sm(source) {
            Ok(_) => Vec::new(),
            Err(diagnostics) => diagnostics
                .iter()
                .map(|d| (d.code, d.location.map(|l| l.line)))
                .collect(),
        }
    }

    #[test]
    fn reads_a_small_file() {
        let problem = read_sm(SMALL).expect("valid");
        assert_eq!(problem.durations, vec![0, 2, 3, 1, 0]);
        assert_eq!(problem.successors[0], vec![1, 2]);
        assert_eq!(problem.successors[4], Vec::<usize>::new());
        assert_eq!(problem.demands[2], vec![1, 1]);
        assert_eq!(problem.capacities, vec![1, 1]);
    }

    #[test]
    fn malformed_input_gives_diagnostics_with_lines() {
        assert_eq!(codes(""), vec![("psplib-missing-section", None); 2]);
        assert_eq!(
            codes(&SMALL.replace(
                "   2        1          1           4",
                "   2        1          2           4"
            )),
            vec![("psplib-malformed-line", Some(12))]
        );
        assert_eq!(
            codes(&SMALL.replace(
                "  3      1     3       1    1",
                "  3      1     x       1    1"
            )),
            vec![("psplib-bad-number", Some(22))]
        );
        assert_eq!(
            codes(&SMALL.replace(
                "  3      1     3       1    1",
                "  3      1     3       2    1"
            )),
            vec![("psplib-invalid", Some(22))]
        );
        assert_eq!(
            codes(&SMALL.replace(
                "   4        1          1           5",
                "   4        1          1           2"
            )),
            vec![("psplib-invalid", Some(12))]
        );
        assert_eq!(
            codes(&SMALL.replace(
                "   3        1          1           5",
                "   3        1          1           9"
            )),
            vec![("psplib-unknown-job", Some(13))]
        );
        assert_eq!(
            codes(&SMALL.replace("  4      1     1       0    1\n", "")),
            vec![("psplib-missing-job", Some(17))]
        );
        assert_eq!(
            codes(&SMALL.replace("  R 1  R 2\n    1    1\n", "  R 1  R 2\n    1\n")),
            vec![("psplib-malformed-line", Some(28))]
        );
    }

    #[test]
    fn never_panics_on_truncations_of_a_valid_file() {
        for end in 0..SMALL.len() {
            if SMALL.is_char_boundary(end) {
                let _ = read_sm(&SMALL[..end]);
            }
        }
        let _ = read_sm("jobs (incl. supersource/sink ):  99999999999999999999\n");
        let _ = read_sm("jobs (incl. supersource/sink ):\n- renewable : 1\n");
    }

    #[test]
    fn reads_real_psplib_files_when_present() {
        let folder =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/psplib");
        let cases = [
            ("j30/j301_1.sm", 32, 43),
            ("j60/j601_1.sm", 62, 0),
            ("j120/j1201_1.sm", 122, 0),
        ];
        if !folder.is_dir() {
            eprintln!("skipped: {} is not present", folder.display());
            return;
        }
        for (file, jobs, _) in cases {
            let Ok(text) = std::fs::read_to_string(folder.join(file)) else {
                eprintln!("skipped: {file} is not present");
                continue;
            };
            let problem = read_sm(&text).expect("a valid PSPLIB file");
            assert_eq!(problem.durations.len(), jobs, "{file}");
            assert_eq!(problem.capacities.len(), 4, "{file}");
            assert!(problem.successors[jobs - 1].is_empty());
        }
        // j301_1: MPM-Time (critical path) 38 in the file's header.
        if let Ok(text) = std::fs::read_to_string(folder.join("j30/j301_1.sm")) {
            let problem = read_sm(&text).expect("valid");
            assert_eq!(rcpsp::critical_path_bound(&problem), 38);
            assert_eq!(problem.capacities, vec![12, 13, 4, 12]);
        }
    }
}
