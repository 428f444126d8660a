//! Camera buffers to RGB, done here rather than by nokhwa: nokhwa's MJPEG decoder (mozjpeg)
//! ends the process on a corrupt frame (nokhwa#19), and its YUV decoders index the buffer
//! without checking its length. Every decoder here checks the buffer first and returns an
//! error for a bad frame, which the capture loop skips and counts.

use image::{ImageDecoder, RgbImage};
use nokhwa::utils::{FrameFormat, Resolution};

/// Why a camera buffer could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadFrame {
    /// The buffer's length does not match its format and resolution.
    #[error("{format} frame of {got} bytes where {resolution} needs {want}")]
    Length {
        /// Pixel format.
        format: FrameFormat,
        /// Negotiated resolution.
        resolution: Resolution,
        /// Bytes received.
        got: usize,
        /// Bytes expected.
        want: usize,
    },
    /// An MJPEG frame that does not start with a JPEG start-of-image marker (e.g. zeros).
    #[error("MJPEG frame without a JPEG start marker")]
    NotJpeg,
    /// An MJPEG frame that ends before its end-of-image marker (cut short on the bus).
    #[error("MJPEG frame cut short (no end-of-image marker)")]
    Truncated,
    /// The JPEG decoder refused the frame.
    #[error("MJPEG frame does not decode: {0}")]
    Jpeg(String),
    /// A zero-sized resolution.
    #[error("frame of zero size")]
    Empty,
}

/// The pixel formats ergoaudit decodes itself, in order of preference when choosing a mode.
pub const DECODABLE: [FrameFormat; 6] = [
    FrameFormat::MJPEG,
    FrameFormat::YUYV,
    FrameFormat::NV12,
    FrameFormat::RAWRGB,
    FrameFormat::RAWBGR,
    FrameFormat::GRAY,
];

/// Largest frame accepted from a camera: 4096 × 4096 pixels.
pub const MAX_PIXELS: usize = 4096 * 4096;

/// Decode one camera buffer of `format` at `resolution` into RGB.
pub fn decode(data: &[u8], format: FrameFormat, resolution: Resolution) -> Result<RgbImage, BadFrame> {
    let (w, h) = (resolution.width() as usize, resolution.height() as usize);
    if w == 0 || h == 0 || w * h > MAX_PIXELS {
        return Err(BadFrame::Empty);
    }
    let want = match format {
        FrameFormat::MJPEG => return decode_mjpeg(data),
        FrameFormat::YUYV => w * h * 2,
        FrameFormat::NV12 => w * h + 2 * w.div_ceil(2) * h.div_ceil(2),
        FrameFormat::RAWRGB | FrameFormat::RAWBGR => w * h * 3,
        FrameFormat::GRAY => w * h,
    };
    // drivers may pad a frame at its end; a shorter one is cut
    if data.len() < want {
        return Err(BadFrame::Length { format, resolution, got: data.len(), want });
    }
    let data = &data[..want];
    let mut rgb = vec![0u8; w * h * 3];
    match format {
        FrameFormat::YUYV => yuyv_to_rgb(data, w, &mut rgb),
        FrameFormat::NV12 => nv12_to_rgb(data, w, h, &mut rgb),
        FrameFormat::RAWRGB => rgb.copy_from_slice(data),
        FrameFormat::RAWBGR => {
            for (out, px) in rgb.chunks_exact_mut(3).zip(data.chunks_exact(3)) {
                out.copy_from_slice(&[px[2], px[1], px[0]]);
            }
        }
        FrameFormat::GRAY => {
            for (out, &g) in rgb.chunks_exact_mut(3).zip(data) {
                out.fill(g);
            }
        }
        FrameFormat::MJPEG => unreachable!("decoded above"),
    }
    RgbImage::from_raw(resolution.width(), resolution.height(), rgb).ok_or(BadFrame::Empty)
}

fn decode_mjpeg(data: &[u8]) -> Result<RgbImage, BadFrame> {
    if !data.starts_with(&[0xFF, 0xD8]) {
        return Err(BadFrame::NotJpeg);
    }
    let end = jpeg_end(data).ok_or(BadFrame::Truncated)?;
    let decoder = image::codecs::jpeg::JpegDecoder::new(std::io::Cursor::new(&data[..end]))
        .map_err(|e| BadFrame::Jpeg(e.to_string()))?;
    let (w, h) = decoder.dimensions();
    if w == 0 || h == 0 || (w as usize) * (h as usize) > MAX_PIXELS {
        return Err(BadFrame::Empty);
    }
    let image = image::DynamicImage::from_decoder(decoder).map_err(|e| BadFrame::Jpeg(e.to_string()))?;
    Ok(image.to_rgb8())
}

/// Whether a JPEG ends with its end-of-image marker, allowing the padding (zeros or a few
/// kB of junk) cameras and some writers put after it.
pub fn jpeg_is_complete(data: &[u8]) -> bool {
    jpeg_end(data).is_some()
}

/// Where a complete JPEG's bytes end once trailing zeros are trimmed; `None` when no
/// end-of-image marker lies in its last 4 kB.
fn jpeg_end(data: &[u8]) -> Option<usize> {
    let end = data.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    data[end.saturating_sub(4096)..end].windows(2).any(|w| w == [0xFF, 0xD9]).then_some(end)
}

/// BT.601 limited-range YCbCr to RGB, in 16.16 fixed point.
fn ycc_to_rgb(y: u8, cb: u8, cr: u8) -> [u8; 3] {
    let c = (i32::from(y) - 16).max(0) * 76_309;
    let d = i32::from(cb) - 128;
    let e = i32::from(cr) - 128;
    let clamp = |v: i32| ((v + 32_768) >> 16).clamp(0, 255) as u8;
    [clamp(c + 104_597 * e), clamp(c - 25_675 * d - 53_279 * e), clamp(c + 132_201 * d)]
}

fn yuyv_to_rgb(data: &[u8], _width: usize, rgb: &mut [u8]) {
    for (px, out) in data.chunks_exact(4).zip(rgb.chunks_exact_mut(6)) {
        let (y0, u, y1, v) = (px[0], px[1], px[2], px[3]);
        out[..3].copy_from_slice(&ycc_to_rgb(y0, u, v));
        out[3..].copy_from_slice(&ycc_to_rgb(y1, u, v));
    }
}

fn nv12_to_rgb(data: &[u8], w: usize, h: usize, rgb: &mut [u8]) {
    let (luma, chroma) = data.split_at(w * h);
    let chroma_row = 2 * w.div_ceil(2);
    for row in 0..h {
        for col in 0..w {
            let uv = (row / 2) * chroma_row + (col / 2) * 2;
            let px = ycc_to_rgb(luma[row * w + col], chroma[uv], chroma[uv + 1]);
            rgb[(row * w + col) * 3..][..3].copy_from_slice(&px);
        }
    }
}

fn rgb_to_ycc(p: &[u8]) -> (u8, u8, u8) {
    let (r, g, b) = (f32::from(p[0]), f32::from(p[1]), f32::from(p[2]));
    let y = 16.0 + 0.256_79 * r + 0.504_13 * g + 0.097_91 * b;
    let cb = 128.0 - 0.148_22 * r - 0.290_99 * g + 0.439_22 * b;
    let cr = 128.0 + 0.439_22 * r - 0.367_79 * g - 0.071_43 * b;
    (y.round() as u8, cb.round() as u8, cr.round() as u8)
}

/// Encode RGB as a camera would send it (for the scripted camera): YUYV, NV12, raw RGB/BGR,
/// grey, or MJPEG at quality 85.
pub fn encode(image: &RgbImage, format: FrameFormat) -> Vec<u8> {
    let (w, h) = (image.width() as usize, image.height() as usize);
    let px = |x: usize, y: usize| &image.as_raw()[(y * w + x) * 3..][..3];
    match format {
        FrameFormat::MJPEG => {
            let mut out = Vec::new();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
                .encode_image(image)
                .expect("encoding to memory does not fail");
            out
        }
        FrameFormat::YUYV => {
            let mut out = Vec::with_capacity(w * h * 2);
            for y in 0..h {
                for x in (0..w).step_by(2) {
                    let (y0, u0, v0) = rgb_to_ycc(px(x, y));
                    let (y1, u1, v1) = rgb_to_ycc(px((x + 1).min(w - 1), y));
                    let avg =
                        |a: u8, b: u8| u8::try_from((u16::from(a) + u16::from(b)).div_ceil(2)).unwrap_or(255);
                    out.extend([y0, avg(u0, u1), y1, avg(v0, v1)]);
                }
            }
            out
        }
        FrameFormat::NV12 => {
            let mut out: Vec<u8> = (0..h)
                .flat_map(|y| (0..w).map(move |x| (x, y)))
                .map(|(x, y)| rgb_to_ycc(px(x, y)).0)
                .collect();
            for y in (0..h).step_by(2) {
                for x in (0..w).step_by(2) {
                    let (_, u, v) = rgb_to_ycc(px(x, y));
                    out.extend([u, v]);
                }
            }
            out
        }
        FrameFormat::RAWRGB => image.as_raw().clone(),
        FrameFormat::RAWBGR => image.as_raw().chunks_exact(3).flat_map(|p| [p[2], p[1], p[0]]).collect(),
        FrameFormat::GRAY => image.as_raw().chunks_exact(3).map(|p| rgb_to_ycc(p).0).collect(),
    }
}

/// Mean brightness of an image, 0 (black) to 1 (white), from every 8th pixel of every 8th
/// row (Rec. 601 luma weights).
pub fn brightness(image: &RgbImage) -> f64 {
    let (w, h) = image.dimensions();
    let (mut sum, mut n) = (0.0, 0u32);
    for y in (0..h).step_by(8) {
        for x in (0..w).step_by(8) {
            let p = image.get_pixel(x, y).0;
            sum += 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]);
            n += 1;
        }
    }
    if n == 0 { 0.0 } else { sum / f64::from(n) / 255.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x * 7 % 256) as u8, (y * 5 % 256) as u8, ((x + y) % 256) as u8])
        })
    }

    fn max_diff(a: &RgbImage, b: &RgbImage) -> u8 {
        a.as_raw().iter().zip(b.as_raw()).map(|(x, y)| x.abs_diff(*y)).max().unwrap()
    }

    #[test]
    fn uncompressed_formats_round_trip() {
        let image = RgbImage::from_fn(64, 48, |x, y| image::Rgb([(x * 4) as u8, (y * 5) as u8, 128]));
        let res = Resolution::new(64, 48);
        for (format, tolerance) in [
            (FrameFormat::RAWRGB, 0),
            (FrameFormat::RAWBGR, 0),
            // chroma is shared by two (YUYV) or four (NV12) pixels; this image's chroma
            // changes by a few levels per pixel
            (FrameFormat::YUYV, 12),
            (FrameFormat::NV12, 16),
        ] {
            let back = decode(&encode(&image, format), format, res).unwrap();
            let d = max_diff(&image, &back);
            assert!(d <= tolerance, "{format}: {d}");
        }
        let grey = decode(&encode(&image, FrameFormat::GRAY), FrameFormat::GRAY, res).unwrap();
        assert!(grey.pixels().all(|p| p[0] == p[1] && p[1] == p[2]));
    }

    #[test]
    fn flat_colours_survive_yuv_exactly_enough() {
        for rgb in [[0, 0, 0], [255, 255, 255], [200, 30, 60], [20, 180, 240]] {
            let image = RgbImage::from_pixel(8, 4, image::Rgb(rgb));
            for format in [FrameFormat::YUYV, FrameFormat::NV12] {
                let back = decode(&encode(&image, format), format, Resolution::new(8, 4)).unwrap();
                assert!(max_diff(&image, &back) <= 2, "{rgb:?} {format}");
            }
        }
    }

    #[test]
    fn mjpeg_decodes_and_bad_buffers_are_errors_not_panics() {
        let image = gradient(64, 48);
        let res = Resolution::new(64, 48);
        let jpeg = encode(&image, FrameFormat::MJPEG);
        let back = decode(&jpeg, FrameFormat::MJPEG, res).unwrap();
        assert_eq!(back.dimensions(), (64, 48));
        // padding after the end marker, as cameras send it
        let mut padded = jpeg.clone();
        padded.extend([0u8; 1000]);
        assert!(decode(&padded, FrameFormat::MJPEG, res).is_ok());

        assert_eq!(decode(&vec![0; jpeg.len()], FrameFormat::MJPEG, res), Err(BadFrame::NotJpeg));
        assert_eq!(decode(&jpeg[..jpeg.len() / 2], FrameFormat::MJPEG, res), Err(BadFrame::Truncated));
        let mut two_soi = jpeg[..2].to_vec();
        two_soi.extend_from_slice(&jpeg);
        assert!(
            matches!(decode(&two_soi, FrameFormat::MJPEG, res), Err(BadFrame::Jpeg(_))),
            "two start markers"
        );
        assert!(decode(&[], FrameFormat::MJPEG, res).is_err());
        for format in [FrameFormat::YUYV, FrameFormat::NV12, FrameFormat::RAWRGB, FrameFormat::GRAY] {
            let full = encode(&image, format);
            assert!(
                matches!(decode(&full[..full.len() - 1], format, res), Err(BadFrame::Length { .. })),
                "{format}"
            );
        }
        assert_eq!(decode(&jpeg, FrameFormat::YUYV, Resolution::new(0, 48)), Err(BadFrame::Empty));
    }

    #[test]
    fn brightness_spans_zero_to_one() {
        assert_eq!(brightness(&RgbImage::from_pixel(16, 16, image::Rgb([0, 0, 0]))), 0.0);
        let white = brightness(&RgbImage::from_pixel(16, 16, image::Rgb([255, 255, 255])));
        assert!((white - 1.0).abs() < 1e-9);
    }
}
