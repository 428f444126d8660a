//! Sampling an image region into a model input tensor (bilinear, like OpenCV's
//! `warpAffine` with `INTER_LINEAR`, which MediaPipe uses on the CPU).

use image::RgbImage;
use tract_onnx::prelude::{Tensor, tract_ndarray};

use super::roi::Affine;

/// Sub-pixel steps OpenCV's bilinear warp resolves (`INTER_TAB_SIZE`).
const SUBPIXELS: f32 = 32.0;

/// What a sample outside the image reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Border {
    /// Black (MediaPipe's detector letterbox).
    Zero,
    /// The nearest edge pixel (MediaPipe's landmark crop). A zero border here moves the
    /// shoulders by tens of pixels when the crop reaches past the frame.
    Replicate,
}

/// Warp `img` through `map` into a `[1, n, n, 3]` f32 tensor holding `pixel · scale + offset`.
///
/// Model-input pixel `(u, v)` reads image pixel-index coordinates `map(u, v)`. As in
/// MediaPipe, the warped pixel is rounded to 8 bits before it is scaled.
pub fn warp_to_tensor(
    img: &RgbImage,
    map: &Affine,
    n: usize,
    scale: f32,
    offset: f32,
    border: Border,
) -> Tensor {
    let (w, h) = (img.width() as i64, img.height() as i64);
    let raw = img.as_raw();
    let mut out = vec![0f32; n * n * 3];
    let pixel = |x: i64, y: i64| -> Option<&[u8]> {
        let (x, y) = match border {
            Border::Replicate => (x.clamp(0, w - 1), y.clamp(0, h - 1)),
            Border::Zero if x < 0 || y < 0 || x >= w || y >= h => return None,
            Border::Zero => (x, y),
        };
        let i = ((y * w + x) * 3) as usize;
        Some(&raw[i..i + 3])
    };
    for v in 0..n {
        for u in 0..n {
            let (x, y) = map.apply(u as f32, v as f32);
            // OpenCV resolves positions to 1/32 pixel (INTER_BITS = 5)
            let (xq, yq) = ((x * SUBPIXELS).round() as i64, (y * SUBPIXELS).round() as i64);
            let (x0, y0) = (xq.div_euclid(SUBPIXELS as i64), yq.div_euclid(SUBPIXELS as i64));
            let fx = xq.rem_euclid(SUBPIXELS as i64) as f32 / SUBPIXELS;
            let fy = yq.rem_euclid(SUBPIXELS as i64) as f32 / SUBPIXELS;
            let mut acc = [0f32; 3];
            for (dx, dy, wt) in [
                (0, 0, (1.0 - fx) * (1.0 - fy)),
                (1, 0, fx * (1.0 - fy)),
                (0, 1, (1.0 - fx) * fy),
                (1, 1, fx * fy),
            ] {
                if let Some(p) = pixel(x0 + dx, y0 + dy) {
                    for (a, &c) in acc.iter_mut().zip(p) {
                        *a += wt * f32::from(c);
                    }
                }
            }
            let o = (v * n + u) * 3;
            for (dst, a) in out[o..o + 3].iter_mut().zip(acc) {
                *dst = a.round() * scale + offset;
            }
        }
    }
    tract_ndarray::Array4::from_shape_vec((1, n, n, 3), out).expect("buffer length is n·n·3").into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pose::roi::Roi;
    use image::Rgb;

    fn gradient(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| Rgb([x as u8, y as u8, 200]))
    }

    fn at(t: &Tensor, u: usize, v: usize) -> [f32; 3] {
        let a = t.to_plain_array_view::<f32>().unwrap();
        [a[[0, v, u, 0]], a[[0, v, u, 1]], a[[0, v, u, 2]]]
    }

    #[test]
    fn identity_crop_copies_pixels() {
        let img = gradient(8, 8);
        let roi = Roi { cx: 4.0, cy: 4.0, size: 8.0, rotation: 0.0 };
        let t = warp_to_tensor(&img, &Affine::from_roi(&roi, 8), 8, 1.0, 0.0, Border::Zero);
        assert_eq!(at(&t, 3, 5), [3.0, 5.0, 200.0]);
    }

    #[test]
    fn borders_differ_outside_the_image() {
        let img = gradient(8, 8);
        // a region twice the image: the crop's corner reads far outside the frame
        let roi = Roi { cx: 4.0, cy: 4.0, size: 16.0, rotation: 0.0 };
        let map = Affine::from_roi(&roi, 8);
        let zero = warp_to_tensor(&img, &map, 8, 1.0, 0.0, Border::Zero);
        let repl = warp_to_tensor(&img, &map, 8, 1.0, 0.0, Border::Replicate);
        assert_eq!(at(&zero, 0, 0), [0.0, 0.0, 0.0]);
        assert_eq!(at(&repl, 0, 0), [0.0, 0.0, 200.0]);
        assert_eq!(at(&repl, 7, 7), [7.0, 7.0, 200.0]);
    }

    #[test]
    fn scale_and_offset_apply() {
        let img = RgbImage::from_pixel(4, 4, Rgb([255, 0, 127]));
        let t = warp_to_tensor(&img, &Affine::letterbox(4, 4, 4), 4, 1.0 / 127.5, -1.0, Border::Zero);
        let p = at(&t, 1, 1);
        approx::assert_abs_diff_eq!(p[0], 1.0, epsilon = 1e-6);
        approx::assert_abs_diff_eq!(p[1], -1.0, epsilon = 1e-6);
    }
}
