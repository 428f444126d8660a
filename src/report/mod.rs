//! The ergonomics report: what was seen, which of the source documents' risk factors it
//! matches, which muscles it loads, and what to change — the same facts as HTML (inline SVG
//! charts), Markdown and JSON. The JSON schema is `docs/report-schema.md`.

mod assemble;
mod charts;
mod days;
pub mod export;
mod findings;
mod history;
mod knowledge;
mod method;
mod model;
mod render;
mod series;
pub mod status;
mod tally;
mod time;
mod verdict;
mod when;

pub use assemble::{Builder, SCHEMA, build, days};
pub use history::{FromHistory, Kind, Loaded, ReportError, Selection, today};
pub use knowledge::{NOT_JUDGED, fix_for, risk_factor};
pub use model::{
    BandTime, Day, Distribution, Hold, MeasureQuality, Method, Origin, OverallVerdict, PerMeasure, Period,
    Point, Quality, Records, Report, ReportFinding, ThresholdUsed, TimeSummary, TopFinding,
};
pub use render::{html, markdown};
pub use tally::{MAX_DAYS, TREND_MEASURES};

/// Whether the start of a file is a report ergoaudit wrote (HTML, Markdown or JSON), which
/// `report -o` may replace without `--force`.
pub fn is_report(head: &[u8]) -> bool {
    let has = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    (head.starts_with(b"<!DOCTYPE html>") && has(b"<title>Ergonomics report</title>"))
        || head.starts_with(b"# Ergonomics report")
        || (head.starts_with(b"{") && has(b"\"schema\": \"ergoaudit-report/"))
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

    /// Records of `sessions` with `samples`, judged by `t`, nothing else.
    pub(crate) fn records<'a>(
        sessions: &'a [StoredSession],
        samples: &'a [crate::store::StoredSample],
        t: &'a crate::thresholds::Thresholds,
    ) -> super::Records<'a> {
        super::Records {
            kind: "history",
            sessions,
            samples,
            findings: &[],
            breaks: &[],
            pauses: &[],
            away: &[],
            calls: &[],
            gaps: &[],
            period: None,
            thresholds: t,
            judged: &[],
            now: jiff::Timestamp::UNIX_EPOCH,
            tz: &UTC,
        }
    }

    /// The time zone of the sections' tests.
    pub(crate) static UTC: jiff::tz::TimeZone = jiff::tz::TimeZone::UTC;

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
