//! `ergoaudit history` and `ergoaudit export`: the stored sessions and samples.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use ergoaudit::escape;
use ergoaudit::report::export;
use ergoaudit::store::{SessionEnd, SessionId, SessionSummary, Store};
use serde::Serialize;

use crate::cli::{ExportArgs, ExportFormat, HistoryArgs};
use crate::output::Stdout;

fn open(db: Option<&Path>) -> Result<Store> {
    Ok(Store::open_read(&crate::options::db(db)?)?)
}

fn since(ago: Option<jiff::SignedDuration>) -> Option<jiff::Timestamp> {
    ago.and_then(|d| jiff::Timestamp::now().checked_sub(d).ok())
}

/// A session as `history --json` lists it.
#[derive(Serialize)]
struct Listed<'a> {
    id: SessionId,
    started_at: jiff::Timestamp,
    ended_at: SessionEnd,
    source: &'a str,
    profile: Option<&'a str>,
    samples: i64,
    present_samples: i64,
    span_s: f64,
    findings: &'a [(String, i64)],
}

impl<'a> From<&'a SessionSummary> for Listed<'a> {
    fn from(s: &'a SessionSummary) -> Self {
        let session = &s.session;
        Listed {
            id: session.id,
            started_at: session.started_at,
            ended_at: session.end,
            source: &session.setup.source,
            profile: session.setup.profile.as_deref(),
            samples: s.samples,
            present_samples: s.present_samples,
            span_s: s.span_s,
            findings: &s.findings,
        }
    }
}

/// Run `history`.
pub fn history(args: &HistoryArgs) -> Result<ExitCode> {
    let store = open(args.db.as_deref())?;
    let sessions = store.sessions(since((!args.all).then_some(args.since)))?;
    Stdout::write_with(|out| list(&store, &sessions, args.json, out))?;
    Ok(ExitCode::SUCCESS)
}

/// Write the sessions, as JSON or a table.
fn list(store: &Store, sessions: &[SessionSummary], json: bool, out: &mut Stdout) -> Result<()> {
    if json {
        let listed: Vec<Listed> = sessions.iter().map(Listed::from).collect();
        serde_json::to_writer_pretty(&mut *out, &listed)?;
        writeln!(out)?;
        return Ok(());
    }
    if sessions.is_empty() {
        writeln!(out, "no audit sessions in this period ({})", escape::path(store.path()))?;
        return Ok(());
    }
    writeln!(
        out,
        "{:>4}  {:<25} {:>8} {:>8} {:>8}  findings  source",
        "id", "started", "span", "samples", "present"
    )?;
    for s in sessions {
        let findings: Vec<String> = s.findings.iter().map(|(k, n)| format!("{n} {k}")).collect();
        let findings = if findings.is_empty() { "none".to_owned() } else { findings.join(", ") };
        writeln!(
            out,
            "{:>4}  {:<25} {:>8} {:>8} {:>7.0}%  {findings}  {}{}",
            s.session.id,
            s.session.started_at.strftime("%Y-%m-%dT%H:%M:%S").to_string(),
            ergoaudit::advice::minutes(s.span_s),
            s.samples,
            if s.samples > 0 { s.present_samples as f64 / s.samples as f64 * 100.0 } else { 0.0 },
            escape::terminal(&s.session.setup.source),
            if s.session.end == SessionEnd::Interrupted { " (interrupted)" } else { "" }
        )?;
    }
    Ok(())
}

/// Run `export`.
pub fn export(args: &ExportArgs) -> Result<ExitCode> {
    let store = open(args.db.as_deref())?;
    let ids: Vec<SessionId> = store.sessions(since(args.since))?.iter().map(|s| s.session.id).collect();
    let format = match args.format {
        ExportFormat::Csv => export::Format::Csv,
        ExportFormat::Jsonl => export::Format::Jsonl,
    };
    match &args.output {
        Some(path) => {
            let mut rows = 0;
            ergoaudit::files::write_output(
                path,
                args.force,
                "an ergoaudit export",
                export::is_export,
                |out| {
                    rows = export::write(&store, &ids, args.findings, format, out)?;
                    Ok::<(), export::ExportError>(())
                },
            )
            .with_context(|| format!("cannot write {}", escape::path(path)))?;
            let what = if args.findings { "findings" } else { "samples" };
            errln!("exported {rows} {what} to {}", escape::path(path));
        }
        None => {
            Stdout::write_with(|out| export::write(&store, &ids, args.findings, format, out))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
