//! `waymark serve` and `waymark admin` as a user runs them: the real binary, a database in a
//! temporary folder, a real socket on a free loopback port, and SIGTERM to stop it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn waymark() -> Command {
    Command::new(env!("CARGO_BIN_EXE_waymark"))
}

/// A plain HTTP/1.1 GET on loopback; the status line and the body.
fn get(address: &str, path: &str, token: Option<&str>) -> (String, String) {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let authorization = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\n{authorization}Connection: close\r\n\r\n"
    )
    .expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    (
        head.lines().next().unwrap_or_default().to_owned(),
        body.to_owned(),
    )
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
