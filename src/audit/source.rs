//! Where an audit's posed frames come from, chosen in one place for every command: a
//! camera in bursts on the wall clock, a video in bursts on its own clock, still images,
//! or recorded landmarks; pixels go through the pose model on the way.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use crate::capture::camera::{self, CameraSelector, CameraSource, Paced, is_camera};
use crate::capture::video::{Sampling, VideoFile, is_video};
use crate::capture::{CaptureError, Frame, FrameSource, ImageFiles};
use crate::clock::{self, Clock};
use crate::pose::scene::{SAME_SCENE, Thumbnail};
use crate::pose::{BlazePose, ModelChoice, Pose, PoseError, PoseEstimator, PosedFrame};
use crate::replay::LandmarkFile;

/// Seconds between the frames of a burst taken from a recording.
const BURST_SPACING_S: f64 = 0.2;
/// Below this interval the camera stays open between samples: reopening and letting the
/// exposure settle would cost more than it saves.
const KEEP_OPEN_BELOW_S: f64 = 3.0;

/// Why a source gave no frame.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// One capture failed (camera unplugged or busy, a frame lost): logged as a gap, the
    /// source retries.
    #[error(transparent)]
    Capture(#[from] CaptureError),
    /// The input itself is wrong (a malformed landmarks line, the pose model failing): the
    /// audit stops, after closing the session.
    #[error(transparent)]
    Fatal(#[from] Fatal),
}

/// Why a source fails for good.
#[derive(Debug, thiserror::Error)]
pub enum Fatal {
    /// A video that cannot be decoded (it will not get better), or no ffmpeg.
    #[error(transparent)]
    Capture(CaptureError),
    /// The pose model failed.
    #[error(transparent)]
    Pose(#[from] PoseError),
    /// A line of recorded landmarks is malformed.
    #[error(transparent)]
    Line(#[from] crate::replay::BadLine),
}

/// Something that yields posed frames in time order (the pose found now, or recorded).
pub trait PoseSource {
    /// The next frame, or why there is none this time; `None` at the end.
    fn next_posed(&mut self) -> Option<Result<PosedFrame, SourceError>>;

    /// Seconds since a live source started (see [`FrameSource::clock_s`]).
    fn clock_s(&self) -> Option<f64> {
        None
    }

    /// Release the device until the next frame is asked for (the audit pauses).
    fn release(&mut self) {}

    /// The clock a live source runs on, which the session then waits and dates with.
    fn clock(&self) -> Arc<dyn Clock> {
        clock::system()
    }
}

/// Pixels through the pose model. Within a burst the pose is tracked. From one sample to
/// the next it is tracked only while the scene is nearly unchanged (the person has not
/// moved) and the detector has confirmed the person on the last two samples; else the
/// detector looks again — the landmark model alone keeps "seeing" a person on a scene the
/// person has left, and a one-off detection on a cartoon must not become a tracked ghost.
pub struct PosedFrames<S> {
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

impl<S> PosedFrames<S> {
    /// Frames from `frames`, samples `interval` seconds apart, through `pose`.
    pub fn new(frames: S, pose: BlazePose, interval: f64) -> Self {
        PosedFrames { frames, pose, last: None, confirmed: 0, first_of_sample: false, interval }
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
    fn note(&mut self, pose: Option<&Pose>) {
        if self.first_of_sample {
            self.confirmed = match pose {
                Some(p) if !p.tracked => self.confirmed + 1,
                Some(_) => self.confirmed,
                None => 0,
            };
        }
    }
}

impl<S: FrameSource> PoseSource for PosedFrames<S> {
    fn clock_s(&self) -> Option<f64> {
        self.frames.clock_s()
    }

    fn clock(&self) -> Arc<dyn Clock> {
        self.frames.clock()
    }

    fn release(&mut self) {
        self.frames.release();
        // the scene is not known to be the same afterwards: the detector looks again
        self.last = None;
        self.pose.reset();
    }

    fn next_posed(&mut self) -> Option<Result<PosedFrame, SourceError>> {
        let next = self.frames.next_frame()?;
        if let Ok(frame) = &next {
            self.gate(frame);
        }
        Some(match next {
            Ok(frame) => match self.pose.estimate(&frame.image) {
                Ok(pose) => {
                    self.note(pose.as_ref());
                    Ok(PosedFrame::new(&frame, pose.as_ref()))
                }
                Err(e) => Err(Fatal::Pose(e).into()),
            },
            // a video that cannot be decoded will not get better
            Err(e @ (CaptureError::Video { .. } | CaptureError::FfmpegMissing)) => {
                Err(Fatal::Capture(e).into())
            }
            Err(e) => Err(e.into()),
        })
    }
}

/// Recorded landmarks as they are; a malformed line stops the audit.
pub struct RecordedPoses(LandmarkFile);

impl RecordedPoses {
    /// Replay `file`.
    pub fn new(file: LandmarkFile) -> Self {
        RecordedPoses(file)
    }
}

impl PoseSource for RecordedPoses {
    fn next_posed(&mut self) -> Option<Result<PosedFrame, SourceError>> {
        Some(self.0.next()?.map(PosedFrame::from).map_err(|e| Fatal::Line(e).into()))
    }
}

/// What `--source` names: a camera (`camera`, `camera:INDEX`, `camera:NAME`), or a file or
/// folder (any path, UTF-8 or not; checked when the source is made).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceArg {
    /// A camera.
    Camera(CameraSelector),
    /// A video, an image or a folder of images.
    Path(PathBuf),
}

impl SourceArg {
    /// Read a `--source` value: a camera when it says `camera` or starts with `camera:` (a
    /// file may well be called `camera_clip.mp4`), else a path.
    pub fn parse(arg: &std::ffi::OsStr) -> Result<Self, String> {
        match arg.to_str() {
            Some(text) if is_camera(text) => text.parse().map(SourceArg::Camera),
            _ => Ok(SourceArg::Path(PathBuf::from(arg))),
        }
    }
}

/// Where frames come from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// A live camera.
    Camera(CameraSelector),
    /// A video file.
    Video(PathBuf),
    /// Image files or a folder.
    Images(PathBuf),
    /// Recorded landmarks.
    Landmarks(PathBuf),
}

impl Source {
    /// From `--source` (a camera, a video, images; the first camera when absent) and
    /// `--landmarks` (which wins).
    pub fn new(source: Option<&SourceArg>, landmarks: Option<&Path>) -> Result<Self, CaptureError> {
        Ok(match (landmarks, source) {
            (Some(path), _) => Source::Landmarks(path.to_path_buf()),
            (None, None) => Source::Camera(CameraSelector::First),
            (None, Some(SourceArg::Camera(selector))) => Source::Camera(selector.clone()),
            (None, Some(SourceArg::Path(path))) => {
                if !path.exists() {
                    return Err(CaptureError::Missing(path.clone()));
                }
                if is_video(path) { Source::Video(path.clone()) } else { Source::Images(path.clone()) }
            }
        })
    }

    /// How the session names its source.
    pub fn describe(&self) -> String {
        match self {
            Source::Camera(sel) => sel.to_string(),
            Source::Video(p) | Source::Images(p) | Source::Landmarks(p) => p.display().to_string(),
        }
    }

    /// Whether it runs on the wall clock, so that `ergoaudit pause` applies: a camera, or
    /// landmarks streamed through a pipe (a file is a recording, on its own clock).
    pub fn is_live(&self) -> bool {
        match self {
            Source::Camera(_) => true,
            Source::Landmarks(path) => std::fs::metadata(path).is_ok_and(|m| !m.is_file()),
            Source::Video(_) | Source::Images(_) => false,
        }
    }

    /// Whether frames go through the pose model (everything but recorded landmarks).
    pub fn needs_model(&self) -> bool {
        !matches!(self, Source::Landmarks(_))
    }
}

/// How an input is sampled.
#[derive(Clone, Debug)]
pub struct Pacing {
    /// Seconds between samples.
    pub interval_s: f64,
    /// Frames per sample.
    pub burst: usize,
    /// A camera is released after this many seconds; recordings end on their own.
    pub duration_s: Option<f64>,
    /// Set when the audit must stop (a camera waiting between samples wakes up).
    pub stop: Arc<AtomicBool>,
    /// The pause file a camera looks at before each burst (it is not opened while paused).
    pub pause: Option<super::pause::PauseFile>,
    /// The desktop a camera asks before each burst (it is not opened while the screen is
    /// locked, the machine asleep or a microphone taken by a call).
    pub desktop: Arc<dyn crate::desktop::Desktop>,
}

/// Why an input could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The frames cannot be read.
    #[error(transparent)]
    Capture(#[from] CaptureError),
    /// The pose model cannot be loaded.
    #[error(transparent)]
    Pose(#[from] PoseError),
}

impl Source {
    /// The frame source: recorded landmarks as they are, pixels through the pose model
    /// (video in bursts on the recording's clock, a camera in bursts on the wall clock).
    pub fn open(&self, pacing: &Pacing, model: &ModelChoice) -> Result<Box<dyn PoseSource>, OpenError> {
        let burst = pacing.burst.max(1);
        let interval = pacing.interval_s;
        Ok(match self {
            Source::Landmarks(path) => {
                Box::new(RecordedPoses::new(LandmarkFile::open(path)?.stopped_by(&pacing.stop)))
            }
            Source::Video(path) => {
                let sampling = if burst == 1 {
                    Sampling::Samples(interval)
                } else {
                    // bursts repeat exactly when the interval is a whole number of spacings
                    let spacing = interval / (interval / BURST_SPACING_S).ceil();
                    Sampling::Bursts { interval, frames: burst, spacing }
                };
                Box::new(PosedFrames::new(
                    VideoFile::open(path, sampling)?,
                    BlazePose::load(model)?,
                    interval,
                ))
            }
            Source::Images(path) => Box::new(PosedFrames::new(
                ImageFiles::from_inputs(std::slice::from_ref(path))?,
                BlazePose::load(model)?.with_redetect_interval(1),
                interval,
            )),
            Source::Camera(selector) => {
                let camera = CameraSource::new(camera::backend()?, selector, interval < KEEP_OPEN_BELOW_S)?;
                tracing::info!(camera = camera.label(), "camera found");
                let mut frames = Paced::new(
                    camera,
                    burst,
                    Duration::from_secs_f64(interval),
                    pacing.duration_s.map(Duration::from_secs_f64),
                    Arc::clone(&pacing.stop),
                );
                // a pause asked for, a lock, a sleep or a microphone taken by a call while the
                // camera waited for its next sample
                let (file, desktop, clock) =
                    (pacing.pause.clone(), Arc::clone(&pacing.desktop), frames.clock());
                frames = frames.with_hold(move || {
                    desktop.state().holds_camera()
                        || file.as_ref().is_some_and(|f| f.active(clock.wall()).is_ok_and(|p| p.is_some()))
                });
                Box::new(PosedFrames::new(frames, BlazePose::load(model)?, interval))
            }
        })
    }
}

/// Run the pose model over image files, folders of images and videos (`fps` frames per
/// second of video), in the order given, every frame on its own (MediaPipe's static mode),
/// calling `each` with every frame and its pose or with the error of a file that could not be
/// read (the others go on). Missing paths and empty folders fail before the model is loaded;
/// a video that cannot be decoded stops it.
pub fn each_frame<E: From<OpenError>>(
    inputs: &[PathBuf],
    model: &ModelChoice,
    fps: f64,
    mut each: impl FnMut(Result<(&Frame, PosedFrame), CaptureError>) -> Result<(), E>,
) -> Result<(), E> {
    let (videos, stills): (Vec<&PathBuf>, Vec<&PathBuf>) = inputs.iter().partition(|p| is_video(p));
    if let Some(missing) = videos.iter().find(|p| !p.is_file()) {
        return Err(OpenError::from(CaptureError::Missing(missing.to_path_buf())).into());
    }
    let stills: Vec<PathBuf> = stills.into_iter().cloned().collect();
    if !stills.is_empty() {
        ImageFiles::from_inputs(&stills).map_err(OpenError::from)?;
    }
    let started = std::time::Instant::now();
    // the frames are unrelated: every one goes through the detector
    let mut still_model = BlazePose::load(model).map_err(OpenError::from)?.with_redetect_interval(1);
    tracing::info!(model = %model, ms = started.elapsed().as_millis(), "pose models loaded");
    for input in inputs {
        // video frames are sampled far apart: each is analysed on its own, like a still
        // (MediaPipe's static mode, which the reference landmarks come from)
        let mut frames: Box<dyn FrameSource> = if is_video(input) {
            Box::new(VideoFile::open(input, Sampling::Every(1.0 / fps)).map_err(OpenError::from)?)
        } else {
            Box::new(ImageFiles::from_inputs(std::slice::from_ref(input)).map_err(OpenError::from)?)
        };
        while let Some(frame) = frames.next_frame() {
            match frame {
                Ok(frame) => {
                    let pose = still_model.estimate(&frame.image).map_err(OpenError::from)?;
                    let posed = PosedFrame::new(&frame, pose.as_ref());
                    each(Ok((&frame, posed)))?;
                }
                Err(err @ CaptureError::Video { .. }) => return Err(OpenError::from(err).into()),
                Err(err) => each(Err(err))?,
            }
        }
    }
    Ok(())
}
