//! Turns the parsed command line into validated settings: thresholds resolved from
//! defaults, the config file, the environment and flags, and the calibration profile.

use std::path::Path;

use anyhow::{Result, bail};
use ergoaudit::config::{self, DEFAULT_PROFILE, Settings};
use ergoaudit::posture::{Baseline, Camera};

use crate::cli::ThresholdFlags;

/// Resolve thresholds (flag > env > file > default) and validate them.
pub fn settings(config: Option<&Path>, flags: &ThresholdFlags) -> Result<Settings> {
    Ok(config::load(config, |var| std::env::var(var).ok(), &flags.0)?)
}

/// The camera the measures assume.
pub fn camera(settings: &Settings) -> Camera {
    Camera { hfov_deg: settings.thresholds.camera_hfov }
}

/// The calibration profile to compare with: the named one (which must exist), else
/// `default` when it exists. A profile made with another camera field of view is refused.
pub fn profile(name: Option<&str>, settings: &Settings) -> Result<Option<(String, Baseline)>> {
    let chosen = name.unwrap_or(DEFAULT_PROFILE);
    let Some(baseline) = config::load_profile(chosen, name.is_some())? else { return Ok(None) };
    let hfov = settings.thresholds.camera_hfov;
    if (baseline.camera_hfov_deg - hfov).abs() > 1e-9 {
        bail!(
            "profile `{chosen}` was calibrated with --camera-hfov {}, not {hfov}; use the same field of view or calibrate again",
            baseline.camera_hfov_deg
        );
    }
    Ok(Some((chosen.to_owned(), baseline)))
}
