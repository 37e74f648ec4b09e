//! The MSPDI reader against real Microsoft Project files and MPXJ's reading of each
//! (`../shared/data/projects/reference/mspdi/*.json`): tasks, outline, durations, constraints,
//! links and, for every calendar, the working hours of every week day and exception date. Also
//! broken input, which must give located diagnostics and never a panic. The data tests skip with
//! a printed reason when `../shared` is absent.

#![allow(clippy::unwrap_used)]

mod json;

use json::Json;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use waymark_core::time;
use waymark_core::{ConstraintKind, Lag, LinkKind, Plan, Severity, WorkCalendar};
use waymark_formats::mspdi::read_mspdi;

fn data_dir() -> Option<PathBuf> {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/projects"
    ));
    if dir.join("mspdi").is_dir() {
        Some(dir.to_path_buf())
    } else {
        println!("skipped: {} is absent", dir.display());
        None
    }
}

/// Every MSPDI file with its reference reading: (name, xml text, reference JSON).
fn files() -> Vec<(String, String, Json)> {
    let Some(dir) = data_dir() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for group in ["mpxj", "derived-from-mpp"] {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir.join("mspdi").join(group))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "xml"))
            .collect();
        paths.sort();
        for path in paths {
            let file = path.file_name().unwrap().to_string_lossy().to_string();
            let xml = std::fs::read_to_string(&path).unwrap();
            let reference = dir
                .join("reference/mspdi")
                .join(group)
                .join(format!("{file}.json"));
            let reference = json::parse(&std::fs::read_to_string(&reference).unwrap())
                .unwrap_or_else(|error| panic!("{}: {error}", reference.display()));
            out.push((format!("{group}/{file}"), xml, reference));
        }
    }
    assert!(
        out.len() >= 17,
        "expected the 17 MSPDI files, found {}",
        out.len()
    );
    out
}

fn read(name: &str, xml: &str) -> Plan {
    match read_mspdi(xml) {
        Ok(loaded) => loaded.plan,
        Err(diagnostics) => panic!(
            "{name} does not read:\n{}",
            diagnostics
                .iter()
                .map(|d| d.render(name))
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

fn minutes(json: &Json) -> Option<i64> {
    json.get("minutes").as_f64().map(|m| m.round() as i64)
}

fn clock(text: &str) -> i64 {
    let (hours, minutes) = text.split_once(':').unwrap();
    hours.parse::<i64>().unwrap() * 60 + minutes.parse::<i64>().unwrap()
}

/// Reference hours `[["08:00","12:00"], ...]` as minute intervals; an end of 00:00 is midnight.
fn hours(json: &Json) -> Vec<(i64, i64)> {
    json.as_array()
        .iter()
        .map(|pair| {
            let pair = pair.as_array();
            let start = clock(pair[0].as_str().unwrap());
            let end = clock(pair[1].as_str().unwrap());
            (start, if end <= start { end + 1440 } else { end })
        })
        .collect()
}

#[test]
fn every_file_reads_and_matches_the_tasks_mpxj_read() {
    for (name, xml, reference) in files() {
        let plan = read(&name, &xml);
        let expected: Vec<&Json> = reference
            .get("tasks")
            .as_array()
            .iter()
            .filter(|task| task.get("null").as_bool() != Some(true))
            .filter(|task| task.get("active").as_bool() != Some(false))
            .collect();
        assert_eq!(plan.tasks.len(), expected.len(), "{name}: task count");
        let index: BTreeMap<&str, usize> = plan
            .tasks
            .iter()
            .enumerate()
            .map(|(i, task)| (task.id.as_str(), i))
            .collect();
        let summaries = plan.summaries();
        let calendar_uid = |id: usize| plan.calendars[id].id.parse::<i64>().unwrap();
        for task in expected {
            let uid = task.get("uid").as_i64().unwrap().to_string();
            let at = format!("{name}: task {uid}");
            let i = *index
                .get(uid.as_str())
                .unwrap_or_else(|| panic!("{at} missing"));
            let ours = &plan.tasks[i];
            // MPXJ marks the project summary task (UID 0) a summary even when it has no
            // children; the model derives "summary" from the outline.
            if uid != "0" || summaries[i] {
                assert_eq!(
                    Some(summaries[i]),
                    task.get("summary").as_bool(),
                    "{at}: summary"
                );
            }
            assert_eq!(
                Some(ours.milestone),
                task.get("milestone").as_bool(),
                "{at}: milestone"
            );
            let parent = ours
                .parent
                .map(|p| plan.tasks[p.0].id.parse::<i64>().unwrap());
            assert_eq!(parent, task.get("parent_uid").as_i64(), "{at}: parent");
            assert_eq!(
                Some(ours.duration),
                minutes(task.get("duration")),
                "{at}: duration"
            );
            let constraint = match task.get("constraint_type").as_str() {
                Some("AS_SOON_AS_POSSIBLE") | None => None,
                Some("AS_LATE_AS_POSSIBLE") => Some("alap".to_string()),
                Some(other) => Some(format!(
                    "{other} {}",
                    task.get("constraint_date").as_str().unwrap_or("-")
                )),
            };
            let ours_constraint = if ours.as_late_as_possible {
                Some("alap".to_string())
            } else {
                ours.constraints.first().map(|c| {
                    let kind = match c.kind {
                        ConstraintKind::StartNoEarlierThan => "START_NO_EARLIER_THAN",
                        ConstraintKind::StartNoLaterThan => "START_NO_LATER_THAN",
                        ConstraintKind::FinishNoEarlierThan => "FINISH_NO_EARLIER_THAN",
                        ConstraintKind::FinishNoLaterThan => "FINISH_NO_LATER_THAN",
                        ConstraintKind::MustStartOn => "MUST_START_ON",
                        ConstraintKind::MustFinishOn => "MUST_FINISH_ON",
                    };
                    let date = time::iso(c.date);
                    format!("{kind} {}", &date[..16])
                })
            };
            assert_eq!(ours_constraint, constraint, "{at}: constraint");
            assert_eq!(
                ours.calendar.map(|c| calendar_uid(c.0)),
                task.get("calendar_uid").as_i64(),
                "{at}: calendar"
            );
            if let Some(percent) = task.get("percent_complete").as_f64() {
                assert!(
                    (ours.progress * 100.0 - percent).abs() < 1e-6,
                    "{at}: progress"
                );
            }
            assert_eq!(
                ours.manual.is_some(),
                task.get("manual").as_bool() == Some(true),
                "{at}: manual"
            );
            let instant = |value: Option<i64>| value.map(|t| time::iso(t)[..16].to_string());
            let reference_date = |key: &str| task.get(key).as_str().map(str::to_string);
            assert_eq!(
                instant(ours.deadline),
                reference_date("deadline"),
                "{at}: deadline"
            );
            assert_eq!(
                instant(ours.actual_start),
                reference_date("actual_start"),
                "{at}: actual start"
            );
            assert_eq!(
                instant(ours.actual_finish),
                reference_date("actual_finish"),
                "{at}: actual finish"
            );
            if let Some((start, finish)) = ours.manual {
                assert_eq!(instant(Some(start)), reference_date("start"), "{at}: start");
                assert_eq!(
                    instant(Some(finish)),
                    reference_date("finish"),
                    "{at}: finish"
                );
            }
            let expected_links: BTreeSet<(i64, String, i64)> = task
                .get("predecessors")
                .as_array()
                .iter()
                .map(|p| {
                    (
                        p.get("uid").as_i64().unwrap(),
                        p.get("type").as_str().unwrap().to_string(),
                        minutes(p.get("lag")).unwrap(),
                    )
                })
                .collect();
            let our_links: BTreeSet<(i64, String, i64)> = plan
                .links
                .iter()
                .filter(|link| link.successor.0 == i)
                .map(|link| {
                    let lag = match link.lag {
                        Lag::Working(m) | Lag::Elapsed(m) => m,
                        // MPXJ reports a percent lag's "minutes" as the percentage.
                        Lag::Percent(share) => (share * 100.0).round() as i64,
                    };
                    let kind = match link.kind {
                        LinkKind::FinishToStart => "FS",
                        LinkKind::StartToStart => "SS",
                        LinkKind::FinishToFinish => "FF",
                        LinkKind::StartToFinish => "SF",
                    };
                    (
                        plan.tasks[link.predecessor.0].id.parse::<i64>().unwrap(),
                        kind.to_string(),
                        lag,
                    )
                })
                .collect();
            assert_eq!(our_links, expected_links, "{at}: predecessors");
        }
    }
}

#[test]
fn project_settings_match_mpxj() {
    for (name, xml, reference) in files() {
        let plan = read(&name, &xml);
        let project = reference.get("project");
        let start = project.get("start").as_str().unwrap();
        assert_eq!(&time::iso(plan.project.start)[..16], start, "{name}: start");
        assert_eq!(
            Some(plan.project.minutes_per_day),
            project.get("minutes_per_day").as_i64(),
            "{name}"
        );
        assert_eq!(
            Some(plan.project.minutes_per_week),
            project.get("minutes_per_week").as_i64(),
            "{name}"
        );
        assert_eq!(
            plan.project
                .status_date
                .map(|t| time::iso(t)[..16].to_string()),
            project.get("status_date").as_str().map(str::to_string),
            "{name}: status date"
        );
        let calendar = &plan.calendars[plan.project.calendar.0];
        assert_eq!(
            calendar.id.parse::<i64>().ok(),
            project.get("default_calendar_uid").as_i64(),
            "{name}: project calendar"
        );
    }
}

/// The calendar oracle: for every calendar of every file, the compiled working intervals of each
/// week day (in a week far from any exception) and of every exception date equal MPXJ's.
#[test]
fn calendars_match_mpxj_week_and_exceptions() {
    // Monday 2 January 2090: no file has an exception that late.
    let first = chrono::NaiveDate::from_ymd_opt(2090, 1, 2).unwrap();
    let monday = time::day_number(first);
    assert_eq!(time::weekday_of_day(monday), 0);
    // The reference names its days in full: `monday`, ... `sunday`.
    let weekdays: Vec<String> = first
        .iter_days()
        .take(7)
        .map(|day| day.format("%A").to_string().to_lowercase())
        .collect();
    let mut checked_dates = 0;
    for (name, xml, reference) in files() {
        let plan = read(&name, &xml);
        for calendar in reference.get("calendars").as_array() {
            let uid = calendar.get("uid").as_i64().unwrap().to_string();
            let at = format!("{name}: calendar {uid}");
            let index = plan
                .calendars
                .iter()
                .position(|c| c.id == uid)
                .unwrap_or_else(|| panic!("{at} missing"));
            let compiled = WorkCalendar::compile(&plan.calendars, index)
                .unwrap_or_else(|error| panic!("{at}: {error}"));
            let effective = calendar.get("effective_week");
            for (offset, day) in weekdays.iter().enumerate() {
                let expected = clip(&hours(effective.get(day.as_str())));
                let ours = compiled.day_intervals(monday + offset as i64).to_vec();
                assert_eq!(ours, expected, "{at}: {day}");
            }
            for exception in calendar.get("exceptions").as_array() {
                let from = date(exception.get("from").as_str().unwrap());
                let to = date(exception.get("to").as_str().unwrap());
                let expected = if exception.get("working").as_bool() == Some(true) {
                    clip(&hours(exception.get("hours")))
                } else {
                    Vec::new()
                };
                // A recurring exception's from and to are its first and last occurrence; a
                // plain one covers every date between.
                let days: Vec<i64> = if exception.get("recurring").as_str().is_some() {
                    vec![from, to]
                } else {
                    (from..=to).collect()
                };
                for day in days {
                    let ours = compiled.day_intervals(day).to_vec();
                    assert_eq!(
                        ours,
                        expected,
                        "{at}: exception {:?} on {}",
                        exception.get("name").as_str(),
                        time::date_of_day(day)
                    );
                    checked_dates += 1;
                }
            }
        }
    }
    if data_dir().is_some() {
        assert!(
            checked_dates > 50,
            "only {checked_dates} exception dates checked"
        );
    }
}

/// Hours as one day's effective intervals: clipped to midnight (the part after it belongs to
/// the next day) and merged where they touch.
fn clip(hours: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let mut spans: Vec<(i64, i64)> = hours.iter().map(|&(s, e)| (s, e.min(1440))).collect();
    spans.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::new();
    for (start, end) in spans {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

fn date(text: &str) -> i64 {
    time::day_number(chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap())
}

/// Project 2007+ files carry each exception twice: as `<Exceptions>` with the recurrence, and
/// expanded by Microsoft Project into type-0 week days. Our expansion must give the same dates.
#[test]
fn recurring_exceptions_expand_to_the_dates_project_wrote() {
    let Some(dir) = data_dir() else { return };
    let path = dir.join("mspdi/mpxj/calendar-recurring-exceptions-project2016-mspdi.xml");
    let xml = std::fs::read_to_string(path).unwrap();
    let plan = read("recurring", &xml);
    let expanded = dated_exceptions(&plan);
    // The same file with the <Exceptions> list removed reads the type-0 week days instead.
    let start = xml.find("<Exceptions>").unwrap();
    let end = xml.find("</Exceptions>").unwrap() + "</Exceptions>".len();
    let legacy = format!("{}{}", &xml[..start], &xml[end..]);
    let legacy = dated_exceptions(&read("recurring without <Exceptions>", &legacy));
    // 138 type-0 days, one of which ("Daily 1") spans three dates.
    assert_eq!(expanded.len(), 140);
    assert_eq!(expanded, legacy);
}

fn dated_exceptions(plan: &Plan) -> BTreeMap<i64, Vec<(u16, u16)>> {
    let mut out = BTreeMap::new();
    for exception in &plan.calendars[0].exceptions {
        for day in time::day_number(exception.from)..=time::day_number(exception.to) {
            out.insert(
                day,
                exception.hours.iter().map(|i| (i.start, i.end)).collect(),
            );
        }
    }
    out
}

// ----- broken input -------------------------------------------------------------------------

const MINIMAL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="http://schemas.microsoft.com/project">
  <Name>minimal</Name>
  <StartDate>2027-01-04T08:00:00</StartDate>
  <CalendarUID>1</CalendarUID>
  <Calendars>
    <Calendar>
      <UID>1</UID><Name>Standard</Name><IsBaseCalendar>1</IsBaseCalendar>
      <WeekDays>
        <WeekDay><DayType>1</DayType><DayWorking>0</DayWorking></WeekDay>
        <WeekDay><DayType>2</DayType><DayWorking>1</DayWorking><WorkingTimes>
          <WorkingTime><FromTime>22:00:00</FromTime><ToTime>06:00:00</ToTime></WorkingTime>
        </WorkingTimes></WeekDay>
      </WeekDays>
      <WorkWeeks><WorkWeek>
        <TimePeriod><FromDate>2027-02-01T00:00:00</FromDate><ToDate>2027-02-14T23:59:00</ToDate></TimePeriod>
        <WeekDays><WeekDay><DayType>2</DayType><DayWorking>0</DayWorking></WeekDay></WeekDays>
      </WorkWeek></WorkWeeks>
    </Calendar>
  </Calendars>
  <Tasks>
    <Task><UID>1</UID><Name>A</Name><OutlineLevel>1</OutlineLevel><Duration>DURATION</Duration></Task>
    <Task><UID>2</UID><Name>B</Name><OutlineLevel>1</OutlineLevel><Duration>PT16H0M0S</Duration>
      <ConstraintType>4</ConstraintType><ConstraintDate>CONSTRAINT</ConstraintDate>
      <PredecessorLink><PredecessorUID>1</PredecessorUID><Type>3</Type><LinkLag>-4800</LinkLag><LagFormat>39</LagFormat></PredecessorLink>
      <PredecessorLink><PredecessorUID>1</PredecessorUID><Type>0</Type><LinkLag>14400</LinkLag><LagFormat>8</LagFormat></PredecessorLink>
      <PredecessorLink><PredecessorUID>9</PredecessorUID></PredecessorLink>
    </Task>
    <Task><UID>3</UID><IsNull>1</IsNull></Task>
    <Task><UID>4</UID><Name>off</Name><Active>0</Active></Task>
  </Tasks>
</Project>
"#;

fn minimal(duration: &str, constraint: &str) -> String {
    MINIMAL
        .replace("DURATION", duration)
        .replace("CONSTRAINT", constraint)
}

#[test]
fn a_small_file_reads_with_links_lags_and_warnings() {
    let loaded = read_mspdi(&minimal("PT7H59M59.9S", "2027-01-06T08:00:00")).unwrap();
    let plan = &loaded.plan;
    assert_eq!(plan.tasks.len(), 2);
    assert_eq!(plan.tasks[0].duration, 480);
    assert_eq!(
        plan.tasks[0].location.map(|l| l.line),
        Some(22),
        "task A is on line 22"
    );
    assert_eq!(plan.links.len(), 2);
    assert_eq!(plan.links[0].kind, LinkKind::StartToStart);
    assert_eq!(plan.links[0].lag, Lag::Working(-480));
    assert_eq!(plan.links[1].kind, LinkKind::FinishToFinish);
    assert_eq!(plan.links[1].lag, Lag::Elapsed(1440));
    let codes: Vec<&str> = loaded.warnings.iter().map(|w| w.code).collect();
    assert!(codes.contains(&"mspdi-dropped-link"), "{codes:?}");
    assert!(codes.contains(&"mspdi-inactive-task"), "{codes:?}");
    // Monday 22:00-06:00 crosses midnight: Tuesday gets 00:00-06:00; the work week makes the
    // Mondays of 1 and 8 February non-working.
    let calendar = WorkCalendar::compile(&plan.calendars, 0).unwrap();
    let monday = date("2027-01-04");
    assert_eq!(calendar.day_intervals(monday), &[(1320, 1440)]);
    assert_eq!(calendar.day_intervals(monday + 1), &[(0, 360)]);
    assert_eq!(calendar.day_intervals(date("2027-02-08")), &[]);
    assert_eq!(calendar.day_intervals(date("2027-02-15")), &[(1320, 1440)]);
}

fn errors_of(xml: &str) -> Vec<waymark_core::Diagnostic> {
    match read_mspdi(xml) {
        Ok(_) => panic!("expected diagnostics"),
        Err(diagnostics) => {
            assert!(diagnostics.iter().any(|d| d.severity == Severity::Error));
            diagnostics
        }
    }
}

#[test]
fn truncated_xml_is_a_located_error() {
    let xml = minimal("PT8H0M0S", "2027-01-06T08:00:00");
    let cut = &xml[..xml.len() / 2];
    let errors = errors_of(cut);
    assert_eq!(errors[0].code, "mspdi-xml");
    assert!(
        errors[0].location.is_some_and(|l| l.line > 1),
        "{:?}",
        errors[0]
    );
    assert!(errors_of("").iter().all(|d| d.code == "mspdi-xml"));
    assert_eq!(errors_of("<Plan/>")[0].code, "mspdi-not-project");
}

#[test]
fn bad_values_name_the_element_and_line() {
    let errors = errors_of(&minimal("eight hours", "2027-01-06T08:00:00"));
    let error = errors.iter().find(|d| d.code == "mspdi-duration").unwrap();
    assert!(error.message.contains("<Duration>"), "{}", error.message);
    assert_eq!(error.location.map(|l| l.line), Some(22));

    let errors = errors_of(&minimal("PT8H0M0S", "2027-02-30T08:00:00"));
    let error = errors.iter().find(|d| d.code == "mspdi-date").unwrap();
    assert!(
        error.message.contains("<ConstraintDate>"),
        "{}",
        error.message
    );
    assert_eq!(error.location.map(|l| l.line), Some(24));

    let xml = minimal("PT8H0M0S", "2027-01-06T08:00:00").replace("<LinkLag>14400", "<LinkLag>x");
    let errors = errors_of(&xml);
    assert!(errors.iter().any(|d| d.code == "mspdi-number"
        && d.message.contains("<LinkLag>")
        && d.location.is_some_and(|l| l.line == 26)));

    let xml = minimal("PT8H0M0S", "2027-01-06T08:00:00")
        .replace("<StartDate>2027-01-04T08:00:00</StartDate>", "");
    let errors = errors_of(&xml);
    assert!(errors.iter().any(|d| d.code == "mspdi-missing"
        && d.message.contains("StartDate")
        && d.location.is_some_and(|l| l.line == 2)));
}

/// Found while fuzzing the `mspdi_reader` target: a huge `<LinkLag>` (in tenths of minutes, or a
/// percentage) became an `i64::MAX` lag that overflowed the scheduler. It is a located error now;
/// the largest allowed lags read and schedule.
#[test]
fn huge_link_lags_are_refused() {
    let base = minimal("PT8H0M0S", "2027-01-06T08:00:00");
    for (lag, format) in [
        ("1e300", "7"),
        ("-1e15", "8"),
        ("1e30", "19"),
        ("-10001", "20"),
    ] {
        let xml = base.replace(
            "<LinkLag>14400</LinkLag><LagFormat>8</LagFormat>",
            &format!("<LinkLag>{lag}</LinkLag><LagFormat>{format}</LagFormat>"),
        );
        let errors = errors_of(&xml);
        assert!(
            errors.iter().any(|d| d.code == "mspdi-lag"
                && d.message.contains("too large")
                && d.location.is_some_and(|l| l.line == 26)),
            "{lag} ({format}): {errors:?}"
        );
    }
    for (lag, format) in [("-1e14", "7"), ("10000", "19")] {
        let xml = base
            .replace(
                "<Duration>PT8H0M0S</Duration>",
                "<Duration>PT8000H</Duration>",
            )
            .replace(
                "<LinkLag>14400</LinkLag><LagFormat>8</LagFormat>",
                &format!("<LinkLag>{lag}</LinkLag><LagFormat>{format}</LagFormat>"),
            );
        let loaded = read_mspdi(&xml).unwrap();
        assert!(waymark_core::doctor::dependency_cycles(&loaded.plan).is_empty());
        let _ = waymark_core::schedule(&loaded.plan);
    }
}

#[test]
fn garbage_never_panics() {
    let xml = minimal("PT8H0M0S", "2027-01-06T08:00:00");
    // Cut the file at every few bytes and swap digits for letters: always a result, never a
    // panic.
    for end in (0..xml.len()).step_by(7) {
        if xml.is_char_boundary(end) {
            let _ = read_mspdi(&xml[..end]);
        }
    }
    let _ = read_mspdi(&xml.replace("08:00:00</FromTime>", "99999999999:00:00</FromTime>"));
    let recurring = r#"<Project><StartDate>2027-01-04T08:00:00</StartDate><Calendars><Calendar>
        <UID>1</UID><Exceptions><Exception><TimePeriod><FromDate>2027-01-01T00:00:00</FromDate>
        <ToDate>9999-12-31T23:59:00</ToDate></TimePeriod><Type>TYPE</Type>
        <Period>9223372036854775807</Period><DaysOfWeek>127</DaysOfWeek><MonthDay>99</MonthDay>
        <Month>-5</Month><MonthItem>77</MonthItem><MonthPosition>9</MonthPosition>
        </Exception></Exceptions></Calendar></Calendars></Project>"#;
    for kind in 0..10 {
        let _ = read_mspdi(&recurring.replace("TYPE", &kind.to_string()));
    }
    for digit in ['0', '1', '2', '4', '8'] {
        let _ = read_mspdi(&xml.replacen(digit, "9999999999999999999999", 3));
        let _ = read_mspdi(&xml.replace(digit, "-"));
    }
}

#[test]
fn resources_and_assignments_match_mpxj() {
    for (name, xml, reference) in files() {
        let plan = read(&name, &xml);
        let expected: Vec<&Json> = reference
            .get("resources")
            .as_array()
            .iter()
            .filter(|resource| resource.get("uid").as_i64() != Some(0))
            .collect();
        assert_eq!(plan.resources.len(), expected.len(), "{name}: resources");
        for (ours, theirs) in plan.resources.iter().zip(&expected) {
            let at = format!("{name}: resource {}", ours.id);
            assert_eq!(
                Some(ours.id.parse::<i64>().unwrap()),
                theirs.get("uid").as_i64()
            );
            assert_eq!(
                Some(ours.name.as_str()),
                theirs.get("name").as_str(),
                "{at}"
            );
            if let Some(max_units) = theirs.get("max_units").as_f64() {
                assert!((ours.units * 100.0 - max_units).abs() < 1e-6, "{at}: units");
            }
            assert_eq!(
                ours.calendar
                    .map(|c| plan.calendars[c.0].id.parse::<i64>().unwrap()),
                theirs.get("calendar_uid").as_i64(),
                "{at}: calendar"
            );
        }
        let mut ours: Vec<(String, String, i64)> = Vec::new();
        for task in &plan.tasks {
            for assignment in &task.assignments {
                ours.push((
                    task.id.clone(),
                    plan.resources[assignment.resource.0].id.clone(),
                    (assignment.units * 100.0).round() as i64,
                ));
            }
        }
        let task_ids: BTreeSet<&str> = plan.tasks.iter().map(|t| t.id.as_str()).collect();
        let mut theirs: Vec<(String, String, i64)> = reference
            .get("assignments")
            .as_array()
            .iter()
            .filter_map(|assignment| {
                let task = assignment.get("task_uid").as_i64()?.to_string();
                let resource = assignment.get("resource_uid").as_i64()?;
                let units = assignment.get("units").as_f64()?.round() as i64;
                (resource != 0 && task_ids.contains(task.as_str()))
                    .then(|| (task, resource.to_string(), units))
            })
            .collect();
        ours.sort();
        theirs.sort();
        assert_eq!(ours, theirs, "{name}: assignments");
    }
}

#[test]
fn backward_scheduling_and_derived_calendars() {
    let xml = r#"<Project xmlns="http://schemas.microsoft.com/project">
  <StartDate>2027-01-04T08:00:00</StartDate>
  <ScheduleFromStart>0</ScheduleFromStart>
  <CalendarUID>2</CalendarUID>
  <Calendars>
    <Calendar><UID>1</UID><Name>Base</Name><IsBaseCalendar>1</IsBaseCalendar><WeekDays>
      <WeekDay><DayType>2</DayType><DayWorking>1</DayWorking></WeekDay>
      <WeekDay><DayType>3</DayType><DayWorking>1</DayWorking><WorkingTimes>
        <WorkingTime><FromTime>09:00:00</FromTime><ToTime>17:00:00</ToTime></WorkingTime></WorkingTimes></WeekDay>
    </WeekDays></Calendar>
    <Calendar><UID>2</UID><Name>Derived</Name><IsBaseCalendar>0</IsBaseCalendar><BaseCalendarUID>1</BaseCalendarUID>
      <WeekDays><WeekDay><DayType>3</DayType><DayWorking>1</DayWorking></WeekDay>
        <WeekDay><DayType>4</DayType><DayWorking>1</DayWorking><WorkingTimes>
          <WorkingTime><FromTime>00:00:00</FromTime><ToTime>00:00:00</ToTime></WorkingTime></WorkingTimes></WeekDay></WeekDays>
      <Exceptions><Exception><EnteredByOccurrences>1</EnteredByOccurrences>
        <TimePeriod><FromDate>2027-01-01T00:00:00</FromDate><ToDate>2027-12-31T23:59:00</ToDate></TimePeriod>
        <Occurrences>2</Occurrences><Type>4</Type><Period>1</Period><MonthDay>31</MonthDay><DayWorking>0</DayWorking>
      </Exception></Exceptions>
    </Calendar>
  </Calendars>
</Project>"#;
    let loaded = read_mspdi(xml).unwrap();
    assert!(loaded
        .warnings
        .iter()
        .any(|w| w.code == "mspdi-backward-scheduling" && w.location.is_some_and(|l| l.line == 3)));
    let plan = &loaded.plan;
    assert_eq!(plan.project.calendar.0, 1);
    assert_eq!(plan.calendars[1].base, Some(0));
    let calendar = WorkCalendar::compile(&plan.calendars, 1).unwrap();
    let monday = date("2027-01-04");
    // Monday: the base's "working" day without hours gets Project's default hours.
    assert_eq!(calendar.day_intervals(monday), &[(480, 720), (780, 1020)]);
    // Tuesday: "working" without hours in a derived calendar inherits the base's 09:00-17:00.
    assert_eq!(calendar.day_intervals(monday + 1), &[(540, 1020)]);
    // Wednesday: 00:00-00:00 is the whole day.
    assert_eq!(calendar.day_intervals(monday + 2), &[(0, 1440)]);
    // Day 31 of every month, two occurrences: 31 January and 28 February (clamped).
    let dates: Vec<_> = plan.calendars[1]
        .exceptions
        .iter()
        .map(|e| e.from.to_string())
        .collect();
    assert_eq!(dates, ["2027-01-31", "2027-02-28"]);
}
