//! Drawing what the model saw: the skeleton over the input image (`analyze --annotate`).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use image::{Rgb, RgbImage};

use crate::capture::Frame;
use crate::pose::{Landmark, SKELETON};

/// Writes each frame with its skeleton into a folder, as `NAME.annotated.png` (`NAME-2…`
/// for a second frame of the same name).
#[derive(Debug)]
pub struct Annotator {
    dir: PathBuf,
    written: HashSet<PathBuf>,
}

impl Annotator {
    /// Into `dir` (made if missing).
    pub fn new(dir: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(Annotator { dir: dir.to_path_buf(), written: HashSet::new() })
    }

    /// Write `frame` with `landmarks` drawn on it; the file written.
    pub fn save(
        &mut self,
        frame: &Frame,
        landmarks: Option<&[Landmark]>,
    ) -> Result<PathBuf, image::ImageError> {
        let stem =
            Path::new(&frame.source).file_stem().map_or_else(|| "frame".into(), |s| s.to_string_lossy());
        let mut path = self.dir.join(format!("{stem}.annotated.png"));
        for n in 2.. {
            if self.written.insert(path.clone()) {
                break;
            }
            path = self.dir.join(format!("{stem}-{n}.annotated.png"));
        }
        let mut canvas = frame.image.clone();
        if let Some(landmarks) = landmarks {
            draw_pose(&mut canvas, landmarks);
        }
        // encoded first, then written whole (never through a link planted in the folder)
        let mut png = std::io::Cursor::new(Vec::new());
        canvas.write_to(&mut png, image::ImageFormat::Png)?;
        crate::files::write_atomically(&path, |out| out.write_all(png.get_ref()))
            .map_err(image::ImageError::IoError)?;
        Ok(path)
    }
}

/// Landmarks less visible than this are not drawn.
const MIN_VISIBILITY: f32 = 0.5;

fn dot(img: &mut RgbImage, x: f32, y: f32, radius: i32, colour: Rgb<u8>) {
    let (cx, cy) = (x.round() as i64, y.round() as i64);
    for dy in -radius..=radius {
        for dx in -radius..=radius {
            if dx * dx + dy * dy > radius * radius {
                continue;
            }
            let (px, py) = (cx + i64::from(dx), cy + i64::from(dy));
            if px >= 0 && py >= 0 && px < i64::from(img.width()) && py < i64::from(img.height()) {
                img.put_pixel(px as u32, py as u32, colour);
            }
        }
    }
}

fn line(img: &mut RgbImage, a: &Landmark, b: &Landmark, width: i32, colour: Rgb<u8>) {
    let steps = (b.x - a.x).hypot(b.y - a.y).ceil().max(1.0) as usize;
    for i in 0..=steps {
        let t = i as f32 / steps as f32;
        dot(img, a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t, width, colour);
    }
}

/// Draw the 33 pose landmarks over `img`: bones between visible landmarks, then the
/// landmarks (face yellow, the subject's left side orange, right side cyan). Line widths
/// scale with the image.
pub fn draw_pose(img: &mut RgbImage, lm: &[Landmark]) {
    let size = img.width().max(img.height()) as i32;
    let (bone, joint) = ((size / 400).max(1), (size / 200).max(2));
    let seen = |i: usize| lm[i].visibility >= MIN_VISIBILITY;
    for &(a, b) in &SKELETON {
        if seen(a) && seen(b) {
            line(img, &lm[a], &lm[b], bone, Rgb([255, 255, 255]));
        }
    }
    for (i, l) in lm.iter().enumerate().filter(|&(i, _)| seen(i)) {
        let colour = match i {
            0..=10 => Rgb([255, 220, 0]),
            _ if i % 2 == 1 => Rgb([255, 128, 0]),
            _ => Rgb([0, 200, 255]),
        };
        dot(img, l.x, l.y, joint, colour);
    }
}
