//! Completion dates for `waymark forecast --history FILE`: one per row of a CSV export, or one per
//! finished work task of a plan. Turning dates into counts per period is core's
//! `throughput::bin`; this module only reads files and reports bad input with its location.

use crate::input::Format;
use anyhow::Result;
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime};
use std::path::Path;
use waymark_core::{time, Diagnostic, Location, Plan};

/// Completion dates read from a file, and what the reader learnt on the way.
pub struct Completions {
    /// The file name as the user gave it.
    pub name: String,
    /// One date per finished item, in file order.
    pub dates: Vec<NaiveDate>,
    pub source: Source,
}

/// Where the dates came from.
pub enum Source {
    Csv {
        /// The header name of the column, or `column N` without a header.
        column: String,
        /// Rows whose cell in the column is empty (items not finished yet, in most exports).
        without_date: usize,
    },
    Plan {
        /// Work tasks (not summaries, not milestones) that are not finished.
        unfinished: u64,
        /// The plan's status date (the day it ends on), the default end of the history.
        status_date: Option<NaiveDate>,
    },
}

/// Read the completion dates of `path` (`-`: standard input): a plan (`.toml`, `.xml`, or any
/// file with `--format`) or else a CSV file. `None` means the file has errors, already printed
/// on stderr as `file:line:column` diagnostics.
pub fn read(
    path: &Path,
    format: Option<Format>,
    column: Option<&str>,
) -> Result<Option<Completions>> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if format.is_some() || extension == "toml" || extension == "xml" {
        if column.is_some() {
            anyhow::bail!("--column picks a column of a CSV file; a plan's dates need none");
        }
        return read_plan(path, format);
    }
    let (name, bytes) = crate::input::read_bytes(path)?;
    // Dates are ASCII; a header in another encoding (an old Excel export) only loses accents.
    let text = String::from_utf8_lossy(&bytes);
    match read_csv(&text, column) {
        Ok((dates, column, without_date)) => Ok(Some(Completions {
            name,
            dates,
            source: Source::Csv {
                column,
                without_date,
            },
        })),
        Err(diagnostic) => {
            crate::input::report(&name, &[*diagnostic]);
            Ok(None)
        }
    }
}

/// The date a finish instant falls on. A finish at midnight ends the day before it (the plan
/// reader puts a status date at the midnight after its day).
fn finish_date(finish: time::Instant) -> NaiveDate {
    time::date_of_day(time::day_of(finish - 1))
}

fn read_plan(path: &Path, format: Option<Format>) -> Result<Option<Completions>> {
    let Some(input) = crate::input::load(path, format)? else {
        return Ok(None);
    };
    crate::input::report(&input.name, &input.warnings);
    match plan_completions(&input.plan) {
        Ok((dates, unfinished)) => Ok(Some(Completions {
            name: input.name,
            dates,
            source: Source::Plan {
                unfinished,
                status_date: input.plan.project.status_date.map(finish_date),
            },
        })),
        Err(error) => {
            let diagnostics = waymark_core::doctor::schedule_failure(&input.plan, &error);
            crate::input::report(&input.name, &diagnostics);
            Ok(None)
        }
    }
}

/// The finish dates of a plan's finished work tasks, and how many work tasks are unfinished.
/// A work task is neither a summary nor a milestone; it is finished when it has an actual
/// finish or progress 1. Without an actual finish, the date is where the plan's logic puts the
/// task's finish, scheduled without the status date: the scheduler moves work without actual
/// dates after the status date, but a finished task did not wait for it (Microsoft Project,
/// marking a task 100 % done, likewise takes its planned dates as the actual ones).
fn plan_completions(plan: &Plan) -> Result<(Vec<NaiveDate>, u64), waymark_core::ScheduleError> {
    let mut summary = vec![false; plan.tasks.len()];
    for task in &plan.tasks {
        if let Some(parent) = task.parent {
            summary[parent.0] = true;
        }
    }
    let work = || {
        plan.tasks
            .iter()
            .enumerate()
            .filter(|&(index, task)| !summary[index] && !task.milestone)
    };
    let finished = |task: &waymark_core::Task| task.actual_finish.is_some() || task.progress >= 1.0;
    let needs_schedule = work().any(|(_, t)| finished(t) && t.actual_finish.is_none());
    let schedule = if needs_schedule {
        let mut as_planned = plan.clone();
        as_planned.project.status_date = None;
        Some(waymark_core::schedule(&as_planned)?)
    } else {
        None
    };
    let mut dates = Vec::new();
    let mut unfinished = 0;
    for (index, task) in work() {
        if !finished(task) {
            unfinished += 1;
            continue;
        }
        let finish = task
            .actual_finish
            .or_else(|| schedule.as_ref().map(|s| s.tasks[index].finish));
        dates.extend(finish.map(finish_date));
    }
    Ok((dates, unfinished))
}

/// One CSV cell and where it starts.
struct Cell {
    text: String,
    at: Location,
}

/// The separator of a CSV file: the most frequent of `,`, `;` and tab outside quotes on its
/// first non-blank line (spreadsheets in many locales write `;`), `,` when there is none.
fn separator(text: &str) -> char {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut counts = [(',', 0), ('\t', 0), (';', 0)];
    let mut quoted = false;
    for c in first.chars() {
        if c == '"' {
            quoted = !quoted;
        } else if !quoted {
            for (separator, count) in &mut counts {
                if c == *separator {
                    *count += 1;
                }
            }
        }
    }
    let mut best = counts[0];
    for candidate in counts {
        if candidate.1 > best.1 {
            best = candidate;
        }
    }
    best.0
}

/// Split CSV text into records of cells (RFC 4180: a cell that starts with `"` is quoted, `""`
/// inside it is a quote, and it may hold separators and line breaks). Blank records are left
/// out. Errors: a quote that never closes.
fn records(text: &str, separator: char) -> Result<Vec<Vec<Cell>>, Box<Diagnostic>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut record: Vec<Cell> = Vec::new();
    let mut cell = String::new();
    let mut line = 1;
    let mut column = 1;
    let mut cell_at = Location { line, column };
    let mut at_cell_start = true;
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    let finish_record = |record: &mut Vec<Cell>, records: &mut Vec<Vec<Cell>>| {
        if record.iter().any(|c| !c.text.trim().is_empty()) {
            records.push(std::mem::take(record));
        }
        record.clear();
    };
    while let Some(c) = chars.next() {
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
        if quoted {
            if c != '"' {
                cell.push(c);
            } else if chars.peek() == Some(&'"') {
                chars.next();
                column += 1;
                cell.push('"');
            } else {
                quoted = false;
            }
            continue;
        }
        if c == '"' && at_cell_start {
            quoted = true;
            at_cell_start = false;
        } else if c == separator {
            record.push(Cell {
                text: std::mem::take(&mut cell),
                at: cell_at,
            });
            cell_at = Location { line, column };
            at_cell_start = true;
        } else if c == '\n' || (c == '\r' && chars.peek() == Some(&'\n')) {
            if c == '\r' {
                continue;
            }
            record.push(Cell {
                text: std::mem::take(&mut cell),
                at: cell_at,
            });
            finish_record(&mut record, &mut records);
            cell_at = Location { line, column };
            at_cell_start = true;
        } else {
            cell.push(c);
            at_cell_start = false;
        }
    }
    if quoted {
        return Err(Box::new(
            Diagnostic::error(
                "unclosed-quote",
                "this quoted cell has no closing `\"` before the end of the file",
            )
            .at(Some(cell_at))
            .with_help("close the quote, or write a quote inside a quoted cell as `\"\"`"),
        ));
    }
    record.push(Cell {
        text: cell,
        at: cell_at,
    });
    finish_record(&mut record, &mut records);
    Ok(records)
}

/// The date of a completion cell: `2027-03-01`, `2027-03-01T14:30`, `2027-03-01 14:30:00`, with
/// optional fractional seconds and an optional `Z` or UTC offset. The date is the one written;
/// an offset is not converted (a team's day is its local day).
fn completion_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(date);
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(datetime) = NaiveDateTime::parse_from_str(text, format) {
            return Some(datetime.date());
        }
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f%#z",
        "%Y-%m-%d %H:%M:%S%.f%#z",
        "%Y-%m-%d %H:%M:%S%.f %#z",
    ] {
        if let Ok(datetime) = DateTime::parse_from_str(text, format) {
            return Some(datetime.naive_local().date());
        }
    }
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|datetime| datetime.naive_local().date())
}

const DATE_FORMS: &str = "write dates as 2027-03-01 or 2027-03-01T14:30 (ISO 8601)";

/// Read the completion dates of a CSV file: the dates, the column's name and the number of rows
/// with an empty cell.
fn read_csv(
    text: &str,
    column: Option<&str>,
) -> Result<(Vec<NaiveDate>, String, usize), Box<Diagnostic>> {
    let records = records(text, separator(text))?;
    let Some(first) = records.first() else {
        return Err(Box::new(Diagnostic::error(
            "no-completions",
            "the file has no rows; write one completion date per row",
        )));
    };
    let is_date = |cell: &Cell| completion_date(&cell.text).is_some();
    let header_names = |record: &[Cell]| {
        record
            .iter()
            .map(|c| format!("`{}`", c.text.trim()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (index, has_header) = match column {
        Some(wanted) => {
            let by_name = first
                .iter()
                .position(|c| c.text.trim().eq_ignore_ascii_case(wanted.trim()));
            let by_number = wanted
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|&n| n >= 1 && n <= first.len())
                .map(|n| n - 1);
            match (by_name, by_number) {
                (Some(index), _) => (index, true),
                (None, Some(index)) => (index, !is_date(&first[index])),
                (None, None) => {
                    let found = if first.iter().any(is_date) {
                        "the first row holds dates, not column names".to_string()
                    } else {
                        format!("the columns are {}", header_names(first))
                    };
                    return Err(Box::new(
                        Diagnostic::error(
                            "unknown-column",
                            format!("no column named `{wanted}`: {found}"),
                        )
                        .at(Some(first[0].at))
                        .with_help("give --column a name from the header row or a number (1 = the first column)"),
                    ));
                }
            }
        }
        None => {
            // A first row without a single date is a header.
            let has_header = !first.iter().any(is_date);
            let rows = &records[usize::from(has_header)..];
            let width = rows.iter().map(Vec::len).max().unwrap_or(0);
            // The first column whose first non-empty cell is a date.
            let index = (0..width).find(|&index| {
                rows.iter()
                    .filter_map(|row| row.get(index))
                    .find(|cell| !cell.text.trim().is_empty())
                    .is_some_and(is_date)
            });
            match index {
                Some(index) => (index, has_header),
                None => {
                    let at = rows.first().map_or(first[0].at, |row| row[0].at);
                    return Err(Box::new(
                        Diagnostic::error("no-date-column", "no column holds completion dates")
                            .at(Some(at))
                            .with_help(format!("{DATE_FORMS}, or pick the column with --column")),
                    ));
                }
            }
        }
    };
    let name = if has_header {
        format!("`{}`", first[index].text.trim())
    } else {
        format!("{}", index + 1)
    };
    let mut dates = Vec::new();
    let mut without_date = 0;
    for row in &records[usize::from(has_header)..] {
        let Some(cell) = row.get(index).filter(|c| !c.text.trim().is_empty()) else {
            without_date += 1;
            continue;
        };
        let Some(date) = completion_date(&cell.text) else {
            return Err(Box::new(
                Diagnostic::error(
                    "bad-date",
                    format!("`{}` in column {name} is not a date", cell.text.trim()),
                )
                .at(Some(cell.at))
                .with_help(DATE_FORMS),
            ));
        };
        if !(1900..=2200).contains(&date.year()) {
            return Err(Box::new(
                Diagnostic::error(
                    "out-of-range",
                    format!("{date} in column {name} is outside the years 1900 to 2200"),
                )
                .at(Some(cell.at))
                .with_help("check the year for a typo"),
            ));
        }
        dates.push(date);
    }
    let column = if has_header {
        first[index].text.trim().to_string()
    } else {
        format!("column {}", index + 1)
    };
    Ok((dates, column, without_date))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dates(text: &str, column: Option<&str>) -> String {
        match read_csv(text, column) {
            Ok((dates, column, without_date)) => {
                let dates: Vec<String> = dates.iter().map(NaiveDate::to_string).collect();
                format!("{column}: {} ({without_date} empty)", dates.join(" "))
            }
            Err(diagnostic) => diagnostic.render("f.csv"),
        }
    }

    #[test]
    fn one_date_per_row_without_a_header() {
        assert_eq!(
            dates(
                "2027-03-01\n\n2027-03-02T14:30\r\n2027-03-03 09:00:00\n",
                None
            ),
            "column 1: 2027-03-01 2027-03-02 2027-03-03 (0 empty)"
        );
    }

    #[test]
    fn the_header_names_the_column() {
        let text = "key,created,\"resolved, UTC\"\nA-1,2027-02-01,2027-03-01T10:00:00Z\nA-2,2027-02-02,\nA-3,2027-02-03,2027-03-04T23:30:00+02:00\n";
        assert_eq!(
            dates(text, None),
            "created: 2027-02-01 2027-02-02 2027-02-03 (0 empty)"
        );
        assert_eq!(
            dates(text, Some("Resolved, utc")),
            "resolved, UTC: 2027-03-01 2027-03-04 (1 empty)"
        );
        assert_eq!(
            dates(text, Some("3")),
            "resolved, UTC: 2027-03-01 2027-03-04 (1 empty)"
        );
        assert_eq!(
            dates(text, Some("done")),
            "f.csv:1:1: error[unknown-column]: no column named `done`: the columns are `key`, `created`, `resolved, UTC`\n  help: give --column a name from the header row or a number (1 = the first column)"
        );
    }

    #[test]
    fn the_first_date_column_is_the_default_even_when_its_first_cell_is_empty() {
        let text = "id;title;done\n1;\"say \"\"hi\"\"; twice\";\n2;b;2027-03-05\n";
        assert_eq!(dates(text, None), "done: 2027-03-05 (1 empty)");
    }

    #[test]
    fn a_bad_cell_names_line_and_column() {
        let text = "id,done\n1,2027-03-01\n\n2,\"multi\nline\"\n3, next week\n";
        assert_eq!(
            dates(text, Some("done")),
            "f.csv:4:3: error[bad-date]: `multi\nline` in column `done` is not a date\n  help: write dates as 2027-03-01 or 2027-03-01T14:30 (ISO 8601)"
        );
        let text = "id,done\n1,2027-03-01\n3, next week\n";
        assert_eq!(
            dates(text, None),
            "f.csv:3:3: error[bad-date]: `next week` in column `done` is not a date\n  help: write dates as 2027-03-01 or 2027-03-01T14:30 (ISO 8601)"
        );
        assert_eq!(
            dates("2027-03-01\n0207-03-02\n", None),
            "f.csv:2:1: error[out-of-range]: 0207-03-02 in column 1 is outside the years 1900 to 2200\n  help: check the year for a typo"
        );
        assert!(dates("id,done\n1,\"2027", None).contains("f.csv:2:3: error[unclosed-quote]"));
        assert!(dates("name\nAna\n", None).contains("error[no-date-column]"));
        assert!(dates("\n\n", None).contains("error[no-completions]"));
    }
}
