//! Video files, decoded by the system `ffmpeg` executable through a pipe: frames as PPM on
//! stdout, each frame's presentation time from ffmpeg's `showinfo` filter on stderr, so
//! frames keep their video timestamps (variable-frame-rate clips included).

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};

use image::RgbImage;

use super::frame::{CaptureError, Frame, FrameSource};

/// File extensions read as video (case-insensitive).
pub const VIDEO_EXTENSIONS: [&str; 7] = ["mp4", "mov", "webm", "mkv", "avi", "m4v", "mpg"];

/// True when `path` names a video file by its extension.
pub fn is_video(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| VIDEO_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// Which frames to take from a video.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Sampling {
    /// One frame every so many seconds (the frame nearest each instant).
    Every(f64),
    /// An audit's samples: as [`Sampling::Every`], and the last instant within the video
    /// too (so a clip shorter than one interval still gives its first frame).
    Samples(f64),
    /// A burst of `frames` frames, `spacing` seconds apart, at the start of every `interval`.
    Bursts {
        /// Seconds between bursts.
        interval: f64,
        /// Frames per burst.
        frames: usize,
        /// Seconds between the frames of a burst.
        spacing: f64,
    },
}

impl Sampling {
    /// The ffmpeg filter chain that selects the frames (then logs them with `showinfo`).
    fn filter(self) -> String {
        match self {
            Sampling::Every(dt) => format!("fps=1/{dt},showinfo"),
            Sampling::Samples(dt) => format!("fps=1/{dt}:eof_action=pass,showinfo"),
            Sampling::Bursts { interval, frames, spacing } => {
                let window = spacing * (frames as f64 - 0.5);
                format!("fps=1/{spacing},select='lt(mod(t\\,{interval})\\,{window})',showinfo")
            }
        }
    }
}

/// Largest video frame accepted.
const MAX_VIDEO_PIXELS: u64 = 8192 * 8192;

/// A video file being decoded.
pub struct VideoFile {
    path: PathBuf,
    child: Child,
    stdout: BufReader<ChildStdout>,
    times: Receiver<f64>,
    errors: Arc<Mutex<Vec<String>>>,
    index: u64,
    done: bool,
}

impl VideoFile {
    /// Start decoding `path` with the system `ffmpeg`.
    pub fn open(path: &Path, sampling: Sampling) -> Result<Self, CaptureError> {
        crate::files::check(path, crate::files::VIDEO).map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => CaptureError::Missing(path.to_path_buf()),
            _ => CaptureError::Unreadable { path: path.to_path_buf(), source },
        })?;
        let mut command = Command::new("ffmpeg");
        // ffmpeg ends with ergoaudit, however ergoaudit ends (Linux; elsewhere `Drop` kills it)
        #[cfg(target_os = "linux")]
        {
            use std::os::unix::process::CommandExt;
            // SAFETY: prctl is async-signal-safe and touches no memory of the parent
            unsafe {
                command.pre_exec(|| {
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                    Ok(())
                });
            }
        }
        let mut child = command
            .args(["-nostdin", "-hide_banner", "-loglevel", "info", "-i"])
            .arg(path)
            .args([
                "-an",
                "-vf",
                &sampling.filter(),
                "-fps_mode",
                "passthrough",
                "-f",
                "image2pipe",
                "-c:v",
                "ppm",
                "-",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => CaptureError::FfmpegMissing,
                _ => CaptureError::Unreadable { path: path.to_path_buf(), source: e },
            })?;
        let stdout = BufReader::new(child.stdout.take().expect("piped"));
        let stderr = BufReader::new(child.stderr.take().expect("piped"));
        let (tx, times) = channel();
        let errors = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&errors);
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                if let Some(t) = line.split("pts_time:").nth(1).and_then(|r| r.split_whitespace().next()) {
                    if let Ok(t) = t.parse::<f64>()
                        && tx.send(t).is_err()
                    {
                        break;
                    }
                } else if line.contains("rror") || line.contains("Invalid") || line.contains("No such") {
                    sink.lock().expect("not poisoned").push(line.trim().to_owned());
                }
            }
        });
        Ok(VideoFile { path: path.to_path_buf(), child, stdout, times, errors, index: 0, done: false })
    }

    fn read_token(&mut self) -> std::io::Result<Option<String>> {
        let mut token = Vec::new();
        let mut byte = [0u8];
        loop {
            if self.stdout.read(&mut byte)? == 0 {
                return Ok((!token.is_empty()).then(|| String::from_utf8_lossy(&token).into_owned()));
            }
            if byte[0].is_ascii_whitespace() {
                if !token.is_empty() {
                    return Ok(Some(String::from_utf8_lossy(&token).into_owned()));
                }
            } else {
                token.push(byte[0]);
            }
        }
    }

    /// One PPM frame from ffmpeg's output, `None` at the end of the stream.
    fn read_frame(&mut self) -> std::io::Result<Option<RgbImage>> {
        let Some(magic) = self.read_token()? else { return Ok(None) };
        let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
        if magic != "P6" {
            return Err(bad("ffmpeg did not send a PPM frame"));
        }
        let mut number = || -> std::io::Result<u32> {
            self.read_token()?.and_then(|t| t.parse().ok()).ok_or_else(|| bad("bad PPM header from ffmpeg"))
        };
        let (w, h, max) = (number()?, number()?, number()?);
        if max != 255 {
            return Err(bad("ffmpeg sent a 16-bit PPM"));
        }
        if u64::from(w) * u64::from(h) > MAX_VIDEO_PIXELS {
            return Err(bad("the video's frames are larger than 8192 × 8192"));
        }
        let mut pixels = vec![0u8; w as usize * h as usize * 3];
        self.stdout.read_exact(&mut pixels)?;
        Ok(RgbImage::from_raw(w, h, pixels))
    }

    fn failure(&mut self) -> Option<CaptureError> {
        let status = self.child.wait().ok()?;
        if status.success() {
            return None;
        }
        let errors = self.errors.lock().expect("not poisoned");
        let detail = errors.last().cloned().unwrap_or_else(|| format!("ffmpeg exited with {status}"));
        Some(CaptureError::Video { path: self.path.clone(), detail })
    }
}

impl FrameSource for VideoFile {
    fn next_frame(&mut self) -> Option<Result<Frame, CaptureError>> {
        if self.done {
            return None;
        }
        match self.read_frame() {
            Ok(Some(image)) => {
                let t_s = self.times.recv().ok();
                let frame = Frame { image, source: self.path.display().to_string(), index: self.index, t_s };
                self.index += 1;
                Some(Ok(frame))
            }
            Ok(None) => {
                self.done = true;
                self.failure().map(Err)
            }
            Err(e) => {
                self.done = true;
                let _ = self.child.kill();
                Some(Err(self
                    .failure()
                    .unwrap_or(CaptureError::Video { path: self.path.clone(), detail: e.to_string() })))
            }
        }
    }
}

impl Drop for VideoFile {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
