//! What a report needs of its samples, gathered one sample at a time: counts, times per
//! band, a chart series of bounded length, value distributions and the days. Memory grows
//! with the sessions and the days, never with the samples, so a year of history (two
//! million samples) is read as a stream (`Store::each_sample`) and never held.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;

use super::model::{BandTime, Day, Distribution, MeasureQuality, PerMeasure, Period, Point, Records};
use crate::posture::{MeasureId, Measures};
use crate::risk::MAX_ABS_T_S;
use crate::store::{SessionId, StoredSample};
use crate::thresholds::Thresholds;

/// The measures whose bands the days compare.
pub const TREND_MEASURES: [MeasureId; 3] =
    [MeasureId::CvaDeg, MeasureId::HeadForwardCm, MeasureId::ShoulderRoundingDeg];

/// Most days a report splits its period into: a longer period shows its last 400 days (its
/// totals count all of it).
pub const MAX_DAYS: usize = 400;

/// Most points of the chart series: up to this many samples are charted one by one; beyond,
/// they are averaged in bins of equal length (a minute, doubled until they fit).
pub const MAX_POINTS: usize = 2000;

/// The first bin length, seconds, once samples are binned.
const FIRST_BIN_S: f64 = 60.0;

/// What a measure without a value and without a recorded reason is counted as.
pub(crate) const NOT_RECORDED: &str = "not recorded";

/// A value as a report takes it: none when it is no number or absurd (no measure of ours
/// goes beyond ±10 000 in its unit, as an old or damaged database may hold).
pub(crate) fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.abs() <= 1e4)
}

/// A session's interval as a report takes it: 5 s when the stored one is not positive or
/// longer than a day.
pub(crate) fn sane_interval(interval_s: f64) -> f64 {
    if interval_s > 0.0 && interval_s <= 86_400.0 { interval_s } else { 5.0 }
}

/// The measures a verdict on posture rests on.
pub(crate) const POSTURE: [MeasureId; 4] =
    [MeasureId::CvaDeg, MeasureId::HeadForwardCm, MeasureId::NeckFlexionDeg, MeasureId::ShoulderRoundingDeg];

/// The charted measures.
const CHARTED: [MeasureId; 3] =
    [MeasureId::CvaDeg, MeasureId::NeckFlexionDeg, MeasureId::ShoulderRoundingDeg];

/// The resolution of the distributions' counts, as steps per unit of the measure (0.1 of a
/// degree or a centimetre, 0.001 of the elevation ratio): values are counted in steps, and
/// the ten bins are whole numbers of steps.
fn steps_per_unit(id: MeasureId) -> f64 {
    if id == MeasureId::ShoulderElevation { 1000.0 } else { 10.0 }
}

/// The samples gathered so far.
#[derive(Default)]
pub(crate) struct Tally {
    /// Samples (those with an absurd time set aside).
    pub samples: usize,
    /// Samples with the person present (confirmed and seen).
    pub present: usize,
    /// Seconds audited: every sample's interval.
    pub audited_s: f64,
    /// Seconds present.
    pub present_s: f64,
    /// The longest sitting stretch, minutes.
    pub longest_sitting_min: f64,
    /// The first and the last sample's wall time.
    pub first_at: Option<Timestamp>,
    /// The last.
    pub last_at: Option<Timestamp>,
    /// Time per band of each measure, over the present samples.
    pub bands: Measures<BandTime>,
    /// Per measure, over the present samples: how many had a value, and why the others not.
    pub quality: Measures<MeasureQuality>,
    /// Present samples per camera view.
    pub views: BTreeMap<String, usize>,
    /// Present samples with none of the posture measures.
    pub no_verdict: usize,
    /// RULA-style scores of the present samples whose neck was measured: count per score.
    pub scores: BTreeMap<u8, usize>,
    /// Per measure: present samples per step of its value.
    values: Measures<BTreeMap<i64, usize>>,
    series: Series,
    /// The days of the period, when the report splits one into days.
    pub days: Option<Days>,
}

impl Tally {
    /// Nothing gathered yet; days are kept when the report splits a period into them.
    pub fn new(period: Option<&Period>) -> Self {
        Tally { days: period.map(Days::new), ..Tally::default() }
    }

    /// Add one sample of `input`'s sessions, judged by its session's thresholds. Faulty data
    /// (as an old or damaged database may hold) is set aside: an absurd time, values that
    /// are no numbers or absurd (no measure of ours goes beyond ±10 000 in its unit).
    pub fn add(&mut self, input: &Records, sessions: &mut Sessions, s: &StoredSample) {
        if s.t_s.is_nan() || s.t_s.abs() > MAX_ABS_T_S {
            return;
        }
        let measures = s.measures.map(|_, v| finite(*v));
        let sitting_min = if s.sitting_min.is_finite() { s.sitting_min.max(0.0) } else { 0.0 };
        let (dt, t) = sessions.of(input, s.session);
        self.samples += 1;
        self.audited_s += dt;
        self.longest_sitting_min = self.longest_sitting_min.max(sitting_min);
        if let Some(at) = s.at {
            self.first_at = Some(self.first_at.map_or(at, |f| f.min(at)));
            self.last_at = Some(self.last_at.map_or(at, |l| l.max(at)));
        }
        if s.present {
            self.present_s += dt;
        }
        let seen = s.present && s.person;
        if let (Some(days), Some(at)) = (&mut self.days, s.at) {
            days.add(at, s, Cleaned { sitting_min, measures: &measures }, dt, t);
        }
        if let Some(at) = s.at {
            let charted = CHARTED.map(|id| measures[id].filter(|_| s.present));
            self.series.add(at, s.present, charted);
        }
        if !seen {
            return;
        }
        self.present += 1;
        count(&mut self.views, s.view.map_or("unknown", |v| v.name()));
        if POSTURE.iter().all(|&id| measures[id].is_none()) {
            self.no_verdict += 1;
        }
        if measures[MeasureId::NeckFlexionDeg].is_some()
            && let Some(score) = s.rula.and_then(|r| u8::try_from(r).ok())
        {
            *self.scores.entry(score).or_default() += 1;
        }
        for (id, value) in measures.iter() {
            self.bands[id].count(id, *value, s.view, t, dt);
            let q = &mut self.quality[id];
            match value {
                Some(v) => {
                    q.with_value += 1;
                    *self.values[id].entry((v * steps_per_unit(id)).floor() as i64).or_default() += 1;
                }
                None => {
                    count(&mut q.without, s.missing[id].map_or(NOT_RECORDED, |m| m.text()));
                }
            }
        }
    }

    /// The chart series, and the length of its bins (`None`: one point per sample).
    pub fn series(&self) -> (Vec<Point>, Option<f64>) {
        let Some(first) = self.first_at else { return (Vec::new(), None) };
        let since = |at: Timestamp| at.duration_since(first).as_secs_f64();
        match &self.series {
            Series::Points(points) => (
                points
                    .iter()
                    .map(|(at, present, v)| Point {
                        t_s: since(*at),
                        present: *present,
                        cva_deg: v[0],
                        neck_flexion_deg: v[1],
                        shoulder_rounding_deg: v[2],
                    })
                    .collect(),
                None,
            ),
            Series::Bins { width_s, bins } => (
                bins.values()
                    .map(|b| {
                        let mean = |k: usize| (b.counts[k] > 0).then(|| b.sums[k] / f64::from(b.counts[k]));
                        Point {
                            t_s: since(b.first),
                            present: b.present,
                            cva_deg: mean(0),
                            neck_flexion_deg: mean(1),
                            shoulder_rounding_deg: mean(2),
                        }
                    })
                    .collect(),
                Some(*width_s),
            ),
        }
    }

    /// The distribution of every measure with values: ten bins of whole steps (see
    /// [`steps_per_unit`]) from the smallest value's step to the largest's.
    pub fn distributions(&self) -> PerMeasure<Distribution> {
        let mut out = PerMeasure::default();
        for (id, counts) in self.values.iter() {
            let (Some((&lo, _)), Some((&hi, _))) = (counts.first_key_value(), counts.last_key_value()) else {
                continue;
            };
            let width = (hi - lo + 1).div_euclid(10) + i64::from((hi - lo + 1).rem_euclid(10) != 0);
            let mut bins = vec![0; 10];
            for (&k, &n) in counts {
                bins[(((k - lo) / width) as usize).min(9)] += n;
            }
            let edge = |i: i64| (lo + i * width) as f64 / steps_per_unit(id);
            out.insert(id, Distribution { edges: (0..=10).map(edge).collect(), counts: bins });
        }
        out
    }
}

/// Count one more `key` (its text copied only the first time: this runs per sample).
fn count(counts: &mut BTreeMap<String, usize>, key: &str) {
    match counts.get_mut(key) {
        Some(n) => *n += 1,
        None => {
            counts.insert(key.to_owned(), 1);
        }
    }
}

/// The sessions' intervals and thresholds, looked up once per session.
#[derive(Default)]
pub(crate) struct Sessions(HashMap<SessionId, (f64, Thresholds)>);

impl Sessions {
    /// Seconds one sample of `session` stands for, and the thresholds it is judged with.
    pub fn of(&mut self, input: &Records, session: SessionId) -> (f64, &Thresholds) {
        let (dt, t) = self.0.entry(session).or_insert_with(|| {
            let interval_s = input
                .sessions
                .iter()
                .find(|s| s.id == session)
                .map_or(5.0, |s| sane_interval(s.setup.interval_s));
            let t = input.judged.iter().find(|(id, _)| *id == session).map_or(input.thresholds, |(_, t)| t);
            (interval_s, *t)
        });
        (*dt, t)
    }
}

/// The chart series so far: each sample, until there are too many; then bins.
enum Series {
    /// Wall time, present, the charted values.
    Points(Vec<(Timestamp, bool, [Option<f64>; 3])>),
    /// Bins of `width_s` seconds, keyed by their number since the epoch.
    Bins { width_s: f64, bins: BTreeMap<i64, Bin> },
}

/// The samples of one bin.
#[derive(Clone, Copy)]
struct Bin {
    first: Timestamp,
    present: bool,
    sums: [f64; 3],
    counts: [u32; 3],
}

impl Bin {
    fn merge(&mut self, other: &Bin) {
        self.first = self.first.min(other.first);
        self.present |= other.present;
        for k in 0..3 {
            self.sums[k] += other.sums[k];
            self.counts[k] += other.counts[k];
        }
    }
}

impl Default for Series {
    fn default() -> Self {
        Series::Points(Vec::new())
    }
}

impl Series {
    fn add(&mut self, at: Timestamp, present: bool, values: [Option<f64>; 3]) {
        match self {
            Series::Points(points) => {
                points.push((at, present, values));
                if points.len() > MAX_POINTS {
                    let mut bins = Series::Bins { width_s: FIRST_BIN_S, bins: BTreeMap::new() };
                    for &(at, present, values) in points.iter() {
                        bins.add(at, present, values);
                    }
                    *self = bins;
                }
            }
            Series::Bins { width_s, bins } => {
                let key = (at.as_millisecond() as f64 / 1e3 / *width_s).floor() as i64;
                let one = Bin {
                    first: at,
                    present,
                    sums: values.map(|v| v.unwrap_or(0.0)),
                    counts: values.map(|v| u32::from(v.is_some())),
                };
                bins.entry(key).and_modify(|b| b.merge(&one)).or_insert(one);
                while bins.len() > MAX_POINTS {
                    // twice as long: bins k and k+1 (k even) become one
                    *width_s *= 2.0;
                    let mut merged: BTreeMap<i64, Bin> = BTreeMap::new();
                    for (k, b) in std::mem::take(bins) {
                        merged.entry(k.div_euclid(2)).and_modify(|m| m.merge(&b)).or_insert(b);
                    }
                    *bins = merged;
                }
            }
        }
    }
}

/// The days of a period, as the samples fill them.
pub(crate) struct Days {
    /// The period's days (the last [`MAX_DAYS`] of a longer one).
    pub days: BTreeMap<jiff::civil::Date, Day>,
    /// Per day, the time present under each sitting limit (each session's own), for the
    /// breaks due.
    pub under_limit: BTreeMap<jiff::civil::Date, Vec<(f64, f64)>>,
    /// The period's time zone.
    pub tz: jiff::tz::TimeZone,
    /// The day the last sample fell on: its start, its end, its date (most samples fall on
    /// the day of the one before, so the time zone is asked once a day).
    current: Option<(Timestamp, Timestamp, jiff::civil::Date)>,
}

impl Days {
    fn new(period: &Period) -> Self {
        let date_of = |at: Timestamp| at.to_zoned(period.tz.clone()).date();
        let (first, last) = (date_of(period.from), date_of(period.to));
        let mut days = BTreeMap::new();
        let mut date = last;
        // the last MAX_DAYS days of a longer period
        while date >= first && days.len() < MAX_DAYS {
            days.insert(date, Day { date: date.to_string(), ..Day::default() });
            let Ok(before) = date.yesterday() else { break };
            date = before;
        }
        Days { days, under_limit: BTreeMap::new(), tz: period.tz.clone(), current: None }
    }

    /// The local date of `at`.
    fn date_of(&mut self, at: Timestamp) -> jiff::civil::Date {
        if let Some((start, end, date)) = self.current
            && start <= at
            && at < end
        {
            return date;
        }
        let zoned = at.to_zoned(self.tz.clone());
        let date = zoned.date();
        if let (Ok(start), Ok(end)) = (zoned.start_of_day(), zoned.tomorrow().and_then(|z| z.start_of_day()))
        {
            self.current = Some((start.timestamp(), end.timestamp(), date));
        }
        date
    }

    /// Add sample `s`, taken `at`, standing for `dt` seconds, judged by `t`.
    fn add(&mut self, at: Timestamp, s: &StoredSample, cleaned: Cleaned, dt: f64, t: &Thresholds) {
        let date = self.date_of(at);
        let Some(day) = self.days.get_mut(&date) else { return };
        day.samples += 1;
        if !s.present {
            day.away_s += dt;
        }
        if s.present {
            day.present_s += dt;
            day.longest_sitting_min = day.longest_sitting_min.max(cleaned.sitting_min);
            let every_s = t.sitting_max * 60.0;
            let limits = self.under_limit.entry(date).or_default();
            match limits.iter_mut().find(|(limit, _)| *limit == every_s) {
                Some((_, present_s)) => *present_s += dt,
                None => limits.push((every_s, dt)),
            }
        }
        if s.present && s.person {
            day.samples_seen += 1;
            if cleaned.measures[MeasureId::NeckFlexionDeg].is_some()
                && let Some(count) = s
                    .rula
                    .and_then(|r| usize::try_from(r).ok()?.checked_sub(1))
                    .and_then(|k| day.rula.get_mut(k))
            {
                *count += 1;
            }
            for id in TREND_MEASURES {
                day.bands.entry(id).count(id, cleaned.measures[id], s.view, t, dt);
            }
        }
    }
}

/// A sample's values with faulty data set aside.
struct Cleaned<'a> {
    sitting_min: f64,
    measures: &'a Measures<Option<f64>>,
}

/// The data every section reads: the records, and what their samples add up to.
pub(crate) struct Data<'a> {
    /// The records (their samples, if they hold them, are in `tally`).
    pub input: &'a Records<'a>,
    /// The samples, gathered.
    pub tally: Tally,
}

impl<'a> Data<'a> {
    /// The data of `input`, its samples gathered from `input.samples`.
    pub fn new(input: &'a Records<'a>) -> Self {
        let mut tally = Tally::new(input.period);
        let mut sessions = Sessions::default();
        for s in input.samples {
            tally.add(input, &mut sessions, s);
        }
        Data { input, tally }
    }

    /// The data of `input` with its samples already gathered.
    pub fn gathered(input: &'a Records<'a>, tally: Tally) -> Self {
        Data { input, tally }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{details, records, sample};
    use super::*;

    fn gathered(samples: &[StoredSample]) -> Tally {
        let t = Thresholds::default();
        let sessions = [details(5.0)];
        Data::new(&records(&sessions, samples, &t)).tally
    }

    #[test]
    fn distributions_have_ten_bins_of_whole_steps_over_the_range() {
        let samples: Vec<_> = [0.0, 1.0, 10.0, 10.0]
            .iter()
            .enumerate()
            .map(|(k, v)| sample(k as f64, true, Some(*v)))
            .collect();
        let d = gathered(&samples).distributions();
        let cva = d.get(MeasureId::CvaDeg).unwrap();
        assert_eq!(cva.edges.len(), 11);
        // steps 0, 10 and 100 of 0.1°: 101 steps in bins of 11
        assert_eq!(cva.counts, [2, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
        assert!((cva.edges[0], cva.edges[10]) == (0.0, 11.0), "{:?}", cva.edges);
        let one = gathered(&[sample(0.0, true, Some(42.0))]).distributions();
        assert_eq!(one.get(MeasureId::CvaDeg).unwrap().counts.iter().sum::<usize>(), 1);
        assert!(gathered(&[sample(0.0, false, Some(42.0))]).distributions().is_empty(), "nobody present");
    }

    #[test]
    fn the_series_is_each_sample_up_to_its_bound_then_bins_of_means() {
        let few: Vec<_> = (0..MAX_POINTS).map(|k| sample(k as f64 * 5.0, true, Some(50.0))).collect();
        let (points, resolution) = gathered(&few).series();
        assert_eq!((points.len(), resolution), (MAX_POINTS, None));
        assert_eq!(points[7].t_s, 35.0);
        // a week at 5 s, the value alternating 40 and 60: bins whose means are 50
        let week: Vec<_> = (0..120_960)
            .map(|k| sample(k as f64 * 5.0, true, Some(if k % 2 == 0 { 40.0 } else { 60.0 })))
            .collect();
        let (points, resolution) = gathered(&week).series();
        let width = resolution.unwrap();
        assert!(points.len() <= MAX_POINTS && points.len() > MAX_POINTS / 4, "{}", points.len());
        assert!(width >= FIRST_BIN_S && (604_800.0 / width) as usize <= MAX_POINTS + 1, "{width}");
        assert!(points.iter().all(|p| p.cva_deg == Some(50.0) && p.present), "{:?}", &points[..3]);
        assert!(points.windows(2).all(|w| w[0].t_s < w[1].t_s));
    }
}
