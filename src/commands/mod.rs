//! One module per command. Each `run` returns the exit code or an error for `main`.

pub mod analyze;
pub mod audit;
pub mod calibrate;
pub mod cameras;
pub mod docs;
pub mod fleet;
pub mod history;
pub mod live;
pub mod report;
pub mod service;
pub mod thresholds;

use std::path::PathBuf;

use anyhow::Result;
use ergoaudit::audit::each_frame;
use ergoaudit::capture::Frame;
use ergoaudit::pose::ModelChoice;
use ergoaudit::pose::PosedFrame;

/// Run the pose model over image files, folders of images and videos (`fps` frames per
/// second of video; see [`each_frame`]), calling `each` with every frame and its pose.
/// Unreadable images are reported on stderr, one line each, and skipped; returns how many.
pub fn for_each_input(
    inputs: &[PathBuf],
    model: &ModelChoice,
    fps: f64,
    mut each: impl FnMut(&Frame, PosedFrame) -> Result<()>,
) -> Result<usize> {
    let mut failed = 0;
    each_frame(inputs, model, fps, |frame| match frame {
        Ok((frame, posed)) => each(frame, posed),
        Err(err) => {
            errln!("ergoaudit: {}", ergoaudit::escape::terminal(err.to_string().trim_end()));
            failed += 1;
            Ok(())
        }
    })?;
    Ok(failed)
}
