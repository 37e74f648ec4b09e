//! The Gantt chart as a standalone SVG document.
//!
//! The caller describes the chart with [`GanttChart`]: one [`GanttRow`] per WBS line, in
//! outline order, with dates already scheduled, and the dependencies between rows. The chart
//! draws indented labels on the left and bars on a dated axis whose unit (days, weeks, months,
//! quarters) is chosen from the span so that axis labels never overlap. Row height and font
//! shrink with the number of rows so a 2,000-task plan stays legible when zoomed and the file
//! stays small. Output is deterministic: rows and links are drawn in the order given and every
//! number is written with [`num`]'s fixed rounding.

use std::fmt::Write;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use waymark_core::LinkKind;

use crate::svg::{escape, fit, num, text_width};

/// The input of [`gantt_svg`].
#[derive(Clone, Debug, PartialEq)]
pub struct GanttChart {
    pub title: String,
    /// WBS lines in outline order (a summary before its children).
    pub rows: Vec<GanttRow>,
    pub links: Vec<GanttLink>,
    /// Drawn as a dashed vertical line, "as of" this instant.
    pub status_date: Option<NaiveDateTime>,
    /// The project's committed finish, drawn as a dashed red line.
    pub deadline: Option<NaiveDateTime>,
}

/// How a row's bar is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BarKind {
    Task,
    /// A WBS parent: drawn as a bracket spanning its children.
    Summary,
    /// Drawn as a diamond at `start`.
    Milestone,
}

/// One line of the chart.
#[derive(Clone, Debug, PartialEq)]
pub struct GanttRow {
    /// The task's id, written as `data-id` so a web page can find the bar.
    pub id: String,
    pub label: String,
    /// Outline depth, 0 for top-level tasks; labels are indented by it.
    pub depth: usize,
    pub kind: BarKind,
    pub start: NaiveDateTime,
    pub finish: NaiveDateTime,
    pub critical: bool,
    /// Share done, 0..1; drawn as a darker part of the bar.
    pub progress: f64,
    /// Total float in working minutes; shown in the bar's tooltip.
    pub total_float_minutes: i64,
    /// Where the task could have started before resource levelling delayed it; drawn as a
    /// dashed line from there to the bar.
    pub delayed_from: Option<NaiveDateTime>,
}

/// A dependency between two rows: `to` depends on `from` (indices into [`GanttChart::rows`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GanttLink {
    pub from: usize,
    pub to: usize,
    pub kind: LinkKind,
}

/// The unit of the time axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TimeScale {
    Days,
    Weeks,
    Months,
    Quarters,
}

/// Links beyond this many are not drawn (the tooltip-free arrows of a huge plan are noise and
/// bytes); the chart's description says how many were left out.
pub const MAX_DRAWN_LINKS: usize = 4000;

/// The axis unit for a chart spanning `start..finish`: days up to six weeks, weeks up to about
/// seven months, months up to two years, quarters beyond.
pub fn time_scale(start: NaiveDateTime, finish: NaiveDateTime) -> TimeScale {
    let days = (finish - start).num_minutes() as f64 / 1440.0;
    if days <= 42.0 {
        TimeScale::Days
    } else if days <= 215.0 {
        TimeScale::Weeks
    } else if days <= 732.0 {
        TimeScale::Months
    } else {
        TimeScale::Quarters
    }
}

impl TimeScale {
    /// The first boundary of this unit at or before `date`.
    fn floor(self, date: NaiveDate) -> NaiveDate {
        match self {
            TimeScale::Days => date,
            TimeScale::Weeks => {
                date - Duration::days(i64::from(date.weekday().num_days_from_monday()))
            }
            TimeScale::Months => first_of_month(date.year(), date.month()),
            TimeScale::Quarters => first_of_month(date.year(), (date.month() - 1) / 3 * 3 + 1),
        }
    }

    /// The boundary one unit after the boundary `date`.
    fn next(self, date: NaiveDate) -> NaiveDate {
        match self {
            TimeScale::Days => date + Duration::days(1),
            TimeScale::Weeks => date + Duration::days(7),
            TimeScale::Months => add_months(date, 1),
            TimeScale::Quarters => add_months(date, 3),
        }
    }

    /// Preferred width of one unit in pixels, given how many units the chart spans: wide
    /// enough for its label, narrow enough that a typical plan fits a screen.
    fn unit_width(self, units: f64) -> f64 {
        let (minimum, maximum) = match self {
            TimeScale::Days => (22.0, 40.0),
            TimeScale::Weeks => (36.0, 90.0),
            TimeScale::Months => (44.0, 120.0),
            TimeScale::Quarters => (44.0, 150.0),
        };
        (1100.0 / units.max(1.0)).clamp(minimum, maximum)
    }

    /// Average days in one unit, to turn a unit width into pixels per day.
    fn days(self) -> f64 {
        match self {
            TimeScale::Days => 1.0,
            TimeScale::Weeks => 7.0,
            TimeScale::Months => 30.44,
            TimeScale::Quarters => 91.31,
        }
    }
}

fn first_of_month(year: i32, month: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(NaiveDate::MIN)
}

fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    let index = date.year() * 12 + date.month() as i32 - 1 + months as i32;
    first_of_month(index.div_euclid(12), index.rem_euclid(12) as u32 + 1)
}

fn midnight(date: NaiveDate) -> NaiveDateTime {
    date.and_time(NaiveTime::MIN)
}

/// Sizes that depend on how many rows there are.
struct Density {
    row_height: f64,
    bar_height: f64,
    font: f64,
    link_width: f64,
    /// Whether to write small notes (progress, milestone dates) beside bars.
    notes: bool,
}

fn density(rows: usize) -> Density {
    match rows {
        0..=40 => Density {
            row_height: 26.0,
            bar_height: 14.0,
            font: 12.0,
            link_width: 1.0,
            notes: true,
        },
        41..=150 => Density {
            row_height: 20.0,
            bar_height: 11.0,
            font: 11.0,
            link_width: 0.9,
            notes: true,
        },
        151..=500 => Density {
            row_height: 15.0,
            bar_height: 8.0,
            font: 10.0,
            link_width: 0.7,
            notes: false,
        },
        _ => Density {
            row_height: 12.0,
            bar_height: 7.0,
            font: 9.0,
            link_width: 0.5,
            notes: false,
        },
    }
}

/// Where everything goes.
struct Layout {
    scale: TimeScale,
    origin: NaiveDateTime,
    end: NaiveDateTime,
    pixels_per_day: f64,
    density: Density,
    /// Width of the label column; the time axis starts here.
    body_left: f64,
    /// Top of the flag strip that holds the status-date and deadline labels.
    flags_top: f64,
    header_top: f64,
    body_top: f64,
    body_bottom: f64,
    width: f64,
    height: f64,
}

const MARGIN: f64 = 16.0;
const HEADER_BAND: f64 = 18.0;
const FLAG_LINE: f64 = 15.0;

impl Layout {
    fn x(&self, instant: NaiveDateTime) -> f64 {
        self.body_left + (instant - self.origin).num_minutes() as f64 / 1440.0 * self.pixels_per_day
    }

    fn row_top(&self, row: usize) -> f64 {
        self.body_top + row as f64 * self.density.row_height
    }

    fn row_middle(&self, row: usize) -> f64 {
        self.row_top(row) + self.density.row_height / 2.0
    }

    fn body_right(&self) -> f64 {
        self.x(self.end)
    }
}

/// The chart as an SVG document.
pub fn gantt_svg(chart: &GanttChart) -> String {
    let rows = normalised_rows(&chart.rows);
    let Some((first, last)) = date_range(&rows) else {
        return empty_chart(&chart.title);
    };
    let layout = layout(chart, &rows, first, last);
    let mut out = String::with_capacity(4096 + rows.len() * 420 + chart.links.len() * 80);
    let drawn_links = chart.links.len().min(MAX_DRAWN_LINKS);

    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-labelledby=\"chart-title chart-desc\">",
        w = num(layout.width),
        h = num(layout.height)
    );
    let _ = writeln!(
        out,
        "<title id=\"chart-title\">{}</title>",
        escape(&chart.title)
    );
    let mut description = format!(
        "Gantt chart of {} rows from {} to {}",
        rows.len(),
        long_date(first),
        long_date(last)
    );
    if drawn_links < chart.links.len() {
        let _ = write!(
            description,
            "; {} of {} dependencies drawn",
            drawn_links,
            chart.links.len()
        );
    }
    let _ = writeln!(
        out,
        "<desc id=\"chart-desc\">{}</desc>",
        escape(&description)
    );
    write_style(&mut out, &layout);
    write_defs(&mut out, &layout);
    let _ = writeln!(
        out,
        "<rect class=\"bg\" width=\"{}\" height=\"{}\"/>",
        num(layout.width),
        num(layout.height)
    );
    write_heading(&mut out, chart, &rows, first, last);
    write_axis(&mut out, &layout);
    write_labels(&mut out, &rows, &layout);
    write_links(&mut out, &rows, &chart.links[..drawn_links], &layout);
    write_bars(&mut out, &rows, &layout);
    write_markers(&mut out, chart, &layout);
    out.push_str("</svg>\n");
    out
}

/// Rows with the inputs a chart cannot draw made drawable: finish never before start,
/// progress within 0..1, a milestone's finish equal to its start.
fn normalised_rows(rows: &[GanttRow]) -> Vec<GanttRow> {
    rows.iter()
        .map(|row| {
            let mut row = row.clone();
            if row.finish < row.start || row.kind == BarKind::Milestone {
                row.finish = row.start;
            }
            row.progress = if row.progress.is_finite() {
                row.progress.clamp(0.0, 1.0)
            } else {
                0.0
            };
            row
        })
        .collect()
}

/// The earliest and latest instant the chart must show.
fn date_range(rows: &[GanttRow]) -> Option<(NaiveDateTime, NaiveDateTime)> {
    let first = rows.iter().map(|row| row.start).min()?;
    let last = rows.iter().map(|row| row.finish).max()?;
    Some((first, last))
}

fn layout(
    chart: &GanttChart,
    rows: &[GanttRow],
    first: NaiveDateTime,
    last: NaiveDateTime,
) -> Layout {
    let mut lower = first;
    let mut upper = last;
    for marker in [chart.status_date, chart.deadline].into_iter().flatten() {
        lower = lower.min(marker);
        upper = upper.max(marker);
    }
    let scale = time_scale(lower, upper);
    let origin_date = scale.floor(lower.date());
    let mut end_date = scale.next(scale.floor(upper.date()));
    // Leave room after the last bar for a milestone's diamond and its date note.
    if midnight(end_date) - upper < Duration::days(scale.days().ceil() as i64) / 4 {
        end_date = scale.next(end_date);
    }
    let origin = midnight(origin_date);
    let end = midnight(end_date);
    let days = (end - origin).num_days() as f64;
    let units = days / scale.days();
    let pixels_per_day = scale.unit_width(units) / scale.days();

    let density = density(rows.len());
    let indent = density.font;
    let widest_label = rows
        .iter()
        .map(|row| {
            let bold = if row.kind == BarKind::Summary {
                1.06
            } else {
                1.0
            };
            row.depth.min(12) as f64 * indent + text_width(&row.label, density.font) * bold
        })
        .fold(0.0, f64::max);
    let body_left = (MARGIN + widest_label + 16.0).clamp(160.0, 380.0);
    let body_width = days * pixels_per_day;
    let minimum_width =
        (text_width(&chart.title, 18.0) + 2.0 * MARGIN).max(legend_width() + 2.0 * MARGIN);
    let width = (body_left + body_width + MARGIN * 1.5).max(minimum_width);

    let flags = [chart.status_date, chart.deadline].iter().flatten().count() as f64;
    let flags_top = 78.0;
    let header_top = flags_top + flags * FLAG_LINE + 4.0;
    let body_top = header_top + 2.0 * HEADER_BAND;
    let body_bottom = body_top + rows.len() as f64 * density.row_height;
    Layout {
        scale,
        origin,
        end,
        pixels_per_day,
        body_left,
        flags_top,
        header_top,
        body_top,
        body_bottom,
        width,
        height: body_bottom + MARGIN,
        density,
    }
}

fn write_style(out: &mut String, layout: &Layout) {
    let font = layout.density.font;
    let _ = writeln!(
        out,
        "<style>\n\
text{{font-family:'Inter','Segoe UI','Helvetica Neue',Arial,sans-serif;fill:#1f2328}}\n\
.bg{{fill:#fff}}\n\
.ttl{{font-size:18px;font-weight:600}}\n\
.sub{{font-size:12px;fill:#59636e}}\n\
.lg{{font-size:11px;fill:#3d444d}}\n\
.ax{{font-size:11px;fill:#59636e}}\n\
.ax2{{font-size:11px;font-weight:600;fill:#3d444d}}\n\
.lbl{{font-size:{font}px}}\n\
.lbl.s{{font-weight:600}}\n\
.note{{font-size:{note}px;fill:#59636e}}\n\
.stripe{{fill:url(#stripes)}}\n\
.we{{fill:#f3f4f7}}\n\
.grid{{stroke:#e6e8ec;stroke-width:1}}\n\
.grid2{{stroke:#cdd2d9;stroke-width:1}}\n\
.frame{{fill:none;stroke:#cdd2d9;stroke-width:1}}\n\
.head{{fill:#f7f8fa}}\n\
.task .b{{fill:#8fb3e3}}\n\
.task .p{{fill:#2f64ad}}\n\
.task.critical .b{{fill:#f0a29b}}\n\
.task.critical .p{{fill:#c23b30}}\n\
.summary .b{{fill:#3a4049}}\n\
.summary.critical .b{{fill:#8c2a22}}\n\
.milestone .b{{fill:#3a4049}}\n\
.milestone.critical .b{{fill:#c23b30}}\n\
.ln{{fill:none;stroke:#8a919c;stroke-width:{link};marker-end:url(#arrow)}}\n\
.ln.c{{stroke:#c23b30;marker-end:url(#arrow-critical)}}\n\
.status{{stroke:#d9820b;stroke-width:1.5;stroke-dasharray:5 3}}\n\
.deadline{{stroke:#c23b30;stroke-width:1.5;stroke-dasharray:2 3}}\n\
.flag{{font-size:11px;font-weight:600}}\n\
.flag.status{{fill:#b56a00;stroke:none}}\n\
.flag.deadline{{fill:#c23b30;stroke:none}}\n\
</style>",
        font = num(font),
        note = num(font - 1.0),
        link = num(layout.density.link_width),
    );
}

fn write_defs(out: &mut String, layout: &Layout) {
    let row = num(layout.density.row_height);
    let double = num(layout.density.row_height * 2.0);
    let _ = writeln!(
        out,
        "<defs>\n\
<marker id=\"arrow\" viewBox=\"0 0 8 8\" refX=\"8\" refY=\"4\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\"><path d=\"M0,0L8,4L0,8z\" fill=\"#8a919c\"/></marker>\n\
<marker id=\"arrow-critical\" viewBox=\"0 0 8 8\" refX=\"8\" refY=\"4\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\"><path d=\"M0,0L8,4L0,8z\" fill=\"#c23b30\"/></marker>\n\
<pattern id=\"stripes\" width=\"8\" height=\"{double}\" patternUnits=\"userSpaceOnUse\" y=\"{top}\"><rect width=\"8\" height=\"{row}\" fill=\"#fff\"/><rect y=\"{row}\" width=\"8\" height=\"{row}\" fill=\"#f8f9fb\"/></pattern>\n\
</defs>",
        top = num(layout.body_top),
    );
}

/// Title, date range and legend.
fn write_heading(
    out: &mut String,
    chart: &GanttChart,
    rows: &[GanttRow],
    first: NaiveDateTime,
    last: NaiveDateTime,
) {
    let _ = writeln!(
        out,
        "<text class=\"ttl\" x=\"{}\" y=\"28\">{}</text>",
        num(MARGIN),
        escape(&chart.title)
    );
    let tasks = rows.iter().filter(|row| row.kind == BarKind::Task).count();
    let milestones = rows
        .iter()
        .filter(|row| row.kind == BarKind::Milestone)
        .count();
    let critical = rows
        .iter()
        .filter(|row| row.critical && row.kind != BarKind::Summary)
        .count();
    let mut subtitle = format!(
        "{} – {} · {} {} · {} {} · {} critical",
        long_date(first),
        long_date(last),
        tasks,
        plural(tasks, "task", "tasks"),
        milestones,
        plural(milestones, "milestone", "milestones"),
        critical
    );
    if let Some(status) = chart.status_date {
        let _ = write!(subtitle, " · status as of {}", long_date(status));
    }
    let _ = writeln!(
        out,
        "<text class=\"sub\" x=\"{}\" y=\"48\">{}</text>",
        num(MARGIN),
        escape(&subtitle)
    );
    write_legend(out);
}

fn plural<'a>(count: usize, one: &'a str, many: &'a str) -> &'a str {
    if count == 1 {
        one
    } else {
        many
    }
}

const LEGEND: [&str; 8] = [
    "Task",
    "Critical task",
    "Done",
    "Summary",
    "Milestone",
    "Dependency",
    "Status date",
    "Deadline",
];

fn legend_width() -> f64 {
    LEGEND
        .iter()
        .map(|label| 26.0 + text_width(label, 11.0) + 14.0)
        .sum()
}

fn write_legend(out: &mut String) {
    out.push_str("<g class=\"legend\">\n");
    let mut x = MARGIN;
    let y = 64.0;
    for (index, label) in LEGEND.iter().enumerate() {
        let swatch = match index {
            0 => format!(
                "<g class=\"task\"><rect class=\"b\" x=\"{}\" y=\"{}\" width=\"20\" height=\"10\" rx=\"2\"/></g>",
                num(x),
                num(y - 5.0)
            ),
            1 => format!(
                "<g class=\"task critical\"><rect class=\"b\" x=\"{}\" y=\"{}\" width=\"20\" height=\"10\" rx=\"2\"/></g>",
                num(x),
                num(y - 5.0)
            ),
            2 => format!(
                "<g class=\"task\"><rect class=\"b\" x=\"{x}\" y=\"{y}\" width=\"20\" height=\"10\" rx=\"2\"/><rect class=\"p\" x=\"{x}\" y=\"{y}\" width=\"11\" height=\"10\" rx=\"2\"/></g>",
                x = num(x),
                y = num(y - 5.0)
            ),
            3 => format!(
                "<g class=\"summary\"><path class=\"b\" d=\"{}\"/></g>",
                bracket_path(x, x + 20.0, y - 4.0, 4.0, 4.0)
            ),
            4 => format!(
                "<g class=\"milestone\"><path class=\"b\" d=\"{}\"/></g>",
                diamond_path(x + 10.0, y, 6.0)
            ),
            5 => format!(
                "<path class=\"ln\" d=\"M{},{}H{}\"/>",
                num(x),
                num(y),
                num(x + 20.0)
            ),
            6 => format!(
                "<path class=\"status\" d=\"M{x},{top}V{bottom}\"/>",
                x = num(x + 10.0),
                top = num(y - 7.0),
                bottom = num(y + 7.0)
            ),
            _ => format!(
                "<path class=\"deadline\" d=\"M{x},{top}V{bottom}\"/>",
                x = num(x + 10.0),
                top = num(y - 7.0),
                bottom = num(y + 7.0)
            ),
        };
        out.push_str(&swatch);
        let _ = writeln!(
            out,
            "<text class=\"lg\" x=\"{}\" y=\"{}\">{}</text>",
            num(x + 26.0),
            num(y + 4.0),
            label
        );
        x += 26.0 + text_width(label, 11.0) + 14.0;
    }
    out.push_str("</g>\n");
}

/// Row stripes, weekends, the two-band date header and its grid lines.
fn write_axis(out: &mut String, layout: &Layout) {
    let left = layout.body_left;
    let right = layout.body_right();
    let top = layout.header_top;
    let bottom = layout.body_bottom;
    let _ = writeln!(
        out,
        "<rect class=\"stripe\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
        num(MARGIN / 2.0),
        num(layout.body_top),
        num(right - MARGIN / 2.0),
        num(bottom - layout.body_top)
    );
    let _ = writeln!(
        out,
        "<rect class=\"head\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
        num(MARGIN / 2.0),
        num(top),
        num(right - MARGIN / 2.0),
        num(2.0 * HEADER_BAND)
    );

    // Weekends: cheap at these scales (at most a few dozen rectangles) and they make the
    // working rhythm visible.
    if matches!(layout.scale, TimeScale::Days | TimeScale::Weeks) {
        out.push_str("<g class=\"weekends\">");
        let mut day = layout.origin.date();
        while midnight(day) < layout.end {
            if day.weekday() == Weekday::Sat {
                let start = layout.x(midnight(day));
                let finish = layout.x(midnight(day + Duration::days(2)).min(layout.end));
                let _ = write!(
                    out,
                    "<rect class=\"we\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
                    num(start),
                    num(top + HEADER_BAND),
                    num(finish - start),
                    num(bottom - top - HEADER_BAND)
                );
            }
            day += Duration::days(1);
        }
        out.push_str("</g>\n");
    }

    // Lower band: one cell per unit; upper band: months (for days and weeks) or years.
    out.push_str("<g class=\"axis\">\n");
    let lower_y = top + HEADER_BAND;
    let mut boundary = layout.origin.date();
    while midnight(boundary) < layout.end {
        let next = layout.scale.next(boundary);
        let x0 = layout.x(midnight(boundary));
        let x1 = layout.x(midnight(next).min(layout.end));
        let _ = write!(
            out,
            "<path class=\"grid\" d=\"M{x},{y0}V{y1}\"/>",
            x = num(x0),
            y0 = num(lower_y),
            y1 = num(bottom)
        );
        let label = match layout.scale {
            TimeScale::Days | TimeScale::Weeks => boundary.day().to_string(),
            TimeScale::Months => boundary.format("%b").to_string(),
            TimeScale::Quarters => format!("Q{}", (boundary.month() - 1) / 3 + 1),
        };
        if text_width(&label, 11.0) + 4.0 <= x1 - x0 {
            let _ = writeln!(
                out,
                "<text class=\"ax\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                num((x0 + x1) / 2.0),
                num(lower_y + 13.0),
                label
            );
        } else {
            out.push('\n');
        }
        boundary = next;
    }

    // Months above days and weeks, years above months and quarters.
    let by_month = matches!(layout.scale, TimeScale::Days | TimeScale::Weeks);
    let mut boundary = layout.origin.date();
    while midnight(boundary) < layout.end {
        let next = if by_month {
            add_months(first_of_month(boundary.year(), boundary.month()), 1)
        } else {
            first_of_month(boundary.year() + 1, 1)
        };
        let x0 = layout.x(midnight(boundary));
        let x1 = layout.x(midnight(next).min(layout.end));
        if boundary != layout.origin.date() {
            let _ = write!(
                out,
                "<path class=\"grid2\" d=\"M{x},{y0}V{y1}\"/>",
                x = num(x0),
                y0 = num(top),
                y1 = num(bottom)
            );
        }
        let candidates = if by_month {
            vec![
                boundary.format("%B %Y").to_string(),
                boundary.format("%b %Y").to_string(),
                boundary.format("%b").to_string(),
            ]
        } else {
            vec![boundary.year().to_string()]
        };
        if let Some(label) = candidates
            .iter()
            .find(|label| text_width(label, 11.0) + 8.0 <= x1 - x0)
        {
            let _ = writeln!(
                out,
                "<text class=\"ax2\" x=\"{}\" y=\"{}\">{}</text>",
                num(x0 + 4.0),
                num(top + 13.0),
                label
            );
        } else {
            out.push('\n');
        }
        boundary = next;
    }
    let _ = writeln!(
        out,
        "<path class=\"grid2\" d=\"M{l},{y}H{r}\"/><path class=\"grid2\" d=\"M{m},{y2}H{r}\"/>",
        l = num(MARGIN / 2.0),
        m = num(left),
        r = num(right),
        y = num(layout.body_top),
        y2 = num(lower_y)
    );
    let _ = writeln!(
        out,
        "<rect class=\"frame\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/><path class=\"grid2\" d=\"M{},{}V{}\"/>",
        num(MARGIN / 2.0),
        num(top),
        num(right - MARGIN / 2.0),
        num(bottom - top),
        num(left),
        num(top),
        num(bottom)
    );
    let _ = writeln!(
        out,
        "<text class=\"ax2\" x=\"{}\" y=\"{}\">Task</text>",
        num(MARGIN),
        num(lower_y + 13.0)
    );
    out.push_str("</g>\n");
}

fn write_labels(out: &mut String, rows: &[GanttRow], layout: &Layout) {
    let font = layout.density.font;
    out.push_str("<g class=\"labels\">\n");
    for (index, row) in rows.iter().enumerate() {
        let indent = row.depth.min(12) as f64 * font;
        let x = MARGIN + indent;
        let room = layout.body_left - x - 8.0;
        let bold = row.kind == BarKind::Summary;
        let label = fit(&row.label, room / if bold { 1.06 } else { 1.0 }, font);
        let _ = writeln!(
            out,
            "<text class=\"lbl{}\" x=\"{}\" y=\"{}\">{}</text>",
            if bold { " s" } else { "" },
            num(x),
            num(layout.row_middle(index) + font * 0.36),
            escape(&label)
        );
    }
    out.push_str("</g>\n");
}

/// Horizontal and vertical extent of a row's shape, for bars and link anchors.
struct Shape {
    /// Where links attach at the start and at the finish.
    start_x: f64,
    finish_x: f64,
    /// The height at which links attach.
    middle: f64,
    /// Top and bottom edges, for links that enter from above or below.
    top: f64,
    bottom: f64,
}

impl Shape {
    /// Where a link attaches: at the finish or the start, heading right or left.
    fn anchor(&self, at_finish: bool, rightwards: bool) -> Anchor {
        Anchor {
            x: if at_finish {
                self.finish_x
            } else {
                self.start_x
            },
            y: self.middle,
            direction: if rightwards { 1.0 } else { -1.0 },
        }
    }
}

fn shape(rows: &[GanttRow], index: usize, layout: &Layout) -> Shape {
    let row = &rows[index];
    let middle = layout.row_middle(index);
    let bar = layout.density.bar_height;
    let start = layout.x(row.start);
    let finish = layout.x(row.finish).max(start);
    match row.kind {
        BarKind::Task => Shape {
            start_x: start,
            finish_x: finish,
            middle,
            top: middle - bar / 2.0,
            bottom: middle + bar / 2.0,
        },
        BarKind::Summary => {
            let top = middle - bar / 2.0;
            Shape {
                start_x: start,
                finish_x: finish,
                middle: top + bar * 0.2,
                top,
                bottom: top + bar * 0.4,
            }
        }
        BarKind::Milestone => {
            let half = milestone_half(layout);
            Shape {
                start_x: start - half,
                finish_x: start + half,
                middle,
                top: middle - half,
                bottom: middle + half,
            }
        }
    }
}

fn milestone_half(layout: &Layout) -> f64 {
    layout.density.bar_height * 0.62
}

/// A summary bracket: a thin bar with a downward point at each end.
fn bracket_path(x0: f64, x1: f64, top: f64, thickness: f64, point: f64) -> String {
    let point = point.min((x1 - x0) / 2.0).max(0.0);
    format!(
        "M{x0},{top}H{x1}V{tip}L{inner1},{base}H{inner0}L{x0},{tip}Z",
        x0 = num(x0),
        x1 = num(x1),
        top = num(top),
        tip = num(top + thickness + point),
        base = num(top + thickness),
        inner0 = num(x0 + point),
        inner1 = num(x1 - point),
    )
}

fn diamond_path(x: f64, y: f64, half: f64) -> String {
    format!(
        "M{x},{top}L{right},{y}L{x},{bottom}L{left},{y}Z",
        x = num(x),
        y = num(y),
        top = num(y - half),
        bottom = num(y + half),
        left = num(x - half),
        right = num(x + half),
    )
}

fn write_bars(out: &mut String, rows: &[GanttRow], layout: &Layout) {
    let bar = layout.density.bar_height;
    let radius = num((bar / 6.0).min(2.5));
    out.push_str("<g class=\"bars\">\n");
    for (index, row) in rows.iter().enumerate() {
        let shape = shape(rows, index, layout);
        if let Some(from) = row.delayed_from.filter(|&from| from < row.start) {
            let _ = write!(
                out,
                "<line class=\"delay\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" \
                 stroke=\"#b45309\" stroke-width=\"1.5\" stroke-dasharray=\"3 2\">\
                 <title>levelling delay from {}</title></line>",
                num(layout.x(from)),
                num(shape.middle),
                num(shape.start_x),
                num(shape.middle),
                from.format("%Y-%m-%d %H:%M")
            );
        }
        let class = match row.kind {
            BarKind::Task => "task",
            BarKind::Summary => "summary",
            BarKind::Milestone => "milestone",
        };
        let _ = write!(
            out,
            "<g class=\"bar {}{}\" data-id=\"{}\"><title>{}</title>",
            class,
            if row.critical { " critical" } else { "" },
            escape(&row.id),
            escape(&tooltip(row))
        );
        match row.kind {
            BarKind::Task => {
                let width = (shape.finish_x - shape.start_x).max(1.0);
                let _ = write!(
                    out,
                    "<rect class=\"b\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{}\"/>",
                    num(shape.start_x),
                    num(shape.top),
                    num(width),
                    num(bar),
                    radius
                );
                if row.progress > 0.0 {
                    let _ = write!(
                        out,
                        "<rect class=\"p\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{}\"/>",
                        num(shape.start_x),
                        num(shape.top),
                        num((width * row.progress).max(1.0)),
                        num(bar),
                        radius
                    );
                }
            }
            BarKind::Summary => {
                let _ = write!(
                    out,
                    "<path class=\"b\" d=\"{}\"/>",
                    bracket_path(
                        shape.start_x,
                        shape.finish_x.max(shape.start_x + 2.0),
                        shape.top,
                        bar * 0.4,
                        bar * 0.45
                    )
                );
            }
            BarKind::Milestone => {
                let half = milestone_half(layout);
                let _ = write!(
                    out,
                    "<path class=\"b\" d=\"{}\"/>",
                    diamond_path(layout.x(row.start), shape.middle, half)
                );
            }
        }
        out.push_str("</g>");
        if layout.density.notes {
            let note = match row.kind {
                BarKind::Milestone => Some(short_date(row.start)),
                // A finished bar is all dark already; the number only helps part-way.
                BarKind::Task if row.progress > 0.0 && row.progress < 1.0 => {
                    Some(format!("{} %", (row.progress * 100.0).round()))
                }
                _ => None,
            };
            if let Some(note) = note {
                // Past the stub where a link leaves the bar's end, so the two never cross; on
                // the left of the bar when the right would run off the chart.
                let gap = link_gap(layout) + 3.0;
                let width = text_width(&note, layout.density.font - 1.0);
                let (x, anchor) = if shape.finish_x + gap + width <= layout.width - MARGIN / 2.0 {
                    (shape.finish_x + gap, "")
                } else {
                    (shape.start_x - gap, " text-anchor=\"end\"")
                };
                let _ = write!(
                    out,
                    "<text class=\"note\" x=\"{}\" y=\"{}\"{}>{}</text>",
                    num(x),
                    num(shape.middle + layout.density.font * 0.33),
                    anchor,
                    escape(&note)
                );
            }
        }
        out.push('\n');
    }
    out.push_str("</g>\n");
}

/// The accessible name of a bar: what it is and when.
fn tooltip(row: &GanttRow) -> String {
    let mut text = match row.kind {
        BarKind::Milestone => format!("{}: milestone {}", row.label, long_datetime(row.start)),
        _ => format!(
            "{}: {} to {}",
            row.label,
            long_datetime(row.start),
            long_datetime(row.finish)
        ),
    };
    if row.kind != BarKind::Milestone || row.progress > 0.0 {
        let _ = write!(text, ", {} % complete", (row.progress * 100.0).round());
    }
    if row.critical {
        text.push_str(", critical");
    }
    if row.kind != BarKind::Summary {
        let _ = write!(
            text,
            ", total float {} h",
            num(row.total_float_minutes as f64 / 60.0)
        );
    }
    text
}

/// A point where a link leaves or enters a bar, and the direction of travel there: +1 when
/// the line runs to the right, -1 to the left.
#[derive(Clone, Copy)]
struct Anchor {
    x: f64,
    y: f64,
    direction: f64,
}

fn write_links(out: &mut String, rows: &[GanttRow], links: &[GanttLink], layout: &Layout) {
    out.push_str("<g class=\"links\">\n");
    let gap = link_gap(layout);
    for link in links {
        if link.from >= rows.len() || link.to >= rows.len() || link.from == link.to {
            continue;
        }
        let from = shape(rows, link.from, layout);
        let to = shape(rows, link.to, layout);
        // The predecessor's finish (leaving to the right) or start (leaving to the left), and
        // the successor's start (entered from the left) or finish (entered from the right).
        let from_finish = matches!(
            link.kind,
            LinkKind::FinishToStart | LinkKind::FinishToFinish
        );
        let to_start = matches!(link.kind, LinkKind::FinishToStart | LinkKind::StartToStart);
        let source = from.anchor(from_finish, from_finish);
        let target = to.anchor(!to_start, to_start);
        let path = route(source, target, &to, link, gap, layout);
        let critical = rows[link.from].critical && rows[link.to].critical;
        let _ = writeln!(
            out,
            "<path class=\"ln{}\" d=\"{}\"/>",
            if critical { " c" } else { "" },
            path
        );
    }
    out.push_str("</g>\n");
}

/// How far a link runs out of a bar before it turns.
fn link_gap(layout: &Layout) -> f64 {
    (layout.density.row_height * 0.35).clamp(4.0, 8.0)
}

/// A right-angled path from `source` to `target`.
///
/// First choice: one vertical segment between two horizontal stubs. When the successor starts
/// too soon after the predecessor for that (the common finish-to-start case with no gap), the
/// line drops into the top (or bottom) of the successor's bar, as Microsoft Project draws it.
/// Otherwise it doubles back along the row boundary next to the successor.
fn route(
    source: Anchor,
    target: Anchor,
    to: &Shape,
    link: &GanttLink,
    gap: f64,
    layout: &Layout,
) -> String {
    let downwards = link.to > link.from;
    let source_stub = source.x + source.direction * gap;
    let target_stub = target.x - target.direction * gap;
    // The vertical segment must lie beyond the source stub and before the target stub.
    let (mut low, mut high) = (f64::NEG_INFINITY, f64::INFINITY);
    if source.direction > 0.0 {
        low = low.max(source_stub);
    } else {
        high = high.min(source_stub);
    }
    if target.direction > 0.0 {
        high = high.min(target_stub);
    } else {
        low = low.max(target_stub);
    }
    if low <= high {
        let x = source_stub.clamp(low, high);
        return format!(
            "M{},{}H{}V{}H{}",
            num(source.x),
            num(source.y),
            num(x),
            num(target.y),
            num(target.x)
        );
    }
    if link.kind == LinkKind::FinishToStart {
        let edge = if downwards { to.top } else { to.bottom };
        let x = if to.finish_x - to.start_x >= 3.0 * gap {
            source_stub.clamp(to.start_x + gap, to.finish_x - gap)
        } else {
            (to.start_x + to.finish_x) / 2.0
        };
        if x >= source.x {
            return format!(
                "M{},{}H{}V{}",
                num(source.x),
                num(source.y),
                num(x),
                num(edge)
            );
        }
    }
    let row_height = layout.density.row_height;
    let to_top = layout.row_top(link.to);
    let between = if downwards {
        to_top
    } else {
        to_top + row_height
    };
    format!(
        "M{},{}H{}V{}H{}V{}H{}",
        num(source.x),
        num(source.y),
        num(source_stub),
        num(between),
        num(target_stub),
        num(target.y),
        num(target.x)
    )
}

/// The status-date and deadline lines with their labels in the strip above the header.
fn write_markers(out: &mut String, chart: &GanttChart, layout: &Layout) {
    let mut line = 0.0;
    for (class, name, instant) in [
        ("status", "Status", chart.status_date),
        ("deadline", "Deadline", chart.deadline),
    ] {
        let Some(instant) = instant else { continue };
        let x = layout.x(instant);
        let baseline = layout.flags_top + line * FLAG_LINE + 11.0;
        let label = format!("{} {}", name, long_date(instant));
        let fits_right = x + 4.0 + text_width(&label, 11.0) <= layout.width - MARGIN / 2.0;
        let _ = writeln!(
            out,
            "<path class=\"{class}\" d=\"M{x},{top}V{bottom}\"/><text class=\"flag {class}\" x=\"{tx}\" y=\"{y}\"{anchor}>{label}</text>",
            x = num(x),
            top = num(baseline - 10.0),
            bottom = num(layout.body_bottom),
            tx = num(if fits_right { x + 4.0 } else { x - 4.0 }),
            y = num(baseline),
            anchor = if fits_right { "" } else { " text-anchor=\"end\"" },
            label = escape(&label),
        );
        line += 1.0;
    }
}

fn empty_chart(title: &str) -> String {
    let width = (text_width(title, 18.0) + 2.0 * MARGIN).max(320.0);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"80\" viewBox=\"0 0 {w} 80\" role=\"img\" aria-labelledby=\"chart-title\">\n\
<title id=\"chart-title\">{t}</title>\n\
<rect width=\"{w}\" height=\"80\" fill=\"#fff\"/>\n\
<text x=\"16\" y=\"28\" font-family=\"sans-serif\" font-size=\"18\" font-weight=\"600\" fill=\"#1f2328\">{t}</text>\n\
<text x=\"16\" y=\"54\" font-family=\"sans-serif\" font-size=\"12\" fill=\"#59636e\">No tasks to show.</text>\n\
</svg>\n",
        w = num(width),
        t = escape(title)
    )
}

fn long_date(instant: NaiveDateTime) -> String {
    instant.format("%-d %b %Y").to_string()
}

fn short_date(instant: NaiveDateTime) -> String {
    instant.format("%-d %b").to_string()
}

fn long_datetime(instant: NaiveDateTime) -> String {
    instant.format("%a %-d %b %Y %H:%M").to_string()
}
