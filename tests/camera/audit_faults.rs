//! The audit loop with a source that fails mid-run (a camera unplugged and plugged back).

use crate::common;

use std::sync::atomic::AtomicBool;

use ergoaudit::audit::{Observer, Plan, PoseSource, Sampler, Session, SourceError, Status};
use ergoaudit::capture::CaptureError;
use ergoaudit::pose::PosedFrame;
use ergoaudit::replay::FrameRecord;
use ergoaudit::risk::Event;
use ergoaudit::store::Store;
use ergoaudit::thresholds::Thresholds;

/// Ten good frames, three failures, ten good frames.
struct Flaky {
    t: f64,
    calls: u32,
}

impl PoseSource for Flaky {
    fn next_posed(&mut self) -> Option<Result<PosedFrame, SourceError>> {
        self.calls += 1;
        match self.calls {
            11..=13 => Some(Err(SourceError::Capture(CaptureError::Camera {
                device: "test camera".into(),
                detail: "unplugged".into(),
            }))),
            1..=23 => {
                let line = common::side_frame(self.t, 4.0, 0.0);
                self.t += 5.0;
                Some(Ok(FrameRecord::parse(&line).unwrap().into()))
            }
            _ => None,
        }
    }
}

#[derive(Default)]
struct Seen {
    gaps: Vec<String>,
    samples: u64,
}

impl Observer for Seen {
    fn event(&mut self, _: &Event, _: jiff::Timestamp, _: f64) {}
    fn sample(&mut self, status: &Status) {
        self.samples = status.samples;
    }
    fn gap(&mut self, error: &CaptureError, _: f64) {
        self.gaps.push(error.to_string());
    }
}

#[test]
fn a_failing_source_leaves_gaps_and_the_audit_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_for_audit(&dir.path().join("h.sqlite")).unwrap();
    let plan = Plan {
        source: "flaky".into(),
        model: None,
        profile: None,
        interval_s: 5.0,
        duration_s: None,
        thresholds: Thresholds::default(),
        optics: ergoaudit::posture::Optics::default(),
        pause: None,
        started_at: None,
        clock: ergoaudit::clock::system(),
        desktop: std::sync::Arc::new(ergoaudit::desktop::NoDesktop),
    };
    let mut seen = Seen::default();
    let session = Session::begin(&mut store, plan, &mut seen).unwrap();
    let id = session.id();
    let outcome = session.record(&mut Flaky { t: 0.0, calls: 0 }, &AtomicBool::new(false)).unwrap();
    assert_eq!(outcome.gaps, 3);
    assert_eq!(seen.gaps.len(), 3);
    assert!(seen.gaps[0].contains("unplugged"));
    assert_eq!(outcome.samples, 20, "every good frame became a sample, before and after the gap");
    assert_eq!(store.sample_count(id).unwrap(), 20);
    assert_eq!(seen.samples, 20);
    assert!(!outcome.interrupted);
}

#[test]
fn samples_are_medians_of_their_burst() {
    let mut sampler = Sampler::new(5.0, ergoaudit::posture::Optics::default(), None, 0.3);
    let frame =
        |t: f64, neck: f64| PosedFrame::from(FrameRecord::parse(&common::side_frame(t, neck, 0.0)).unwrap());
    assert!(sampler.push(frame(0.0, 10.0)).is_none());
    assert!(sampler.push(frame(0.2, 30.0)).is_none());
    assert!(sampler.push(frame(0.4, 12.0)).is_none());
    let done = sampler.push(frame(5.0, 4.0)).expect("the first burst ends");
    assert_eq!(done.frames, 3);
    let neck = done.sample.measures[ergoaudit::posture::MeasureId::NeckFlexionDeg].unwrap();
    assert!((neck - 12.0).abs() < 0.01, "median {neck}");
    assert!(done.sample.person);
    // the head moved by 20° within the burst: not still
    assert!(done.sample.movement.unwrap() > 0.1);
    let last = sampler.finish().unwrap();
    assert_eq!(last.sample.t_s, 5.0);
}

/// An audit whose disk fills mid-session (the file size limit stands in for the disk:
/// SQLite sees the same "database or disk is full"): it says so once, exits non-zero, and
/// every sample committed before stays readable.
#[cfg(unix)]
#[test]
fn a_full_disk_stops_the_audit_with_one_line_and_keeps_what_was_committed() {
    use std::os::unix::process::CommandExt;
    let home = tempfile::tempdir().unwrap();
    let lines =
        common::stream(0.0, 4.0 * 3600.0, 5.0, |t| common::side_frame(t, 5.0, (t / 7.0).sin() * 20.0));
    let path = home.path().join("l.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let db = home.path().join("h.sqlite");
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("ergoaudit"));
    cmd.env("ERGOAUDIT_CONFIG_DIR", home.path().join("config"))
        .args(["audit", "--no-notify", "--db"])
        .arg(&db)
        .arg("--landmarks")
        .arg(&path);
    // SAFETY: setrlimit and signal only touch this (forked) process before exec
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit { rlim_cur: 1 << 20, rlim_max: 1 << 20 };
            libc::setrlimit(libc::RLIMIT_FSIZE, &limit);
            Ok(())
        });
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("cannot write any more") && stderr.contains("h.sqlite"), "{stderr}");
    let export = common::ok(common::ergoaudit(&home).args(["export", "--format", "jsonl", "--db"]).arg(&db));
    let kept = export.lines().count();
    assert!(kept > 10 && kept < lines.len(), "{kept} of {} samples kept", lines.len());
}

/// A recording whose clock jumps back (clips joined, a clock reset): every sample is kept,
/// the jump is said once, and nothing is judged on negative time.
#[test]
fn a_clock_that_jumps_back_loses_nothing_and_says_so() {
    let home = tempfile::tempdir().unwrap();
    let mut lines = common::stream(0.0, 600.0, 5.0, |t| common::side_frame(t, 5.0, 0.0));
    lines.extend(common::stream(100.0, 400.0, 5.0, |t| common::side_frame(t, 5.0, 0.0)));
    let path = home.path().join("l.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let db = home.path().join("h.sqlite");
    let out = common::ergoaudit(&home)
        .args(["audit", "--no-notify", "--db"])
        .arg(&db)
        .arg("--landmarks")
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stderr.matches("went back").count(), 1, "{stderr}");
    let export = common::ok(common::ergoaudit(&home).args(["export", "--format", "jsonl", "--db"]).arg(&db));
    assert_eq!(export.lines().count(), lines.len(), "every sample kept");
    let findings = common::ok(
        common::ergoaudit(&home).args(["export", "--findings", "--format", "jsonl", "--db"]).arg(&db),
    );
    for f in findings.lines() {
        let f: serde_json::Value = serde_json::from_str(f).unwrap();
        assert!(f["start_s"].as_f64().unwrap() >= 0.0, "{f}");
        assert!(f["end_s"].as_f64().is_none_or(|e| e >= f["start_s"].as_f64().unwrap()), "{f}");
    }
}
