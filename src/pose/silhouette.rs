//! The landmark model's segmentation output (the person's silhouette in the crop) read
//! where the posture needs it: the top edge of each shoulder. BlazePose's shoulder points
//! sit near the joint centres and follow only part of a shrug; the silhouette's upper edge
//! above them is the skin's, and rises with it.

use super::landmarks::{INPUT_SIZE, RawLandmark};
use super::point;
use super::roi::Roi;

/// Columns sampled around each shoulder point, as fractions of the shoulder span.
const COLUMNS: [f32; 5] = [-0.06, -0.03, 0.0, 0.03, 0.06];
/// Where the search starts below the shoulder point, as a fraction of the span (inside the
/// body), …
const START_BELOW: f32 = 0.15;
/// … and how far up it looks, as a fraction of the span.
const SEARCH_UP: f32 = 1.0;
/// Search step, pixels.
const STEP_PX: f32 = 0.5;
/// Columns that must find the edge for a shoulder to have one.
const MIN_COLUMNS: usize = 3;

/// The segmentation of one crop: logits over the `INPUT_SIZE²` input, row by row.
pub(crate) struct Silhouette<'a> {
    logits: &'a [f32],
    roi: Roi,
}

impl<'a> Silhouette<'a> {
    /// The segmentation output `logits` of the crop `roi` was cut to.
    pub(crate) fn new(logits: &'a [f32], roi: Roi) -> Option<Self> {
        (logits.len() == INPUT_SIZE * INPUT_SIZE).then_some(Silhouette { logits, roi })
    }

    /// Whether image point `(x, y)` is on the person (`None` outside the crop).
    fn person_at(&self, x: f32, y: f32) -> Option<bool> {
        let (s, c) = self.roi.rotation.sin_cos();
        let k = self.roi.size / INPUT_SIZE as f32;
        let (dx, dy) = (x - self.roi.cx, y - self.roi.cy);
        let h = INPUT_SIZE as f32 / 2.0;
        let (u, v) = ((c * dx + s * dy) / k + h, (-s * dx + c * dy) / k + h);
        if !(0.0..INPUT_SIZE as f32).contains(&u) || !(0.0..INPUT_SIZE as f32).contains(&v) {
            return None;
        }
        Some(self.logits[v as usize * INPUT_SIZE + u as usize] > 0.0)
    }

    /// The top edge above image column `x`, searched up from `from_y` (which must be on the
    /// person) for at most `up` pixels, within the image's `height`.
    fn edge_above(&self, x: f32, from_y: f32, up: f32, width: u32) -> Option<f32> {
        if !(0.0..width as f32).contains(&x) || self.person_at(x, from_y) != Some(true) {
            return None;
        }
        let mut y = from_y;
        while y > from_y - up && y >= 0.0 {
            y -= STEP_PX;
            if !self.person_at(x, y)? {
                return Some(y + STEP_PX / 2.0);
            }
        }
        None
    }

    /// The silhouette's top edge above each shoulder point (left, right: image x, y): the
    /// median over columns around it. `None` when either shoulder has no edge within reach
    /// (hidden, out of the image, or the model's silhouette does not reach it).
    pub(crate) fn shoulder_tops(&self, lm: &[RawLandmark], width: u32, height: u32) -> Option<[[f32; 2]; 2]> {
        let (l, r) = (lm.get(point::LEFT_SHOULDER)?, lm.get(point::RIGHT_SHOULDER)?);
        let span = (l.x - r.x).hypot(l.y - r.y);
        if span < 4.0 {
            return None;
        }
        let top = |p: &RawLandmark| -> Option<[f32; 2]> {
            let from = (p.y + START_BELOW * span).min(height as f32 - 1.0);
            let mut edges: Vec<f32> = COLUMNS
                .iter()
                .filter_map(|k| self.edge_above(p.x + k * span, from, SEARCH_UP * span + (from - p.y), width))
                .collect();
            if edges.len() < MIN_COLUMNS {
                return None;
            }
            edges.sort_by(f32::total_cmp);
            Some([p.x, edges[edges.len() / 2]])
        };
        Some([top(l)?, top(r)?])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A crop the size of the input, unrotated, centred on (128, 128) of the image, with the
    /// person wherever `on(x, y)`.
    fn mask(on: impl Fn(usize, usize) -> bool) -> Vec<f32> {
        (0..INPUT_SIZE * INPUT_SIZE)
            .map(|i| if on(i % INPUT_SIZE, i / INPUT_SIZE) { 5.0 } else { -5.0 })
            .collect()
    }

    fn point(x: f32, y: f32) -> RawLandmark {
        RawLandmark { x, y, z: 0.0, visibility: 1.0, presence: 1.0 }
    }

    #[test]
    fn the_top_edge_above_each_shoulder_is_found() {
        // shoulders whose skin top is at row 100 on the left (image right) and 90 on the right
        let logits = mask(|x, y| if x < 128 { y >= 90 } else { y >= 100 });
        let roi = Roi { cx: 128.0, cy: 128.0, size: INPUT_SIZE as f32, rotation: 0.0 };
        let s = Silhouette::new(&logits, roi).unwrap();
        let mut lm = vec![point(0.0, 0.0); 33];
        lm[point::LEFT_SHOULDER] = point(180.0, 130.0);
        lm[point::RIGHT_SHOULDER] = point(80.0, 130.0);
        let [l, r] = s.shoulder_tops(&lm, 256, 256).unwrap();
        assert!((l[1] - 100.0).abs() <= 0.5 && (r[1] - 90.0).abs() <= 0.5, "{l:?} {r:?}");
        assert_eq!((l[0], r[0]), (180.0, 80.0));
        // nobody under a shoulder: no edge
        let empty = mask(|x, _| x < 128);
        let s = Silhouette::new(&empty, roi).unwrap();
        assert!(s.shoulder_tops(&lm, 256, 256).is_none());
    }
}
