//! Decoding the BlazePose landmark model: heatmap refinement, projection from the crop back
//! to the image, and rotation of the world landmarks.

use super::roi::{Affine, Roi};

/// Side of the landmark model's square input, pixels.
pub const INPUT_SIZE: usize = 256;
/// Landmarks the model predicts: the 33 body landmarks, then the 6 auxiliary ones
/// (33 hip centre and 34 scale point, used to track the region of interest).
pub const MODEL_LANDMARKS: usize = 39;
/// Side of the heatmap output (`[1, 64, 64, 39]`).
pub const HEATMAP_SIZE: usize = 64;
/// Heatmap window around each landmark (`RefineLandmarksFromHeatmapCalculator` kernel 7).
const REFINE_KERNEL: i64 = 7;
/// Peak heatmap confidence needed before a landmark is moved to the heatmap's centroid.
const MIN_CONFIDENCE_TO_REFINE: f32 = 0.5;

/// One decoded landmark in image coordinates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RawLandmark {
    /// x, image pixels.
    pub x: f32,
    /// y, image pixels.
    pub y: f32,
    /// Depth in MediaPipe's normalised units (same scale as `x / image width`; origin at the
    /// hips, negative towards the camera).
    pub z: f32,
    /// Probability that the point is visible (not occluded).
    pub visibility: f32,
    /// Probability that the point is inside the frame.
    pub presence: f32,
}

pub(crate) fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Move each landmark (crop pixels, `[x, y, z, vis, pres] × 39`) to the confidence-weighted
/// centroid of the heatmap around it, as MediaPipe's `RefineLandmarksFromHeatmapCalculator`.
pub fn refine_with_heatmap(raw: &mut [f32], heatmap: &[f32]) {
    let n = HEATMAP_SIZE as i64;
    let half = (REFINE_KERNEL - 1) / 2;
    for j in 0..MODEL_LANDMARKS {
        // truncation toward zero, as MediaPipe's int conversion
        let col = (raw[j * 5] / INPUT_SIZE as f32 * n as f32) as i64;
        let row = (raw[j * 5 + 1] / INPUT_SIZE as f32 * n as f32) as i64;
        if !(0..n).contains(&col) || !(0..n).contains(&row) {
            continue;
        }
        let (mut sum, mut wcol, mut wrow, mut peak) = (0f32, 0f32, 0f32, 0f32);
        for r in (row - half).max(0)..(row + half + 1).min(n) {
            for c in (col - half).max(0)..(col + half + 1).min(n) {
                let conf = sigmoid(heatmap[(r * n + c) as usize * MODEL_LANDMARKS + j]);
                sum += conf;
                peak = peak.max(conf);
                wcol += c as f32 * conf;
                wrow += r as f32 * conf;
            }
        }
        if peak >= MIN_CONFIDENCE_TO_REFINE && sum > 0.0 {
            raw[j * 5] = wcol / n as f32 / sum * INPUT_SIZE as f32;
            raw[j * 5 + 1] = wrow / n as f32 / sum * INPUT_SIZE as f32;
        }
    }
}

/// Project crop landmarks (`[x, y, z, vis logit, pres logit] × 39`, crop pixels) into the
/// image that `roi` was cut from (`image_width` pixels wide).
pub fn project(raw: &[f32], roi: &Roi, image_width: u32) -> Vec<RawLandmark> {
    let map = Affine::from_roi(roi, INPUT_SIZE);
    let z_scale = roi.size / INPUT_SIZE as f32 / image_width as f32;
    raw.chunks_exact(5)
        .take(MODEL_LANDMARKS)
        .map(|r| {
            let (x, y) = map.apply(r[0], r[1]);
            RawLandmark { x, y, z: r[2] * z_scale, visibility: sigmoid(r[3]), presence: sigmoid(r[4]) }
        })
        .collect()
}

/// Rotate world landmarks (`[x, y, z] × 39`, metres, in the crop's frame) back by the
/// region's rotation, as MediaPipe's `WorldLandmarkProjectionCalculator`.
pub fn unrotate_world(raw: &[f32], roi: &Roi) -> Vec<[f32; 3]> {
    let (s, c) = roi.rotation.sin_cos();
    raw.chunks_exact(3)
        .take(MODEL_LANDMARKS)
        .map(|w| [c * w[0] - s * w[1], s * w[0] + c * w[1], w[2]])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    fn heatmap_with_blob(j: usize, row: usize, col: usize, logit: f32) -> Vec<f32> {
        let mut hm = vec![-10f32; HEATMAP_SIZE * HEATMAP_SIZE * MODEL_LANDMARKS];
        hm[(row * HEATMAP_SIZE + col) * MODEL_LANDMARKS + j] = logit;
        hm[(row * HEATMAP_SIZE + col + 1) * MODEL_LANDMARKS + j] = logit;
        hm
    }

    #[test]
    fn confident_heatmap_moves_the_point_to_its_centroid() {
        let mut raw = vec![0f32; MODEL_LANDMARKS * 5];
        raw[5 * 3] = 41.0; // landmark 3 near heatmap cell (col 10, row 12)
        raw[5 * 3 + 1] = 49.0;
        let hm = heatmap_with_blob(3, 12, 10, 8.0);
        refine_with_heatmap(&mut raw, &hm);
        // two equal cells at columns 10 and 11 → centroid column 10.5
        assert_abs_diff_eq!(raw[15], 10.5 / 64.0 * 256.0, epsilon = 0.05);
        assert_abs_diff_eq!(raw[16], 12.0 / 64.0 * 256.0, epsilon = 0.05);
    }

    #[test]
    fn weak_heatmap_or_point_outside_leaves_the_point() {
        let mut raw = vec![0f32; MODEL_LANDMARKS * 5];
        raw[15] = 41.0;
        raw[16] = 49.0;
        refine_with_heatmap(&mut raw, &heatmap_with_blob(3, 12, 10, -1.0));
        assert_eq!((raw[15], raw[16]), (41.0, 49.0));
        raw[15] = 300.0;
        refine_with_heatmap(&mut raw, &heatmap_with_blob(3, 12, 10, 8.0));
        assert_eq!((raw[15], raw[16]), (300.0, 49.0));
    }

    #[test]
    fn projection_undoes_the_crop() {
        let roi = Roi { cx: 300.0, cy: 200.0, size: 512.0, rotation: std::f32::consts::FRAC_PI_2 };
        let mut raw = vec![0f32; MODEL_LANDMARKS * 5];
        raw[0] = 128.0; // crop centre
        raw[1] = 128.0;
        raw[2] = 25.6;
        raw[5] = 128.0; // straight up in the crop
        raw[6] = 0.0;
        let lm = project(&raw, &roi, 1000);
        assert_abs_diff_eq!(lm[0].x, 300.0, epsilon = 1e-3);
        assert_abs_diff_eq!(lm[0].y, 200.0, epsilon = 1e-3);
        assert_abs_diff_eq!(lm[0].z, 25.6 * 2.0 / 1000.0, epsilon = 1e-6);
        assert_abs_diff_eq!(lm[0].visibility, 0.5, epsilon = 1e-6);
        // rotated a quarter turn clockwise: the crop's "up" is the image's +x
        assert_abs_diff_eq!(lm[1].x, 300.0 + 256.0, epsilon = 1e-3);
        assert_abs_diff_eq!(lm[1].y, 200.0, epsilon = 1e-3);
        let world = unrotate_world(&[0.0, -1.0, 0.3], &roi);
        assert_abs_diff_eq!(world[0][0], 1.0, epsilon = 1e-6);
        assert_abs_diff_eq!(world[0][1], 0.0, epsilon = 1e-6);
        assert_abs_diff_eq!(world[0][2], 0.3, epsilon = 1e-6);
    }
}
