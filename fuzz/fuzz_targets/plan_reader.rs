//! Plan TOML in, as the CLI does it: read, look for dependency cycles, schedule, and write every
//! scheduled date as text. Any panic, abort or timeout is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;
use waymark_core::time::iso;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(loaded) = waymark_formats::plan::read_plan(source) else {
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
});
