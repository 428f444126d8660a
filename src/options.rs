//! Turns the parsed command line into one validated options struct per command: thresholds
//! resolved from defaults, the config file, the environment and flags; the calibration
//! profile; the source and how it is paced; the database; where output goes. The commands
//! take these and call the library.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use ergoaudit::audit::{PauseFile, Recorder, Source};
use ergoaudit::capture::camera::CameraSelector;
use ergoaudit::config::{self, DEFAULT_PROFILE, SetBy, Settings};
use ergoaudit::pose::ModelChoice;
use ergoaudit::posture::{Baseline, Optics};
use ergoaudit::report::Selection;
use ergoaudit::store::SessionId;
use jiff::SignedDuration;

use crate::cli::{
    AnalyzeArgs, AuditArgs, CalibrateArgs, CamerasArgs, FleetAction, ReportArgs, ReportFormat,
    ThresholdFlags, ThresholdsArgs,
};

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

/// The landmark model to run: the one `given`, else the one the profile was calibrated with
/// (a side view's is heavy), else the full model.
fn model_for(given: Option<&ModelChoice>, profile: Option<&(String, Baseline)>) -> ModelChoice {
    let calibrated = profile.and_then(|(_, b)| b.model.as_deref()).map(|m| {
        let Ok(model) = m.parse::<ModelChoice>();
        model
    });
    given.cloned().or(calibrated).unwrap_or(ModelChoice::Full)
}

/// Time between samples when none is given: 5 s, or 12 s through the heavy landmark model.
/// A heavy sample costs 2.3 times a full one (31–34 ms of CPU against 14–15 ms: README, "Cost
/// of the background audit"), so every 12 s it costs an hour what the front set-up does every
/// 5 s: 0.28 % of a core, within the audit's 0.5 %, where every 5 s it would be 0.64 %. A hold
/// is judged over minutes, so 12 s loses little.
fn interval_for(given: Option<SignedDuration>, model: &ModelChoice) -> f64 {
    let default = if *model == ModelChoice::Heavy { 12.0 } else { 5.0 };
    given.map_or(default, |d| d.as_secs_f64())
}

/// The calibration profile to compare with: the named one (which must exist), else
/// `default` when it exists. A profile whose field of view is known (`calibrate --distance`,
/// or given) sets `settings`' when none is given; a profile made with another camera field
/// of view or tilt than the one given, or through another landmark model than the one given
/// (`model`; `None`: none given, or recorded landmarks), is refused.
pub fn profile(
    name: Option<&str>,
    settings: &mut Settings,
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
    if baseline.camera_hfov_known
        && settings.sources.get("camera_hfov").is_none_or(|by| *by == SetBy::Default)
    {
        settings.thresholds.camera_hfov = baseline.camera_hfov_deg;
        settings.sources.insert("camera_hfov", SetBy::Profile);
    }
    let now = settings.optics();
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

/// The longest period a team report covers, days (ten years).
const MAX_TEAM_REPORT_DAYS: i64 = 3660;

/// `ergoaudit fleet report`, resolved.
pub struct FleetReportOptions {
    /// The team's database.
    pub url: ergoaudit::fleet::DbUrl,
    /// The period, site and floor.
    pub query: ergoaudit::fleet::report::TeamQuery,
    /// `--workstation`: the id asked for, and the history whose ledger must hold it.
    pub workstation: Option<(String, PathBuf)>,
    /// Its format.
    pub format: ReportFormat,
    /// `-o`.
    pub output: Option<PathBuf>,
    /// `--force`.
    pub force: bool,
}

impl FleetReportOptions {
    /// From `fleet report`'s arguments: the floor never below 5, the site's name checked, the
    /// period in whole local days ending today, the URL parsed here (the argument parser's
    /// error would repeat it whole).
    pub fn new(action: &FleetAction) -> Result<Self> {
        let FleetAction::Report {
            from,
            since,
            site,
            min_group,
            workstation,
            db: history,
            format,
            output,
            force,
        } = action
        else {
            unreachable!("fleet report's options come from fleet report")
        };
        let floor = ergoaudit::fleet::report::MIN_GROUP;
        if *min_group < floor {
            bail!("--min-group {min_group}: the privacy floor is {floor} workstations; give {floor} or more");
        }
        if let Some(site) = site {
            ergoaudit::team::check_name("site", site)?;
        }
        let days = since.as_secs().div_euclid(86_400).clamp(1, MAX_TEAM_REPORT_DAYS);
        let now = jiff::Timestamp::now().to_zoned(ergoaudit::zone::local());
        let query = ergoaudit::fleet::report::TeamQuery {
            since: now.date().checked_sub(jiff::Span::new().days(days - 1))?,
            until: now.date(),
            site: site.clone(),
            min_group: *min_group,
            generated_at: now.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        };
        let workstation = match workstation {
            Some(id) => Some((id.clone(), db(history.as_deref())?)),
            None => None,
        };
        Ok(FleetReportOptions {
            url: from.parse()?,
            query,
            workstation,
            format: report_format(*format, output.as_deref()),
            output: output.clone(),
            force: *force,
        })
    }
}

/// A report's format: `--format`, else the `-o` file's extension, else HTML.
pub fn report_format(flag: Option<ReportFormat>, output: Option<&Path>) -> ReportFormat {
    flag.unwrap_or_else(|| match output.and_then(|p| p.extension()).and_then(|e| e.to_str()) {
        Some("md" | "markdown") => ReportFormat::Md,
        Some("json") => ReportFormat::Json,
        _ => ReportFormat::Html,
    })
}

/// The database: `--db`, else the default one.
pub fn db(flag: Option<&Path>) -> Result<PathBuf> {
    let path = match flag {
        Some(p) => p.to_path_buf(),
        None => ergoaudit::store::default_path().with_context(|| {
            format!(
                "cannot find a data folder for this user; set {} or pass --db",
                ergoaudit::store::DATA_DIR_ENV
            )
        })?,
    };
    // a folder, a pipe or a device is no history, and nothing is written beside it (its
    // lock, its pause file)
    if let Ok(meta) = std::fs::metadata(&path)
        && !meta.is_file()
    {
        bail!(
            "{}: it is not a regular file (a folder, a pipe or a device); pass the history's file with --db",
            ergoaudit::escape::path(&path)
        );
    }
    Ok(path)
}

/// What `analyze` reads.
pub enum Analyzed {
    /// Recorded landmarks, as they are.
    Landmarks(PathBuf),
    /// Images, folders of images and videos, through the pose model.
    Frames {
        /// The files and folders.
        inputs: Vec<PathBuf>,
        /// The landmark model.
        model: ModelChoice,
        /// Frames per second taken from videos.
        fps: f64,
        /// Where to draw the skeletons, if anywhere.
        annotate: Option<PathBuf>,
    },
}

/// `ergoaudit analyze`, resolved.
pub struct AnalyzeOptions {
    /// Thresholds and settings.
    pub settings: Settings,
    /// The calibration profile, if any.
    pub profile: Option<(String, Baseline)>,
    /// What is read.
    pub what: Analyzed,
    /// JSON lines instead of text.
    pub json: bool,
}

impl AnalyzeOptions {
    /// From the command line and the config file.
    pub fn new(args: &AnalyzeArgs, config: Option<&Path>) -> Result<Self> {
        let mut settings = settings(config, &args.thresholds)?;
        let given = args.model.as_ref().filter(|_| args.landmarks.is_none());
        let profile = profile(args.profile.as_deref(), &mut settings, given)?;
        let what = match &args.landmarks {
            Some(path) => Analyzed::Landmarks(path.clone()),
            None => Analyzed::Frames {
                inputs: args.inputs.clone(),
                model: model_for(given, profile.as_ref()),
                fps: args.fps,
                annotate: args.annotate.clone(),
            },
        };
        Ok(AnalyzeOptions { settings, profile, what, json: args.json })
    }
}

/// `ergoaudit calibrate`, resolved.
pub struct CalibrateOptions {
    /// The camera the measures assume.
    pub optics: Optics,
    /// Where the upright posture is seen.
    pub source: Source,
    /// The landmark model given (unused for recorded landmarks); `None`: full, or heavy for
    /// a side view.
    pub model: Option<ModelChoice>,
    /// The profile's name.
    pub profile: String,
    /// The eye-to-camera distance measured, metres, which fixes the field of view.
    pub distance_m: Option<f64>,
}

impl CalibrateOptions {
    /// From the command line and the config file.
    pub fn new(args: &CalibrateArgs, config: Option<&Path>) -> Result<Self> {
        let settings = settings(config, &args.thresholds)?;
        let optics = settings.optics();
        if args.distance.is_some() && optics.hfov_known {
            bail!(
                "--distance fixes the camera's field of view, which is also given (--camera-hfov {}, from the {}); give one of them",
                optics.hfov_deg,
                settings.sources.get("camera_hfov").map_or("default", SetBy::name)
            );
        }
        Ok(CalibrateOptions {
            optics,
            source: Source::new(args.source.as_ref(), args.landmarks.as_deref())?,
            model: args.model.clone(),
            profile: args.profile.clone(),
            distance_m: args.distance,
        })
    }
}

/// `ergoaudit cameras --test`, resolved.
pub struct CameraTest {
    /// Which camera.
    pub selector: CameraSelector,
    /// The landmark model.
    pub model: ModelChoice,
    /// The camera the measures assume.
    pub optics: Optics,
}

/// `ergoaudit cameras`, resolved.
pub struct CamerasOptions {
    /// JSON instead of text.
    pub json: bool,
    /// Every mode, not only the one used.
    pub all_modes: bool,
    /// A test of one camera instead of the list.
    pub test: Option<CameraTest>,
}

impl CamerasOptions {
    /// From the command line and the config file.
    pub fn new(args: &CamerasArgs, config: Option<&Path>) -> Result<Self> {
        let test = match &args.test {
            Some(selector) => Some(CameraTest {
                selector: selector.clone(),
                model: args.model.clone(),
                optics: settings(config, &ThresholdFlags::default())?.optics(),
            }),
            None => None,
        };
        Ok(CamerasOptions { json: args.json, all_modes: args.all_modes, test })
    }
}

/// `ergoaudit thresholds`, resolved.
pub struct ThresholdsOptions {
    /// The thresholds and where each came from.
    pub settings: Settings,
    /// JSON instead of a table.
    pub json: bool,
}

impl ThresholdsOptions {
    /// From the command line and the config file.
    pub fn new(args: &ThresholdsArgs, config: Option<&Path>) -> Result<Self> {
        Ok(ThresholdsOptions { settings: settings(config, &args.thresholds)?, json: args.json })
    }
}

/// `ergoaudit audit`, resolved.
pub struct AuditOptions {
    /// The session to record.
    pub recorder: Recorder,
    /// Thresholds and settings (notifications read their cool-down and quiet hours).
    pub settings: Settings,
    /// The database.
    pub db: PathBuf,
    /// Desktop notifications on.
    pub notify: bool,
    /// A tray icon (`--tray`, `[audit] tray`), for a live source.
    pub tray: bool,
}

impl AuditOptions {
    /// From the command line and the config file.
    pub fn new(args: &AuditArgs, config: Option<&Path>) -> Result<Self> {
        let mut settings = settings(config, &args.thresholds)?;
        let source = Source::new(Some(&args.source), args.landmarks.as_deref())?;
        let live = source.is_live();
        if args.recorded_at.is_some() && live {
            bail!("--recorded-at dates a recording; {} records now", source.describe());
        }
        let given = args.model.as_ref().filter(|_| source.needs_model());
        let profile = profile(args.profile.as_deref(), &mut settings, given)?;
        let db = db(args.db.as_deref())?;
        let model = model_for(given, profile.as_ref());
        Ok(AuditOptions {
            recorder: Recorder {
                interval_s: interval_for(args.interval, &model),
                model,
                profile,
                thresholds: settings.thresholds,
                optics: settings.optics(),
                burst: args.burst,
                duration_s: args.duration.map(|d| d.as_secs_f64()),
                recorded_at: args.recorded_at,
                // a recording runs on its own clock, which a pause in wall time does not map onto
                pause: live.then(|| PauseFile::of(&db)),
                notifies: !args.no_notify,
                source,
            },
            tray: live && (args.tray || settings.tray),
            settings,
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
    Recording(Box<Recorder>),
    /// The history: one session, or those of a period.
    History {
        /// The database.
        db: PathBuf,
        /// `--session` or `--since`.
        selection: Selection,
    },
}

/// Where a report goes.
pub struct ReportOutput {
    /// Its format.
    pub format: ReportFormat,
    /// The file it is written to (`-o`, or a temporary file to open); stdout when `None`.
    pub path: Option<PathBuf>,
    /// Replace a file that is not an ergoaudit report.
    pub force: bool,
    /// Open it in the browser (or the program for its type) once written.
    pub open: bool,
}

/// `ergoaudit report`, resolved.
pub struct ReportOptions {
    /// Thresholds and settings (of a recording, or stated for an empty history).
    pub settings: Settings,
    /// Threshold flags, set over each stored session's own thresholds.
    pub overrides: Vec<(&'static str, f64)>,
    /// What the report is made from.
    pub from: ReportFrom,
    /// Where it goes.
    pub output: ReportOutput,
}

impl ReportOptions {
    /// From the command line and the config file.
    pub fn new(args: &ReportArgs, config: Option<&Path>) -> Result<Self> {
        let mut settings = settings(config, &args.thresholds)?;
        let from = if args.source.is_some() || args.landmarks.is_some() {
            let source = Source::new(args.source.as_ref(), args.landmarks.as_deref())?;
            let given = args.model.as_ref().filter(|_| source.needs_model());
            let profile = profile(args.profile.as_deref(), &mut settings, given)?;
            let duration = args.duration.or(matches!(source, Source::Camera(_)).then_some(CAMERA_REPORT));
            let model = model_for(given, profile.as_ref());
            ReportFrom::Recording(Box::new(Recorder {
                interval_s: interval_for(args.interval, &model),
                model,
                source,
                profile,
                thresholds: settings.thresholds,
                optics: settings.optics(),
                burst: args.burst,
                duration_s: duration.map(|d| d.as_secs_f64()),
                recorded_at: None,
                pause: None,
                notifies: false,
            }))
        } else {
            let selection = match args.session {
                Some(id) => Selection::Session(SessionId(id)),
                None => Selection::Since(args.since),
            };
            ReportFrom::History { db: db(args.db.as_deref())?, selection }
        };
        let format = report_format(args.format, args.output.as_deref());
        // opened without `-o`: a temporary file named for what it holds
        let path = args.output.clone().or_else(|| {
            args.open.then(|| {
                std::env::temp_dir().join(format!(
                    "ergoaudit-report-{}.{}",
                    std::process::id(),
                    format.extension()
                ))
            })
        });
        Ok(ReportOptions {
            overrides: args.thresholds.0.clone(),
            settings,
            from,
            output: ReportOutput { format, path, force: args.force, open: args.open },
        })
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn report(args: &[&str]) -> ReportOutput {
        let cli = Cli::try_parse_from([&["ergoaudit", "report"][..], args].concat()).unwrap();
        let Command::Report(args) = cli.command else { unreachable!("a report") };
        ReportOptions::new(&args, None).unwrap().output
    }

    #[test]
    fn the_heavy_model_samples_every_12_s_unless_told() {
        assert_eq!(interval_for(None, &ModelChoice::Full), 5.0);
        assert_eq!(interval_for(None, &ModelChoice::Lite), 5.0);
        assert_eq!(interval_for(None, &ModelChoice::Heavy), 12.0);
        assert_eq!(interval_for(None, &ModelChoice::Path("my.onnx".into())), 5.0);
        assert_eq!(interval_for(Some(SignedDuration::from_secs(5)), &ModelChoice::Heavy), 5.0);
        assert_eq!(interval_for(Some(SignedDuration::from_secs(60)), &ModelChoice::Full), 60.0);
    }

    #[test]
    fn a_report_opened_without_a_file_is_written_as_its_format_says() {
        for (format, ext) in [("html", "html"), ("md", "md"), ("json", "json")] {
            let out = report(&["--db", "h.sqlite", "--open", "--format", format]);
            let path = out.path.unwrap();
            assert_eq!(path.extension().unwrap(), ext, "{format}: {}", path.display());
            assert!(out.open);
        }
        let out = report(&["--db", "h.sqlite", "-o", "r.md"]);
        assert_eq!((out.format.extension(), out.path.unwrap()), ("md", PathBuf::from("r.md")));
        assert!(report(&["--db", "h.sqlite"]).path.is_none(), "stdout");
    }
}
