//! `ergoaudit analyze` through the real binary.

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::{Command as StdCommand, Stdio};

use assert_cmd::Command;
use common::{NO_PERSON, WEBCAM, fixture, image};
use serde_json::Value;

fn ergoaudit() -> Command {
    Command::cargo_bin("ergoaudit").unwrap()
}

/// Run a command that must fail; return its stderr after checking it is one line, names
/// `needle`, and is not a panic.
fn fails_with(cmd: &mut Command, needle: &str) -> String {
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!out.status.success(), "expected failure, got success; stderr: {stderr}");
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "not one line: {stderr}");
    assert!(stderr.contains(needle), "{needle:?} not in: {stderr}");
    stderr
}

#[test]
fn json_lines_have_the_documented_shape() {
    let out =
        ergoaudit().args(["analyze", "--json"]).arg(image(WEBCAM)).arg(image(NO_PERSON)).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);

    let person = &lines[0];
    let keys: Vec<&str> = person.as_object().unwrap().keys().map(String::as_str).collect();
    for key in [
        "source",
        "frame",
        "t_s",
        "width",
        "height",
        "person",
        "detection_score",
        "landmarks",
        "world_landmarks",
        "metrics",
    ] {
        assert!(keys.contains(&key), "missing {key}");
    }
    assert!(person["source"].as_str().unwrap().ends_with(WEBCAM));
    assert_eq!(person["frame"], 0);
    assert!(person["t_s"].is_null());
    assert_eq!((person["width"].as_u64(), person["height"].as_u64()), (Some(853), Some(1073)));
    assert_eq!(person["person"], true);
    let score = person["detection_score"].as_f64().unwrap();
    assert!((0.5..=1.0).contains(&score));
    let landmarks = person["landmarks"].as_array().unwrap();
    assert_eq!(landmarks.len(), 33);
    assert!(landmarks.iter().all(|l| l.as_array().unwrap().len() == 5));
    let nose = landmarks[0].as_array().unwrap();
    let (x, y) = (nose[0].as_f64().unwrap(), nose[1].as_f64().unwrap());
    assert!(x > 0.0 && x < 853.0 && y > 0.0 && y < 1073.0, "nose pixel coordinates ({x}, {y})");
    let world = person["world_landmarks"].as_array().unwrap();
    assert_eq!(world.len(), 33);
    assert!(world.iter().all(|w| w.as_array().unwrap().len() == 3));
    assert!(person["metrics"].is_object());

    let nobody = &lines[1];
    assert_eq!(nobody["person"], false);
    assert!(
        nobody["detection_score"].is_null()
            && nobody["landmarks"].is_null()
            && nobody["world_landmarks"].is_null()
    );
}

#[test]
fn human_output_shows_view_and_key_points() {
    let out = ergoaudit().arg("analyze").arg(image(WEBCAM)).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("853×1073"), "{text}");
    assert!(text.contains("view        front"), "{text}");
    assert!(text.contains("shoulders 2/2"), "{text}");
}

#[test]
fn folders_are_expanded_and_annotations_written_only_where_asked() {
    let annotated = tempfile::tempdir().unwrap();
    let out = ergoaudit()
        .args(["analyze", "--json", "--model", "lite", "--annotate"])
        .arg(annotated.path())
        .arg(fixture("images"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let inputs = std::fs::read_dir(fixture("images")).unwrap().count();
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), inputs);
    let written: Vec<_> = std::fs::read_dir(annotated.path()).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(written.len(), inputs);
    let webcam = annotated.path().join(WEBCAM.replace(".png", ".annotated.png"));
    let drawn = image::open(&webcam).unwrap().to_rgb8();
    let original = image::open(image(WEBCAM)).unwrap().to_rgb8();
    assert_eq!(drawn.dimensions(), original.dimensions());
    let changed = drawn.pixels().zip(original.pixels()).filter(|(a, b)| a != b).count();
    assert!(changed > 1000, "only {changed} pixels drawn");
}

#[test]
fn missing_path_fails_cleanly() {
    fails_with(ergoaudit().args(["analyze", "does/not/exist.png"]), "does/not/exist.png: no such file");
}

#[test]
fn empty_folder_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    fails_with(ergoaudit().arg("analyze").arg(dir.path()), "holds no image files");
}

#[test]
fn text_named_png_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("notes.png");
    std::fs::write(&fake, "this is not an image\n").unwrap();
    fails_with(ergoaudit().arg("analyze").arg(&fake), "notes.png: not a readable image");
}

#[test]
fn truncated_image_fails_cleanly_and_the_others_are_still_analysed() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.png");
    let bytes = std::fs::read(image("frontal_headshoulders__skimage_astronaut.png")).unwrap();
    std::fs::write(&broken, &bytes[..bytes.len() / 3]).unwrap();
    let out = ergoaudit().args(["analyze", "--json"]).arg(&broken).arg(image(WEBCAM)).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("broken.png: not a readable image"), "{stderr}");
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 1, "the good image is still analysed");
}

fn model_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in
        ["pose_detection.onnx", "pose_landmark_full.onnx", "pose_landmark_lite.onnx", "face_landmark.onnx"]
    {
        std::fs::copy(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models").join(f),
            dir.path().join(f),
        )
        .unwrap();
    }
    dir
}

#[test]
fn corrupt_or_truncated_model_is_refused() {
    let models = model_copy();
    let full = models.path().join("pose_landmark_full.onnx");
    let bytes = std::fs::read(&full).unwrap();
    std::fs::write(&full, &bytes[..bytes.len() - 1000]).unwrap();
    let err = fails_with(
        ergoaudit().env("ERGOAUDIT_MODEL_DIR", models.path()).arg("analyze").arg(image(WEBCAM)),
        "pose_landmark_full.onnx is corrupt or truncated",
    );
    assert!(err.contains("sha256"), "{err}");
    // the lite model is intact and still works
    ergoaudit()
        .env("ERGOAUDIT_MODEL_DIR", models.path())
        .args(["analyze", "--model", "lite"])
        .arg(image(WEBCAM))
        .assert()
        .success();
    std::fs::remove_file(models.path().join("pose_detection.onnx")).unwrap();
    fails_with(
        ergoaudit()
            .env("ERGOAUDIT_MODEL_DIR", models.path())
            .args(["analyze", "--model", "lite"])
            .arg(image(WEBCAM)),
        "pose_detection.onnx",
    );
}

#[test]
fn user_model_must_have_the_landmark_models_shape() {
    let models = model_copy();
    // the detector is a real ONNX model, but not a landmark model
    fails_with(
        ergoaudit()
            .arg("analyze")
            .arg("--model")
            .arg(models.path().join("pose_detection.onnx"))
            .arg(image(WEBCAM)),
        "is not a usable BlazePose model",
    );
    let junk = models.path().join("junk.onnx");
    std::fs::write(&junk, b"not onnx at all").unwrap();
    fails_with(
        ergoaudit().arg("analyze").arg("--model").arg(&junk).arg(image(WEBCAM)),
        "not a readable ONNX file",
    );
    fails_with(ergoaudit().args(["analyze", "--model", "nowhere.onnx"]).arg(image(WEBCAM)), "nowhere.onnx");
    // a renamed copy of a real landmark model is accepted without a hash check
    let mine = models.path().join("my_landmarks.onnx");
    std::fs::rename(models.path().join("pose_landmark_lite.onnx"), &mine).unwrap();
    ergoaudit().arg("analyze").arg("--model").arg(&mine).arg(image(WEBCAM)).assert().success();
}

#[test]
fn closed_stdout_is_not_an_error() {
    let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("ergoaudit"))
        .args(["analyze", "--json", "--model", "lite"])
        .arg(fixture("images"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap(); // then dropped: pipe closed
    assert!(first.starts_with('{'));
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}
