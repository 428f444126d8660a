//! Frame sources: where images come from (a camera, a video, image files and folders).

pub mod camera;
mod frame;
mod images;
pub mod video;

pub use frame::{CaptureError, Frame, FrameSource, IMAGE_EXTENSIONS};
pub use images::{ImageFiles, read_image};
