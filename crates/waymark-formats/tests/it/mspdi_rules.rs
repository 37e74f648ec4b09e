//! The MSPDI reader holds a file to the rules the plan reader holds a plan file to, with the
//! same codes and the line and column of the element at fault: actual dates in order, no
//! negative durations, units and scale above 0, progress within 0..100 %, no task linked to
//! itself, calendars with working time and without base cycles.

#![allow(clippy::unwrap_used)]

use waymark_core::{Diagnostic, Location};
use waymark_formats::mspdi::read_mspdi;

const STANDARD: &str = "<Calendar><UID>1</UID><Name>Standard</Name><IsBaseCalendar>1</IsBaseCalendar><WeekDays><WeekDay><DayType>2</DayType><DayWorking>1</DayWorking></WeekDay></WeekDays></Calendar>";

/// A project with one element per line: `project` on line 4, `calendars` on line 6,
/// `resources` on line 8, task 1 `Design` on line 10 (ending in `design`) and task 2 `Build` on
/// line 11 (ending in `build`).
fn project(project: &str, calendars: &str, resources: &str, design: &str, build: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?>
<Project xmlns=\"http://schemas.microsoft.com/project\">
<StartDate>2027-01-04T08:00:00</StartDate><CalendarUID>1</CalendarUID>
{project}
<Calendars>
{calendars}
</Calendars>
<Resources>{resources}</Resources>
<Tasks>
<Task><UID>1</UID><Name>Design</Name><Duration>PT8H0M0S</Duration>{design}</Task>
<Task><UID>2</UID><Name>Build</Name><Duration>PT16H0M0S</Duration>{build}</Task>
</Tasks>
</Project>
"
    )
}

fn task(design: &str) -> String {
    project("", STANDARD, "", design, "")
}

/// The location of the first `needle` on `line` (1-based), as a diagnostic gives it.
fn at(xml: &str, line: u32, needle: &str) -> Location {
    let text = xml.lines().nth(line as usize - 1).unwrap();
    let column = text[..text.find(needle).unwrap()].chars().count() + 1;
    Location {
        line,
        column: column as u32,
    }
}

/// The one error of `xml`; every diagnostic must carry a location.
fn only_error(xml: &str) -> Diagnostic {
    let diagnostics = read_mspdi(xml).err().unwrap();
    assert!(
        diagnostics.iter().all(|d| d.location.is_some()),
        "{diagnostics:?}"
    );
    let errors: Vec<&Diagnostic> = diagnostics
        .iter()
        .filter(|d| d.severity == waymark_core::Severity::Error)
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    errors[0].clone()
}

#[test]
fn actual_finish_before_actual_start_is_inconsistent() {
    let xml = task(
        "<ActualStart>2027-01-05T08:00:00</ActualStart><ActualFinish>2027-01-04T17:00:00</ActualFinish>",
    );
    let error = only_error(&xml);
    assert_eq!(error.code, "inconsistent-actuals");
    assert_eq!(error.location, Some(at(&xml, 10, "<ActualFinish>")));
    assert_eq!(
        error.message,
        "task 1 `Design` has <ActualFinish> 2027-01-04T17:00:00 before its <ActualStart> 2027-01-05T08:00:00"
    );
}

#[test]
fn a_finished_task_is_complete() {
    let finished = "<ActualStart>2027-01-04T08:00:00</ActualStart><ActualFinish>2027-01-04T17:00:00</ActualFinish>";
    let xml = task(&format!("<PercentComplete>40</PercentComplete>{finished}"));
    let error = only_error(&xml);
    assert_eq!(error.code, "inconsistent-actuals");
    assert_eq!(error.location, Some(at(&xml, 10, "<PercentComplete>")));
    // Without a PercentComplete, or with 100, the task reads as complete.
    for percent in ["", "<PercentComplete>100</PercentComplete>"] {
        let plan = read_mspdi(&task(&format!("{percent}{finished}")))
            .unwrap()
            .plan;
        assert_eq!(plan.tasks[0].progress, 1.0, "{percent}");
    }
}

#[test]
fn a_negative_duration_is_refused_not_a_milestone() {
    let xml = task("").replace(
        "<Duration>PT8H0M0S</Duration>",
        "<Duration>-PT8H0M0S</Duration>",
    );
    let error = only_error(&xml);
    assert_eq!(error.code, "malformed-duration");
    assert_eq!(error.location, Some(at(&xml, 10, "<Duration>")));
    assert!(
        error
            .message
            .contains("`-PT8H0M0S` of task 1 `Design` is negative"),
        "{}",
        error.message
    );
}

#[test]
fn progress_outside_0_to_100_percent_is_out_of_range() {
    for percent in ["200", "-5", "100.5"] {
        let xml = task(&format!("<PercentComplete>{percent}</PercentComplete>"));
        let error = only_error(&xml);
        assert_eq!(error.code, "out-of-range", "{percent}");
        assert_eq!(error.location, Some(at(&xml, 10, "<PercentComplete>")));
        assert!(error.message.contains("from 0 to 100"), "{}", error.message);
    }
    let plan = read_mspdi(&task("<PercentComplete>40</PercentComplete>"))
        .unwrap()
        .plan;
    assert_eq!(plan.tasks[0].progress, 0.4);
}

#[test]
fn resource_units_must_be_above_zero() {
    for units in ["0", "-1", "0.0"] {
        let xml = project(
            "",
            STANDARD,
            &format!(
                "<Resource><UID>1</UID><Name>Ana</Name><MaxUnits>{units}</MaxUnits></Resource>"
            ),
            "",
            "",
        );
        let error = only_error(&xml);
        assert_eq!(error.code, "out-of-range", "{units}");
        assert_eq!(error.location, Some(at(&xml, 8, "<MaxUnits>")));
        assert!(
            error
                .message
                .contains("resource 1 `Ana` must be more than 0"),
            "{}",
            error.message
        );
    }
}

#[test]
fn the_project_scale_must_be_above_zero() {
    for element in ["MinutesPerDay", "MinutesPerWeek", "DaysPerMonth"] {
        for value in ["0", "-480"] {
            let xml = project(
                &format!("<{element}>{value}</{element}>"),
                STANDARD,
                "",
                "",
                "",
            );
            let error = only_error(&xml);
            assert_eq!(error.code, "out-of-range", "{element} {value}");
            assert_eq!(error.location, Some(Location { line: 4, column: 1 }));
            assert_eq!(
                error.message,
                format!("<{element}> of the project must be more than 0, found {value}")
            );
        }
    }
}

#[test]
fn a_task_linked_to_itself_is_a_self_link() {
    let xml = task("<PredecessorLink><PredecessorUID>1</PredecessorUID></PredecessorLink>");
    let error = only_error(&xml);
    assert_eq!(error.code, "self-link");
    assert_eq!(error.location, Some(at(&xml, 10, "<PredecessorLink>")));
    assert!(
        error
            .message
            .starts_with("task 1 `Design` is linked to itself"),
        "{}",
        error.message
    );
}

#[test]
fn a_calendar_without_working_time_is_located() {
    let xml = project(
        "",
        "<Calendar><UID>1</UID><Name>Closed</Name><IsBaseCalendar>1</IsBaseCalendar><WeekDays><WeekDay><DayType>2</DayType><DayWorking>0</DayWorking></WeekDay></WeekDays></Calendar>",
        "",
        "",
        "",
    );
    let error = only_error(&xml);
    assert_eq!(error.code, "calendar-no-working-time");
    assert_eq!(error.location, Some(Location { line: 6, column: 1 }));
    assert_eq!(
        error.message,
        "calendar 1 `Closed` has no working time in its week"
    );
}

#[test]
fn calendars_deriving_from_each_other_are_a_located_cycle() {
    let derived = |uid: u32, base: u32| {
        format!("<Calendar><UID>{uid}</UID><Name>C{uid}</Name><IsBaseCalendar>0</IsBaseCalendar><BaseCalendarUID>{base}</BaseCalendarUID><WeekDays><WeekDay><DayType>3</DayType><DayWorking>1</DayWorking><WorkingTimes><WorkingTime><FromTime>08:00:00</FromTime><ToTime>12:00:00</ToTime></WorkingTime></WorkingTimes></WeekDay></WeekDays></Calendar>")
    };
    // 2 and 3 derive from each other (the standard calendar 1 is fine); each has a working
    // Tuesday of its own, so cutting the cycle leaves no calendar without working time.
    let xml = project(
        "",
        &format!("{STANDARD}{}{}", derived(2, 3), derived(3, 2)),
        "",
        "",
        "",
    );
    let error = only_error(&xml);
    assert_eq!(error.code, "calendar-base-cycle");
    assert_eq!(error.location, Some(at(&xml, 6, "<Calendar><UID>3")));
    assert_eq!(
        error.message,
        "calendars derive from each other in a cycle: 2 `C2` → 3 `C3` → 2 `C2`"
    );
    // A calendar that names itself as its base.
    let xml = project("", &format!("{STANDARD}{}", derived(2, 2)), "", "", "");
    let error = only_error(&xml);
    assert_eq!(error.code, "calendar-base-cycle");
    assert_eq!(error.location, Some(at(&xml, 6, "<Calendar><UID>2")));
}

#[test]
fn every_diagnostic_of_a_broken_file_has_a_location_and_a_code() {
    let xml = project(
        "<MinutesPerDay>0</MinutesPerDay>",
        "<Calendar><UID>1</UID><IsBaseCalendar>0</IsBaseCalendar><BaseCalendarUID>1</BaseCalendarUID></Calendar><Calendar><UID>2</UID><IsBaseCalendar>0</IsBaseCalendar><BaseCalendarUID>9</BaseCalendarUID></Calendar>",
        "<Resource><UID>1</UID><MaxUnits>0</MaxUnits></Resource>",
        "<PercentComplete>200</PercentComplete><ActualStart>2027-01-05T08:00:00</ActualStart><ActualFinish>2027-01-04T08:00:00</ActualFinish><PredecessorLink><PredecessorUID>1</PredecessorUID></PredecessorLink>",
        "<PredecessorLink><PredecessorUID>7</PredecessorUID></PredecessorLink><CalendarUID>5</CalendarUID>",
    )
    .replace("<Duration>PT16H0M0S", "<Duration>-PT16H0M0S");
    let diagnostics = read_mspdi(&xml).err().unwrap();
    for diagnostic in &diagnostics {
        assert!(
            diagnostic.location.is_some() && !diagnostic.code.is_empty(),
            "{diagnostic:?}"
        );
    }
    let mut codes: Vec<&str> = diagnostics.iter().map(|d| d.code).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(
        codes,
        [
            "calendar-base-cycle",
            "calendar-no-working-time",
            "inconsistent-actuals",
            "malformed-duration",
            "mspdi-dropped-link",
            "mspdi-unknown-calendar",
            "out-of-range",
            "self-link",
        ]
    );
}
