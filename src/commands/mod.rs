//! One module per command. Each `run` returns the exit code or an error for `main`.

pub mod analyze;
pub mod calibrate;
pub mod thresholds;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use ergoaudit::capture::{FrameSource, ImageFiles};
use ergoaudit::pose::{BlazePose, ModelChoice, PoseEstimator};
use ergoaudit::record::FrameRecord;

/// Run the pose model over still images, calling `each` with every image's record (the
/// unreadable ones are reported on stderr, one line each). Returns how many failed.
pub fn for_each_image(
    inputs: &[PathBuf],
    model: &ModelChoice,
    mut each: impl FnMut(&ergoaudit::capture::Frame, FrameRecord) -> Result<()>,
) -> Result<usize> {
    let mut frames = ImageFiles::from_inputs(inputs)?;
    let started = std::time::Instant::now();
    // still images are unrelated: every one goes through the detector
    let mut estimator = BlazePose::load(model)?.with_redetect_interval(1);
    tracing::info!(model = %model, ms = started.elapsed().as_millis(), "pose models loaded");
    let mut failed = 0;
    while let Some(frame) = frames.next_frame() {
        match frame {
            Ok(frame) => {
                let pose = estimator.estimate(&frame.image)?;
                let record = FrameRecord::new(&frame, pose.as_ref());
                each(&frame, record)?;
            }
            Err(err) => {
                eprintln!("ergoaudit: {err}");
                failed += 1;
            }
        }
    }
    Ok(failed)
}

/// Create `dir` (for output files) with a clear error.
pub fn ensure_dir(dir: &Path, what: &str) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create the {what} folder {}", dir.display()))
}
