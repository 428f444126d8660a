//! Helpers shared by the integration tests: fixture paths and MediaPipe reference files.
#![allow(dead_code)] // each test binary uses its own subset

use std::path::PathBuf;

use serde::Deserialize;

/// `tests/fixtures/<rel>`.
pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel)
}

/// A fixture image by file name.
pub fn image(name: &str) -> PathBuf {
    fixture(&format!("images/{name}"))
}

/// What Google's MediaPipe 0.10.14 returned for one image (see tests/fixtures/README.md).
#[derive(Debug, Deserialize)]
pub struct Reference {
    pub file: String,
    pub width: u32,
    pub height: u32,
    pub person: bool,
    pub detection_score: Option<f32>,
    pub landmarks: Option<Vec<[f32; 5]>>,
}

/// Every reference file, in name order.
pub fn references() -> Vec<Reference> {
    let mut paths: Vec<_> = std::fs::read_dir(fixture("reference"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 13, "reference fixtures missing");
    paths.iter().map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()).collect()
}

/// The frontal laptop-webcam photo used by several tests.
pub const WEBCAM: &str = "webcam_seated_at_computer_front__faceapi_screenshot-webcam_crop.png";
/// A frame with no person in it (MediaPipe agrees).
pub const NO_PERSON: &str = "no_person_cartoon_frame92__pyfeat_face_noface.png";
/// The one multi-person photo (MediaPipe picks one of four people).
pub const CROWD: &str = "street_people_fullbody_standing__ultralytics_bus.jpg";
