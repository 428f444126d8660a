//! `ergoaudit audit`: sample posture on an interval, judge it over time, keep the history.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use anyhow::{Context, Result};
use ergoaudit::audit::{self, Observer, RecordSource, Sampler, Status};
use ergoaudit::capture::camera::{CameraSelector, CameraSource, Paced, is_camera};
use ergoaudit::capture::video::{Sampling, VideoFile, is_video};
use ergoaudit::capture::{CaptureError, ImageFiles, LandmarkFile};
use ergoaudit::config::Settings;
use ergoaudit::notify::Notifier;
use ergoaudit::pose::{BlazePose, ModelChoice};
use ergoaudit::posture::Baseline;
use ergoaudit::posture::MeasureId;
use ergoaudit::risk::Event;
use ergoaudit::store::{SessionInfo, Store};

use crate::cli::AuditArgs;
use crate::options;

/// Seconds between the frames of a burst taken from a recording.
const BURST_SPACING_S: f64 = 0.2;
/// Below this interval the camera stays open between samples: reopening and letting the
/// exposure settle would cost more than it saves.
const KEEP_OPEN_BELOW_S: f64 = 3.0;

/// Where frames come from.
pub enum Input {
    /// A live camera.
    Camera(CameraSelector),
    /// A video file.
    Video(PathBuf),
    /// Image files or a folder.
    Images(PathBuf),
    /// Recorded landmarks.
    Landmarks(PathBuf),
}

impl Input {
    /// From `--source` / `--landmarks`.
    pub fn new(source: Option<&str>, landmarks: Option<&Path>) -> Result<Self> {
        Ok(match (landmarks, source) {
            (Some(path), _) => Input::Landmarks(path.to_path_buf()),
            (None, None) => Input::Camera(CameraSelector::First),
            (None, Some(s)) if is_camera(s) => Input::Camera(s.parse().map_err(anyhow::Error::msg)?),
            (None, Some(s)) => {
                let path = PathBuf::from(s);
                if !path.exists() {
                    return Err(CaptureError::Missing(path).into());
                }
                if is_video(&path) { Input::Video(path) } else { Input::Images(path) }
            }
        })
    }

    /// How the session names its source.
    pub fn describe(&self) -> String {
        match self {
            Input::Camera(sel) => sel.to_string(),
            Input::Video(p) | Input::Images(p) | Input::Landmarks(p) => p.display().to_string(),
        }
    }
}

/// Notifications, the status line and gap messages.
pub struct Display {
    notifier: Notifier,
    bar: indicatif::ProgressBar,
    gap_said: Option<String>,
    failed_inputs: usize,
}

impl Display {
    /// A status line on a terminal (hidden otherwise), and notifications when `notify`.
    pub fn new(notify: bool, settings: &Settings) -> Self {
        let bar = if std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        } else {
            indicatif::ProgressBar::hidden()
        };
        Display {
            notifier: Notifier::new(notify, settings.thresholds.notify_cooldown, settings.quiet_hours),
            bar,
            gap_said: None,
            failed_inputs: 0,
        }
    }

    /// Remove the status line; the exit code: failure when an input file could not be read
    /// (the others were still audited, as `analyze` does).
    pub fn finish(&self) -> ExitCode {
        self.bar.finish_and_clear();
        if self.failed_inputs > 0 {
            eprintln!("ergoaudit: {} input files could not be read (see above)", self.failed_inputs);
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        }
    }
}

impl Observer for Display {
    fn event(&mut self, event: &Event, at: jiff::Timestamp, t_s: f64) {
        tracing::info!(kind = event.finding.kind.name(), change = ?event.change, "finding");
        if let Some((title, body)) = self.notifier.consider(event, at, t_s) {
            self.bar.suspend(|| self.notifier.deliver(&title, &body));
        }
    }

    fn sample(&mut self, status: &Status) {
        let s = status.sample;
        let a = status.assessment;
        let mut parts = vec![
            format!("sample {}", status.samples),
            format!("t {}", ergoaudit::advice::minutes(s.input.t_s)),
        ];
        if a.present {
            parts.push(format!("view {}", s.view.map_or("?", |v| v.name())));
            for id in [MeasureId::CvaDeg, MeasureId::NeckFlexionDeg, MeasureId::HeadTiltDeg] {
                if let Some(v) = s.input.measures[id as usize] {
                    parts.push(format!("{} {v:.0}{}", id.label(), id.unit()));
                }
            }
            parts.push(format!("sitting {:.0} min", a.sitting_min));
            if a.static_posture {
                parts.push("held still".into());
            }
        } else {
            parts.push("away".into());
        }
        self.bar.set_message(parts.join(" · "));
        self.bar.tick();
        self.gap_said = None;
    }

    fn gap(&mut self, error: &CaptureError, t_s: f64) {
        let text = ergoaudit::escape::terminal(error.to_string().trim_end()).into_owned();
        if matches!(
            error,
            CaptureError::Missing(_) | CaptureError::Unreadable { .. } | CaptureError::Undecodable { .. }
        ) {
            // a file of a recording: said once, skipped, and the exit code says so
            self.failed_inputs += 1;
            self.bar.suspend(|| eprintln!("ergoaudit: {text}"));
            return;
        }
        // say each kind of trouble once, not at every retry
        if self.gap_said.as_deref() != Some(text.as_str()) {
            self.bar.suspend(|| {
                eprintln!("ergoaudit: {text} (at {}); retrying", ergoaudit::advice::minutes(t_s))
            });
            self.gap_said = Some(text);
        }
    }
}

/// Everything a recorded session is made with.
pub struct Recording<'a> {
    /// The input.
    pub input: &'a Input,
    /// Thresholds and settings.
    pub settings: &'a Settings,
    /// The calibration profile, if any.
    pub profile: Option<(String, Baseline)>,
    /// Seconds between samples.
    pub interval: f64,
    /// Stop after this long (session clock).
    pub duration: Option<f64>,
    /// The landmark model.
    pub model: &'a ModelChoice,
    /// Set on SIGINT/SIGTERM.
    pub stop: &'a AtomicBool,
}

/// Record one session from `source` into `store`; returns its id and how it went.
pub fn record(
    rec: Recording,
    source: &mut dyn RecordSource,
    store: &mut Store,
    observer: &mut dyn Observer,
) -> Result<(i64, audit::Outcome)> {
    let started_at = jiff::Timestamp::now();
    let (profile_name, baseline) = rec.profile.unzip();
    let info = SessionInfo {
        started_at,
        source: rec.input.describe(),
        model: (!matches!(rec.input, Input::Landmarks(_))).then(|| rec.model.to_string()),
        profile: profile_name,
        profile_toml: baseline.as_ref().map(|b| toml::to_string(b).expect("a baseline serialises")),
        interval_s: rec.interval,
        thresholds_json: serde_json::to_string(&rec.settings.thresholds)?,
    };
    let session = store.begin_session(&info)?;
    let mut sampler = Sampler::new(
        rec.interval,
        options::camera(rec.settings),
        baseline,
        rec.settings.thresholds.min_confidence,
    );
    let outcome = audit::run(
        source,
        &mut sampler,
        &rec.settings.thresholds,
        store,
        session,
        started_at,
        rec.duration,
        rec.stop,
        observer,
    )
    .with_context(|| format!("audit session {session}"))?;
    Ok((session, outcome))
}

/// From now on SIGINT and SIGTERM set `stop`; a second one ends the program at once.
/// Called once the source is open: until then nothing needs a clean end, and a signal
/// must end a program still waiting to open a named pipe.
pub fn stop_on_signals(stop: &Arc<AtomicBool>) -> Result<()> {
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register_conditional_shutdown(signal, 130, Arc::clone(stop))?;
        signal_hook::flag::register(signal, Arc::clone(stop))?;
    }
    Ok(())
}

/// Parse a duration like `5s`, `10m`, `8h`, `1h30m`, `7d` into seconds (days of 24 h).
pub fn parse_duration(s: &str) -> Result<f64, String> {
    let bad = || format!("`{s}`: write a duration like 5s, 10m, 8h, 1h30m or 7d");
    let span: jiff::Span = s.trim().parse().map_err(|_| bad())?;
    let secs =
        span.total((jiff::Unit::Second, jiff::SpanRelativeTo::days_are_24_hours())).map_err(|_| bad())?;
    // ten years is longer than any audit or report period
    if secs > 0.0 && secs <= 10.0 * 365.25 * 86_400.0 {
        Ok(secs)
    } else {
        Err(format!("`{s}`: the duration must be positive and at most ten years"))
    }
}

/// Run `audit`.
pub fn run(args: &AuditArgs, config: Option<&Path>) -> Result<ExitCode> {
    let settings = options::settings(config, &args.thresholds)?;
    let model = args.landmarks.is_none().then_some(&args.model);
    let profile = options::profile(args.profile.as_deref(), &settings, model)?;
    let input = Input::new(args.source.as_deref(), args.landmarks.as_deref())?;
    let stop = Arc::new(AtomicBool::new(false));
    let interval = args.interval;
    let source = open_source(&input, interval, args.burst, args.duration, &args.model, &stop)?;
    stop_on_signals(&stop)?;
    let db = match &args.db {
        Some(p) => p.clone(),
        None => ergoaudit::store::default_path()?,
    };
    let mut store = Store::open_for_audit(&db)?;

    let mut source = source;
    let mut display = Display::new(!args.no_notify, &settings);
    let recording = Recording {
        input: &input,
        settings: &settings,
        profile,
        interval,
        duration: args.duration,
        model: &args.model,
        stop: &stop,
    };
    let (session, outcome) = record(recording, source.as_mut(), &mut store, &mut display)
        .with_context(|| format!("audit in {}", db.display()))?;
    let code = display.finish();

    let usage = rusage();
    let findings = store.findings(&[session])?;
    println!(
        "session {session}: {} samples over {} ({} gaps){}, {} findings; saved in {}",
        outcome.samples,
        ergoaudit::advice::minutes(outcome.end_s),
        outcome.gaps,
        if outcome.interrupted { ", stopped on request" } else { "" },
        findings.len(),
        db.display()
    );
    if let Some((cpu_s, rss_kb)) = usage {
        let per_sample = if outcome.samples > 0 { cpu_s / outcome.samples as f64 * 1e3 } else { 0.0 };
        println!("cost: {cpu_s:.2} s CPU ({per_sample:.1} ms per sample), peak memory {} MB", rss_kb / 1024);
    }
    Ok(code)
}

/// The record source for an input: recorded landmarks as they are, pixels through the pose
/// model (video in bursts on the recording's clock, a camera in bursts on the wall clock,
/// for `duration` seconds when given).
pub fn open_source(
    input: &Input,
    interval: f64,
    burst: usize,
    duration: Option<f64>,
    model: &ModelChoice,
    stop: &Arc<AtomicBool>,
) -> Result<Box<dyn RecordSource>> {
    let burst = burst.max(1);
    Ok(match input {
        Input::Landmarks(path) => Box::new(audit::LandmarkRecords::new(LandmarkFile::open(path)?)),
        Input::Video(path) => {
            let sampling = if burst == 1 {
                Sampling::Samples(interval)
            } else {
                // bursts repeat exactly when the interval is a whole number of spacings
                let spacing = interval / (interval / BURST_SPACING_S).ceil();
                Sampling::Bursts { interval, frames: burst, spacing }
            };
            Box::new(audit::PoseRecords::new(
                VideoFile::open(path, sampling)?,
                BlazePose::load(model)?,
                interval,
            ))
        }
        Input::Images(path) => Box::new(audit::PoseRecords::new(
            ImageFiles::from_inputs(std::slice::from_ref(path))?,
            BlazePose::load(model)?.with_redetect_interval(1),
            interval,
        )),
        Input::Camera(selector) => {
            let camera =
                CameraSource::new(options::camera_backend()?, selector, interval < KEEP_OPEN_BELOW_S)?;
            tracing::info!(camera = camera.label(), "camera found");
            let frames = Paced::new(
                camera,
                burst,
                Duration::from_secs_f64(interval),
                duration.map(Duration::from_secs_f64),
                Arc::clone(stop),
            );
            Box::new(audit::PoseRecords::new(frames, BlazePose::load(model)?, interval))
        }
    })
}

/// This process's peak resident memory, kB: `VmHWM` on Linux (`ru_maxrss` would report
/// the parent's peak when it was larger, as it survives `execve`), else `ru_maxrss`.
fn peak_rss_kb(ru_maxrss: i64) -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(ru_maxrss)
}

/// CPU seconds (user + system) and peak resident memory (kB) of this process.
fn rusage() -> Option<(f64, i64)> {
    let mut u = std::mem::MaybeUninit::<libc::rusage>::uninit();
    // SAFETY: getrusage fills the struct it is given and returns 0 on success
    let ok = unsafe { libc::getrusage(libc::RUSAGE_SELF, u.as_mut_ptr()) } == 0;
    ok.then(|| {
        // SAFETY: initialised by the successful call above
        let u = unsafe { u.assume_init() };
        let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
        (secs(u.ru_utime) + secs(u.ru_stime), peak_rss_kb(u.ru_maxrss))
    })
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use proptest::prelude::*;

    #[test]
    fn durations_read_as_written() {
        assert_eq!(parse_duration("5s"), Ok(5.0));
        assert_eq!(parse_duration("1h30m"), Ok(5400.0));
        assert_eq!(parse_duration("7d"), Ok(604_800.0));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("20000d").is_err(), "more than ten years");
        assert!(parse_duration("soon").is_err());
    }

    proptest! {
        // fuzz target: any text is a duration in (0, ten years] or a one-line error
        #![proptest_config(ProptestConfig::with_cases(
            std::env::var("FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2000)
        ))]
        #[test]
        fn any_text_is_a_sane_duration_or_an_error(text in "\\PC{0,24}|[0-9hmsdwy .:-]{0,16}") {
            match parse_duration(&text) {
                Ok(s) => prop_assert!(s > 0.0 && s <= 10.0 * 365.25 * 86_400.0, "{text:?} -> {s}"),
                Err(e) => prop_assert_eq!(e.lines().count(), 1),
            }
        }
    }
}
