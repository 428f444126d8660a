//! The audit loop with a source that fails mid-run (a camera unplugged and plugged back).

mod common;

use std::sync::atomic::AtomicBool;

use ergoaudit::audit::{self, Observer, RecordSource, Sampler, SourceError, Status};
use ergoaudit::capture::CaptureError;
use ergoaudit::posture::Camera;
use ergoaudit::record::FrameRecord;
use ergoaudit::risk::Event;
use ergoaudit::store::{SessionInfo, Store};
use ergoaudit::thresholds::Thresholds;

/// Ten good frames, three failures, ten good frames.
struct Flaky {
    t: f64,
    calls: u32,
}

impl RecordSource for Flaky {
    fn next_record(&mut self) -> Option<Result<FrameRecord, SourceError>> {
        self.calls += 1;
        match self.calls {
            11..=13 => Some(Err(SourceError::Capture(CaptureError::Camera {
                device: "test camera".into(),
                detail: "unplugged".into(),
            }))),
            1..=23 => {
                let line = common::side_frame(self.t, 4.0, 0.0);
                self.t += 5.0;
                Some(Ok(FrameRecord::parse(&line).unwrap()))
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
    fn event(&mut self, _: &Event, _: jiff::Timestamp) {}
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
    let info = SessionInfo {
        started_at: jiff::Timestamp::UNIX_EPOCH,
        source: "flaky".into(),
        model: None,
        profile: None,
        profile_toml: None,
        interval_s: 5.0,
        thresholds_json: "{}".into(),
    };
    let session = store.begin_session(&info).unwrap();
    let mut sampler = Sampler::new(5.0, Camera::default(), None, 0.3);
    let mut seen = Seen::default();
    let outcome = audit::run(
        &mut Flaky { t: 0.0, calls: 0 },
        &mut sampler,
        &Thresholds::default(),
        &mut store,
        session,
        jiff::Timestamp::UNIX_EPOCH,
        None,
        &AtomicBool::new(false),
        &mut seen,
    )
    .unwrap();
    assert_eq!(outcome.gaps, 3);
    assert_eq!(seen.gaps.len(), 3);
    assert!(seen.gaps[0].contains("unplugged"));
    assert_eq!(outcome.samples, 20, "every good frame became a sample, before and after the gap");
    assert_eq!(store.sample_count(session).unwrap(), 20);
    assert_eq!(seen.samples, 20);
    assert!(!outcome.interrupted);
}

#[test]
fn samples_are_medians_of_their_burst() {
    let mut sampler = Sampler::new(5.0, Camera::default(), None, 0.3);
    let frame = |t: f64, neck: f64| FrameRecord::parse(&common::side_frame(t, neck, 0.0)).unwrap();
    assert!(sampler.push(frame(0.0, 10.0)).is_none());
    assert!(sampler.push(frame(0.2, 30.0)).is_none());
    assert!(sampler.push(frame(0.4, 12.0)).is_none());
    let done = sampler.push(frame(5.0, 4.0)).expect("the first burst ends");
    assert_eq!(done.frames, 3);
    let neck = done.input.measures[ergoaudit::posture::MeasureId::NeckFlexionDeg as usize].unwrap();
    assert!((neck - 12.0).abs() < 0.01, "median {neck}");
    assert!(done.input.person);
    // the head moved by 20° within the burst: not still
    assert!(done.input.movement.unwrap() > 0.1);
    let last = sampler.finish().unwrap();
    assert_eq!(last.input.t_s, 5.0);
}
