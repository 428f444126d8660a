//! The head's position and orientation from all the face landmarks at once: a rigid 3D
//! template of BlazePose's eleven face points (nose, eyes, ears, mouth) fitted to the image
//! by the pinhole model (a PnP fit).
//!
//! One landmark pair (the ear span) gives the head's depth to about 1 px of a 90 px span —
//! a centimetre at a laptop's distance; eleven points fitted together halve that, and the
//! fit also gives the head's yaw and roll. The template is personal when a calibration made
//! it (each point placed at its depth in the calibration frames), generic otherwise.
//! (The fit's pitch is not used: BlazePose's ears follow the face as it pitches, so a rigid
//! fit explains a pitch mostly as the head moving down; `front` reads the pitch from the
//! nose against the ears instead.)

use serde::{Deserialize, Serialize};

use super::anatomy::{BLAZEPOSE_EAR_SPAN_M, IPD_M};
use super::geometry::{P3, dot3, norm3, px, ray, sub3};
use super::sample::Observation;
use super::view::usable;
use crate::pose::point;
use crate::stats::median;

/// BlazePose's face landmarks, in its order: nose, the three points of each eye, the ears,
/// the mouth corners.
pub const FACE_POINTS: usize = 11;

/// How far each face point stands in front of the ear axis, metres (adult anthropometry:
/// the nose tip ≈ 11 cm in front of the tragus line, the eyes ≈ 8.5 cm, their outer corners
/// ≈ 7 cm, the mouth corners ≈ 8.5 cm; BlazePose's ears are the axis itself).
const DEPTH_M: [f64; FACE_POINTS] = [0.110, 0.090, 0.085, 0.070, 0.090, 0.085, 0.070, 0.0, 0.0, 0.085, 0.085];

/// The generic template's face layout seen from the front, in ear spans (x right, y down,
/// origin between the ears): the median of MediaPipe 0.10.14's landmarks on the frontal
/// frames of the three webcam clips of the project's reference set (cap13, franck,
/// single_face: 177 frames with the nose within 5 % of a span of the ears' midpoint), made
/// symmetric.
const FRONT_LAYOUT: [[f64; 2]; FACE_POINTS] = [
    [0.0, 0.089],
    [0.170, -0.157],
    [0.277, -0.146],
    [0.372, -0.129],
    [-0.170, -0.157],
    [-0.277, -0.146],
    [-0.372, -0.129],
    [0.5, 0.0],
    [-0.5, 0.0],
    [0.2075, 0.403],
    [-0.2075, 0.403],
];

/// A rigid 3D model of the face points, metres, camera axes (x right, y down, z away from
/// the camera), origin at the midpoint of the ears.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Template {
    /// The eleven points, in BlazePose order.
    pub points: Vec<[f64; 3]>,
}

/// Where the head is: the template's rotation and the ears' midpoint, camera space.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HeadPose {
    /// Rotation from the template's axes to the camera's (rows: camera x, y, z).
    pub rotation: [[f64; 3]; 3],
    /// The midpoint of BlazePose's ears, metres, camera space.
    pub ear_mid: P3,
}

impl HeadPose {
    /// Where a template point is now.
    pub fn place(&self, p: P3) -> P3 {
        let r = &self.rotation;
        [dot3(r[0], p) + self.ear_mid[0], dot3(r[1], p) + self.ear_mid[1], dot3(r[2], p) + self.ear_mid[2]]
    }
}

fn seen_face(obs: &Observation) -> [bool; FACE_POINTS] {
    std::array::from_fn(|i| usable(&obs.landmarks[i], obs.width, obs.height))
}

impl Template {
    /// The generic face: `FRONT_LAYOUT` scaled to BlazePose's ear span, each point at its
    /// anthropometric depth.
    pub fn generic() -> Self {
        let points = FRONT_LAYOUT
            .iter()
            .zip(DEPTH_M)
            .map(|(p, d)| [p[0] * BLAZEPOSE_EAR_SPAN_M, p[1] * BLAZEPOSE_EAR_SPAN_M, -d])
            .collect();
        Template { points }
    }

    /// This person's face from one frontal frame: each point on its ray where it stands its
    /// anthropometric depth in front of the ears along `forward` (the body's forward, towards
    /// the camera, in camera axes), the ears at the depth BlazePose's ear span gives. Needs
    /// all eleven face points.
    pub fn from_frame(obs: &Observation, f: f64, forward: P3) -> Option<Self> {
        if !seen_face(obs).iter().all(|&s| s) {
            return None;
        }
        let (l, r) = (px(obs, point::LEFT_EAR), px(obs, point::RIGHT_EAR));
        let span = (l.0 - r.0).hypot(l.1 - r.1);
        if span < 1.0 {
            return None;
        }
        let z_ears = f * BLAZEPOSE_EAR_SPAN_M / span;
        let ears = px(obs, point::LEFT_EAR);
        let ears = ray(
            obs,
            f,
            ((ears.0 + px(obs, point::RIGHT_EAR).0) / 2.0, (ears.1 + px(obs, point::RIGHT_EAR).1) / 2.0),
        )
        .map(|v| v * z_ears);
        let mut placed = Vec::with_capacity(FACE_POINTS);
        for (i, depth) in DEPTH_M.iter().enumerate() {
            let r = ray(obs, f, px(obs, i));
            let along = dot3(r, forward);
            if along.abs() < 1e-6 {
                return None;
            }
            // dot(r·z − ears, forward) = depth
            let z = (depth + dot3(ears, forward)) / along;
            placed.push(sub3(r.map(|v| v * z), ears));
        }
        Some(Template { points: placed })
    }

    /// The point-by-point median of several templates.
    pub fn median_of(templates: &[Template]) -> Option<Self> {
        if templates.is_empty() {
            return None;
        }
        let points = (0..FACE_POINTS)
            .map(|i| {
                std::array::from_fn(|k| median(templates.iter().map(|t| t.points[i][k])).unwrap_or_default())
            })
            .collect();
        Some(Template { points })
    }

    fn ear_span(&self) -> f64 {
        norm3(sub3(self.points[point::LEFT_EAR], self.points[point::RIGHT_EAR]))
    }

    /// Whether this is a usable template (eleven finite points, a real ear span).
    pub fn is_valid(&self) -> bool {
        self.points.len() == FACE_POINTS
            && self.points.iter().flatten().all(|v| v.is_finite())
            && self.ear_span() > 0.01
    }
}

/// Rotation matrix of a rotation vector (axis × angle, radians), Rodrigues' formula.
fn rotation(v: P3) -> [[f64; 3]; 3] {
    let th = norm3(v);
    if th < 1e-12 {
        return [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    }
    let k = v.map(|x| x / th);
    let (s, c) = th.sin_cos();
    let t = 1.0 - c;
    [
        [c + k[0] * k[0] * t, k[0] * k[1] * t - k[2] * s, k[0] * k[2] * t + k[1] * s],
        [k[1] * k[0] * t + k[2] * s, c + k[1] * k[1] * t, k[1] * k[2] * t - k[0] * s],
        [k[2] * k[0] * t - k[1] * s, k[2] * k[1] * t + k[0] * s, c + k[2] * k[2] * t],
    ]
}

/// Solve the 6 × 6 system `a·x = b` (Gaussian elimination with partial pivoting).
fn solve6(mut a: [[f64; 6]; 6], mut b: [f64; 6]) -> Option<[f64; 6]> {
    for col in 0..6 {
        let pivot = (col..6).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-15 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let (top, rest) = a.split_at_mut(col + 1);
        let pivot_row = &top[col];
        for (offset, row) in rest.iter_mut().enumerate() {
            let k = row[col] / pivot_row[col];
            for (x, p) in row.iter_mut().zip(pivot_row).skip(col) {
                *x -= k * p;
            }
            b[col + 1 + offset] -= k * b[col];
        }
    }
    let mut x = [0.0; 6];
    for row in (0..6).rev() {
        let s: f64 = (row + 1..6).map(|c| a[row][c] * x[c]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    Some(x)
}

/// Fewest face points a fit needs (both eyes among them).
const MIN_FIT_POINTS: usize = 6;

/// Fit `template` to the face points seen in `obs` (focal length `f` pixels): the rotation
/// and position that minimise the visibility-weighted reprojection error (Levenberg–
/// Marquardt). `None` when fewer than six face points (or not both eyes) are seen, or the
/// fit does not converge in front of the camera.
pub fn fit(obs: &Observation, f: f64, template: &Template) -> Option<HeadPose> {
    let seen = seen_face(obs);
    if seen.iter().filter(|&&s| s).count() < MIN_FIT_POINTS
        || !(seen[point::LEFT_EYE] && seen[point::RIGHT_EYE])
    {
        return None;
    }
    let (cx, cy) = (f64::from(obs.width) / 2.0, f64::from(obs.height) / 2.0);
    // BlazePose's ears and nose move up and down with the face's pitch in a way a rigid
    // head's do not (their heights are what the pitch is read from): only their sideways
    // positions go into the fit
    let used: Vec<(P3, (f64, f64), f64, f64)> = (0..FACE_POINTS)
        .filter(|&i| seen[i])
        .map(|i| {
            let w = f64::from(obs.landmarks[i].visibility).sqrt();
            let rigid_height = ![point::NOSE, point::LEFT_EAR, point::RIGHT_EAR].contains(&i);
            (template.points[i], px(obs, i), w, if rigid_height { w } else { 0.0 })
        })
        .collect();
    let residuals = |p: &[f64; 6]| -> Option<Vec<f64>> {
        let pose = HeadPose { rotation: rotation([p[0], p[1], p[2]]), ear_mid: [p[3], p[4], p[5]] };
        let mut r = Vec::with_capacity(used.len() * 2);
        for (q, (u, v), wx, wy) in &used {
            let c = pose.place(*q);
            if c[2] <= 1e-3 {
                return None;
            }
            r.push(wx * (f * c[0] / c[2] + cx - u));
            r.push(wy * (f * c[1] / c[2] + cy - v));
        }
        Some(r)
    };
    // start: facing the camera, at the depth the eye span gives
    let (le, re) = (px(obs, point::LEFT_EYE), px(obs, point::RIGHT_EYE));
    let eye_span_px = (le.0 - re.0).hypot(le.1 - re.1).max(1.0);
    let eye_span_m =
        norm3(sub3(template.points[point::LEFT_EYE], template.points[point::RIGHT_EYE])).max(IPD_M / 2.0);
    let z = f * eye_span_m / eye_span_px;
    let eyes = ((le.0 + re.0) / 2.0, (le.1 + re.1) / 2.0);
    let eye_mid = template.points[point::LEFT_EYE].iter().zip(&template.points[point::RIGHT_EYE]);
    let eye_mid: Vec<f64> = eye_mid.map(|(a, b)| (a + b) / 2.0).collect();
    let mut p = [
        0.0,
        0.0,
        0.0,
        (eyes.0 - cx) / f * z - eye_mid[0],
        (eyes.1 - cy) / f * z - eye_mid[1],
        z - eye_mid[2],
    ];
    let mut r = residuals(&p)?;
    let mut cost: f64 = r.iter().map(|x| x * x).sum();
    let mut lambda = 1e-3;
    for _ in 0..50 {
        // forward-difference Jacobian
        let mut jac = vec![[0.0; 6]; r.len()];
        for k in 0..6 {
            let h = if k < 3 { 1e-6 } else { 1e-7 * p[5].abs().max(0.1) };
            let mut q = p;
            q[k] += h;
            let rq = residuals(&q)?;
            for (row, (a, b)) in jac.iter_mut().zip(rq.iter().zip(&r)) {
                row[k] = (a - b) / h;
            }
        }
        let mut jtj = [[0.0; 6]; 6];
        let mut jtr = [0.0; 6];
        for (row, res) in jac.iter().zip(&r) {
            for i in 0..6 {
                jtr[i] -= row[i] * res;
                for j in 0..6 {
                    jtj[i][j] += row[i] * row[j];
                }
            }
        }
        let mut improved = false;
        for _ in 0..8 {
            let mut a = jtj;
            for (i, row) in a.iter_mut().enumerate() {
                row[i] += lambda * jtj[i][i].max(1e-9);
            }
            let Some(step) = solve6(a, jtr) else { break };
            let q: [f64; 6] = std::array::from_fn(|k| p[k] + step[k]);
            if let Some(rq) = residuals(&q) {
                let c: f64 = rq.iter().map(|x| x * x).sum();
                if c < cost {
                    let small = step.iter().map(|s| s.abs()).fold(0.0, f64::max) < 1e-9;
                    (p, r, cost) = (q, rq, c);
                    lambda = (lambda / 4.0).max(1e-9);
                    improved = !small;
                    break;
                }
            }
            lambda *= 8.0;
        }
        if !improved {
            break;
        }
    }
    let pose = HeadPose { rotation: rotation([p[0], p[1], p[2]]), ear_mid: [p[3], p[4], p[5]] };
    (pose.ear_mid[2] > 0.0 && pose.ear_mid.iter().all(|v| v.is_finite())).then_some(pose)
}

/// Relative noise of the head's depth from one frame: BlazePose's face size varies by about
/// 1 % from frame to frame at any size (measured on the rendered set's fixed postures), plus
/// a 0.7 px quantisation on the ear span.
pub fn depth_noise_fraction(obs: &Observation) -> f64 {
    let (le, re) = (px(obs, point::LEFT_EAR), px(obs, point::RIGHT_EAR));
    let span = (le.0 - re.0).hypot(le.1 - re.1).max(1.0);
    0.010f64.hypot(0.7 / span)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pose::Landmark;

    /// The largest distance, pixels, between the face points of `lm` and `t` placed by `pose`.
    fn reprojection_px(pose: &HeadPose, t: &Template, f: f64, lm: &[Landmark]) -> f32 {
        project(pose, t, f, 640, 480)
            .iter()
            .zip(lm)
            .take(FACE_POINTS)
            .map(|(a, b)| (a.x - b.x).hypot(a.y - b.y))
            .fold(0.0, f32::max)
    }

    fn project(pose: &HeadPose, t: &Template, f: f64, w: u32, h: u32) -> Vec<Landmark> {
        let mut lm = vec![Landmark { x: 0.0, y: 0.0, z: 0.0, visibility: 0.0, presence: 0.0 }; 33];
        for (i, q) in t.points.iter().enumerate() {
            let c = pose.place(*q);
            lm[i] = Landmark {
                x: (f * c[0] / c[2] + f64::from(w) / 2.0) as f32,
                y: (f * c[1] / c[2] + f64::from(h) / 2.0) as f32,
                z: 0.0,
                visibility: 0.99,
                presence: 0.99,
            };
        }
        lm
    }

    #[test]
    fn a_projected_template_is_fitted_back() {
        let t = Template::generic();
        let f = 600.0;
        for (rv, pos) in [
            ([0.0, 0.0, 0.0], [0.0, 0.0, 0.6]),
            ([0.2, 0.1, -0.05], [0.05, -0.03, 0.75]),
            ([-0.15, -0.2, 0.1], [-0.08, 0.1, 0.5]),
        ] {
            let truth = HeadPose { rotation: rotation(rv), ear_mid: pos };
            let lm = project(&truth, &t, f, 640, 480);
            let obs = Observation::landmarks_only(&lm, None, 640, 480);
            let got = fit(&obs, f, &t).unwrap();
            for k in 0..3 {
                assert!((got.ear_mid[k] - pos[k]).abs() < 1e-4, "{:?} vs {pos:?}", got.ear_mid);
                for j in 0..3 {
                    assert!((got.rotation[k][j] - truth.rotation[k][j]).abs() < 1e-4);
                }
            }
            assert!(reprojection_px(&got, &t, f, &lm) < 0.01);
        }
    }

    #[test]
    fn a_frame_gives_a_template_that_refits_exactly() {
        let g = Template::generic();
        let f = 500.0;
        let truth = HeadPose { rotation: rotation([0.0, 0.0, 0.0]), ear_mid: [0.02, 0.01, 0.7] };
        let lm = project(&truth, &g, f, 640, 480);
        let obs = Observation::landmarks_only(&lm, None, 640, 480);
        let personal = Template::from_frame(&obs, f, [0.0, 0.0, -1.0]).unwrap();
        assert!(personal.is_valid());
        let got = fit(&obs, f, &personal).unwrap();
        assert!(reprojection_px(&got, &personal, f, &lm) < 0.01);
        // the personal template's ears sit at the depth BlazePose's ear span gives
        assert!((got.ear_mid[2] - 0.7).abs() < 1e-3, "{:?}", got.ear_mid);
    }

    #[test]
    fn too_few_points_give_no_fit() {
        let t = Template::generic();
        let truth = HeadPose { rotation: rotation([0.0; 3]), ear_mid: [0.0, 0.0, 0.6] };
        let mut lm = project(&truth, &t, 600.0, 640, 480);
        for l in lm.iter_mut().take(FACE_POINTS).skip(5) {
            l.visibility = 0.1;
        }
        let obs = Observation::landmarks_only(&lm, None, 640, 480);
        assert!(fit(&obs, 600.0, &t).is_none());
    }
}
