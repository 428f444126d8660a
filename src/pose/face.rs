//! The head's orientation from MediaPipe's face mesh (FaceMesh, 468 points) run on the face
//! that BlazePose already found: no second detector.
//!
//! BlazePose's eleven face points cannot tell a head that pitches from one that moves: its
//! ears follow the face, and from below the nose hardly moves against them. The face mesh
//! places 468 points over the whole face with their depth; the posture stage fits
//! MediaPipe's canonical face to 33 of them (the landmarks and weights of MediaPipe's own
//! face-geometry Procrustes fit, [`BASIS`]) for the head's rotation.
//!
//! The crop is MediaPipe's face crop (a square turned to the eye line, 1.5 times the face's
//! extent), cut from BlazePose's face points: one run of the mesh a sample. (Cutting it
//! again around the mesh, as MediaPipe does when it tracks a face, doubles the cost and
//! moved the pitch by 1–2° either way on the rendered set, no nearer the truth.)

use std::path::Path;

use image::RgbImage;
use tract_onnx::prelude::*;

use super::crop::{Border, warp_to_tensor};
use super::landmarks::RawLandmark as Landmark;
use super::model::{self, PoseError, Runnable, inference, output};
use super::point;
use super::roi::{Affine, Roi};

/// The face mesh's input side, pixels.
pub const INPUT_SIZE: usize = 192;
/// Points of the mesh.
const MESH_POINTS: usize = 468;
/// The mesh's outputs: the points (x, y in crop pixels, z in the same scale) and the face
/// flag logit.
pub(crate) const OUTPUTS: [(&str, &[usize]); 2] =
    [("conv2d_21", &[1, 1, 1, MESH_POINTS * 3]), ("conv2d_31", &[1, 1, 1, 1])];
/// MediaPipe's `min_tracking_confidence` for the face: the flag needed to keep the mesh.
const MIN_FACE: f32 = 0.5;
/// The crop's side against BlazePose's face size (the larger of the ear span and the
/// eye-to-mouth height over its frontal ratio, [`EYES_TO_MOUTH_PER_SPAN`]): the mesh's
/// bounding box is ≈ 1.4 ear spans, and MediaPipe's crop 1.5 times that.
const CROP_PER_SPAN: f32 = 2.15;
/// The eyes-to-mouth height of a frontal face, in ear spans (BlazePose's points; it holds
/// the crop's size when the head turns and the ears close up).
const EYES_TO_MOUTH_PER_SPAN: f32 = 0.56;
/// Smallest face the mesh is run on: ear span (or its stand-in), pixels. Below it the crop
/// is upsampled from a handful of pixels and the mesh guesses.
const MIN_FACE_PX: f32 = 24.0;
/// BlazePose visibility the eyes and the mouth need for a first crop.
const MIN_VISIBILITY: f32 = 0.5;

/// Landmarks in [`BASIS`].
pub const BASIS_POINTS: usize = 33;

/// The landmarks of MediaPipe's face-geometry Procrustes fit, their weights, and where they
/// sit on the canonical face (cm; x to the face's left as seen, y up, z out of the face).
/// From `geometry_pipeline_metadata_landmarks.binarypb` of the npm package
/// `@mediapipe/face_mesh@0.4.1657299874` (Apache-2.0); `models/tools/face_basis.py` prints
/// and checks this table.
pub const BASIS: [(usize, f64, [f64; 3]); BASIS_POINTS] = [
    (4, 0.0709099397, [0.0, -0.46317, 7.58658]),
    (6, 0.0321001448, [0.0, 2.47325, 5.78863]),
    (10, 0.00844655093, [0.0, 8.26178, 4.48153]),
    (33, 0.0587241687, [-4.44586, 2.66399, 3.17342]),
    (54, 0.00766708003, [-6.27933, 6.61543, 1.42585]),
    (67, 0.00907805935, [-3.52396, 8.00598, 3.72916]),
    (117, 0.00979193766, [-5.25866, 0.945811, 2.97431]),
    (119, 0.0145653682, [-3.30068, 0.861641, 3.87278]),
    (121, 0.0185913611, [-1.82073, 1.46795, 4.22412]),
    (127, 0.00519799441, [-7.74309, 2.365, -2.00517]),
    (129, 0.120625205, [-1.78579, -0.978284, 4.85047]),
    (132, 0.00556001859, [-7.2709, -2.89092, -2.25245]),
    (133, 0.0532861836, [-1.85643, 2.58524, 3.7579]),
    (136, 0.0668904558, [-5.08528, -7.17859, 0.714711]),
    (143, 0.0148165477, [-6.40757, 2.23602, 1.56084]),
    (147, 0.0142628336, [-6.23488, -1.94443, 1.66354]),
    (198, 0.0254621916, [-1.24681, 0.230297, 5.68104]),
    (205, 0.0472522788, [-3.83293, -1.53733, 4.13773]),
    (263, 0.0587241687, [4.44586, 2.66399, 3.17342]),
    (284, 0.00766708003, [6.27933, 6.61543, 1.42585]),
    (297, 0.00907805935, [3.52396, 8.00598, 3.72916]),
    (346, 0.00979193766, [5.25866, 0.945811, 2.97431]),
    (348, 0.0145653682, [3.30068, 0.861641, 3.87278]),
    (350, 0.0185913611, [1.82073, 1.46795, 4.22412]),
    (356, 0.00519799441, [7.74309, 2.365, -2.00517]),
    (358, 0.120625205, [1.78579, -0.978284, 4.85047]),
    (361, 0.00556001859, [7.2709, -2.89092, -2.25245]),
    (362, 0.0532861836, [1.85643, 2.58524, 3.7579]),
    (365, 0.0668904558, [5.08528, -7.17859, 0.714711]),
    (372, 0.0148165477, [6.40757, 2.23602, 1.56084]),
    (376, 0.0142628336, [6.23488, -1.94443, 1.66354]),
    (420, 0.0254621916, [1.24681, 0.230297, 5.68104]),
    (425, 0.0472522788, [3.83293, -1.53733, 4.13773]),
];

/// What the face mesh found of a face: the points a rigid fit needs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Face {
    /// The mesh's points of [`BASIS`], in its order: image x and y, pixels, and depth z in
    /// the same pixels (relative to the face's centre; smaller is nearer the camera).
    pub points: [[f32; 3]; BASIS_POINTS],
    /// The mesh's confidence that the crop holds a face (a probability).
    pub presence: f32,
}

/// MediaPipe's face mesh on tract.
pub(crate) struct FaceMesh {
    model: Runnable,
}

impl FaceMesh {
    /// Load the bundled face mesh (or its file in `dir`, `$ERGOAUDIT_MODEL_DIR`),
    /// sha256-checked.
    pub(crate) fn load(dir: Option<&Path>) -> Result<Self, PoseError> {
        let (_, model) = model::load_bundled(dir, &model::FACE_LANDMARK, INPUT_SIZE, &OUTPUTS)?;
        Ok(FaceMesh { model })
    }

    /// The head of the person whose BlazePose `landmarks` (image pixels) were found in
    /// `image`: `None` when the face is too small, not seen, or the mesh finds none.
    pub(crate) fn estimate(
        &self,
        image: &RgbImage,
        landmarks: &[Landmark],
    ) -> Result<Option<Face>, PoseError> {
        let Some(region) = crop(landmarks) else { return Ok(None) };
        let Some(mesh) = self.mesh(image, &region)? else { return Ok(None) };
        Ok(Some(Face {
            points: std::array::from_fn(|k| mesh.points[BASIS[k].0].map(|v| v as f32)),
            presence: mesh.flag,
        }))
    }

    /// The mesh in `region`, or `None` when its face flag is below [`MIN_FACE`].
    fn mesh(&self, image: &RgbImage, region: &Roi) -> Result<Option<Mesh>, PoseError> {
        let map = Affine::from_roi(region, INPUT_SIZE);
        let input = warp_to_tensor(image, &map, INPUT_SIZE, 1.0 / 255.0, 0.0, Border::Replicate);
        let out = self.model.run(tvec!(input.into())).map_err(inference)?;
        let flag = 1.0 / (1.0 + (-output(&out, 1)?[0]).exp());
        if flag.is_nan() || flag < MIN_FACE {
            return Ok(None);
        }
        let k = f64::from(region.size) / INPUT_SIZE as f64;
        let points = output(&out, 0)?
            .chunks_exact(3)
            .map(|p| {
                let (x, y) = map.apply(p[0], p[1]);
                [f64::from(x), f64::from(y), f64::from(p[2]) * k]
            })
            .collect();
        Ok(Some(Mesh { points, flag }))
    }
}

/// The face mesh's output for one crop.
struct Mesh {
    /// The 468 points: image x, y and depth z, pixels.
    points: Vec<[f64; 3]>,
    /// The face flag (a probability).
    flag: f32,
}

/// The crop, from BlazePose's face points: centred between the eyes and the mouth, turned to
/// the eye line, [`CROP_PER_SPAN`] face sizes wide. `None` when the eyes or the mouth are
/// not seen or the face is smaller than [`MIN_FACE_PX`].
fn crop(lm: &[Landmark]) -> Option<Roi> {
    use point::*;
    let seen = [LEFT_EYE, RIGHT_EYE, MOUTH_LEFT, MOUTH_RIGHT]
        .iter()
        .all(|&i| lm.get(i).is_some_and(|l| l.visibility >= MIN_VISIBILITY));
    if !seen {
        return None;
    }
    let mid = |ids: &[usize]| {
        let n = ids.len() as f32;
        (ids.iter().map(|&i| lm[i].x).sum::<f32>() / n, ids.iter().map(|&i| lm[i].y).sum::<f32>() / n)
    };
    let eyes = mid(&[LEFT_EYE_INNER, LEFT_EYE, LEFT_EYE_OUTER, RIGHT_EYE_INNER, RIGHT_EYE, RIGHT_EYE_OUTER]);
    let mouth = mid(&[MOUTH_LEFT, MOUTH_RIGHT]);
    let span = (lm[LEFT_EAR].x - lm[RIGHT_EAR].x).hypot(lm[LEFT_EAR].y - lm[RIGHT_EAR].y);
    let height = (mouth.0 - eyes.0).hypot(mouth.1 - eyes.1) / EYES_TO_MOUTH_PER_SPAN;
    let face = span.max(height);
    (face >= MIN_FACE_PX && face.is_finite()).then(|| Roi {
        cx: (eyes.0 + mouth.0) / 2.0,
        cy: (eyes.1 + mouth.1) / 2.0,
        size: CROP_PER_SPAN * face,
        rotation: (lm[LEFT_EYE].y - lm[RIGHT_EYE].y).atan2(lm[LEFT_EYE].x - lm[RIGHT_EYE].x),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_basis_weights_are_mediapipes() {
        // the weights of MediaPipe's Procrustes basis sum to ≈ 1.055, all positive
        let sum: f64 = BASIS.iter().map(|b| b.1).sum();
        assert!((sum - 1.055).abs() < 1e-6 && BASIS.iter().all(|b| b.1 > 0.0 && b.0 < MESH_POINTS), "{sum}");
    }
}
