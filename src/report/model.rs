//! The report's data: what every output format (HTML, Markdown, JSON) shows.

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

use crate::posture::{MeasureId, View};
use crate::risk::FindingKind;
use crate::store::{SessionId, SessionSpan, StoredFinding, StoredSample, StoredSession};
use crate::thresholds::{Thresholds, Verdict};

/// One value for each measure that has one, keyed by the measure; iterated, and serialised as
/// a JSON object, in the order of the measures' names (the object's keys).
#[derive(Clone, Debug, PartialEq)]
pub struct PerMeasure<T>(BTreeMap<MeasureId, T>);

impl<T> Default for PerMeasure<T> {
    fn default() -> Self {
        PerMeasure(BTreeMap::new())
    }
}

impl<T> PerMeasure<T> {
    /// The value of `id`, if it has one.
    pub fn get(&self, id: MeasureId) -> Option<&T> {
        self.0.get(&id)
    }

    /// Whether `id` has a value.
    pub fn contains(&self, id: MeasureId) -> bool {
        self.0.contains_key(&id)
    }

    /// Whether no measure has a value.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every measure with its value, in name order.
    pub fn iter(&self) -> std::vec::IntoIter<(MeasureId, &T)> {
        let mut entries: Vec<(MeasureId, &T)> = self.0.iter().map(|(id, v)| (*id, v)).collect();
        entries.sort_by_key(|(id, _)| id.name());
        entries.into_iter()
    }

    /// The value of `id`, made with `T::default()` when it has none.
    pub(crate) fn entry(&mut self, id: MeasureId) -> &mut T
    where
        T: Default,
    {
        self.0.entry(id).or_default()
    }

    /// Set the value of `id`.
    pub(crate) fn insert(&mut self, id: MeasureId, value: T) {
        self.0.insert(id, value);
    }

    /// Keep the values for which `keep` says so.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        self.0.retain(|_, v| keep(v));
    }
}

impl<'a, T> IntoIterator for &'a PerMeasure<T> {
    type Item = (MeasureId, &'a T);
    type IntoIter = std::vec::IntoIter<(MeasureId, &'a T)>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<T: Serialize> Serialize for PerMeasure<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter().map(|(id, v)| (id.name(), v)))
    }
}

/// Where the data came from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Origin {
    /// `history` (stored sessions) or `recording` (audited on the spot).
    pub kind: String,
    /// Session ids.
    pub sessions: Vec<SessionId>,
    /// Sources of the sessions.
    pub sources: Vec<String>,
    /// First sample (RFC 3339, to the second, with the report's time zone's offset).
    pub from: Option<String>,
    /// Last sample (RFC 3339, as `from`).
    pub to: Option<String>,
    /// The first to the last sample as people write it: "Sunday 6 December 2026,
    /// 08:18–08:20".
    pub period: Option<String>,
    /// The time zone the report's dates and times are in (an IANA name, or an offset).
    pub time_zone: String,
}

/// One of the findings that matter most.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TopFinding {
    /// Finding kind.
    pub kind: FindingKind,
    /// Measure, if one.
    pub measure: Option<MeasureId>,
    /// Worst severity.
    pub severity: Verdict,
    /// How many times it happened.
    pub count: usize,
    /// Total time, seconds.
    pub total_s: f64,
    /// What it is, for a person.
    pub title: String,
    /// The muscle-knot risk factor it matches (see [`crate::report::risk_factor`]).
    pub risk_factor: String,
    /// The one thing to change.
    pub action: String,
}

/// The verdict first: the overall action level and what it rests on.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OverallVerdict {
    /// RULA-style grand score (1–7) reached or exceeded during at least 10 % of the present
    /// time (90th percentile of the scores of the samples whose neck flexion was measured,
    /// nearest rank); `None` when the neck was measured in less than half of the present time.
    pub grand_score: Option<u8>,
    /// RULA's action level (1–4) of that grand score.
    pub action_level: Option<u8>,
    /// What the score asks for — or, without a level, what was missing and how to fix the
    /// set-up.
    pub meaning: String,
    /// What the level rests on: the measures taken from the camera, with the share of the
    /// present time each had a value.
    pub measured: Vec<String>,
    /// What the level assumes instead of measuring.
    pub assumed: Vec<String>,
    /// The three findings that matter most (by severity, then total time).
    pub top_findings: Vec<TopFinding>,
}

/// Time spent in each band of one measure, seconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct BandTime {
    /// In the comfortable range.
    pub ok_s: f64,
    /// Beyond warn.
    pub warn_s: f64,
    /// Beyond risk.
    pub risk_s: f64,
    /// Present, but no value (see `method.data_quality`).
    pub no_value_s: f64,
    /// Present with a value from a view the measure is not judged from (shoulder rounding
    /// from the front: an estimate, in no band; see [`MeasureId::judged_in`]).
    pub estimate_s: f64,
}

impl BandTime {
    /// Count `dt` seconds of measure `id`'s `value`, taken from `view`, in its band by `t`
    /// (without a value: present without one; from a view it is not judged from: an
    /// estimate).
    pub(crate) fn count(
        &mut self,
        id: MeasureId,
        value: Option<f64>,
        view: Option<View>,
        t: &Thresholds,
        dt: f64,
    ) {
        match value.map(|v| (v, id.judged_in(view))) {
            None => self.no_value_s += dt,
            Some((_, false)) => self.estimate_s += dt,
            Some((v, true)) => match t.verdict(id, v) {
                Verdict::Ok => self.ok_s += dt,
                Verdict::Warn => self.warn_s += dt,
                Verdict::Risk => self.risk_s += dt,
            },
        }
    }

    /// Seconds with a value, in any band.
    pub fn measured_s(&self) -> f64 {
        self.ok_s + self.warn_s + self.risk_s
    }
}

/// Time at a glance.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TimeSummary {
    /// Audited time (samples × interval), seconds.
    pub audited_s: f64,
    /// Time the person was present, seconds.
    pub present_s: f64,
    /// Time away, seconds.
    pub away_s: f64,
    /// Time the audit was paused (`ergoaudit pause`): neither present nor away, seconds.
    pub paused_s: f64,
    /// Time the screen was locked or the machine asleep (the camera closed; nobody at the
    /// screen), seconds.
    pub locked_s: f64,
    /// Time in calls (the camera or a microphone taken by another program): sitting, posture
    /// unknown, seconds.
    pub call_s: f64,
    /// Absences of at least the break length.
    pub breaks_taken: usize,
    /// The rule (e.g. "2 min every 45 min").
    pub break_rule: String,
    /// Longest uninterrupted sitting stretch, minutes.
    pub longest_sitting_min: f64,
    /// How often a break was overdue.
    pub breaks_overdue: usize,
    /// Time in band per measure (measures with any value).
    pub bands: PerMeasure<BandTime>,
    /// For each measure seen only as an estimate some of the time: what it is, how far off,
    /// and how to measure it properly.
    pub estimates: Vec<String>,
}

/// A static hold.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Hold {
    /// Session.
    pub session: SessionId,
    /// Start, seconds on the session clock.
    pub start_s: f64,
    /// Start, as a clock time in the report's time zone ("08:18"; "Sun 6 Dec, 08:18" when
    /// the report spans days).
    pub at: Option<String>,
    /// Duration, seconds.
    pub duration_s: f64,
    /// `warn` (past the static rule) or `risk` (past ISO 11226's holding time).
    pub severity: Verdict,
    /// Head inclination held, degrees.
    pub head_inclination_deg: Option<f64>,
    /// The limit judged against, seconds.
    pub limit_s: Option<f64>,
    /// Where the limit comes from.
    pub reference: String,
    /// How far past the limit, seconds (0 within it).
    pub exceeded_by_s: f64,
}

/// A finding, tied to the source documents.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReportFinding {
    /// Session.
    pub session: SessionId,
    /// Kind.
    pub kind: FindingKind,
    /// Measure.
    pub measure: Option<MeasureId>,
    /// Severity.
    pub severity: Verdict,
    /// Start, seconds on the session clock.
    pub start_s: f64,
    /// Start, as a clock time (as [`Hold::at`]).
    pub at: Option<String>,
    /// Duration, seconds.
    pub duration_s: f64,
    /// Representative value.
    pub value: Option<f64>,
    /// Limit judged against.
    pub limit: Option<f64>,
    /// Where the limit comes from.
    pub reference: String,
    /// The muscle-knot risk factor it matches (see [`crate::report::risk_factor`]).
    pub risk_factor: String,
    /// The muscles it loads.
    pub muscles: Vec<String>,
    /// The change it suggests.
    pub action: String,
}

/// A threshold as used.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ThresholdUsed {
    /// Key.
    pub key: String,
    /// Value.
    pub value: f64,
    /// Unit.
    pub unit: String,
    /// Reference.
    pub reference: String,
}

/// Data quality.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Quality {
    /// Samples.
    pub samples: usize,
    /// Samples with the person present.
    pub present_samples: usize,
    /// Share of present samples with no posture verdict (none of CVA, head-forward, neck
    /// flexion, shoulder rounding measured).
    pub no_verdict_share: f64,
    /// Why, and what to change.
    pub reasons: Vec<String>,
    /// Per measure: how many present samples had a value, and why the others had none.
    pub measures: PerMeasure<MeasureQuality>,
}

/// How often one measure had a value, and why not.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct MeasureQuality {
    /// Present samples with a value.
    pub with_value: usize,
    /// Present samples without one, by reason (`not recorded` for samples stored before
    /// the reasons were kept).
    pub without: BTreeMap<String, usize>,
}

/// How it was measured.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Method {
    /// Thresholds used.
    pub thresholds: Vec<ThresholdUsed>,
    /// Calibration profiles used.
    pub profiles: Vec<String>,
    /// Pose model(s).
    pub models: Vec<String>,
    /// ergoaudit version.
    pub ergoaudit: String,
    /// Camera views seen: samples per view.
    pub views: BTreeMap<String, usize>,
    /// Data quality.
    pub data_quality: Quality,
}

/// One point of the charts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Point {
    /// Seconds since the first sample.
    pub t_s: f64,
    /// Present.
    pub present: bool,
    /// Values of the charted measures.
    pub cva_deg: Option<f64>,
    /// Neck flexion.
    pub neck_flexion_deg: Option<f64>,
    /// Shoulder rounding.
    pub shoulder_rounding_deg: Option<f64>,
}

/// The distribution of one measure over the present samples.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Distribution {
    /// Bin edges (11, in the measure's unit): ten bins of equal width, a whole number of
    /// 0.1 (0.001 for the shoulder elevation ratio), from the smallest value down to such a
    /// step to the largest.
    pub edges: Vec<f64>,
    /// Samples per bin (10).
    pub counts: Vec<usize>,
}

/// The period a report covers, to split into days.
#[derive(Clone, Debug)]
pub struct Period {
    /// Its start.
    pub from: jiff::Timestamp,
    /// Its end (now).
    pub to: jiff::Timestamp,
    /// The time zone whose midnights divide it.
    pub tz: jiff::tz::TimeZone,
}

/// One calendar day.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Day {
    /// The date (YYYY-MM-DD, local).
    pub date: String,
    /// Time present (samples × interval), seconds.
    pub present_s: f64,
    /// Time audited with nobody at the desk (samples not present × interval), seconds.
    pub away_s: f64,
    /// Time the audit was paused, seconds (counted on the day the pause began).
    pub paused_s: f64,
    /// Time the screen was locked or the machine asleep, seconds (counted on the day it
    /// began).
    pub locked_s: f64,
    /// Time in calls, seconds (counted on the day the call began).
    pub call_s: f64,
    /// Time in each band of `cva_deg`, `head_forward_cm` and `shoulder_rounding_deg`, and
    /// present without a value, seconds (the measures with a value that day).
    pub bands: PerMeasure<BandTime>,
    /// Breaks taken (counted on the day they began).
    pub breaks_taken: usize,
    /// Breaks the rule asks for: one per `sitting_max` minutes present.
    pub breaks_due: usize,
    /// Longest sitting stretch reached that day, minutes (a stretch across midnight counts
    /// on the day it reached its length).
    pub longest_sitting_min: f64,
    /// Static holds begun that day.
    pub holds: usize,
    /// Their time, seconds.
    pub hold_s: f64,
    /// The RULA-style scores of the samples with the person seen and the neck measured:
    /// how many scored 1, 2, … 7.
    pub rula: [usize; 7],
    /// Data quality: samples taken that day.
    pub samples: usize,
    /// Of them, those with the person present and seen.
    pub samples_seen: usize,
    /// Frames that could not be had (the camera lost, a frame unread).
    pub gaps: usize,
}

/// The whole report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// Schema version.
    pub schema: &'static str,
    /// When it was made (RFC 3339).
    pub generated_at: String,
    /// Where the data came from.
    pub origin: Origin,
    /// Set when there is nothing to judge (no data, or nobody in it): why.
    pub notice: Option<String>,
    /// The verdict (absent with a notice).
    pub verdict: Option<OverallVerdict>,
    /// Time at a glance.
    pub time: TimeSummary,
    /// Static holds.
    pub holds: Vec<Hold>,
    /// Every finding.
    pub findings: Vec<ReportFinding>,
    /// What the camera cannot judge.
    pub not_judged: Vec<String>,
    /// How it was measured.
    pub method: Method,
    /// Chart data: one point per sample, or, beyond 2000 samples, one per bin of
    /// `series_resolution_s` seconds (the mean of its present samples' values), at most 2000.
    pub series: Vec<Point>,
    /// The length of the series' bins, seconds; `None` when each point is one sample.
    pub series_resolution_s: Option<f64>,
    /// Distribution of each measure with values.
    pub distributions: PerMeasure<Distribution>,
    /// Trends across days: one entry per calendar day of a `--since` period of more than a
    /// day (empty otherwise).
    pub days: Vec<Day>,
    /// The thresholds it was judged with (in `method`, with their sources).
    #[serde(skip)]
    pub thresholds: Thresholds,
    /// The breaks the risk engine recorded, on the series' clock (seconds since the first
    /// sample), for the presence chart.
    #[serde(skip)]
    pub breaks: Vec<(f64, f64)>,
    /// The pauses, on the series' clock, for the presence chart.
    #[serde(skip)]
    pub pauses: Vec<(f64, f64)>,
}

/// The stored records a report is made from.
pub struct Records<'a> {
    /// `history` or `recording`.
    pub kind: &'a str,
    /// Sessions.
    pub sessions: &'a [StoredSession],
    /// Their samples, in time order per session.
    pub samples: &'a [StoredSample],
    /// Their findings.
    pub findings: &'a [StoredFinding],
    /// Their breaks, as the risk engine recorded them.
    pub breaks: &'a [SessionSpan],
    /// Their pauses.
    pub pauses: &'a [SessionSpan],
    /// Their times away: the screen locked, the machine asleep.
    pub away: &'a [SessionSpan],
    /// Their calls.
    pub calls: &'a [SessionSpan],
    /// Their gaps (frames that could not be had), each a moment.
    pub gaps: &'a [SessionSpan],
    /// The period to split into days, if any (`report --since` beyond a day).
    pub period: Option<&'a Period>,
    /// The thresholds the report states (its method, its charts' bands, the break rule),
    /// and judges with the sessions `judged` does not name.
    pub thresholds: &'a Thresholds,
    /// Each session's own thresholds, to judge its samples with.
    pub judged: &'a [(SessionId, Thresholds)],
    /// When the report is made.
    pub now: jiff::Timestamp,
    /// The time zone its dates and times are shown in.
    pub tz: &'a jiff::tz::TimeZone,
}

/// A number with at most one decimal.
pub(crate) fn num(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r.fract() == 0.0 { format!("{r:.0}") } else { format!("{r:.1}") }
}

/// `part` as a percentage of `total` ("–" for nothing).
pub(crate) fn pct(part: f64, total: f64) -> String {
    if total > 0.0 { format!("{:.0} %", part / total * 100.0) } else { "–".to_owned() }
}
