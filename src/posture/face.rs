//! The head's pitch from the face mesh: MediaPipe's canonical face fitted to the mesh's
//! points in camera space, as MediaPipe's face-geometry pipeline does it.
//!
//! The mesh gives each point's pixel and its depth relative to the face, in pixels. A face
//! at 50 cm spans ±8 cm of depth, so a point's pixel is its ray, not its offset: each point
//! is put on its ray at the face's depth plus its own (the face's depth from its size
//! against the canonical face's), and the canonical face is fitted to those 3D points
//! (weighted least squares, Horn's quaternion method). Three rounds settle the depth.

use super::geometry::{P3, dot3, norm3, ray, sub3};
use super::sample::Observation;
use crate::pose::FACE_BASIS;

/// Rounds of depth and fit.
const ROUNDS: usize = 3;
/// Smallest spread of the mesh's points, pixels: below it there is no face to fit.
const MIN_SPREAD_PX: f64 = 1.0;
/// Largest share of the points' spread the fitted canonical face may leave unexplained. A
/// face leaves 4–11 % (the rendered set, flexed up to 25°); a mesh the face cannot explain
/// (a damaged recording) gives no pitch.
const MAX_RESIDUAL: f64 = 0.25;

/// The head's pitch against the world's horizontal `up` (camera axes), degrees (positive:
/// looking down), from the frame's face mesh; `f` is the focal length in pixels. `None`
/// without a mesh.
pub(crate) fn pitch_deg(obs: &Observation, f: f64, up: P3) -> Option<f64> {
    let face = obs.face?;
    // the canonical face in camera axes (x right, y down, z away), cm
    let canonical: Vec<P3> = FACE_BASIS.iter().map(|&(_, _, p)| [p[0], -p[1], -p[2]]).collect();
    let weights: Vec<f64> = FACE_BASIS.iter().map(|&(_, w, _)| w).collect();
    let pixels: Vec<P3> = face.points.iter().map(|p| p.map(f64::from)).collect();
    let (pixel_spread, canonical_spread) = (spread(&pixels, &weights), spread(&canonical, &weights));
    if pixel_spread.is_nan() || pixel_spread < MIN_SPREAD_PX {
        return None;
    }
    // pixels per canonical centimetre, first from the mesh as it is
    let mut per_cm = pixel_spread / canonical_spread;
    let mut fitted = None;
    for _ in 0..ROUNDS {
        if !(per_cm.is_finite() && per_cm > 0.0) {
            return None;
        }
        let depth = f / per_cm;
        let points: Vec<P3> = pixels
            .iter()
            .map(|p| {
                let z = depth + p[2] / per_cm;
                let r = ray(obs, f, (p[0], p[1]));
                [r[0] * z, r[1] * z, z]
            })
            .collect();
        let rotation = rigid_rotation(&canonical, &points, &weights);
        per_cm *= spread(&points, &weights) / canonical_spread;
        fitted = Some((rotation, points));
    }
    let (r, points) = fitted?;
    let unexplained = unexplained(&canonical, &points, &weights, &r);
    if unexplained.is_nan() || unexplained > MAX_RESIDUAL {
        return None;
    }
    // the face's forward (out of the face): the canonical −z, turned
    let fwd: P3 = std::array::from_fn(|i| -r[i][2]);
    let down = -dot3(fwd, up) / norm3(fwd);
    down.is_finite().then(|| down.clamp(-1.0, 1.0).asin().to_degrees())
}

/// The share of `points`' spread that `canonical`, turned by `rotation` and scaled at best,
/// leaves unexplained (weighted root-mean-square residual over spread).
fn unexplained(canonical: &[P3], points: &[P3], weights: &[f64], rotation: &[[f64; 3]; 3]) -> f64 {
    let turned: Vec<P3> =
        centred(canonical, weights).iter().map(|c| std::array::from_fn(|i| dot3(rotation[i], *c))).collect();
    let points = centred(points, weights);
    let dot =
        |a: &[P3], b: &[P3]| a.iter().zip(b).zip(weights).map(|((a, b), w)| w * dot3(*a, *b)).sum::<f64>();
    let scale = dot(&points, &turned) / dot(&turned, &turned);
    let residual: f64 = points
        .iter()
        .zip(&turned)
        .zip(weights)
        .map(|((p, q), w)| w * (0..3).map(|k| (p[k] - scale * q[k]).powi(2)).sum::<f64>())
        .sum();
    (residual / dot(&points, &points)).sqrt()
}

/// `points` less their weighted mean.
fn centred(points: &[P3], weights: &[f64]) -> Vec<P3> {
    let total: f64 = weights.iter().sum();
    let mean: P3 =
        std::array::from_fn(|k| points.iter().zip(weights).map(|(p, w)| p[k] * w).sum::<f64>() / total);
    points.iter().map(|&p| sub3(p, mean)).collect()
}

/// The weighted root-mean-square distance of `points` from their weighted mean.
fn spread(points: &[P3], weights: &[f64]) -> f64 {
    let sq: f64 = centred(points, weights).iter().zip(weights).map(|(c, w)| w * dot3(*c, *c)).sum();
    (sq / weights.iter().sum::<f64>()).sqrt()
}

/// The rotation `R` that best maps `src` onto `dst` (weighted least squares, with any scale
/// and translation: `dst ≈ s·R·src + t`), by Horn's quaternion method.
fn rigid_rotation(src: &[P3], dst: &[P3], weights: &[f64]) -> [[f64; 3]; 3] {
    // S[a][b] = Σ w · src_a · dst_b, centred
    let mut s = [[0.0; 3]; 3];
    for ((p, q), w) in centred(src, weights).iter().zip(centred(dst, weights)).zip(weights) {
        for a in 0..3 {
            for b in 0..3 {
                s[a][b] += w * p[a] * q[b];
            }
        }
    }
    let [[xx, xy, xz], [yx, yy, yz], [zx, zy, zz]] = s;
    let n = [
        [xx + yy + zz, yz - zy, zx - xz, xy - yx],
        [yz - zy, xx - yy - zz, xy + yx, zx + xz],
        [zx - xz, xy + yx, -xx + yy - zz, yz + zy],
        [xy - yx, zx + xz, yz + zy, -xx - yy + zz],
    ];
    let [w, x, y, z] = largest_eigenvector(n);
    [
        [w * w + x * x - y * y - z * z, 2.0 * (x * y - w * z), 2.0 * (x * z + w * y)],
        [2.0 * (x * y + w * z), w * w - x * x + y * y - z * z, 2.0 * (y * z - w * x)],
        [2.0 * (x * z - w * y), 2.0 * (y * z + w * x), w * w - x * x - y * y + z * z],
    ]
}

/// The unit eigenvector of a symmetric 4×4 matrix's largest eigenvalue (cyclic Jacobi).
fn largest_eigenvector(mut a: [[f64; 4]; 4]) -> [f64; 4] {
    let mut v = [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]];
    for _sweep in 0..50 {
        let off: f64 =
            (0..4).flat_map(|p| (p + 1..4).map(move |q| (p, q))).map(|(p, q)| a[p][q] * a[p][q]).sum();
        if off < 1e-30 {
            break;
        }
        for p in 0..4 {
            for q in p + 1..4 {
                if a[p][q].abs() < 1e-300 {
                    continue;
                }
                let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for row in &mut a {
                    let (x, y) = (row[p], row[q]);
                    row[p] = c * x - s * y;
                    row[q] = s * x + c * y;
                }
                let (rp, rq) = (a[p], a[q]);
                a[p] = std::array::from_fn(|k| c * rp[k] - s * rq[k]);
                a[q] = std::array::from_fn(|k| s * rp[k] + c * rq[k]);
                for row in &mut v {
                    let (vp, vq) = (row[p], row[q]);
                    row[p] = c * vp - s * vq;
                    row[q] = s * vp + c * vq;
                }
            }
        }
    }
    let best = (0..4).fold(0, |b, i| if a[i][i] > a[b][b] { i } else { b });
    let e = [v[0][best], v[1][best], v[2][best], v[3][best]];
    let norm = e.iter().map(|x| x * x).sum::<f64>().sqrt();
    e.map(|x| x / norm)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pose::Face;

    fn rotate(r: &[[f64; 3]; 3], p: [f64; 3]) -> [f64; 3] {
        std::array::from_fn(|i| r[i][0] * p[0] + r[i][1] * p[1] + r[i][2] * p[2])
    }

    /// A rotation about an axis (Rodrigues).
    fn about(axis: [f64; 3], deg: f64) -> [[f64; 3]; 3] {
        let n = axis.iter().map(|x| x * x).sum::<f64>().sqrt();
        let [x, y, z] = axis.map(|v| v / n);
        let (s, c) = deg.to_radians().sin_cos();
        let t = 1.0 - c;
        [
            [c + x * x * t, x * y * t - z * s, x * z * t + y * s],
            [y * x * t + z * s, c + y * y * t, y * z * t - x * s],
            [z * x * t - y * s, z * y * t + x * s, c + z * z * t],
        ]
    }

    /// A face of the canonical shape pitched down by `pitch` degrees, its centre at `at`
    /// (metres, camera axes), seen by a 640 × 480 camera with a 600 px focal length: the
    /// mesh's points as the face mesh gives them (pixels, depth in pixels at the face's
    /// depth).
    fn seen(pitch: f64, at: P3) -> Face {
        let turn = about([1.0, 0.0, 0.0], pitch);
        let f = 600.0;
        Face {
            points: std::array::from_fn(|k| {
                let p = FACE_BASIS[k].2;
                let q = rotate(&turn, [p[0] / 100.0, -p[1] / 100.0, -p[2] / 100.0]);
                let (x, y, z) = (q[0] + at[0], q[1] + at[1], q[2] + at[2]);
                [(320.0 + f * x / z) as f32, (240.0 + f * y / z) as f32, (f * q[2] / at[2]) as f32]
            }),
            presence: 1.0,
        }
    }

    #[test]
    fn the_pitch_holds_wherever_the_face_is_in_the_frame() {
        let obs = |face| Observation { face: Some(face), ..Observation::landmarks_only(&[], None, 640, 480) };
        // a face 15 cm below or above the optical axis at 60 cm is seen 14° off it: read
        // along its ray it would look pitched by as much
        for at in [[0.0, 0.0, 0.6], [0.0, 0.15, 0.6], [0.1, -0.15, 0.5]] {
            for pitch in [0.0, 15.0, 30.0] {
                let face = seen(pitch, at);
                let obs =
                    Observation { face: Some(face), ..Observation::landmarks_only(&[], None, 640, 480) };
                let read = pitch_deg(&obs, 600.0, [0.0, -1.0, 0.0]).unwrap();
                assert!((read - pitch).abs() < 0.5, "{pitch}° at {at:?} reads {read:.2}°");
            }
        }
        // looking up reads negative; a camera tilted up by 10° sees a level face pitched 10°
        // up against its own axes, and the world's up takes it out
        assert!(
            (pitch_deg(&obs(seen(-20.0, [0.0, 0.0, 0.6])), 600.0, [0.0, -1.0, 0.0]).unwrap() + 20.0).abs()
                < 0.5
        );
        let up = [0.0, -(10f64.to_radians().cos()), 10f64.to_radians().sin()];
        assert!((pitch_deg(&obs(seen(-10.0, [0.0, 0.0, 0.6])), 600.0, up).unwrap()).abs() < 0.5);
        // a mesh no face explains gives no pitch: all its points at one place, on a line, or
        // a face with its points shuffled
        let at_one_place = Face { points: [[100.0, 100.0, 5.0]; FACE_BASIS.len()], presence: 0.9 };
        let on_a_line = Face { points: std::array::from_fn(|k| [k as f32, k as f32, 0.0]), presence: 0.9 };
        let mut shuffled = seen(10.0, [0.0, 0.0, 0.6]);
        shuffled.points.reverse();
        for damaged in [at_one_place, on_a_line, shuffled] {
            assert_eq!(pitch_deg(&obs(damaged), 600.0, [0.0, -1.0, 0.0]), None, "{damaged:?}");
        }
        // no mesh, no pitch
        let none = Observation::landmarks_only(&[], None, 640, 480);
        assert_eq!(pitch_deg(&none, 600.0, [0.0, -1.0, 0.0]), None);
    }

    #[test]
    fn the_fit_recovers_a_known_rotation_scale_and_shift() {
        let src: Vec<[f64; 3]> = FACE_BASIS.iter().map(|b| b.2).collect();
        let weights: Vec<f64> = FACE_BASIS.iter().map(|b| b.1).collect();
        for (axis, deg) in [([1.0, 0.0, 0.0], 25.0), ([0.3, 1.0, -0.2], -40.0), ([0.0, 0.0, 1.0], 170.0)] {
            let r = about(axis, deg);
            let dst: Vec<[f64; 3]> = src
                .iter()
                .map(|&p| {
                    let q = rotate(&r, p);
                    [7.5 * q[0] + 300.0, 7.5 * q[1] - 20.0, 7.5 * q[2] + 4.0]
                })
                .collect();
            let found = rigid_rotation(&src, &dst, &weights);
            for i in 0..3 {
                for j in 0..3 {
                    assert!((found[i][j] - r[i][j]).abs() < 1e-9, "{axis:?} {deg}°: {found:?} vs {r:?}");
                }
            }
        }
    }
}
