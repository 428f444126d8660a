//! A frame, the trait of everything that yields frames, and what can go wrong on the way.

use std::path::PathBuf;

use image::RgbImage;

/// One frame handed to the pose stage.
#[derive(Clone, Debug)]
pub struct Frame {
    /// The pixels (8-bit RGB).
    pub image: RgbImage,
    /// Where the frame came from (a file path or a device name).
    pub source: String,
    /// Index of the frame within its source (0 for a still image).
    pub index: u64,
    /// Time of the frame within its source, seconds (`None` for a still image).
    pub t_s: Option<f64>,
}

/// Errors of the capture stage.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The audit is paused: no frame was taken (not a failure).
    #[error("paused: no frame taken")]
    Paused,
    /// An input path does not exist.
    #[error("{}: no such file or folder; check the path", .0.display())]
    Missing(PathBuf),
    /// A folder holds no image files.
    #[error("{}: the folder holds no image files (.{}); point at a folder with images", .0.display(), IMAGE_EXTENSIONS.join(", ."))]
    EmptyFolder(PathBuf),
    /// A file or folder could not be read.
    #[error("{}: cannot read it: {source}", .path.display())]
    Unreadable {
        /// The input.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// ffmpeg is not installed.
    #[error(
        "reading video needs the `ffmpeg` program, which is not installed; install it (e.g. `apt-get install ffmpeg`) or give images"
    )]
    FfmpegMissing,
    /// ffmpeg could not decode a video.
    #[error("{}: cannot decode the video ({detail})", .path.display())]
    Video {
        /// The file.
        path: PathBuf,
        /// ffmpeg's last error line.
        detail: String,
    },
    /// No camera is connected.
    #[error(
        "no camera found; connect one, or audit a recording with --source FILE (a video or images) or --landmarks FILE"
    )]
    NoCamera,
    /// The camera is in use by another program.
    #[error("camera {0} is busy (another program, e.g. a video call, is using it)")]
    CameraBusy(String),
    /// The camera is still held by a read of ergoaudit's own that stalled (not a call).
    #[error("camera {0} is still held by the read that stalled; will retry")]
    CameraHeldByStall(String),
    /// The camera vanished (unplugged); it is looked for again at the next sample.
    #[error("camera {0} is gone (unplugged?); looking for it again")]
    CameraGone(String),
    /// The system refused access to the camera.
    #[error("camera {device}: access refused; {fix}")]
    CameraDenied {
        /// The device.
        device: String,
        /// How to grant access on this system.
        fix: &'static str,
    },
    /// The permission prompt (macOS) went unanswered.
    #[error(
        "camera access is not granted yet; answer the system's permission prompt, then run ergoaudit again"
    )]
    CameraUnanswered,
    /// The camera stopped sending frames.
    #[error("camera {device} sent no frame for {waited_s:.0} s; released it and will retry")]
    CameraStalled {
        /// The device.
        device: String,
        /// How long it was waited for, seconds.
        waited_s: f64,
    },
    /// The camera sends only frames that cannot be decoded.
    #[error(
        "camera {device} sent {bad} unreadable frames in a row; check its cable, or choose another mode or camera"
    )]
    CameraFrames {
        /// The device.
        device: String,
        /// Unreadable frames.
        bad: usize,
    },
    /// The camera failed.
    #[error("camera {device}: {detail}")]
    Camera {
        /// The device.
        device: String,
        /// What went wrong.
        detail: String,
    },
    /// A file is not a decodable image.
    #[error("{}: not a readable image ({source}); give a PNG, JPEG or PNM file", .path.display())]
    Undecodable {
        /// The input.
        path: PathBuf,
        /// Why.
        source: image::ImageError,
    },
}

/// Something that yields frames, one at a time.
pub trait FrameSource {
    /// The next frame; `None` when the source is exhausted. An `Err` concerns one frame:
    /// the source may still have more.
    fn next_frame(&mut self) -> Option<Result<Frame, CaptureError>>;

    /// Seconds since a live source started (a camera's wall clock), for dating a failed
    /// capture; `None` for recordings, whose frames carry their own times.
    fn clock_s(&self) -> Option<f64> {
        None
    }

    /// Release the device (a camera kept open between bursts is closed) until the next
    /// frame is asked for.
    fn release(&mut self) {}

    /// The clock a live source runs on (a scripted camera's may be simulated).
    fn clock(&self) -> std::sync::Arc<dyn crate::clock::Clock> {
        crate::clock::system()
    }
}

/// File extensions read as images (case-insensitive).
pub const IMAGE_EXTENSIONS: [&str; 6] = ["png", "jpg", "jpeg", "ppm", "pgm", "pnm"];
