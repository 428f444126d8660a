//! `ergoaudit cameras`: the cameras this machine has, their modes and the one ergoaudit
//! would use; `--test` takes one sample through the pose model.

use std::process::ExitCode;

use anyhow::Result;
use ergoaudit::audit::calibrate::{Probe, probe};
use ergoaudit::capture::camera::format::describe;
use ergoaudit::capture::camera::{CameraInfo, list};
use serde_json::json;

use crate::cli::CamerasArgs;
use crate::options::CamerasOptions;

/// Run `cameras`.
pub fn run(args: &CamerasArgs, config: Option<&std::path::Path>) -> Result<ExitCode> {
    let options = CamerasOptions::new(args, config)?;
    let backend = ergoaudit::capture::camera::backend()?;
    if let Some(test) = &options.test {
        let seen = probe(backend, &test.selector, &test.model, &test.optics)?;
        show(&seen, options.json)?;
        return Ok(if seen.person { ExitCode::SUCCESS } else { ExitCode::FAILURE });
    }
    let cameras = list(backend.as_ref())?;
    if options.json {
        outln!("{}", serde_json::Value::Array(cameras.iter().map(camera_json).collect()));
        return Ok(ExitCode::SUCCESS);
    }
    if cameras.is_empty() {
        outln!("no camera found; audit a recording instead with `ergoaudit audit --source FILE`");
        return Ok(ExitCode::SUCCESS);
    }
    for c in &cameras {
        outln!("camera:{}  {}  ({})", c.index, c.name, c.path);
        match (&c.chosen, &c.problem) {
            (_, Some(problem)) => outln!("  modes unknown: {problem}"),
            (Some(chosen), None) => {
                outln!("  uses {} of {} modes offered", describe(chosen), c.formats.len())
            }
            (None, None) => {}
        }
        if options.all_modes {
            for f in &c.formats {
                outln!("    {}{}", describe(f), if Some(f) == c.chosen.as_ref() { "  ← used" } else { "" });
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

/// Say what the camera test saw.
fn show(p: &Probe, json: bool) -> Result<()> {
    let r = &p.report;
    let measures: Vec<&str> = p.measures.iter().map(|id| id.name()).collect();
    if json {
        outln!(
            "{}",
            json!({
                "camera": p.camera,
                "format": describe(&r.format),
                "open_and_first_frame_s": p.took_s,
                "warmup_frames": r.warmup_frames,
                "warmup_s": r.warmup_s,
                "brightness": r.brightness,
                "bad_frames": r.bad_frames,
                "person": p.person,
                "view": p.view.map(|v| v.name()),
                "measures": measures,
            })
        );
        return Ok(());
    }
    outln!("camera {}: {}", p.camera, describe(&r.format));
    let bad = if r.bad_frames > 0 {
        format!("; {} unreadable frames skipped", r.bad_frames)
    } else {
        String::new()
    };
    outln!(
        "  opened and read in {:.2} s; exposure settled after {} frames ({:.2} s); brightness {:.0} %{bad}",
        p.took_s,
        r.warmup_frames,
        r.warmup_s,
        r.brightness * 100.0,
    );
    if r.brightness < 0.15 {
        outln!("  the picture is dark: turn on a light facing you");
    }
    match (p.person, p.view) {
        (true, Some(view)) => outln!(
            "  person found, {} view; measures available: {}",
            view.name(),
            if measures.is_empty() {
                "none (face the camera, sit back)".to_owned()
            } else {
                measures.join(", ")
            }
        ),
        _ => outln!("  nobody found: sit in front of the camera, facing it, in good light"),
    }
    Ok(())
}
