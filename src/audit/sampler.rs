//! Samples from posed frames: the frames of one burst give one sample (the median of each
//! measure, how much the person moved), judged later by the risk engine.

use crate::pose::{Landmark, PosedFrame, point};
use crate::posture::{Baseline, Measure, MeasureId, Measures, Missing, Observation, Optics, View, measure};
use crate::risk::Sample;
use crate::stats::median;

/// Landmarks whose displacement measures movement: nose, ears, shoulders.
const MOVEMENT_POINTS: [usize; 5] =
    [point::NOSE, point::LEFT_EAR, point::RIGHT_EAR, point::LEFT_SHOULDER, point::RIGHT_SHOULDER];
/// Where the ears and shoulders are among [`MOVEMENT_POINTS`].
const AT_LEFT_EAR: usize = 1;
const AT_RIGHT_EAR: usize = 2;
const AT_LEFT_SHOULDER: usize = 3;
const AT_RIGHT_SHOULDER: usize = 4;

/// A sample as the sampler made it: the sample the risk engine judges, and how it was made.
#[derive(Clone, Debug, PartialEq)]
pub struct Sampled {
    /// The sample.
    pub sample: Sample,
    /// Why each measure without a value has none (`None`
    /// where there is a value, or nobody to measure).
    pub missing: Measures<Option<Missing>>,
    /// Frames it was made from.
    pub frames: usize,
}

/// Groups frames into samples: every frame whose time falls in the same interval belongs
/// to one sample (a burst); each measure is the median over the burst's frames whose value
/// reaches the confidence threshold.
#[derive(Debug)]
pub struct Sampler {
    interval_s: f64,
    camera: Optics,
    baseline: Option<Baseline>,
    min_confidence: f64,
    bucket: Option<i64>,
    frames: Vec<PosedFrame>,
    previous: Option<Vec<(f64, f64)>>,
    stills: u64,
}

impl Sampler {
    /// A sampler for samples `interval_s` apart; values below `min_confidence` are left out
    /// (`--min-confidence`).
    pub fn new(interval_s: f64, camera: Optics, baseline: Option<Baseline>, min_confidence: f64) -> Self {
        Sampler {
            interval_s,
            camera,
            baseline,
            min_confidence,
            bucket: None,
            frames: Vec::new(),
            previous: None,
            stills: 0,
        }
    }

    /// Give a frame its time on the session clock, if it has none: still images get one
    /// interval each.
    pub fn stamp(&mut self, frame: &mut PosedFrame) {
        if frame.t_s.is_none() {
            self.stills += 1;
            frame.t_s = Some((self.stills - 1) as f64 * self.interval_s);
        }
    }

    /// Add a frame; returns the previous sample when this frame starts a new one.
    pub fn push(&mut self, mut frame: PosedFrame) -> Option<Sampled> {
        self.stamp(&mut frame);
        let t = frame.t_s.unwrap_or_default();
        let bucket = (t / self.interval_s).floor() as i64;
        let done = match self.bucket {
            Some(b) if b != bucket => self.finish(),
            _ => None,
        };
        self.bucket = Some(bucket);
        self.frames.push(frame);
        done
    }

    /// The sample being collected, if any, and no movement measured across what follows
    /// (the audit pauses: the next sample is not compared with this one).
    pub fn interrupt(&mut self) -> Option<Sampled> {
        let sample = self.finish();
        self.previous = None;
        sample
    }

    /// The sample being collected, if any.
    pub fn finish(&mut self) -> Option<Sampled> {
        let frames = std::mem::take(&mut self.frames);
        self.bucket = None;
        let first = frames.first()?;
        let t_s = first.t_s.unwrap_or_default();
        let people: Vec<_> =
            frames.iter().filter_map(|f| f.pose.as_ref().map(|d| (d, f.width, f.height))).collect();
        let postures: Vec<_> = people
            .iter()
            .map(|(d, w, h)| measure(&Observation::of(d, *w, *h), &self.camera, self.baseline.as_ref()))
            .filter(|p| p.view != View::Unknown)
            .collect();
        // a person only when most frames of the burst show one
        let person = postures.len() * 2 > frames.len();
        let mut measures = Measures::default();
        let mut missing = Measures::default();
        let mut view = None;
        let mut movement = None;
        if person {
            for id in MeasureId::all() {
                let confident =
                    postures.iter().map(|p| p.get(id)).filter(|m| m.confidence >= self.min_confidence);
                measures[id] = median(confident.filter_map(|m| m.value));
                if measures[id].is_none() {
                    missing[id] = Some(why_missing(postures.iter().map(|p| p.get(id))));
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
        Some(Sampled {
            // the most common view among its frames
            sample: Sample { t_s, person, measures, movement, view },
            missing,
            frames: frames.len(),
        })
    }

    /// Largest displacement of the key points within the burst and since the previous
    /// sample, in shoulder widths (or ear-to-shoulder distances, whichever is larger: in a
    /// side view the shoulders overlap).
    fn movement(&mut self, bursts: &[Vec<(f64, f64)>]) -> Option<f64> {
        let last = bursts.last()?.clone();
        let d = |a: usize, b: usize| (last[a].0 - last[b].0).hypot(last[a].1 - last[b].1);
        let scale = d(AT_LEFT_SHOULDER, AT_RIGHT_SHOULDER)
            .max(d(AT_LEFT_EAR, AT_LEFT_SHOULDER))
            .max(d(AT_RIGHT_EAR, AT_RIGHT_SHOULDER));
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
