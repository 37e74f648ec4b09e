//! Integration tests of waymark-report: the Gantt chart's SVG as a snapshot, as parsed XML
//! (what is drawn, how much), its determinism, its time-scale choice and its escaping; the
//! schedule-to-rows conversion against the schedule document; the load cells.
//!
//! Set `WAYMARK_SAMPLE_DIR` to a folder to also write sample charts there for a visual check.

// A failed unwrap in a test is a test failure with a line number, which is what we want.
#![allow(clippy::unwrap_used)]

use chrono::{Duration, NaiveDate, NaiveDateTime};
use expect_test::expect_file;
use waymark_core::LinkKind;
use waymark_report::{
    gantt_svg, time_scale, BarKind, GanttChart, GanttLink, GanttRow, TimeScale, MAX_DRAWN_LINKS,
};

fn at(year: i32, month: u32, day: u32, hour: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(year, month, day)
        .unwrap()
        .and_hms_opt(hour, 0, 0)
        .unwrap()
}

fn row(
    id: &str,
    label: &str,
    depth: usize,
    kind: BarKind,
    start: NaiveDateTime,
    finish: NaiveDateTime,
) -> GanttRow {
    GanttRow {
        id: id.to_string(),
        label: label.to_string(),
        depth,
        kind,
        start,
        finish,
        critical: false,
        progress: 0.0,
        total_float_minutes: 0,
        delayed_from: None,
    }
}

/// Rows from a table, one a line: `id | label | depth | kind | start | finish`, the kind
/// `task`, `summary` or `milestone`, the dates `MM-DD HH` in 2027.
fn rows(table: &str) -> Vec<GanttRow> {
    let when = |text: &str| {
        let number = |range: std::ops::Range<usize>| text[range].parse::<u32>().unwrap();
        at(2027, number(0..2), number(3..5), number(6..8))
    };
    table
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let kind = match cells[3] {
                "summary" => BarKind::Summary,
                "milestone" => BarKind::Milestone,
                _ => BarKind::Task,
            };
            let depth = cells[2].parse().unwrap();
            row(
                cells[0],
                cells[1],
                depth,
                kind,
                when(cells[4]),
                when(cells[5]),
            )
        })
        .collect()
}

fn link(from: usize, to: usize, kind: LinkKind) -> GanttLink {
    GanttLink { from, to, kind }
}

/// Five rows over two weeks: the snapshot's input.
fn small_chart() -> GanttChart {
    let mut rows = rows(
        "design     | Design        | 0 | summary   | 01-04 09 | 01-12 17
         wireframes | Wireframes    | 1 | task      | 01-04 09 | 01-06 17
         visual     | Visual design | 1 | task      | 01-07 09 | 01-12 17
         build      | Build pages   | 0 | task      | 01-11 09 | 01-15 17
         launch     | Launch        | 0 | milestone | 01-15 17 | 01-15 17",
    );
    rows[1].progress = 1.0;
    rows[1].critical = true;
    rows[2].progress = 0.5;
    rows[2].critical = true;
    rows[2].total_float_minutes = 0;
    rows[3].total_float_minutes = 960;
    rows[4].critical = true;
    GanttChart {
        title: "Small site".to_string(),
        rows,
        links: vec![
            link(1, 2, LinkKind::FinishToStart),
            link(2, 3, LinkKind::StartToStart),
            link(2, 4, LinkKind::FinishToStart),
        ],
        status_date: Some(at(2027, 1, 8, 17)),
        deadline: Some(at(2027, 1, 20, 17)),
    }
}

/// A realistic 16-row plan over four months using all four link kinds.
fn website_chart() -> GanttChart {
    let d = |month, day, hour| at(2027, month, day, hour);
    let mut rows = rows(
        "kickoff   | Kick-off                 | 0 | milestone | 01-04 09 | 01-04 09
         discovery | Discovery & design       | 0 | summary   | 01-04 09 | 02-12 17
         research  | User research            | 1 | task      | 01-04 09 | 01-15 17
         ia        | Information architecture | 1 | task      | 01-11 09 | 01-22 17
         visual    | Visual design <v2>       | 1 | task      | 01-25 09 | 02-12 17
         build     | Build                    | 0 | summary   | 02-01 09 | 04-02 17
         cms       | CMS set-up & templates   | 1 | task      | 02-01 09 | 02-26 17
         front     | Front-end components     | 1 | task      | 02-15 09 | 03-19 17
         content   | Content migration        | 1 | task      | 03-01 09 | 03-26 17
         seo       | SEO redirects & metadata | 1 | task      | 03-15 09 | 03-31 17
         perf      | Performance budget       | 1 | task      | 03-22 09 | 04-02 17
         qa        | QA & launch              | 0 | summary   | 04-05 09 | 04-23 17
         uat       | User acceptance          | 1 | task      | 04-05 09 | 04-16 17
         fixes     | Fix defects              | 1 | task      | 04-12 09 | 04-21 17
         golive    | Go-live                  | 1 | milestone | 04-23 17 | 04-23 17
         hypercare | Hypercare                | 0 | task      | 04-26 09 | 05-07 17",
    );
    for (index, progress, critical) in [
        (2, 1.0, true),
        (3, 1.0, true),
        (4, 0.6, true),
        (6, 0.2, false),
        (7, 0.0, true),
        (8, 0.0, false),
        (9, 0.0, false),
        (10, 0.0, true),
        (12, 0.0, true),
        (13, 0.0, true),
        (14, 0.0, true),
    ] {
        rows[index].progress = progress;
        rows[index].critical = critical;
    }
    rows[0].critical = true;
    rows[8].total_float_minutes = 2400;
    rows[9].total_float_minutes = 960;
    GanttChart {
        title: "Website launch".to_string(),
        rows,
        links: vec![
            link(0, 2, LinkKind::FinishToStart),
            link(2, 3, LinkKind::StartToStart),
            link(3, 4, LinkKind::FinishToStart),
            link(4, 6, LinkKind::StartToStart),
            link(4, 7, LinkKind::FinishToStart),
            link(6, 8, LinkKind::FinishToStart),
            link(7, 9, LinkKind::StartToFinish),
            link(8, 9, LinkKind::FinishToFinish),
            link(7, 10, LinkKind::FinishToStart),
            link(10, 12, LinkKind::FinishToStart),
            link(12, 13, LinkKind::StartToStart),
            link(13, 14, LinkKind::FinishToStart),
            link(14, 15, LinkKind::FinishToStart),
        ],
        status_date: Some(d(2, 5, 17)),
        deadline: Some(d(4, 30, 17)),
    }
}

/// A deterministic synthetic plan with `count` rows: phases of 12 tasks under summaries,
/// chained with all four link kinds, spread over roughly three years.
fn big_chart(count: usize) -> GanttChart {
    let origin = at(2027, 1, 4, 9);
    let mut rows = Vec::with_capacity(count);
    let mut links = Vec::new();
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut phase_start = 0usize;
    while rows.len() < count {
        let index = rows.len();
        let phase = index / 13;
        let offset_days = (phase as i64 * 9) % 1000;
        if index % 13 == 0 {
            phase_start = index;
            rows.push(row(
                &format!("phase-{phase}"),
                &format!("Phase {phase}: workstream {}", phase % 7 + 1),
                0,
                BarKind::Summary,
                origin + Duration::days(offset_days),
                origin + Duration::days(offset_days + 60),
            ));
            continue;
        }
        let start = offset_days + (next() % 45) as i64;
        let length = 1 + (next() % 15) as i64;
        let milestone = index % 13 == 12;
        let mut task = row(
            &format!("task-{index}"),
            &format!("Task {index} of phase {phase}"),
            1,
            if milestone {
                BarKind::Milestone
            } else {
                BarKind::Task
            },
            origin + Duration::days(start),
            origin + Duration::days(start + if milestone { 0 } else { length }),
        );
        task.critical = next() % 5 == 0;
        task.progress = if start < 300 { 1.0 } else { 0.0 };
        rows.push(task);
        if index > phase_start + 1 {
            let kind = match next() % 8 {
                0 => LinkKind::StartToStart,
                1 => LinkKind::FinishToFinish,
                2 => LinkKind::StartToFinish,
                _ => LinkKind::FinishToStart,
            };
            links.push(link(index - 1, index, kind));
        }
    }
    GanttChart {
        title: format!("Synthetic programme of {count} rows"),
        rows,
        links,
        status_date: Some(origin + Duration::days(300)),
        deadline: None,
    }
}

/// How many `element`s with all of the space-separated `class`es the chart draws (outside
/// the legend).
fn count(svg: &str, element: &str, class: &str) -> usize {
    let document = roxmltree::Document::parse(svg).expect("the SVG is well-formed XML");
    document
        .descendants()
        .filter(|node| node.has_tag_name(element))
        .filter(|node| {
            !node
                .ancestors()
                .any(|a| a.attribute("class") == Some("legend"))
        })
        .filter(|node| {
            node.attribute("class")
                .is_some_and(|classes| class.split(' ').all(|c| classes.split(' ').any(|x| x == c)))
        })
        .count()
}

fn write_sample(name: &str, svg: &str) {
    if let Some(dir) = std::env::var_os("WAYMARK_SAMPLE_DIR") {
        std::fs::write(std::path::Path::new(&dir).join(name), svg).unwrap();
    }
}

#[test]
fn small_chart_snapshot() {
    let svg = gantt_svg(&small_chart());
    write_sample("small.svg", &svg);
    expect_file!["small_gantt.svg"].assert_eq(&svg);
}

#[test]
fn draws_every_bar_diamond_and_arrow() {
    let chart = website_chart();
    let svg = gantt_svg(&chart);
    write_sample("website.svg", &svg);
    assert_eq!(count(&svg, "g", "bar task"), 11);
    assert_eq!(count(&svg, "g", "bar summary"), 3);
    assert_eq!(count(&svg, "g", "bar milestone"), 2);
    assert_eq!(count(&svg, "g", "bar critical"), 9);
    assert_eq!(count(&svg, "path", "ln"), chart.links.len());
    assert_eq!(count(&svg, "path", "status"), 1);
    assert_eq!(count(&svg, "path", "deadline"), 1);
    // Every bar carries an accessible title naming the task and its dates.
    let document = roxmltree::Document::parse(&svg).unwrap();
    let titles: Vec<&str> = document
        .descendants()
        .filter(|node| {
            node.attribute("class")
                .is_some_and(|c| c.starts_with("bar "))
        })
        .map(|bar| bar.first_element_child().unwrap().text().unwrap())
        .collect();
    assert_eq!(titles.len(), 16);
    assert_eq!(
        titles[4],
        "Visual design <v2>: Mon 25 Jan 2027 09:00 to Fri 12 Feb 2027 17:00, 60 % complete, \
         critical, total float 0 h"
    );
    assert_eq!(
        titles[14],
        "Go-live: milestone Fri 23 Apr 2027 17:00, critical, total float 0 h"
    );
}

#[test]
fn same_input_same_bytes() {
    let chart = website_chart();
    assert_eq!(gantt_svg(&chart), gantt_svg(&chart.clone()));
    let big = big_chart(300);
    assert_eq!(gantt_svg(&big), gantt_svg(&big.clone()));
}

#[test]
fn scale_follows_the_span() {
    let start = at(2027, 1, 4, 9);
    assert_eq!(
        time_scale(start, start + Duration::days(14)),
        TimeScale::Days
    );
    assert_eq!(
        time_scale(start, start + Duration::days(182)),
        TimeScale::Weeks
    );
    assert_eq!(
        time_scale(start, start + Duration::days(365)),
        TimeScale::Months
    );
    assert_eq!(
        time_scale(start, start + Duration::days(3 * 365)),
        TimeScale::Quarters
    );

    // The axis labels of the lower band say which unit was drawn.
    let labels = |days: i64| {
        let chart = GanttChart {
            title: "Span".to_string(),
            rows: vec![row(
                "a",
                "A",
                0,
                BarKind::Task,
                start,
                start + Duration::days(days),
            )],
            links: vec![],
            status_date: None,
            deadline: None,
        };
        let svg = gantt_svg(&chart);
        let document = roxmltree::Document::parse(&svg).unwrap();
        document
            .descendants()
            .filter(|node| node.attribute("class") == Some("ax"))
            .map(|node| {
                let x: f64 = node.attribute("x").unwrap().parse().unwrap();
                (x, node.text().unwrap().to_string())
            })
            .collect::<Vec<_>>()
    };
    let two_weeks = labels(14);
    assert_eq!(
        two_weeks.first().unwrap().1,
        "4",
        "days: day numbers from Monday 4 January"
    );
    assert!(two_weeks.len() >= 15);
    let half_year = labels(182);
    assert_eq!(
        half_year
            .iter()
            .take(3)
            .map(|l| l.1.as_str())
            .collect::<Vec<_>>(),
        ["4", "11", "18"]
    );
    let three_years = labels(3 * 365);
    assert_eq!(
        three_years
            .iter()
            .take(5)
            .map(|l| l.1.as_str())
            .collect::<Vec<_>>(),
        ["Q1", "Q2", "Q3", "Q4", "Q1"]
    );

    // No two labels of the lower band overlap, whatever the span.
    for days in [
        1, 3, 14, 40, 45, 90, 182, 220, 365, 700, 800, 1100, 2500, 4000,
    ] {
        let labels = labels(days);
        for pair in labels.windows(2) {
            let room = pair[1].0 - pair[0].0;
            let needed = (pair[0].1.len() + pair[1].1.len()) as f64 * 11.0 * 0.58 / 2.0;
            assert!(room >= needed, "{days} days: {pair:?} overlap");
        }
    }
}

#[test]
fn labels_are_escaped() {
    let mut chart = small_chart();
    chart.title = "R&D <pilot> \"fast\" 'track'".to_string();
    chart.rows[1].label = "Build <API> & \"auth\"".to_string();
    chart.rows[1].id = "a\"b".to_string();
    let svg = gantt_svg(&chart);
    assert!(svg.contains("Build &lt;API&gt; &amp; &quot;auth&quot;"));
    let document = roxmltree::Document::parse(&svg).expect("escaped labels keep the XML valid");
    let title = document
        .descendants()
        .find(|n| n.has_tag_name("title"))
        .unwrap();
    assert_eq!(title.text(), Some("R&D <pilot> \"fast\" 'track'"));
    assert!(document
        .descendants()
        .any(|node| node.attribute("data-id") == Some("a\"b")));
}

#[test]
fn two_thousand_rows_stay_small() {
    let chart = big_chart(2000);
    let svg = gantt_svg(&chart);
    write_sample("big.svg", &svg);
    println!(
        "2,000 rows, {} links: {} bytes",
        chart.links.len(),
        svg.len()
    );
    assert!(svg.len() < 1_200_000, "{} bytes", svg.len());
    assert_eq!(count(&svg, "g", "bar"), 2000);
    assert_eq!(
        count(&svg, "path", "ln"),
        chart.links.len().min(MAX_DRAWN_LINKS)
    );
}

#[test]
fn links_beyond_the_limit_are_left_out_and_said() {
    let mut chart = big_chart(40);
    let template = chart.links[0];
    chart.links = vec![template; MAX_DRAWN_LINKS + 10];
    let svg = gantt_svg(&chart);
    assert_eq!(count(&svg, "path", "ln"), MAX_DRAWN_LINKS);
    assert!(svg.contains(&format!(
        "{MAX_DRAWN_LINKS} of {} dependencies drawn",
        MAX_DRAWN_LINKS + 10
    )));
}

#[test]
fn odd_input_still_draws() {
    let mut chart = small_chart();
    chart.rows[3].finish = chart.rows[3].start - Duration::days(2);
    chart.rows[2].progress = f64::NAN;
    chart.links.push(link(0, 99, LinkKind::FinishToStart));
    chart.links.push(link(2, 2, LinkKind::FinishToStart));
    let svg = gantt_svg(&chart);
    assert_eq!(count(&svg, "path", "ln"), 3);
    assert!(!svg.contains("NaN"));

    let empty = GanttChart {
        title: "Nothing yet".to_string(),
        rows: vec![],
        links: vec![],
        status_date: None,
        deadline: None,
    };
    let svg = gantt_svg(&empty);
    roxmltree::Document::parse(&svg).unwrap();
    assert!(svg.contains("No tasks to show."));
}

#[test]
fn a_note_at_the_right_edge_moves_left_of_its_bar() {
    let mut chart = small_chart();
    chart.deadline = None;
    let end = at(2027, 1, 17, 23);
    chart.rows[4].start = end;
    chart.rows[4].finish = end;
    let svg = gantt_svg(&chart);
    let document = roxmltree::Document::parse(&svg).unwrap();
    let width: f64 = document
        .root_element()
        .attribute("width")
        .unwrap()
        .parse()
        .unwrap();
    let note = document
        .descendants()
        .find(|node| node.attribute("class") == Some("note") && node.text() == Some("17 Jan"))
        .unwrap();
    let x: f64 = note.attribute("x").unwrap().parse().unwrap();
    assert_eq!(note.attribute("text-anchor"), Some("end"));
    assert!(x < width);
}

#[test]
fn load_heat_map_has_a_cell_per_person_and_period() {
    use waymark_report::{load_svg, LoadCell, LoadChart, LoadPanel, LoadRow};
    let cell = |share: Option<f64>, over: bool| LoadCell {
        share,
        over_allocated: over,
    };
    let chart = LoadChart {
        title: "Team <load>".into(),
        periods: vec!["01-04".into(), "01-11".into(), "01-18".into()],
        panels: vec![
            LoadPanel {
                title: "Before".into(),
                rows: vec![
                    LoadRow {
                        label: "Ana".into(),
                        cells: vec![
                            cell(Some(1.5), true),
                            cell(Some(0.5), false),
                            cell(None, false),
                        ],
                    },
                    LoadRow {
                        label: "Bob".into(),
                        cells: vec![
                            cell(Some(0.0), false),
                            cell(Some(1.0), false),
                            cell(Some(0.2), false),
                        ],
                    },
                ],
            },
            LoadPanel {
                title: "After".into(),
                rows: vec![LoadRow {
                    label: "Ana".into(),
                    cells: vec![
                        cell(Some(1.0), false),
                        cell(Some(1.0), false),
                        cell(None, false),
                    ],
                }],
            },
        ],
    };
    let svg = load_svg(&chart);
    let document = roxmltree::Document::parse(&svg).expect("valid XML");
    let cells = document
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.children().any(|c| c.has_tag_name("title")))
        .count();
    assert_eq!(cells, 9, "three rows of three periods");
    let marks = document
        .descendants()
        .filter(|n| n.has_tag_name("text") && n.text() == Some("!"))
        .count();
    assert_eq!(marks, 1, "only Ana's first week is over-allocated");
    assert!(svg.contains("Team &lt;load&gt;"));
    assert_eq!(svg, load_svg(&chart), "deterministic");
}

#[test]
fn forecast_chart_draws_bars_marks_and_the_deadline() {
    use waymark_report::{forecast_svg, ForecastChart};
    let durations: Vec<f64> = (0..1000)
        .map(|i| 20.0 + f64::from(i % 100) / 10.0)
        .collect();
    let mut sorted = durations.clone();
    sorted.sort_by(f64::total_cmp);
    let chart = ForecastChart {
        title: "Launch <forecast>".into(),
        durations: sorted,
        marks: vec![
            ("P50".into(), 25.0, "2027-02-01".into()),
            ("P80".into(), 28.0, "2027-02-04".into()),
        ],
        deadline: Some((27.0, "2027-02-03".into())),
    };
    let svg = forecast_svg(&chart);
    let document = roxmltree::Document::parse(&svg).expect("valid XML");
    let bars = document
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("fill").is_none())
        .count();
    assert!(bars >= 30, "{bars} histogram bars");
    assert!(svg.contains(">P80<") && svg.contains("deadline 2027-02-03"));
    assert!(svg.contains("Launch &lt;forecast&gt;"));
    assert_eq!(svg, forecast_svg(&chart));
    let empty = ForecastChart {
        durations: Vec::new(),
        ..chart
    };
    assert!(roxmltree::Document::parse(&forecast_svg(&empty)).is_ok());
}

/// A plan of the repository's examples, read and scheduled.
fn example(name: &str) -> (waymark_core::Plan, waymark_core::Schedule) {
    let path = format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    let plan = waymark_formats::plan::read_plan(&text).unwrap().plan;
    let schedule = waymark_core::schedule(&plan).unwrap();
    (plan, schedule)
}

#[test]
fn gantt_rows_and_the_schedule_document_agree_on_every_task() {
    // The SVG draws `gantt_chart`'s rows, the web timeline the schedule document: the same
    // kinds, depths and dates for every task of every example.
    for name in [
        "crm-rollout.plan.toml",
        "mobile-app.plan.toml",
        "website-launch.plan.toml",
    ] {
        let (mut plan, schedule) = example(name);
        let chart = waymark_report::gantt_chart(&plan, &schedule);
        let document = waymark_report::json::schedule_json(&plan, &schedule);
        assert_eq!(chart.rows.len(), document.tasks.len(), "{name}");
        assert_eq!(chart.links.len(), plan.links.len(), "{name}");
        for (row, task) in chart.rows.iter().zip(&document.tasks) {
            assert_eq!(row.id, task.id);
            assert_eq!(
                row.kind == BarKind::Summary,
                task.summary,
                "{name} {}",
                task.id
            );
            assert_eq!(
                row.kind == BarKind::Milestone,
                task.milestone,
                "{name} {}",
                task.id
            );
            assert_eq!(row.depth + 1, task.outline_level, "{name} {}", task.id);
            let format = "%Y-%m-%dT%H:%M:%S";
            assert_eq!(row.start.format(format).to_string(), task.start);
            assert_eq!(row.finish.format(format).to_string(), task.finish);
            assert_eq!(row.critical, task.critical);
            let label = if task.name.is_empty() {
                &task.id
            } else {
                &task.name
            };
            assert_eq!(&row.label, label);
        }
        let kinds: std::collections::BTreeSet<_> = chart
            .rows
            .iter()
            .map(|row| format!("{:?}", row.kind))
            .collect();
        assert!(
            kinds.len() >= 2,
            "{name} has summaries or milestones: {kinds:?}"
        );
        // A summary flagged as a milestone is drawn as a summary by both.
        if let Some(index) = schedule.tasks.iter().position(|t| t.summary) {
            plan.tasks[index].milestone = true;
            let chart = waymark_report::gantt_chart(&plan, &schedule);
            let document = waymark_report::json::schedule_json(&plan, &schedule);
            assert_eq!(chart.rows[index].kind, BarKind::Summary);
            assert!(document.tasks[index].summary && !document.tasks[index].milestone);
        }
    }
}

#[test]
fn load_cells_by_the_one_rule() {
    use waymark_core::load::{over_allocated, PeriodLoad};
    use waymark_report::LoadCell;
    // (allocated, capacity minutes, peak units, units) -> (percent, text, compact text, over)
    let cases = [
        ((0.0, 2400.0, 0.0, 1.0), (Some(0), "·", "·", false)),
        ((1200.0, 2400.0, 1.0, 1.0), (Some(50), "50 %", "50%", false)),
        (
            (2400.0, 2400.0, 1.0, 1.0),
            (Some(100), "100 %", "100%", false),
        ),
        (
            (2400.0, 2400.0, 2.0, 1.0),
            (Some(100), "100 %", "100%", true),
        ),
        (
            (2880.0, 2400.0, 1.0, 1.0),
            (Some(120), "120 %", "120%", true),
        ),
        ((6.0, 2400.0, 1.0, 1.0), (Some(0), "·", "·", false)),
        ((3.0, 1200.0, 0.5, 0.5), (Some(0), "·", "·", false)),
        ((0.0, 0.0, 0.0, 1.0), (None, "–", "–", false)),
        ((480.0, 0.0, 1.0, 1.0), (None, "∞", "∞", true)),
        // 0.5 % rounds to even (0), 1.5 % to 2, as the page has always shown them.
        ((12.0, 2400.0, 1.0, 1.0), (Some(0), "·", "·", false)),
        ((36.0, 2400.0, 1.0, 1.0), (Some(2), "2 %", "2%", false)),
    ];
    for ((allocated, capacity, peak, units), (percent, text, compact, over)) in cases {
        let hundredths = waymark_core::load::hundredths;
        let period = PeriodLoad {
            start: 0,
            allocated_minutes: allocated,
            capacity_minutes: capacity,
            peak_units: peak,
            over_allocated: over_allocated(
                hundredths(peak),
                hundredths(units),
                allocated,
                capacity,
            ),
        };
        let cell = LoadCell::of(&period);
        let case = format!("{allocated} of {capacity} minutes, peak {peak} of {units}");
        assert_eq!(cell.percent(), percent, "{case}");
        assert_eq!(cell.text(false), text, "{case}");
        assert_eq!(cell.text(true), compact, "{case}");
        assert_eq!(cell.over_allocated, over, "{case}");
    }
}
