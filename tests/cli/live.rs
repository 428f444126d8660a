//! `status`, `pause` and `resume` against a real running `audit` reading a landmark stream
//! through a pipe; and `status` never writing.

use crate::common;

use std::collections::HashMap;
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

/// Start `audit` (notifications on, `extra` flags) reading landmarks from a pipe, on the
/// test's session bus; the child, the pipe's writing end, and the file its stderr goes to.
fn audit_on_bus(
    home: &TempDir,
    db: &Path,
    bus: &common::bus::Bus,
    extra: &[&str],
) -> (std::process::Child, std::fs::File, std::path::PathBuf) {
    let fifo = home.path().join("live.jsonl");
    common::mkfifo(&fifo);
    let log = home.path().join("stderr.txt");
    // the browser: a stand-in that says what it was asked to open
    let bin = home.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let opened = home.path().join("opened");
    common::write_executable(
        &bin.join("xdg-open"),
        &format!("#!/bin/sh\nprintf %s \"$1\" > '{}'\n", opened.display()),
    );
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let child = common::std_command(home.path())
        .args(["-v", "audit"])
        .args(extra)
        .arg("--landmarks")
        .arg(&fifo)
        .arg("--db")
        .arg(db)
        .env("TZ", "UTC")
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env("PATH", path)
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let pipe = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    (child, pipe, log)
}

/// Wait until the audit's stderr (in `log`) says `what`.
fn until_said(log: &Path, what: &str) -> String {
    let deadline = Instant::now() + LIVENESS;
    loop {
        let said = std::fs::read_to_string(log).unwrap();
        if said.contains(what) {
            return said;
        }
        assert!(Instant::now() < deadline, "the audit never said {what:?}: {said}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn do_not_disturb_holds_the_notifications_and_sums_them_up_when_it_ends() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("history.sqlite");
    let bus = common::bus::Bus::start();
    let shown = bus.notifications(true);
    let (mut child, mut pipe, log) = audit_on_bus(&home, &db, &bus, &[]);
    // 50 minutes at the desk: a break falls due at 45, while Do Not Disturb is on
    feed_and_wait(&home, &db, &mut pipe, &stream(0.0, 3000.0, 5.0, upright), 599);
    let said = until_said(&log, "Do Not Disturb: the notification waits");
    assert!(said.contains("following Do Not Disturb through org.freedesktop.Notifications"), "{said}");
    assert!(shown.try_recv().is_err(), "nothing pops up in Do Not Disturb");
    bus.set_inhibited(false);
    until_said(&log, "Do Not Disturb is off");
    // the next sample shows what was held, once
    feed_and_wait(&home, &db, &mut pipe, &stream(3000.0, 3030.0, 5.0, upright), 605);
    drop(pipe);
    assert!(common::wait_live(&mut child, "audit").success());
    let (title, body) =
        shown.recv_timeout(LIVENESS).expect("the held notifications, once Do Not Disturb ended");
    let held = if title.starts_with("While Do Not Disturb was on") { body.as_str() } else { title.as_str() };
    assert!(held.contains("Movement break overdue"), "{title}: {body}");
    assert!(shown.try_recv().is_err(), "one notification sums them up");
}

#[test]
fn the_tray_icon_shows_the_band_and_its_menu_pauses_the_audit() {
    use zbus::{OwnedVariant as OwnedValue, Variant};
    type Pixmaps = Vec<(i32, i32, Vec<u8>)>;
    type Layout = (i32, HashMap<String, OwnedValue>, Vec<OwnedValue>);
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("history.sqlite");
    let bus = common::bus::Bus::start();
    let items = bus.tray_host();
    let (mut child, mut pipe, _log) = audit_on_bus(&home, &db, &bus, &["--no-notify", "--tray"]);
    let service = items.recv_timeout(LIVENESS).expect("the audit registers its tray icon");
    feed_and_wait(&home, &db, &mut pipe, &stream(0.0, 60.0, 5.0, upright), 11);
    let conn = bus.connect();
    // the item's properties read afresh each time (an item announces a new icon by a signal,
    // not as a property change a cache would follow)
    let proxy = |path: &'static str, interface: &'static str| {
        let builder = zbus::proxy::Builder::<zbus::Proxy>::new(&conn)
            .destination(service.clone())
            .path(path)
            .interface(interface)
            .cache_properties(zbus::proxy::CacheProperties::No);
        zbus::block_on(builder.build()).unwrap()
    };
    let item = proxy("/StatusNotifierItem", "org.kde.StatusNotifierItem");
    // the icon takes the band's colour once the person is found: a green disc while upright
    let centre = || {
        let pixmaps: Pixmaps = zbus::block_on(item.get_property("IconPixmap")).unwrap();
        let (w, h, data) = &pixmaps[0];
        let i = ((h / 2 * w + w / 2) * 4) as usize;
        [data[i], data[i + 1], data[i + 2], data[i + 3]]
    };
    let deadline = Instant::now() + LIVENESS;
    while centre() != [255, 0x2e, 0x9e, 0x4f] {
        assert!(Instant::now() < deadline, "the icon never turned green: {:?}", centre());
        std::thread::sleep(Duration::from_millis(20));
    }
    // the tooltip is the status
    let (_, _, title, _): (String, Pixmaps, String, String) =
        zbus::block_on(item.get_property("ToolTip")).unwrap();
    assert!(title.starts_with("ergoaudit: ") && !title.contains("starting"), "{title}");
    // the menu: pauses, resume, today's report
    let menu = proxy("/MenuBar", "com.canonical.dbusmenu");
    let (_, (_, _, children)): (u32, Layout) =
        zbus::block_on(menu.call("GetLayout", &(0i32, -1i32, Vec::<String>::new()))).unwrap();
    let labelled = |label: &str| {
        children.iter().find_map(|c| {
            let (id, props, _): Layout = c.try_clone().unwrap().try_into().ok()?;
            let l: String = props.get("label")?.try_clone().unwrap().try_into().ok()?;
            (l == label).then_some(id)
        })
    };
    for label in ["Pause for 30 minutes", "Pause for 1 hour", "Resume", "Open today's report"] {
        assert!(labelled(label).is_some(), "no {label:?} in the menu");
    }
    let pause = labelled("Pause until resumed").expect("a pause in the menu");
    let _: () = zbus::block_on(menu.call("Event", &(pause, "clicked", Variant::from(0i32), 0u32))).unwrap();
    // the audit pauses, as `ergoaudit pause` would have it
    let v = wait_for_class(&home, &db, "paused");
    assert_eq!(v["text"], "paused", "{v}");
    // and the icon turns grey
    let deadline = Instant::now() + LIVENESS;
    while centre() != [255, 0x8a, 0x8f, 0x98] {
        assert!(Instant::now() < deadline, "the icon never turned grey: {:?}", centre());
        std::thread::sleep(Duration::from_millis(20));
    }
    // today's report, made and opened in the browser
    let report = labelled("Open today's report").unwrap();
    let _: () = zbus::block_on(menu.call("Event", &(report, "clicked", Variant::from(0i32), 0u32))).unwrap();
    let opened = home.path().join("opened");
    let deadline = Instant::now() + LIVENESS;
    while !opened.exists() {
        assert!(Instant::now() < deadline, "the report was never opened");
        std::thread::sleep(Duration::from_millis(20));
    }
    let page = std::fs::read_to_string(std::fs::read_to_string(&opened).unwrap()).unwrap();
    assert!(page.contains("<html") && page.contains("ergoaudit"), "not a report");
    drop(pipe);
    assert!(common::wait_live(&mut child, "audit").success());
}

#[test]
fn without_a_tray_host_the_audit_says_so_once_and_goes_on() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("history.sqlite");
    let bus = common::bus::Bus::start();
    let (mut child, mut pipe, log) = audit_on_bus(&home, &db, &bus, &["--no-notify", "--tray"]);
    feed_and_wait(&home, &db, &mut pipe, &stream(0.0, 30.0, 5.0, upright), 5);
    drop(pipe);
    assert!(common::wait_live(&mut child, "audit").success());
    let said = std::fs::read_to_string(log).unwrap();
    assert_eq!(said.matches("no tray icon (").count(), 1, "{said}");
}
