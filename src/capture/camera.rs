//! Live webcams through nokhwa's native backend (V4L2 on Linux, AVFoundation on macOS,
//! Media Foundation on Windows). Synchronous capture only (nokhwa's threaded camera keeps
//! the device open and busy). In audit mode the camera is opened for a burst and released
//! after it, so the LED goes off and other programs can use it.

use std::str::FromStr;
use std::time::Instant;

use nokhwa::Camera;
use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{
    CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType, Resolution,
};

use super::{CaptureError, Frame};

/// Frames dropped after opening while auto-exposure and white balance settle.
pub const WARMUP_FRAMES: usize = 5;

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

/// A camera as the system lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CameraInfo {
    /// Index to pass as `camera:INDEX`.
    pub index: String,
    /// Human name.
    pub name: String,
    /// Driver description (device path on Linux).
    pub description: String,
}

fn backend() -> Option<nokhwa::utils::ApiBackend> {
    #[cfg(target_os = "macos")]
    nokhwa::nokhwa_initialize(|_| {});
    nokhwa::native_api_backend()
}

/// The cameras connected to this machine.
pub fn list() -> Result<Vec<CameraInfo>, CaptureError> {
    let Some(backend) = backend() else { return Ok(Vec::new()) };
    let cameras = match nokhwa::query(backend) {
        Ok(c) => c,
        // no video devices at all reads as an error on some backends
        Err(_) if !cfg!(target_os = "linux") || !std::path::Path::new("/dev").join("video0").exists() => {
            Vec::new()
        }
        Err(e) => return Err(CaptureError::Camera { device: "(listing)".into(), detail: e.to_string() }),
    };
    Ok(cameras
        .into_iter()
        .map(|c| CameraInfo {
            index: c.index().to_string(),
            name: c.human_name(),
            description: c.description().to_owned(),
        })
        .collect())
}

fn classify(device: &str, e: nokhwa::NokhwaError) -> CaptureError {
    let text = e.to_string();
    let lower = text.to_lowercase();
    if lower.contains("busy") || lower.contains("os error 16") {
        CaptureError::CameraBusy(device.to_owned())
    } else {
        CaptureError::Camera { device: device.to_owned(), detail: text }
    }
}

/// A webcam that is opened for each burst of frames.
pub struct CameraSource {
    index: CameraIndex,
    label: String,
    camera: Option<Camera>,
    keep_open: bool,
    started: Instant,
}

impl CameraSource {
    /// Find the camera. `keep_open` keeps the device open between bursts (for short
    /// intervals, where reopening and settling would cost more than it saves).
    pub fn new(selector: &CameraSelector, keep_open: bool) -> Result<Self, CaptureError> {
        let cameras = list()?;
        let chosen = match selector {
            CameraSelector::First => cameras.first(),
            CameraSelector::Index(i) => cameras.iter().find(|c| c.index == i.to_string()),
            CameraSelector::Name(n) => {
                cameras.iter().find(|c| c.name.to_lowercase().contains(&n.to_lowercase()))
            }
        };
        let Some(info) = chosen else {
            return Err(if cameras.is_empty() {
                CaptureError::NoCamera
            } else {
                CaptureError::Camera {
                    device: format!("{selector:?}"),
                    detail: "no such camera; `ergoaudit cameras` lists them".into(),
                }
            });
        };
        let index =
            info.index.parse().map_or_else(|_| CameraIndex::String(info.index.clone()), CameraIndex::Index);
        Ok(CameraSource { index, label: info.name.clone(), camera: None, keep_open, started: Instant::now() })
    }

    /// The camera's name.
    pub fn label(&self) -> &str {
        &self.label
    }

    fn open(&self) -> Result<Camera, CaptureError> {
        // 640×480 MJPEG is plenty for pose and cheap to decode; take what is closest, and
        // anything the camera offers when it refuses
        let wanted = CameraFormat::new(Resolution::new(640, 480), FrameFormat::MJPEG, 15);
        let mut camera = Camera::new(
            self.index.clone(),
            RequestedFormat::new::<RgbFormat>(RequestedFormatType::Closest(wanted)),
        )
        .or_else(|_| {
            Camera::new(
                self.index.clone(),
                RequestedFormat::new::<RgbFormat>(RequestedFormatType::AbsoluteHighestFrameRate),
            )
        })
        .map_err(|e| classify(&self.label, e))?;
        camera.open_stream().map_err(|e| classify(&self.label, e))?;
        Ok(camera)
    }

    /// Capture `frames` frames (dropping the warm-up frames after opening); the camera is
    /// released afterwards unless it is kept open.
    pub fn burst(&mut self, frames: usize) -> Result<Vec<Frame>, CaptureError> {
        let mut camera = match self.camera.take() {
            Some(c) => c,
            None => {
                let mut c = self.open()?;
                for _ in 0..WARMUP_FRAMES {
                    c.frame().map_err(|e| classify(&self.label, e))?;
                }
                c
            }
        };
        let mut out = Vec::with_capacity(frames);
        for _ in 0..frames {
            let buffer = camera.frame().map_err(|e| classify(&self.label, e))?;
            let image = buffer.decode_image::<RgbFormat>().map_err(|e| classify(&self.label, e))?;
            out.push(Frame {
                image,
                source: self.label.clone(),
                index: 0,
                t_s: Some(self.started.elapsed().as_secs_f64()),
            });
        }
        if self.keep_open {
            self.camera = Some(camera);
        }
        Ok(out)
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
    }
}
