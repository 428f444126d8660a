//! A scripted camera backend: the real capture code (format choice, warm-up, decoding, the
//! capture thread's deadline, re-lookup after an unplug) driven without a camera. It plays
//! what a webcam does, from a JSON script: device nodes (including a UVC metadata node),
//! the modes each offers, a photo served in each mode's pixel format, a V4L2-like ring of
//! four buffers filled at the mode's frame rate (so frames left queued between bursts come
//! out stale, oldest first), an auto-exposure ramp after each stream start, and faults in
//! the order scripted.
//!
//! The `ergoaudit` binary uses it when `ERGOAUDIT_CAMERA_SCRIPT` names a script, which is how
//! the tests run `audit`, `calibrate` and `cameras` end to end. A script:
//!
//! ```json
//! {"devices": [
//!   {"index": 0, "name": "Integrated Camera", "capture": false},
//!   {"index": 1, "name": "Integrated Camera", "image": "person.jpg",
//!    "formats": ["1280x720 MJPEG 60", "640x480 MJPEG 30", "640x480 YUYV 30"],
//!    "exposure_frames": 4, "opens": ["busy", "ok"],
//!    "frames": ["ok*10", "zeros", "truncated", "two_soi", "stall", "ok*5", "unplug"],
//!    "stall_s": 8, "away_s": 2, "return_index": 3}
//! ]}
//! ```
//!
//! `opens` is what each open of the device does in turn (`ok`, `busy`, `gone`, `denied`);
//! `frames` what each frame read does (`ok`, `zeros`: a zero-filled buffer, `truncated`:
//! the first half of the frame, `two_soi`: an MJPEG frame with a second start marker,
//! `stall`: no frame for `stall_s` seconds, `error`: an I/O error, `unplug`: the device
//! vanishes for `away_s` seconds and comes back as `return_index`). `EVENT*N` repeats an
//! event; after the list, every open and every read succeeds. Paths are relative to the
//! script; the script is at most 1 MB, with at most 32 devices, 8 distinct images (each
//! loaded once, however many devices show it), 64 modes and a 256-character name per device,
//! and 100,000 events per list.
//!
//! A scripted camera runs on a [`SimulatedClock`] (`"clock": "simulated"`, the default), and
//! so does the audit that uses it: its frame rate, stalls and unplugs, the capture thread's
//! deadlines and the audit's pacing all take simulated time, which passes only while every
//! one of them waits — a 16-second script gives the same result however busy the machine
//! is, in the time its computing takes. `"clock": "system"` plays it in real time.

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use image::RgbImage;
use nokhwa::utils::{
    ApiBackend, CameraControl, CameraFormat, CameraIndex, CameraInfo, ControlValueSetter, FrameFormat,
    KnownCameraControl, Resolution,
};
use nokhwa::{Buffer, Camera, NokhwaError, camera_traits::CaptureBackendTrait};
use serde::Deserialize;

use super::backend::{Backend, Device, Permission};
use super::decode;
use crate::capture::CaptureError;
use crate::clock::{self, Clock, SimulatedClock};

/// Buffers in the simulated driver's ring (nokhwa's V4L2 stream uses four).
pub const RING_BUFFERS: usize = 4;

const NO_DEVICE: &str = "No such device (os error 19)";
const BUSY: &str = "Device or resource busy (os error 16)";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Script {
    devices: Vec<DeviceScript>,
    #[serde(default)]
    clock: ClockKind,
}

/// The clock a script plays on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    /// Simulated time (see the module documentation).
    #[default]
    Simulated,
    /// Real time.
    System,
}

/// One device of a script (see the module documentation).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceScript {
    /// Index it is listed under.
    pub index: u32,
    /// Human name.
    pub name: String,
    /// Whether it captures video (false: a metadata node).
    #[serde(default = "yes")]
    pub capture: bool,
    /// Modes offered, as `WIDTHxHEIGHT FORMAT FPS`.
    #[serde(default)]
    pub formats: Vec<String>,
    /// The photo served (a mid-grey frame without one).
    #[serde(default)]
    pub image: Option<PathBuf>,
    /// Whether frames carry capture timestamps (V4L2's do).
    #[serde(default = "yes")]
    pub timestamps: bool,
    /// Frames after each stream start during which the exposure ramps up from dark.
    #[serde(default)]
    pub exposure_frames: u32,
    /// What each open does, in turn.
    #[serde(default)]
    pub opens: Vec<String>,
    /// What each frame read does, in turn.
    #[serde(default)]
    pub frames: Vec<String>,
    /// How long a `stall` lasts, seconds.
    #[serde(default = "ten")]
    pub stall_s: f64,
    /// How long an `unplug` lasts, seconds.
    #[serde(default = "one")]
    pub away_s: f64,
    /// The index the device returns under after an unplug (the same without one).
    #[serde(default)]
    pub return_index: Option<u32>,
}

fn yes() -> bool {
    true
}
fn ten() -> f64 {
    10.0
}
fn one() -> f64 {
    1.0
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OpenEvent {
    Ok,
    Busy,
    Gone,
    Denied,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FrameEvent {
    Ok,
    Zeros,
    Truncated,
    TwoSoi,
    Stall,
    Error,
    Unplug,
}

/// Most events a device's `opens` or `frames` may expand to.
const MAX_EVENTS: usize = 100_000;
/// Most devices a script may have.
const MAX_DEVICES: usize = 32;
/// Most distinct images a script may load (each device's is loaded once, shared).
const MAX_IMAGES: usize = 8;
/// Most modes a device may offer.
const MAX_MODES: usize = 64;
/// Longest device name, characters.
const MAX_NAME: usize = 256;

fn expand<T: Copy>(events: &[String], parse: impl Fn(&str) -> Option<T>) -> Result<VecDeque<T>, String> {
    let mut out = VecDeque::new();
    for event in events {
        let shown = crate::escape::terminal(event);
        let (name, times) = match event.split_once('*') {
            Some((name, n)) => {
                (name, n.trim().parse::<usize>().map_err(|_| format!("`{shown}`: bad count"))?)
            }
            None => (event.as_str(), 1),
        };
        let e = parse(name.trim()).ok_or_else(|| format!("`{shown}`: unknown event"))?;
        if times > MAX_EVENTS - out.len() {
            return Err(format!("more than {MAX_EVENTS} events"));
        }
        out.extend(std::iter::repeat_n(e, times));
    }
    Ok(out)
}

fn parse_mode(text: &str) -> Result<CameraFormat, String> {
    let bad = || format!("`{text}`: write a mode as WIDTHxHEIGHT FORMAT FPS, e.g. 640x480 MJPEG 30");
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [size, format, fps] = parts[..] else { return Err(bad()) };
    let (w, h) = size.split_once('x').ok_or_else(bad)?;
    let format = match format {
        "MJPEG" => FrameFormat::MJPEG,
        "YUYV" => FrameFormat::YUYV,
        "NV12" => FrameFormat::NV12,
        "GRAY" => FrameFormat::GRAY,
        "RAWRGB" => FrameFormat::RAWRGB,
        "RAWBGR" => FrameFormat::RAWBGR,
        _ => return Err(bad()),
    };
    let (w, h, fps) =
        (w.parse().map_err(|_| bad())?, h.parse().map_err(|_| bad())?, fps.parse().map_err(|_| bad())?);
    if w == 0 || h == 0 || w > 4096 || h > 4096 || fps == 0 || fps > 240 {
        return Err(bad());
    }
    Ok(CameraFormat::new(Resolution::new(w, h), format, fps))
}

struct DeviceState {
    script: DeviceScript,
    modes: Vec<CameraFormat>,
    image: Arc<RgbImage>,
    index: u32,
    /// Until when an unplugged device is away, on the clock.
    away_until: Option<Duration>,
    opens: VecDeque<OpenEvent>,
    frames: VecDeque<FrameEvent>,
    streaming: bool,
    counts: Counts,
}

impl DeviceState {
    /// Present at `now`? (An unplugged device comes back under its new index when its time
    /// is up.)
    fn present(&mut self, now: Duration) -> bool {
        match self.away_until {
            Some(t) if now < t => false,
            Some(_) => {
                self.away_until = None;
                self.index = self.script.return_index.unwrap_or(self.index);
                true
            }
            None => true,
        }
    }
}

/// What a scripted device has been asked to do so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Successful opens.
    pub opens: u32,
    /// Stream starts.
    pub streams: u32,
    /// Frame reads answered (including faults).
    pub reads: u32,
}

/// A scripted camera backend (see the module documentation).
#[derive(Clone)]
pub struct Scripted {
    devices: Arc<Mutex<Vec<DeviceState>>>,
    clock: Arc<dyn Clock>,
}

impl Scripted {
    /// Read a script file.
    pub fn load(path: &Path) -> Result<Self, CaptureError> {
        let bad = |detail: String| CaptureError::Camera {
            device: format!("script {}", path.display()),
            detail: format!("{detail}; see the format in src/capture/camera/scripted.rs"),
        };
        let text = crate::files::read_to_string(path, crate::files::SCRIPT)
            .map_err(|source| CaptureError::Unreadable { path: path.into(), source })?;
        Self::from_json(&text, path.parent().unwrap_or(Path::new("."))).map_err(bad)
    }

    /// A backend playing a script's text; image paths are relative to `base`. On a simulated
    /// clock, the calling thread takes part in it (see [`crate::clock`]).
    pub fn from_json(text: &str, base: &Path) -> Result<Self, String> {
        let script: Script = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let clock: Arc<dyn Clock> = match script.clock {
            ClockKind::Simulated => SimulatedClock::new(jiff::Timestamp::now()),
            ClockKind::System => clock::system(),
        };
        Self::new(script.devices, base, clock)
    }

    /// A backend playing `devices` on `clock`; image paths are relative to `base`.
    pub fn new(devices: Vec<DeviceScript>, base: &Path, clock: Arc<dyn Clock>) -> Result<Self, String> {
        if devices.len() > MAX_DEVICES {
            return Err(format!("{} devices: a script may have at most {MAX_DEVICES}", devices.len()));
        }
        let grey = Arc::new(RgbImage::from_pixel(640, 480, image::Rgb([128, 128, 128])));
        let mut images: HashMap<PathBuf, Arc<RgbImage>> = HashMap::new();
        let mut states = Vec::new();
        for script in devices {
            if script.name.chars().count() > MAX_NAME || script.formats.len() > MAX_MODES {
                return Err(format!(
                    "a device name may have at most {MAX_NAME} characters, and a device {MAX_MODES} modes"
                ));
            }
            let image = match &script.image {
                Some(p) => {
                    let path = base.join(p);
                    match images.get(&path) {
                        Some(image) => Arc::clone(image),
                        None if images.len() == MAX_IMAGES => {
                            return Err(format!("a script may use at most {MAX_IMAGES} distinct images"));
                        }
                        None => {
                            let image =
                                Arc::new(crate::capture::read_image(&path).map_err(|e| e.to_string())?.image);
                            images.insert(path, Arc::clone(&image));
                            image
                        }
                    }
                }
                None => Arc::clone(&grey),
            };
            let modes = script.formats.iter().map(|m| parse_mode(m)).collect::<Result<_, _>>()?;
            let opens = expand(&script.opens, |e| match e {
                "ok" => Some(OpenEvent::Ok),
                "busy" => Some(OpenEvent::Busy),
                "gone" => Some(OpenEvent::Gone),
                "denied" => Some(OpenEvent::Denied),
                _ => None,
            })?;
            let frames = expand(&script.frames, |e| match e {
                "ok" => Some(FrameEvent::Ok),
                "zeros" => Some(FrameEvent::Zeros),
                "truncated" => Some(FrameEvent::Truncated),
                "two_soi" => Some(FrameEvent::TwoSoi),
                "stall" => Some(FrameEvent::Stall),
                "error" => Some(FrameEvent::Error),
                "unplug" => Some(FrameEvent::Unplug),
                _ => None,
            })?;
            if ![script.stall_s, script.away_s].iter().all(|v| (0.0..=3600.0).contains(v)) {
                return Err("stall_s and away_s must be between 0 and 3600 seconds".into());
            }
            states.push(DeviceState {
                index: script.index,
                modes,
                image,
                away_until: None,
                opens,
                frames,
                streaming: false,
                counts: Counts::default(),
                script,
            });
        }
        Ok(Scripted { devices: Arc::new(Mutex::new(states)), clock })
    }

    fn lock(&self) -> MutexGuard<'_, Vec<DeviceState>> {
        self.devices.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// What the device first listed as `name` has been asked to do.
    pub fn counts(&self, name: &str) -> Option<Counts> {
        self.lock().iter().find(|d| d.script.name == name && d.script.capture).map(|d| d.counts)
    }
}

impl Backend for Scripted {
    fn devices(&self) -> Result<Vec<Device>, NokhwaError> {
        let now = self.clock.now();
        Ok(self
            .lock()
            .iter_mut()
            .filter_map(|d| {
                d.present(now).then(|| Device {
                    index: d.index,
                    name: d.script.name.clone(),
                    path: format!("/dev/video{}", d.index),
                    capture: d.script.capture,
                })
            })
            .collect())
    }

    fn open(&self, index: u32, format: Option<CameraFormat>) -> Result<Camera, NokhwaError> {
        let now = self.clock.now();
        let mut devices = self.lock();
        let at = devices.iter_mut().position(|d| d.present(now) && d.index == index);
        let Some(at) = at else {
            return Err(NokhwaError::OpenDeviceError(index.to_string(), NO_DEVICE.into()));
        };
        let d = &mut devices[at];
        match d.opens.pop_front().unwrap_or(OpenEvent::Ok) {
            OpenEvent::Ok if d.streaming => {
                return Err(NokhwaError::OpenDeviceError(index.to_string(), BUSY.into()));
            }
            OpenEvent::Ok => {}
            OpenEvent::Busy => return Err(NokhwaError::OpenDeviceError(index.to_string(), BUSY.into())),
            OpenEvent::Gone => return Err(NokhwaError::OpenDeviceError(index.to_string(), NO_DEVICE.into())),
            OpenEvent::Denied => {
                return Err(NokhwaError::OpenDeviceError(
                    index.to_string(),
                    "Permission denied (os error 13)".into(),
                ));
            }
        }
        let unfulfilled = || NokhwaError::GetPropertyError {
            property: "CameraFormat".into(),
            error: "Failed to Fufill".into(),
        };
        let mode = match format {
            _ if !d.script.capture => return Err(unfulfilled()),
            Some(f) if d.modes.contains(&f) => f,
            Some(_) => return Err(unfulfilled()),
            None => *d.modes.first().ok_or_else(unfulfilled)?,
        };
        d.counts.opens += 1;
        let camera = ScriptedCamera {
            backend: self.clone(),
            slot: at,
            info: CameraInfo::new(&d.script.name, "scripted", "", CameraIndex::Index(index)),
            modes: d.modes.clone(),
            mode,
            image: Arc::clone(&d.image),
            stream: None,
            encoded: HashMap::new(),
        };
        Ok(Camera::with_custom(CameraIndex::Index(index), ApiBackend::Auto, Box::new(camera)))
    }

    fn permission(&self, _wait: Duration) -> Permission {
        Permission::Granted
    }

    fn clock(&self) -> Arc<dyn Clock> {
        Arc::clone(&self.clock)
    }
}

struct Stream {
    /// Capture times of the frames waiting in the ring (on the clock), oldest first.
    ring: VecDeque<Duration>,
    next_at: Duration,
    /// When the stream started, on the clock and as wall time.
    started: (Duration, SystemTime),
    produced: u32,
}

struct ScriptedCamera {
    backend: Scripted,
    slot: usize,
    info: CameraInfo,
    modes: Vec<CameraFormat>,
    mode: CameraFormat,
    image: Arc<RgbImage>,
    stream: Option<Stream>,
    encoded: HashMap<CameraFormat, Vec<u8>>,
}

impl ScriptedCamera {
    fn period(&self) -> Duration {
        Duration::from_secs_f64(1.0 / f64::from(self.mode.frame_rate()))
    }

    /// The photo in the current mode, dimmed by `gain` (exposure still settling).
    fn encode(&mut self, gain: f64) -> Vec<u8> {
        let (w, h) = (self.mode.width(), self.mode.height());
        let render = |image: &RgbImage| {
            // a sensor's crop of the scene to the mode's aspect ratio (centred across, the
            // upper part kept, where a webcam frames the head), then scaled
            let (iw, ih) = image.dimensions();
            let (cw, ch) = if u64::from(iw) * u64::from(h) > u64::from(ih) * u64::from(w) {
                ((u64::from(ih) * u64::from(w) / u64::from(h)) as u32, ih)
            } else {
                (iw, (u64::from(iw) * u64::from(h) / u64::from(w)) as u32)
            };
            let crop = image::imageops::crop_imm(image, (iw - cw) / 2, (ih - ch) / 4, cw.max(1), ch.max(1))
                .to_image();
            let mut scaled = image::imageops::resize(&crop, w, h, image::imageops::FilterType::Triangle);
            if gain < 1.0 {
                scaled
                    .pixels_mut()
                    .flat_map(|p| p.0.iter_mut())
                    .for_each(|c| *c = (f64::from(*c) * gain) as u8);
            }
            decode::encode(&scaled, self.mode.format())
        };
        if gain < 1.0 {
            return render(&self.image);
        }
        let image = Arc::clone(&self.image);
        self.encoded.entry(self.mode).or_insert_with(|| render(&image)).clone()
    }
}

impl Drop for ScriptedCamera {
    fn drop(&mut self) {
        if self.stream.take().is_some() {
            self.backend.lock()[self.slot].streaming = false;
        }
    }
}

fn unsupported() -> NokhwaError {
    NokhwaError::NotImplementedError("not scripted".into())
}

impl CaptureBackendTrait for ScriptedCamera {
    fn backend(&self) -> ApiBackend {
        ApiBackend::Auto
    }
    fn camera_info(&self) -> &CameraInfo {
        &self.info
    }
    fn refresh_camera_format(&mut self) -> Result<(), NokhwaError> {
        Ok(())
    }
    fn camera_format(&self) -> CameraFormat {
        self.mode
    }
    fn set_camera_format(&mut self, new_fmt: CameraFormat) -> Result<(), NokhwaError> {
        if !self.modes.contains(&new_fmt) {
            return Err(NokhwaError::SetPropertyError {
                property: "CameraFormat".into(),
                value: new_fmt.to_string(),
                error: "Not same/Rejected".into(),
            });
        }
        self.mode = new_fmt;
        Ok(())
    }
    fn compatible_list_by_resolution(
        &mut self,
        fourcc: FrameFormat,
    ) -> Result<HashMap<Resolution, Vec<u32>>, NokhwaError> {
        let mut out: HashMap<Resolution, Vec<u32>> = HashMap::new();
        for m in self.modes.iter().filter(|m| m.format() == fourcc) {
            out.entry(m.resolution()).or_default().push(m.frame_rate());
        }
        Ok(out)
    }
    fn compatible_camera_formats(&mut self) -> Result<Vec<CameraFormat>, NokhwaError> {
        Ok(self.modes.clone())
    }
    fn compatible_fourcc(&mut self) -> Result<Vec<FrameFormat>, NokhwaError> {
        let mut out: Vec<FrameFormat> = self.modes.iter().map(CameraFormat::format).collect();
        out.dedup();
        Ok(out)
    }
    fn resolution(&self) -> Resolution {
        self.mode.resolution()
    }
    fn set_resolution(&mut self, _new_res: Resolution) -> Result<(), NokhwaError> {
        Err(unsupported())
    }
    fn frame_rate(&self) -> u32 {
        self.mode.frame_rate()
    }
    fn set_frame_rate(&mut self, _new_fps: u32) -> Result<(), NokhwaError> {
        Err(unsupported())
    }
    fn frame_format(&self) -> FrameFormat {
        self.mode.format()
    }
    fn set_frame_format(&mut self, _fourcc: FrameFormat) -> Result<(), NokhwaError> {
        Err(unsupported())
    }
    fn camera_control(&self, _control: KnownCameraControl) -> Result<CameraControl, NokhwaError> {
        Err(unsupported())
    }
    fn camera_controls(&self) -> Result<Vec<CameraControl>, NokhwaError> {
        Err(unsupported())
    }
    fn set_camera_control(
        &mut self,
        _id: KnownCameraControl,
        _value: ControlValueSetter,
    ) -> Result<(), NokhwaError> {
        Err(unsupported())
    }

    fn open_stream(&mut self) -> Result<(), NokhwaError> {
        let clock = Arc::clone(&self.backend.clock);
        let now = clock.now();
        let mut devices = self.backend.lock();
        let d = &mut devices[self.slot];
        if !d.present(now) {
            return Err(NokhwaError::OpenStreamError(NO_DEVICE.into()));
        }
        d.counts.streams += 1;
        d.streaming = true;
        self.stream = Some(Stream {
            ring: VecDeque::new(),
            next_at: now + self.period(),
            started: (now, SystemTime::from(clock.wall())),
            produced: 0,
        });
        Ok(())
    }

    fn is_stream_open(&self) -> bool {
        self.stream.is_some()
    }

    fn frame(&mut self) -> Result<Buffer, NokhwaError> {
        let clock = Arc::clone(&self.backend.clock);
        let (event, timestamps, stall, away, exposure) = {
            let now = clock.now();
            let mut devices = self.backend.lock();
            let d = &mut devices[self.slot];
            if !d.present(now) || self.stream.is_none() {
                return Err(NokhwaError::ReadFrameError(NO_DEVICE.into()));
            }
            d.counts.reads += 1;
            let s = &d.script;
            (
                d.frames.pop_front().unwrap_or(FrameEvent::Ok),
                s.timestamps,
                Duration::from_secs_f64(s.stall_s),
                Duration::from_secs_f64(s.away_s),
                s.exposure_frames,
            )
        };
        match event {
            FrameEvent::Unplug => {
                self.backend.lock()[self.slot].away_until = Some(clock.now() + away);
                return Err(NokhwaError::ReadFrameError(NO_DEVICE.into()));
            }
            FrameEvent::Error => {
                return Err(NokhwaError::ReadFrameError("Input/output error (os error 5)".into()));
            }
            FrameEvent::Stall => clock.sleep(stall),
            _ => {}
        }
        let period = self.period();
        let stream = self.stream.as_mut().ok_or_else(|| NokhwaError::ReadFrameError(NO_DEVICE.into()))?;
        // the driver fills free buffers at the frame rate; with every buffer full, new
        // frames are dropped, so what waits in the ring is the oldest
        let now = clock.now();
        while stream.next_at <= now {
            if stream.ring.len() < RING_BUFFERS {
                stream.ring.push_back(stream.next_at);
            }
            stream.next_at += period;
        }
        let captured = match stream.ring.pop_front() {
            Some(t) => t,
            None => {
                clock.sleep(stream.next_at - now);
                let t = stream.next_at;
                stream.next_at += period;
                t
            }
        };
        let timestamp = (stream.started.1 + (captured - stream.started.0))
            .duration_since(SystemTime::UNIX_EPOCH)
            .ok()
            .filter(|_| timestamps);
        let k = stream.produced;
        stream.produced += 1;
        let gain = if k < exposure { 0.15 + 0.85 * f64::from(k) / f64::from(exposure) } else { 1.0 };
        let mut data = self.encode(gain);
        match event {
            FrameEvent::Zeros => data.fill(0),
            FrameEvent::Truncated => data.truncate(data.len() / 2),
            FrameEvent::TwoSoi => {
                data.splice(0..0, [0xFF, 0xD8]);
            }
            _ => {}
        }
        Ok(Buffer::with_timestamp(self.mode.resolution(), &data, self.mode.format(), timestamp))
    }

    fn frame_raw(&mut self) -> Result<Cow<'_, [u8]>, NokhwaError> {
        Ok(Cow::Owned(self.frame()?.buffer().to_vec()))
    }

    fn stop_stream(&mut self) -> Result<(), NokhwaError> {
        if self.stream.take().is_some() {
            self.backend.lock()[self.slot].streaming = false;
        }
        Ok(())
    }
}
