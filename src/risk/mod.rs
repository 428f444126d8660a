//! Sustained static loading over time: banded posture states with hysteresis and a minimum
//! dwell, static holds judged against ISO 11226 and the RULA static rule, presence and
//! breaks against the 45 min / 2 min rule. Time, not frames: every rule is in seconds of the
//! sample timeline, so a recording replays deterministically on its own clock.
//!
//! Plain data in ([`Sample`]), [`Event`]s out; it knows nothing of cameras or models.

pub mod standards;

use serde::Serialize;

use crate::posture::{MeasureId, Measures, View};
use crate::stats::median;
use crate::thresholds::{Thresholds, Verdict};
use standards::Allowance;

/// Fraction of a warn–risk band a measure must clear before it returns to a better band.
const HYSTERESIS: f64 = 0.25;
/// Consecutive samples a change of presence needs before it counts (one stray detection on
/// an empty scene, or one missed frame, changes nothing).
pub const PRESENCE_CONFIRM_SAMPLES: usize = 2;
/// Measures whose bands make up the posture band of a static hold.
const POSTURE_MEASURES: [MeasureId; 5] = [
    MeasureId::CvaDeg,
    MeasureId::HeadForwardCm,
    MeasureId::NeckFlexionDeg,
    MeasureId::ShoulderRoundingDeg,
    MeasureId::TrunkInclinationDeg,
];

/// One sample: the medians of a burst of frames.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Time on the session's clock, seconds.
    pub t_s: f64,
    /// Whether a person was seen (gated on presence and visibility upstream).
    pub person: bool,
    /// Median of each measure.
    pub measures: Measures<Option<f64>>,
    /// How much the person moved since the previous sample (and within the burst), in
    /// shoulder widths.
    pub movement: Option<f64>,
    /// The camera view the measures were taken from (`None`: not known): a measure is
    /// judged only from the views [`MeasureId::judged_in`] allows.
    pub view: Option<View>,
}

impl Sample {
    fn get(&self, id: MeasureId) -> Option<f64> {
        self.measures[id]
    }
}

/// What kind of risk a finding records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum FindingKind {
    /// A measure stayed in its warn or risk band (past the dwell time).
    Posture,
    /// A posture in a warn or risk band held still past the RULA static limit (1 min),
    /// judged against ISO 11226's maximum holding time.
    StaticHold,
    /// Continuous sitting past the limit without a break.
    BreakOverdue,
}

impl FindingKind {
    /// `posture`, `static_hold` or `break_overdue`.
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// A risk found over time.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// Unique within a session.
    pub id: u64,
    /// Kind.
    pub kind: FindingKind,
    /// Warn or risk.
    pub severity: Verdict,
    /// The measure it is about, if one.
    pub measure: Option<MeasureId>,
    /// Start, seconds on the session clock.
    pub start_s: f64,
    /// End (`None` while it lasts).
    pub end_s: Option<f64>,
    /// The representative value (median over the finding) in the measure's unit, or the
    /// head inclination of a hold, or the sitting minutes.
    pub value: Option<f64>,
    /// The limit it was judged against: a threshold, or a holding time in seconds, or the
    /// sitting limit in minutes.
    pub limit: Option<f64>,
    /// Where the limit comes from.
    pub reference: String,
}

impl Finding {
    /// Duration so far (to `now` while open), seconds.
    pub fn duration_s(&self, now: f64) -> f64 {
        self.end_s.unwrap_or(now) - self.start_s
    }
}

/// How a finding changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// It began.
    Opened,
    /// Its severity rose.
    Escalated,
    /// It ended.
    Closed,
}

/// A change to a finding.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// The finding as it now is.
    pub finding: Finding,
    /// What happened to it.
    pub change: Change,
}

/// Per-sample verdicts the engine derives.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Assessment {
    /// The person is (confirmed) present.
    pub present: bool,
    /// The posture is being held still (past the static limit).
    pub static_posture: bool,
    /// RULA-style grand score 1–7 (neck and trunk measured, arms assumed), when present.
    pub rula: Option<u8>,
    /// Minutes of continuous sitting so far.
    pub sitting_min: f64,
}

/// A movement break: an absence, or a gap in the samples, at least `break_min` long. This
/// is the one definition of a break: the engine records them, the report counts them and
/// the chart draws them.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Break {
    /// When the person left (or the last sample before a gap), session seconds.
    pub start_s: f64,
    /// When the person was back (or the session ended), session seconds.
    pub end_s: f64,
}

#[derive(Clone, Debug)]
struct BandState {
    /// The accepted band (after dwell).
    band: Verdict,
    /// The band this sample points to (with hysteresis, before dwell).
    target: Verdict,
    /// A band the measure is heading for, and since when.
    candidate: Option<(Verdict, f64)>,
    /// The open posture finding.
    finding: Option<usize>,
    /// Values while the finding is open.
    values: Vec<f64>,
}

impl Default for BandState {
    fn default() -> Self {
        BandState {
            band: Verdict::Ok,
            target: Verdict::Ok,
            candidate: None,
            finding: None,
            values: Vec::new(),
        }
    }
}

#[derive(Clone, Debug)]
struct Hold {
    start_s: f64,
    last_s: f64,
    band: Verdict,
    inclinations: Vec<f64>,
    finding: Option<usize>,
}

/// Seconds of `spans` (pauses, calls) that fall between `from` and `to`.
fn overlap_s(spans: &[Pause], from: f64, to: f64) -> f64 {
    spans.iter().map(|p| (p.end_s.min(to) - p.start_s.max(from)).max(0.0)).sum()
}

/// The risk engine of one session.
#[derive(Debug)]
pub struct Engine {
    thresholds: Thresholds,
    bands: Measures<BandState>,
    hold: Option<Hold>,
    present: Option<bool>,
    pending: Vec<(bool, f64)>,
    last_seen_s: Option<f64>,
    absent_since: Option<f64>,
    sitting_since: Option<f64>,
    overdue: Option<usize>,
    findings: Vec<Finding>,
    last_t: Option<f64>,
    /// Breaks ended since [`Engine::take_breaks`] was last called.
    breaks: Vec<Break>,
    /// The pauses so far (in time order): time the audit did not look, counted neither as
    /// sitting nor as a break.
    pauses: Vec<Pause>,
    /// The calls so far (the camera or a microphone taken by another program): at the desk,
    /// posture unknown.
    calls: Vec<Pause>,
}

/// A pause of the audit (`ergoaudit pause`): from the clock when it began to the first
/// sample after it, session seconds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Pause {
    /// When the audit stopped looking, session seconds.
    pub start_s: f64,
    /// When it looked again (or the session ended), session seconds.
    pub end_s: f64,
}

/// Largest session time the engine takes, and a report reads, seconds (beyond it a time
/// is faulty): a thousand years.
pub const MAX_ABS_T_S: f64 = 3.2e10;

impl Engine {
    /// A new session judged with `thresholds`.
    pub fn new(thresholds: Thresholds) -> Self {
        Engine {
            thresholds,
            bands: Measures::default(),
            hold: None,
            present: None,
            pending: Vec::new(),
            last_seen_s: None,
            breaks: Vec::new(),
            absent_since: None,
            sitting_since: None,
            overdue: None,
            findings: Vec::new(),
            last_t: None,
            pauses: Vec::new(),
            calls: Vec::new(),
        }
    }

    /// Seconds from `from` to `to` that were not paused.
    fn active_s(&self, from: f64, to: f64) -> f64 {
        (to - from - overlap_s(&self.pauses, from, to)).max(0.0)
    }

    /// The session time at which `secs` unpaused seconds have passed since `from`.
    fn after_active(&self, from: f64, secs: f64) -> f64 {
        let mut t = from + secs;
        for p in self.pauses.iter().filter(|p| p.end_s > from) {
            if p.start_s.max(from) < t {
                t += p.end_s - p.start_s.max(from);
            }
        }
        t
    }

    /// The audit pauses: what it cannot see is neither sitting nor a break. Postures and
    /// holds end at the last sample; a change of presence under way is forgotten.
    pub fn pause_begins(&mut self) -> Vec<Event> {
        let mut events = Vec::new();
        if let Some(last) = self.last_t {
            self.end_posture(last, &mut events);
        }
        self.pending.clear();
        events
    }

    /// The audit was paused from `start_s` to `end_s` (told before the next sample): a
    /// sitting stretch goes on after it, and an absence, its paused time not counted.
    pub fn pause_ends(&mut self, start_s: f64, end_s: f64) {
        if start_s.is_finite() && end_s.is_finite() && end_s > start_s {
            self.pauses.push(Pause { start_s, end_s });
        }
    }

    /// The person was in a call from `start_s` to `end_s` (told before the next sample): at
    /// the desk, posture unknown — the gap it leaves in the samples is never a break, and the
    /// sitting stretch runs through it.
    pub fn call(&mut self, start_s: f64, end_s: f64) {
        if start_s.is_finite() && end_s.is_finite() && end_s > start_s {
            self.calls.push(Pause { start_s, end_s });
        }
    }

    /// Seconds from `from` to `to` that were neither paused nor in a call.
    fn uncovered_s(&self, from: f64, to: f64) -> f64 {
        (self.active_s(from, to) - overlap_s(&self.calls, from, to)).max(0.0)
    }

    /// Every finding so far (open ones have no end).
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    fn open(
        &mut self,
        kind: FindingKind,
        severity: Verdict,
        measure: Option<MeasureId>,
        start_s: f64,
        reference: String,
    ) -> usize {
        let id = self.findings.len();
        self.findings.push(Finding {
            id: id as u64,
            kind,
            severity,
            measure,
            start_s,
            end_s: None,
            value: None,
            limit: None,
            reference,
        });
        id
    }

    fn event(&self, i: usize, change: Change) -> Event {
        Event { finding: self.findings[i].clone(), change }
    }

    /// Feed one sample (in time order); returns the findings that opened, escalated or
    /// closed, and the sample's assessment.
    pub fn push(&mut self, s: &Sample) -> (Vec<Event>, Assessment) {
        let mut events = Vec::new();
        // faulty input: a time that is no number (or absurd) makes no sample; one before
        // the last (a clock set back) counts as the last; a value that is no number, no value
        if s.t_s.is_nan() || s.t_s.abs() > MAX_ABS_T_S {
            let present = self.present == Some(true);
            return (events, Assessment { present, static_posture: false, rula: None, sitting_min: 0.0 });
        }
        let clean = Sample {
            t_s: self.last_t.map_or(s.t_s, |last| s.t_s.max(last)),
            person: s.person,
            measures: s.measures.map(|_, m| m.filter(|v| v.is_finite())),
            movement: s.movement.filter(|v| v.is_finite()),
            view: s.view,
        };
        let s = &clean;
        // a gap in the samples (source error, suspend, lock) as long as a break is a break; a
        // call is not
        if let Some(last) = self.last_t
            && self.uncovered_s(last, s.t_s) >= self.thresholds.break_min * 60.0
            && self.present == Some(true)
        {
            self.end_posture(last, &mut events);
            self.present = Some(false);
            self.absent_since = Some(last);
        }
        self.last_t = Some(s.t_s);
        self.update_presence(s, &mut events);
        let present = self.present == Some(true);
        let mut assessment = Assessment { present, static_posture: false, rula: None, sitting_min: 0.0 };
        if present && s.person {
            self.update_bands(s, &mut events);
            assessment.static_posture = self.update_hold(s, &mut events);
            assessment.rula = Some(self.rula(s, assessment.static_posture));
        }
        if let Some(since) = self.sitting_since.filter(|_| present) {
            let minutes = self.active_s(since, s.t_s) / 60.0;
            assessment.sitting_min = minutes;
            if minutes > self.thresholds.sitting_max && self.overdue.is_none() {
                let start = self.after_active(since, self.thresholds.sitting_max * 60.0);
                let reference = format!(
                    "the 45-minute / 2-minute movement-break rule of thumb: move for {} min every {} min",
                    self.thresholds.break_min, self.thresholds.sitting_max
                );
                let i = self.open(FindingKind::BreakOverdue, Verdict::Risk, None, start, reference);
                self.findings[i].limit = Some(self.thresholds.sitting_max);
                self.findings[i].value = Some(minutes);
                self.overdue = Some(i);
                events.push(self.event(i, Change::Opened));
            }
            if let Some(i) = self.overdue {
                self.findings[i].value = Some(minutes);
            }
        }
        (events, assessment)
    }

    /// The breaks that ended since the last call (a break is known once the person is
    /// back, or the session ends).
    pub fn take_breaks(&mut self) -> Vec<Break> {
        std::mem::take(&mut self.breaks)
    }

    /// Close every open finding at `t_s` (the session ends); an absence that has lasted a
    /// break long by then is a break.
    pub fn finish(&mut self, t_s: f64) -> Vec<Event> {
        let mut events = Vec::new();
        if let (Some(false), Some(since)) = (self.present, self.absent_since)
            && self.active_s(since, t_s) >= self.thresholds.break_min * 60.0
        {
            self.breaks.push(Break { start_s: since, end_s: t_s });
            self.absent_since = None;
        }
        self.end_posture(t_s, &mut events);
        if let Some(i) = self.overdue.take() {
            self.close(i, t_s, &mut events);
        }
        events
    }

    fn close(&mut self, i: usize, t_s: f64, events: &mut Vec<Event>) {
        if self.findings[i].end_s.is_none() {
            self.findings[i].end_s = Some(t_s.max(self.findings[i].start_s));
            events.push(self.event(i, Change::Closed));
        }
    }

    /// The person left (or a gap began) at `t_s`: postures and holds end there.
    fn end_posture(&mut self, t_s: f64, events: &mut Vec<Event>) {
        for m in MeasureId::all() {
            let band = std::mem::take(&mut self.bands[m]);
            if let Some(i) = band.finding {
                self.findings[i].value = median(band.values.iter().copied()).or(self.findings[i].value);
                self.close(i, t_s, events);
            }
        }
        self.end_hold(t_s, events);
    }

    fn update_presence(&mut self, s: &Sample, events: &mut Vec<Event>) {
        if s.person {
            self.last_seen_s = Some(s.t_s);
        }
        match self.present {
            Some(p) if p == s.person => self.pending.clear(),
            _ => {
                self.pending.push((s.person, s.t_s));
                if self.pending.len() >= PRESENCE_CONFIRM_SAMPLES || self.present.is_none() {
                    let since = self.pending[0].1;
                    self.pending.clear();
                    self.present = Some(s.person);
                    if s.person {
                        self.came_back(since);
                    } else {
                        self.absent_since = Some(since);
                        self.end_posture(since, events);
                    }
                }
            }
        }
        // a confirmed absence that has lasted a break long ends an overdue finding, and the
        // sitting stretch
        if let (Some(false), Some(since)) = (self.present, self.absent_since)
            && self.active_s(since, s.t_s) >= self.thresholds.break_min * 60.0
        {
            if let Some(i) = self.overdue.take() {
                self.close(i, since, events);
            }
            self.sitting_since = None;
        }
    }

    /// The person is back (since `t_s`): a new sitting stretch if the absence was a break.
    fn came_back(&mut self, t_s: f64) {
        let was_break =
            self.absent_since.is_none_or(|a| self.active_s(a, t_s) >= self.thresholds.break_min * 60.0);
        if let Some(start_s) = self.absent_since.filter(|_| was_break) {
            self.breaks.push(Break { start_s, end_s: t_s });
        }
        if was_break || self.sitting_since.is_none() {
            self.sitting_since = Some(t_s);
        }
        self.absent_since = None;
    }

    /// Move each measure's band: towards worse as soon as the value is there, towards
    /// better only once it clears the threshold by the hysteresis margin; either way only
    /// after the new band has lasted the dwell time.
    fn update_bands(&mut self, s: &Sample, events: &mut Vec<Event>) {
        let dwell = self.thresholds.dwell;
        for id in MeasureId::all().filter(|id| id.judged_in(s.view)) {
            let Some(value) = s.get(id) else { continue };
            let t = &self.thresholds;
            let raw = t.verdict(id, value);
            let state = &mut self.bands[id];
            let current = state.band;
            let target = if raw < current {
                t.verdict(id, t.worse_by(id, value, HYSTERESIS)).min(current)
            } else {
                raw
            };
            state.target = target;
            if state.finding.is_some() {
                state.values.push(value);
            }
            if target == current {
                state.candidate = None;
                continue;
            }
            // a candidate keeps its start while the value stays on the same side
            let since = match state.candidate {
                Some((band, since)) if (band > current) == (target > current) => since,
                _ => s.t_s,
            };
            state.candidate = Some((target, since));
            if s.t_s - since < dwell {
                continue;
            }
            state.candidate = None;
            state.band = target;
            let open = state.finding;
            match (open, target) {
                (None, Verdict::Ok) => {}
                (Some(i), Verdict::Ok) => {
                    let state = &mut self.bands[id];
                    state.finding = None;
                    self.findings[i].value = median(std::mem::take(&mut state.values));
                    self.close(i, since, events);
                }
                (None, bad) => {
                    let (limit, reference) = self.limit_of(id, bad);
                    let i = self.open(FindingKind::Posture, bad, Some(id), since, reference);
                    self.findings[i].limit = limit;
                    self.findings[i].value = Some(value);
                    let state = &mut self.bands[id];
                    state.finding = Some(i);
                    state.values = vec![value];
                    events.push(self.event(i, Change::Opened));
                }
                (Some(i), bad) => {
                    let (limit, reference) = self.limit_of(id, bad);
                    let escalated = bad > self.findings[i].severity;
                    let so_far = median(self.bands[id].values.iter().copied());
                    let f = &mut self.findings[i];
                    (f.severity, f.limit, f.reference) = (bad.max(f.severity), limit, reference);
                    f.value = so_far.or(f.value);
                    if escalated {
                        events.push(self.event(i, Change::Escalated));
                    }
                }
            }
        }
    }

    /// The threshold a measure crossed into `band`, and its reference.
    fn limit_of(&self, id: MeasureId, band: Verdict) -> (Option<f64>, String) {
        let (warn, risk) = crate::thresholds::keys(id);
        let elbow = matches!(id, MeasureId::ElbowAngleLeftDeg | MeasureId::ElbowAngleRightDeg);
        let key = if band == Verdict::Risk && !elbow { risk } else { warn };
        let reference = crate::thresholds::spec(key).map_or_else(String::new, |s| s.reference.to_owned());
        (self.thresholds.get(key), reference)
    }

    /// The worst band the posture measures point to in this sample (hysteresis, no dwell:
    /// a hold is timed from when the posture was taken).
    fn posture_band(&self) -> Verdict {
        POSTURE_MEASURES.iter().map(|&id| self.bands[id].target).max().unwrap_or(Verdict::Ok)
    }

    /// Head inclination (ISO 11226: neck flexion + trunk inclination).
    fn head_inclination(s: &Sample) -> Option<f64> {
        s.get(MeasureId::NeckFlexionDeg).map(|n| n + s.get(MeasureId::TrunkInclinationDeg).unwrap_or(0.0))
    }

    /// Returns whether the posture is static (held past the RULA limit).
    fn update_hold(&mut self, s: &Sample, events: &mut Vec<Event>) -> bool {
        let band = self.posture_band();
        let still = s.movement.is_some_and(|m| m <= self.thresholds.movement);
        let continues = self.hold.as_ref().is_some_and(|h| h.band == band) && still;
        if !continues {
            self.end_hold(s.t_s, events);
            self.hold = still.then(|| Hold {
                start_s: s.t_s,
                last_s: s.t_s,
                band,
                inclinations: Vec::new(),
                finding: None,
            });
        }
        let static_limit = self.thresholds.static_hold;
        let Some(mut hold) = self.hold.take() else { return false };
        hold.last_s = s.t_s;
        if let Some(incl) = Self::head_inclination(s) {
            hold.inclinations.push(incl);
        }
        let held = hold.last_s - hold.start_s;
        let incl = median(hold.inclinations.iter().copied());
        let allowance = incl.map(standards::head_inclination_allowance);
        let beyond_iso = match allowance {
            Some(Allowance::Seconds(limit)) => held > limit,
            Some(Allowance::NotAcceptable) => true,
            _ => false,
        };
        let loaded =
            band > Verdict::Ok || matches!(allowance, Some(Allowance::Seconds(_) | Allowance::NotAcceptable));
        if held > static_limit && loaded {
            // past the static rule: warn; past ISO 11226's holding time: risk
            let severity = if beyond_iso { Verdict::Risk } else { Verdict::Warn };
            match hold.finding {
                None => {
                    let i = self.open(FindingKind::StaticHold, severity, None, hold.start_s, String::new());
                    hold.finding = Some(i);
                    self.judge_hold(i, &hold);
                    events.push(self.event(i, Change::Opened));
                }
                Some(i) => {
                    let escalated = severity > self.findings[i].severity;
                    self.findings[i].severity = self.findings[i].severity.max(severity);
                    self.judge_hold(i, &hold);
                    if escalated {
                        events.push(self.event(i, Change::Escalated));
                    }
                }
            }
        }
        self.hold = Some(hold);
        held > static_limit
    }

    /// Record the hold's head inclination and the limit it is judged against.
    fn judge_hold(&mut self, i: usize, hold: &Hold) {
        let incl = median(hold.inclinations.iter().copied());
        let f = &mut self.findings[i];
        f.value = incl;
        (f.limit, f.reference) = match incl.map(standards::head_inclination_allowance) {
            Some(Allowance::Seconds(limit)) => (
                Some(limit),
                format!("{} for {:.0}° head inclination", standards::ISO_11226, incl.unwrap_or_default()),
            ),
            Some(Allowance::NotAcceptable) => {
                (Some(0.0), format!("{}: > 85° head inclination is not acceptable", standards::ISO_11226))
            }
            _ => (Some(self.thresholds.static_hold), standards::RULA_STATIC.to_owned()),
        };
    }

    fn end_hold(&mut self, t_s: f64, events: &mut Vec<Event>) {
        if let Some(hold) = self.hold.take()
            && let Some(i) = hold.finding
        {
            self.judge_hold(i, &hold);
            self.close(i, hold.last_s.min(t_s), events);
        }
    }

    fn rula(&self, s: &Sample, static_posture: bool) -> u8 {
        let neck = s.get(MeasureId::NeckFlexionDeg).map_or(1, |n| {
            let side_bent =
                s.get(MeasureId::HeadTiltDeg).is_some_and(|t| t.abs() > self.thresholds.head_tilt_warn);
            standards::rula_neck(n, side_bent)
        });
        let trunk = standards::rula_trunk(s.get(MeasureId::TrunkInclinationDeg));
        standards::rula_grand(neck, trunk, static_posture)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(t_s: f64, person: bool, neck: Option<f64>, movement: f64) -> Sample {
        let mut measures = Measures::default();
        measures[MeasureId::NeckFlexionDeg] = neck;
        measures[MeasureId::HeadTiltDeg] = person.then_some(2.0);
        Sample {
            t_s,
            person,
            measures,
            movement: person.then_some(movement),
            view: person.then_some(View::Front),
        }
    }

    /// Run samples every `step` seconds from `from` (exclusive end `to`).
    fn run(engine: &mut Engine, from: f64, to: f64, step: f64, f: impl Fn(f64) -> Sample) -> Vec<Event> {
        let mut events = Vec::new();
        let mut t = from;
        while t < to {
            events.extend(engine.push(&f(t)).0);
            t += step;
        }
        events
    }

    fn kinds(engine: &Engine) -> Vec<(FindingKind, Option<MeasureId>)> {
        engine.findings().iter().map(|f| (f.kind, f.measure)).collect()
    }

    #[test]
    fn shoulder_rounding_is_judged_only_from_the_side() {
        let rounded = |view: View| {
            move |t: f64| {
                let mut s = sample(t, true, Some(3.0), 0.3);
                s.measures[MeasureId::ShoulderRoundingDeg] = Some(30.0);
                s.view = Some(view);
                s
            }
        };
        // ten minutes rounded 30° (past the risk threshold, 20°) seen from the front: an
        // estimate, never a finding
        for view in [View::Front, View::ThreeQuarter] {
            let mut e = Engine::new(Thresholds::default());
            run(&mut e, 0.0, 600.0, 5.0, rounded(view));
            e.finish(600.0);
            assert!(e.findings().is_empty(), "{view:?}: {:?}", e.findings());
        }
        // the same from the side is a finding
        let mut e = Engine::new(Thresholds::default());
        run(&mut e, 0.0, 600.0, 5.0, rounded(View::SideLeft));
        e.finish(600.0);
        assert_eq!(kinds(&e), [(FindingKind::Posture, Some(MeasureId::ShoulderRoundingDeg))]);
        assert_eq!(e.findings()[0].severity, Verdict::Risk);
    }

    #[test]
    fn a_fifty_minute_sit_is_one_break_overdue() {
        let mut e = Engine::new(Thresholds::default());
        // upright, moving a little, for 50 minutes
        let events = run(&mut e, 0.0, 3000.0, 5.0, |t| sample(t, true, Some(3.0), 0.3));
        let events: Vec<_> = events.into_iter().chain(e.finish(3000.0)).collect();
        assert_eq!(kinds(&e), [(FindingKind::BreakOverdue, None)]);
        let f = &e.findings()[0];
        assert_eq!(f.start_s, 45.0 * 60.0);
        assert_eq!(f.end_s, Some(3000.0));
        assert!(f.value.unwrap() > 49.0);
        let opened: Vec<_> = events.iter().filter(|ev| ev.change == Change::Opened).collect();
        assert_eq!(opened.len(), 1);
        // the event already says how long (for the notification)
        assert!(opened[0].finding.value.unwrap() > 45.0);
        // and cites a rule a reader can look up, not an internal document
        assert!(f.reference.starts_with("the 45-minute / 2-minute movement-break rule"), "{}", f.reference);
    }

    #[test]
    fn a_break_resets_the_sitting_clock() {
        let mut e = Engine::new(Thresholds::default());
        run(&mut e, 0.0, 40.0 * 60.0, 5.0, |t| sample(t, true, Some(3.0), 0.3));
        // 3 minutes away, then 40 more minutes: never 45 in a row
        run(&mut e, 40.0 * 60.0, 43.0 * 60.0, 5.0, |t| sample(t, false, None, 0.0));
        run(&mut e, 43.0 * 60.0, 83.0 * 60.0, 5.0, |t| sample(t, true, Some(3.0), 0.3));
        assert!(e.findings().is_empty(), "{:?}", e.findings());
        // a 1-minute absence is not a break: the next 45 minutes make it overdue
        let mut e = Engine::new(Thresholds::default());
        run(&mut e, 0.0, 40.0 * 60.0, 5.0, |t| sample(t, true, Some(3.0), 0.3));
        run(&mut e, 40.0 * 60.0, 41.0 * 60.0, 5.0, |t| sample(t, false, None, 0.0));
        run(&mut e, 41.0 * 60.0, 50.0 * 60.0, 5.0, |t| sample(t, true, Some(3.0), 0.3));
        assert_eq!(kinds(&e), [(FindingKind::BreakOverdue, None)]);
    }

    #[test]
    fn breaks_are_recorded_once_known_an_absence_a_gap_and_the_end() {
        let mut e = Engine::new(Thresholds::default());
        run(&mut e, 0.0, 600.0, 5.0, |t| sample(t, true, Some(3.0), 0.3));
        // 3 minutes away: a break, known when the person is back
        run(&mut e, 600.0, 780.0, 5.0, |t| sample(t, false, None, 0.0));
        assert!(e.take_breaks().is_empty(), "still away: not yet known how long");
        run(&mut e, 780.0, 1200.0, 5.0, |t| sample(t, true, Some(3.0), 0.3));
        assert_eq!(e.take_breaks(), [Break { start_s: 600.0, end_s: 780.0 }]);
        // 1 minute away is no break
        run(&mut e, 1200.0, 1260.0, 5.0, |t| sample(t, false, None, 0.0));
        run(&mut e, 1260.0, 1500.0, 5.0, |t| sample(t, true, Some(3.0), 0.3));
        assert!(e.take_breaks().is_empty());
        // no samples for 4 minutes (the camera was busy, the laptop slept): a break too
        run(&mut e, 1740.0, 2000.0, 5.0, |t| sample(t, true, Some(3.0), 0.3));
        assert_eq!(e.take_breaks(), [Break { start_s: 1495.0, end_s: 1740.0 }]);
        // away at the end, long enough: a break that ends with the session
        run(&mut e, 2000.0, 2200.0, 5.0, |t| sample(t, false, None, 0.0));
        e.finish(2195.0);
        assert_eq!(e.take_breaks(), [Break { start_s: 2000.0, end_s: 2195.0 }]);
    }

    #[test]
    fn a_call_is_sitting_never_a_break_and_a_break_falls_due_through_it() {
        let mut e = Engine::new(Thresholds::default());
        run(&mut e, 0.0, 1200.0, 5.0, |t| sample(t, true, Some(3.0), 0.3));
        // a 40-minute call: no samples from 1195 s to 3600 s, the camera held by the call
        e.call(1200.0, 3600.0);
        let (events, assessment) = e.push(&sample(3600.0, true, Some(3.0), 0.3));
        assert!(e.take_breaks().is_empty(), "a call is no break");
        // the sitting stretch ran through the call: 60 min, and the break is overdue since 45
        assert!((assessment.sitting_min - 60.0).abs() < 1e-9, "{assessment:?}");
        let overdue = events.iter().find(|ev| ev.finding.kind == FindingKind::BreakOverdue).expect("overdue");
        assert_eq!(overdue.finding.start_s, 45.0 * 60.0);
        // without the call, the same gap is a break
        let mut e = Engine::new(Thresholds::default());
        run(&mut e, 0.0, 1200.0, 5.0, |t| sample(t, true, Some(3.0), 0.3));
        e.push(&sample(3600.0, true, Some(3.0), 0.3));
        run(&mut e, 3605.0, 3700.0, 5.0, |t| sample(t, true, Some(3.0), 0.3));
        assert_eq!(e.take_breaks(), [Break { start_s: 1195.0, end_s: 3600.0 }]);
        // a call that covers only part of a gap: the rest, as long as a break, is one
        let mut e = Engine::new(Thresholds::default());
        run(&mut e, 0.0, 600.0, 5.0, |t| sample(t, true, Some(3.0), 0.3));
        e.call(600.0, 700.0);
        e.push(&sample(1000.0, true, Some(3.0), 0.3));
        run(&mut e, 1005.0, 1100.0, 5.0, |t| sample(t, true, Some(3.0), 0.3));
        assert_eq!(e.take_breaks().len(), 1, "300 s uncovered ≥ 2 min");
    }

    #[test]
    fn a_four_minute_hold_at_thirty_degrees_is_judged_against_iso() {
        let mut e = Engine::new(Thresholds::default());
        run(&mut e, 0.0, 60.0, 5.0, |t| sample(t, true, Some(3.0), 0.3));
        // 4 minutes still at 30° of neck flexion (trunk upright: head inclination 30°)
        run(&mut e, 60.0, 300.0, 5.0, |t| sample(t, true, Some(30.0), 0.02));
        run(&mut e, 300.0, 400.0, 5.0, |t| sample(t, true, Some(3.0), 0.3));
        e.finish(400.0);
        let hold = e.findings().iter().find(|f| f.kind == FindingKind::StaticHold).expect("a static hold");
        assert_eq!(hold.start_s, 60.0);
        assert_eq!(hold.end_s, Some(295.0));
        assert_eq!(hold.value, Some(30.0));
        // ISO 11226: 30° head inclination may be held 7:25 (between 8:00 at 25° and 6:50 at 35°)
        assert_eq!(hold.limit, Some(445.0));
        assert!(hold.reference.contains("ISO 11226"), "{}", hold.reference);
        assert_eq!(hold.severity, Verdict::Warn, "past the 1-minute static rule, within ISO");
        // the posture itself was in the risk band (> 20°) for longer than the dwell
        let posture = e.findings().iter().find(|f| f.kind == FindingKind::Posture).unwrap();
        assert_eq!((posture.measure, posture.severity), (Some(MeasureId::NeckFlexionDeg), Verdict::Risk));
        assert_eq!(posture.value, Some(30.0));
        assert_eq!(posture.start_s, 60.0);
    }

    #[test]
    fn a_hold_past_the_iso_limit_escalates_to_risk() {
        let mut e = Engine::new(Thresholds::default());
        let events = run(&mut e, 0.0, 600.0, 5.0, |t| sample(t, true, Some(45.0), 0.0));
        let hold = e.findings().iter().find(|f| f.kind == FindingKind::StaticHold).unwrap();
        assert_eq!(hold.limit, Some(340.0)); // 5:40 at 45°
        assert_eq!(hold.severity, Verdict::Risk);
        assert!(
            events
                .iter()
                .any(|ev| ev.change == Change::Escalated && ev.finding.kind == FindingKind::StaticHold)
        );
    }

    #[test]
    fn a_twenty_second_glance_down_triggers_nothing() {
        let mut e = Engine::new(Thresholds::default());
        run(&mut e, 0.0, 300.0, 5.0, |t| {
            let glance = (120.0..140.0).contains(&t);
            sample(t, true, Some(if glance { 35.0 } else { 3.0 }), if glance { 0.0 } else { 0.3 })
        });
        e.finish(300.0);
        assert!(e.findings().is_empty(), "{:?}", e.findings());
    }

    #[test]
    fn hysteresis_keeps_a_borderline_measure_in_its_band() {
        let mut e = Engine::new(Thresholds::default());
        // 25° for a minute: risk; then 19°, just under the 20° threshold but within the
        // hysteresis margin (2.5°): still risk
        run(&mut e, 0.0, 60.0, 5.0, |t| sample(t, true, Some(25.0), 0.3));
        run(&mut e, 60.0, 180.0, 5.0, |t| sample(t, true, Some(19.0), 0.3));
        assert!(e.findings()[0].end_s.is_none(), "still open");
        run(&mut e, 180.0, 260.0, 5.0, |t| sample(t, true, Some(5.0), 0.3));
        assert_eq!(e.findings()[0].end_s, Some(180.0));
    }

    #[test]
    fn a_pause_is_neither_sitting_nor_a_break() {
        let mut e = Engine::new(Thresholds::default());
        // 40 min sitting with the neck bent (a posture finding), then an hour's pause (a
        // meeting), then 10 more minutes
        run(&mut e, 0.0, 2400.0, 5.0, |t| sample(t, true, Some(25.0), 0.3));
        let closed = e.pause_begins();
        assert_eq!(closed.len(), 1, "the posture ends at the last sample before the pause");
        assert_eq!(closed[0].finding.end_s, Some(2395.0));
        e.pause_ends(2400.0, 6000.0);
        let last = e.push(&sample(6000.0, true, Some(3.0), 0.3)).1;
        assert!((last.sitting_min - 40.0).abs() < 0.1, "the stretch goes on: {}", last.sitting_min);
        run(&mut e, 6005.0, 6600.0, 5.0, |t| sample(t, true, Some(3.0), 0.3));
        e.finish(6600.0);
        assert!(e.take_breaks().is_empty(), "an hour paused is no break");
        let overdue = e.findings().iter().find(|f| f.kind == FindingKind::BreakOverdue).expect("overdue");
        // 45 min of sitting are reached 5 min after the pause
        assert_eq!(overdue.start_s, 6300.0);
        // an absence goes on across a pause too: 1 min before and 1.5 min after make a break
        let mut e = Engine::new(Thresholds::default());
        run(&mut e, 0.0, 600.0, 5.0, |t| sample(t, true, Some(3.0), 0.3));
        run(&mut e, 600.0, 660.0, 5.0, |t| sample(t, false, None, 0.0));
        assert!(e.pause_begins().is_empty());
        e.pause_ends(660.0, 4000.0);
        run(&mut e, 4000.0, 4090.0, 5.0, |t| sample(t, false, None, 0.0));
        assert!(e.take_breaks().is_empty());
        run(&mut e, 4090.0, 4200.0, 5.0, |t| sample(t, true, Some(3.0), 0.3));
        assert_eq!(e.take_breaks(), [Break { start_s: 600.0, end_s: 4090.0 }]);
        assert!(e.push(&sample(4200.0, true, Some(3.0), 0.3)).1.sitting_min < 2.0, "a new stretch");
    }

    #[test]
    fn one_stray_detection_does_not_end_an_absence() {
        let mut e = Engine::new(Thresholds::default());
        run(&mut e, 0.0, 20.0, 5.0, |t| sample(t, true, Some(3.0), 0.3));
        let mut present = Vec::new();
        for (t, person) in [(20.0, false), (25.0, false), (30.0, true), (35.0, false), (40.0, false)] {
            present.push(e.push(&sample(t, person, person.then_some(3.0), 0.3)).1.present);
        }
        // absence confirmed at the second empty sample (from t = 20), not undone at t = 30
        assert_eq!(present, [true, false, false, false, false]);
    }
}
