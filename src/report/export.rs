//! The history as data: the samples (measures only) or the findings of sessions, as CSV or
//! JSON lines, for a spreadsheet or another program.

use std::io::Write;

use crate::escape;
use crate::posture::{MeasureId, View};
use crate::store::{SessionId, Store, StoreError, StoredSample, missing_map};

/// Export formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a header line.
    Csv,
    /// One JSON object per row and line.
    Jsonl,
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The history cannot be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The output cannot be written.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A row cannot be written as CSV.
    #[error(transparent)]
    Csv(#[from] csv::Error),
    /// A row cannot be written as JSON.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

/// Whether the start of a file is an export ergoaudit wrote (CSV with its header, or JSON
/// lines of samples or findings), which `export -o` may replace without `--force`.
pub fn is_export(head: &[u8]) -> bool {
    head.starts_with(b"session,")
        || (head.starts_with(b"{") && head.windows(10).any(|w| w == b"\"session\":"))
}

/// A number as CSV writes it (empty for none).
fn opt(v: Option<f64>) -> String {
    v.map_or_else(String::new, |v| v.to_string())
}

/// Write the samples, or with `findings` the findings, of the sessions `ids` in `format`;
/// how many rows.
pub fn write(
    store: &Store,
    ids: &[SessionId],
    findings: bool,
    format: Format,
    out: &mut dyn Write,
) -> Result<usize, ExportError> {
    if findings {
        let findings = store.findings(ids)?;
        match format {
            Format::Jsonl => {
                for f in &findings {
                    let mut row = serde_json::to_value(f)?;
                    row["session"] = serde_json::json!(f.session);
                    serde_json::to_writer(&mut *out, &row)?;
                    writeln!(out)?;
                }
            }
            Format::Csv => {
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
    match format {
        Format::Jsonl => {
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
        Format::Csv => {
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
