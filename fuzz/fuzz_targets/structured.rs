//! Structure-aware fuzzing of both readers: the fuzz bytes do not become the file itself but
//! choose how to build one, a Microsoft Project XML file or a plan file, from the formats' own
//! vocabulary (elements, keys, edge values) and from deep nesting (`<a>` x 100,000, `[[[[`,
//! `{b={b=`, `a.b.b.b`, nested inside comments and CDATA, balanced or not). Byte mutations of
//! real files almost never nest thousands of levels; this target does on most inputs. Then the
//! CLI's path runs on the text: read, look for cycles, schedule, write every date. Any panic,
//! abort (a stack overflow is one) or timeout is a bug.
#![no_main]

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;

#[path = "cli_path.rs"]
mod cli_path;

/// Element names of MSPDI, with a few that are not.
const ELEMENTS: &[&str] = &[
    "Project", "Tasks", "Task", "UID", "ID", "Name", "Duration", "OutlineLevel", "Milestone",
    "Summary", "Manual", "Start", "Finish", "ConstraintType", "ConstraintDate", "Deadline",
    "CalendarUID", "PercentComplete", "ActualStart", "ActualFinish", "Priority", "Active",
    "IsNull", "PredecessorLink", "PredecessorUID", "Type", "LinkLag", "LagFormat",
    "CrossProject", "Calendars", "Calendar", "IsBaseCalendar", "BaseCalendarUID", "WeekDays",
    "WeekDay", "DayType", "DayWorking", "WorkingTimes", "WorkingTime", "FromTime", "ToTime",
    "Exceptions", "Exception", "TimePeriod", "FromDate", "ToDate", "Occurrences", "Period",
    "DaysOfWeek", "MonthDay", "MonthItem", "MonthPosition", "Month", "EnteredByOccurrences",
    "WorkWeeks", "WorkWeek", "Resources", "Resource", "MaxUnits", "StandardRate", "Group",
    "Assignments", "Assignment", "TaskUID", "ResourceUID", "Units", "MinutesPerDay",
    "MinutesPerWeek", "DaysPerMonth", "StatusDate", "StartDate", "ScheduleFromStart",
    "DurationFormat", "a", "p:Task",
];

/// Element text: numbers, dates, durations and times at the edges.
const VALUES: &[&str] = &[
    "0", "1", "2", "-1", "7", "19", "20", "35", "100", "200", "-65535", "1e300", "NaN",
    "9223372036854775807", "0.5", "PT8H0M0S", "PT0H0M0S", "-PT8H0M0S", "PT99999999H0M0S",
    "P2DT4H", "2027-01-04T08:00:00", "2027-01-01T00:00:00", "0001-01-01T00:00:00",
    "9999-12-31T23:59:59", "2026-12-31T17:00:00", "08:00:00", "17:00:00", "24:00:00",
    "00:00:00", "", " ", "&amp;", "x",
];

/// Keys of plan files, with a few that are not.
const KEYS: &[&str] = &[
    "name", "start", "duration", "after", "parent", "milestone", "progress", "actual_start",
    "actual_finish", "calendar", "resources", "priority", "deadline", "estimate",
    "distribution", "must_start_on", "start_no_earlier_than", "finish_no_later_than",
    "as_late_as_possible", "manual_start", "manual_finish", "units", "rate", "kind", "base",
    "week", "holidays", "exceptions", "status_date", "a",
];

/// Plan values: TOML of every type, durations, links and dates at the edges.
const TOML_VALUES: &[&str] = &[
    "\"1d\"", "\"0d\"", "\"-1d\"", "\"1e15d\"", "\"2ed\"", "1", "0", "-1", "1.5", "200",
    "true", "false", "2027-01-04", "2027-01-04T08:00:00", "9999-12-31", "0001-01-01", "[]",
    "{}", "[\"t0\"]", "[\"t1 FS+2d\"]", "[\"t0 SS-50%\"]", "[\"t0\", \"t0\"]", "\"t0\"",
    "\"standard\"", "[\"r0 50%\"]", "[\"1d\", \"2d\", \"3d\"]",
    "{ mon = \"08:00-12:00\", tue = \"22:00-06:00\" }", "\"\"",
];

/// A nesting depth: mostly around the readers' limits and the depths that overflowed.
fn depth(u: &mut Unstructured) -> Result<usize> {
    Ok(match u.int_in_range(0..=9)? {
        0 => u.int_in_range(1..=20)?,
        1 => 99,
        2 => 100,
        3 => 101,
        4 => u.int_in_range(102..=1_000)?,
        5 => 4_000,
        6 => 15_000,
        7 => 100_000,
        _ => u.int_in_range(1..=200_000)?,
    })
}

fn pick<'a>(u: &mut Unstructured, items: &[&'a str]) -> Result<&'a str> {
    Ok(items.get(u.choose_index(items.len())?).copied().unwrap_or_default())
}

fn mspdi(u: &mut Unstructured) -> Result<String> {
    let mut out = String::from(
        "<?xml version=\"1.0\"?>\n<Project xmlns=\"http://schemas.microsoft.com/project\">\n\
         <StartDate>2027-01-04T08:00:00</StartDate>\n",
    );
    let mut open: Vec<&str> = Vec::new();
    let items = u.int_in_range(0..=40)?;
    for _ in 0..items {
        match u.int_in_range(0..=8)? {
            0 => {
                let name = pick(u, ELEMENTS)?;
                out.push_str(&format!("<{name}>"));
                open.push(name);
            }
            1 => {
                if let Some(name) = open.pop() {
                    out.push_str(&format!("</{name}>"));
                }
            }
            2 => {
                let (name, value) = (pick(u, ELEMENTS)?, pick(u, VALUES)?);
                out.push_str(&format!("<{name}>{value}</{name}>\n"));
            }
            3 => {
                // Deep nesting, closed or left open (then the file is cut short too).
                let (name, n) = (pick(u, ELEMENTS)?, depth(u)?);
                out.push_str(&format!("<{name}>").repeat(n));
                if u.arbitrary()? {
                    out.push_str(&format!("</{name}>").repeat(n));
                }
            }
            4 => {
                // Deep nesting where it is not markup.
                let deep = "<a>".repeat(depth(u)?);
                out.push_str(match u.int_in_range(0..=3)? {
                    0 => "<!-- ",
                    1 => "<Name><![CDATA[",
                    2 => "<?pi ",
                    _ => "<Name x='>' y=\"",
                });
                out.push_str(&deep.replace('<', if u.arbitrary()? { "<" } else { "&lt;" }));
                out.push_str(match u.int_in_range(0..=3)? {
                    0 => " -->",
                    1 => "]]></Name>",
                    2 => "?>",
                    _ => "\"/>",
                });
            }
            5 => {
                // A whole task, with a link to another.
                let uid = u.int_in_range(0..=5)?;
                out.push_str(&format!(
                    "<Tasks><Task><UID>{uid}</UID><Name>t{uid}</Name><Duration>{}</Duration>\
                     <PercentComplete>{}</PercentComplete><ActualStart>{}</ActualStart>\
                     <ActualFinish>{}</ActualFinish><PredecessorLink><PredecessorUID>{}\
                     </PredecessorUID><Type>{}</Type><LinkLag>{}</LinkLag></PredecessorLink>\
                     </Task></Tasks>\n",
                    pick(u, VALUES)?,
                    pick(u, VALUES)?,
                    pick(u, VALUES)?,
                    pick(u, VALUES)?,
                    u.int_in_range(0..=5)?,
                    pick(u, VALUES)?,
                    pick(u, VALUES)?,
                ));
            }
            6 => {
                // A calendar, maybe derived from another, maybe with no working day.
                let uid = u.int_in_range(1..=3)?;
                out.push_str(&format!(
                    "<Calendars><Calendar><UID>{uid}</UID><IsBaseCalendar>{}</IsBaseCalendar>\
                     <BaseCalendarUID>{}</BaseCalendarUID><WeekDays><WeekDay><DayType>{}</DayType>\
                     <DayWorking>{}</DayWorking><WorkingTimes><WorkingTime><FromTime>{}</FromTime>\
                     <ToTime>{}</ToTime></WorkingTime></WorkingTimes></WeekDay></WeekDays>\
                     </Calendar></Calendars>\n",
                    u.int_in_range(0..=1)?,
                    u.int_in_range(1..=3)?,
                    u.int_in_range(0..=8)?,
                    u.int_in_range(0..=1)?,
                    pick(u, VALUES)?,
                    pick(u, VALUES)?,
                ));
            }
            7 => {
                let uid = u.int_in_range(1..=3)?;
                out.push_str(&format!(
                    "<Resources><Resource><UID>{uid}</UID><MaxUnits>{}</MaxUnits></Resource>\
                     </Resources><Assignments><Assignment><TaskUID>{}</TaskUID><ResourceUID>{uid}\
                     </ResourceUID><Units>{}</Units></Assignment></Assignments>\n",
                    pick(u, VALUES)?,
                    u.int_in_range(0..=5)?,
                    pick(u, VALUES)?,
                ));
            }
            _ => {
                let (name, value) = (pick(u, ELEMENTS)?, pick(u, VALUES)?);
                out.push_str(&format!("<Project><{name}>{value}</{name}></Project>"));
            }
        }
    }
    while let Some(name) = open.pop() {
        out.push_str(&format!("</{name}>"));
    }
    if u.arbitrary()? {
        out.push_str("</Project>\n");
    }
    Ok(out)
}

fn plan(u: &mut Unstructured) -> Result<String> {
    let mut out = String::from("[project]\nstart = 2027-01-04\n");
    let items = u.int_in_range(0..=30)?;
    for _ in 0..items {
        let key = pick(u, KEYS)?;
        match u.int_in_range(0..=8)? {
            0 => {
                let id = u.int_in_range(0..=3)?;
                out.push_str(&format!("[tasks.t{id}]\nduration = \"1d\"\n"));
            }
            1 => out.push_str(&format!("{key} = {}\n", pick(u, TOML_VALUES)?)),
            2 => {
                let n = depth(u)?;
                let close = if u.arbitrary()? { "]".repeat(n) } else { String::new() };
                out.push_str(&format!("{key} = {}{close}\n", "[".repeat(n)));
            }
            3 => {
                let n = depth(u)?;
                let close = if u.arbitrary()? { "}".repeat(n) } else { String::new() };
                out.push_str(&format!("{key} = {}1{close}\n", "{b=".repeat(n)));
            }
            4 => {
                let n = depth(u)?;
                out.push_str(&format!("{key}{} = 1\n", ".b".repeat(n)));
            }
            5 => {
                let n = depth(u)?;
                let header = if u.arbitrary()? { "[[" } else { "[" };
                let end = if header == "[[" { "]]" } else { "]" };
                out.push_str(&format!("{header}{key}{}{end}\n", ".b".repeat(n)));
            }
            6 => {
                let n = depth(u)?;
                out.push_str(&format!("{key} = {}\n", "[{a=".repeat(n)));
            }
            7 => {
                let id = u.int_in_range(0..=1)?;
                out.push_str(&format!(
                    "[calendars.c{id}]\nbase = \"c{}\"\nweek = {}\n",
                    u.int_in_range(0..=1)?,
                    pick(u, TOML_VALUES)?
                ));
            }
            _ => {
                let id = u.int_in_range(0..=1)?;
                out.push_str(&format!(
                    "[resources.r{id}]\nunits = {}\n",
                    pick(u, TOML_VALUES)?
                ));
            }
        }
    }
    Ok(out)
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(is_plan) = u.arbitrary::<bool>() else {
        return;
    };
    let (text, read): (Result<String>, fn(&str) -> waymark_formats::ReadResult) = if is_plan {
        (plan(&mut u), waymark_formats::plan::read_plan)
    } else {
        (mspdi(&mut u), waymark_formats::mspdi::read_mspdi)
    };
    let Ok(text) = text else {
        return;
    };
    cli_path::run(&text, read);
});
