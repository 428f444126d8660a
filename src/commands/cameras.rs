//! `ergoaudit cameras`: the cameras this machine has, their modes and the one ergoaudit
//! would use; `--test` takes one sample through the pose model.

use std::process::ExitCode;

use anyhow::Result;
use ergoaudit::capture::CaptureError;
use ergoaudit::capture::camera::format::describe;
use ergoaudit::capture::camera::{CameraInfo, CameraSource, list};
use ergoaudit::pose::{BlazePose, PoseEstimator, PosedFrame};
use ergoaudit::posture::{Observation, measure};
use serde_json::json;

use crate::cli::CamerasArgs;
use crate::options;

/// Run `cameras`.
pub fn run(args: &CamerasArgs, config: Option<&std::path::Path>) -> Result<ExitCode> {
    let backend = ergoaudit::capture::camera::backend()?;
    if let Some(selector) = &args.test {
        let settings = options::settings(config, &crate::cli::ThresholdFlags::default())?;
        return test(
            backend,
            &selector.parse().map_err(anyhow::Error::msg)?,
            args,
            &settings.thresholds.camera(),
        );
    }
    let cameras = list(backend.as_ref())?;
    if args.json {
        println!("{}", serde_json::Value::Array(cameras.iter().map(camera_json).collect()));
        return Ok(ExitCode::SUCCESS);
    }
    if cameras.is_empty() {
        println!("no camera found; audit a recording instead with `ergoaudit audit --source FILE`");
        return Ok(ExitCode::SUCCESS);
    }
    for c in &cameras {
        println!("camera:{}  {}  ({})", c.index, c.name, c.path);
        match (&c.chosen, &c.problem) {
            (_, Some(problem)) => println!("  modes unknown: {problem}"),
            (Some(chosen), None) => {
                println!("  uses {} of {} modes offered", describe(chosen), c.formats.len())
            }
            (None, None) => {}
        }
        if args.all_modes {
            for f in &c.formats {
                println!("    {}{}", describe(f), if Some(f) == c.chosen.as_ref() { "  ← used" } else { "" });
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn camera_json(c: &CameraInfo) -> serde_json::Value {
    let mode = |f: &nokhwa::utils::CameraFormat| json!({"width": f.width(), "height": f.height(), "format": f.format().to_string(), "fps": f.frame_rate()});
    json!({
        "source": format!("camera:{}", c.index),
        "name": c.name,
        "path": c.path,
        "formats": c.formats.iter().map(mode).collect::<Vec<_>>(),
        "chosen": c.chosen.as_ref().map(mode),
        "problem": c.problem,
    })
}

/// Open the camera once, take one sample and say what it saw.
fn test(
    backend: std::sync::Arc<dyn ergoaudit::capture::camera::Backend>,
    selector: &ergoaudit::capture::camera::CameraSelector,
    args: &CamerasArgs,
    optics: &ergoaudit::posture::Camera,
) -> Result<ExitCode> {
    let mut camera = CameraSource::new(backend, selector, false)?;
    let mut pose = BlazePose::load(&args.model)?;
    let started = camera.elapsed_s();
    let burst = camera.burst(1)?;
    let took_s = camera.elapsed_s() - started;
    let r = &burst.report;
    let Some(frame) = burst.frames.first() else {
        return Err(CaptureError::CameraFrames { device: camera.label().into(), bad: r.bad_frames }.into());
    };
    let found = pose.estimate(&frame.image)?;
    let posed = PosedFrame::new(frame, found.as_ref());
    let sample =
        posed.pose.as_ref().map(|d| measure(&Observation::of(d, posed.width, posed.height), optics, None));
    let available: Vec<&str> = sample
        .as_ref()
        .map(|s| s.iter().filter(|(_, m)| m.value.is_some()).map(|(id, _)| id.name()).collect())
        .unwrap_or_default();
    if args.json {
        println!(
            "{}",
            json!({
                "camera": camera.label(),
                "format": describe(&r.format),
                "open_and_first_frame_s": took_s,
                "warmup_frames": r.warmup_frames,
                "warmup_s": r.warmup_s,
                "brightness": r.brightness,
                "bad_frames": r.bad_frames,
                "person": found.is_some(),
                "view": sample.as_ref().map(|s| s.view.name()),
                "measures": available,
            })
        );
    } else {
        println!("camera {}: {}", camera.label(), describe(&r.format));
        println!(
            "  opened and read in {took_s:.2} s; exposure settled after {} frames ({:.2} s); brightness {:.0} %{}",
            r.warmup_frames,
            r.warmup_s,
            r.brightness * 100.0,
            if r.bad_frames > 0 {
                format!("; {} unreadable frames skipped", r.bad_frames)
            } else {
                String::new()
            }
        );
        if r.brightness < 0.15 {
            println!("  the picture is dark: turn on a light facing you");
        }
        match (&found, &sample) {
            (Some(_), Some(s)) => println!(
                "  person found, {} view; measures available: {}",
                s.view.name(),
                if available.is_empty() {
                    "none (face the camera, sit back)".to_owned()
                } else {
                    available.join(", ")
                }
            ),
            _ => println!("  nobody found: sit in front of the camera, facing it, in good light"),
        }
    }
    Ok(if found.is_some() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
