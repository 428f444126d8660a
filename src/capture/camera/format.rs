//! Which of a camera's modes ergoaudit asks for. nokhwa's `Closest` request filters frame
//! rates by the requested resolution and often finds nothing, and its usual fallback (the
//! highest frame rate) picks the most expensive mode; so the project chooses the mode
//! itself from the list the camera offers and requests exactly that.

use nokhwa::utils::{CameraFormat, FrameFormat};

use super::decode::{DECODABLE, MAX_PIXELS};

/// The smallest frame the pose stage is given its due by: BlazePose's detector sees 224 px
/// and its landmark model 256 px of a head-and-shoulders crop, which 640 × 360 (16:9) or
/// 640 × 480 (4:3) covers with room to spare.
pub const MIN_WIDTH: u32 = 640;
/// See [`MIN_WIDTH`].
pub const MIN_HEIGHT: u32 = 360;
/// Frame rates outside this range are avoided: below it the warm-up and bursts drag, above
/// it the camera spends USB bandwidth and often a larger sensor mode for nothing.
pub const FPS_RANGE: std::ops::RangeInclusive<u32> = 10..=30;

fn format_rank(format: FrameFormat) -> usize {
    DECODABLE.iter().position(|f| *f == format).unwrap_or(usize::MAX)
}

/// The mode to use among `offered`: the smallest one at or above [`MIN_WIDTH`] ×
/// [`MIN_HEIGHT`] (or, if none is that large, the largest one), MJPEG preferred over
/// uncompressed formats, at the highest frame rate within [`FPS_RANGE`] (else the one
/// closest to it). `None` when no mode has a format ergoaudit decodes.
pub fn choose(offered: &[CameraFormat]) -> Option<CameraFormat> {
    let usable: Vec<&CameraFormat> = offered
        .iter()
        .filter(|f| {
            DECODABLE.contains(&f.format())
                && f.width() > 0
                && f.height() > 0
                && (f.width() as usize) * (f.height() as usize) <= MAX_PIXELS
        })
        .collect();
    let pixels = |f: &CameraFormat| u64::from(f.width()) * u64::from(f.height());
    let big_enough = |f: &CameraFormat| f.width() >= MIN_WIDTH && f.height() >= MIN_HEIGHT;
    let size = if usable.iter().any(|f| big_enough(f)) {
        usable.iter().filter(|f| big_enough(f)).map(|f| pixels(f)).min()?
    } else {
        usable.iter().map(|f| pixels(f)).max()?
    };
    let fps_cost = |fps: u32| {
        if FPS_RANGE.contains(&fps) {
            // within the range, the faster the better
            (0, u32::MAX - fps)
        } else {
            (1, fps.abs_diff(*FPS_RANGE.start()).min(fps.abs_diff(*FPS_RANGE.end())))
        }
    };
    usable
        .into_iter()
        .filter(|f| pixels(f) == size)
        .min_by_key(|f| (format_rank(f.format()), fps_cost(f.frame_rate()), f.width()))
        .copied()
}

/// `640×480 MJPEG @30`.
pub fn describe(format: &CameraFormat) -> String {
    format!("{}×{} {} @{}", format.width(), format.height(), format.format(), format.frame_rate())
}

#[cfg(test)]
mod tests {
    use super::*;
    use nokhwa::utils::Resolution;

    fn mode(w: u32, h: u32, format: FrameFormat, fps: u32) -> CameraFormat {
        CameraFormat::new(Resolution::new(w, h), format, fps)
    }

    #[test]
    fn the_smallest_sufficient_mjpeg_mode_at_a_sane_rate() {
        // the camera of the issue: 1080p@30 and 720p@60, plus the usual small modes
        let offered = [
            mode(1920, 1080, FrameFormat::MJPEG, 30),
            mode(1280, 720, FrameFormat::MJPEG, 60),
            mode(1280, 720, FrameFormat::MJPEG, 30),
            mode(640, 480, FrameFormat::YUYV, 30),
            mode(640, 480, FrameFormat::MJPEG, 60),
            mode(640, 480, FrameFormat::MJPEG, 30),
            mode(640, 480, FrameFormat::MJPEG, 15),
            mode(320, 240, FrameFormat::MJPEG, 30),
        ];
        assert_eq!(choose(&offered), Some(mode(640, 480, FrameFormat::MJPEG, 30)));
        // without small modes: 720p, not at 60 fps
        assert_eq!(choose(&offered[..3]), Some(mode(1280, 720, FrameFormat::MJPEG, 30)));
        // only 60 fps on offer: take it
        assert_eq!(choose(&offered[1..2]), Some(mode(1280, 720, FrameFormat::MJPEG, 60)));
    }

    #[test]
    fn uncompressed_when_there_is_no_mjpeg_and_the_largest_when_all_are_small() {
        let offered = [mode(640, 480, FrameFormat::NV12, 30), mode(640, 480, FrameFormat::YUYV, 5)];
        assert_eq!(choose(&offered), Some(mode(640, 480, FrameFormat::YUYV, 5)));
        let small = [mode(320, 240, FrameFormat::YUYV, 30), mode(424, 240, FrameFormat::YUYV, 30)];
        assert_eq!(choose(&small), Some(mode(424, 240, FrameFormat::YUYV, 30)));
        assert_eq!(choose(&[]), None);
        assert_eq!(choose(&[mode(0, 0, FrameFormat::MJPEG, 30)]), None);
    }

    #[test]
    fn described_in_one_short_phrase() {
        assert_eq!(describe(&mode(640, 480, FrameFormat::MJPEG, 30)), "640×480 MJPEG @30");
    }
}
