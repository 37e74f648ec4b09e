//! Resource load as heat-map cells and as an SVG heat map: one row per person, one column per
//! period, the cell's colour the booked share of their working time, over-allocated cells red
//! with a mark. Two panels (for example before and after levelling) share the same columns.
//!
//! [`LoadCell::of`] and [`load_rows`] turn the engine's load (`waymark_core::load`) into cells
//! once, for `waymark load` (its table and its SVG) and the web's resources page; the
//! over-allocation rule is the engine's (`waymark_core::load::over_allocated`).

use crate::svg::{escape, fit, num, text_width};
use std::fmt::Write;
use waymark_core::load::{PeriodLoad, ResourceLoad};
use waymark_core::Plan;

/// One cell: a person in a period.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadCell {
    /// Booked working time divided by available working time (1.0 = fully booked); `None`
    /// when the person has no working time in the period.
    pub share: Option<f64>,
    /// Whether they are over-allocated in the period (`waymark_core::load::over_allocated`).
    pub over_allocated: bool,
}

impl LoadCell {
    /// The cell of one person's load in one period.
    pub fn of(period: &PeriodLoad) -> LoadCell {
        LoadCell {
            share: (period.capacity_minutes > 0.0)
                .then(|| period.allocated_minutes / period.capacity_minutes),
            over_allocated: period.over_allocated,
        }
    }

    /// The booked share in whole percent (halves to even), `None` without working time.
    pub fn percent(&self) -> Option<i64> {
        self.share
            .map(|share| (share * 100.0).round_ties_even() as i64)
    }

    /// The cell as text: `–` no working time and nothing booked, `∞` booked with no working
    /// time, `·` nothing booked, else the percent (`85 %`, or `85%` when `compact`).
    pub fn text(&self, compact: bool) -> String {
        match self.percent() {
            None if self.over_allocated => "∞".to_owned(),
            None => "–".to_owned(),
            Some(0) => "·".to_owned(),
            Some(percent) if compact => format!("{percent}%"),
            Some(percent) => format!("{percent} %"),
        }
    }
}

/// One row per resource of `loads` (the engine's load of `plan`), in the order given, each
/// labelled with the resource's name.
pub fn load_rows(plan: &Plan, loads: &[ResourceLoad]) -> Vec<LoadRow> {
    loads
        .iter()
        .map(|row| LoadRow {
            label: plan.resources[row.resource].name.clone(),
            cells: row.periods.iter().map(LoadCell::of).collect(),
        })
        .collect()
}

/// One person's row.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadRow {
    pub label: String,
    pub cells: Vec<LoadCell>,
}

/// One panel of rows, e.g. "Before levelling".
#[derive(Clone, Debug, PartialEq)]
pub struct LoadPanel {
    pub title: String,
    pub rows: Vec<LoadRow>,
}

/// A heat map of resource load.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadChart {
    pub title: String,
    /// Column headings, one per period (e.g. "03-01" for the week of 1 March).
    pub periods: Vec<String>,
    pub panels: Vec<LoadPanel>,
}

const CELL_WIDTH: f64 = 34.0;
const CELL_HEIGHT: f64 = 20.0;
const FONT: f64 = 11.0;

/// The fill of a cell: white for nothing booked, deepening blue up to fully booked, red beyond.
fn fill(cell: &LoadCell) -> String {
    match cell.share {
        None => "#f3f4f6".to_string(),
        Some(_) if cell.over_allocated => "#dc2626".to_string(),
        Some(share) => {
            let t = share.clamp(0.0, 1.0);
            // From #ffffff to #2563eb.
            let channel = |from: f64, to: f64| (from + (to - from) * t).round() as u8;
            format!(
                "#{:02x}{:02x}{:02x}",
                channel(255.0, 37.0),
                channel(255.0, 99.0),
                channel(255.0, 235.0)
            )
        }
    }
}

/// The heat map as SVG text; deterministic.
pub fn load_svg(chart: &LoadChart) -> String {
    let label_width = chart
        .panels
        .iter()
        .flat_map(|p| p.rows.iter())
        .map(|r| text_width(&r.label, FONT))
        .fold(80.0_f64, f64::max)
        .min(220.0)
        + 16.0;
    let columns = chart.periods.len();
    let width = label_width + columns as f64 * CELL_WIDTH + 16.0;
    let mut height = 48.0;
    for panel in &chart.panels {
        height += 44.0 + panel.rows.len() as f64 * CELL_HEIGHT;
    }
    height += 28.0;
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
         viewBox=\"0 0 {w} {h}\" font-family=\"DejaVu Sans, Arial, sans-serif\" \
         font-size=\"{FONT}\" role=\"img\">\n<title>{t}</title>\n\
         <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n\
         <text x=\"8\" y=\"22\" font-size=\"15\" font-weight=\"bold\">{t}</text>\n",
        w = num(width),
        h = num(height),
        t = escape(&chart.title),
    );
    let mut y = 48.0;
    for panel in &chart.panels {
        let _ = writeln!(
            out,
            "<text x=\"8\" y=\"{}\" font-weight=\"bold\">{}</text>",
            num(y + 12.0),
            escape(&panel.title)
        );
        // Column headings, thinned so they never overlap.
        let step = (text_width("00-00", FONT) / CELL_WIDTH).ceil().max(1.0) as usize;
        for (index, period) in chart.periods.iter().enumerate() {
            if index % step == 0 {
                let _ = writeln!(
                    out,
                    "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#4b5563\">{}</text>",
                    num(label_width + (index as f64 + 0.5) * CELL_WIDTH),
                    num(y + 32.0),
                    escape(period)
                );
            }
        }
        y += 40.0;
        for row in &panel.rows {
            let _ = writeln!(
                out,
                "<text x=\"8\" y=\"{}\">{}</text>",
                num(y + CELL_HEIGHT * 0.7),
                escape(&fit(&row.label, label_width - 16.0, FONT))
            );
            for (index, cell) in row.cells.iter().enumerate() {
                let x = label_width + index as f64 * CELL_WIDTH;
                let share = cell
                    .percent()
                    .map_or("no working time".to_string(), |p| format!("{p} %"));
                let _ = write!(
                    out,
                    "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" \
                     stroke=\"#ffffff\"><title>{}, {}: {}{}</title></rect>",
                    num(x),
                    num(y),
                    num(CELL_WIDTH),
                    num(CELL_HEIGHT),
                    fill(cell),
                    escape(&row.label),
                    escape(chart.periods.get(index).map_or("", String::as_str)),
                    share,
                    if cell.over_allocated {
                        ", over-allocated"
                    } else {
                        ""
                    }
                );
                if cell.over_allocated {
                    let _ = write!(
                        out,
                        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#ffffff\" \
                         font-weight=\"bold\">!</text>",
                        num(x + CELL_WIDTH / 2.0),
                        num(y + CELL_HEIGHT * 0.72)
                    );
                }
                out.push('\n');
            }
            y += CELL_HEIGHT;
        }
        y += 4.0;
    }
    let _ = writeln!(
        out,
        "<text x=\"8\" y=\"{}\" fill=\"#4b5563\">Colour: booked share of working time \
         (white 0 %, blue 100 %); red with ! = booked beyond capacity at some moment.</text>",
        num(y + 18.0)
    );
    out.push_str("</svg>\n");
    out
}
