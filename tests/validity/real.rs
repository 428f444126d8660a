//! The posture measures on real photos, through the real pose model.

use crate::common;

use common::{image, references};
use ergoaudit::capture::read_image;
use ergoaudit::pose::{BlazePose, ModelChoice, PoseEstimator};
use ergoaudit::posture::{FrameMeasures, MeasureId, Missing, Observation, Optics, View, measure};

fn posture_of(model: &mut BlazePose, name: &str) -> FrameMeasures {
    let frame = read_image(&image(name)).unwrap();
    let pose = model.estimate(&frame.image).unwrap().unwrap();
    let obs = Observation {
        landmarks: &pose.landmarks,
        world: Some(&pose.world_landmarks),
        width: frame.image.width(),
        height: frame.image.height(),
        shoulder_tops: pose.shoulder_tops,
        face: pose.face,
    };
    measure(&obs, &Optics::default(), None)
}

#[test]
fn frontal_portraits_are_classified_front() {
    let mut model = BlazePose::load(&ModelChoice::Full).unwrap().with_redetect_interval(1);
    let frontal: Vec<String> = references()
        .into_iter()
        .map(|r| r.file)
        .filter(|f| f.starts_with("frontal_") || f.starts_with("webcam_") || f.starts_with("seated_"))
        .collect();
    assert_eq!(frontal.len(), 8);
    for name in &frontal {
        let s = posture_of(&mut model, name);
        assert_eq!(s.view, View::Front, "{name}");
        // both ears seen in a frontal view: the head tilt is measured
        assert!(s.get(MeasureId::HeadTiltDeg).value.is_some(), "{name}");
    }
}

#[test]
fn measures_that_need_points_outside_the_frame_are_none() {
    let mut model = BlazePose::load(&ModelChoice::Full).unwrap().with_redetect_interval(1);
    let s = posture_of(&mut model, "edgecase_one_shoulder_cut__face_recognition_obama_partial_face2.jpg");
    // the face is frontal, cut by the frame edge; the left ear and shoulder lie outside
    assert_eq!(s.view, View::Front);
    for id in [
        MeasureId::CvaDeg,
        MeasureId::HeadForwardCm,
        MeasureId::ShoulderRoundingDeg,
        MeasureId::NeckFlexionDeg,
        MeasureId::HeadTiltDeg,
        MeasureId::ShoulderTiltDeg,
        MeasureId::ShoulderElevation,
        MeasureId::ElbowAngleLeftDeg,
    ] {
        let m = s.get(id);
        assert_eq!(m.value, None, "{} = {:?}", id.name(), m.value);
        assert_eq!(m.missing, Some(Missing::KeyPointsNotVisible), "{}", id.name());
    }
}

#[test]
fn an_implausible_skeleton_gets_low_confidence() {
    // MediaPipe puts the bent-over photographer's shoulder on his chin
    let mut model = BlazePose::load(&ModelChoice::Full).unwrap().with_redetect_interval(1);
    let bad = posture_of(&mut model, "side_view_head_forward_standing__skimage_camera.png");
    let measured: Vec<_> = bad.iter().filter(|(_, m)| m.value.is_some()).collect();
    assert!(!measured.is_empty());
    for (id, m) in measured {
        assert!(m.confidence <= 0.3, "{} confidence {}", id.name(), m.confidence);
    }
    let good = posture_of(&mut model, "webcam_seated_at_computer_front__faceapi_screenshot-webcam_crop.png");
    assert!(good.get(MeasureId::HeadTiltDeg).confidence > 0.9);
}
