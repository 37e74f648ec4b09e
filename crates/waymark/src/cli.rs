//! Command-line arguments and the commands they run.

use crate::input::{self, Format, Input};
use crate::level::MAX_TIME_LIMIT_SECONDS;
use crate::output;
use anyhow::{Context, Result};
use clap::builder::RangedU64ValueParser;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use waymark_core::{doctor, schedule, Severity};

/// Waymark: critical-path scheduling on real calendars and health checks for technical projects,
/// from a plan file in git.
#[derive(Debug, Parser)]
#[command(name = "waymark", version)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Schedule a plan with the critical path method and show the dates.
    ///
    /// FILE is a Waymark plan (`*.plan.toml`) or a Microsoft Project XML file (`*.xml`).
    /// Prints a table of tasks with their dates, total float and a `*` on critical tasks; with
    /// --json, the machine-readable schedule described in docs/cli.md.
    ///
    /// Examples:
    ///   waymark schedule examples/website-launch.plan.toml
    ///   waymark schedule plan.toml --json | jq '.tasks[] | select(.critical)'
    ///   waymark schedule project.xml --svg gantt.svg
    #[command(verbatim_doc_comment)]
    Schedule {
        /// The plan file (.toml) or Microsoft Project XML file (.xml); `-` reads standard input.
        file: PathBuf,
        /// The plan's format, when the file name does not say (default: by extension; for `-`,
        /// XML when the text starts with `<`, else TOML).
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// Print the schedule as JSON on stdout.
        #[arg(long)]
        json: bool,
        /// Also write a Gantt chart as SVG to this file.
        #[arg(long, value_name = "OUT")]
        svg: Option<PathBuf>,
    },
    /// Level resources: move tasks so nobody is booked beyond their units, and say why.
    ///
    /// Tasks are taken in priority order (`priority`, then least float) and each starts at the
    /// first moment all its people have room, keeping every link, constraint and actual. Give
    /// several plans to level them against one pool of people (matched by resource id): each
    /// plan's new finish is reported. A PSPLIB instance (`.sm`) is solved as an RCPSP.
    ///
    /// Examples:
    ///   waymark level examples/mobile-app.plan.toml --explain
    ///   waymark level a.plan.toml b.plan.toml --json
    ///   waymark level plan.toml --within-float --svg levelled.svg
    #[command(verbatim_doc_comment)]
    Level {
        /// Plan files (.toml), Microsoft Project XML files (.xml), or one PSPLIB file (.sm);
        /// `-` reads one plan from standard input.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The plans' format, when the file names do not say (default: by extension; for `-`,
        /// XML when the text starts with `<`, else TOML).
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// Print the levelled schedule as JSON on stdout.
        #[arg(long)]
        json: bool,
        /// Also write the levelled Gantt chart (delays drawn as dashed lines) to this file.
        #[arg(long, value_name = "OUT")]
        svg: Option<PathBuf>,
        /// Only delay tasks within their total float, like Microsoft Project's "level only
        /// within available slack"; conflicts that need more are reported, not resolved.
        #[arg(long)]
        within_float: bool,
        /// List, for every delayed task, which person it waited for and who held them.
        #[arg(long)]
        explain: bool,
        /// Seconds for levelling, counted from the start of the command (reading the plans
        /// included), searching for a schedule that finishes earlier: more than 0, at most
        /// 3600.
        #[arg(long, allow_negative_numbers = true, value_name = "SECONDS", default_value_t = 1.0, value_parser = parse_time_limit)]
        time_limit: f64,
        /// Seed of the solver's random choices; the same seed gives the same answer.
        #[arg(long, allow_negative_numbers = true, default_value_t = 1)]
        seed: u64,
        /// Stop after this many schedules (before the time limit): with a seed, the answer is
        /// then the same on every machine. 1 to 1,000,000,000.
        #[arg(long, allow_negative_numbers = true, value_name = "N", value_parser = RangedU64ValueParser::<u64>::new().range(1..=MAX_SCHEDULES))]
        schedules: Option<u64>,
    },
    /// Show each person's allocation per week (or day), before and after levelling.
    ///
    /// Every cell is the booked share of the person's working time; `!` marks a period where,
    /// at some moment, they are booked beyond their units.
    ///
    /// Examples:
    ///   waymark load examples/crm-rollout.plan.toml
    ///   waymark load plan.toml --period day --json
    #[command(verbatim_doc_comment)]
    Load {
        /// The plan file (.toml) or Microsoft Project XML file (.xml); `-` reads standard input.
        file: PathBuf,
        /// The plan's format, when the file name does not say (default: by extension; for `-`,
        /// XML when the text starts with `<`, else TOML).
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// Print the allocation as JSON on stdout.
        #[arg(long)]
        json: bool,
        /// Period of each column: `week` (Monday to Sunday) or `day`.
        #[arg(long, default_value = "week", value_parser = ["week", "day"])]
        period: String,
        /// Also write the allocation as an SVG heat map (before and after levelling).
        #[arg(long, value_name = "OUT")]
        svg: Option<PathBuf>,
    },
    /// Forecast the finish of a plan (Monte Carlo), or work from the team's throughput.
    ///
    /// With FILE: every iteration samples each task's duration from its three-point estimate
    /// (Beta-PERT, triangular or uniform) and every risk event, then schedules the plan; the
    /// output is the finish at P10..P95, the chance of meeting the deadline, each task's
    /// criticality and sensitivity, and what each risk costs at P80.
    ///
    /// With --throughput: each future period finishes as many items as a period drawn at random
    /// from the history did; Waymark computes that distribution exactly (by convolution).
    ///
    /// With --history FILE: the history is counted from completion dates, per ISO week (Monday
    /// to Sunday) or calendar day, from the first completion's period to the --as-of period,
    /// quiet periods as zeros. FILE is a CSV file (one completion date or date-time per row; a
    /// header row is allowed) or a plan (.toml, .xml), whose finished work tasks (not summaries
    /// or milestones) count; a plan's unfinished work tasks are the default --items. The
    /// forecast starts in the period after the history unless --start says otherwise.
    ///
    /// Examples:
    ///   waymark forecast examples/mobile-app.plan.toml
    ///   waymark forecast plan.toml --iterations 20000 --seed 7 --json
    ///   waymark forecast --throughput 1,3,5,3,7,8,0,5 --period week --items 20
    ///   waymark forecast --throughput 4,6,2,5 --items 100..120 --start 2027-03-01 --json
    ///   waymark forecast --throughput 4,6,2,5 --within 6
    ///   waymark forecast --history done.csv --items 40
    ///   waymark forecast --history jira.csv --column Resolved --as-of 2027-03-31 --within 8
    ///   waymark forecast --history plan.toml --period week
    #[command(verbatim_doc_comment)]
    Forecast {
        /// The plan file (.toml) or Microsoft Project XML file (.xml) to simulate; `-` reads
        /// standard input.
        #[arg(
            required_unless_present_any = ["throughput", "history"],
            conflicts_with_all = ["throughput", "history"]
        )]
        file: Option<PathBuf>,
        /// The format of the plan (FILE, or a plan given as --history), when the file name
        /// does not say (default: by extension; for `-`, XML when the text starts with `<`,
        /// else TOML; `--history -` without it reads CSV).
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// Monte Carlo iterations: 1 to 10,000,000.
        #[arg(
            long,
            allow_negative_numbers = true,
            default_value_t = waymark_core::forecast::DEFAULT_ITERATIONS,
            value_parser = RangedU64ValueParser::<u32>::new().range(1..=MAX_ITERATIONS)
        )]
        iterations: u32,
        /// Seed of the random samples; the same seed gives the same forecast.
        #[arg(long, allow_negative_numbers = true, default_value_t = waymark_core::forecast::DEFAULT_SEED)]
        seed: u64,
        /// Threads to simulate on, 1 to 1024 (default: every core). The forecast is the same,
        /// bit for bit, whatever the number.
        #[arg(long, allow_negative_numbers = true, value_name = "N", value_parser = RangedU64ValueParser::<usize>::new().range(1..=MAX_THREADS))]
        threads: Option<usize>,
        /// Items finished in each past period, oldest first, e.g. `1,3,5,0,2` (each 0 to
        /// 1,000,000, at least one of them above 0).
        #[arg(long, value_name = "COUNTS", conflicts_with = "history", value_parser = throughput_counts)]
        throughput: Option<Counts>,
        /// Count the history from completion dates: a CSV file (one per row) or a plan's
        /// finished work tasks (.toml, .xml); `-` reads standard input.
        #[arg(long, value_name = "FILE")]
        history: Option<PathBuf>,
        /// The CSV column holding the completion dates: a header name or a number (1 = first).
        /// Default: the first column holding dates.
        #[arg(long, value_name = "NAME", requires = "history")]
        column: Option<String>,
        /// The last day of the history; later completions are left out. Default: the plan's
        /// status date, or the last completion.
        #[arg(long, value_name = "DATE", requires = "history")]
        as_of: Option<chrono::NaiveDate>,
        /// Also write the histogram and S-curve of the finish, with the deadline, as SVG.
        #[arg(long, value_name = "OUT")]
        svg: Option<PathBuf>,
        /// Length of one period of the history.
        #[arg(long, default_value = "week", value_parser = ["week", "day"])]
        period: String,
        /// How many items remain: a number or a range `100..120` (each size equally likely),
        /// 1 to 100,000. Default with a plan as --history: its unfinished work tasks.
        #[arg(long, allow_negative_numbers = true, value_name = "N", conflicts_with = "within", value_parser = item_range)]
        items: Option<(u64, u64)>,
        /// Forecast how many items are done within this many periods: 1 to 10,000.
        #[arg(long, allow_negative_numbers = true, value_name = "K", value_parser = RangedU64ValueParser::<u64>::new().range(1..=MAX_WITHIN))]
        within: Option<u64>,
        /// Date of the first forecast period, to turn periods into dates. Default with
        /// --history: the first period after the history.
        #[arg(long, value_name = "DATE")]
        start: Option<chrono::NaiveDate>,
        /// Print the forecast as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Check a plan for errors and red flags (the plan doctor).
    ///
    /// Reports every problem with file:line:column: malformed input, unknown references,
    /// dependency cycles, impossible constraints, missed deadlines, tasks without logic.
    /// Exits with status 1 when there is an error, so it can fail a CI build.
    ///
    /// Examples:
    ///   waymark check examples/crm-rollout.plan.toml
    ///   waymark check plan.toml --json
    #[command(verbatim_doc_comment)]
    Check {
        /// The plan file (.toml) or Microsoft Project XML file (.xml); `-` reads standard input.
        file: PathBuf,
        /// The plan's format, when the file name does not say (default: by extension; for `-`,
        /// XML when the text starts with `<`, else TOML).
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// Print the findings as JSON on stdout (without it they go to stderr, like every
        /// command's diagnostics).
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script on stdout.
    ///
    /// Examples:
    ///   waymark completions bash > ~/.local/share/bash-completion/completions/waymark
    ///   waymark completions zsh > ~/.zfunc/_waymark
    ///   waymark completions fish > ~/.config/fish/completions/waymark.fish
    #[command(verbatim_doc_comment)]
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Run the Waymark server: the JSON API under /api/v1 for a team's shared projects.
    ///
    /// The database is a SQLite file (created when missing) or a PostgreSQL URL; its schema is
    /// brought up to date at start. On an empty database the server prints a one-time link that
    /// creates the first administrator. Stop it with Ctrl-C or SIGTERM: requests in flight finish.
    /// Logs go to stderr (RUST_LOG sets the level, e.g. RUST_LOG=debug).
    ///
    /// Examples:
    ///   waymark serve --demo
    ///   waymark serve --database postgres://waymark@db/waymark --listen 0.0.0.0:8080
    #[command(verbatim_doc_comment)]
    Serve {
        /// A SQLite file path (or sqlite://PATH), or a postgres:// URL.
        #[arg(long, value_name = "URL", default_value = "waymark.db")]
        database: String,
        /// The address and port to listen on.
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// Load the three example projects and a user `demo` (password `demo`) who owns them.
        #[arg(long)]
        demo: bool,
        /// Let --demo listen on an address other than loopback (its password is public).
        #[arg(long, requires = "demo")]
        demo_public: bool,
        /// Mark the session cookie Secure: set this when clients reach the server over HTTPS
        /// (for example through a TLS-terminating proxy).
        #[arg(long)]
        secure_cookies: bool,
        /// How long a page waits for the forecast figures of a project's latest change before
        /// it shows the previous ones, marked as updating, and reloads itself once the new
        /// ones are ready. The figures are computed in the background after every change, so
        /// pages of small projects always wait them out; 0 never waits. At most 3600000 (an hour).
        #[arg(
            long,
            allow_negative_numbers = true,
            value_name = "MS",
            default_value_t = waymark_web::DEFAULT_PAGE_WAIT_MS,
            value_parser = RangedU64ValueParser::<u64>::new().range(0..=MAX_PAGE_WAIT_MS)
        )]
        page_wait: u64,
        /// Write logs as JSON lines instead of text.
        #[arg(long)]
        log_json: bool,
    },
    /// Manage accounts from the command line (for scripts and first set-up).
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create a user; the password is read from the first line of stdin.
    ///
    /// Example:
    ///   printf '%s\n' "$PASSWORD" | waymark admin create-user ana --admin --database waymark.db
    #[command(verbatim_doc_comment)]
    CreateUser {
        /// The sign-in name.
        name: String,
        /// Make the user an administrator (sees and manages every project).
        #[arg(long)]
        admin: bool,
        /// The name shown to people (default: the sign-in name).
        #[arg(long, value_name = "TEXT")]
        display_name: Option<String>,
        /// A SQLite file path (or sqlite://PATH), or a postgres:// URL.
        #[arg(long, value_name = "URL", default_value = "waymark.db")]
        database: String,
    },
    /// Create an API token for a user and print it on stdout (shown once).
    ///
    /// Example:
    ///   TOKEN=$(waymark admin create-token ana --database waymark.db)
    ///   curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8080/api/v1/projects
    #[command(verbatim_doc_comment)]
    CreateToken {
        /// The user's sign-in name.
        name: String,
        /// What the token is for, as listed in the user's tokens.
        #[arg(long, value_name = "TEXT", default_value = "command line")]
        token_name: String,
        /// Days until the token expires, 1 to 36500 (default: until revoked).
        #[arg(long, allow_negative_numbers = true, value_name = "DAYS", value_parser = RangedU64ValueParser::<u32>::new().range(1..=MAX_TOKEN_DAYS))]
        expires_in_days: Option<u32>,
        /// A SQLite file path (or sqlite://PATH), or a postgres:// URL.
        #[arg(long, value_name = "URL", default_value = "waymark.db")]
        database: String,
    },
}

/// The most `level --schedules`.
pub const MAX_SCHEDULES: u64 = 1_000_000_000;
/// The most `forecast --iterations`: ten million (the finishes alone take 80 MB).
pub const MAX_ITERATIONS: u64 = 10_000_000;
/// The most `forecast --threads`.
pub const MAX_THREADS: u64 = 1024;
/// The most items per period of a throughput history (core's limit).
pub const MAX_ITEMS: u64 = waymark_core::throughput::MAX_ITEMS;
/// The most `forecast --items`: the exact forecast costs periods times items, so core's
/// million would run for hours.
pub const MAX_SCOPE: u64 = 100_000;
/// The most `forecast --within` periods, for the same reason.
pub const MAX_WITHIN: u64 = 10_000;
/// The longest `serve --page-wait`, in milliseconds.
pub const MAX_PAGE_WAIT_MS: u64 = 3_600_000;
/// The longest life of a token made by `admin create-token --expires-in-days`: 100 years.
pub const MAX_TOKEN_DAYS: u64 = 36_500;

/// `level --time-limit`: seconds, a finite number above 0 and at most an hour.
fn parse_time_limit(text: &str) -> Result<f64, String> {
    let seconds: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds, e.g. 0.5 or 10"))?;
    if !seconds.is_finite() || seconds <= 0.0 || seconds > MAX_TIME_LIMIT_SECONDS {
        return Err(format!(
            "{text} is not a time limit: give seconds above 0 and at most {MAX_TIME_LIMIT_SECONDS}"
        ));
    }
    Ok(seconds)
}

/// Items finished per period, oldest first (`forecast --throughput 1,3,5,0,2`).
#[derive(Clone, Debug)]
pub struct Counts(pub Vec<u64>);

/// `forecast --throughput`: whole numbers 0 to [`MAX_ITEMS`] separated by commas, at least one
/// of them above 0 (a team that finished nothing has no pace to forecast from).
fn throughput_counts(text: &str) -> Result<Counts, String> {
    let counts = text
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| match part.parse::<u64>() {
            Ok(count) if count <= MAX_ITEMS => Ok(count),
            Ok(_) => Err(format!(
                "{part} items in one period is more than {MAX_ITEMS}"
            )),
            Err(_) => Err(format!(
                "`{part}` is not a whole number of items (e.g. 1,3,5,0,2)"
            )),
        })
        .collect::<Result<Vec<u64>, String>>()?;
    if counts.is_empty() {
        return Err("give the items finished in each past period, e.g. 1,3,5,0,2".to_string());
    }
    if counts.iter().all(|&count| count == 0) {
        return Err(
            "every period finished 0 items, so there is no pace to forecast from".to_string(),
        );
    }
    Ok(Counts(counts))
}

/// `forecast --items`: `N` or `N..M`, whole numbers 1 to [`MAX_SCOPE`], N at most M.
fn item_range(text: &str) -> Result<(u64, u64), String> {
    let number = |part: &str| match part.trim().parse::<u64>() {
        Ok(n) if (1..=MAX_SCOPE).contains(&n) => Ok(n),
        _ => Err(format!(
            "`{}` is not a number of items from 1 to {MAX_SCOPE}; give N or a range N..M",
            part.trim()
        )),
    };
    let (from, to) = match text.split_once("..") {
        Some((from, to)) => (number(from)?, number(to)?),
        None => {
            let n = number(text)?;
            (n, n)
        }
    };
    if from > to {
        return Err(format!(
            "the range {from}..{to} is empty: the first number must not exceed the second"
        ));
    }
    Ok((from, to))
}

/// Run a parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Schedule {
            file,
            format,
            json,
            svg,
        } => run_schedule(&file, format, json, svg.as_deref()),
        Command::Check { file, format, json } => run_check(&file, format, json),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "waymark", &mut script);
            output::print_text(&String::from_utf8_lossy(&script))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            database,
            listen,
            demo,
            demo_public,
            secure_cookies,
            page_wait,
            log_json,
        } => crate::server::serve(crate::server::ServeArgs {
            database,
            listen,
            demo,
            demo_public,
            secure_cookies,
            page_wait: std::time::Duration::from_millis(page_wait),
            log_json,
        }),
        Command::Admin(AdminCommand::CreateUser {
            name,
            admin,
            display_name,
            database,
        }) => crate::server::create_user(&database, &name, display_name.as_deref(), admin),
        Command::Admin(AdminCommand::CreateToken {
            name,
            token_name,
            expires_in_days,
            database,
        }) => crate::server::create_token(&database, &name, &token_name, expires_in_days),
        Command::Forecast {
            file,
            format,
            iterations,
            seed,
            threads,
            throughput,
            history,
            column,
            as_of,
            svg,
            period,
            items,
            within,
            start,
            json,
        } => {
            use crate::forecast::{HistorySource, ThroughputArgs};
            // clap drops `requires = "history"` when an argument that conflicts with --history
            // is present, so say it here.
            if history.is_none() && (column.is_some() || as_of.is_some()) {
                anyhow::bail!(
                    "--column and --as-of read completion dates: use them with --history FILE"
                );
            }
            let source = match (&throughput, &history, file) {
                (Some(counts), _, _) => HistorySource::Counts(&counts.0),
                (None, Some(path), _) => HistorySource::File {
                    path,
                    format,
                    column: column.as_deref(),
                    as_of,
                },
                (None, None, Some(file)) => {
                    return crate::forecast::run_plan(
                        &file,
                        format,
                        crate::forecast::PlanArgs {
                            iterations,
                            seed,
                            threads,
                        },
                        json,
                        svg.as_deref(),
                    )
                }
                (None, None, None) => {
                    anyhow::bail!("give a plan FILE, --throughput COUNTS or --history FILE")
                }
            };
            crate::forecast::run_throughput(&ThroughputArgs {
                source,
                period: &period,
                items,
                within,
                start,
                json,
            })
        }
        Command::Level {
            files,
            format,
            json,
            svg,
            within_float,
            explain,
            time_limit,
            seed,
            schedules,
        } => {
            if files.iter().filter(|f| input::is_stdin(f)).count() > 1 {
                anyhow::bail!("standard input (`-`) can be read once: give it as one plan only");
            }
            let psplib = files
                .iter()
                .any(|f| f.extension().is_some_and(|e| e.eq_ignore_ascii_case("sm")));
            if psplib {
                let [file] = files.as_slice() else {
                    anyhow::bail!("give one PSPLIB instance (.sm) at a time")
                };
                let settings = crate::psplib::PsplibSettings {
                    json,
                    time_limit,
                    seed,
                    schedules,
                };
                return crate::psplib::level_psplib(file, &settings);
            }
            let settings = crate::level::Settings {
                within_float,
                explain,
                time_limit,
                seed,
                schedules,
            };
            crate::level::run_level(&files, format, json, svg.as_deref(), &settings)
        }
        Command::Load {
            file,
            format,
            json,
            period,
            svg,
        } => {
            let period = if period == "day" {
                waymark_core::load::Period::Day
            } else {
                waymark_core::load::Period::Week
            };
            crate::load::run_load(&file, format, json, period, svg.as_deref())
        }
    }
}

fn run_schedule(
    file: &std::path::Path,
    format: Option<Format>,
    json: bool,
    svg: Option<&std::path::Path>,
) -> Result<ExitCode> {
    let Some(input) = input::load(file, format)? else {
        return Ok(ExitCode::from(1));
    };
    // Schedule first: a plan that schedules has no cycle, and looking for every cycle builds and
    // orders the graph a second time (3 % of a 100,000-task run). Only a failed schedule is
    // searched for cycles, which are reported in preference to the error.
    let computed = match schedule(&input.plan) {
        Ok(computed) => computed,
        Err(error) => {
            input::report(&input.name, &doctor::schedule_failure(&input.plan, &error));
            return Ok(ExitCode::from(1));
        }
    };
    input::report(&input.name, &input.warnings);
    if let Some(path) = svg {
        let chart = waymark_report::gantt_chart(&input.plan, &computed);
        let svg_text = waymark_report::gantt_svg(&chart);
        crate::files::write_atomically(path, svg_text.as_bytes())
            .with_context(|| format!("cannot write the Gantt chart to {}", path.display()))?;
    }
    if json {
        output::print_json(&output::schedule_json(&input.plan, &computed))?;
    } else {
        output::print_text(&output::schedule_table(&input.plan, &computed))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn run_check(file: &std::path::Path, format: Option<Format>, json: bool) -> Result<ExitCode> {
    let (name, diagnostics) = match input::load_quiet(file, format)? {
        Err((name, diagnostics)) => (name, diagnostics),
        Ok(Input {
            name,
            plan,
            mut warnings,
        }) => {
            let forecast = doctor::timeline_applies(&plan)
                .then(|| {
                    let options = waymark_core::forecast::ForecastOptions::DEFAULT;
                    waymark_core::forecast::forecast(&plan, &options, crate::forecast::every_core())
                        .ok()
                })
                .flatten();
            warnings.extend(doctor::red_flags(&plan, forecast.as_ref()));
            (name, warnings)
        }
    };
    let mut diagnostics = diagnostics;
    diagnostics.sort_by_key(|d| (d.location.map(|l| (l.line, l.column)), d.severity));
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    if json {
        output::print_json(&output::check_json(&name, &diagnostics))?;
    } else {
        let mut text = input::render_all(&name, &diagnostics);
        let warnings = diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count();
        text.push_str(&format!(
            "{name}: {errors} error(s), {warnings} warning(s)\n"
        ));
        // Findings are diagnostics: on stderr like every command's, so stdout carries only
        // documents (--json).
        eprint!("{text}");
    }
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
