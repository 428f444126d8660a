//! Turns the parsed command line into validated settings: thresholds resolved from
//! defaults, the config file, the environment and flags, and the calibration profile.

use std::path::Path;

use anyhow::{Result, bail};
use ergoaudit::config::{self, DEFAULT_PROFILE, Settings};
use ergoaudit::pose::ModelChoice;
use ergoaudit::posture::Baseline;

use crate::cli::ThresholdFlags;

/// Resolve thresholds (flag > env > file > default) and validate them.
pub fn settings(config: Option<&Path>, flags: &ThresholdFlags) -> Result<Settings> {
    // a variable that is not UTF-8 is shown as such and refused, not passed over
    let env = |var: &str| match std::env::var(var) {
        Ok(value) => Some(value),
        Err(std::env::VarError::NotPresent) => None,
        Err(std::env::VarError::NotUnicode(_)) => Some("(not UTF-8 text)".to_owned()),
    };
    Ok(config::load(config, env, &flags.0)?)
}

/// The calibration profile to compare with: the named one (which must exist), else
/// `default` when it exists. A profile made with another camera field of view or tilt, or
/// through another landmark model than `model` (`None`: recorded landmarks, any model), is
/// refused.
pub fn profile(
    name: Option<&str>,
    settings: &Settings,
    model: Option<&ModelChoice>,
) -> Result<Option<(String, Baseline)>> {
    let chosen = name.unwrap_or(DEFAULT_PROFILE);
    let Some(baseline) = config::load_profile(chosen, name.is_some())? else { return Ok(None) };
    if let (Some(then), Some(now)) = (&baseline.model, model.map(ToString::to_string))
        && *then != now
    {
        bail!(
            "profile `{chosen}` was calibrated through the {then} landmark model, not {now}; use --model {then} or calibrate again with --model {now}"
        );
    }
    let now = settings.thresholds.camera();
    for (flag, then, now) in [
        ("--camera-hfov", baseline.camera_hfov_deg, now.hfov_deg),
        ("--camera-pitch", baseline.camera_pitch_deg, now.pitch_deg),
    ] {
        if (then - now).abs() > 1e-9 {
            bail!(
                "profile `{chosen}` was calibrated with {flag} {then}, not {now}; use the same value or calibrate again"
            );
        }
    }
    Ok(Some((chosen.to_owned(), baseline)))
}
