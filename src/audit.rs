//! The audit loop: frame records → samples (median of a burst, movement) → risk engine →
//! store, one committed transaction per sample. Sources are replayed on their own clock.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::capture::{CaptureError, Frame, FrameSource, LandmarkFile};
use crate::pose::Landmark;
use crate::pose::scene::{SAME_SCENE, Thumbnail};
use crate::pose::{BlazePose, PoseEstimator};
use crate::posture::{Baseline, Camera, MeasureId, Missing, View, measure};
use crate::record::FrameRecord;
use crate::risk::{Assessment, Engine, Event, SampleInput};
use crate::stats::median;
use crate::store::{Store, StoreError};
use crate::thresholds::Thresholds;

/// Landmarks whose displacement measures movement: nose, ears, shoulders.
const MOVEMENT_POINTS: [usize; 5] = [0, 7, 8, 11, 12];

/// Why a source gave no record.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// One capture failed (camera unplugged or busy, a frame lost): logged as a gap, the
    /// source retries.
    #[error(transparent)]
    Capture(#[from] CaptureError),
    /// The input itself is wrong (a malformed landmarks line, the pose model failing): the
    /// audit stops, after closing the session.
    #[error("{0}")]
    Fatal(String),
}

/// Something that yields frame records in time order (pose already found, or recorded).
pub trait RecordSource {
    /// The next record, or why there is none this time; `None` at the end.
    fn next_record(&mut self) -> Option<Result<FrameRecord, SourceError>>;

    /// Seconds since a live source started (see [`FrameSource::clock_s`]).
    fn clock_s(&self) -> Option<f64> {
        None
    }
}

/// Pixels through the pose model. Within a burst the pose is tracked. From one sample to
/// the next it is tracked only while the scene is nearly unchanged (the person has not
/// moved) and the detector has confirmed the person on the last two samples; else the
/// detector looks again — the landmark model alone keeps "seeing" a person on a scene the
/// person has left, and a one-off detection on a cartoon must not become a tracked ghost.
pub struct PoseRecords<S> {
    frames: S,
    pose: BlazePose,
    last: Option<(f64, Thumbnail)>,
    /// Samples in a row whose first frame the detector confirmed.
    confirmed: u32,
    first_of_sample: bool,
    /// Seconds between samples: frames closer than half of it belong to one burst.
    interval: f64,
}

/// Detector confirmations in a row before a track is carried across samples.
const CONFIRMATIONS_TO_TRACK: u32 = 2;

impl<S> PoseRecords<S> {
    /// Frames from `frames`, samples `interval` seconds apart, through `pose`.
    pub fn new(frames: S, pose: BlazePose, interval: f64) -> Self {
        PoseRecords { frames, pose, last: None, confirmed: 0, first_of_sample: false, interval }
    }

    /// Keep or drop the track before estimating `frame`.
    fn gate(&mut self, frame: &Frame) {
        let t = frame.t_s.unwrap_or_default();
        self.first_of_sample = self.last.as_ref().is_none_or(|(last, _)| t - last >= self.interval / 2.0);
        if self.first_of_sample {
            let thumb = Thumbnail::of(&frame.image);
            let same_scene =
                self.last.as_ref().is_some_and(|(_, prev)| prev.difference(&thumb) <= SAME_SCENE);
            if !same_scene || self.confirmed < CONFIRMATIONS_TO_TRACK {
                self.pose.reset();
            }
            self.last = Some((t, thumb));
        }
    }

    /// Count the detector's confirmations on the first frames of samples.
    fn note(&mut self, pose: Option<&crate::pose::Pose>) {
        if self.first_of_sample {
            self.confirmed = match pose {
                Some(p) if !p.tracked => self.confirmed + 1,
                Some(_) => self.confirmed,
                None => 0,
            };
        }
    }
}

impl<S: FrameSource> RecordSource for PoseRecords<S> {
    fn clock_s(&self) -> Option<f64> {
        self.frames.clock_s()
    }

    fn next_record(&mut self) -> Option<Result<FrameRecord, SourceError>> {
        let next = self.frames.next_frame()?;
        if let Ok(frame) = &next {
            self.gate(frame);
        }
        Some(match next {
            Ok(frame) => match self.pose.estimate(&frame.image) {
                Ok(pose) => {
                    self.note(pose.as_ref());
                    Ok(FrameRecord::new(&frame, pose.as_ref()))
                }
                Err(e) => Err(SourceError::Fatal(e.to_string())),
            },
            // a video that cannot be decoded will not get better
            Err(e @ (CaptureError::Video { .. } | CaptureError::FfmpegMissing)) => {
                Err(SourceError::Fatal(e.to_string()))
            }
            Err(e) => Err(e.into()),
        })
    }
}

/// Recorded landmarks as they are; a malformed line stops the audit.
pub struct LandmarkRecords(LandmarkFile);

impl LandmarkRecords {
    /// Replay `file`.
    pub fn new(file: LandmarkFile) -> Self {
        LandmarkRecords(file)
    }
}

impl RecordSource for LandmarkRecords {
    fn next_record(&mut self) -> Option<Result<FrameRecord, SourceError>> {
        Some(self.0.next()?.map_err(|e| SourceError::Fatal(e.to_string())))
    }
}

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
fn why_missing<'a>(frames: impl Iterator<Item = &'a crate::posture::Measure>) -> Missing {
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

/// Errors that end an audit.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The store failed (the samples so far are committed).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The source failed for good (the session was closed first).
    #[error("{0}")]
    Source(String),
}

/// What happened in one sample, for progress displays.
#[derive(Clone, Debug)]
pub struct Status<'a> {
    /// The sample.
    pub sample: &'a Sample,
    /// The engine's assessment.
    pub assessment: &'a Assessment,
    /// Samples so far.
    pub samples: u64,
}

/// The end of an audit.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// Samples committed.
    pub samples: u64,
    /// Gaps (source failures) logged.
    pub gaps: u64,
    /// Session clock at the end, seconds.
    pub end_s: f64,
    /// Whether it stopped on request (signal) rather than at the end of the source or the
    /// duration.
    pub interrupted: bool,
}

/// Hooks the loop calls: events (for notifications), per-sample status, gaps.
pub trait Observer {
    /// A finding changed, at wall time `at`, `t_s` seconds into the session.
    fn event(&mut self, event: &Event, at: jiff::Timestamp, t_s: f64);
    /// A sample was committed.
    fn sample(&mut self, status: &Status);
    /// The source failed once.
    fn gap(&mut self, error: &CaptureError, t_s: f64);
}

/// Run an audit session to the end of `source`, `duration_s` on the session clock, or
/// `stop`. Every sample is committed before the next is taken; the session is closed (open
/// findings ended) on every way out but a crash — and a crash is repaired on next open.
#[allow(clippy::too_many_arguments)]
pub fn run(
    source: &mut dyn RecordSource,
    sampler: &mut Sampler,
    thresholds: &Thresholds,
    store: &mut Store,
    session: i64,
    started_at: jiff::Timestamp,
    duration_s: Option<f64>,
    stop: &AtomicBool,
    observer: &mut dyn Observer,
) -> Result<Outcome, AuditError> {
    let mut engine = Engine::new(*thresholds);
    let mut outcome = Outcome { samples: 0, gaps: 0, end_s: 0.0, interrupted: false };
    let mut fatal = None;
    // a clock that goes back (clips joined, a reset) is said once
    let (mut latest_t, mut went_back): (Option<f64>, bool) = (None, false);
    loop {
        if stop.load(Ordering::Relaxed) {
            outcome.interrupted = true;
            break;
        }
        let Some(next) = source.next_record() else { break };
        let mut record = match next {
            Ok(r) => r,
            Err(SourceError::Capture(e)) => {
                outcome.gaps += 1;
                // a camera's failure is dated by its clock; a recording's at its last sample
                let t_s = source.clock_s().map_or(outcome.end_s, |t| t.max(outcome.end_s));
                store.add_gap(session, t_s, &e.to_string())?;
                observer.gap(&e, t_s);
                continue;
            }
            Err(SourceError::Fatal(message)) => {
                fatal = Some(message);
                break;
            }
        };
        // stills get their times here, so that the duration counts them too
        sampler.stamp(&mut record);
        if duration_s.is_some_and(|d| record.t_s.is_some_and(|t| t >= d)) {
            break;
        }
        if let Some(t) = record.t_s {
            if let Some(latest) = latest_t.filter(|&l| t < l && !went_back) {
                tracing::warn!(
                    "the recording's clock went back from {} to {}; its samples are kept, judged as if no time had passed",
                    crate::advice::minutes(latest),
                    crate::advice::minutes(t)
                );
                went_back = true;
            }
            latest_t = Some(latest_t.map_or(t, |l| l.max(t)));
        }
        if let Some(sample) = sampler.push(record) {
            commit(
                Commit { engine: &mut engine, store, session, started_at, outcome: &mut outcome, observer },
                sample,
            )?;
        }
    }
    if let Some(sample) = sampler.finish() {
        commit(
            Commit { engine: &mut engine, store, session, started_at, outcome: &mut outcome, observer },
            sample,
        )?;
    }
    let closed: Vec<_> = engine.finish(outcome.end_s).into_iter().map(|e| e.finding).collect();
    store.end_session(session, wall_clock(started_at, outcome.end_s), &closed)?;
    match fatal {
        Some(message) => Err(AuditError::Source(message)),
        None => Ok(outcome),
    }
}

fn wall_clock(started_at: jiff::Timestamp, t_s: f64) -> jiff::Timestamp {
    jiff::SignedDuration::try_from_secs_f64(t_s)
        .ok()
        .and_then(|d| started_at.checked_add(d).ok())
        .unwrap_or(started_at)
}

/// What committing a sample touches.
struct Commit<'a> {
    engine: &'a mut Engine,
    store: &'a mut Store,
    session: i64,
    started_at: jiff::Timestamp,
    outcome: &'a mut Outcome,
    observer: &'a mut dyn Observer,
}

/// Judge one sample and commit it with the findings it changed.
fn commit(c: Commit, sample: Sample) -> Result<(), AuditError> {
    let (events, assessment) = c.engine.push(&sample.input);
    let changed: Vec<_> = events.iter().map(|e| e.finding.clone()).collect();
    let at = wall_clock(c.started_at, sample.input.t_s);
    c.store.add_sample(
        c.session,
        at,
        &sample.input,
        &sample.missing,
        sample.view.map(View::name),
        sample.frames,
        &assessment,
        &changed,
    )?;
    c.outcome.samples += 1;
    c.outcome.end_s = sample.input.t_s;
    for e in &events {
        c.observer.event(e, at, sample.input.t_s);
    }
    c.observer.sample(&Status { sample: &sample, assessment: &assessment, samples: c.outcome.samples });
    Ok(())
}
