//! The command line, in one place: every command and flag with its documentation.

use std::path::PathBuf;

use clap::{Arg, ArgMatches, Args, Parser, Subcommand, value_parser};
use ergoaudit::pose::ModelChoice;
use ergoaudit::thresholds::SPECS;

/// Audits workstation posture from a webcam: measures head-forward and shoulder angles with
/// a real pose model and times risky postures against ergonomic standards.
#[derive(Debug, Parser)]
#[command(name = "ergoaudit", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    /// More log output on stderr (-v: progress, -vv: debugging). `ERGOAUDIT_LOG` takes a
    /// tracing filter instead (e.g. `ergoaudit=debug`).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Config file (TOML, a `[thresholds]` table) instead of `config.toml` in the config
    /// folder (`~/.config/ergoaudit`, or `$ERGOAUDIT_CONFIG_DIR`).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// ergoaudit's commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find the pose in images (or read recorded landmarks) and show the posture measures,
    /// or print them as JSON lines.
    Analyze(AnalyzeArgs),
    /// Record your upright reference posture as a named profile (one per desk set-up).
    Calibrate(CalibrateArgs),
    /// Show every threshold: its effective value, where it came from, and its reference.
    Thresholds(ThresholdsArgs),
}

/// `ergoaudit analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Image files (PNG, JPEG, PNM) or folders of images (taken in name order).
    #[arg(required_unless_present = "landmarks", value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Read frames from a landmarks file (JSON lines, the shape `--json` writes: width,
    /// height, person, landmarks, world_landmarks) instead of running the pose model.
    #[arg(long, value_name = "FILE.jsonl", conflicts_with_all = ["inputs", "annotate", "model"])]
    pub landmarks: Option<PathBuf>,

    /// Print one JSON object per frame and line: source, frame, t_s, width, height, person,
    /// detection_score, landmarks (33 × [x_px, y_px, z, visibility, presence]),
    /// world_landmarks (33 × [x_m, y_m, z_m]), metrics (view, every measure, quality).
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

    /// Calibration profile to compare with [default: `default`, when it exists].
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    #[command(flatten)]
    pub thresholds: ThresholdFlags,
}

/// `ergoaudit calibrate`.
#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// Images of you sitting upright (a file or a folder); the median over the frames with a
    /// confident pose is stored.
    #[arg(long, value_name = "FILE|DIR", required_unless_present = "landmarks")]
    pub source: Option<PathBuf>,

    /// Read the frames from a landmarks file (JSON lines) instead.
    #[arg(long, value_name = "FILE.jsonl", conflicts_with_all = ["source", "model"])]
    pub landmarks: Option<PathBuf>,

    /// Profile name (one per desk or monitor set-up).
    #[arg(long, value_name = "NAME", default_value = "default")]
    pub profile: String,

    /// Landmark model (`full`, `lite` or a path).
    #[arg(long, value_name = "lite|full|PATH", default_value = "full")]
    pub model: ModelChoice,

    #[command(flatten)]
    pub thresholds: ThresholdFlags,
}

/// `ergoaudit thresholds`.
#[derive(Debug, Args)]
pub struct ThresholdsArgs {
    /// Print a JSON array instead of a table.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub thresholds: ThresholdFlags,
}

/// One flag per threshold (`--cva-warn 48`, …), generated from [`SPECS`]: the keys, units,
/// defaults and references are written down once, in `src/thresholds.rs`.
#[derive(Debug, Clone, Default)]
pub struct ThresholdFlags(pub Vec<(&'static str, f64)>);

impl clap::FromArgMatches for ThresholdFlags {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        Ok(ThresholdFlags(
            SPECS.iter().filter_map(|s| matches.get_one::<f64>(s.key).map(|&v| (s.key, v))).collect(),
        ))
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Args for ThresholdFlags {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        SPECS.iter().fold(cmd, |cmd, s| {
            cmd.arg(
                Arg::new(s.key)
                    .long(s.key.replace('_', "-"))
                    .value_name(s.unit)
                    .value_parser(value_parser!(f64))
                    .allow_negative_numbers(true)
                    .help_heading("Thresholds (also ERGOAUDIT_<KEY> and the config file)")
                    .help(format!("{} [default: {} {}]", s.help, s.default, s.unit)),
            )
        })
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}
