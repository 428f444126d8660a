//! One module per command. Each `run` returns the exit code or an error for `main`.

pub mod analyze;
pub mod audit;
pub mod calibrate;
pub mod cameras;
pub mod history;
pub mod report;
pub mod service;
pub mod thresholds;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use ergoaudit::capture::video::{Sampling, VideoFile, is_video};
use ergoaudit::capture::{CaptureError, Frame, FrameSource, ImageFiles};
use ergoaudit::pose::{BlazePose, ModelChoice, PoseEstimator};
use ergoaudit::record::FrameRecord;

/// Run the pose model over image files, folders of images and videos (`fps` frames per
/// second of video), in the order given, calling `each` with every frame's record.
/// Unreadable images are reported on stderr, one line each, and skipped; returns how many.
/// Missing paths and empty folders fail before the model is loaded.
pub fn for_each_input(
    inputs: &[PathBuf],
    model: &ModelChoice,
    fps: f64,
    mut each: impl FnMut(&Frame, FrameRecord) -> Result<()>,
) -> Result<usize> {
    let (videos, stills): (Vec<&PathBuf>, Vec<&PathBuf>) = inputs.iter().partition(|p| is_video(p));
    if let Some(missing) = videos.iter().find(|p| !p.is_file()) {
        return Err(CaptureError::Missing(missing.to_path_buf()).into());
    }
    let stills: Vec<PathBuf> = stills.into_iter().cloned().collect();
    if !stills.is_empty() {
        ImageFiles::from_inputs(&stills)?;
    }
    let started = std::time::Instant::now();
    // the frames are unrelated: every one goes through the detector
    let mut still_model = BlazePose::load(model)?.with_redetect_interval(1);
    tracing::info!(model = %model, ms = started.elapsed().as_millis(), "pose models loaded");
    let mut failed = 0;
    for input in inputs {
        // video frames are sampled far apart: each is analysed on its own, like a still
        // (MediaPipe's static mode, which the reference landmarks come from)
        let mut frames: Box<dyn FrameSource> = if is_video(input) {
            Box::new(VideoFile::open(input, Sampling::Every(1.0 / fps))?)
        } else {
            Box::new(ImageFiles::from_inputs(std::slice::from_ref(input))?)
        };
        while let Some(frame) = frames.next_frame() {
            match frame {
                Ok(frame) => {
                    let pose = still_model.estimate(&frame.image)?;
                    each(&frame, FrameRecord::new(&frame, pose.as_ref()))?;
                }
                Err(err @ CaptureError::Video { .. }) => return Err(err.into()),
                Err(err) => {
                    eprintln!("ergoaudit: {}", ergoaudit::escape::terminal(err.to_string().trim_end()));
                    failed += 1;
                }
            }
        }
    }
    Ok(failed)
}

/// Create `dir` (for output files) with a clear error.
pub fn ensure_dir(dir: &Path, what: &str) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create the {what} folder {}", dir.display()))
}
