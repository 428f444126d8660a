//! Samples from frame records: the frames of one burst give one sample (the median of each
//! measure, how much the person moved), judged later by the risk engine.

use crate::pose::Landmark;
use crate::posture::{Baseline, Camera, Measure, MeasureId, Missing, View, measure};
use crate::replay::FrameRecord;
use crate::risk::SampleInput;
use crate::stats::median;

/// Landmarks whose displacement measures movement: nose, ears, shoulders.
const MOVEMENT_POINTS: [usize; 5] = [0, 7, 8, 11, 12];

/// One finished sample.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// What the engine takes.
    pub input: SampleInput,
    /// Why each measure without a value has none (indexed like [`MeasureId::ALL`]; `None`
    /// where there is a value, or nobody to measure).
    pub missing: [Option<Missing>; 11],
    /// The most common view among its frames.
    pub view: Option<View>,
    /// Frames it was made from.
    pub frames: usize,
}

/// Groups records into samples: every record whose time falls in the same interval belongs
/// to one sample (a burst); each measure is the median over the burst's frames whose value
/// reaches the confidence threshold.
#[derive(Debug)]
pub struct Sampler {
    interval_s: f64,
    camera: Camera,
    baseline: Option<Baseline>,
    min_confidence: f64,
    bucket: Option<i64>,
    records: Vec<FrameRecord>,
    previous: Option<Vec<(f64, f64)>>,
    stills: u64,
}

impl Sampler {
    /// A sampler for samples `interval_s` apart; values below `min_confidence` are left out
    /// (`--min-confidence`).
    pub fn new(interval_s: f64, camera: Camera, baseline: Option<Baseline>, min_confidence: f64) -> Self {
        Sampler {
            interval_s,
            camera,
            baseline,
            min_confidence,
            bucket: None,
            records: Vec::new(),
            previous: None,
            stills: 0,
        }
    }

    /// Give a record its time on the session clock, if it has none: still images get one
    /// interval each.
    pub fn stamp(&mut self, record: &mut FrameRecord) {
        if record.t_s.is_none() {
            self.stills += 1;
            record.t_s = Some((self.stills - 1) as f64 * self.interval_s);
        }
    }

    /// Add a record; returns the previous sample when this record starts a new one.
    pub fn push(&mut self, mut record: FrameRecord) -> Option<Sample> {
        self.stamp(&mut record);
        let t = record.t_s.unwrap_or_default();
        let bucket = (t / self.interval_s).floor() as i64;
        let done = match self.bucket {
            Some(b) if b != bucket => self.finish(),
            _ => None,
        };
        self.bucket = Some(bucket);
        self.records.push(record);
        done
    }

    /// The sample being collected, if any.
    pub fn finish(&mut self) -> Option<Sample> {
        let records = std::mem::take(&mut self.records);
        self.bucket = None;
        let first = records.first()?;
        let t_s = first.t_s.unwrap_or_default();
        // each record's landmarks are converted once, for both the measures and the movement
        let people: Vec<_> =
            records.iter().filter_map(|r| r.pose_data().map(|d| (d, r.width, r.height))).collect();
        let postures: Vec<_> = people
            .iter()
            .map(|(d, w, h)| measure(&d.observation(*w, *h), &self.camera, self.baseline.as_ref()))
            .filter(|p| p.view != View::Unknown)
            .collect();
        // a person only when most frames of the burst show one
        let person = postures.len() * 2 > records.len();
        let mut measures = [None; 11];
        let mut missing = [None; 11];
        let mut view = None;
        let mut movement = None;
        if person {
            for id in MeasureId::ALL {
                let confident =
                    postures.iter().map(|p| p.get(id)).filter(|m| m.confidence >= self.min_confidence);
                measures[id as usize] = median(confident.filter_map(|m| m.value));
                if measures[id as usize].is_none() {
                    missing[id as usize] = Some(why_missing(postures.iter().map(|p| p.get(id))));
                }
            }
            let mut views: Vec<View> = postures.iter().map(|p| p.view).collect();
            views.sort_by_key(|v| v.name());
            view = views.chunk_by(|a, b| a == b).max_by_key(|c| c.len()).map(|c| c[0]);
            let points: Vec<Vec<(f64, f64)>> =
                people.iter().map(|(d, _, _)| key_points(&d.landmarks)).collect();
            movement = self.movement(&points);
        } else {
            self.previous = None;
        }
        Some(Sample {
            input: SampleInput { t_s, person, measures, movement },
            missing,
            view,
            frames: records.len(),
        })
    }

    /// Largest displacement of the key points within the burst and since the previous
    /// sample, in shoulder widths (or ear-to-shoulder distances, whichever is larger: in a
    /// side view the shoulders overlap).
    fn movement(&mut self, bursts: &[Vec<(f64, f64)>]) -> Option<f64> {
        let last = bursts.last()?.clone();
        let d = |a: usize, b: usize| (last[a].0 - last[b].0).hypot(last[a].1 - last[b].1);
        let scale = d(3, 4).max(d(1, 3)).max(d(2, 4));
        if scale <= f64::EPSILON {
            return None;
        }
        let shift = |a: &[(f64, f64)], b: &[(f64, f64)]| {
            median(a.iter().zip(b).map(|(p, q)| (p.0 - q.0).hypot(p.1 - q.1))).unwrap_or_default() / scale
        };
        let within = bursts.windows(2).map(|w| shift(&w[0], &w[1])).fold(0.0, f64::max);
        let since = self.previous.as_ref().map_or(0.0, |p| shift(p, &bursts[0]));
        self.previous = Some(last);
        Some(within.max(since))
    }
}

/// Why a burst has no value for a measure: its frames' values were all below the confidence
/// threshold, or the most common reason among them.
fn why_missing<'a>(frames: impl Iterator<Item = &'a Measure>) -> Missing {
    let mut counts: Vec<(Missing, usize)> = Vec::new();
    for m in frames {
        let why = if m.value.is_some() {
            Missing::LowConfidence
        } else {
            m.missing.unwrap_or(Missing::KeyPointsNotVisible)
        };
        match counts.iter_mut().find(|(w, _)| *w == why) {
            Some((_, n)) => *n += 1,
            None => counts.push((why, 1)),
        }
    }
    counts.into_iter().max_by_key(|&(_, n)| n).map_or(Missing::KeyPointsNotVisible, |(w, _)| w)
}

fn key_points(landmarks: &[Landmark]) -> Vec<(f64, f64)> {
    MOVEMENT_POINTS.iter().map(|&i| (f64::from(landmarks[i].x), f64::from(landmarks[i].y))).collect()
}
