//! Decoding the BlazePose detector: SSD anchors, box and keypoint regression, and
//! MediaPipe's weighted non-max suppression.

use super::landmarks::sigmoid;

/// Side of the detector's square input, pixels.
pub const INPUT_SIZE: usize = 224;
/// Anchors the detector predicts for (`SsdAnchorsCalculator` for `pose_detection`).
pub const NUM_ANCHORS: usize = 2254;
/// Values per anchor: box centre x, y, width, height, then four keypoints (x, y).
pub const VALUES_PER_ANCHOR: usize = 12;
/// Overlap above which detections are merged (`NonMaxSuppressionCalculator`).
const IOU_THRESHOLD: f32 = 0.3;
/// Logit clipping applied before the sigmoid (`score_clipping_thresh`).
const SCORE_CLIP: f32 = 100.0;

/// One detection in detector-input coordinates normalised to `[0, 1]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Detection {
    /// Score of the strongest anchor of the merged cluster (a probability).
    pub score: f32,
    /// Keypoints: 0 hip centre, 1 full-body scale point, 2 shoulder centre, 3 upper-body
    /// scale point.
    pub keypoints: [(f32, f32); 4],
}

/// Anchor centres of MediaPipe's `SsdAnchorsCalculator` configured for `pose_detection`:
/// 224×224 input, strides 8, 16, 32, 32, 32, two anchors per cell and layer, fixed size.
pub fn anchors() -> Vec<(f32, f32)> {
    const STRIDES: [usize; 5] = [8, 16, 32, 32, 32];
    let mut out = Vec::with_capacity(NUM_ANCHORS);
    let mut layer = 0;
    while layer < STRIDES.len() {
        // consecutive layers with the same stride share one feature map
        let same = STRIDES[layer..].iter().take_while(|&&s| s == STRIDES[layer]).count();
        let per_cell = 2 * same;
        let cells = INPUT_SIZE.div_ceil(STRIDES[layer]);
        for y in 0..cells {
            for x in 0..cells {
                let centre = ((x as f32 + 0.5) / cells as f32, (y as f32 + 0.5) / cells as f32);
                out.extend(std::iter::repeat_n(centre, per_cell));
            }
        }
        layer += same;
    }
    out
}

fn iou(a: &[f32; 4], b: &[f32; 4]) -> f32 {
    let overlap = |ca: f32, sa: f32, cb: f32, sb: f32| {
        ((ca + sa / 2.0).min(cb + sb / 2.0) - (ca - sa / 2.0).max(cb - sb / 2.0)).max(0.0)
    };
    let inter = overlap(a[0], a[2], b[0], b[2]) * overlap(a[1], a[3], b[1], b[3]);
    let union = a[2] * a[3] + b[2] * b[3] - inter;
    if union > 0.0 { inter / union } else { 0.0 }
}

/// Decode the raw detector outputs (`regressors` `[2254 × 12]`, `scores` `[2254]` logits)
/// into the best detection, or `None` when no anchor reaches `min_score`.
///
/// Like MediaPipe's `TensorsToDetectionsCalculator` + weighted `NonMaxSuppressionCalculator`:
/// anchors below `min_score` are dropped, then the box and keypoints of the strongest one
/// are replaced by the score-weighted mean over every kept anchor overlapping it by
/// IoU > 0.3.
pub fn decode(
    regressors: &[f32],
    scores: &[f32],
    anchors: &[(f32, f32)],
    min_score: f32,
) -> Option<Detection> {
    let decode_one = |i: usize| {
        let r = &regressors[i * VALUES_PER_ANCHOR..(i + 1) * VALUES_PER_ANCHOR];
        let (ax, ay) = anchors[i];
        let mut d = [0f32; VALUES_PER_ANCHOR];
        for (j, (dst, &raw)) in d.iter_mut().zip(r).enumerate() {
            let base = match j {
                2 | 3 => 0.0,
                _ if j % 2 == 0 => ax,
                _ => ay,
            };
            *dst = raw / INPUT_SIZE as f32 + base;
        }
        d
    };
    let kept: Vec<(f32, [f32; VALUES_PER_ANCHOR])> = scores
        .iter()
        .enumerate()
        .map(|(i, &logit)| (sigmoid(logit.clamp(-SCORE_CLIP, SCORE_CLIP)), i))
        .filter(|&(s, _)| s >= min_score)
        .map(|(s, i)| (s, decode_one(i)))
        .collect();
    let (score, best) = kept.iter().max_by(|a, b| a.0.total_cmp(&b.0))?;
    let best_box = [best[0], best[1], best[2], best[3]];
    let mut sum = [0f32; VALUES_PER_ANCHOR];
    let mut weight = 0.0;
    for (s, d) in &kept {
        if iou(&best_box, &[d[0], d[1], d[2], d[3]]) > IOU_THRESHOLD {
            for (acc, v) in sum.iter_mut().zip(d) {
                *acc += v * s;
            }
            weight += s;
        }
    }
    let m: Vec<f32> = sum.iter().map(|v| v / weight).collect();
    Some(Detection { score: *score, keypoints: [(m[4], m[5]), (m[6], m[7]), (m[8], m[9]), (m[10], m[11])] })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn anchor_layout_matches_mediapipe() {
        let a = anchors();
        assert_eq!(a.len(), NUM_ANCHORS);
        // stride 8: 28×28 cells, two anchors each
        assert_eq!(a[0], (0.5 / 28.0, 0.5 / 28.0));
        assert_eq!(a[1], a[0]);
        assert_eq!(a[2], (1.5 / 28.0, 0.5 / 28.0));
        // stride 16 starts after 28·28·2 anchors
        assert_eq!(a[1568], (0.5 / 14.0, 0.5 / 14.0));
        // the three stride-32 layers share 7×7 cells with six anchors each
        assert_eq!(a[1568 + 392], (0.5 / 7.0, 0.5 / 7.0));
        assert_eq!(a[1568 + 392 + 5], (0.5 / 7.0, 0.5 / 7.0));
        assert_eq!(a[NUM_ANCHORS - 1], (6.5 / 7.0, 6.5 / 7.0));
    }

    fn raw_for(anchors: &[(f32, f32)], hits: &[(usize, f32, [f32; 12])]) -> (Vec<f32>, Vec<f32>) {
        let mut reg = vec![0f32; anchors.len() * 12];
        let mut cls = vec![-20f32; anchors.len()];
        for &(i, logit, ref target) in hits {
            cls[i] = logit;
            for j in 0..12 {
                let base = match j {
                    2 | 3 => 0.0,
                    _ if j % 2 == 0 => anchors[i].0,
                    _ => anchors[i].1,
                };
                reg[i * 12 + j] = (target[j] - base) * INPUT_SIZE as f32;
            }
        }
        (reg, cls)
    }

    #[test]
    fn nothing_above_min_score_is_no_detection() {
        let a = anchors();
        let (reg, cls) = raw_for(&a, &[(100, -0.5, [0.5; 12])]);
        assert!(decode(&reg, &cls, &a, 0.5).is_none());
        assert!(decode(&reg, &cls, &a, 0.3).is_some());
    }

    #[test]
    fn overlapping_detections_are_weight_averaged_and_far_ones_ignored() {
        let a = anchors();
        let t1 = [0.5, 0.5, 0.4, 0.4, 0.50, 0.60, 0.5, 0.3, 0.5, 0.4, 0.5, 0.2];
        let t2 = [0.52, 0.5, 0.4, 0.4, 0.54, 0.60, 0.5, 0.3, 0.5, 0.4, 0.5, 0.2];
        let far = [0.1, 0.1, 0.1, 0.1, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9];
        // logits 2.0 and 0.0 → probabilities 0.881 and 0.5
        let (reg, cls) = raw_for(&a, &[(10, 2.0, t1), (20, 0.0, t2), (30, 1.0, far)]);
        let d = decode(&reg, &cls, &a, 0.5).unwrap();
        let (w1, w2) = (sigmoid(2.0), 0.5);
        assert_abs_diff_eq!(d.score, w1, epsilon = 1e-6);
        assert_abs_diff_eq!(d.keypoints[0].0, (0.50 * w1 + 0.54 * w2) / (w1 + w2), epsilon = 1e-5);
        assert_abs_diff_eq!(d.keypoints[3].1, 0.2, epsilon = 1e-5);
    }
}
