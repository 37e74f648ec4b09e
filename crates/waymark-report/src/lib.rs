//! Waymark's charts as SVG and its reports; pure.
//!
//! Every function here turns data that the caller has already computed (a schedule, a forecast)
//! into text. Nothing reads a file, the clock or the environment, and the same input always
//! gives the same bytes, so charts can be snapshot-tested and committed next to a plan. The
//! inputs are this crate's own types, so the report does not depend on the scheduler's
//! internals; the binary and the web layer convert to them. `json` holds the JSON documents of
//! the command line's `--json`, which the server answers with too.

pub mod gantt;
pub mod heatmap;
pub mod histogram;
pub mod json;
pub mod rows;
mod svg;

pub use gantt::{
    gantt_svg, time_scale, BarKind, GanttChart, GanttLink, GanttRow, TimeScale, MAX_DRAWN_LINKS,
};
pub use heatmap::{load_rows, load_svg, LoadCell, LoadChart, LoadPanel, LoadRow};
pub use histogram::{forecast_svg, ForecastChart};
pub use rows::{bar_kind, gantt_chart, row_label};
