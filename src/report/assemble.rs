//! The report assembled from its sections, after the faulty data an old or damaged
//! database may hold is set aside.

use super::days as by_day;
use super::knowledge::NOT_JUDGED;
use super::model::{self, Day, Period, Records, Report};
use super::{findings, method, series, time, verdict};
use crate::risk::MAX_ABS_T_S;
use crate::store::{SessionSetup, StoredFinding, StoredSample, StoredSession};

/// Version of the JSON schema (`docs/report-schema.md`).
pub const SCHEMA: &str = "ergoaudit-report/4";

/// Build the report. Faulty data (as an old or damaged database may hold) is set aside
/// first: samples whose time is no number or absurd, values and findings' times that are
/// no numbers or absurd (no measure of ours goes beyond ±10 000 in its unit), intervals
/// that are not positive.
pub fn build(input: &Records) -> Report {
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
    build_from(&Records {
        sessions: &sessions,
        samples: &samples,
        findings: &findings,
        breaks: &breaks,
        pauses: &pauses,
        ..*input
    })
}

/// The days of `period` (see [`Day`]) in `input`, as a report over it would show them.
pub fn days(input: &Records, period: &Period) -> Vec<Day> {
    by_day::days(&model::Data::new(input), period)
}

fn build_from(input: &Records) -> Report {
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
        days: input.period.map(|p| by_day::days(&d, p)).unwrap_or_default(),
        findings,
        thresholds: *input.thresholds,
    }
}
