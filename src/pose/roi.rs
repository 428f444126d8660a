//! Regions of interest and the affine maps between model-input pixels and image pixels.
//!
//! Conventions follow MediaPipe's `ImageToTensorCalculator`: the corners of a (possibly
//! rotated) square region map onto the corners of the `n × n` model input, so model-input
//! coordinate `(u, v)` in `[0, n]` maps to image pixel-index coordinates `(x, y)`.

use std::f32::consts::PI;

/// A square, rotated region of an image, in image pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Roi {
    /// Centre x, pixels.
    pub cx: f32,
    /// Centre y, pixels.
    pub cy: f32,
    /// Side length, pixels.
    pub size: f32,
    /// Rotation in radians (positive turns the region clockwise on screen, y down).
    pub rotation: f32,
}

/// MediaPipe's ROI scale for BlazePose (`RectTransformationCalculator` scale 1.25).
const ROI_SCALE: f32 = 1.25;

impl Roi {
    /// ROI from two alignment points, as MediaPipe's `AlignmentPointsRectsCalculator`
    /// (target angle 90°) followed by `RectTransformationCalculator` (scale 1.25, square long
    /// side): centred on `centre`, side `2·|scale_point − centre|·1.25`, rotated so that the
    /// `centre → scale_point` direction points up in the crop.
    pub fn from_alignment(centre: (f32, f32), scale_point: (f32, f32)) -> Self {
        let (dx, dy) = (scale_point.0 - centre.0, scale_point.1 - centre.1);
        let size = 2.0 * dx.hypot(dy) * ROI_SCALE;
        let rotation = normalize_radians(PI / 2.0 - (-dy).atan2(dx));
        Roi { cx: centre.0, cy: centre.1, size, rotation }
    }
}

/// Wrap an angle into `[-π, π)`.
fn normalize_radians(a: f32) -> f32 {
    a - 2.0 * PI * ((a + PI) / (2.0 * PI)).floor()
}

/// Affine map from model-input coordinates to image coordinates:
/// `x = a·u + b·v + c`, `y = d·u + e·v + f`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Affine {
    a: f32,
    b: f32,
    c: f32,
    d: f32,
    e: f32,
    f: f32,
}

impl Affine {
    /// Map model-input coordinates `(u, v)` to image coordinates.
    pub fn apply(&self, u: f32, v: f32) -> (f32, f32) {
        (self.a * u + self.b * v + self.c, self.d * u + self.e * v + self.f)
    }

    /// The map that samples `roi` into an `n × n` model input.
    pub fn from_roi(roi: &Roi, n: usize) -> Self {
        let (s, c) = roi.rotation.sin_cos();
        let k = roi.size / n as f32;
        let h = n as f32 / 2.0;
        let (a, b, d, e) = (c * k, -s * k, s * k, c * k);
        Affine { a, b, c: roi.cx - (a + b) * h, d, e, f: roi.cy - (d + e) * h }
    }

    /// The map that letterboxes a whole `width × height` image into an `n × n` model input
    /// (aspect ratio kept, image centred, padding on the short side).
    pub fn letterbox(width: u32, height: u32, n: usize) -> Self {
        let roi = Roi {
            cx: width as f32 / 2.0,
            cy: height as f32 / 2.0,
            size: width.max(height) as f32,
            rotation: 0.0,
        };
        Self::from_roi(&roi, n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn upright_alignment_gives_no_rotation() {
        // scale point straight above the centre: the body is upright
        let roi = Roi::from_alignment((100.0, 200.0), (100.0, 100.0));
        assert_abs_diff_eq!(roi.rotation, 0.0, epsilon = 1e-6);
        assert_abs_diff_eq!(roi.size, 250.0, epsilon = 1e-4);
    }

    #[test]
    fn rotated_alignment_maps_scale_point_to_top_centre() {
        for angle_deg in [-170.0f32, -90.0, -30.0, 0.0, 45.0, 120.0, 179.0] {
            let t = angle_deg.to_radians();
            let centre = (320.0, 240.0);
            let scale_point = (centre.0 + 80.0 * t.sin(), centre.1 - 80.0 * t.cos());
            let roi = Roi::from_alignment(centre, scale_point);
            let m = Affine::from_roi(&roi, 256);
            // the crop's centre is the ROI centre, and the scale point sits straight above it
            let (x, y) = m.apply(128.0, 128.0);
            assert_abs_diff_eq!(x, centre.0, epsilon = 1e-3);
            assert_abs_diff_eq!(y, centre.1, epsilon = 1e-3);
            let above = 128.0 - 80.0 * 256.0 / roi.size;
            let (x, y) = m.apply(128.0, above);
            assert_abs_diff_eq!(x, scale_point.0, epsilon = 1e-2);
            assert_abs_diff_eq!(y, scale_point.1, epsilon = 1e-2);
        }
    }

    #[test]
    fn letterbox_centres_the_short_side() {
        let m = Affine::letterbox(400, 200, 224);
        assert_eq!(m.apply(0.0, 0.0), (0.0, -100.0));
        assert_eq!(m.apply(224.0, 224.0), (400.0, 300.0));
    }
}
