//! Where cameras come from: the system's (nokhwa's native backend: V4L2 on Linux,
//! AVFoundation on macOS, Media Foundation on Windows) or a scripted one for tests. The
//! capture code above this trait is the same for both.

use std::sync::Arc;
use std::time::Duration;

use nokhwa::utils::{ApiBackend, CameraFormat, CameraIndex, RequestedFormat, RequestedFormatType};
use nokhwa::{Camera, NokhwaError};

use super::decode::DECODABLE;
use crate::clock::{self, Clock};

/// A video device node as the system lists it, camera or not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    /// The system's index (`/dev/videoN` on Linux).
    pub index: u32,
    /// Human name.
    pub name: String,
    /// Where it is (the device path on Linux).
    pub path: String,
    /// Whether the node captures video. On Linux, the second node every UVC webcam
    /// registers carries only metadata and is not a camera.
    pub capture: bool,
}

/// The answer to the camera permission request (macOS asks the user; elsewhere granted).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// Cameras may be used.
    Granted,
    /// The user refused.
    Denied,
    /// No answer within the wait.
    Unanswered,
}

/// Lists and opens cameras. Implementations are shared with the capture thread.
pub trait Backend: Send + Sync {
    /// The video device nodes, cameras or not, in any order.
    fn devices(&self) -> Result<Vec<Device>, NokhwaError>;
    /// Open device `index` (without streaming) in mode `format`, or in any mode ergoaudit
    /// decodes when `None`.
    fn open(&self, index: u32, format: Option<CameraFormat>) -> Result<Camera, NokhwaError>;
    /// Ask for permission to use cameras and wait up to `wait` for the answer.
    fn permission(&self, wait: Duration) -> Permission;
    /// The clock its cameras run on (and the capture code above it waits with): the
    /// system's, or a scripted camera's simulated one.
    fn clock(&self) -> Arc<dyn Clock>;
}

/// The system's cameras through nokhwa's native backend.
#[derive(Clone, Copy, Debug, Default)]
pub struct Native;

impl Backend for Native {
    fn devices(&self) -> Result<Vec<Device>, NokhwaError> {
        let Some(api) = nokhwa::native_api_backend() else { return Ok(Vec::new()) };
        let listed = match nokhwa::query(api) {
            Ok(listed) => listed,
            // no video device at all reads as an error on some backends
            Err(_) if api != ApiBackend::Video4Linux => Vec::new(),
            Err(e) => return Err(e),
        };
        Ok(listed
            .into_iter()
            .filter_map(|info| {
                let CameraIndex::Index(index) = *info.index() else { return None };
                let path = info.description().trim_start_matches("Video4Linux Device @ ").to_owned();
                Some(Device { index, name: info.human_name(), capture: captures_video(index), path })
            })
            .collect())
    }

    fn open(&self, index: u32, format: Option<CameraFormat>) -> Result<Camera, NokhwaError> {
        let request = format.map_or(RequestedFormatType::None, RequestedFormatType::Exact);
        Camera::new(CameraIndex::Index(index), RequestedFormat::with_formats(request, &DECODABLE))
    }

    fn permission(&self, wait: Duration) -> Permission {
        // nokhwa asks AVFoundation on macOS and answers `true` at once elsewhere
        if nokhwa::nokhwa_check() {
            return Permission::Granted;
        }
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        nokhwa::nokhwa_initialize(move |granted| {
            let _ = tx.try_send(granted);
        });
        match rx.recv_timeout(wait) {
            Ok(true) => Permission::Granted,
            Ok(false) => Permission::Denied,
            Err(_) => Permission::Unanswered,
        }
    }

    fn clock(&self) -> Arc<dyn Clock> {
        clock::system()
    }
}

/// Whether `/dev/video{index}` has the VIDEO_CAPTURE capability (V4L2's per-node
/// `device_caps`; a UVC metadata node has only META_CAPTURE; nokhwa streams only the
/// single-planar kind). A node that cannot be asked
/// counts as a camera, so that opening it reports what is wrong.
#[cfg(target_os = "linux")]
fn captures_video(index: u32) -> bool {
    use v4l::capability::Flags;
    match v4l::Device::new(index as usize).and_then(|d| d.query_caps()) {
        Ok(caps) => caps.capabilities.contains(Flags::VIDEO_CAPTURE),
        Err(_) => true,
    }
}

/// Other systems list only capture devices.
#[cfg(not(target_os = "linux"))]
fn captures_video(_index: u32) -> bool {
    true
}
