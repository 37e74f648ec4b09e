//! Writers against readers: every example plan, the full test plan and every MSPDI file in
//! `../shared` (when present) go through the plan writer and the MSPDI writer and come back as
//! the same plan, or at least the same schedule where the format cannot hold everything; and
//! through the stored project's shape (`waymark_formats::content`): read from the store as from
//! the file, stored, exported and imported again as the same plan.

#![allow(clippy::unwrap_used)]

use std::fmt::Write;
use std::path::{Path, PathBuf};
use waymark_core::Plan;
use waymark_formats::content::{self, PlanContent};
use waymark_formats::plan::read_plan;

/// A plan with every source location cleared, as pretty debug text: two plans are the same
/// when these are equal.
fn normalized(plan: &Plan) -> String {
    format!("{:#?}", without_locations(plan))
}

fn without_locations(plan: &Plan) -> Plan {
    let mut plan = plan.clone();
    plan.project.location = None;
    for resource in &mut plan.resources {
        resource.location = None;
    }
    for task in &mut plan.tasks {
        task.location = None;
        for constraint in &mut task.constraints {
            constraint.location = None;
        }
    }
    for link in &mut plan.links {
        link.location = None;
    }
    for risk in &mut plan.risks {
        risk.location = None;
    }
    plan
}

/// A plan as Microsoft Project holds it: locations cleared, and each calendar's exceptions as
/// one entry per date (the later entry wins), since the MSPDI writer joins and splits them.
fn as_mspdi_holds_it(plan: &Plan) -> String {
    format!("{:#?}", flat_calendars(without_locations(plan)))
}

fn flat_calendars(mut plan: Plan) -> Plan {
    for calendar in &mut plan.calendars {
        let mut days = std::collections::BTreeMap::new();
        for exception in &calendar.exceptions {
            for date in exception
                .from
                .iter_days()
                .take_while(|d| *d <= exception.to)
            {
                days.insert(date, exception.hours.clone());
            }
        }
        calendar.exceptions = days
            .into_iter()
            .map(|(date, hours)| waymark_core::CalendarException {
                from: date,
                to: date,
                hours,
            })
            .collect();
    }
    plan
}

/// Every calendar on its own: its week and exceptions with what it inherits filled in. The
/// MSPDI writer writes a derived calendar whole where Microsoft Project wants base calendars.
fn effective_calendars(mut plan: Plan) -> Plan {
    let whole: Vec<waymark_core::Calendar> = (0..plan.calendars.len())
        .map(|index| {
            let mut chain = vec![index];
            while let Some(base) = plan.calendars[*chain.last().unwrap()].base {
                chain.push(base);
            }
            let mut calendar = plan.calendars[index].clone();
            calendar.week = std::array::from_fn(|day| {
                let found = chain
                    .iter()
                    .find_map(|&c| plan.calendars[c].week[day].clone());
                Some(found.unwrap_or_default())
            });
            calendar.exceptions = chain
                .iter()
                .rev()
                .flat_map(|&c| plan.calendars[c].exceptions.clone())
                .collect();
            calendar.base = None;
            calendar
        })
        .collect();
    plan.calendars = whole;
    plan
}

/// What an MSPDI file can hold of a plan written from a plan file: no ids (MSPDI has numeric
/// UIDs), no estimates, distributions, risks or WIP limits, and the project deadline on a project summary
/// task. `skip` such added tasks at the front are taken away and the references renumbered.
fn mspdi_view(plan: &Plan, skip: usize) -> String {
    let mut plan = flat_calendars(effective_calendars(without_locations(plan)));
    let carrier_deadline = (skip > 0).then(|| plan.tasks[0].deadline).flatten();
    plan.project.deadline = plan.project.deadline.or(carrier_deadline);
    plan.tasks.drain(..skip);
    let shift = |id: waymark_core::TaskId| id.0.checked_sub(skip).map(waymark_core::TaskId);
    for calendar in &mut plan.calendars {
        calendar.id.clear();
    }
    for resource in &mut plan.resources {
        resource.id.clear();
    }
    for task in &mut plan.tasks {
        task.id.clear();
        task.parent = task.parent.and_then(shift);
        task.estimate = None;
        task.distribution = waymark_core::Distribution::Pert;
    }
    for link in &mut plan.links {
        link.predecessor = shift(link.predecessor).unwrap();
        link.successor = shift(link.successor).unwrap();
    }
    plan.risks.clear();
    plan.project.wip_limits.clear();
    format!("{plan:#?}")
}

/// The first line where two texts differ, with a little context, for assertion messages.
fn first_difference(left: &str, right: &str) -> Option<String> {
    let (left, right): (Vec<&str>, Vec<&str>) = (left.lines().collect(), right.lines().collect());
    let line = (0..left.len().max(right.len())).find(|&i| left.get(i) != right.get(i))?;
    let from = line.saturating_sub(6);
    Some(format!(
        "line {line}:\n  before: {}\n  after:  {}",
        left[from.min(left.len())..(line + 1).min(left.len())].join("\n          "),
        right[from.min(right.len())..(line + 1).min(right.len())].join("\n          ")
    ))
}

fn read_plan_text(name: &str, source: &str) -> Plan {
    match read_plan(source) {
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

/// The example plans and the test plan with every key, as (name, text).
fn plan_files() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root.join("../../examples"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.to_string_lossy().ends_with(".plan.toml"))
        .collect();
    paths.sort();
    paths.push(root.join("tests/it/plan_full.toml"));
    paths
        .into_iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect()
}

#[test]
fn plans_round_trip_through_the_plan_writer() {
    for (name, source) in plan_files() {
        let plan = read_plan_text(&name, &source);
        let written = waymark_formats::plan::write(&plan);
        let again = read_plan_text(&format!("{name} (written)"), &written);
        let (before, after) = (normalized(&plan), normalized(&again));
        if let Some(difference) = first_difference(&before, &after) {
            panic!("{name} changed through the plan writer at {difference}\n\n{written}");
        }
        assert_eq!(
            waymark_formats::plan::write(&again),
            written,
            "{name}: writing the plan read back gives other text"
        );
    }
}

/// Early and late dates of every task, or why the plan cannot be scheduled.
fn dates(plan: &Plan) -> Result<Vec<[i64; 4]>, String> {
    let computed = waymark_core::schedule(plan).map_err(|error| error.to_string())?;
    Ok(computed
        .tasks
        .iter()
        .map(|t| [t.early_start, t.early_finish, t.late_start, t.late_finish])
        .collect())
}

/// Differences between the schedules of a plan and of the plan read back from a writer's text,
/// task by task (`skip` tasks at the front of `after` are extra, like a project summary task).
fn schedule_differences(before: &Plan, after: &Plan, skip: usize) -> Vec<String> {
    let (old, new) = match (dates(before), dates(after)) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(old), Err(new)) if old == new => return Vec::new(),
        (old, new) => return vec![format!("schedules: {:?} became {:?}", old.err(), new.err())],
    };
    if new.len() != old.len() + skip {
        return vec![format!("{} tasks became {}", old.len(), new.len() - skip)];
    }
    let show = |dates: &[i64; 4]| {
        dates
            .iter()
            .map(|&t| waymark_core::time::iso(t))
            .collect::<Vec<_>>()
            .join(" ")
    };
    old.iter()
        .zip(&new[skip..])
        .enumerate()
        .filter(|(_, (a, b))| a != b)
        .map(|(index, (a, b))| {
            format!(
                "task {} `{}` ES/EF/LS/LF {} became {}",
                before.tasks[index].id,
                before.tasks[index].name,
                show(a),
                show(b)
            )
        })
        .collect()
}

/// How many tasks the MSPDI writer put in front: the project summary task that carries a
/// project deadline, when the plan has none of its own.
fn added_summary(before: &Plan, after: &Plan) -> usize {
    after.tasks.len().saturating_sub(before.tasks.len())
}

fn through_mspdi(name: &str, plan: &Plan) -> Plan {
    let xml = waymark_formats::mspdi::write(plan);
    match waymark_formats::mspdi::read_mspdi(&xml) {
        Ok(loaded) => {
            assert!(
                loaded.warnings.is_empty(),
                "{name}: the written MSPDI reads with warnings: {:?}",
                loaded.warnings
            );
            loaded.plan
        }
        Err(diagnostics) => panic!(
            "{name}: the written MSPDI does not read:\n{}",
            diagnostics
                .iter()
                .map(|d| d.render(name))
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

#[test]
fn plans_keep_their_schedule_through_mspdi() {
    for (name, source) in plan_files() {
        let plan = read_plan_text(&name, &source);
        let again = through_mspdi(&name, &plan);
        let skip = added_summary(&plan, &again);
        let mut differences = schedule_differences(&plan, &again, skip);
        if let Some(difference) = first_difference(&mspdi_view(&plan, 0), &mspdi_view(&again, skip))
        {
            differences.push(format!("the plan read back differs at {difference}"));
        }
        assert!(
            differences.is_empty(),
            "{name} through MSPDI:\n{}",
            differences.join("\n")
        );
    }
}

/// Every MSPDI file in `../shared/data/projects/mspdi` as (name, text); none when `../shared`
/// is absent, which is said on stdout.
fn shared_mspdi_files() -> Vec<(String, String)> {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/projects/mspdi"
    ));
    if !dir.is_dir() {
        println!("skipped: {} is absent", dir.display());
        return Vec::new();
    }
    let mut out = Vec::new();
    for group in ["mpxj", "derived-from-mpp"] {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir.join(group))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "xml"))
            .collect();
        paths.sort();
        for path in paths {
            let name = format!("{group}/{}", path.file_name().unwrap().to_string_lossy());
            out.push((name, std::fs::read_to_string(&path).unwrap()));
        }
    }
    out
}

#[test]
fn shared_mspdi_files_keep_their_schedule_through_both_writers() {
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for (name, xml) in shared_mspdi_files() {
        let plan = match waymark_formats::mspdi::read_mspdi(&xml) {
            Ok(loaded) => loaded.plan,
            Err(_) => {
                report.push(format!("{name}: not read by the MSPDI reader, skipped"));
                continue;
            }
        };
        let again = through_mspdi(&name, &plan);
        let mut differences = schedule_differences(&plan, &again, added_summary(&plan, &again));
        if let Some(difference) =
            first_difference(&as_mspdi_holds_it(&plan), &as_mspdi_holds_it(&again))
        {
            differences.push(format!("mspdi: the plan read back differs at {difference}"));
        }
        let text = waymark_formats::plan::write(&plan);
        match read_plan(&text) {
            Ok(loaded) => {
                differences.extend(
                    schedule_differences(&plan, &loaded.plan, 0)
                        .into_iter()
                        .map(|d| format!("plan: {d}")),
                );
                let rewritten = waymark_formats::plan::write(&loaded.plan);
                if rewritten != text {
                    differences.push("plan: written again, the text differs".to_string());
                }
            }
            Err(diagnostics) => differences.push(format!(
                "plan: the written plan does not read:\n{}",
                diagnostics
                    .iter()
                    .take(10)
                    .map(|d| d.render("written.plan.toml"))
                    .collect::<Vec<_>>()
                    .join("\n")
            )),
        }
        let scheduled = match dates(&plan) {
            Ok(_) => "scheduled".to_string(),
            Err(error) => format!("not scheduled ({error})"),
        };
        report.push(format!(
            "{name}: {} tasks {scheduled}, {} differences",
            plan.tasks.len(),
            differences.len()
        ));
        if !differences.is_empty() {
            failures.push(format!(
                "{name}:\n  {}",
                differences
                    .iter()
                    .take(12)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("\n  ")
            ));
        }
    }
    println!("{}", report.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The stored project read as a plan, or its findings as text.
fn read_stored(name: &str, content: &PlanContent) -> Plan {
    match content::read(content) {
        Ok(loaded) => loaded.plan,
        Err(findings) => panic!(
            "{name}: the stored project does not read:\n{}",
            findings
                .iter()
                .map(|f| format!(
                    "{} {}: {}",
                    f.place, f.diagnostic.code, f.diagnostic.message
                ))
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

/// A plan's stored project against the plan: read from the store it is the same plan (the plan
/// writer writes the same text: plans keep where they were read, which differs); it is what
/// importing the plan writer's text stores; and exported as plan TOML and imported again it is
/// the same project.
fn stored_differences(name: &str, plan: &Plan, stored: &PlanContent) -> Vec<String> {
    let mut differences = Vec::new();
    let written = waymark_formats::plan::write(plan);
    let from_store = waymark_formats::plan::write(&read_stored(name, stored));
    if let Some(difference) = first_difference(&written, &from_store) {
        differences.push(format!(
            "read from the store, the plan differs at {difference}"
        ));
    }
    match content::from_plan_text(&written) {
        Ok((imported, _)) if imported == *stored => {}
        Ok((imported, _)) => differences.push(format!(
            "importing the written plan stores other tables:\n{:#?}\nnot\n{:#?}",
            imported.to_json(),
            stored.to_json()
        )),
        Err(diagnostics) => {
            differences.push(format!("the written plan does not import: {diagnostics:?}"))
        }
    }
    let exported = content::to_plan_text(stored);
    match content::from_plan_text(&exported) {
        Ok((again, loaded)) => {
            if again != *stored {
                differences.push(format!(
                    "exported and imported, the project differs:\n{exported}"
                ));
            }
            if waymark_formats::plan::write(&loaded.plan) != written {
                differences.push(format!("exported and read, the plan differs:\n{exported}"));
            }
        }
        Err(diagnostics) => differences.push(format!(
            "the exported project does not read: {diagnostics:?}\n{exported}"
        )),
    }
    differences
}

#[test]
fn plans_read_the_same_from_the_store() {
    for (name, source) in plan_files() {
        let (stored, loaded) = content::from_plan_text(&source)
            .unwrap_or_else(|diagnostics| panic!("{name} does not import: {diagnostics:?}"));
        let plan = read_plan_text(&name, &source);
        assert_eq!(
            waymark_formats::plan::write(&loaded.plan),
            waymark_formats::plan::write(&plan),
            "{name}: the import reads another plan"
        );
        assert_eq!(
            waymark_formats::plan::write(&read_stored(&name, &stored)),
            waymark_formats::plan::write(&plan),
            "{name}: the stored project reads as another plan"
        );
        // What the plan writer would write, stored, is what importing its text stores.
        let differences = stored_differences(&name, &plan, &content::from_plan(&plan));
        assert!(
            differences.is_empty(),
            "{name}:\n{}",
            differences.join("\n")
        );
    }
}

#[test]
fn shared_mspdi_files_read_the_same_from_the_store() {
    let mut failures = Vec::new();
    let files = shared_mspdi_files();
    let mut read = 0;
    for (name, xml) in &files {
        let Ok((stored, loaded)) = content::from_mspdi_text(xml) else {
            continue;
        };
        read += 1;
        let differences = stored_differences(name, &loaded.plan, &stored);
        if !differences.is_empty() {
            failures.push(format!("{name}:\n  {}", differences.join("\n  ")));
        }
    }
    // All but the few files the MSPDI reader refuses (see the test above).
    assert!(
        read * 4 >= files.len() * 3,
        "only {read} of {} files read",
        files.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A small seeded random number generator (SplitMix64): the property test below needs no
/// dependency, and the same seed always makes the same plans.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// A date in 2027, as TOML.
    fn date(&mut self) -> String {
        let day = chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
            + chrono::Duration::days(self.below(365) as i64);
        day.to_string()
    }

    /// A date or a date-time in 2027, as TOML.
    fn moment(&mut self) -> String {
        let date = self.date();
        if self.chance(40) {
            format!("{date}T{:02}:{:02}:00", self.below(24), 15 * self.below(4))
        } else {
            date
        }
    }

    fn duration(&mut self) -> String {
        let units = ["m", "h", "d", "w"];
        let unit = self.pick(&units);
        let amount = 1 + self.below(12);
        if self.chance(20) {
            format!("{amount}.5{unit}")
        } else {
            format!("{amount}{unit}")
        }
    }
}

/// A random valid plan file with a few calendars, resources, tasks, links and risks.
fn random_plan(random: &mut Random) -> String {
    let hours = [
        r#"["08:00-12:00", "13:00-17:00"]"#,
        r#"["09:00-13:00", "14:00-18:00"]"#,
        r#"["07:30-11:45"]"#,
        r#"["22:00-06:00"]"#,
        r#"["00:00-24:00"]"#,
    ];
    let mut out = String::new();
    let calendars: Vec<String> = (0..random.below(3)).map(|i| format!("cal{i}")).collect();
    let mut calendar_refs: Vec<&str> = vec!["standard"];
    calendar_refs.extend(calendars.iter().map(String::as_str));
    let _ = writeln!(out, "[project]\nname = \"Plan {}\"", random.below(1000));
    let _ = writeln!(out, "start = {}", random.moment());
    if random.chance(50) {
        let _ = writeln!(out, "status_date = {}", random.moment());
    }
    if random.chance(50) {
        let _ = writeln!(out, "deadline = {}", random.moment());
    }
    if random.chance(50) {
        let _ = writeln!(out, "calendar = \"{}\"", random.pick(&calendar_refs));
    }
    for (index, id) in calendars.iter().enumerate() {
        let _ = writeln!(out, "\n[calendars.{id}]");
        if index > 0 && random.chance(50) {
            let _ = writeln!(out, "base = \"{}\"", calendar_refs[random.below(index + 1)]);
        } else {
            let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
            let chosen: Vec<String> = days
                .iter()
                .enumerate()
                .filter(|(day, _)| *day == 0 || random.chance(60))
                .map(|(_, day)| format!("\"{day}\""))
                .collect();
            let _ = writeln!(out, "days = [{}]", chosen.join(", "));
            let _ = writeln!(out, "hours = {}", random.pick(&hours));
        }
        if random.chance(60) {
            let holidays: Vec<String> = (0..1 + random.below(3)).map(|_| random.date()).collect();
            let _ = writeln!(out, "holidays = [{}]", holidays.join(", "));
        }
        if random.chance(50) {
            let _ = writeln!(
                out,
                "exceptions = [{{ date = {}, hours = {} }}, {{ date = {} }}]",
                random.date(),
                random.pick(&hours),
                random.date()
            );
        }
        if random.chance(40) {
            let _ = writeln!(
                out,
                "[calendars.{id}.week]\nsat = {}\nmon = []",
                random.pick(&hours)
            );
        }
    }
    let resources: Vec<String> = (0..random.below(4)).map(|i| format!("r{i}")).collect();
    for id in &resources {
        let _ = writeln!(out, "\n[resources.{id}]\nname = \"Person {id}\"");
        if random.chance(30) {
            let _ = writeln!(out, "units = {}", 0.25 * (1 + random.below(8)) as f64);
        }
        if random.chance(50) {
            let _ = writeln!(out, "rate = {}.5", random.below(200));
        }
        if random.chance(30) {
            let _ = writeln!(out, "calendar = \"{}\"", random.pick(&calendar_refs));
        }
        if random.chance(15) {
            let _ = writeln!(out, "kind = \"{}\"", random.pick(&["material", "cost"]));
        }
        if random.chance(40) {
            let _ = writeln!(out, "role = \"role of {id}\"");
        }
    }
    let count = 1 + random.below(8);
    let mut parents: Vec<Option<usize>> = Vec::new();
    for index in 0..count {
        let _ = writeln!(out, "\n[tasks.t{index}]");
        let parent = (index > 0 && random.chance(40)).then(|| random.below(index));
        parents.push(parent);
        if let Some(parent) = parent {
            let _ = writeln!(out, "parent = \"t{parent}\"");
        }
        if random.chance(50) {
            let _ = writeln!(out, "name = \"Task \\\"{index}\\\" \u{e9}\"");
        }
        match random.below(10) {
            0 => {
                let _ = writeln!(out, "milestone = true");
            }
            1 | 2 => {
                let mut points = [random.below(20), random.below(20), random.below(20)];
                points.sort_unstable();
                let _ = writeln!(
                    out,
                    "estimate = [\"{}d\", \"{}d\", \"{}.5d\"]",
                    points[0], points[1], points[2]
                );
                if random.chance(50) {
                    let _ = writeln!(
                        out,
                        "distribution = \"{}\"",
                        random.pick(&["triangular", "uniform"])
                    );
                }
            }
            _ => {
                let _ = writeln!(out, "duration = \"{}\"", random.duration());
            }
        }
        if random.chance(20) {
            let _ = writeln!(out, "calendar = \"{}\"", random.pick(&calendar_refs));
        }
        match random.below(12) {
            0 => {
                let _ = writeln!(out, "start_no_earlier_than = {}", random.moment());
            }
            1 => {
                let _ = writeln!(out, "finish_no_later_than = {}", random.moment());
            }
            2 => {
                let _ = writeln!(out, "must_start_on = {}", random.moment());
            }
            3 => {
                let _ = writeln!(out, "as_late_as_possible = true");
            }
            4 => {
                let _ = writeln!(out, "deadline = {}", random.moment());
            }
            _ => {}
        }
        if random.chance(15) {
            let _ = writeln!(out, "priority = {}", random.below(1001));
        }
        if random.chance(10) {
            let _ = writeln!(
                out,
                "manual_start = 2027-03-0{}\nmanual_finish = 2027-04-1{}",
                1 + random.below(9),
                random.below(10)
            );
        }
        match random.below(8) {
            0 => {
                let _ = writeln!(out, "progress = 0.{}", 5 * random.below(20));
            }
            1 => {
                let _ = writeln!(
                    out,
                    "actual_start = 2027-02-0{}\nprogress = 0.{}",
                    1 + random.below(9),
                    5 * random.below(20)
                );
            }
            2 => {
                let _ = writeln!(
                    out,
                    "actual_start = 2027-02-0{}\nactual_finish = 2027-03-1{}",
                    1 + random.below(9),
                    random.below(10)
                );
            }
            _ => {}
        }
        if !resources.is_empty() && random.chance(50) {
            let first = random.below(resources.len());
            let mut list = vec![format!("\"{}\"", resources[first])];
            let second = random.below(resources.len());
            if second != first {
                list.push(format!(
                    "\"{} {}%\"",
                    resources[second],
                    5 * (1 + random.below(40))
                ));
            }
            let _ = writeln!(out, "resources = [{}]", list.join(", "));
        }
        let related = |a: usize, b: usize| {
            let ancestor = |mut x: usize, of: usize| {
                while let Some(parent) = parents.get(x).copied().flatten() {
                    if parent == of {
                        return true;
                    }
                    x = parent;
                }
                false
            };
            a == b || ancestor(a, b) || ancestor(b, a)
        };
        let mut after = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..random.below(3) {
            let predecessor = random.below(index.max(1));
            let kind = random.pick(&["", " FS", " SS", " FF", " SF"]);
            let code = if kind.is_empty() { " FS" } else { kind };
            if index == 0 || related(predecessor, index) || !seen.insert((predecessor, code)) {
                continue;
            }
            let lag = match random.below(6) {
                0 => format!("+{}", random.duration()),
                1 => format!("-{}h", 1 + random.below(16)),
                2 => format!("+{}ed", random.below(4)),
                3 => format!("-{}%", random.below(150)),
                4 => format!("+{}.5%", random.below(100)),
                _ => String::new(),
            };
            let kind = if lag.is_empty() { kind } else { code };
            after.push(format!("\"t{predecessor}{kind}{lag}\""));
        }
        if !after.is_empty() {
            let _ = writeln!(out, "after = [{}]", after.join(", "));
        }
    }
    for index in 0..random.below(3) {
        let _ = writeln!(
            out,
            "\n[risks.k{index}]\nprobability = 0.{}",
            1 + random.below(9)
        );
        let _ = writeln!(out, "tasks = [\"t{}\"]", random.below(count));
        if random.chance(50) {
            let _ = writeln!(out, "factor = [1.0, 1.25, 1.{}]", 3 + random.below(7));
        }
        if random.chance(50) {
            let _ = writeln!(
                out,
                "delay = [\"1d\", \"2d\", \"{}.5d\"]",
                2 + random.below(5)
            );
        }
        if !resources.is_empty() && random.chance(50) {
            let _ = writeln!(
                out,
                "owner = \"{}\"",
                resources[random.below(resources.len())]
            );
        }
    }
    out
}

/// Property: a random valid plan reads back the same through the plan writer, the text is the
/// same when written again, and its schedule survives the MSPDI writer.
#[test]
fn random_plans_round_trip() {
    let mut random = Random(0x5EED_2027);
    let mut scheduled = 0;
    for case in 0..400 {
        let source = random_plan(&mut random);
        let plan = match read_plan(&source) {
            Ok(loaded) => loaded.plan,
            Err(diagnostics) => panic!(
                "case {case}: the generated plan does not read:\n{}\n\n{source}",
                diagnostics
                    .iter()
                    .map(|d| d.render("random.plan.toml"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
        };
        let written = waymark_formats::plan::write(&plan);
        let again = read_plan_text(&format!("case {case} (written)\n{written}"), &written);
        if let Some(difference) = first_difference(&normalized(&plan), &normalized(&again)) {
            panic!("case {case} changed at {difference}\n\n{source}\n\n{written}");
        }
        assert_eq!(waymark_formats::plan::write(&again), written, "case {case}");
        let differences =
            stored_differences(&format!("case {case}"), &plan, &content::from_plan(&plan));
        assert!(
            differences.is_empty(),
            "case {case}:\n{}\n\n{source}",
            differences.join("\n")
        );
        let through = through_mspdi(&format!("case {case}"), &plan);
        let skip = added_summary(&plan, &through);
        let mut differences = schedule_differences(&plan, &through, skip);
        if let Some(difference) =
            first_difference(&mspdi_view(&plan, 0), &mspdi_view(&through, skip))
        {
            differences.push(format!("the plan read back differs at {difference}"));
        }
        assert!(
            differences.is_empty(),
            "case {case} through MSPDI:\n{}\n\n{source}",
            differences.join("\n")
        );
        scheduled += usize::from(dates(&plan).is_ok());
    }
    assert!(
        scheduled > 200,
        "only {scheduled} of 400 plans could be scheduled"
    );
}

/// What the MSPDI writer writes, element by element, for a small plan.
#[test]
fn mspdi_text_of_a_small_plan() {
    let source = r#"
[project]
name = "R&D <launch>"
start = 2027-01-04
deadline = 2027-01-29
currency = "EUR"

[calendars.standard]
name = "Office"
days = ["mon", "tue", "wed", "thu", "fri"]
hours = ["09:00-17:00"]
holidays = [2027-01-06]

[resources.ana]
name = "Ana"
role = "developer"
rate = 95.0

[tasks.design]
duration = "2d"
resources = ["ana 50%"]

[tasks.build]
duration = "3d"
after = ["design FS+1d"]
start_no_earlier_than = 2027-01-11
progress = 0.5
actual_start = 2027-01-11
"#;
    let plan = read_plan_text("small", source);
    let xml = waymark_formats::mspdi::write(&plan);
    expect_test::expect![[r#"
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Project xmlns="http://schemas.microsoft.com/project">
        	<SaveVersion>14</SaveVersion>
        	<Title>R&amp;D &lt;launch&gt;</Title>
        	<ScheduleFromStart>1</ScheduleFromStart>
        	<StartDate>2027-01-04T09:00:00</StartDate>
        	<CurrencyCode>EUR</CurrencyCode>
        	<CalendarUID>1</CalendarUID>
        	<MinutesPerDay>480</MinutesPerDay>
        	<MinutesPerWeek>2400</MinutesPerWeek>
        	<DaysPerMonth>20</DaysPerMonth>
        	<HonorConstraints>1</HonorConstraints>
        	<Calendars>
        		<Calendar>
        			<UID>1</UID>
        			<Name>Office</Name>
        			<IsBaseCalendar>1</IsBaseCalendar>
        			<WeekDays>
        				<WeekDay>
        					<DayType>1</DayType>
        					<DayWorking>0</DayWorking>
        				</WeekDay>
        				<WeekDay>
        					<DayType>2</DayType>
        					<DayWorking>1</DayWorking>
        					<WorkingTimes>
        						<WorkingTime>
        							<FromTime>09:00:00</FromTime>
        							<ToTime>17:00:00</ToTime>
        						</WorkingTime>
        					</WorkingTimes>
        				</WeekDay>
        				<WeekDay>
        					<DayType>3</DayType>
        					<DayWorking>1</DayWorking>
        					<WorkingTimes>
        						<WorkingTime>
        							<FromTime>09:00:00</FromTime>
        							<ToTime>17:00:00</ToTime>
        						</WorkingTime>
        					</WorkingTimes>
        				</WeekDay>
        				<WeekDay>
        					<DayType>4</DayType>
        					<DayWorking>1</DayWorking>
        					<WorkingTimes>
        						<WorkingTime>
        							<FromTime>09:00:00</FromTime>
        							<ToTime>17:00:00</ToTime>
        						</WorkingTime>
        					</WorkingTimes>
        				</WeekDay>
        				<WeekDay>
        					<DayType>5</DayType>
        					<DayWorking>1</DayWorking>
        					<WorkingTimes>
        						<WorkingTime>
        							<FromTime>09:00:00</FromTime>
        							<ToTime>17:00:00</ToTime>
        						</WorkingTime>
        					</WorkingTimes>
        				</WeekDay>
        				<WeekDay>
        					<DayType>6</DayType>
        					<DayWorking>1</DayWorking>
        					<WorkingTimes>
        						<WorkingTime>
        							<FromTime>09:00:00</FromTime>
        							<ToTime>17:00:00</ToTime>
        						</WorkingTime>
        					</WorkingTimes>
        				</WeekDay>
        				<WeekDay>
        					<DayType>7</DayType>
        					<DayWorking>0</DayWorking>
        				</WeekDay>
        			</WeekDays>
        			<Exceptions>
        				<Exception>
        					<EnteredByOccurrences>0</EnteredByOccurrences>
        					<TimePeriod>
        						<FromDate>2027-01-06T00:00:00</FromDate>
        						<ToDate>2027-01-06T23:59:00</ToDate>
        					</TimePeriod>
        					<Occurrences>1</Occurrences>
        					<Type>1</Type>
        					<Period>1</Period>
        					<DayWorking>0</DayWorking>
        				</Exception>
        			</Exceptions>
        		</Calendar>
        	</Calendars>
        	<Tasks>
        		<Task>
        			<UID>0</UID>
        			<ID>0</ID>
        			<Name>R&amp;D &lt;launch&gt;</Name>
        			<Manual>0</Manual>
        			<WBS>0</WBS>
        			<OutlineNumber>0</OutlineNumber>
        			<OutlineLevel>0</OutlineLevel>
        			<Priority>500</Priority>
        			<Start>2027-01-04T09:00:00</Start>
        			<Finish>2027-01-13T17:00:00</Finish>
        			<Duration>PT0H0M0S</Duration>
        			<DurationFormat>7</DurationFormat>
        			<Milestone>0</Milestone>
        			<Summary>1</Summary>
        			<ConstraintType>0</ConstraintType>
        			<Deadline>2027-01-29T17:00:00</Deadline>
        		</Task>
        		<Task>
        			<UID>1</UID>
        			<ID>1</ID>
        			<Name>design</Name>
        			<Manual>0</Manual>
        			<WBS>1</WBS>
        			<OutlineNumber>1</OutlineNumber>
        			<OutlineLevel>1</OutlineLevel>
        			<Priority>500</Priority>
        			<Start>2027-01-04T09:00:00</Start>
        			<Finish>2027-01-05T17:00:00</Finish>
        			<Duration>PT16H0M0S</Duration>
        			<DurationFormat>7</DurationFormat>
        			<Milestone>0</Milestone>
        			<Summary>0</Summary>
        			<ConstraintType>0</ConstraintType>
        		</Task>
        		<Task>
        			<UID>2</UID>
        			<ID>2</ID>
        			<Name>build</Name>
        			<Manual>0</Manual>
        			<WBS>2</WBS>
        			<OutlineNumber>2</OutlineNumber>
        			<OutlineLevel>1</OutlineLevel>
        			<Priority>500</Priority>
        			<Start>2027-01-11T09:00:00</Start>
        			<Finish>2027-01-13T17:00:00</Finish>
        			<Duration>PT24H0M0S</Duration>
        			<DurationFormat>7</DurationFormat>
        			<Milestone>0</Milestone>
        			<Summary>0</Summary>
        			<PercentComplete>50</PercentComplete>
        			<ActualStart>2027-01-11T09:00:00</ActualStart>
        			<ConstraintType>4</ConstraintType>
        			<ConstraintDate>2027-01-11T09:00:00</ConstraintDate>
        			<PredecessorLink>
        				<PredecessorUID>1</PredecessorUID>
        				<Type>1</Type>
        				<CrossProject>0</CrossProject>
        				<LinkLag>4800</LinkLag>
        				<LagFormat>7</LagFormat>
        			</PredecessorLink>
        		</Task>
        	</Tasks>
        	<Resources>
        		<Resource>
        			<UID>1</UID>
        			<ID>1</ID>
        			<Name>Ana</Name>
        			<Type>1</Type>
        			<IsNull>0</IsNull>
        			<Group>developer</Group>
        			<MaxUnits>1</MaxUnits>
        			<StandardRate>95</StandardRate>
        			<StandardRateFormat>2</StandardRateFormat>
        		</Resource>
        	</Resources>
        	<Assignments>
        		<Assignment>
        			<UID>1</UID>
        			<TaskUID>1</TaskUID>
        			<ResourceUID>1</ResourceUID>
        			<Units>0.5</Units>
        		</Assignment>
        	</Assignments>
        </Project>
    "#]]
    .assert_eq(&xml);
    let again = through_mspdi("small", &plan);
    assert!(schedule_differences(&plan, &again, 1).is_empty());
}
