//! `ergoaudit report`: the ergonomics report, from the history or from a recording audited
//! on the spot.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use ergoaudit::report::{self, Input as ReportInput};
use ergoaudit::store::{SessionId, Store};
use ergoaudit::thresholds::Thresholds;
use ergoaudit::{escape, files};

use ergoaudit::audit::{self, Session};

use crate::cli::{ReportArgs, ReportFormat};
use crate::display::Display;
use crate::options::{ReportFrom, ReportOptions};

fn format_of(args: &ReportArgs) -> ReportFormat {
    args.format.unwrap_or_else(|| {
        match args.output.as_ref().and_then(|p| p.extension()).and_then(|e| e.to_str()) {
            Some("md" | "markdown") => ReportFormat::Md,
            Some("json") => ReportFormat::Json,
            _ => ReportFormat::Html,
        }
    })
}

/// Run `report`.
pub fn run(args: &ReportArgs, config: Option<&Path>) -> Result<ExitCode> {
    let options = ReportOptions::new(args, config)?;
    // a recording is audited into a scratch database that is deleted afterwards
    let scratch = tempfile::tempdir().context("cannot create a temporary folder")?;
    let mut code = ExitCode::SUCCESS;
    let now = jiff::Timestamp::now();
    let mut period = None;
    // the start of a history's `--since` period
    let mut from = None;
    let (store, sessions, kind) = match &options.from {
        ReportFrom::Recording(rec) => {
            let db = scratch.path().join("report.sqlite");
            let mut store = Store::open_for_audit(&db)?;
            let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let mut source = rec.input.open(&rec.pacing(&stop, None), &rec.model)?;
            audit::stop_on_signals(&stop)?;
            let mut display = Display::new(false, &rec.settings);
            let session = Session::begin(&mut store, rec.plan(None, source.clock()), &mut display)?;
            let id = session.id();
            session.record(source.as_mut(), &stop)?;
            code = display.finish();
            drop(store);
            (Store::open_read(&db)?, vec![id], "recording")
        }
        ReportFrom::History { db, session, since } => {
            let store = Store::open_read(db)?;
            let ids: Vec<SessionId> = match session {
                Some(id) => {
                    let id = SessionId(*id);
                    if store.sessions_by_id(&[id])?.is_empty() {
                        bail!("no session {id} in {}; `ergoaudit history` lists them", db.display());
                    }
                    vec![id]
                }
                None => {
                    let start = now.checked_sub(*since).unwrap_or(jiff::Timestamp::MIN);
                    // a period of more than a day is also shown day by day
                    if *since > jiff::SignedDuration::from_hours(24) {
                        period =
                            Some(report::Period { from: start, to: now, tz: jiff::tz::TimeZone::system() });
                    }
                    from = Some(start);
                    // a session that began before the period (the background audit runs for
                    // days) counts with what it recorded within it
                    store.sessions_touching(start)?
                }
            };
            (store, ids, "history")
        }
    };
    let details = store.sessions_by_id(&sessions)?;
    let mut findings = store.findings(&sessions)?;
    let mut breaks = store.breaks(&sessions)?;
    let mut pauses = store.pauses(&sessions)?;
    let samples = match from {
        Some(from) => {
            // what ended before the period is left out
            let t0 = |session: SessionId| {
                details.iter().find(|d| d.id == session).map_or(f64::MIN, |d| d.clock_s(from))
            };
            findings.retain(|f| f.end_s.is_none_or(|end| end >= t0(f.session)));
            breaks.retain(|b| b.end_s >= t0(b.session));
            pauses.retain(|p| p.end_s >= t0(p.session));
            store.samples_since(&details, from)?
        }
        None => store.samples(&sessions)?,
    };
    // judged with the thresholds the sessions were recorded with; a flag changes its own
    // threshold only
    let thresholds = match details.first() {
        Some(d) => {
            let (mut stored, problems) = Thresholds::from_stored(&d.setup.thresholds_json);
            if !problems.is_empty() {
                tracing::warn!(
                    "session {}: stored thresholds not understood ({}); the defaults stand in for them",
                    d.id,
                    problems.join(", ")
                );
            }
            for &(key, value) in &args.thresholds.0 {
                stored.set(key, value);
            }
            stored.validate().map_err(|invalid| anyhow::anyhow!("{invalid}; check the threshold flags"))?;
            stored
        }
        None => options.settings.thresholds,
    };
    let report = report::build(&ReportInput {
        kind,
        sessions: &details,
        samples: &samples,
        findings: &findings,
        breaks: &breaks,
        pauses: &pauses,
        period: period.as_ref(),
        thresholds: &thresholds,
        now,
    });
    let text = match format_of(args) {
        ReportFormat::Html => report::html(&report),
        ReportFormat::Md => report::markdown(&report),
        ReportFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
    };
    let output = match (&args.output, args.open) {
        (Some(p), _) => Some(p.clone()),
        (None, true) => {
            Some(std::env::temp_dir().join(format!("ergoaudit-report-{}.html", std::process::id())))
        }
        (None, false) => None,
    };
    match &output {
        Some(path) => {
            files::write_output(path, args.force, "an ergoaudit report", report::is_report, |out| {
                out.write_all(text.as_bytes())
            })
            .with_context(|| format!("cannot write {}", escape::path(path)))?;
            eprintln!("report written to {}", escape::path(path));
        }
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    if args.open
        && let Some(path) = output
    {
        open_in_browser(&path);
    }
    Ok(code)
}

fn open_in_browser(path: &PathBuf) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(opener).arg(path).spawn() {
        eprintln!(
            "ergoaudit: cannot open the report with {opener} ({e}); open {} yourself",
            escape::path(path)
        );
    }
}
