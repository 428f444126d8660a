//! A cheap test of whether the scene changed between two frames: a tiny grey thumbnail of
//! each and their mean absolute difference. Tracking from one sample to the next is only
//! trusted when the scene is nearly the same (the person has not moved); otherwise the
//! detector runs, because the landmark model alone keeps "seeing" a person on an emptied
//! scene.

use image::RgbImage;

/// Thumbnail side, pixels.
const SIDE: u32 = 24;

/// A tiny grey version of a frame.
#[derive(Clone, Debug, PartialEq)]
pub struct Thumbnail {
    pixels: Vec<f32>,
    size: (u32, u32),
}

impl Thumbnail {
    /// Average `img` down to 24 × 24 grey levels (0–1).
    pub fn of(img: &RgbImage) -> Self {
        let (w, h) = img.dimensions();
        let mut sum = vec![0f32; (SIDE * SIDE) as usize];
        let mut count = vec![0u32; (SIDE * SIDE) as usize];
        // every 4th pixel in each direction is plenty for a mean
        for y in (0..h).step_by(4) {
            for x in (0..w).step_by(4) {
                let p = img.get_pixel(x, y);
                let cell = ((y * SIDE / h) * SIDE + x * SIDE / w) as usize;
                sum[cell] += (f32::from(p[0]) + f32::from(p[1]) + f32::from(p[2])) / (3.0 * 255.0);
                count[cell] += 1;
            }
        }
        let pixels = sum.iter().zip(&count).map(|(s, &c)| if c > 0 { s / c as f32 } else { 0.0 }).collect();
        Thumbnail { pixels, size: (w, h) }
    }

    /// Mean absolute difference (0–1); 1 for frames of different sizes.
    pub fn difference(&self, other: &Thumbnail) -> f32 {
        if self.size != other.size {
            return 1.0;
        }
        self.pixels.iter().zip(&other.pixels).map(|(a, b)| (a - b).abs()).sum::<f32>()
            / self.pixels.len() as f32
    }
}

/// Scene difference below which tracking carries over from one sample to the next.
pub const SAME_SCENE: f32 = 0.04;

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    #[test]
    fn small_changes_are_the_same_scene_and_big_ones_are_not() {
        let a = RgbImage::from_fn(320, 240, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
        let mut b = a.clone();
        for x in 100..110 {
            for y in 100..110 {
                b.put_pixel(x, y, Rgb([255, 255, 255]));
            }
        }
        let c = RgbImage::from_pixel(320, 240, Rgb([20, 200, 250]));
        let (ta, tb, tc) = (Thumbnail::of(&a), Thumbnail::of(&b), Thumbnail::of(&c));
        assert!(ta.difference(&tb) < SAME_SCENE);
        assert!(ta.difference(&tc) > SAME_SCENE);
        assert_eq!(ta.difference(&Thumbnail::of(&RgbImage::new(10, 10))), 1.0);
    }
}
