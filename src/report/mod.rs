//! The ergonomics report: what was seen, which of the source documents' risk factors it
//! matches, which muscles it loads, and what to change — the same facts as HTML (inline SVG
//! charts), Markdown and JSON. The JSON schema is `docs/report-schema.md`.

mod charts;
mod days;
mod findings;
mod knowledge;
mod method;
mod model;
mod render;
mod series;
pub mod status;
mod time;
mod verdict;

use crate::risk::MAX_ABS_T_S;
use crate::store::{SessionSetup, StoredFinding, StoredSample, StoredSession};
pub use knowledge::{NOT_JUDGED, fix_for, risk_factor};
pub use model::{
    BandTime, Day, Distribution, Hold, Input, MeasureQuality, Method, Origin, Period, Point, Quality, Report,
    ReportFinding, ThresholdUsed, TimeSummary, TopFinding, Verdict1,
};
pub use render::{html, markdown};

/// Version of the JSON schema (`docs/report-schema.md`).
pub const SCHEMA: &str = "ergoaudit-report/4";

/// Whether the start of a file is a report ergoaudit wrote (HTML, Markdown or JSON), which
/// `report -o` may replace without `--force`.
pub fn is_report(head: &[u8]) -> bool {
    let has = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    (head.starts_with(b"<!DOCTYPE html>") && has(b"<title>Ergonomics report</title>"))
        || head.starts_with(b"# Ergonomics report")
        || (head.starts_with(b"{") && has(b"\"schema\": \"ergoaudit-report/"))
}

/// Build the report. Faulty data (as an old or damaged database may hold) is set aside
/// first: samples whose time is no number or absurd, values and findings' times that are
/// no numbers or absurd (no measure of ours goes beyond ±10 000 in its unit), intervals
/// that are not positive.
pub fn build(input: &Input) -> Report {
    let finite = |v: Option<f64>| v.filter(|x| x.abs() <= 1e4);
    let sessions: Vec<StoredSession> = input
        .sessions
        .iter()
        .map(|s| {
            let interval_s = s.setup.interval_s;
            let interval_s = if interval_s > 0.0 && interval_s <= 86_400.0 { interval_s } else { 5.0 };
            StoredSession { setup: SessionSetup { interval_s, ..s.setup.clone() }, ..s.clone() }
        })
        .collect();
    let samples: Vec<StoredSample> = input
        .samples
        .iter()
        .filter(|s| s.t_s.abs() <= MAX_ABS_T_S)
        .map(|s| StoredSample {
            measures: s.measures.map(|_, v| finite(*v)),
            movement: finite(s.movement),
            sitting_min: if s.sitting_min.is_finite() { s.sitting_min.max(0.0) } else { 0.0 },
            ..s.clone()
        })
        .collect();
    let span = |start_s: f64, end_s: f64| {
        start_s.abs() <= MAX_ABS_T_S && end_s.abs() <= MAX_ABS_T_S && end_s >= start_s
    };
    let breaks: Vec<_> = input.breaks.iter().filter(|b| span(b.start_s, b.end_s)).copied().collect();
    let pauses: Vec<_> = input.pauses.iter().filter(|p| span(p.start_s, p.end_s)).copied().collect();
    let findings: Vec<StoredFinding> = input
        .findings
        .iter()
        .filter(|f| f.start_s.abs() <= MAX_ABS_T_S)
        .map(|f| StoredFinding {
            end_s: finite(f.end_s).filter(|e| e.abs() <= MAX_ABS_T_S),
            value: finite(f.value),
            limit: finite(f.limit),
            ..f.clone()
        })
        .collect();
    build_from(&Input {
        sessions: &sessions,
        samples: &samples,
        findings: &findings,
        breaks: &breaks,
        pauses: &pauses,
        ..*input
    })
}

/// The days of `period` (see [`Day`]) in `input`, as a report over it would show them.
pub fn days(input: &Input, period: &Period) -> Vec<Day> {
    days::days(&model::Data::new(input), period)
}

fn build_from(input: &Input) -> Report {
    let d = model::Data::new(input);
    let findings = findings::findings(&d);
    let quality = method::measure_quality(&d.present);
    Report {
        schema: SCHEMA,
        generated_at: input.now.to_string(),
        origin: series::origin(&d),
        notice: verdict::notice(&d),
        verdict: verdict::verdict(&d, &findings, &quality),
        time: time::time(&d, &findings),
        holds: findings::holds(&findings),
        not_judged: NOT_JUDGED.iter().map(|s| (*s).to_owned()).collect(),
        method: method::method(&d, quality),
        series: series::series(&d),
        distributions: series::distributions(&d),
        breaks: series::break_spans(&d),
        pauses: series::pause_spans(&d),
        days: input.period.map(|p| days::days(&d, p)).unwrap_or_default(),
        findings,
        thresholds: *input.thresholds,
    }
}

#[cfg(test)]
mod tests {
    //! Stored data for the sections' tests.

    use crate::posture::{MeasureId, Measures};
    use crate::risk::FindingKind;
    use crate::store::{SessionEnd, SessionId, SessionSetup, StoredFinding, StoredSample, StoredSession};
    use crate::thresholds::Verdict;

    /// Session 1, sampled every `interval_s`.
    pub(crate) fn details(interval_s: f64) -> StoredSession {
        StoredSession {
            id: SessionId(1),
            started_at: "2026-01-05T09:00:00Z".parse().unwrap(),
            end: SessionEnd::Running,
            setup: SessionSetup {
                source: "camera".into(),
                model: Some("full".into()),
                profile: None,
                profile_toml: None,
                interval_s,
                thresholds_json: "{}".into(),
            },
        }
    }

    /// A sample of session 1 at `t_s` (a person seen when present), with a CVA.
    pub(crate) fn sample(t_s: f64, present: bool, cva: Option<f64>) -> StoredSample {
        let mut measures = Measures::default();
        measures[MeasureId::CvaDeg] = cva;
        let at =
            jiff::Timestamp::from_second(1_767_603_600).unwrap() + jiff::SignedDuration::from_secs_f64(t_s);
        StoredSample {
            session: SessionId(1),
            t_s,
            at: Some(at),
            person: present,
            present,
            view: None,
            movement: None,
            rula: None,
            static_posture: false,
            sitting_min: 0.0,
            measures,
            missing: Measures::default(),
        }
    }

    /// A break or a pause of session 1.
    pub(crate) fn span(start_s: f64, end_s: f64) -> crate::store::SessionSpan {
        crate::store::SessionSpan { session: SessionId(1), start_s, end_s }
    }

    /// A finding from `start_s` to `end_s`.
    pub(crate) fn finding(
        kind: FindingKind,
        measure: Option<MeasureId>,
        severity: Verdict,
        start_s: f64,
        end_s: Option<f64>,
        limit: Option<f64>,
    ) -> StoredFinding {
        StoredFinding {
            session: SessionId(1),
            id: 0,
            kind,
            severity,
            measure,
            start_s,
            end_s,
            value: Some(1.0),
            limit,
            reference: "a reference".into(),
        }
    }
}
