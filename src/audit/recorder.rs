//! Recording an audit session — the facade `audit` and `report --source` use: a source and how
//! it is paced, judged with given thresholds against a profile; opened (the pose model
//! loaded, the camera found) before anything is written, then recorded into a store from
//! the first sample to the last, the session closed on every way out but a crash.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use super::pause::PauseFile;
use super::session::{AuditError, Observer, Outcome, Plan, Session};
use super::source::{OpenError, Pacing, PoseSource, Source};
use crate::desktop::{Desktop, Watched, dbus, sound};
use crate::pose::ModelChoice;
use crate::posture::{Baseline, Optics};
use crate::store::{SessionId, Store};
use crate::thresholds::Thresholds;

/// An audit session to record, resolved.
#[derive(Clone, Debug)]
pub struct Recorder {
    /// Where frames come from.
    pub source: Source,
    /// The landmark model (unused for recorded landmarks).
    pub model: ModelChoice,
    /// The calibration profile, by name, if any.
    pub profile: Option<(String, Baseline)>,
    /// The thresholds the session is judged with (stored with it).
    pub thresholds: Thresholds,
    /// The camera optics the measures assume.
    pub optics: Optics,
    /// Seconds between samples.
    pub interval_s: f64,
    /// Frames per sample.
    pub burst: usize,
    /// Stop after this long on the session clock; a recording otherwise ends on its own.
    pub duration_s: Option<f64>,
    /// When a recording was made (when `None`: so that it ends when its replay ends).
    pub recorded_at: Option<jiff::Timestamp>,
    /// The pause file a live source honours (a recording runs on its own clock, which a
    /// pause in wall time does not map onto).
    pub pause: Option<PauseFile>,
    /// Whether the audit's notifications are shown: the desktop's Do Not Disturb is then
    /// followed whatever the source (a camera's desktop is followed anyway).
    pub notifies: bool,
}

/// A session recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    /// Its id in the store.
    pub session: SessionId,
    /// How it went.
    pub outcome: Outcome,
}

/// A recorder whose source is open: nothing is written yet.
pub struct Opened<'a> {
    recorder: &'a Recorder,
    source: Box<dyn PoseSource>,
    stop: Arc<AtomicBool>,
    desktop: Arc<Watched>,
}

impl Recorder {
    /// Open the source; `stop` ends the recording (a camera waiting between samples wakes up).
    /// The desktop is then followed over D-Bus ([`dbus::follow`]): its Do Not Disturb when the
    /// audit notifies; for a camera, its screen lock and sleep too (or it says once that there
    /// is none to follow), and the microphone through the sound server ([`sound::follow`]),
    /// where one answers.
    pub fn open(&self, stop: &Arc<AtomicBool>) -> Result<Opened<'_>, OpenError> {
        let desktop = Arc::new(Watched::default());
        let pacing = Pacing {
            interval_s: self.interval_s,
            burst: self.burst,
            duration_s: self.duration_s,
            stop: Arc::clone(stop),
            pause: self.pause.clone(),
            desktop: Arc::clone(&desktop) as Arc<dyn Desktop>,
        };
        let source = self.source.open(&pacing, &self.model)?;
        // Do Not Disturb holds the notifications of any audit; the rest matters to a camera
        let camera = matches!(self.source, Source::Camera(_));
        let answered = if camera || self.notifies {
            dbus::follow(dbus::Buses::default(), Arc::clone(&desktop))
        } else {
            dbus::Answered::default()
        };
        if self.notifies && !answered.dnd.is_empty() {
            tracing::info!("following Do Not Disturb through {}", answered.dnd.join(", "));
        }
        if camera {
            if answered.lock.is_empty() {
                tracing::warn!(
                    "no screen lock or sleep to follow (no D-Bus session or system bus, or no screen saver or logind on them): the camera is used whether or not the screen is locked"
                );
            } else {
                tracing::info!("following the screen lock and sleep through {}", answered.lock.join(", "));
            }
            if sound::follow(None, Arc::clone(&desktop)) {
                tracing::info!(
                    "following the microphone through the sound server: a program recording from it is a call"
                );
            } else {
                tracing::info!("no sound server answers: a call is known by the camera alone");
            }
        }
        Ok(Opened { recorder: self, source, stop: Arc::clone(stop), desktop })
    }
}

impl Opened<'_> {
    /// The desktop the recording follows (its Do Not Disturb holds notifications).
    pub fn desktop(&self) -> Arc<dyn Desktop> {
        Arc::clone(&self.desktop) as Arc<dyn Desktop>
    }

    /// Record one session into `store` until the source ends, the duration is reached or
    /// `stop` is set; `observer` hears of its findings, samples and gaps.
    pub fn record(mut self, store: &mut Store, observer: &mut dyn Observer) -> Result<Recorded, AuditError> {
        let r = self.recorder;
        let plan = Plan {
            source: r.source.describe(),
            model: r.source.needs_model().then(|| r.model.to_string()),
            profile: r.profile.clone(),
            interval_s: r.interval_s,
            duration_s: r.duration_s,
            thresholds: r.thresholds,
            optics: r.optics,
            pause: r.pause.clone(),
            started_at: r.recorded_at,
            clock: self.source.clock(),
            desktop: Arc::clone(&self.desktop) as Arc<dyn Desktop>,
        };
        let session = Session::begin(store, plan, observer)?;
        let id = session.id();
        let outcome = session.record(self.source.as_mut(), &self.stop)?;
        if r.recorded_at.is_none() && !r.source.is_live() {
            // undated, a recording began when its replay did; it ends then at the latest
            store.end_session_by(id, self.source.clock().wall())?;
        }
        Ok(Recorded { session: id, outcome })
    }
}
