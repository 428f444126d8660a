//! Live webcams through nokhwa (V4L2 on Linux, AVFoundation on macOS, Media Foundation
//! on Windows), behind a [`Backend`] so that the same code runs against a scripted camera
//! in tests. The camera is owned by a capture thread and waited for with a deadline (nokhwa
//! sets none, so a camera that stops sending would hang the audit); ergoaudit chooses the
//! mode itself, decodes the frames itself (a corrupt MJPEG frame is skipped, not fatal),
//! warms up until the exposure settles, drops frames left over from before a burst, and
//! looks a lost camera up again by name. In audit mode the camera is opened for a burst and
//! released after it, so the LED goes off and other programs can use it.

use std::collections::VecDeque;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Once, mpsc};
use std::time::{Duration, SystemTime};

use image::RgbImage;
use nokhwa::utils::{CameraFormat, RequestedFormat, RequestedFormatType};
use nokhwa::{Camera, NokhwaError};

use super::frame::{CaptureError, Frame, FrameSource};
use crate::clock::{Clock, Participant};

pub mod backend;
pub mod decode;
pub mod format;
pub mod scripted;

pub use backend::{Backend, Device, Native, Permission};

/// Environment variable naming a scripted camera (tests; see [`scripted`]) to use instead
/// of the system's cameras.
pub const SCRIPT_VAR: &str = "ERGOAUDIT_CAMERA_SCRIPT";

/// Where cameras come from: the system's, or the scripted camera [`SCRIPT_VAR`] names.
pub fn backend() -> Result<Arc<dyn Backend>, CaptureError> {
    Ok(match std::env::var_os(SCRIPT_VAR) {
        Some(path) => Arc::new(scripted::Scripted::load(std::path::Path::new(&path))?),
        None => Arc::new(Native),
    })
}

/// True when a `--source` value names a camera (`camera` or `camera:…`) rather than a file
/// (a file may well be called `camera_clip.mp4`).
pub fn is_camera(source: &str) -> bool {
    source == "camera" || source.starts_with("camera:")
}

/// Which camera: `camera` (the first), `camera:INDEX` or `camera:NAME` (a part of its name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CameraSelector {
    /// The first camera.
    First,
    /// By index, as `ergoaudit cameras` lists them.
    Index(u32),
    /// By (part of) its name, case-insensitive.
    Name(String),
}

impl FromStr for CameraSelector {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.strip_prefix("camera") {
            Some("") => Ok(CameraSelector::First),
            Some(rest) => match rest.strip_prefix(':') {
                Some(sel) if !sel.is_empty() => Ok(sel
                    .parse()
                    .map_or_else(|_| CameraSelector::Name(sel.to_owned()), CameraSelector::Index)),
                _ => Err(format!("`{s}`: write camera, camera:INDEX or camera:NAME")),
            },
            None => Err(format!("`{s}` is not a camera")),
        }
    }
}

impl fmt::Display for CameraSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CameraSelector::First => f.write_str("camera"),
            CameraSelector::Index(i) => write!(f, "camera:{i}"),
            CameraSelector::Name(n) => write!(f, "camera:{n}"),
        }
    }
}

/// A camera ergoaudit can use, as `ergoaudit cameras` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CameraInfo {
    /// Index to pass as `camera:INDEX`.
    pub index: u32,
    /// Human name.
    pub name: String,
    /// Where it is (the device path on Linux).
    pub path: String,
    /// The modes it offers (empty when it could not be asked, e.g. busy).
    pub formats: Vec<CameraFormat>,
    /// The mode ergoaudit would use.
    pub chosen: Option<CameraFormat>,
    /// Why its modes are unknown, when they are.
    pub problem: Option<String>,
}

/// The cameras `backend` offers, by index: nodes that capture video and offer at least one
/// mode ergoaudit decodes (a camera that could not be asked, e.g. because it is busy, is
/// listed with the reason). Asking opens each camera briefly, without streaming. Where
/// the system asks the user for permission first (macOS), this waits for the answer.
pub fn list(backend: &dyn Backend) -> Result<Vec<CameraInfo>, CaptureError> {
    match backend.permission(PERMISSION_WAIT) {
        Permission::Granted => {}
        Permission::Denied => {
            return Err(CaptureError::CameraDenied { device: "cameras".into(), fix: DENIED_FIX });
        }
        Permission::Unanswered => return Err(CaptureError::CameraUnanswered),
    }
    let mut devices = backend
        .devices()
        .map_err(|e| CaptureError::Camera { device: "(listing)".into(), detail: e.to_string() })?;
    devices.sort_by_key(|d| d.index);
    let mut cameras = Vec::new();
    for device in devices {
        if !device.capture {
            tracing::debug!(path = device.path, "not a capture node (metadata?), skipped");
            continue;
        }
        let asked = backend.open(device.index, None).and_then(|mut c| c.compatible_camera_formats());
        let (formats, problem) = match asked {
            Ok(formats) => (formats, None),
            Err(e) => match classify(&device.name, &e) {
                e @ (CaptureError::CameraBusy(_) | CaptureError::CameraDenied { .. }) => {
                    (Vec::new(), Some(e.to_string()))
                }
                _ => {
                    tracing::debug!(path = device.path, error = %e, "no usable mode, skipped");
                    continue;
                }
            },
        };
        let chosen = format::choose(&formats);
        if chosen.is_none() && problem.is_none() {
            tracing::debug!(path = device.path, "no mode ergoaudit decodes, skipped");
            continue;
        }
        let (name, path) = (printable(&device.name), printable(&device.path));
        cameras.push(CameraInfo { index: device.index, name, path, formats, chosen, problem });
    }
    Ok(cameras)
}

/// A device's name or path fit for a terminal or a log line (a driver names its device as
/// it likes): at most 200 characters, escaped by [`crate::escape::terminal`].
pub fn printable(text: &str) -> String {
    crate::escape::terminal(&text.chars().take(200).collect::<String>()).into_owned()
}

/// Turn a nokhwa error into what it means for the user. nokhwa passes the system's text
/// through: errno on Linux, HRESULTs (hex or signed decimal) on Windows.
pub fn classify(device: &str, e: &NokhwaError) -> CaptureError {
    const BUSY: [&str; 9] = [
        "busy",
        "os error 16",
        "0xc00d3704", // MF_E_HW_MFT_FAILED_START_STREAMING: another app holds the camera
        "-1072875772",
        "0xc00d3ea3", // MF_E_VIDEO_RECORDING_DEVICE_PREEMPTED
        "-1072873821",
        "0x80070020", // ERROR_SHARING_VIOLATION
        "-2147024864",
        "lack of hardware resources",
    ];
    const GONE: [&str; 5] =
        ["no such device", "os error 19", "0xc00d3ea2", "-1072873822", "device is not connected"];
    const DENIED: [&str; 5] =
        ["permission denied", "os error 13", "0x80070005", "-2147024891", "access is denied"];
    let text = e.to_string();
    let lower = text.to_lowercase();
    let device = device.to_owned();
    if BUSY.iter().any(|k| lower.contains(k)) {
        CaptureError::CameraBusy(device)
    } else if GONE.iter().any(|k| lower.contains(k)) {
        CaptureError::CameraGone(device)
    } else if DENIED.iter().any(|k| lower.contains(k)) {
        CaptureError::CameraDenied { device, fix: DENIED_FIX }
    } else {
        CaptureError::Camera { device, detail: text }
    }
}

/// How to grant camera access on this system.
const DENIED_FIX: &str = if cfg!(target_os = "macos") {
    "allow it in System Settings › Privacy & Security › Camera for ergoaudit or its terminal"
} else if cfg!(target_os = "windows") {
    "allow desktop apps to use the camera in Settings › Privacy & security › Camera"
} else {
    "add yourself to the `video` group (sudo usermod -aG video $USER) and log in again"
};

/// How long the user has to answer the camera permission prompt (macOS).
pub const PERMISSION_WAIT: Duration = Duration::from_secs(60);
/// Longest wait for a camera to open and start streaming.
pub const OPEN_TIMEOUT: Duration = Duration::from_secs(3);
/// Longest warm-up after opening: auto-exposure has usually settled well before.
pub const WARMUP_MAX: Duration = Duration::from_secs(2);
/// Warm-up ends when the mean brightness of two frames in a row differs by less than this
/// (fraction of full scale).
pub const SETTLED: f64 = 0.01;
/// Longest wait for one frame (a webcam in dim light still sends 5 a second).
pub const FRAME_TIMEOUT: Duration = Duration::from_secs(1);
/// Unreadable frames tolerated in one burst beyond the frames asked for.
pub const MAX_BAD_FRAMES: usize = 8;
/// Buffers the driver may hold from before a burst (nokhwa's V4L2 stream has four).
pub const STREAM_BUFFERS: usize = 4;
/// How often the caller looks for the capture thread's reply (and at its deadline).
pub const REPLY_POLL: Duration = Duration::from_millis(20);

/// What happened while taking a burst.
#[derive(Clone, Debug, PartialEq)]
pub struct BurstReport {
    /// The mode used.
    pub format: CameraFormat,
    /// Whether the camera was opened for it (not kept open from the last burst).
    pub opened: bool,
    /// Frames read while the exposure settled.
    pub warmup_frames: usize,
    /// How long that took, seconds.
    pub warmup_s: f64,
    /// Mean brightness of the frames kept, 0 (black) to 1 (white).
    pub brightness: f64,
    /// Unreadable frames skipped (corrupt, cut short).
    pub bad_frames: usize,
    /// Frames skipped because they were taken before the burst was asked for.
    pub stale_frames: usize,
}

/// Frames of one burst and how they were taken.
#[derive(Debug)]
pub struct Burst {
    /// The frames.
    pub frames: Vec<Frame>,
    /// What happened.
    pub report: BurstReport,
}

struct Request {
    index: u32,
    label: String,
    format: Option<CameraFormat>,
    frames: usize,
    keep_open: bool,
    since: SystemTime,
    /// The capture thread's part in the clock while it serves this request (given before
    /// the request is sent, so that simulated time cannot pass before the thread starts).
    _part: Participant,
}

type Taken = (Vec<RgbImage>, BurstReport);

/// What the capture thread is asked to do.
enum Job {
    /// Take a burst.
    Burst(Request),
    /// Close the camera (its part in the clock held until it is closed).
    Close(Participant),
}

/// What it answers.
enum Reply {
    /// The burst, or why there is none.
    Burst(Result<Taken, CaptureError>),
    /// The camera is closed.
    Closed,
}

/// The thread that owns the camera (nokhwa's `Camera` cannot move between threads), so
/// the caller can stop waiting for a camera that hangs.
struct Worker {
    jobs: mpsc::Sender<Job>,
    replies: mpsc::Receiver<Reply>,
    open: bool,
    thread: std::thread::JoinHandle<()>,
}

/// The capture thread's name; a panic inside nokhwa there is logged, not printed.
const THREAD_NAME: &str = "ergoaudit-camera";

fn quiet_camera_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() == Some(THREAD_NAME) {
                tracing::warn!("camera driver failed: {info}");
            } else {
                previous(info);
            }
        }));
    });
}

/// Drop the camera; nokhwa's `Camera` panics in `drop` when stopping the stream fails.
fn close(camera: &mut Option<(Camera, CameraFormat)>) {
    let _ = catch_unwind(AssertUnwindSafe(|| drop(camera.take())));
}

impl Worker {
    fn spawn(backend: Arc<dyn Backend>) -> Result<Self, CaptureError> {
        quiet_camera_panics();
        let (jobs, inbox) = mpsc::channel::<Job>();
        let (outbox, replies) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name(THREAD_NAME.into())
            .spawn(move || {
                let mut camera: Option<(Camera, CameraFormat)> = None;
                for job in inbox {
                    let request = match job {
                        Job::Burst(request) => request,
                        Job::Close(_part) => {
                            close(&mut camera);
                            let _ = outbox.send(Reply::Closed);
                            continue;
                        }
                    };
                    let served =
                        catch_unwind(AssertUnwindSafe(|| serve(backend.as_ref(), &mut camera, &request)));
                    let reply = served.unwrap_or_else(|_| {
                        Err(CaptureError::Camera {
                            device: request.label.clone(),
                            detail: "the camera driver failed; retrying".into(),
                        })
                    });
                    if reply.is_err() || !request.keep_open {
                        close(&mut camera);
                    }
                    if outbox.send(Reply::Burst(reply)).is_err() {
                        // nobody waits any more (the caller gave up on a stalled read): let
                        // go of the device while the request's part in the clock still holds
                        close(&mut camera);
                        break;
                    }
                }
                close(&mut camera);
            })
            .map_err(|e| CaptureError::Camera { device: "(capture thread)".into(), detail: e.to_string() })?;
        Ok(Worker { jobs, replies, open: false, thread })
    }

    /// Send `job` and wait on `clock` for the reply: the capture thread goes first (on a
    /// simulated clock, until it waits), then it is looked at every [`REPLY_POLL`] until
    /// `deadline` has passed or `stop` says so.
    fn ask(&self, job: Job, clock: &dyn Clock, deadline: Duration, stop: impl Fn() -> bool) -> Answer {
        if self.jobs.send(job).is_err() {
            return Answer::Gone;
        }
        let asked = clock.now();
        clock.sleep(Duration::ZERO);
        loop {
            match self.replies.try_recv() {
                Ok(reply) => return Answer::Reply(reply),
                Err(mpsc::TryRecvError::Disconnected) => return Answer::Gone,
                Err(mpsc::TryRecvError::Empty) => {
                    let waited = clock.now() - asked;
                    if stop() || waited >= deadline {
                        return Answer::Waited(waited);
                    }
                    clock.sleep(REPLY_POLL);
                }
            }
        }
    }

    /// Close the camera and wait (at most [`OPEN_TIMEOUT`]) until it is, so that the next
    /// open does not find it still held; the thread ends with this worker.
    fn close(self, clock: &dyn Clock) {
        let _ = self.ask(Job::Close(clock.take_part()), clock, OPEN_TIMEOUT, || false);
    }
}

/// What came of asking the capture thread.
enum Answer {
    /// Its reply.
    Reply(Reply),
    /// The thread has ended.
    Gone,
    /// No reply within the deadline (or a stop was asked for): how long it was waited for.
    Waited(Duration),
}

/// Open (if needed), warm up and read one burst; runs on the capture thread.
fn serve(
    backend: &dyn Backend,
    slot: &mut Option<(Camera, CameraFormat)>,
    request: &Request,
) -> Result<Taken, CaptureError> {
    let fail = |e: NokhwaError| classify(&request.label, &e);
    let clock = backend.clock();
    let opened = slot.is_none();
    let (mut warmup_frames, mut warmup_s, mut bad_frames) = (0, 0.0, 0);
    if opened {
        let mut camera = backend.open(request.index, request.format).map_err(fail)?;
        let format = match request.format {
            Some(f) => f,
            None => {
                let offered = camera.compatible_camera_formats().map_err(fail)?;
                let chosen = format::choose(&offered).ok_or_else(|| CaptureError::Camera {
                    device: request.label.clone(),
                    detail: "offers no mode ergoaudit can decode (MJPEG, YUYV, NV12, RGB, grey)".into(),
                })?;
                if camera.camera_format() != chosen {
                    let exact =
                        RequestedFormat::with_formats(RequestedFormatType::Exact(chosen), &decode::DECODABLE);
                    camera.set_camera_requset(exact).map_err(fail)?;
                }
                chosen
            }
        };
        camera.open_stream().map_err(fail)?;
        // read until the exposure settles: two frames in a row of the same brightness
        let started = clock.now();
        let mut previous: Option<f64> = None;
        while clock.now() - started < WARMUP_MAX {
            let buffer = camera.frame().map_err(fail)?;
            warmup_frames += 1;
            match decode::decode(buffer.buffer(), buffer.source_frame_format(), buffer.resolution()) {
                Ok(image) => {
                    let b = decode::brightness(&image);
                    if previous.is_some_and(|p| (b - p).abs() < SETTLED) {
                        break;
                    }
                    previous = Some(b);
                }
                Err(_) => bad_frames += 1,
            }
        }
        warmup_s = (clock.now() - started).as_secs_f64();
        *slot = Some((camera, format));
    }
    let (camera, format) = slot.as_mut().expect("opened above");
    let period = Duration::from_secs_f64(1.0 / f64::from(camera.frame_rate().max(1)));
    let mut images = Vec::with_capacity(request.frames);
    let mut stale_frames = 0;
    while images.len() < request.frames {
        if bad_frames > request.frames + MAX_BAD_FRAMES {
            return Err(CaptureError::CameraFrames { device: request.label.clone(), bad: bad_frames });
        }
        let asked = clock.now();
        let buffer = camera.frame().map_err(fail)?;
        let taken = buffer.capture_timestamp().map(|d| SystemTime::UNIX_EPOCH + d);
        // frames the driver held from before the burst come out first: by their timestamp,
        // or (without one) by arriving at once from a camera kept open
        let stale = match taken {
            Some(t) => t < request.since,
            None => !opened && clock.now() - asked < period / 4,
        };
        if stale && stale_frames < STREAM_BUFFERS {
            stale_frames += 1;
            continue;
        }
        match decode::decode(buffer.buffer(), buffer.source_frame_format(), buffer.resolution()) {
            Ok(image) => images.push(image),
            Err(e) => {
                tracing::debug!(camera = request.label, error = %e, "unreadable frame skipped");
                bad_frames += 1;
            }
        }
    }
    let brightness = images.iter().map(decode::brightness).sum::<f64>() / images.len().max(1) as f64;
    let report = BurstReport {
        format: *format,
        opened,
        warmup_frames,
        warmup_s,
        brightness,
        bad_frames,
        stale_frames,
    };
    Ok((images, report))
}

/// A webcam, opened for each burst of frames on a capture thread with a deadline.
/// A camera that is unplugged is looked up again by name at the next burst.
pub struct CameraSource {
    backend: Arc<dyn Backend>,
    selector: CameraSelector,
    /// The device's index; `None` once it is lost, until it is found again.
    device: Option<u32>,
    /// Its name (empty until found).
    label: String,
    format: Option<CameraFormat>,
    worker: Option<Worker>,
    keep_open: bool,
    clock: Arc<dyn Clock>,
    /// When it was made, on its clock.
    started: Duration,
    frames: u64,
    stop: Option<Arc<AtomicBool>>,
    /// The capture thread left to a read that stalled: it holds the device until the driver
    /// returns, so the device is busy meanwhile — with ergoaudit, not with another program.
    stalled: Option<std::thread::JoinHandle<()>>,
}

impl CameraSource {
    /// Find the camera `selector` names among `backend`'s (see [`list`]). `keep_open` keeps the device open between bursts
    /// (for short intervals, where reopening and settling would cost more than it saves).
    pub fn new(
        backend: Arc<dyn Backend>,
        selector: &CameraSelector,
        keep_open: bool,
    ) -> Result<Self, CaptureError> {
        let clock = backend.clock();
        let mut source = CameraSource {
            started: clock.now(),
            clock,
            backend,
            selector: selector.clone(),
            device: None,
            label: String::new(),
            format: None,
            worker: None,
            keep_open,
            frames: 0,
            stop: None,
            stalled: None,
        };
        source.find()?;
        Ok(source)
    }

    /// Stop waiting for the camera when `stop` is set.
    pub fn with_stop(mut self, stop: Arc<AtomicBool>) -> Self {
        self.stop = Some(stop);
        self
    }

    /// The camera's name.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The clock it runs on (its backend's).
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Resolve the selector (or, after a loss, the camera's name) to a device.
    fn find(&mut self) -> Result<u32, CaptureError> {
        let cameras = list(self.backend.as_ref())?;
        let known = !self.label.is_empty();
        let chosen = match &self.selector {
            _ if known => cameras.iter().find(|c| c.name == self.label),
            CameraSelector::First => cameras.first(),
            CameraSelector::Index(i) => cameras.iter().find(|c| c.index == *i),
            CameraSelector::Name(n) => {
                cameras.iter().find(|c| c.name.to_lowercase().contains(&n.to_lowercase()))
            }
        };
        let Some(camera) = chosen else {
            return Err(match (known, cameras.is_empty()) {
                (true, _) => CaptureError::CameraGone(self.label.clone()),
                (false, true) => CaptureError::NoCamera,
                (false, false) => CaptureError::Camera {
                    device: self.selector.to_string(),
                    detail: "no such camera; `ergoaudit cameras` lists them".into(),
                },
            });
        };
        if known {
            tracing::info!(camera = camera.name, index = camera.index, "camera found again");
        }
        self.device = Some(camera.index);
        self.label = camera.name.clone();
        // ask for the mode chosen from the listing at once, rather than re-negotiating
        self.format = camera.chosen;
        Ok(camera.index)
    }

    /// Close the device if it is kept open, waiting until it is (the capture thread ends
    /// with it); the next burst opens it again.
    pub fn release(&mut self) {
        if let Some(worker) = self.worker.take() {
            worker.close(self.clock.as_ref());
        }
    }

    /// Seconds since the source was made (the clock of its frames' `t_s`).
    pub fn elapsed_s(&self) -> f64 {
        (self.clock.now() - self.started).as_secs_f64()
    }

    /// Capture `frames` frames; the camera is released afterwards unless it is kept open.
    pub fn burst(&mut self, frames: usize) -> Result<Burst, CaptureError> {
        let result = self.try_burst(frames.max(1));
        match &result {
            Err(CaptureError::CameraGone(_)) => {
                // look for it again (perhaps under another index) next time
                self.device = None;
                self.worker = None;
                self.format = None;
            }
            Err(CaptureError::CameraBusy(_) | CaptureError::CameraStalled { .. }) | Ok(_) => {}
            Err(_) => self.format = None,
        }
        if self.stalled.as_ref().is_some_and(std::thread::JoinHandle::is_finished) {
            self.stalled = None;
        }
        match result {
            // busy with our own stalled read, not with another program's call
            Err(CaptureError::CameraBusy(device)) if self.stalled.is_some() => {
                Err(CaptureError::CameraHeldByStall(device))
            }
            result => result,
        }
    }

    fn try_burst(&mut self, frames: usize) -> Result<Burst, CaptureError> {
        let index = match self.device {
            Some(index) => index,
            // after a loss the device may have come back under another index
            None => self.find()?,
        };
        let worker = match &mut self.worker {
            Some(w) => w,
            None => self.worker.insert(Worker::spawn(Arc::clone(&self.backend))?),
        };
        let request = Request {
            index,
            label: self.label.clone(),
            format: self.format,
            frames,
            keep_open: self.keep_open,
            since: SystemTime::from(self.clock.wall()),
            _part: self.clock.take_part(),
        };
        let mut deadline = FRAME_TIMEOUT * (frames + STREAM_BUFFERS) as u32;
        if !worker.open {
            deadline += OPEN_TIMEOUT + WARMUP_MAX;
        }
        let stop = self.stop.clone();
        let stopping = move || stop.as_ref().is_some_and(|s| s.load(Ordering::Relaxed));
        let reply = match worker.ask(Job::Burst(request), self.clock.as_ref(), deadline, stopping) {
            Answer::Reply(Reply::Burst(reply)) => reply,
            // a close is asked for only by `release`, which lets go of the worker with it
            Answer::Reply(Reply::Closed) | Answer::Gone => {
                self.worker = None;
                return Err(CaptureError::Camera {
                    device: self.label.clone(),
                    detail: "the capture thread ended".into(),
                });
            }
            Answer::Waited(waited) => {
                // leave the thread to its fate: it ends when the driver returns
                self.stalled = self.worker.take().map(|w| w.thread);
                return Err(CaptureError::CameraStalled {
                    device: self.label.clone(),
                    waited_s: waited.as_secs_f64(),
                });
            }
        };
        let (images, report) = match reply {
            Ok(taken) => taken,
            Err(e) => {
                worker.open = false;
                return Err(e);
            }
        };
        worker.open = self.keep_open;
        self.format = Some(report.format);
        let t_s = self.elapsed_s();
        let frames = images
            .into_iter()
            .map(|image| {
                self.frames += 1;
                Frame { image, source: self.label.clone(), index: self.frames, t_s: Some(t_s) }
            })
            .collect();
        Ok(Burst { frames, report })
    }
}

/// A camera sampled on the wall clock: a burst every interval (the camera released in
/// between unless kept open), a busy camera skipped until the next sample, other failures
/// retried after a growing wait.
pub struct Paced {
    camera: CameraSource,
    burst: usize,
    interval: Duration,
    until: Option<Duration>,
    /// When the next burst is due, on the camera's clock.
    next_at: Duration,
    /// When pacing began, on the camera's clock.
    started: Duration,
    backoff: Duration,
    queue: VecDeque<Frame>,
    stop: Arc<AtomicBool>,
    /// Asked before each burst: while it says so, no burst is taken.
    hold: Option<Box<dyn Fn() -> bool + Send>>,
}

/// Longest wait between retries of a failing camera.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);

impl Paced {
    /// Bursts of `burst` frames from `camera` every `interval`, for `until` (or until
    /// `stop` is set).
    pub fn new(
        camera: CameraSource,
        burst: usize,
        interval: Duration,
        until: Option<Duration>,
        stop: Arc<AtomicBool>,
    ) -> Self {
        let now = camera.clock.now();
        Paced {
            camera: camera.with_stop(Arc::clone(&stop)),
            burst: burst.max(1),
            interval,
            until,
            next_at: now,
            started: now,
            backoff: Duration::from_secs(1),
            queue: VecDeque::new(),
            stop,
            hold: None,
        }
    }

    /// Ask `hold` before each burst: while it says so, no burst is taken (the camera is not
    /// opened) and [`CaptureError::Paused`] stands for the frame; the burst is taken as soon
    /// as it no longer does.
    pub fn with_hold(mut self, hold: impl Fn() -> bool + Send + 'static) -> Self {
        self.hold = Some(Box::new(hold));
        self
    }

    /// Sleep until `until` on the camera's clock, waking for a stop request or the end.
    /// False when it is time to end.
    fn sleep_until(&self, until: Duration) -> bool {
        let clock = &self.camera.clock;
        let end = self.until.map(|d| self.started + d);
        loop {
            let now = clock.now();
            if self.stop.load(Ordering::Relaxed) || end.is_some_and(|e| now >= e) {
                return false;
            }
            if now >= until {
                return true;
            }
            clock.sleep((until - now).min(Duration::from_millis(100)));
        }
    }
}

impl FrameSource for Paced {
    fn clock_s(&self) -> Option<f64> {
        Some(self.camera.elapsed_s())
    }

    fn clock(&self) -> Arc<dyn Clock> {
        Arc::clone(&self.camera.clock)
    }

    fn release(&mut self) {
        self.queue.clear();
        self.camera.release();
    }

    fn next_frame(&mut self) -> Option<Result<Frame, CaptureError>> {
        if let Some(f) = self.queue.pop_front() {
            return Some(Ok(f));
        }
        if !self.sleep_until(self.next_at) {
            return None;
        }
        if self.hold.as_ref().is_some_and(|hold| hold()) {
            return Some(Err(CaptureError::Paused));
        }
        let now = self.camera.clock.now();
        match self.camera.burst(self.burst) {
            Ok(burst) => {
                let r = &burst.report;
                if r.bad_frames > 0 {
                    tracing::info!(bad = r.bad_frames, "unreadable frames skipped");
                }
                tracing::debug!(report = ?r, "burst taken");
                self.backoff = Duration::from_secs(1);
                self.next_at = (self.next_at + self.interval).max(now);
                self.queue.extend(burst.frames);
                self.queue.pop_front().map(Ok)
            }
            Err(_) if self.stop.load(Ordering::Relaxed) => None,
            Err(e @ (CaptureError::CameraBusy(_) | CaptureError::CameraHeldByStall(_))) => {
                // in use by a call (or by our own stalled read): skip this sample, try at the
                // next one
                self.next_at = now + self.interval;
                Some(Err(e))
            }
            Err(e) => {
                self.next_at = now + self.backoff;
                self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_parse() {
        assert_eq!("camera".parse(), Ok(CameraSelector::First));
        assert_eq!("camera:2".parse(), Ok(CameraSelector::Index(2)));
        assert_eq!("camera:Logitech C920".parse(), Ok(CameraSelector::Name("Logitech C920".into())));
        assert!("camera:".parse::<CameraSelector>().is_err());
        assert!("video.mp4".parse::<CameraSelector>().is_err());
        assert!(is_camera("camera") && is_camera("camera:1") && !is_camera("camera_clip.mp4"));
        for text in ["camera", "camera:2", "camera:Logitech C920"] {
            assert_eq!(text.parse::<CameraSelector>().unwrap().to_string(), text);
        }
    }

    #[test]
    fn system_errors_are_classified() {
        let open = |text: &str| classify("cam", &NokhwaError::OpenDeviceError("0".into(), text.into()));
        assert!(matches!(open("Device or resource busy (os error 16)"), CaptureError::CameraBusy(_)));
        // Media Foundation's HRESULTs, as hex or signed decimal
        assert!(matches!(open("Error: HRESULT(0xC00D3704)"), CaptureError::CameraBusy(_)));
        assert!(matches!(open("failed: -1072873821"), CaptureError::CameraBusy(_)));
        assert!(matches!(open("No such device (os error 19)"), CaptureError::CameraGone(_)));
        assert!(matches!(open("0xC00D3EA2"), CaptureError::CameraGone(_)));
        let denied = open("Permission denied (os error 13)");
        assert!(matches!(denied, CaptureError::CameraDenied { .. }));
        assert!(denied.to_string().contains("video"), "{denied}");
        assert!(matches!(open("Invalid argument (os error 22)"), CaptureError::Camera { .. }));
    }

    #[test]
    fn device_names_are_made_printable() {
        assert_eq!(printable("Cam\n\u{1b}[31mred"), "Cam\\n\\u{1b}[31mred");
        assert_eq!(printable(&"x".repeat(500)).len(), 200);
    }
}
