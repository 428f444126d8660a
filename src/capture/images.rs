//! Still images from files and folders.

use std::path::{Path, PathBuf};

use super::camera::decode::jpeg_is_complete;
use super::frame::{CaptureError, Frame, FrameSource, IMAGE_EXTENSIONS};

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
    if reader.format() == Some(image::ImageFormat::Jpeg) && !jpeg_is_complete(&bytes) {
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
