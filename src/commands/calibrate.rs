//! `ergoaudit calibrate`: record the upright reference posture as a named profile.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use ergoaudit::capture::LandmarkFile;
use ergoaudit::capture::camera::{CameraSource, is_camera};
use ergoaudit::config;
use ergoaudit::pose::{BlazePose, PoseEstimator};
use ergoaudit::posture::calibration::Calibrator;
use ergoaudit::record::FrameRecord;

use crate::cli::CalibrateArgs;
use crate::options;

/// Frames taken from a camera for a calibration (about two seconds).
const CAMERA_FRAMES: usize = 30;

/// Run `calibrate`.
pub fn run(args: &CalibrateArgs, config: Option<&Path>) -> Result<ExitCode> {
    let settings = options::settings(config, &args.thresholds)?;
    let mut calibrator = Calibrator::new(options::camera(&settings));
    let mut offer = |record: &FrameRecord| {
        let data = record.pose_data();
        calibrator.add(data.as_ref().map(|d| d.observation(record.width, record.height)).as_ref());
    };
    let (source, failed) = match (&args.landmarks, &args.source) {
        (Some(path), _) => {
            for record in LandmarkFile::open(path)? {
                offer(&record?);
            }
            (path, 0)
        }
        (None, Some(path)) if is_camera(&path.to_string_lossy()) => {
            let selector = path.to_string_lossy().parse().map_err(anyhow::Error::msg)?;
            let mut camera = CameraSource::new(&selector, true)?;
            println!("sit upright, facing the camera, for a few seconds…");
            let mut pose = BlazePose::load(&args.model)?;
            for frame in camera.burst(CAMERA_FRAMES)? {
                let found = pose.estimate(&frame.image)?;
                offer(&FrameRecord::new(&frame, found.as_ref()));
            }
            (path, 0)
        }
        (None, Some(path)) => {
            let failed = super::for_each_input(std::slice::from_ref(path), &args.model, 2.0, |_, record| {
                offer(&record);
                Ok(())
            })?;
            (path, failed)
        }
        (None, None) => unreachable!("clap requires --source or --landmarks"),
    };
    let seen = calibrator.seen();
    let baseline = calibrator.finish(source.display().to_string(), jiff::Timestamp::now())?;
    let baseline = match config::load_profile(&args.profile, false)? {
        Some(older) => baseline.merged_with(older),
        None => baseline,
    };
    let path = config::save_profile(&args.profile, &baseline)?;
    println!("calibrated profile `{}` from {} ({seen} frames):", args.profile, source.display());
    if let Some(f) = &baseline.front {
        println!(
            "  front view: {} frames used; ears {:.0} cm from the camera, shoulder width {:.0} cm (camera field of view {}°)",
            f.frames,
            f.z_ear_m * 100.0,
            f.shoulder_width_m * 100.0,
            baseline.camera_hfov_deg
        );
    }
    if let Some(s) = &baseline.side {
        println!("  side view: {} frames used; craniovertebral angle {:.1}°", s.frames, s.cva_deg);
    }
    if baseline.side.is_none() {
        println!(
            "  reference craniovertebral angle: {:.1}° (population normal; calibrate a side view to measure yours)",
            baseline.reference_cva_deg()
        );
    }
    println!("  saved to {}", path.display());
    Ok(if failed > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
