//! The command line, in one place: every command and flag with its documentation.

use std::path::PathBuf;

use clap::builder::{OsStringValueParser, TypedValueParser};
use clap::{Arg, ArgMatches, Args, Parser, Subcommand, value_parser};
use ergoaudit::audit::SourceArg;
use ergoaudit::capture::camera::CameraSelector;
use ergoaudit::pose::ModelChoice;
use ergoaudit::thresholds::SPECS;
use jiff::SignedDuration;

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
    /// Audit posture over time: sample every interval, judge holds and breaks, keep the
    /// history, notify. From the camera, or a recording replayed on its own clock.
    Audit(AuditArgs),
    /// List the cameras, their modes and the one ergoaudit uses; `--test` takes one sample.
    Cameras(CamerasArgs),
    /// How things stand: whether an audit records (since when, paused or not), the last
    /// sample and its bands, the open findings, today's present time, breaks and longest
    /// sitting stretch. Never blocks, never writes; `--json` is one line for a status bar.
    Status(StatusArgs),
    /// Pause the audit (a meeting, a call): it closes the camera and records nothing until
    /// the time is up or `ergoaudit resume`; the pause is stored as neither sitting nor break.
    /// An audit started during the pause begins paused. Over the session bus when the audit
    /// answers there (`io.github.ergoaudit.Audit`), else through its pause file.
    Pause(PauseArgs),
    /// End a pause now (over the session bus when the audit answers there).
    Resume(ResumeArgs),
    /// List the recorded audit sessions.
    History(HistoryArgs),
    /// Export the recorded samples (measures only) as CSV or JSON lines.
    Export(ExportArgs),
    /// The ergonomics report (HTML with charts, Markdown or JSON): from the history, or by
    /// auditing a recording (or the camera) on the spot.
    Report(ReportArgs),
    /// Install, remove or inspect the systemd user service that runs `audit` in the
    /// background (prints the systemctl commands; never runs them).
    Service(ServiceArgs),
    /// Team mode: the day figures of many workstations in the team's PostgreSQL (opt-in).
    /// `fleet init` creates or updates the central schema and prints the two roles to create.
    Fleet(FleetArgs),
    /// Print the shell completion script for bash, zsh, fish, elvish or powershell (e.g.
    /// `ergoaudit completions bash > ~/.local/share/bash-completion/completions/ergoaudit`).
    Completions(CompletionsArgs),
    /// Write the man pages (ergoaudit.1 and one per command: ergoaudit-audit.1, …) into a
    /// folder, e.g. `ergoaudit man-pages --out ~/.local/share/man/man1`; packaging runs it.
    ManPages(ManPagesArgs),
}

/// `ergoaudit status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The history database (as for `audit`).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// Print one JSON line for a status bar: `text` (short), `tooltip` (everything, Pango
    /// markup), `class` and `alt` (stopped, paused, starting, in_call, stale, away, ok, warn,
    /// risk). Asked of the running audit over the session bus when it answers there.
    #[arg(long)]
    pub json: bool,
}

/// `ergoaudit pause`.
#[derive(Debug, Args)]
pub struct PauseArgs {
    /// How long (30m, 1h, 1h30m) [default: until `ergoaudit resume`].
    #[arg(value_name = "DURATION", value_parser = duration)]
    pub duration: Option<SignedDuration>,

    /// The history database whose audit to pause (as for `audit`).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
}

/// `ergoaudit resume`.
#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// The history database whose audit to resume (as for `audit`).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
}

/// `ergoaudit completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `ergoaudit man-pages`.
#[derive(Debug, Args)]
pub struct ManPagesArgs {
    /// The folder to write the pages into (made if missing; pages there are replaced).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// Longest duration taken: ten years is longer than any audit or report period.
const MAX_DURATION: SignedDuration = SignedDuration::from_hours(24 * 3653);

/// Parse a duration like `5s`, `10m`, `8h`, `1h30m`, `7d` (days of 24 h).
fn duration(s: &str) -> Result<SignedDuration, String> {
    let bad = || format!("`{s}`: write a duration like 5s, 10m, 8h, 1h30m or 7d");
    let span: jiff::Span = s.trim().parse().map_err(|_| bad())?;
    let secs =
        span.total((jiff::Unit::Second, jiff::SpanRelativeTo::days_are_24_hours())).map_err(|_| bad())?;
    match SignedDuration::try_from_secs_f64(secs) {
        Ok(d) if d.is_positive() && d <= MAX_DURATION => Ok(d),
        _ => Err(format!("`{s}`: the duration must be positive and at most ten years")),
    }
}

/// Parse a past time: RFC 3339 with an offset, or a civil date and time in the local zone.
fn recorded_at(s: &str) -> Result<jiff::Timestamp, String> {
    let bad = || format!("`{s}`: write a time like 2026-11-25T09:00 (local) or 2026-11-25T09:00:00Z");
    let at = match s.trim().parse::<jiff::Timestamp>() {
        Ok(at) => at,
        Err(_) => {
            let civil: jiff::civil::DateTime = s.trim().parse().map_err(|_| bad())?;
            civil.to_zoned(ergoaudit::zone::local()).map_err(|_| bad())?.timestamp()
        }
    };
    if at > jiff::Timestamp::now() {
        return Err(format!("`{s}`: a recording cannot be made in the future"));
    }
    Ok(at)
}

/// Shortest interval between samples: a burst of frames 0.2 s apart must fit.
const MIN_INTERVAL: SignedDuration = SignedDuration::from_millis(200);

fn interval(s: &str) -> Result<SignedDuration, String> {
    match duration(s)? {
        v if v >= MIN_INTERVAL => Ok(v),
        _ => Err(format!("`{s}`: the interval must be at least {} s", MIN_INTERVAL.as_secs_f64())),
    }
}

/// `--source`: a camera or a path (any path, UTF-8 or not).
fn source() -> impl TypedValueParser<Value = SourceArg> {
    OsStringValueParser::new().try_map(|s| SourceArg::parse(&s))
}

/// Most frames per second `--fps` takes from a video (no webcam or screen records faster).
const MAX_FPS: f64 = 240.0;

/// The nearest and furthest eye-to-camera distance `calibrate --distance` takes, metres.
const DISTANCE_RANGE_M: std::ops::RangeInclusive<f64> = 0.2..=3.0;

/// Parse a distance in metres from `60cm`, `60 cm`, `0.6m`, `600mm` or `60` (centimetres).
fn distance(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let (number, unit_m) = [("mm", 0.001), ("cm", 0.01), ("m", 1.0)]
        .iter()
        .find_map(|(unit, m)| t.strip_suffix(unit).map(|n| (n.trim_end(), *m)))
        .unwrap_or((t, 0.01));
    match number.parse::<f64>().map(|n| n * unit_m) {
        Ok(m) if DISTANCE_RANGE_M.contains(&m) => Ok(m),
        Ok(_) => Err(format!(
            "`{s}`: the distance from your eyes to the camera must be between {:.0} and {:.0} cm",
            DISTANCE_RANGE_M.start() * 100.0,
            DISTANCE_RANGE_M.end() * 100.0
        )),
        Err(_) => Err(format!("`{s}`: write a distance like 60cm, 0.6m or 600mm")),
    }
}

fn positive_fps(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v <= MAX_FPS => Ok(v),
        _ => Err(format!("`{s}`: frames per second must be a number above 0 and at most {MAX_FPS}")),
    }
}

/// `ergoaudit cameras`.
#[derive(Debug, Args)]
pub struct CamerasArgs {
    /// Print the cameras (or the test's result) as JSON.
    #[arg(long)]
    pub json: bool,

    /// List every mode each camera offers, not only the one used.
    #[arg(long)]
    pub all_modes: bool,

    /// Open a camera once (`camera`, the first; `camera:INDEX`; `camera:NAME`), take one
    /// sample through the pose model and say what it saw: the mode, how long the exposure
    /// took to settle, the brightness, whether a person was found and which measures are
    /// available. Exits 1 when nobody was found.
    #[arg(long, value_name = "CAMERA", num_args = 0..=1, default_missing_value = "camera",
          value_parser = |s: &str| s.parse::<CameraSelector>())]
    pub test: Option<CameraSelector>,

    /// Landmark model for `--test` (`full`, `lite`, `heavy` or a path).
    #[arg(long, default_value = "full", requires = "test")]
    pub model: ModelChoice,
}

/// `ergoaudit audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Where frames come from: `camera`, `camera:INDEX`, `camera:NAME` (see `ergoaudit
    /// cameras`), a video file (mp4, mov, webm, …; needs ffmpeg), an image or a folder of
    /// images. Recordings are replayed on their own clock, as fast as the CPU allows.
    #[arg(long, value_name = "SOURCE", default_value = "camera", value_parser = source())]
    pub source: SourceArg,

    /// Replay recorded landmarks (JSON lines as `analyze --json` writes, with t_s) instead
    /// of frames.
    #[arg(long, value_name = "FILE.jsonl", conflicts_with_all = ["source", "model"])]
    pub landmarks: Option<PathBuf>,

    /// Time between samples (5s, 1m, …). With a camera the device is opened for each sample
    /// and released in between (kept open below 3 s). Default: 5s; 12s through the heavy
    /// landmark model (a side camera), whose sample costs 2.3 times as much.
    #[arg(long, value_name = "DURATION", value_parser = interval)]
    pub interval: Option<SignedDuration>,

    /// Frames per sample; the sample holds their measures' median. One frame per 5 s keeps
    /// the audit under 0.5 % of a core (about 0.29 % with the full model, 0.21 % with the
    /// lite one, 0.28 % with the heavy one every 12 s); a burst of N costs N times that (the
    /// risk engine already smooths over time with its dwell and hysteresis).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub burst: usize,

    /// Stop after this long on the session clock (8h, 30m, …) [default: until the source
    /// ends, or Ctrl-C].
    #[arg(long, value_name = "DURATION", value_parser = duration)]
    pub duration: Option<SignedDuration>,

    /// When a recording was made (`2026-11-25T09:00` local time, or RFC 3339 with an
    /// offset), so that its session lands on its own day in the history and in `report
    /// --since 7d` [default: now]. Not for a camera or a stream, which record now.
    #[arg(long, value_name = "TIME", value_parser = recorded_at)]
    pub recorded_at: Option<jiff::Timestamp>,

    /// The history database [default: history.sqlite in the data folder,
    /// `~/.local/share/ergoaudit` or `$ERGOAUDIT_DATA_DIR`].
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// Calibration profile to compare with [default: `default`, when it exists].
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// No notifications (findings are still recorded).
    #[arg(long)]
    pub no_notify: bool,

    /// Show a tray icon (a StatusNotifierItem) while a camera or a stream is audited: its
    /// colour is the band, its tooltip the status, its menu pauses, resumes and opens today's
    /// report. Also `[audit] tray = true` in the config file.
    #[arg(long)]
    pub tray: bool,

    /// Landmark model: `full`, `lite` (about 40 % less CPU per sample, but it places
    /// shoulders at the frame edge further out: fewer values on a laptop framing), `heavy`
    /// (the most accurate, about three times full's cost; a side camera's) or a path.
    /// Default: the model the profile was calibrated with, else `full`.
    #[arg(long, value_name = "lite|full|heavy|PATH")]
    pub model: Option<ModelChoice>,

    #[command(flatten)]
    pub thresholds: ThresholdFlags,
}

/// Report formats.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ReportFormat {
    /// One self-contained page: inline CSS and SVG charts, no scripts, no external assets.
    Html,
    /// Markdown (the same facts, no charts).
    Md,
    /// JSON, schema `ergoaudit-report/7` (docs/report-schema.md).
    Json,
}

impl ReportFormat {
    /// The extension of a file in this format.
    pub fn extension(self) -> &'static str {
        match self {
            ReportFormat::Html => "html",
            ReportFormat::Md => "md",
            ReportFormat::Json => "json",
        }
    }
}

/// `ergoaudit report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Report on the sessions started within this period (8h, 7d, …).
    #[arg(long, value_name = "DURATION", default_value = "8h", value_parser = duration, conflicts_with = "session")]
    pub since: SignedDuration,

    /// Report on one session (`ergoaudit history` lists them).
    #[arg(long, value_name = "ID")]
    pub session: Option<i64>,

    /// The history database (as for `audit`).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// Audit this on the spot instead of reading the history: a video file, images, or
    /// `camera` (for `--for`, default 5 min); replayed on its own clock with a progress line.
    #[arg(long, value_name = "camera|FILE|DIR", conflicts_with_all = ["session", "db"], value_parser = source())]
    pub source: Option<SourceArg>,

    /// Audit recorded landmarks on the spot.
    #[arg(long, value_name = "FILE.jsonl", conflicts_with_all = ["source", "session", "db"])]
    pub landmarks: Option<PathBuf>,

    /// How long to audit the source (camera default: 5m; a recording: all of it).
    #[arg(long = "for", value_name = "DURATION", value_parser = duration)]
    pub duration: Option<SignedDuration>,

    /// Time between samples when auditing on the spot. Default: 5s; 12s through the heavy
    /// landmark model (a side camera).
    #[arg(long, value_name = "DURATION", value_parser = interval)]
    pub interval: Option<SignedDuration>,

    /// Frames per sample when auditing on the spot.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub burst: usize,

    /// Landmark model when auditing on the spot (default: the profile's, else `full`).
    #[arg(long, value_name = "lite|full|heavy|PATH")]
    pub model: Option<ModelChoice>,

    /// Calibration profile when auditing on the spot [default: `default`, when it exists].
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// Output format [default: from the -o extension, else html].
    #[arg(long, value_enum)]
    pub format: Option<ReportFormat>,

    /// Write to FILE instead of standard output (through a temporary file, so a failed write
    /// leaves what was there). An existing file is replaced only if it is an ergoaudit
    /// report, or with `--force`.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Replace the `-o` file even if it is not an ergoaudit report.
    #[arg(long, requires = "output")]
    pub force: bool,

    /// Open the report (HTML) in the browser.
    #[arg(long)]
    pub open: bool,

    #[command(flatten)]
    pub thresholds: ThresholdFlags,
}

/// `ergoaudit history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only sessions started within this period (7d, 24h, …).
    #[arg(long, value_name = "DURATION", default_value = "7d", value_parser = duration)]
    pub since: SignedDuration,

    /// Every session, however old (instead of `--since`).
    #[arg(long, conflicts_with = "since")]
    pub all: bool,

    /// The history database (as for `audit`).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Export formats.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ExportFormat {
    /// Comma-separated values with a header line.
    Csv,
    /// One JSON object per sample and line.
    Jsonl,
}

/// `ergoaudit export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: ExportFormat,

    /// Only sessions started within this period [default: all].
    #[arg(long, value_name = "DURATION", value_parser = duration)]
    pub since: Option<SignedDuration>,

    /// The history database (as for `audit`).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// Write to FILE instead of standard output (through a temporary file, so a failed write
    /// leaves what was there). An existing file is replaced only if it is an ergoaudit
    /// export, or with `--force`.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Replace the `-o` file even if it is not an ergoaudit export.
    #[arg(long, requires = "output")]
    pub force: bool,

    /// Export the findings (kind, severity, measure, start, end, value, limit, reference)
    /// instead of the samples.
    #[arg(long)]
    pub findings: bool,
}

/// `ergoaudit service`.
#[derive(Debug, Args)]
pub struct ServiceArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: ServiceAction,
}

/// `ergoaudit fleet`.
#[derive(Debug, Args)]
pub struct FleetArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: FleetAction,
}

/// `ergoaudit fleet` actions.
#[derive(Debug, Subcommand)]
pub enum FleetAction {
    /// Create or update the central schema (`ergoaudit` in the database; versioned
    /// migrations, safe to run again) and print the SQL that creates the two roles: one that
    /// may only add and update day rows, one that may only read for reports. The password
    /// comes from PGPASSWORD or ~/.pgpass, never from the URL.
    Init {
        /// The team's database: postgresql://USER@HOST:PORT/DATABASE?sslmode=require
        /// (sslmode disable, prefer, require or verify-full; sslrootcert=FILE checks the
        /// server's certificate against it).
        #[arg(long, value_name = "URL")]
        db: String,
        /// The name of the role the workstations push with.
        #[arg(long, value_name = "NAME", default_value = "ergoaudit_push")]
        push_role: String,
        /// The name of the role the team's reports read with.
        #[arg(long, value_name = "NAME", default_value = "ergoaudit_report")]
        report_role: String,
    },
    /// Send this workstation's day figures to the team's database: per local day, the
    /// figures of a report's days (time present, paused, away, in calls, per band of each
    /// measure, breaks taken and due, the longest sitting stretch, static holds, the
    /// RULA-style scores, data quality) under a random workstation id kept beside the
    /// history. Never a sample, a path, a profile, a host or a user name. Only days that
    /// changed since they were sent travel; sending one again replaces it. `[fleet]` in the
    /// config file gives the defaults, and with all three set the background audit pushes
    /// once a day by itself.
    Push {
        /// The local history (as for `audit`).
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
        /// The team's database (as for `fleet init`) [default: `[fleet] url`].
        #[arg(long, value_name = "URL")]
        to: Option<String>,
        /// The workstation's site [default: `[fleet] site`].
        #[arg(long, value_name = "NAME")]
        site: Option<String>,
        /// Its department [default: `[fleet] department`].
        #[arg(long, value_name = "NAME")]
        department: Option<String>,
    },
    /// Show what this workstation sent to the team's database, and when: its id, where to,
    /// each day sent, the last push and the last failure. Read from the ledger beside the
    /// history; nothing is asked of the server.
    Status {
        /// The local history (as for `audit`).
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
        /// Print the ledger as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The team's picture by site and department over a period — workstations, time per band
    /// of each measure, breaks taken against due, static holds, RULA-style scores, and the
    /// trend by week — computed in the team's database, with the privacy floor applied there:
    /// a group of fewer than --min-group workstations (never below 5) is not shown, nor one
    /// that would let such a group be worked out by subtraction. `--workstation ID` shows
    /// this workstation's own days instead (its id: `fleet status`).
    Report {
        /// The team's database, as the report role (as for `fleet init`).
        #[arg(long, value_name = "URL")]
        from: String,
        /// The period: the days from this long ago to today (7d, 30d, 52w).
        #[arg(long, value_name = "DURATION", default_value = "30d", value_parser = duration)]
        since: SignedDuration,
        /// One site only.
        #[arg(long, value_name = "NAME")]
        site: Option<String>,
        /// The smallest group shown, in workstations (5 or more).
        #[arg(long, value_name = "N", default_value_t = 5)]
        min_group: i32,
        /// This workstation's own days, by its id (`fleet status` shows it); another's are
        /// not shown.
        #[arg(long, value_name = "ID", conflicts_with_all = ["site", "min_group"])]
        workstation: Option<String>,
        /// The local history whose id `--workstation` must be (as for `audit`).
        #[arg(long, value_name = "PATH", requires = "workstation")]
        db: Option<PathBuf>,
        /// Output format [default: from the -o extension, else html].
        #[arg(long, value_enum)]
        format: Option<ReportFormat>,
        /// Write to FILE instead of standard output. An existing file is replaced only if it
        /// is an ergoaudit team report, or with `--force`.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Replace the `-o` file even if it is not an ergoaudit team report.
        #[arg(long, requires = "output")]
        force: bool,
    },
    /// Delete this workstation's rows from the team's database, then start afresh under a
    /// new id. Remove `[fleet]` from the config file too, or the background audit pushes
    /// again the next day.
    Forget {
        /// The local history (as for `audit`).
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
        /// The team's database [default: `[fleet] url`].
        #[arg(long, value_name = "URL")]
        to: Option<String>,
    },
}

/// `ergoaudit service` actions.
#[derive(Debug, Subcommand)]
pub enum ServiceAction {
    /// Write ~/.config/systemd/user/ergoaudit.service running `ergoaudit audit ARGS…`.
    Install {
        /// Arguments for `audit` (e.g. `--interval 10s --profile office`).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "AUDIT ARGS")]
        audit_args: Vec<String>,
    },
    /// Print the unit instead of writing it, running `EXE audit ARGS…` (what the Debian
    /// package installs as /usr/lib/systemd/user/ergoaudit.service).
    PrintUnit {
        /// The executable the unit runs [default: this one].
        #[arg(long, value_name = "PATH")]
        exe: Option<PathBuf>,
        /// Arguments for `audit` (e.g. `--interval 10s --profile office`).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "AUDIT ARGS")]
        audit_args: Vec<String>,
    },
    /// Remove the unit file.
    Uninstall,
    /// Say whether it is installed and what it runs.
    Status,
}

/// `ergoaudit analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Image files (PNG, JPEG, PNM), folders of images (taken in name order) or video files
    /// (mp4, mov, webm, …; decoded by ffmpeg).
    #[arg(required_unless_present = "landmarks", value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Frames per second taken from videos (one JSON line each, with its time t_s).
    #[arg(long, value_name = "FPS", default_value = "2", value_parser = positive_fps)]
    pub fps: f64,

    /// Read frames from a landmarks file (JSON lines, the shape `--json` writes: width,
    /// height, person, landmarks, world_landmarks) instead of running the pose model.
    #[arg(long, value_name = "FILE.jsonl", conflicts_with_all = ["inputs", "annotate", "model"])]
    pub landmarks: Option<PathBuf>,

    /// Print one JSON object per frame and line: source, frame, t_s, width, height, person,
    /// detection_score, landmarks (33 × [x_px, y_px, z, visibility, presence]),
    /// world_landmarks (33 × [x_m, y_m, z_m]), shoulder_tops (the silhouette's top above each
    /// shoulder, 2 × [x_px, y_px]), face (the face mesh's points for the head's pitch:
    /// points, 33 × [x_px, y_px, z_px], and presence), metrics (view, every measure, quality).
    #[arg(long)]
    pub json: bool,

    /// Landmark model: `full` (bundled), `heavy` (bundled, the most accurate, about three
    /// times full's cost), `lite` (bundled, faster) or the path of a BlazePose landmark ONNX
    /// file. Default: the model the profile was calibrated with, else `full`.
    #[arg(long, value_name = "lite|full|heavy|PATH")]
    pub model: Option<ModelChoice>,

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
    /// Where to see you sitting upright: `camera` (`camera:INDEX`, `camera:NAME`; about 30
    /// frames), images (a file or a folder) or a video; the median over the frames with a
    /// confident pose is stored.
    #[arg(long, value_name = "camera|FILE|DIR", required_unless_present = "landmarks", value_parser = source())]
    pub source: Option<SourceArg>,

    /// Read the frames from a landmarks file (JSON lines) instead.
    #[arg(long, value_name = "FILE.jsonl", conflicts_with_all = ["source", "model"])]
    pub landmarks: Option<PathBuf>,

    /// Profile name (one per desk or monitor set-up).
    #[arg(long, value_name = "NAME", default_value = "default")]
    pub profile: String,

    /// Landmark model (`full`, `lite`, `heavy` or a path). Default: `full`, or `heavy` when
    /// the frames show a side view (the full model loses a profile's near shoulder): the
    /// frames are then taken again through heavy, and the audits of the profile use it too.
    #[arg(long, value_name = "lite|full|heavy|PATH")]
    pub model: Option<ModelChoice>,

    /// The distance from your eyes to the camera while calibrating, measured once (`60cm`,
    /// `0.6m`): it fixes the camera's field of view in the profile, so that viewing
    /// distances are in centimetres and judged (without it, or `--camera-hfov`, they are
    /// only shown relative to the calibration).
    #[arg(long, value_name = "DISTANCE", value_parser = distance)]
    pub distance: Option<f64>,

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

/// clap's usage error on one line: what is wrong, with the arguments it names, the values
/// it allows and its tip (each on a line of their own in clap's text) joined; the usage
/// synopsis it appends (one `--help` away) left out.
pub fn usage_error(text: &str) -> String {
    let parts: Vec<&str> = text
        .lines()
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .map(|l| l.trim().trim_start_matches("error: "))
        .filter(|l| !l.is_empty())
        .collect();
    ergoaudit::escape::terminal(&parts.join(" ")).into_owned()
}

#[cfg(test)]
mod tests {
    use super::{MAX_DURATION, SignedDuration, duration};
    use clap::CommandFactory;
    use proptest::prelude::*;

    #[test]
    fn the_command_line_is_consistent() {
        super::Cli::command().debug_assert();
    }

    #[test]
    fn the_help_names_the_report_schema_the_report_writes() {
        let mut report = super::Cli::command().find_subcommand_mut("report").unwrap().clone();
        let help = report.render_long_help().to_string();
        assert!(help.contains(ergoaudit::report::SCHEMA), "{help}");
    }

    #[test]
    fn durations_read_as_written() {
        assert_eq!(duration("5s"), Ok(SignedDuration::from_secs(5)));
        assert_eq!(duration("1h30m"), Ok(SignedDuration::from_mins(90)));
        assert_eq!(duration("7d"), Ok(SignedDuration::from_hours(168)));
        assert_eq!(duration("0.25s"), Ok(SignedDuration::from_millis(250)));
        assert!(duration("0s").is_err());
        assert!(duration("20000d").is_err(), "more than ten years");
        assert!(duration("soon").is_err());
    }

    proptest! {
        // fuzz target: any text is a duration in (0, ten years] or a one-line error
        #![proptest_config(ProptestConfig::with_cases(
            std::env::var("FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2000)
        ))]
        #[test]
        fn any_text_is_a_sane_duration_or_an_error(text in "\\PC{0,24}|[0-9hmsdwy .:-]{0,16}") {
            match duration(&text) {
                Ok(d) => prop_assert!(d.is_positive() && d <= MAX_DURATION, "{text:?} -> {d}"),
                Err(e) => prop_assert_eq!(e.lines().count(), 1),
            }
        }
    }
}
