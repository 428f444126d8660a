//! One audit session: begun in the store, fed posed frames (grouped into samples, judged
//! by the risk engine, each committed in its own transaction), and ended with its open
//! findings closed — on every way out but a crash, which the store repairs on next open.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::pause::PauseFile;
use super::sampler::{Sampled, Sampler};
use super::source::{Fatal, PoseSource, SourceError};
use crate::capture::CaptureError;
use crate::clock::Clock;
use crate::desktop::{Away, Desktop};
use crate::pose::PosedFrame;
use crate::posture::{Baseline, Optics};
use crate::risk::{Assessment, Engine, Event, Pause};
use crate::store::{NewSample, SessionId, SessionSetup, Store, StoreError, StoredSession};
use crate::thresholds::Thresholds;

/// Errors that end an audit.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The store failed (the samples so far are committed).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The source failed for good (the session was closed first).
    #[error(transparent)]
    Source(Fatal),
    /// What went wrong in a session, with the session's id.
    #[error("audit session {id}")]
    InSession {
        /// The session.
        id: SessionId,
        /// What went wrong.
        source: Box<AuditError>,
    },
}

/// What happened in one sample, for progress displays.
#[derive(Clone, Debug)]
pub struct Status<'a> {
    /// The sample, and how it was made.
    pub sampled: &'a Sampled,
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
    /// The audit paused (`true`) or took up sampling again.
    fn paused(&mut self, _paused: bool) {}
    /// A call began (`true`: the camera held or a microphone recorded by another program) or
    /// ended.
    fn call(&mut self, _in_call: bool) {}
}

/// What a session is made with.
#[derive(Clone, Debug)]
pub struct Plan {
    /// How the session names its source (a camera, a file).
    pub source: String,
    /// The landmark model, when frames go through one.
    pub model: Option<String>,
    /// The calibration profile, by name, if any.
    pub profile: Option<(String, Baseline)>,
    /// Seconds between samples.
    pub interval_s: f64,
    /// Stop after this long on the session clock.
    pub duration_s: Option<f64>,
    /// The thresholds the session is judged with (stored with it).
    pub thresholds: Thresholds,
    /// The camera optics the measures assume (the field of view and tilt are those of
    /// `thresholds`; whether the field of view is known comes from where it was set).
    pub optics: Optics,
    /// The pause file the session honours (live sources only: a recording runs on its own
    /// clock, which a pause in wall time does not map onto).
    pub pause: Option<PauseFile>,
    /// When the session began: now, or when a recording was made.
    pub started_at: Option<jiff::Timestamp>,
    /// The clock a live source runs on ([`super::PoseSource::clock`]): "now", and the waits
    /// while paused.
    pub clock: Arc<dyn Clock>,
    /// The desktop a live source follows: while the screen is locked or the machine asleep,
    /// the camera is not opened and nothing is sampled.
    pub desktop: Arc<dyn Desktop>,
}

/// How often a paused audit looks whether the pause is over.
const PAUSE_POLL: std::time::Duration = std::time::Duration::from_millis(250);

/// An audit session in progress. [`Session::begin`] writes the session, [`Session::push`]
/// (or [`Session::run`] over a whole source) takes frames, [`Session::end`] closes it.
pub struct Session<'a> {
    store: &'a mut Store,
    observer: &'a mut dyn Observer,
    /// The session as stored (its id, its start).
    stored: StoredSession,
    duration_s: Option<f64>,
    sampler: Sampler,
    engine: Engine,
    outcome: Outcome,
    /// The latest frame time, to say once that a recording's clock went back.
    latest_t: Option<f64>,
    went_back: bool,
    pause_file: Option<PauseFile>,
    /// While paused: when the pause began and the source's latest clock, session seconds.
    paused: Option<(f64, f64)>,
    /// A pause file that cannot be read is said once.
    pause_unreadable: bool,
    clock: Arc<dyn Clock>,
    desktop: Arc<dyn Desktop>,
    /// While the desktop says nobody is at the screen: why, since when and the source's
    /// latest clock, session seconds.
    away: Option<(Away, f64, f64)>,
    /// While in a call (the camera held or a microphone recorded by another program): its
    /// stored row, since when and the source's latest clock, session seconds.
    call: Option<(i64, f64, f64)>,
}

/// How a call is known.
#[derive(Clone, Copy, Debug)]
enum Call<'a> {
    /// Another program holds the camera (this one).
    Camera(&'a str),
    /// Another program records from a microphone.
    Microphone,
}

/// Whether a session takes more frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Go on.
    Continue,
    /// The duration is reached: the frame was not used.
    Done,
}

impl<'a> Session<'a> {
    /// Begin a session in `store`, started now (or when the plan says); `observer` hears of
    /// its findings, samples and gaps.
    pub fn begin(
        store: &'a mut Store,
        plan: Plan,
        observer: &'a mut dyn Observer,
    ) -> Result<Self, AuditError> {
        let started_at = plan.started_at.unwrap_or_else(|| plan.clock.wall());
        let (profile_name, baseline) = plan.profile.unzip();
        let setup = SessionSetup {
            source: plan.source,
            model: plan.model,
            profile: profile_name,
            profile_toml: baseline.as_ref().map(|b| toml::to_string(b).expect("a baseline serialises")),
            interval_s: plan.interval_s,
            thresholds_json: serde_json::to_string(&plan.thresholds).expect("thresholds serialise"),
        };
        let stored = store.begin_session(started_at, &setup)?;
        Ok(Session {
            store,
            observer,
            stored,
            duration_s: plan.duration_s,
            sampler: Sampler::new(plan.interval_s, plan.optics, baseline, plan.thresholds.min_confidence),
            engine: Engine::new(plan.thresholds),
            outcome: Outcome { samples: 0, gaps: 0, end_s: 0.0, interrupted: false },
            latest_t: None,
            went_back: false,
            pause_file: plan.pause,
            paused: None,
            pause_unreadable: false,
            clock: plan.clock,
            desktop: plan.desktop,
            away: None,
            call: None,
        })
    }

    /// The session's id in the store.
    pub fn id(&self) -> SessionId {
        self.stored.id
    }

    /// Take one frame: a sample is judged and committed when the frame starts the next
    /// one. A frame at or past the duration is not taken.
    pub fn push(&mut self, mut record: PosedFrame) -> Result<Flow, AuditError> {
        // stills get their times here, so that the duration counts them too
        self.sampler.stamp(&mut record);
        if self.duration_s.is_some_and(|d| record.t_s.is_some_and(|t| t >= d)) {
            return Ok(Flow::Done);
        }
        if let Some(t) = record.t_s {
            // a clock that goes back (clips joined, a reset) is said once
            if let Some(latest) = self.latest_t.filter(|&l| t < l && !self.went_back) {
                tracing::warn!(
                    "the recording's clock went back from {} to {}; its samples are kept, judged as if no time had passed",
                    crate::advice::minutes(latest),
                    crate::advice::minutes(t)
                );
                self.went_back = true;
            }
            self.latest_t = Some(self.latest_t.map_or(t, |l| l.max(t)));
        }
        if let Some(sample) = self.sampler.push(record) {
            self.commit(sample)?;
        }
        Ok(Flow::Continue)
    }

    /// Log a failed capture as a gap, dated by the source's clock (`clock_s`) when it has
    /// one, else at the last sample.
    pub fn gap(&mut self, error: &CaptureError, clock_s: Option<f64>) -> Result<(), AuditError> {
        self.outcome.gaps += 1;
        let t_s = clock_s.map_or(self.outcome.end_s, |t| t.max(self.outcome.end_s));
        self.store.add_gap(self.stored.id, t_s, &error.to_string())?;
        self.observer.gap(error, t_s);
        Ok(())
    }

    /// Take frames from `source` until it ends, the duration is reached or `stop` is set.
    /// A source that fails for good gives [`AuditError::Source`]; the session is still open
    /// and must be ended.
    ///
    /// While the pause file says so the session is paused: a camera is released and not
    /// asked for frames, what a stream sends is read and dropped, nothing is recorded; the
    /// pause itself is, once it is over.
    pub fn run(&mut self, source: &mut dyn PoseSource, stop: &AtomicBool) -> Result<(), AuditError> {
        loop {
            if stop.load(Ordering::Relaxed) {
                self.outcome.interrupted = true;
                return Ok(());
            }
            // a camera is asked for frames on the wall clock: while paused it is not asked
            // (nothing is opened); a stream sends what it sends, and what arrives during a
            // pause is dropped
            let camera = source.clock_s();
            if let Some(clock) = camera {
                let held = if self.pause_in_force() {
                    self.pausing(clock, source)?;
                    true
                } else {
                    let desktop = self.desktop.state();
                    if let Some(why) = desktop.away() {
                        self.going_away(why, clock, source)?;
                    } else if desktop.microphone {
                        self.back(clock)?;
                        self.calling(clock, Call::Microphone, source)?;
                    } else {
                        self.back(clock)?;
                    }
                    desktop.holds_camera()
                };
                if held {
                    if self.duration_s.is_some_and(|d| clock >= d) {
                        return Ok(());
                    }
                    self.clock.sleep(PAUSE_POLL);
                    continue;
                }
            }
            let Some(next) = source.next_posed() else { return Ok(()) };
            if camera.is_none() && self.pause_in_force() {
                let arrived = next.as_ref().ok().and_then(|r| r.t_s).or(self.latest_t).unwrap_or_default();
                self.pausing(arrived, source)?;
                continue;
            }
            if let Some((start_s, latest)) = self.paused.take() {
                let end_s = match &next {
                    Ok(record) => record.t_s,
                    Err(_) => source.clock_s(),
                };
                self.end_pause(Pause { start_s, end_s: end_s.unwrap_or(latest).max(start_s) })?;
            }
            if let Ok(record) = &next {
                // a frame: the camera is free again
                let t = record.t_s.or_else(|| source.clock_s()).unwrap_or(self.outcome.end_s);
                self.hang_up(t)?;
            }
            match next {
                Ok(record) => {
                    if self.push(record)? == Flow::Done {
                        return Ok(());
                    }
                }
                // the camera saw a pause, a lock, a sleep or a call on the microphone before its
                // burst
                Err(SourceError::Capture(CaptureError::Paused)) => {
                    let clock = source.clock_s().or(self.latest_t).unwrap_or_default();
                    let desktop = self.desktop.state();
                    if self.pause_in_force() {
                        self.pausing(clock, source)?;
                    } else if let Some(why) = desktop.away() {
                        self.going_away(why, clock, source)?;
                    } else if desktop.microphone {
                        self.calling(clock, Call::Microphone, source)?;
                    }
                    // else the hold was lifted in between: the next frame is asked for at once
                }
                // another program holds the camera: a call
                Err(SourceError::Capture(CaptureError::CameraBusy(device))) => {
                    let clock = source.clock_s().or(self.latest_t).unwrap_or_default();
                    self.calling(clock, Call::Camera(&device), source)?;
                }
                Err(SourceError::Capture(e)) => self.gap(&e, source.clock_s())?,
                Err(SourceError::Fatal(fatal)) => return Err(AuditError::Source(fatal)),
            }
        }
    }

    /// [`Session::run`] then [`Session::end`]: the whole session from `source`. The session
    /// is closed on every way out but a store failure or a crash — a source that fails for
    /// good too (its error is returned after closing).
    pub fn record(mut self, source: &mut dyn PoseSource, stop: &AtomicBool) -> Result<Outcome, AuditError> {
        let id = self.stored.id;
        let in_session = |e| AuditError::InSession { id, source: Box::new(e) };
        let ran = self.run(source, stop);
        if let Err(e @ AuditError::Store(_)) = ran {
            return Err(in_session(e));
        }
        let outcome = self.end().map_err(in_session)?;
        ran.map(|()| outcome).map_err(in_session)
    }

    /// Commit the last sample and close the session: open findings end at its last sample,
    /// a pause under way at the latest clock the source gave.
    pub fn end(mut self) -> Result<Outcome, AuditError> {
        if let Some(sample) = self.sampler.finish() {
            self.commit(sample)?;
        }
        let mut end_s = self.outcome.end_s;
        if let Some((_, _, latest)) = self.call {
            end_s = end_s.max(latest);
            self.hang_up(latest)?;
        }
        if let Some((_, _, latest)) = self.away {
            end_s = end_s.max(latest);
            self.back(latest)?;
        }
        if let Some((start_s, latest)) = self.paused.take() {
            end_s = end_s.max(latest);
            self.end_pause(Pause { start_s, end_s: latest.max(start_s) })?;
        }
        let closed: Vec<_> = self.engine.finish(self.outcome.end_s).into_iter().map(|e| e.finding).collect();
        let breaks = self.engine.take_breaks();
        self.store.end_session(self.stored.id, self.wall(end_s), &closed, &breaks)?;
        Ok(self.outcome)
    }

    /// Whether the pause file says the audit is paused now (read once per frame asked for;
    /// one that cannot be read is said once and does not pause).
    fn pause_in_force(&mut self) -> bool {
        let Some(file) = &self.pause_file else { return false };
        match file.active(self.clock.wall()) {
            Ok(pause) => {
                self.pause_unreadable = false;
                pause.is_some()
            }
            Err(e) => {
                if !self.pause_unreadable {
                    tracing::warn!("{}; the audit goes on", crate::escape::terminal(&e.to_string()));
                    self.pause_unreadable = true;
                }
                false
            }
        }
    }

    /// The desktop says nobody is at the screen (`why`), at `clock_s` on the session clock:
    /// the time away begins (the sample under way is committed and the source lets go of its
    /// device) or goes on. It is not a pause: a time away as long as a break is one, as any
    /// gap in the samples.
    fn going_away(&mut self, why: Away, clock_s: f64, source: &mut dyn PoseSource) -> Result<(), AuditError> {
        self.hang_up(clock_s)?;
        let clock_s = clock_s.max(self.outcome.end_s);
        match &mut self.away {
            Some((was, _, latest)) if *was == why => *latest = latest.max(clock_s),
            _ => {
                self.back(clock_s)?;
                self.commit_under_way()?;
                source.release();
                tracing::info!(
                    "{}: the camera stays closed and nothing is sampled until {}",
                    match why {
                        Away::Locked => "the screen is locked",
                        Away::Asleep => "the machine is going to sleep",
                    },
                    match why {
                        Away::Locked => "it is unlocked",
                        Away::Asleep => "it wakes up",
                    }
                );
                self.away = Some((why, clock_s, clock_s));
            }
        }
        Ok(())
    }

    /// Another program holds the camera or records from a microphone (`why`) at `clock_s`: a
    /// call begins (the sample under way is committed, the camera let go of for the call, the
    /// call stored as begun) or goes on. In a call the person is at the desk, posture unknown:
    /// never a break, and the sitting stretch runs through it; a break falls due as usual,
    /// and is said at the first sample after the call.
    fn calling(&mut self, clock_s: f64, why: Call, source: &mut dyn PoseSource) -> Result<(), AuditError> {
        let clock_s = clock_s.max(self.outcome.end_s);
        match &mut self.call {
            Some((_, _, latest)) => *latest = latest.max(clock_s),
            None => {
                self.commit_under_way()?;
                source.release();
                let row = self.store.begin_call(self.stored.id, clock_s)?;
                tracing::info!(
                    "{}: in a call (sitting, posture unknown, not a break) until it is free",
                    match why {
                        Call::Camera(device) => format!("{} is busy", crate::escape::terminal(device)),
                        Call::Microphone => "another program records from the microphone".to_owned(),
                    }
                );
                self.call = Some((row, clock_s, clock_s));
                self.observer.call(true);
            }
        }
        Ok(())
    }

    /// The camera is free (or the audit stops looking) at `clock_s`: a call under way ends
    /// there, stored, and the engine is told before the next sample.
    fn hang_up(&mut self, clock_s: f64) -> Result<(), AuditError> {
        if let Some((row, start_s, latest)) = self.call.take() {
            let end_s = clock_s.max(latest).max(start_s);
            self.store.end_call(row, end_s)?;
            self.engine.call(start_s, end_s);
            tracing::info!("the call ended after {}", crate::advice::minutes(end_s - start_s));
            self.observer.call(false);
        }
        Ok(())
    }

    /// Somebody may be at the screen again at `clock_s`: a time away under way ends there
    /// and is stored.
    fn back(&mut self, clock_s: f64) -> Result<(), AuditError> {
        if let Some((why, start_s, latest)) = self.away.take() {
            let end_s = clock_s.max(latest).max(start_s);
            self.store.add_away(self.stored.id, why, start_s, end_s)?;
            tracing::info!("{} for {}: sampling again", why.name(), crate::advice::minutes(end_s - start_s));
        }
        Ok(())
    }

    /// Paused, at `clock_s` on the session clock: the pause begins (and the source lets go
    /// of its device) or goes on.
    fn pausing(&mut self, clock_s: f64, source: &mut dyn PoseSource) -> Result<(), AuditError> {
        self.back(clock_s)?;
        self.hang_up(clock_s)?;
        let clock_s = clock_s.max(self.outcome.end_s);
        match &mut self.paused {
            Some((_, latest)) => *latest = latest.max(clock_s),
            None => {
                self.begin_pause(clock_s)?;
                source.release();
            }
        }
        Ok(())
    }

    /// The pause begins at `clock_s`: the sample under way is committed, and the postures
    /// and holds end at it.
    fn begin_pause(&mut self, clock_s: f64) -> Result<(), AuditError> {
        self.commit_under_way()?;
        let events = self.engine.pause_begins();
        let closed: Vec<_> = events.iter().map(|e| e.finding.clone()).collect();
        self.store.update_findings(self.stored.id, &closed)?;
        let at = self.wall(clock_s);
        for e in &events {
            self.observer.event(e, at, clock_s);
        }
        tracing::info!("paused (`ergoaudit resume` ends it)");
        self.observer.paused(true);
        self.paused = Some((clock_s, clock_s));
        Ok(())
    }

    /// The pause is over: the engine and the store are told.
    fn end_pause(&mut self, pause: Pause) -> Result<(), AuditError> {
        self.engine.pause_ends(pause.start_s, pause.end_s);
        self.store.add_pause(self.stored.id, &pause)?;
        tracing::info!("resumed after {}", crate::advice::minutes(pause.end_s - pause.start_s));
        self.observer.paused(false);
        Ok(())
    }

    /// The wall time of `t_s` on the session clock (its start, beyond the range of times).
    fn wall(&self, t_s: f64) -> jiff::Timestamp {
        self.stored.wall(t_s).unwrap_or(self.stored.started_at)
    }

    /// Commit the sample under way, cut short (the audit stops looking: a pause, a lock, a
    /// call).
    fn commit_under_way(&mut self) -> Result<(), AuditError> {
        match self.sampler.interrupt() {
            Some(sample) => self.commit(sample),
            None => Ok(()),
        }
    }

    /// Judge one sample and commit it with the findings it changed.
    fn commit(&mut self, sampled: Sampled) -> Result<(), AuditError> {
        let sample = &sampled.sample;
        let (events, assessment) = self.engine.push(sample);
        let changed: Vec<_> = events.iter().map(|e| e.finding.clone()).collect();
        let breaks = self.engine.take_breaks();
        let at = self.wall(sample.t_s);
        self.store.add_sample(
            self.stored.id,
            &NewSample {
                at,
                sample,
                missing: &sampled.missing,
                view: sampled.sample.view,
                frames: sampled.frames,
                assessment: &assessment,
                changed: &changed,
                breaks: &breaks,
            },
        )?;
        self.outcome.samples += 1;
        self.outcome.end_s = sample.t_s;
        for e in &events {
            self.observer.event(e, at, sample.t_s);
        }
        self.observer.sample(&Status {
            sampled: &sampled,
            assessment: &assessment,
            samples: self.outcome.samples,
        });
        Ok(())
    }
}

/// From now on SIGINT and SIGTERM set `stop`; a second one ends the program at once (exit
/// code 130). Called once the source is open: until then nothing needs a clean end, and a
/// signal must end a program still waiting to open a named pipe.
pub fn stop_on_signals(stop: &Arc<AtomicBool>) -> std::io::Result<()> {
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register_conditional_shutdown(signal, 130, Arc::clone(stop))?;
        signal_hook::flag::register(signal, Arc::clone(stop))?;
    }
    Ok(())
}
