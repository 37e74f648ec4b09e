//! What every target does with a file's text once read, as the CLI does it: look for dependency
//! cycles, schedule, and write every scheduled date as text. Included by each target with
//! `#[path]` (the targets are separate binaries).

use waymark_core::time::iso;

/// Reads `text` with `read`, then cycles, schedule and dates; any panic is the bug found.
pub fn run(text: &str, read: fn(&str) -> waymark_formats::ReadResult) {
    let Ok(loaded) = read(text) else {
        return;
    };
    if !waymark_core::doctor::dependency_cycles(&loaded.plan).is_empty() {
        return;
    }
    if let Ok(schedule) = waymark_core::schedule(&loaded.plan) {
        let _ = iso(schedule.start) + &iso(schedule.finish);
        for task in &schedule.tasks {
            for instant in [task.start, task.finish, task.late_start, task.late_finish] {
                let _ = iso(instant);
            }
        }
    }
}
