//! Frame sources: where images come from (image files and folders), and recorded
//! landmark streams that replace the pixels altogether.

use std::path::{Path, PathBuf};

use image::RgbImage;

use crate::record::{BadRecord, FrameRecord};

pub mod camera;
pub mod video;

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

/// A landmarks file (`--landmarks FILE.jsonl`): one frame record per line, in the shape
/// `analyze --json` writes. Blank lines are skipped.
pub struct LandmarkFile {
    path: PathBuf,
    reader: std::io::BufReader<std::fs::File>,
    text: String,
    line: usize,
    done: bool,
}

/// A line of a landmarks file that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("{}: line {line}: {problem}; each line must be one JSON frame record as `analyze --json` writes", .path.display())]
pub struct BadLine {
    /// The file.
    pub path: PathBuf,
    /// Line number (1-based).
    pub line: usize,
    /// What is wrong.
    pub problem: String,
}

impl LandmarkFile {
    /// Open a landmarks file (a regular file, or a named pipe written live; lines of at
    /// most 64 kB).
    pub fn open(path: &Path) -> Result<Self, CaptureError> {
        let file = crate::files::open_stream(path, crate::files::LANDMARKS).map_err(|source| match source
            .kind()
        {
            std::io::ErrorKind::NotFound => CaptureError::Missing(path.to_path_buf()),
            _ => CaptureError::Unreadable { path: path.to_path_buf(), source },
        })?;
        Ok(LandmarkFile {
            path: path.to_path_buf(),
            reader: std::io::BufReader::new(file),
            text: String::new(),
            line: 0,
            done: false,
        })
    }
}

impl Iterator for LandmarkFile {
    type Item = Result<FrameRecord, BadLine>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            self.line += 1;
            let bad = |problem: String| BadLine { path: self.path.clone(), line: self.line, problem };
            match crate::files::read_line(&mut self.reader, &mut self.text, crate::files::LANDMARK_LINE) {
                Ok(true) if self.text.trim().is_empty() => {}
                Ok(true) => {
                    return Some(FrameRecord::parse(&self.text).map_err(|e: BadRecord| bad(e.to_string())));
                }
                Ok(false) => self.done = true,
                Err(e) => return Some(Err(bad(e.to_string()))),
            }
        }
        None
    }
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
}

/// File extensions read as images (case-insensitive).
pub const IMAGE_EXTENSIONS: [&str; 6] = ["png", "jpg", "jpeg", "ppm", "pgm", "pnm"];

fn has_image_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// Still images, from files and from folders of image files (sorted by name).
#[derive(Debug)]
pub struct ImageFiles {
    paths: std::vec::IntoIter<PathBuf>,
}

impl ImageFiles {
    /// Collect the images named by `inputs` (files, or folders whose image files are taken
    /// in name order). Fails on a missing path or a folder without images, before any
    /// image is decoded.
    pub fn from_inputs(inputs: &[PathBuf]) -> Result<Self, CaptureError> {
        let mut paths = Vec::new();
        for input in inputs {
            let meta = std::fs::metadata(input).map_err(|source| match source.kind() {
                std::io::ErrorKind::NotFound => CaptureError::Missing(input.clone()),
                _ => CaptureError::Unreadable { path: input.clone(), source },
            })?;
            if meta.is_dir() {
                let unreadable = |source| CaptureError::Unreadable { path: input.clone(), source };
                let mut found = Vec::new();
                for entry in std::fs::read_dir(input).map_err(unreadable)? {
                    let path = entry.map_err(unreadable)?.path();
                    if path.is_file() && has_image_extension(&path) {
                        found.push(path);
                    }
                }
                if found.is_empty() {
                    return Err(CaptureError::EmptyFolder(input.clone()));
                }
                found.sort();
                paths.extend(found);
            } else {
                paths.push(input.clone());
            }
        }
        Ok(ImageFiles { paths: paths.into_iter() })
    }
}

/// Decode one image file into an RGB frame. A JPEG without its end-of-image marker (a file
/// cut short) is refused rather than decoded with its missing rows padded grey.
pub fn read_image(path: &Path) -> Result<Frame, CaptureError> {
    let bytes = crate::files::read(path, crate::files::IMAGE).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => CaptureError::Missing(path.to_path_buf()),
        _ => CaptureError::Unreadable { path: path.to_path_buf(), source },
    })?;
    let reader = image::ImageReader::new(std::io::Cursor::new(&bytes))
        .with_guessed_format()
        .map_err(|source| CaptureError::Unreadable { path: path.to_path_buf(), source })?;
    if reader.format() == Some(image::ImageFormat::Jpeg) && !camera::decode::jpeg_is_complete(&bytes) {
        return Err(CaptureError::Undecodable {
            path: path.to_path_buf(),
            source: image::ImageError::IoError(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the JPEG is cut short (no end-of-image marker)",
            )),
        });
    }
    let image =
        reader.decode().map_err(|source| CaptureError::Undecodable { path: path.to_path_buf(), source })?;
    Ok(Frame { image: image.to_rgb8(), source: path.display().to_string(), index: 0, t_s: None })
}

impl FrameSource for ImageFiles {
    fn next_frame(&mut self) -> Option<Result<Frame, CaptureError>> {
        self.paths.next().map(|p| read_image(&p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_listed_in_name_order_and_filtered() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.PNG", "a.jpg", "notes.txt"] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        let files = ImageFiles::from_inputs(&[dir.path().to_path_buf()]).unwrap();
        let names: Vec<_> = files.paths.map(|p| p.file_name().unwrap().to_owned()).collect();
        assert_eq!(names, ["a.jpg", "b.PNG"]);
    }

    #[test]
    fn missing_and_empty_inputs_fail_up_front() {
        let dir = tempfile::tempdir().unwrap();
        let err = ImageFiles::from_inputs(&[dir.path().to_path_buf()]).unwrap_err();
        assert!(matches!(err, CaptureError::EmptyFolder(_)), "{err}");
        let err = ImageFiles::from_inputs(&[dir.path().join("nope.png")]).unwrap_err();
        assert!(matches!(err, CaptureError::Missing(_)), "{err}");
    }

    #[test]
    fn text_named_png_is_undecodable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fake.png");
        std::fs::write(&path, "just some text\n").unwrap();
        let mut files = ImageFiles::from_inputs(&[path]).unwrap();
        let err = files.next_frame().unwrap().unwrap_err();
        assert!(matches!(err, CaptureError::Undecodable { .. }), "{err}");
        assert!(files.next_frame().is_none());
    }
}
