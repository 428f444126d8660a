//! `ergoaudit report`: the ergonomics report, from the history or from a recording audited
//! on the spot.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::{Context, Result};
use ergoaudit::report::{self, FromHistory, Kind, Selection};
use ergoaudit::store::Store;
use ergoaudit::{audit, escape, files};

use crate::cli::{ReportArgs, ReportFormat};
use crate::display::Display;
use crate::options::{ReportFrom, ReportOptions};

/// Run `report`.
pub fn run(args: &ReportArgs, config: Option<&Path>) -> Result<ExitCode> {
    let options = ReportOptions::new(args, config)?;
    // a recording is audited into a scratch database that is deleted afterwards
    let scratch = tempfile::tempdir().context("cannot create a temporary folder")?;
    let mut code = ExitCode::SUCCESS;
    let (db, selection, kind) = match &options.from {
        ReportFrom::Recording(recorder) => {
            let db = scratch.path().join("report.sqlite");
            let stop = Arc::new(AtomicBool::new(false));
            let source = recorder.open(&stop)?;
            audit::stop_on_signals(&stop)?;
            let mut display = Display::new(false, &options.settings, source.desktop());
            let recorded = source.record(&mut Store::open_for_audit(&db)?, &mut display)?;
            code = display.finish();
            (db, Selection::Session(recorded.session), Kind::Recording)
        }
        ReportFrom::History { db, selection } => (db.clone(), *selection, Kind::History),
    };
    let report = FromHistory {
        kind,
        selection,
        overrides: &options.overrides,
        defaults: &options.settings.thresholds,
        tz: ergoaudit::zone::local(),
        now: jiff::Timestamp::now(),
    }
    .build(&Store::open_read(&db)?)?;
    let out = &options.output;
    let text = match out.format {
        ReportFormat::Html => report::html(&report),
        ReportFormat::Md => report::markdown(&report),
        ReportFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
    };
    let what = Written { name: "report", is_ours: report::is_report };
    if let Some(path) = write(&text, out.path.as_deref(), out.force, &what)?
        && out.open
    {
        open(path);
    }
    Ok(code)
}

/// A kind of report a command writes: its name, and how one is recognised.
pub struct Written {
    /// "report", "team report".
    pub name: &'static str,
    /// Whether the start of a file is one (so `-o` may replace it without `--force`).
    pub is_ours: fn(&[u8]) -> bool,
}

/// Write a report's `text` to `path` (`-o`; replacing only a report of its kind unless
/// `force`) and say so on stderr, or to stdout without one; the file written, if any.
pub fn write<'a>(
    text: &str,
    path: Option<&'a Path>,
    force: bool,
    what: &Written,
) -> Result<Option<&'a Path>> {
    let Some(path) = path else {
        crate::output::Stdout::write_with(|out| out.write_all(text.as_bytes()))?;
        return Ok(None);
    };
    files::write_output(path, force, &format!("an ergoaudit {}", what.name), what.is_ours, |file| {
        file.write_all(text.as_bytes())
    })
    .with_context(|| format!("cannot write {}", escape::path(path)))?;
    errln!("{} written to {}", what.name, escape::path(path));
    Ok(Some(path))
}

/// Open `path` with the desktop's program for its type (the browser for HTML).
fn open(path: &Path) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(opener).arg(path).spawn() {
        errln!("ergoaudit: cannot open the report with {opener} ({e}); open {} yourself", escape::path(path));
    }
}
