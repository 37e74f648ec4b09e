//! Waymark's engine: the plan model, calendars, critical-path scheduling and diagnostics.
//!
//! Pure by design: no files, sockets, clocks, environment or global randomness. The status date
//! is part of the plan and any seed is an argument, so the same input always gives the same
//! output. Readers live in `waymark-formats`, charts in `waymark-report`, the CLI in `waymark`.

pub mod calendar;
pub mod days;
pub mod diagnostic;
pub mod doctor;
pub mod forecast;
pub mod level;
pub mod load;
pub mod model;
pub mod random;
pub mod rcpsp;
pub mod schedule;
pub mod throughput;
pub mod time;

pub use calendar::{Calendar, CalendarException, Edge, Interval, WorkCalendar};
pub use diagnostic::{Diagnostic, Severity};
pub use model::*;
pub use schedule::{schedule, Schedule, ScheduleError, TaskCalendars, TaskSchedule};
