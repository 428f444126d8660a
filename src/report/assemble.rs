//! The report assembled from its sections, after the faulty data an old or damaged
//! database may hold is set aside.

use super::days as by_day;
use super::knowledge::NOT_JUDGED;
use super::model::{Day, Records, Report};
use super::tally::{Data, Sessions, Tally, finite, sane_interval};
use super::{findings, method, series, time, verdict};
use crate::risk::MAX_ABS_T_S;
use crate::store::{SessionSetup, StoredFinding, StoredSample, StoredSession};

/// Version of the JSON schema (`docs/report-schema.md`).
pub const SCHEMA: &str = "ergoaudit-report/7";

/// Build the report from records that hold their samples.
pub fn build(input: &Records) -> Report {
    assemble(Data::new(input))
}

/// The days of `input.period` (see [`Day`]), as a report over it would show them.
pub fn days(input: &Records) -> Vec<Day> {
    by_day::days(&Data::new(input))
}

/// A report built from records whose samples are not held but streamed in, one at a time
/// (a year of history is two million samples): [`Builder::add`] each, then
/// [`Builder::finish`]. Faulty data (as an old or damaged database may hold) is set aside:
/// samples whose time is no number or absurd, values and findings' times that are no
/// numbers or absurd (no measure of ours goes beyond ±10 000 in its unit), intervals that
/// are not positive.
pub struct Builder<'a> {
    input: &'a Records<'a>,
    tally: Tally,
    sessions: Sessions,
}

impl<'a> Builder<'a> {
    /// A report on `input` (its `samples` left unread: they come through [`Builder::add`]).
    pub fn new(input: &'a Records<'a>) -> Self {
        Builder { input, tally: Tally::new(input.period), sessions: Sessions::default() }
    }

    /// Add one sample of `input`'s sessions.
    pub fn add(&mut self, sample: &StoredSample) {
        self.tally.add(self.input, &mut self.sessions, sample);
    }

    /// The report.
    pub fn finish(self) -> Report {
        assemble(Data::gathered(self.input, self.tally))
    }
}

/// The report of `d`, its faulty findings, breaks and pauses set aside first.
fn assemble(d: Data) -> Report {
    let input = d.input;
    let span = |start_s: f64, end_s: f64| {
        start_s.abs() <= MAX_ABS_T_S && end_s.abs() <= MAX_ABS_T_S && end_s >= start_s
    };
    let breaks: Vec<_> = input.breaks.iter().filter(|b| span(b.start_s, b.end_s)).copied().collect();
    let pauses: Vec<_> = input.pauses.iter().filter(|p| span(p.start_s, p.end_s)).copied().collect();
    let away: Vec<_> = input.away.iter().filter(|a| span(a.start_s, a.end_s)).copied().collect();
    let calls: Vec<_> = input.calls.iter().filter(|c| span(c.start_s, c.end_s)).copied().collect();
    let gaps: Vec<_> = input.gaps.iter().filter(|g| span(g.start_s, g.end_s)).copied().collect();
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
    let sessions: Vec<StoredSession> = input
        .sessions
        .iter()
        .map(|s| {
            let interval_s = sane_interval(s.setup.interval_s);
            StoredSession { setup: SessionSetup { interval_s, ..s.setup.clone() }, ..s.clone() }
        })
        .collect();
    let cleaned = Records {
        sessions: &sessions,
        samples: &[],
        findings: &findings,
        breaks: &breaks,
        pauses: &pauses,
        away: &away,
        calls: &calls,
        gaps: &gaps,
        ..*input
    };
    let d = Data::gathered(&cleaned, d.tally);
    let findings = findings::findings(&d);
    let quality = method::measure_quality(&d);
    let (series, resolution) = d.tally.series();
    Report {
        schema: SCHEMA,
        generated_at: super::when::rfc3339(input.now, input.tz),
        origin: series::origin(&d),
        notice: verdict::notice(&d),
        verdict: verdict::verdict(&d, &findings, &quality),
        time: time::time(&d, &findings),
        holds: findings::holds(&findings),
        not_judged: NOT_JUDGED.iter().map(|s| (*s).to_owned()).collect(),
        method: method::method(&d, quality),
        series,
        series_resolution_s: resolution,
        distributions: d.tally.distributions(),
        breaks: series::break_spans(&d),
        pauses: series::pause_spans(&d),
        days: by_day::days(&d),
        findings,
        thresholds: *input.thresholds,
    }
}
