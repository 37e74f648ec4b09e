//! `waymark serve` and `waymark admin` as a user runs them: the real binary, a database in a
//! temporary folder, a real socket on a free loopback port, and SIGTERM to stop it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn waymark() -> Command {
    Command::new(env!("CARGO_BIN_EXE_waymark"))
}

/// A plain HTTP/1.1 GET on loopback; the status line and the body. A connection reset on a
/// busy machine is tried again, twice.
fn get(address: &str, path: &str, token: Option<&str>) -> (String, String) {
    let mut tries = 0;
    loop {
        match try_get(address, path, token) {
            Ok(answer) => return answer,
            Err(error) if tries < 2 => {
                eprintln!("GET {path}: {error}; trying again");
                tries += 1;
                std::thread::sleep(Duration::from_millis(200));
            }
            Err(error) => panic!("GET {path}: {error}"),
        }
    }
}

fn try_get(address: &str, path: &str, token: Option<&str>) -> std::io::Result<(String, String)> {
    let mut stream = TcpStream::connect(address)?;
    // A forecast of 10,000 iterations takes a while in a debug build.
    stream.set_read_timeout(Some(Duration::from_secs(120)))?;
    let authorization = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\n{authorization}Connection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    Ok((
        head.lines().next().unwrap_or_default().to_owned(),
        body.to_owned(),
    ))
}

#[test]
fn serve_prints_the_setup_link_answers_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = dir.path().join("waymark.db");
    let mut child = waymark()
        .args(["serve", "--listen", "127.0.0.1:0", "--database"])
        .arg(&database)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start waymark serve");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut setup = None;
    let mut address = None;
    for line in lines.by_ref() {
        let line = line.expect("a line");
        if let Some(at) = line.find("/setup?token=") {
            setup = Some(line[at..].to_owned());
        }
        if let Some(rest) = line.strip_prefix("Waymark is listening on http://") {
            address = rest.split('/').next().map(str::to_owned);
            break;
        }
    }
    let address = address.expect("the address");
    let setup = setup.expect("a setup link on an empty database");
    assert_eq!(get(&address, "/healthz", None).0, "HTTP/1.1 200 OK");
    let (status, body) = get(&address, &setup, None);
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(body.contains("<form"), "{body}");
    let (status, body) = get(&address, "/api/v1/projects", None);
    assert_eq!(status, "HTTP/1.1 401 Unauthorized");
    assert!(body.contains("\"unauthorized\""), "{body}");

    let stopped = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(stopped.success());
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "still running after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn demo_listens_on_loopback_only_unless_told() {
    let output = waymark()
        .args(["serve", "--demo", "--listen", "0.0.0.0:0", "--database"])
        .arg(tempfile::tempdir().expect("temp dir").path().join("w.db"))
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--demo-public"), "{stderr}");
}

fn admin(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = waymark()
        .arg("admin")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write");
    let output = child.wait_with_output().expect("wait");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn admin_creates_users_and_tokens() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = dir.path().join("waymark.db");
    let database = database.to_str().expect("path");
    let (code, _, stderr) = admin(
        &["create-user", "ana", "--admin", "--database", database],
        "correct horse\n",
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("administrator `ana`"), "{stderr}");
    let (code, _, stderr) = admin(
        &["create-user", "ana", "--database", database],
        "correct horse\n",
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("exists"), "{stderr}");
    let (code, _, stderr) = admin(&["create-user", "bob", "--database", database], "short\n");
    assert_eq!(code, 2);
    assert!(stderr.contains("at least 8"), "{stderr}");
    let (code, stdout, stderr) = admin(&["create-token", "ana", "--database", database], "");
    assert_eq!(code, 0, "{stderr}");
    let token = stdout.trim();
    assert!(token.starts_with("wmt_") && token.len() == 68, "{stdout}");
    let (code, _, stderr) = admin(&["create-token", "nobody", "--database", database], "");
    assert_eq!(code, 2);
    assert!(stderr.contains("no user named"), "{stderr}");

    // The token works against a server on the same database.
    let mut child = waymark()
        .args(["serve", "--listen", "127.0.0.1:0", "--database", database])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start");
    let address = BufReader::new(child.stdout.take().expect("stdout"))
        .lines()
        .map_while(Result::ok)
        .find_map(|line| {
            line.strip_prefix("Waymark is listening on http://")
                .and_then(|rest| rest.split('/').next().map(str::to_owned))
        })
        .expect("the address");
    let (status, body) = get(&address, "/api/v1/session", Some(token));
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status, "HTTP/1.1 200 OK", "{body}");
    assert!(body.contains("\"is_admin\":true"), "{body}");
}

/// Starts `waymark serve` with `args` on a free loopback port; the child and its address.
fn start_server(args: &[&str], database: &std::path::Path) -> (std::process::Child, String) {
    let mut child = waymark()
        .args(["serve", "--listen", "127.0.0.1:0", "--database"])
        .arg(database)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start waymark serve");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let address = lines.by_ref().map_while(Result::ok).find_map(|line| {
        line.strip_prefix("Waymark is listening on http://")
            .and_then(|rest| rest.split('/').next())
            .map(str::to_owned)
    });
    // Keep reading what the server prints after that: a closed pipe would end it at its next
    // line.
    std::thread::spawn(move || lines.for_each(drop));
    match address {
        Some(address) => (child, address),
        None => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server did not say where it listens");
        }
    }
}

/// Sends SIGKILL to a process when dropped (ignored once it has exited).
struct KillOnDrop(u32);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", &self.0.to_string()])
            .status();
    }
}

/// `waymark serve --demo` on a database in `dir`: the child, its address and an API token of
/// the demo user.
fn demo_server(dir: &std::path::Path) -> (std::process::Child, String, String) {
    let database = dir.join("waymark.db");
    let (child, address) = start_server(&["--demo"], &database);
    let (code, token, stderr) = admin(
        &[
            "create-token",
            "demo",
            "--database",
            database.to_str().expect("path"),
        ],
        "",
    );
    assert_eq!(code, 0, "{stderr}");
    (child, address, token.trim().to_owned())
}

fn json_get(address: &str, path: &str, token: &str) -> serde_json::Value {
    let (status, body) = get(address, path, Some(token));
    assert_eq!(status, "HTTP/1.1 200 OK", "{path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"))
}

#[test]
fn demo_projects_end_as_the_examples_after_two_weeks_of_history() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut child, address, token) = demo_server(dir.path());
    // A failed assertion must not leave the server running: it would keep the test's inherited
    // descriptors (and any lock the test runner holds) open.
    let _stop = KillOnDrop(child.id());
    let token = token.as_str();
    let projects = json_get(&address, "/api/v1/projects", token);
    let projects = projects["items"].as_array().expect("items");
    assert_eq!(projects.len(), 3);
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/");
    for project in projects {
        let id = project["id"].as_i64().expect("id");
        let name = project["name"].as_str().expect("name");
        // The schedule after the story is the example's schedule, task by task.
        let served = json_get(&address, &format!("/api/v1/projects/{id}/schedule"), token);
        let file = ["mobile-app", "crm-rollout", "website-launch"]
            .iter()
            .map(|stem| format!("{root}{stem}.plan.toml"))
            .find(|path| {
                std::fs::read_to_string(path)
                    .expect("example")
                    .contains(&format!("name = \"{name}\""))
            })
            .unwrap_or_else(|| panic!("no example named {name}"));
        let output = waymark()
            .args(["schedule", "--json", &file])
            .output()
            .expect("schedule");
        let expected: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("schedule json");
        assert_eq!(served["tasks"], expected["tasks"], "{name}");
        // Levelling is one run in core: the level view levels as `waymark level` does, date for
        // date and delay for delay, with the same seed and budget.
        let served = json_get(
            &address,
            &format!("/api/v1/projects/{id}/level?seed=3&schedules=60"),
            token,
        );
        let output = waymark()
            .args(["level", "--json", "--seed", "3", "--schedules", "60"])
            .args(["--time-limit", "60", &file])
            .output()
            .expect("level");
        let expected: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("level json");
        assert!(!expected["tasks"].as_array().expect("tasks").is_empty());
        for key in ["tasks", "finish_before", "cut_short"] {
            assert_eq!(served[key], expected[key], "{name}: {key}");
        }
        // An over-allocation names its plan by file on the command line, by project online.
        let unresolved = |document: &serde_json::Value| -> Vec<serde_json::Value> {
            let mut list = document["unresolved"]
                .as_array()
                .expect("unresolved")
                .clone();
            for item in &mut list {
                item.as_object_mut().expect("an object").remove("plan");
            }
            list
        };
        assert_eq!(unresolved(&served), unresolved(&expected), "{name}");
        assert_eq!(served["project"]["finish"], expected["project"]["finish"]);
        // The history: the team's reports, in the past, by team members.
        let events = json_get(
            &address,
            &format!("/api/v1/projects/{id}/events?limit=500"),
            token,
        );
        let events = events["items"].as_array().expect("events");
        let reports: Vec<_> = events
            .iter()
            .filter(|event| event["entity"] == "task" && event["action"] == "update")
            .collect();
        assert!(reports.len() >= 4, "{name}: {} reports", reports.len());
        let first = events[0]["at"].as_str().expect("at");
        let last = reports.last().expect("a report")["at"]
            .as_str()
            .expect("at");
        assert!(first < last, "{name}: history runs forward");
        // The story is the fortnight before the plan's status date (the day its progress is
        // as of), not the real clock's: no progress is reported after the status date.
        let text = std::fs::read_to_string(&file).expect("example");
        let status_date = text
            .lines()
            .find_map(|line| line.strip_prefix("status_date = "))
            .expect("the examples have a status date")
            .trim();
        let end = format!("{}T17:00:00Z", &status_date[..10]);
        let span = chrono::DateTime::parse_from_rfc3339(&end)
            .expect("time")
            .signed_duration_since(chrono::DateTime::parse_from_rfc3339(first).expect("time"));
        assert_eq!(span.num_days(), 14, "{name}: imported {span} before {end}");
        let last_at = chrono::DateTime::parse_from_rfc3339(last).expect("time");
        assert!(
            last_at < chrono::DateTime::parse_from_rfc3339(&end).expect("time"),
            "{name}: reported at {last} after the status date {status_date}"
        );
        assert!(
            reports
                .iter()
                .any(|event| event["actor"] != events[0]["actor"]),
            "{name}: someone of the team reported"
        );
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

/// The API's forecast of each demo project (the default settings, computed once per revision
/// and shown by every page) is what `waymark forecast --json` prints for the project's export
/// with the same iterations and seed, number for number; `waymark check` on the export names
/// the same chance of the deadline.
#[test]
fn the_served_forecast_is_the_cli_forecast_of_the_exported_plan() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut child, address, token) = demo_server(dir.path());
    // A failed assertion must not leave the server running: it would keep the test's inherited
    // descriptors (and any lock the test runner holds) open.
    let _stop = KillOnDrop(child.id());
    let token = token.as_str();
    let projects = json_get(&address, "/api/v1/projects", token);
    for project in projects["items"].as_array().expect("items") {
        let id = project["id"].as_i64().expect("id");
        let served = json_get(&address, &format!("/api/v1/projects/{id}/forecast"), token);
        assert!(!served["milestones"]
            .as_array()
            .expect("milestones")
            .is_empty());
        let (status, text) = get(
            &address,
            &format!("/api/v1/projects/{id}/export?format=plan"),
            Some(token),
        );
        assert_eq!(status, "HTTP/1.1 200 OK", "{text}");
        let file = dir.path().join(format!("{id}.plan.toml"));
        std::fs::write(&file, text).expect("write the export");
        let output = waymark()
            .args(["forecast", "--json", "--iterations"])
            .arg(served["iterations"].to_string())
            .arg("--seed")
            .arg(served["seed"].to_string())
            .arg(&file)
            .output()
            .expect("forecast");
        assert!(output.status.success(), "{output:?}");
        let printed: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("forecast json");
        assert_eq!(printed, served, "project {id}");
        let check = waymark()
            .args(["check", "--json"])
            .arg(&file)
            .output()
            .expect("check");
        let check = String::from_utf8_lossy(&check.stdout);
        if check.contains("unrealistic timeline") {
            let chance = served["deadline"]["probability"].as_f64().expect("chance");
            let words = format!("{:.0} % chance of meeting the deadline", chance * 100.0);
            assert!(check.contains(&words), "{words}: {check}");
        }
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

#[test]
fn serve_keeps_running_when_its_output_is_gone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = dir.path().join("waymark.db");
    // A free port, released for the server.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let address = format!("127.0.0.1:{port}");
    let mut child = waymark()
        .args(["serve", "--demo", "--listen", &address, "--database"])
        .arg(&database)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start waymark serve");
    // Nobody reads what it prints: its first line meets a closed pipe.
    drop(child.stdout.take());
    let started = Instant::now();
    let healthy = loop {
        if let Ok((status, _)) = try_get(&address, "/healthz", None) {
            break status;
        }
        if started.elapsed() > Duration::from_secs(30) || child.try_wait().ok().flatten().is_some()
        {
            break "no answer".to_owned();
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    // It answers, and goes on answering after printing the demo account's line.
    std::thread::sleep(Duration::from_millis(300));
    let again = try_get(&address, "/healthz", None).map(|(status, _)| status);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(healthy, "HTTP/1.1 200 OK");
    assert_eq!(again.ok().as_deref(), Some("HTTP/1.1 200 OK"));
}
