//! `ergoaudit history` and `ergoaudit export`: the stored sessions and samples.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use ergoaudit::escape;
use ergoaudit::posture::{MeasureId, View};
use ergoaudit::store::{SessionEnd, SessionId, SessionSummary, Store, StoredSample, missing_map};
use serde::Serialize;

use crate::cli::{ExportArgs, ExportFormat, HistoryArgs};

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
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        let listed: Vec<Listed> = sessions.iter().map(Listed::from).collect();
        serde_json::to_writer_pretty(&mut out, &listed)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    if sessions.is_empty() {
        writeln!(out, "no audit sessions in this period ({})", escape::path(store.path()))?;
        return Ok(ExitCode::SUCCESS);
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
    Ok(ExitCode::SUCCESS)
}

/// Whether the start of a file is an export ergoaudit wrote (CSV with its header, or JSON
/// lines of samples or findings), which `export -o` may replace without `--force`.
fn is_export(head: &[u8]) -> bool {
    head.starts_with(b"session,")
        || (head.starts_with(b"{") && head.windows(10).any(|w| w == b"\"session\":"))
}

/// Run `export`.
pub fn export(args: &ExportArgs) -> Result<ExitCode> {
    let store = open(args.db.as_deref())?;
    let ids: Vec<SessionId> = store.sessions(since(args.since))?.iter().map(|s| s.session.id).collect();
    match &args.output {
        Some(path) => {
            let mut rows = 0;
            ergoaudit::files::write_output(
                path,
                args.force,
                "an ergoaudit export",
                is_export,
                |out| -> Result<()> {
                    rows = write_export(&store, &ids, args, out)?;
                    Ok(())
                },
            )
            .with_context(|| format!("cannot write {}", escape::path(path)))?;
            eprintln!(
                "exported {rows} {} to {}",
                if args.findings { "findings" } else { "samples" },
                escape::path(path)
            );
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            write_export(&store, &ids, args, &mut out)?;
            out.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A number as CSV writes it (empty for none).
fn opt(v: Option<f64>) -> String {
    v.map_or_else(String::new, |v| v.to_string())
}

/// Write the export; how many rows.
fn write_export(store: &Store, ids: &[SessionId], args: &ExportArgs, out: &mut dyn Write) -> Result<usize> {
    if args.findings {
        let findings = store.findings(ids)?;
        match args.format {
            ExportFormat::Jsonl => {
                for f in &findings {
                    let mut row = serde_json::to_value(f)?;
                    row["session"] = serde_json::json!(f.session);
                    serde_json::to_writer(&mut *out, &row)?;
                    writeln!(out)?;
                }
            }
            ExportFormat::Csv => {
                let mut csv = csv::Writer::from_writer(out);
                csv.write_record([
                    "session",
                    "id",
                    "kind",
                    "severity",
                    "measure",
                    "start_s",
                    "end_s",
                    "value",
                    "limit",
                    "reference",
                ])?;
                for f in &findings {
                    csv.write_record([
                        f.session.to_string(),
                        f.id.to_string(),
                        f.kind.name().to_owned(),
                        f.severity.name().to_owned(),
                        f.measure.map_or("", MeasureId::name).to_owned(),
                        f.start_s.to_string(),
                        opt(f.end_s),
                        opt(f.value),
                        opt(f.limit),
                        escape::spreadsheet(&f.reference).into_owned(),
                    ])?;
                }
                csv.flush()?;
            }
        }
        return Ok(findings.len());
    }
    let samples = store.samples(ids)?;
    let at = |s: &StoredSample| s.at.map_or_else(String::new, |t| t.to_string());
    match args.format {
        ExportFormat::Jsonl => {
            for s in &samples {
                let mut row = serde_json::json!({
                    "session": s.session, "t_s": s.t_s, "at": at(s), "person": s.person, "present": s.present,
                    "view": s.view, "movement": s.movement, "rula": s.rula, "static": s.static_posture,
                    "sitting_min": s.sitting_min,
                });
                for (id, v) in s.measures.iter() {
                    row[id.name()] = serde_json::json!(v);
                }
                row["missing"] = serde_json::json!(missing_map(&s.missing));
                serde_json::to_writer(&mut *out, &row)?;
                writeln!(out)?;
            }
        }
        ExportFormat::Csv => {
            let mut csv = csv::Writer::from_writer(out);
            let head = [
                "session",
                "t_s",
                "at",
                "person",
                "present",
                "view",
                "movement",
                "rula",
                "static",
                "sitting_min",
            ];
            csv.write_record(head.into_iter().chain(MeasureId::all().map(MeasureId::name)))?;
            for s in &samples {
                let fields = [
                    s.session.to_string(),
                    s.t_s.to_string(),
                    at(s),
                    u8::from(s.person).to_string(),
                    u8::from(s.present).to_string(),
                    s.view.map_or("", View::name).to_owned(),
                    opt(s.movement),
                    s.rula.map_or_else(String::new, |r| r.to_string()),
                    u8::from(s.static_posture).to_string(),
                    s.sitting_min.to_string(),
                ];
                csv.write_record(fields.into_iter().chain(s.measures.values().map(|v| opt(*v))))?;
            }
            csv.flush()?;
        }
    }
    Ok(samples.len())
}
