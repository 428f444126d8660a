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

    /// The segmentation's logit at image point `(x, y)`, interpolated between the four
    /// nearest cells (positive: on the person; `None` outside the crop).
    fn logit_at(&self, x: f32, y: f32) -> Option<f32> {
        let (s, c) = self.roi.rotation.sin_cos();
        let k = self.roi.size / INPUT_SIZE as f32;
        let (dx, dy) = (x - self.roi.cx, y - self.roi.cy);
        let h = INPUT_SIZE as f32 / 2.0;
        let (u, v) = ((c * dx + s * dy) / k + h, (-s * dx + c * dy) / k + h);
        if !(0.0..INPUT_SIZE as f32).contains(&u) || !(0.0..INPUT_SIZE as f32).contains(&v) {
            return None;
        }
        // cell centres sit at half a cell
        let last = (INPUT_SIZE - 1) as f32;
        let (u, v) = ((u - 0.5).clamp(0.0, last), (v - 0.5).clamp(0.0, last));
        let (u0, v0) = (u.floor(), v.floor());
        let (fu, fv) = (u - u0, v - v0);
        let (u0, v0) = (u0 as usize, v0 as usize);
        let (u1, v1) = ((u0 + 1).min(INPUT_SIZE - 1), (v0 + 1).min(INPUT_SIZE - 1));
        let at = |u: usize, v: usize| self.logits[v * INPUT_SIZE + u];
        let top = at(u0, v0) + (at(u1, v0) - at(u0, v0)) * fu;
        let bottom = at(u0, v1) + (at(u1, v1) - at(u0, v1)) * fu;
        Some(top + (bottom - top) * fv)
    }

    /// The top edge above image column `x`, searched up from `from_y` (which must be on the
    /// person) for at most `up` pixels, within the image's `height`: where the interpolated
    /// logit crosses zero.
    fn edge_above(&self, x: f32, from_y: f32, up: f32, width: u32) -> Option<f32> {
        if !(0.0..width as f32).contains(&x) {
            return None;
        }
        let mut below = self.logit_at(x, from_y).filter(|&l| l > 0.0)?;
        let mut y = from_y;
        while y > from_y - up && y >= 0.0 {
            y -= STEP_PX;
            let here = self.logit_at(x, y)?;
            if here <= 0.0 {
                // between the last step on the person and this one, where the logit is zero
                return Some(y + STEP_PX * (-here / (below - here)));
            }
            below = here;
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
