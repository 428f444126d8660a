//! Turns the parsed command line into validated options, once per command: thresholds
//! resolved from defaults, the config file, the environment and flags; the calibration
//! profile; the input and how it is paced; the database.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::{Context, Result, bail};
use ergoaudit::audit::{Input, Pacing, PauseFile, Plan};
use ergoaudit::config::{self, DEFAULT_PROFILE, Settings};
use ergoaudit::pose::ModelChoice;
use ergoaudit::posture::Baseline;

use crate::cli::{AuditArgs, ReportArgs, ThresholdFlags};

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

/// The database: `--db`, else the default one.
pub fn db(flag: Option<&Path>) -> Result<PathBuf> {
    Ok(match flag {
        Some(p) => p.to_path_buf(),
        None => ergoaudit::store::default_path().with_context(|| {
            format!(
                "cannot find a data folder for this user; set {} or pass --db",
                ergoaudit::store::DATA_DIR_ENV
            )
        })?,
    })
}

/// How a recorded session is made (`audit`, and `report` on a recording).
pub struct Recording {
    /// Thresholds and settings.
    pub settings: Settings,
    /// Where frames come from.
    pub input: Input,
    /// The landmark model (unused for recorded landmarks).
    pub model: ModelChoice,
    /// The calibration profile, if any.
    pub profile: Option<(String, Baseline)>,
    /// Between samples.
    pub interval: jiff::SignedDuration,
    /// Frames per sample.
    pub burst: usize,
    /// How long to record; a recording otherwise ends on its own.
    pub duration: Option<jiff::SignedDuration>,
    /// When a recording was made (now when `None`).
    pub recorded_at: Option<jiff::Timestamp>,
}

impl Recording {
    /// How the input is paced; `stop` ends it; a camera honours `pause`.
    pub fn pacing(&self, stop: &Arc<AtomicBool>, pause: Option<&PauseFile>) -> Pacing {
        Pacing {
            interval_s: self.interval.as_secs_f64(),
            burst: self.burst,
            duration_s: self.duration.map(|d| d.as_secs_f64()),
            stop: Arc::clone(stop),
            pause: pause.cloned(),
        }
    }

    /// The session to begin, honouring `pause`, on the source's `clock`.
    pub fn plan(
        &self,
        pause: Option<&PauseFile>,
        clock: std::sync::Arc<dyn ergoaudit::clock::Clock>,
    ) -> Plan {
        Plan {
            source: self.input.describe(),
            model: self.input.needs_model().then(|| self.model.to_string()),
            profile: self.profile.clone(),
            interval_s: self.interval.as_secs_f64(),
            duration_s: self.duration.map(|d| d.as_secs_f64()),
            thresholds: self.settings.thresholds,
            camera: self.settings.thresholds.camera(),
            pause: pause.cloned(),
            started_at: self.recorded_at,
            clock,
        }
    }
}

/// `ergoaudit audit`, resolved.
pub struct AuditOptions {
    /// What is recorded, and how.
    pub recording: Recording,
    /// The database.
    pub db: PathBuf,
    /// The pause file the audit honours: a live input's only (a recording runs on its own
    /// clock, which a pause in wall time does not map onto).
    pub pause: Option<PauseFile>,
    /// Desktop notifications on.
    pub notify: bool,
}

impl AuditOptions {
    /// From the command line and the config file.
    pub fn new(args: &AuditArgs, config: Option<&Path>) -> Result<Self> {
        let settings = settings(config, &args.thresholds)?;
        let input = Input::new(Some(&args.source), args.landmarks.as_deref())?;
        let input_live = input.is_live();
        if args.recorded_at.is_some() && input_live {
            bail!("--recorded-at dates a recording; {} records now", input.describe());
        }
        let profile =
            profile(args.profile.as_deref(), &settings, input.needs_model().then_some(&args.model))?;
        let db = db(args.db.as_deref())?;
        Ok(AuditOptions {
            recording: Recording {
                settings,
                input,
                model: args.model.clone(),
                profile,
                interval: args.interval,
                burst: args.burst,
                duration: args.duration,
                recorded_at: args.recorded_at,
            },
            pause: input_live.then(|| PauseFile::of(&db)),
            db,
            notify: !args.no_notify,
        })
    }
}

/// How long a camera is audited for a report when `--for` is not given.
const CAMERA_REPORT: jiff::SignedDuration = jiff::SignedDuration::from_mins(5);

/// What a report is made from.
pub enum ReportFrom {
    /// A recording audited on the spot.
    Recording(Box<Recording>),
    /// The history: one session, or those since a time.
    History {
        /// The database.
        db: PathBuf,
        /// `--session`.
        session: Option<i64>,
        /// `--since`.
        since: jiff::SignedDuration,
    },
}

/// `ergoaudit report`, resolved (output options stay with the arguments).
pub struct ReportOptions {
    /// Thresholds and settings (of a recording, or for flags over the stored ones).
    pub settings: Settings,
    /// What the report is made from.
    pub from: ReportFrom,
}

impl ReportOptions {
    /// From the command line and the config file.
    pub fn new(args: &ReportArgs, config: Option<&Path>) -> Result<Self> {
        let settings = settings(config, &args.thresholds)?;
        let from = if args.source.is_some() || args.landmarks.is_some() {
            let input = Input::new(args.source.as_deref(), args.landmarks.as_deref())?;
            let profile =
                profile(args.profile.as_deref(), &settings, input.needs_model().then_some(&args.model))?;
            let duration = args.duration.or(matches!(input, Input::Camera(_)).then_some(CAMERA_REPORT));
            ReportFrom::Recording(Box::new(Recording {
                settings: settings.clone(),
                input,
                model: args.model.clone(),
                profile,
                interval: args.interval,
                burst: args.burst,
                duration,
                recorded_at: None,
            }))
        } else {
            ReportFrom::History { db: db(args.db.as_deref())?, session: args.session, since: args.since }
        };
        Ok(ReportOptions { settings, from })
    }
}
