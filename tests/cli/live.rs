//! `status`, `pause` and `resume` against a real running `audit` reading a landmark stream
//! through a pipe; and `status` never writing.

use crate::common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{
    LIVENESS, audit_from_pipe, ergoaudit, feed_and_drain, feed_and_wait, ok, side_frame, stored_samples,
    stream,
};
use serde_json::Value;
use tempfile::TempDir;

/// Upright and moving a little.
fn upright(t: f64) -> String {
    side_frame(t, 4.0, if (t / 5.0) as i64 % 2 == 0 { 0.0 } else { 40.0 })
}

/// Run ergoaudit on `db` (in UTC, so that "today" is the test's).
fn run(home: &TempDir, db: &Path, args: &[&str]) -> String {
    ok(ergoaudit(home).args(args).arg("--db").arg(db).env("TZ", "UTC").timeout(LIVENESS))
}

/// `status --json`, which must be one line of JSON.
fn bar(home: &TempDir, db: &Path) -> Value {
    let out = run(home, db, &["status", "--json"]);
    assert_eq!(out.lines().count(), 1, "{out}");
    serde_json::from_str(&out).unwrap()
}

/// Wait until `status --json` says `class`.
fn wait_for_class(home: &TempDir, db: &Path, class: &str) -> Value {
    let deadline = Instant::now() + LIVENESS;
    loop {
        let v = bar(home, db);
        if v["class"] == class {
            return v;
        }
        assert!(Instant::now() < deadline, "status never said {class}: {v}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn t_s_of(home: &TempDir, db: &Path) -> Vec<f64> {
    run(home, db, &["export", "--format", "jsonl"])
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["t_s"].as_f64().unwrap())
        .collect()
}

#[test]
fn status_pause_and_resume_steer_a_running_audit() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("history.sqlite");
    // no audit, no history: stopped
    let v = bar(&home, &db);
    assert_eq!((v["class"].as_str(), v["text"].as_str()), (Some("stopped"), Some("off")), "{v}");
    assert!(run(&home, &db, &["status"]).contains("none recording into"));

    let (mut child, fifo) = audit_from_pipe(&home, &db, "live.jsonl");
    let mut pipe = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    wait_for_class(&home, &db, "starting");
    // a minute upright: 11 of the 12 samples are committed (the last once the next begins)
    feed_and_wait(&home, &db, &mut pipe, &stream(0.0, 60.0, 5.0, upright), 11);
    let v = bar(&home, &db);
    assert_eq!(v["class"], "ok", "{v}");
    assert!(v["text"].as_str().unwrap().starts_with("sit "), "{v}");
    let tooltip = v["tooltip"].as_str().unwrap();
    assert!(tooltip.contains("recording into") && tooltip.contains("neck flexion 4.0° ok"), "{tooltip}");
    let text = run(&home, &db, &["status"]);
    assert!(
        text.contains("session 1") && text.contains("pause: none") && text.contains("today: present"),
        "{text}"
    );

    // pause for a meeting
    let said = run(&home, &db, &["pause", "30m"]);
    assert!(said.starts_with("paused until"), "{said}");
    let v = wait_for_class(&home, &db, "paused");
    assert!(v["text"].as_str().unwrap().starts_with("paused 30m") || v["text"] == "paused 29m", "{v}");
    assert!(run(&home, &db, &["status"]).contains("left)"));
    // what arrives during the pause is dropped (the sample under way, 55 s, is committed
    // when the pause begins)
    feed_and_drain(&mut pipe, &stream(60.0, 300.0, 5.0, upright));
    assert_eq!(stored_samples(&home, &db), 12, "nothing recorded while paused");

    // resume: sampling goes on
    assert_eq!(run(&home, &db, &["resume"]).trim(), "resumed: the audit samples again");
    feed_and_wait(&home, &db, &mut pipe, &stream(300.0, 360.0, 5.0, upright), 23);
    assert_eq!(bar(&home, &db)["class"], "ok");
    drop(pipe);
    assert!(child.wait().unwrap().success());

    let t = t_s_of(&home, &db);
    assert!(t.iter().all(|&t| !(60.0..300.0).contains(&t)), "samples in the pause: {t:?}");
    assert_eq!(t.len(), 24);
    // the pause is stored: neither present nor away in the report
    let report: Value = serde_json::from_str(&run(&home, &db, &["report", "--format", "json"])).unwrap();
    assert_eq!(
        report["time"]["paused_s"], 240.0,
        "from the first frame dropped (60 s) to the first kept (300 s)"
    );
    assert_eq!(report["time"]["present_s"], 120.0);
    assert_eq!(report["time"]["breaks_taken"], 0, "a pause is no break");

    // no audit: status says so, and pause and resume say so too
    assert_eq!(wait_for_class(&home, &db, "stopped")["text"], "off");
    let said = run(&home, &db, &["pause", "1h"]);
    assert!(said.starts_with("no audit is recording into") && said.contains("begins paused"), "{said}");
    // an audit started during a pause begins paused
    let (mut child, fifo) = audit_from_pipe(&home, &db, "second.jsonl");
    let mut pipe = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    wait_for_class(&home, &db, "paused");
    feed_and_drain(&mut pipe, &stream(0.0, 60.0, 5.0, upright));
    assert_eq!(stored_samples(&home, &db), 24, "the new audit records nothing while paused");
    run(&home, &db, &["resume"]);
    feed_and_wait(&home, &db, &mut pipe, &stream(60.0, 120.0, 5.0, upright), 35);
    drop(pipe);
    assert!(child.wait().unwrap().success());
    let history: Value = serde_json::from_str(&run(&home, &db, &["history", "--json"])).unwrap();
    assert_eq!(history[1]["samples"], 12, "session 2 samples from 60 s on");
    assert_eq!(
        run(&home, &db, &["resume"]).trim(),
        format!("nothing to resume: no pause, and no audit recording into {}", db.display())
    );
}

/// Every file in `dir` with its length and modification time.
fn snapshot(dir: &Path) -> Vec<(String, u64, std::time::SystemTime)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let m = e.metadata().unwrap();
            (e.file_name().to_string_lossy().into_owned(), m.len(), m.modified().unwrap())
        })
        .collect();
    out.sort();
    out
}

#[test]
fn status_writes_nothing_and_counts_today_s_present_time_and_breaks() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let db = data.join("history.sqlite");
    // a finished audit: 10 min with the neck bent 30° (a posture finding), 3 min away
    let mut lines =
        stream(0.0, 600.0, 5.0, |t| side_frame(t, 30.0, if (t / 5.0) as i64 % 2 == 0 { 0.0 } else { 40.0 }));
    lines.extend(stream(600.0, 780.0, 5.0, common::empty_frame));
    lines.extend(stream(780.0, 900.0, 5.0, upright));
    let file = home.path().join("s.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    // dated so that all of it falls today (UTC), whenever the test runs
    let now = jiff::Timestamp::now();
    let midnight = now.to_zoned(jiff::tz::TimeZone::UTC).start_of_day().unwrap().timestamp();
    let start = (now - jiff::SignedDuration::from_mins(16)).max(midnight).to_string();
    run(
        &home,
        &db,
        &["audit", "--no-notify", "--recorded-at", &start, "--landmarks", file.to_str().unwrap()],
    );
    let before = snapshot(&data);
    let text = run(&home, &db, &["status"]);
    let v = bar(&home, &db);
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(snapshot(&data), before, "status changed the data folder");
    // not running: no open findings are claimed; today's figures are there
    assert_eq!(v["class"], "stopped");
    assert!(text.contains("none recording into"), "{text}");
    assert!(!text.contains("open findings"), "{text}");
    // all of it is today: 10 min and the first empty sample present (the absence is
    // confirmed by the second), then 2 min back less the sample that confirms the return
    assert!(text.contains("today: present 12 min, paused 0 s, breaks 1 of 0 due"), "{text}");
}

#[test]
fn the_running_audit_answers_on_the_session_bus() {
    use ergoaudit::control::{Client, INTERFACE, NAME};
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("history.sqlite");
    let bus = common::bus::Bus::start();
    let on_bus = |args: &[&str]| {
        ok(ergoaudit(&home)
            .args(args)
            .arg("--db")
            .arg(&db)
            .env("TZ", "UTC")
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            .timeout(LIVENESS))
    };
    // every StatusChanged the audit sends, heard by a listener of the test's own
    let (heard, changes) = std::sync::mpsc::channel::<Value>();
    let listener = bus.connect();
    let rule = zbus::MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .interface(INTERFACE)
        .member("StatusChanged")
        .build()
        .unwrap();
    let mut signals = zbus::block_on(zbus::MessageStream::for_match_rule(rule, &listener, None)).unwrap();
    std::thread::spawn(move || {
        zbus::block_on(async move {
            use futures_lite::StreamExt;
            while let Some(Ok(m)) = signals.next().await {
                let json: String = m.body().deserialize().unwrap();
                if heard.send(serde_json::from_str(&json).unwrap()).is_err() {
                    break;
                }
            }
        })
    });
    let until_class = |class: &str| loop {
        let v = changes.recv_timeout(LIVENESS).unwrap_or_else(|_| panic!("no StatusChanged to {class}"));
        if v["class"] == class {
            return v;
        }
    };

    let fifo = home.path().join("live.jsonl");
    common::mkfifo(&fifo);
    let mut child = common::std_command(home.path())
        .args(["audit", "--no-notify", "--landmarks"])
        .arg(&fifo)
        .arg("--db")
        .arg(&db)
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut pipe = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    feed_and_wait(&home, &db, &mut pipe, &stream(0.0, 60.0, 5.0, upright), 11);
    // the person was found: announced by the audit itself
    until_class("ok");
    // the audit owns its name; the interface answers for this database only
    let audit = Client::find(&db, Some(&bus.address)).expect("the audit answers on the bus");
    assert!(Client::find(&home.path().join("other.sqlite"), Some(&bus.address)).is_none());
    let status: Value = serde_json::from_str(&audit.status().unwrap()).unwrap();
    assert_eq!(status["class"], "ok", "{status}");
    assert_eq!(bar(&home, &db)["class"], "ok");
    let v: Value = serde_json::from_str(&on_bus(&["status", "--json"])).unwrap();
    assert_eq!(v["class"], "ok", "status --json through the bus: {v}");

    // `ergoaudit pause` through the bus: the audit pauses and says so
    let said = on_bus(&["pause"]);
    assert!(said.starts_with("paused until `ergoaudit resume`"), "{said}");
    let v = until_class("paused");
    assert_eq!(v["text"], "paused", "{v}");
    // Resume() over the bus, then Pause(90) over the bus
    audit.resume().unwrap();
    let v = changes.recv_timeout(LIVENESS).expect("a StatusChanged after the resume");
    assert_ne!(v["class"], "paused", "{v}");
    audit.pause(90).unwrap();
    let v = until_class("paused");
    assert!(v["text"] == "paused 2m" || v["text"] == "paused 1m", "{v}");
    // a pause beyond the limit is refused, in one line
    let refused = audit.pause(u64::MAX).unwrap_err();
    assert!(refused.contains("longer than ten years"), "{refused}");
    let said = on_bus(&["resume"]);
    assert_eq!(said.trim(), "resumed: the audit samples again");
    assert!(ergoaudit::audit::PauseFile::of(&db).active(jiff::Timestamp::now()).unwrap().is_none());

    drop(pipe);
    assert!(common::wait_live(&mut child, "audit").success());
    // the name goes with the audit
    assert!(Client::find(&db, Some(&bus.address)).is_none(), "{NAME} is let go");
}
