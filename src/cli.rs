//! The command line, in one place: every command and flag with its documentation.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use ergoaudit::pose::ModelChoice;

/// Audits workstation posture from a webcam: measures head-forward and shoulder angles with
/// a real pose model and times risky postures against ergonomic standards.
#[derive(Debug, Parser)]
#[command(name = "ergoaudit", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    /// More log output on stderr (-v: progress, -vv: debugging). `ERGOAUDIT_LOG` takes a
    /// tracing filter instead (e.g. `ergoaudit=debug`).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// ergoaudit's commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find the pose in images and show what can be measured (or print it as JSON lines).
    Analyze(AnalyzeArgs),
}

/// `ergoaudit analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Image files (PNG, JPEG, PNM) or folders of images (taken in name order).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Print one JSON object per frame and line: source, frame, t_s, width, height, person,
    /// detection_score, landmarks (33 × [x_px, y_px, z, visibility, presence]),
    /// world_landmarks (33 × [x_m, y_m, z_m]), metrics.
    #[arg(long)]
    pub json: bool,

    /// Landmark model: `full` (bundled, most accurate), `lite` (bundled, faster) or the path
    /// of a BlazePose landmark ONNX file.
    #[arg(long, value_name = "lite|full|PATH", default_value = "full")]
    pub model: ModelChoice,

    /// Write each input with the detected skeleton drawn on it into DIR
    /// (as NAME.annotated.png). Nothing else is ever written to disk.
    #[arg(long, value_name = "DIR")]
    pub annotate: Option<PathBuf>,
}
