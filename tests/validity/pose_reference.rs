//! The Rust BlazePose pipeline against Google's MediaPipe on real photos.

use crate::common;

use common::{CROWD, NO_PERSON, Reference, WEBCAM, heavy_references, image, references};
use ergoaudit::capture::read_image;
use ergoaudit::pose::{BlazePose, ModelChoice, PoseEstimator};

const FACE: [usize; 5] = [0, 2, 5, 7, 8]; // nose, eyes, ears
const SHOULDERS: [usize; 2] = [11, 12];

fn dist(a: (f32, f32), b: (f32, f32)) -> f32 {
    (a.0 - b.0).hypot(a.1 - b.1)
}

/// `model` against MediaPipe's `references` (the same model there) on every single-person
/// photo: the face within 3 % of the shoulder width, the shoulders MediaPipe places inside the
/// frame within 10 %; the detection score within 0.02 where the reference has one, and a
/// shoulder only where its presence says it was seen, where the reference has presences.
fn matches_mediapipe_on_every_single_person_photo(model: ModelChoice, references: Vec<Reference>) {
    let mut pose = BlazePose::load(&model).unwrap().with_redetect_interval(1);
    let mut compared = 0;
    let mut shoulders_compared = 0;
    for reference in references.iter().filter(|r| r.file != CROWD) {
        let frame = read_image(&image(&reference.file)).unwrap();
        assert_eq!((frame.image.width(), frame.image.height()), (reference.width, reference.height));
        let found = pose.estimate(&frame.image).unwrap();
        let Some(expected) = &reference.landmarks else {
            assert!(found.is_none(), "{}: MediaPipe finds nobody, we found {found:?}", reference.file);
            continue;
        };
        let found =
            found.unwrap_or_else(|| panic!("{}: MediaPipe finds a person, we do not", reference.file));
        if let Some(score) = reference.detection_score {
            assert!(
                (found.detection_score - score).abs() <= 0.02,
                "{}: detection score {} vs MediaPipe {score}",
                reference.file,
                found.detection_score
            );
        }
        let xy = |l: &[f32; 5]| (l[0], l[1]);
        let shoulder_width = dist(xy(&expected[11]), xy(&expected[12]));
        let off =
            |i: usize| dist((found.landmarks[i].x, found.landmarks[i].y), xy(&expected[i])) / shoulder_width;
        for i in FACE {
            assert!(
                off(i) <= 0.03,
                "{}: landmark {i} off by {:.1} % of shoulder width",
                reference.file,
                off(i) * 100.0
            );
        }
        // a heavy reference (MediaPipe's legacy API) has no presences (all 0)
        let presences = expected.iter().any(|l| l[4] > 0.0);
        for i in SHOULDERS {
            // a shoulder MediaPipe itself places outside the frame (presence < 0.5) is an
            // extrapolation; how far those can be used is tests/validity/shoulder_margin.rs
            let e = &expected[i];
            let inside = e[0] >= 0.0
                && e[1] >= 0.0
                && e[0] <= reference.width as f32
                && e[1] <= reference.height as f32;
            if (presences && e[4] < 0.5) || !inside {
                continue;
            }
            shoulders_compared += 1;
            assert!(
                off(i) <= 0.10,
                "{}: shoulder {i} off by {:.1} % of shoulder width",
                reference.file,
                off(i) * 100.0
            );
        }
        assert_eq!(found.landmarks.len(), 33);
        assert_eq!(found.world_landmarks.len(), 33);
        compared += 1;
    }
    assert_eq!(compared, 11, "single-person photos with a person");
    assert!(shoulders_compared >= 18, "only {shoulders_compared} shoulders compared");
}

#[test]
fn landmarks_match_mediapipe_on_every_single_person_photo() {
    matches_mediapipe_on_every_single_person_photo(ModelChoice::Full, references());
}

#[test]
fn the_heavy_model_matches_mediapipe_s_heavy_on_every_single_person_photo() {
    matches_mediapipe_on_every_single_person_photo(ModelChoice::Heavy, heavy_references());
}

#[test]
fn lossless_images_reproduce_mediapipe_almost_exactly() {
    // PNG and PPM decode identically everywhere, so the model sees MediaPipe's exact input:
    // what is left is float rounding (the JPEGs add decoder differences on top)
    let mut pose = BlazePose::load(&ModelChoice::Full).unwrap().with_redetect_interval(1);
    for reference in references().iter().filter(|r| !r.file.ends_with(".jpg") && r.person) {
        let frame = read_image(&image(&reference.file)).unwrap();
        let found = pose.estimate(&frame.image).unwrap().unwrap();
        assert!(
            (found.detection_score - reference.detection_score.unwrap()).abs() < 0.001,
            "{}",
            reference.file
        );
        let expected = reference.landmarks.as_ref().unwrap();
        for (i, (found, expected)) in found.landmarks.iter().zip(expected).enumerate() {
            let (v, e) = (found.visibility, expected[3]);
            assert!((v - e).abs() < 0.002, "{}: landmark {i} visibility {v} vs {e}", reference.file);
        }
    }
}

#[test]
fn tracking_reuses_the_previous_region_and_recovers_when_the_person_leaves() {
    let mut pose = BlazePose::load(&ModelChoice::Full).unwrap();
    let webcam = read_image(&image(WEBCAM)).unwrap().image;
    let empty = read_image(&image(NO_PERSON)).unwrap().image;
    let first = pose.estimate(&webcam).unwrap().unwrap();
    assert!(!first.tracked);
    let second = pose.estimate(&webcam).unwrap().unwrap();
    assert!(second.tracked, "the second frame should skip the detector");
    let shoulder_width =
        dist((first.landmarks[11].x, first.landmarks[11].y), (first.landmarks[12].x, first.landmarks[12].y));
    for i in FACE.iter().chain(&SHOULDERS) {
        let (a, b) = (&first.landmarks[*i], &second.landmarks[*i]);
        // the tracked region differs a little from the detector's, so the crop does too
        let moved = dist((a.x, a.y), (b.x, b.y)) / shoulder_width;
        assert!(moved < 0.05, "landmark {i} moved {:.1} % under tracking", moved * 100.0);
    }
    // a frame of another size is another scene: the detector runs, and finds nobody
    assert!(pose.estimate(&empty).unwrap().is_none());
    // the person is found again by the detector
    assert!(!pose.estimate(&webcam).unwrap().unwrap().tracked);
    pose.reset();
    assert!(!pose.estimate(&webcam).unwrap().unwrap().tracked, "reset forgets the track");
}

#[test]
fn the_detector_runs_again_after_the_redetect_interval() {
    let mut pose = BlazePose::load(&ModelChoice::Full).unwrap().with_redetect_interval(3);
    let webcam = read_image(&image(WEBCAM)).unwrap().image;
    let tracked: Vec<bool> = (0..7).map(|_| pose.estimate(&webcam).unwrap().unwrap().tracked).collect();
    assert_eq!(tracked, [false, true, true, false, true, true, false]);
    let mut every_frame = BlazePose::load(&ModelChoice::Full).unwrap().with_redetect_interval(1);
    assert!((0..3).all(|_| !every_frame.estimate(&webcam).unwrap().unwrap().tracked));
}

#[test]
fn lite_model_finds_the_same_face() {
    let mut lite = BlazePose::load(&ModelChoice::Lite).unwrap().with_redetect_interval(1);
    let reference = references().into_iter().find(|r| r.file == WEBCAM).unwrap();
    let expected = reference.landmarks.unwrap();
    let found = lite.estimate(&read_image(&image(WEBCAM)).unwrap().image).unwrap().unwrap();
    let shoulder_width = dist((expected[11][0], expected[11][1]), (expected[12][0], expected[12][1]));
    for i in FACE.iter().chain(&SHOULDERS) {
        let err = dist((found.landmarks[*i].x, found.landmarks[*i].y), (expected[*i][0], expected[*i][1]));
        assert!(err / shoulder_width < 0.06, "lite landmark {i} off by {err} px");
    }
}
