//! `ergoaudit calibrate`: record the upright reference posture as a named profile.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use ergoaudit::audit::calibrate::calibrate;
use ergoaudit::config;
use ergoaudit::pose::ModelChoice;
use ergoaudit::posture::calibration::Calibrator;

use crate::cli::CalibrateArgs;
use crate::options::CalibrateOptions;

/// Run `calibrate`.
pub fn run(args: &CalibrateArgs, config: Option<&Path>) -> Result<ExitCode> {
    let options = CalibrateOptions::new(args, config)?;
    let input = &options.source;
    let mut model = options.model.clone().unwrap_or(ModelChoice::Full);
    let (mut calibrator, mut failed) = look(&options, &model, true)?;
    // the full model loses a profile's near shoulder: a side view is taken again through
    // heavy, unless a model was asked for
    if options.model.is_none() && input.needs_model() && calibrator.shows_a_side_view() {
        outln!(
            "the frames show a side view: taking them again through the heavy landmark model, which finds a profile's near shoulder (the audits of this profile will use it too)"
        );
        model = ModelChoice::Heavy;
        (calibrator, failed) = look(&options, &model, false)?;
    }
    let source = input.describe();
    let (seen, usable) = (calibrator.seen(), calibrator.usable());
    let shoulder_advice = calibrator.shoulder_advice();
    let now = jiff::Timestamp::now();
    let mut baseline = match options.distance_m {
        Some(distance_m) => calibrator.finish_at_distance(distance_m, source.clone(), now)?,
        None => calibrator.finish(source.clone(), now)?,
    };
    baseline.model = input.needs_model().then(|| model.to_string());
    let baseline = match config::load_profile(&options.profile, false) {
        Ok(Some(older)) => baseline.merged_with(older),
        // an older or damaged profile of the same name is replaced
        Ok(None) | Err(config::ConfigError::OldProfile { .. } | config::ConfigError::BadProfile { .. }) => {
            baseline
        }
        Err(e) => return Err(e.into()),
    };
    let path = config::save_profile(&options.profile, &baseline)?;
    outln!(
        "calibrated profile `{}` from {}: {usable} of {seen} frames used",
        options.profile,
        ergoaudit::escape::path(Path::new(&source))
    );
    if let Some(f) = &baseline.front {
        let shoulders = match (&f.shoulders, f.framing.shoulders_below) {
            (Some(s), Some(below)) if below > 0.0 => format!(
                "shoulders {:.0} % of the frame height below its bottom edge (used up to {:.0} %), {:.0} cm apart",
                below * 100.0,
                ergoaudit::posture::SHOULDER_MARGIN * 100.0,
                s.width_m * 100.0
            ),
            (Some(s), _) => format!("shoulders in the frame, {:.0} cm apart", s.width_m * 100.0),
            (None, _) => "shoulders not seen".to_owned(),
        };
        let field = match (baseline.measured_distance_m, baseline.camera_hfov_known) {
            (Some(d), _) => {
                format!(
                    "camera field of view {:.1}°, fixed by your eyes at {:.0} cm",
                    baseline.camera_hfov_deg,
                    d * 100.0
                )
            }
            (None, true) => format!("camera field of view {}°", baseline.camera_hfov_deg),
            (None, false) => format!(
                "camera field of view {}° assumed, so viewing distances are relative to this calibration (see --distance)",
                baseline.camera_hfov_deg
            ),
        };
        // without a known field of view a distance in centimetres would be a guess
        let ears = if baseline.camera_hfov_known {
            format!("ears {:.0} cm from the camera, ", f.framing.ear_distance_m * 100.0)
        } else {
            String::new()
        };
        outln!(
            "  front view: {} frames; {ears}head turned {:.0}°; {shoulders} ({field}, tilt {}°{})",
            f.frames,
            f.framing.yaw_deg.round() + 0.0,
            baseline.camera_pitch_deg,
            baseline.model.as_ref().map_or(String::new(), |m| format!(", {m} landmark model"))
        );
    }
    if let Some(s) = &baseline.side {
        outln!("  side view: {} frames used; craniovertebral angle {:.1}°", s.frames, s.cva_deg);
        if input.needs_model() && model != ModelChoice::Heavy {
            outln!(
                "  note: a side view needs the heavy landmark model (the {model} model loses the person or puts the near shoulder at the jaw in a profile): calibrate with --model heavy, or without --model"
            );
        }
    }
    if baseline.side.is_none() {
        outln!(
            "  reference craniovertebral angle: {:.1}° (population normal; calibrate a side view to measure yours)",
            baseline.reference_cva_deg()
        );
    }
    if let Some(advice) = shoulder_advice {
        outln!("  note: {advice}");
    }
    outln!("  saved to {}", ergoaudit::escape::path(&path));
    Ok(if failed > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// A calibrator offered every frame of the input through `model`, once the person was asked
/// to sit upright (a camera), and how many input files could not be read (said on stderr
/// when `report` is set: the second look at the same files says nothing new).
fn look(options: &CalibrateOptions, model: &ModelChoice, report: bool) -> Result<(Calibrator, usize)> {
    let mut calibrator = Calibrator::new(options.optics);
    let mut prompted = Ok(());
    let failed = calibrate(
        &options.source,
        model,
        &mut calibrator,
        |camera| {
            prompted = crate::output::line(format_args!(
                "sit upright, facing {}, for a few seconds…",
                ergoaudit::escape::terminal(camera)
            ))
        },
        |e| {
            if report {
                errln!("ergoaudit: {}", ergoaudit::escape::terminal(e.to_string().trim_end()));
            }
        },
    )?;
    prompted?;
    Ok((calibrator, failed))
}
