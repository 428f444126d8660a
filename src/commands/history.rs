//! `ergoaudit history` and `ergoaudit export`: the stored sessions and samples.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use ergoaudit::escape;
use ergoaudit::store::Store;

use crate::cli::{ExportArgs, ExportFormat, HistoryArgs};

fn open(db: Option<&Path>) -> Result<Store> {
    let path = match db {
        Some(p) => p.to_path_buf(),
        None => ergoaudit::store::default_path()?,
    };
    Ok(Store::open_read(&path)?)
}

fn since(seconds: Option<f64>) -> Option<jiff::Timestamp> {
    seconds.and_then(|s| jiff::Timestamp::now().checked_sub(jiff::SignedDuration::from_secs_f64(s)).ok())
}

/// Run `history`.
pub fn history(args: &HistoryArgs) -> Result<ExitCode> {
    let store = open(args.db.as_deref())?;
    let sessions = store.sessions(since((!args.all).then_some(args.since)))?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &sessions)?;
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
            s.id,
            s.started_at.chars().take(19).collect::<String>(),
            ergoaudit::advice::minutes(s.span_s),
            s.samples,
            if s.samples > 0 { s.present_samples as f64 / s.samples as f64 * 100.0 } else { 0.0 },
            escape::terminal(&s.source),
            if s.ended_at.as_deref() == Some("interrupted") { " (interrupted)" } else { "" }
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
    let ids: Vec<i64> = store.sessions(since(args.since))?.iter().map(|s| s.id).collect();
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

/// Write the export; how many rows.
fn write_export(store: &Store, ids: &[i64], args: &ExportArgs, out: &mut dyn Write) -> Result<usize> {
    if args.findings {
        let findings = store.findings(ids)?;
        match args.format {
            ExportFormat::Jsonl => {
                for (session, f) in &findings {
                    let mut row = serde_json::to_value(f)?;
                    row["session"] = serde_json::json!(session);
                    serde_json::to_writer(&mut *out, &row)?;
                    writeln!(out)?;
                }
            }
            ExportFormat::Csv => {
                writeln!(out, "session,id,kind,severity,measure,start_s,end_s,value,limit,reference")?;
                let opt = |v: Option<f64>| v.map_or_else(String::new, |v| format!("{v}"));
                for (session, f) in &findings {
                    writeln!(
                        out,
                        "{session},{},{},{},{},{},{},{},{},{}",
                        f.id,
                        f.kind,
                        f.severity,
                        f.measure.as_deref().unwrap_or(""),
                        f.start_s,
                        opt(f.end_s),
                        opt(f.value),
                        opt(f.limit),
                        escape::csv(&f.reference)
                    )?;
                }
            }
        }
        return Ok(findings.len());
    }
    let samples = store.samples(ids)?;
    match args.format {
        ExportFormat::Jsonl => {
            for s in &samples {
                let mut row = serde_json::json!({
                    "session": s.session, "t_s": s.t_s, "at": s.at, "person": s.person, "present": s.present,
                    "view": s.view, "movement": s.movement, "rula": s.rula, "static": s.static_posture,
                    "sitting_min": s.sitting_min,
                });
                for (name, v) in &s.measures {
                    row[*name] = serde_json::json!(v);
                }
                row["missing"] = serde_json::json!(s.missing);
                serde_json::to_writer(&mut *out, &row)?;
                writeln!(out)?;
            }
        }
        ExportFormat::Csv => {
            let names: Vec<&str> = ergoaudit::posture::MeasureId::ALL.iter().map(|m| m.name()).collect();
            writeln!(
                out,
                "session,t_s,at,person,present,view,movement,rula,static,sitting_min,{}",
                names.join(",")
            )?;
            let opt = |v: Option<f64>| v.map_or_else(String::new, |v| format!("{v}"));
            for s in &samples {
                let measures: Vec<String> = s.measures.iter().map(|(_, v)| opt(*v)).collect();
                writeln!(
                    out,
                    "{},{},{},{},{},{},{},{},{},{},{}",
                    s.session,
                    s.t_s,
                    s.at,
                    u8::from(s.person),
                    u8::from(s.present),
                    escape::csv(s.view.as_deref().unwrap_or("")),
                    opt(s.movement),
                    s.rula.map_or_else(String::new, |r| r.to_string()),
                    u8::from(s.static_posture),
                    s.sitting_min,
                    measures.join(",")
                )?;
            }
        }
    }
    Ok(samples.len())
}
