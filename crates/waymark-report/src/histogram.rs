//! The forecast chart as SVG: a histogram of simulated finishes, the S-curve (cumulative
//! probability) over it, the P50/P80/P95 marks and the deadline.

use crate::svg::{escape, num};
use std::fmt::Write;

/// What to draw. Values are working days from the project start.
#[derive(Clone, Debug, PartialEq)]
pub struct ForecastChart {
    pub title: String,
    /// Sorted simulated durations (working days).
    pub durations: Vec<f64>,
    /// Labelled marks, e.g. `("P80", 41.5, "2027-06-14")`.
    pub marks: Vec<(String, f64, String)>,
    /// The deadline in working days and its label, when there is one.
    pub deadline: Option<(f64, String)>,
}

impl ForecastChart {
    /// The chart of a plan's forecast, as `waymark forecast --svg` and the forecast page draw
    /// it: the finishes in working days of the project calendar, the P50/P80/P95 marks and the
    /// deadline.
    pub fn of(
        plan: &waymark_core::Plan,
        result: &waymark_core::forecast::Forecast,
    ) -> Result<ForecastChart, waymark_core::calendar::CalendarError> {
        use waymark_core::time;
        let per_day = plan.project.minutes_per_day.max(1) as f64;
        let calendar =
            waymark_core::WorkCalendar::compile(&plan.calendars, plan.project.calendar.0)?;
        let to_days =
            |t: time::Instant| (calendar.w(t) - calendar.w(plan.project.start)) as f64 / per_day;
        Ok(ForecastChart {
            title: format!(
                "{}: finish forecast ({} iterations)",
                plan.project.name, result.iterations
            ),
            durations: result
                .working_minutes
                .iter()
                .map(|&m| m as f64 / per_day)
                .collect(),
            marks: [("P50", 0.5), ("P80", 0.8), ("P95", 0.95)]
                .iter()
                .map(|&(label, p)| {
                    (
                        label.to_string(),
                        result.percentile_minutes(p) as f64 / per_day,
                        time::iso(result.percentile_finish(p)),
                    )
                })
                .collect(),
            deadline: plan
                .project
                .deadline
                .map(|d| (to_days(d), time::datetime(d).format("%Y-%m-%d").to_string())),
        })
    }
}

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 360.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 56.0;
const TOP: f64 = 48.0;
const BOTTOM: f64 = 48.0;

/// The chart as SVG text; deterministic.
pub fn forecast_svg(chart: &ForecastChart) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" \
         viewBox=\"0 0 {WIDTH} {HEIGHT}\" font-family=\"DejaVu Sans, Arial, sans-serif\" \
         font-size=\"11\" role=\"img\">\n<title>{t}</title>\n\
         <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n\
         <text x=\"12\" y=\"24\" font-size=\"15\" font-weight=\"bold\">{t}</text>\n",
        t = escape(&chart.title)
    );
    let values = &chart.durations;
    let (Some(&low), Some(&high)) = (values.first(), values.last()) else {
        out.push_str("</svg>\n");
        return out;
    };
    let mut low = low;
    let mut high = high;
    if let Some((deadline, _)) = chart.deadline {
        low = low.min(deadline);
        high = high.max(deadline);
    }
    if high - low < 1e-9 {
        high = low + 1.0;
    }
    let pad = (high - low) * 0.04;
    let (low, high) = (low - pad, high + pad);
    let plot_width = WIDTH - LEFT - RIGHT;
    let plot_height = HEIGHT - TOP - BOTTOM;
    let x = |value: f64| LEFT + (value - low) / (high - low) * plot_width;
    let bins = 40usize;
    let mut counts = vec![0usize; bins];
    for &value in values {
        let bin = (((value - low) / (high - low)) * bins as f64) as usize;
        counts[bin.min(bins - 1)] += 1;
    }
    let tallest = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let bottom = TOP + plot_height;
    let bin_width = plot_width / bins as f64;
    out.push_str("<g fill=\"#93c5fd\">\n");
    for (bin, &count) in counts.iter().enumerate() {
        if count == 0 {
            continue;
        }
        let height = count as f64 / tallest * plot_height;
        let _ = writeln!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
            num(LEFT + bin as f64 * bin_width + 0.5),
            num(bottom - height),
            num((bin_width - 1.0).max(0.5)),
            num(height)
        );
    }
    out.push_str("</g>\n");
    // The S-curve: the share of iterations finished by each value.
    let n = values.len() as f64;
    let mut path = String::new();
    let step = (values.len() / 200).max(1);
    for (index, &value) in values.iter().enumerate().step_by(step) {
        let share = (index + 1) as f64 / n;
        let _ = write!(
            path,
            "{}{},{}",
            if path.is_empty() { "M" } else { "L" },
            num(x(value)),
            num(bottom - share * plot_height)
        );
    }
    let _ = write!(path, "L{},{}", num(x(high - pad)), num(TOP));
    let _ = writeln!(
        out,
        "<path d=\"{path}\" fill=\"none\" stroke=\"#1d4ed8\" stroke-width=\"2\"/>"
    );
    // Axes: probability on the right, working days below.
    let _ = writeln!(
        out,
        "<line x1=\"{LEFT}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" stroke=\"#6b7280\"/>",
        b = num(bottom),
        r = num(WIDTH - RIGHT)
    );
    for tick in 0..=4 {
        let share = f64::from(tick) / 4.0;
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" fill=\"#4b5563\">{:.0} %</text>",
            num(WIDTH - RIGHT + 6.0),
            num(bottom - share * plot_height + 4.0),
            share * 100.0
        );
    }
    for tick in 0..=5 {
        let value = low + (high - low) * f64::from(tick) / 5.0;
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#4b5563\">{:.1} d</text>",
            num(x(value)),
            num(bottom + 16.0),
            value
        );
    }
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#4b5563\">working days from \
         the project start</text>",
        num(LEFT + plot_width / 2.0),
        num(bottom + 34.0)
    );
    for (label, value, note) in &chart.marks {
        let _ = writeln!(
            out,
            "<line x1=\"{v}\" y1=\"{TOP}\" x2=\"{v}\" y2=\"{b}\" stroke=\"#374151\" \
             stroke-dasharray=\"2 3\"/><text x=\"{v}\" y=\"{y}\" text-anchor=\"middle\">{l}\
             </text><title>{l}: {d:.1} working days, {n}</title>",
            v = num(x(*value)),
            b = num(bottom),
            y = num(TOP - 6.0),
            l = escape(label),
            d = value,
            n = escape(note)
        );
    }
    if let Some((deadline, label)) = &chart.deadline {
        let _ = writeln!(
            out,
            "<line x1=\"{v}\" y1=\"{t}\" x2=\"{v}\" y2=\"{b}\" stroke=\"#dc2626\" \
             stroke-width=\"2\"/><text x=\"{v}\" y=\"{ty}\" text-anchor=\"middle\" \
             fill=\"#dc2626\">deadline {l}</text>",
            v = num(x(*deadline)),
            t = num(TOP - 2.0),
            b = num(bottom),
            ty = num(TOP + 12.0),
            l = escape(label)
        );
    }
    out.push_str("</svg>\n");
    out
}
