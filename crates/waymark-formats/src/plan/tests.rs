//! The reader's own pieces: Unicode normalisation of ids and columns, link text, how wrong-type
//! messages name a table, TOML syntax errors, working hours and edit distance.

use super::calendars::parse_interval;
use super::source::original_column;
use super::suggest::{distance, suggest};
use super::tasks::TASK_KEYS;
use super::*;
use waymark_core::{Interval, TaskId};

/// `é` written precomposed (U+00E9) and decomposed (`e` and U+0301): canonically the same.
const PRECOMPOSED: &str = "caf\u{e9}";
const DECOMPOSED: &str = "cafe\u{301}";

#[test]
fn ids_are_compared_after_nfc_normalisation() {
    assert_ne!(PRECOMPOSED, DECOMPOSED);
    // Every kind of reference in the other form than the id it names.
    for (defined, referenced) in [(PRECOMPOSED, DECOMPOSED), (DECOMPOSED, PRECOMPOSED)] {
        let source = format!(
            "[project]\nstart = 2027-01-04\ncalendar = \"{referenced}\"\n\n\
             [calendars.\"{defined}\"]\ndays = [\"mon\", \"tue\"]\n\n\
             [resources.\"{defined}\"]\ncalendar = \"{referenced}\"\n\n\
             [tasks.\"{defined}\"]\nduration = \"1d\"\nresources = [\"{referenced}\"]\n\n\
             [tasks.child]\nparent = \"{referenced}\"\nduration = \"1d\"\n\n\
             [tasks.next]\nduration = \"1d\"\nafter = [\"{referenced} SS+1d\"]\n"
        );
        let loaded = match read_plan(&source) {
            Ok(loaded) => loaded,
            Err(diagnostics) => panic!("{defined:?} / {referenced:?}: {diagnostics:?}"),
        };
        let plan = loaded.plan;
        assert_eq!(plan.tasks[0].id, PRECOMPOSED, "ids are kept in NFC");
        assert_eq!(plan.resources[0].id, PRECOMPOSED);
        let child = plan.tasks.iter().position(|t| t.id == "child");
        let child = child.map(|index| &plan.tasks[index]);
        assert_eq!(child.and_then(|t| t.parent), Some(TaskId(0)));
        assert_eq!(plan.links.len(), 1);
        assert_eq!(plan.links[0].predecessor, TaskId(0));
        assert_eq!(plan.tasks[0].assignments.len(), 1);
    }
}

#[test]
fn two_spellings_of_one_id_are_one_id() {
    let source = format!(
        "[project]\nstart = 2027-01-04\n\n[tasks.\"{PRECOMPOSED}\"]\nduration = \"1d\"\n\n\
         [tasks.\"{DECOMPOSED}\"]\nduration = \"1d\"\n"
    );
    let diagnostics = read_plan(&source).err().unwrap_or_default();
    assert!(
        diagnostics
            .iter()
            .any(|d| d.location.map(|l| l.line) == Some(7)),
        "the second spelling is a duplicate: {diagnostics:?}"
    );
}

#[test]
fn locations_count_the_characters_as_written_before_normalisation() {
    // The bad duration sits after an `é` on its line: decomposed, that is one character
    // more in the file (but not in its NFC form), and the column an editor shows is the
    // file's.
    let column = |name: &str| {
        let source = format!(
            "[project]\nstart = 2027-01-04\n\n[tasks]\na = {{ name = \"{name}\", duration = \"5x\" }}\n"
        );
        let diagnostics = read_plan(&source).err().unwrap_or_default();
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        diagnostics[0].location.map(|l| (l.line, l.column))
    };
    let precomposed = column(PRECOMPOSED);
    assert_eq!(precomposed.map(|(line, _)| line), Some(5));
    assert_eq!(
        column(DECOMPOSED),
        precomposed.map(|(line, column)| (line, column + 1))
    );
    assert_eq!(original_column("cafe\u{301} x", 5), 6);
    assert_eq!(original_column("cafe\u{301} x", 3), 3);
    assert_eq!(original_column("cafe\u{301} x", 0), 0);
    assert_eq!(original_column("abc", 2), 2);
}

fn show_link(text: &str) -> String {
    match parse_link(text, &Scale::default()) {
        Ok(spec) => format!("{} {} {:?}", spec.task, spec.kind.code(), spec.lag),
        Err(message) => format!("error: {message}"),
    }
}

#[test]
fn link_specs() {
    let cases = [
        "design",
        "design FS",
        "kickoff SS+2d",
        "review FF-1d",
        "design +2d",
        "a fs+50%",
        "a SF - 25%",
        "pour FS+2ed",
        "pour ss +3eh",
        "  spaced   FF  ",
        "design 2d",
        "design XX",
        "design FS+2x",
        "design FS+",
        "design +%",
        "",
        "design FS+2d extra",
    ];
    let got: Vec<String> = cases
        .iter()
        .map(|case| format!("{case:?} => {}", show_link(case)))
        .collect();
    expect_test::expect![[r#"
        "design" => design FS Working(0)
        "design FS" => design FS Working(0)
        "kickoff SS+2d" => kickoff SS Working(960)
        "review FF-1d" => review FF Working(-480)
        "design +2d" => design FS Working(960)
        "a fs+50%" => a FS Percent(0.5)
        "a SF - 25%" => a SF Percent(-0.25)
        "pour FS+2ed" => pour FS Elapsed(2880)
        "pour ss +3eh" => pour SS Elapsed(180)
        "  spaced   FF  " => spaced FF Working(0)
        "design 2d" => error: malformed link `design 2d`: after the task id write a link type FS, SS, FF or SF and/or a signed lag, e.g. `design SS+2d` or `design -1d`
        "design XX" => error: malformed link `design XX`: after the task id write a link type FS, SS, FF or SF and/or a signed lag, e.g. `design SS+2d` or `design -1d`
        "design FS+2x" => error: malformed lag `2x` in link `design FS+2x`: use a number and a unit (working m, h, d, w, mo; elapsed em, eh, ed, ew) or a percentage of the predecessor's duration, e.g. `+2d`, `-4h`, `+3ed` or `+50%`
        "design FS+" => error: malformed lag `` in link `design FS+`: use a number and a unit (working m, h, d, w, mo; elapsed em, eh, ed, ew) or a percentage of the predecessor's duration, e.g. `+2d`, `-4h`, `+3ed` or `+50%`
        "design +%" => error: malformed lag `%` in link `design +%`: use a number and a unit (working m, h, d, w, mo; elapsed em, eh, ed, ew) or a percentage of the predecessor's duration, e.g. `+2d`, `-4h`, `+3ed` or `+50%`
        "" => error: empty link: write the id of the predecessor task, e.g. `design` or `design FS+2d`
        "design FS+2d extra" => error: malformed lag `2d extra` in link `design FS+2d extra`: use a number and a unit (working m, h, d, w, mo; elapsed em, eh, ed, ew) or a percentage of the predecessor's duration, e.g. `+2d`, `-4h`, `+3ed` or `+50%`"#]]
    .assert_eq(&got.join("\n"));
}

/// `line:column code message` for each diagnostic of a plan that must not read.
fn problems(source: &str) -> String {
    let diagnostics = match read_plan(source) {
        Ok(_) => Vec::new(),
        Err(diagnostics) => diagnostics,
    };
    diagnostics
        .iter()
        .map(|d| {
            let (line, column) = d.location.map_or((0, 0), |l| (l.line, l.column));
            format!("{line}:{column} {} {}", d.code, d.message)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `toml::de` does not say how a table or array was written; the reader works it out from
/// the spans, and the messages must name it as `toml_edit` did.
#[test]
fn wrong_type_names_how_a_table_was_written() {
    let source = "[project]\nstart = 2027-01-04\n\
        [calendars.c]\nexceptions = { date = 2027-01-01 }\n\
        [calendars.d]\nexceptions = [{ date = 2027-01-01 }, [[1]]]\n\
        [calendars.d.week]\nmon = { a = 1 }\ntue.x = 1\n\
        [calendars.e.exceptions]\n[[calendars.f.week]]\n\
        [resources]\nbob = [[1]]\n[[resources.ann]]\n";
    expect_test::expect![[r#"
        4:14 wrong-type `exceptions` in calendar `c` must be a list of tables like [{ date = 2027-12-24, hours = ["08:00-12:00"] }], found an inline table
        6:38 wrong-type `exceptions` in calendar `d` must be a list of tables like [{ date = 2027-12-24, hours = ["08:00-12:00"] }], found an array
        8:7 wrong-type `mon` in the `week` table of calendar `d` must be a list of working hours like ["08:00-12:00", "13:00-17:00"], found an inline table
        9:1 wrong-type `tue` in the `week` table of calendar `d` must be a list of working hours, found a table
        10:1 wrong-type `exceptions` in calendar `e` must be a list of tables like [{ date = 2027-12-24, hours = ["08:00-12:00"] }], found a table
        11:1 wrong-type `week` in calendar `f` must be a table of weekdays, e.g. `[calendars.ID.week]` with `sat = ["09:00-13:00"]`, found an array of tables
        13:1 wrong-type resource `bob` must be a table of keys, e.g. `[resources.bob]`, found an array
        14:13 wrong-type resource `ann` must be a table of keys, e.g. `[resources.ann]`, found an array of tables"#]]
    .assert_eq(&problems(source));
}

#[test]
fn syntax_errors_name_the_duplicate_key_and_numbers_out_of_range() {
    let cases = [
        "x = 1\nx = 2\n",
        "[tasks.a]\nb.c = 1\n  b.c = 2\n",
        "[tasks.a]\n[ tasks . \"a\" ]\n",
        "[[tasks.a]]\n[tasks.a]\n",
        "[tasks.a]\nx = { a = 1, a = 2 }\n",
        "[project]\nx = 99999999999999999999\n",
        "[project]\nx = [1e400]\n",
        "[project]\nx = [1,\ny = 2\n",
    ];
    let got: Vec<String> = cases.iter().map(|case| problems(case)).collect();
    expect_test::expect![[r#"
        2:1 toml-syntax invalid TOML: duplicate key `x` in document root
        3:3 toml-syntax invalid TOML: duplicate key `c` in table `tasks.a`
        2:1 toml-syntax invalid TOML: invalid table header; duplicate key `a` in table `tasks`
        2:1 toml-syntax invalid TOML: invalid table header; duplicate key `a` in table `tasks`
        2:14 toml-syntax invalid TOML: duplicate key `a`
        2:5 toml-syntax invalid TOML: integer `99999999999999999999` does not fit in 64 bits (at most 9223372036854775807)
        2:6 toml-syntax invalid TOML: float `1e400` is too large for 64 bits
        3:1 toml-syntax invalid TOML: string values must be quoted, expected literal string"#]]
    .assert_eq(&got.join("\n"));
}

#[test]
fn intervals_and_edit_distance() {
    assert_eq!(parse_interval("08:00-12:00"), Interval::new(480, 720));
    assert_eq!(parse_interval("22:00-06:00"), Interval::new(1320, 360));
    assert_eq!(parse_interval("00:00-24:00"), Interval::new(0, 1440));
    assert_eq!(parse_interval("24:00-01:00"), None);
    assert_eq!(parse_interval("8-12"), None);
    assert_eq!(parse_interval("09:00-09:00"), None);
    assert_eq!(distance("duraton", "duration"), 1);
    assert_eq!(distance("desing", "design"), 1);
    assert_eq!(
        suggest("duraton", TASK_KEYS.iter().copied()),
        Some("duration")
    );
    assert_eq!(suggest("xyz", TASK_KEYS.iter().copied()), None);
}
