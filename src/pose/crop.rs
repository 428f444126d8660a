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
/// MediaPipe, the warped pixel is rounded to 8 bits before it is scaled. The arithmetic is
/// OpenCV's fixed point: positions in 1/32 pixel, so the four weights are whole 1/1024ths and
/// each sum is exact in integers.
pub fn warp_to_tensor(
    img: &RgbImage,
    map: &Affine,
    n: usize,
    scale: f32,
    offset: f32,
    border: Border,
) -> Tensor {
    let (w, h) = (img.width() as i32, img.height() as i32);
    let raw = img.as_raw();
    let stride = w as usize * 3;
    // Each 8-bit level as the model reads it.
    let levels: [f32; 256] = std::array::from_fn(|level| level as f32 * scale + offset);
    let mut out = vec![0f32; n * n * 3];
    // where each pixel of one output row reads (its top-left neighbour and sub-pixel offsets),
    // computed for the whole row before any pixel is read
    let mut reads = vec![[0i32; 4]; n];
    for (v, row) in out.chunks_exact_mut(n * 3).enumerate() {
        for (u, read) in reads.iter_mut().enumerate() {
            let (x, y) = map.apply(u as f32, v as f32);
            // OpenCV resolves positions to 1/32 pixel (INTER_BITS = 5)
            let (xq, yq) = (round_to_int(x * SUBPIXELS), round_to_int(y * SUBPIXELS));
            *read = [xq >> 5, yq >> 5, xq & 31, yq & 31];
        }
        for (dst, &[x0, y0, fx, fy]) in row.chunks_exact_mut(3).zip(&reads) {
            // OpenCV's weights, in 1/1024ths of a pixel's area
            let mut weights = [(32 - fx) * (32 - fy), fx * (32 - fy), (32 - fx) * fy, fx * fy];
            // where the four neighbours (left/right × top/bottom) start in the image
            let at = if x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h {
                let top = y0 as usize * stride + x0 as usize * 3;
                [top, top + 3, top + stride, top + stride + 3]
            } else {
                // each clamped into the image: the nearest edge pixel, or for a zero border,
                // any pixel with the weight zeroed
                let (xs, ys) = ([x0, x0 + 1], [y0, y0 + 1]);
                let mut at = [0usize; 4];
                for (k, (at, weight)) in at.iter_mut().zip(&mut weights).enumerate() {
                    let (x, y) = (xs[k % 2], ys[k / 2]);
                    if border == Border::Zero && !((0..w).contains(&x) && (0..h).contains(&y)) {
                        *weight = 0;
                    }
                    *at = y.clamp(0, h - 1) as usize * stride + x.clamp(0, w - 1) as usize * 3;
                }
                at
            };
            let mut acc = [0i32; 3];
            for (c, acc) in acc.iter_mut().enumerate() {
                *acc = at.iter().zip(weights).map(|(&at, weight)| i32::from(raw[at + c]) * weight).sum();
            }
            for (dst, acc) in dst.iter_mut().zip(acc) {
                // the sum in 1/1024ths, rounded half up: at most 255
                *dst = levels[((acc + 512) >> 10) as usize];
            }
        }
    }
    tract_ndarray::Array4::from_shape_vec((1, n, n, 3), out).expect("buffer length is n·n·3").into()
}

/// `x.round()` (half away from zero) as an integer, for |x| < 2²³, without the library call
/// `f32::round` is on x86_64 CPUs below SSE4.1 (`x` minus its truncation is exact there),
/// and without branches: the fraction is as likely above one half as below.
fn round_to_int(x: f32) -> i32 {
    let truncated = x as i32;
    let fraction = x - truncated as f32;
    truncated + i32::from(fraction >= 0.5) - i32::from(fraction <= -0.5)
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
    fn rounding_is_f32_round() {
        let mut values =
            vec![0.5f32, -0.5, 1.5, -1.5, 2.5, 0.49999997, -0.49999997, 255.5, 8191.5, 0.0, -0.0];
        values.extend((-20000..20000).map(|i| i as f32 * 0.03125 + 0.0001 * (i % 7) as f32));
        values.extend((-2000..2000).map(|i| i as f32 * 0.5));
        for x in values {
            assert_eq!(round_to_int(x), x.round() as i32, "{x}");
        }
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
