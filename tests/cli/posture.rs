//! Posture measures, calibration profiles and thresholds through the real binary.

use crate::common;

use assert_cmd::Command;
use common::{NO_PERSON, WEBCAM, image};
use serde_json::Value;
use tempfile::TempDir;

/// The binary with its own empty config folder.
fn ergoaudit(config: &TempDir) -> Command {
    let mut cmd = Command::cargo_bin("ergoaudit").unwrap();
    cmd.env("ERGOAUDIT_CONFIG_DIR", config.path());
    for spec in ergoaudit::thresholds::SPECS {
        cmd.env_remove(format!("ERGOAUDIT_{}", spec.key.to_uppercase()));
    }
    cmd
}

fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn fails_with(cmd: &mut Command, needles: &[&str]) {
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "not one line: {stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "{needle:?} not in: {stderr}");
    }
}

/// `analyze --json` of some fixture images, as a landmarks file.
fn recorded(config: &TempDir, names: &[&str]) -> std::path::PathBuf {
    let mut cmd = ergoaudit(config);
    cmd.args(["analyze", "--json"]);
    for name in names {
        cmd.arg(image(name));
    }
    let path = config.path().join("recorded.jsonl");
    std::fs::write(&path, stdout_of(&mut cmd)).unwrap();
    path
}

#[test]
fn metrics_are_filled_and_landmarks_replay_gives_the_same() {
    let config = tempfile::tempdir().unwrap();
    let names = [
        WEBCAM,
        "frontal_headshoulders__skimage_astronaut.png",
        "no_person_cartoon_frame92__pyfeat_face_noface.png",
    ];
    let path = recorded(&config, &names);
    let direct: Vec<Value> =
        std::fs::read_to_string(&path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let metrics = &direct[0]["metrics"];
    assert_eq!(metrics["view"], "front");
    for name in
        ["cva_deg", "head_forward_cm", "shoulder_rounding_deg", "neck_flexion_deg", "shoulder_elevation"]
    {
        assert!(metrics[name].is_null(), "{name} without calibration");
        assert_eq!(metrics["quality"][name]["missing"], "needs calibration");
    }
    assert!(metrics["head_tilt_deg"].is_number());
    assert_eq!(metrics["quality"]["head_tilt_deg"]["method"], "ear_line");
    // no field of view given: no distance in centimetres, and no calibration to compare with
    assert!(metrics["viewing_distance_cm"].is_null());
    assert_eq!(metrics["quality"]["viewing_distance_cm"]["missing"], "camera's field of view unknown");
    assert!(metrics["viewing_distance_change"].is_null());
    assert_eq!(direct[2]["metrics"]["view"], "none");

    let replayed: Vec<Value> =
        stdout_of(ergoaudit(&config).args(["analyze", "--json", "--landmarks"]).arg(&path))
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
    assert_eq!(replayed, direct, "replaying recorded landmarks gives the same frames and measures");
}

#[test]
fn malformed_landmark_lines_are_named() {
    let config = tempfile::tempdir().unwrap();
    let path = recorded(&config, &[WEBCAM]);
    let good = std::fs::read_to_string(&path).unwrap();
    let bad = config.path().join("bad.jsonl");
    std::fs::write(&bad, format!("{good}\n{{\"width\": 3}}\n")).unwrap();
    fails_with(
        ergoaudit(&config).args(["analyze", "--landmarks"]).arg(&bad),
        &["bad.jsonl: line 3", "missing field"],
    );
    let short = good.replacen("[[", "[", 1);
    std::fs::write(&bad, short).unwrap();
    fails_with(ergoaudit(&config).args(["analyze", "--landmarks"]).arg(&bad), &["line 1"]);
    fails_with(
        ergoaudit(&config).args(["analyze", "--landmarks", "missing.jsonl"]),
        &["missing.jsonl: no such file"],
    );
}

#[test]
fn calibration_profiles_make_relative_measures_available() {
    let config = tempfile::tempdir().unwrap();
    let path = recorded(&config, &[WEBCAM, WEBCAM, "no_person_cartoon_frame92__pyfeat_face_noface.png"]);
    let out =
        stdout_of(ergoaudit(&config).args(["calibrate", "--profile", "desk-1", "--landmarks"]).arg(&path));
    assert!(out.contains("calibrated profile `desk-1`"), "{out}");
    assert!(out.contains("2 of 3 frames used"), "{out}");
    // no distance in centimetres from an assumed field of view
    assert!(out.contains("front view: 2 frames; head turned"), "{out}");
    assert!(out.contains("camera field of view 70° assumed"), "{out}");
    assert!(out.contains("shoulders in the frame"), "{out}");
    assert!(config.path().join("profiles/desk-1.toml").is_file());

    let line =
        stdout_of(ergoaudit(&config).args(["analyze", "--json", "--profile", "desk-1"]).arg(image(WEBCAM)));
    let m = &serde_json::from_str::<Value>(&line).unwrap()["metrics"];
    // the calibration frame itself: no change from the calibrated posture
    assert!(m["head_forward_cm"].as_f64().unwrap().abs() < 0.01, "{m}");
    assert!((m["cva_deg"].as_f64().unwrap() - 50.6).abs() < 0.01, "{m}");
    assert!((m["shoulder_elevation"].as_f64().unwrap() - 1.0).abs() < 0.01, "{m}");
    assert_eq!(m["quality"]["cva_deg"]["method"], "tragus_vs_c7_vs_calibration");
    assert!((m["neck_flexion_deg"].as_f64().unwrap()).abs() < 0.01, "{m}");
    // the head's pitch from the face mesh, kept by the calibration
    assert_eq!(m["quality"]["neck_flexion_deg"]["method"], "face_mesh_pitch_vs_calibration");
    let profile = std::fs::read_to_string(config.path().join("profiles/desk-1.toml")).unwrap();
    assert!(profile.contains("face_pitch_deg = "), "{profile}");
    // the field of view assumed: the distance only relative to the calibration
    assert!(m["viewing_distance_cm"].is_null(), "{m}");
    assert_eq!(m["quality"]["viewing_distance_cm"]["missing"], "camera's field of view unknown");
    assert!(m["viewing_distance_change"].as_f64().unwrap().abs() < 0.01, "{m}");

    // the `default` profile is used when it exists and no profile is named
    let human = stdout_of(ergoaudit(&config).arg("analyze").arg(image(WEBCAM)));
    assert!(human.contains("needs calibration"), "{human}");
    fails_with(
        ergoaudit(&config).args(["analyze", "--profile", "nope"]).arg(image(WEBCAM)),
        &["no calibration profile `nope`"],
    );
    fails_with(
        ergoaudit(&config).args(["analyze", "--profile", "desk-1", "--camera-hfov", "60"]).arg(image(WEBCAM)),
        &["calibrated with --camera-hfov 70"],
    );
    fails_with(
        ergoaudit(&config)
            .args(["analyze", "--profile", "desk-1", "--camera-pitch", "12"])
            .arg(image(WEBCAM)),
        &["calibrated with --camera-pitch 0, not 12"],
    );
    fails_with(
        ergoaudit(&config).args(["analyze", "--profile", "../x"]).arg(image(WEBCAM)),
        &["profile name `../x`"],
    );

    let only_cartoon = recorded(&config, &["no_person_cartoon_frame92__pyfeat_face_noface.png"]);
    fails_with(
        ergoaudit(&config).args(["calibrate", "--landmarks"]).arg(&only_cartoon),
        &["only 0 of the 1 frames", "1 frames showed nobody: sit in front of the camera"],
    );
    // three usable frames out of seven is not a calibration
    let mostly_empty =
        recorded(&config, &[WEBCAM, WEBCAM, WEBCAM, NO_PERSON, NO_PERSON, NO_PERSON, NO_PERSON]);
    fails_with(
        ergoaudit(&config).args(["calibrate", "--landmarks"]).arg(&mostly_empty),
        &["only 3 of the 7 frames show a usable upright pose (need at least half)", "4 frames showed nobody"],
    );
    // a profile of the earlier format (no `format` key) asks for a new calibration
    std::fs::write(
        config.path().join("profiles/old.toml"),
        "created = \"2026-01-01T00:00:00Z\"\nsource = \"x\"\ncamera_hfov_deg = 70.0\n",
    )
    .unwrap();
    fails_with(
        ergoaudit(&config).args(["analyze", "--profile", "old"]).arg(image(WEBCAM)),
        &["old.toml was made by an earlier version", "run `ergoaudit calibrate` again"],
    );
    // a profile whose face template was cut short is damaged, not a panic
    let good = std::fs::read_to_string(config.path().join("profiles/desk-1.toml")).unwrap();
    let points = good.lines().find(|l| l.starts_with("points = ")).expect("a template").to_owned();
    std::fs::write(
        config.path().join("profiles/short.toml"),
        good.replace(&points, "points = [[0.0, 0.0, 0.0]]"),
    )
    .unwrap();
    fails_with(
        ergoaudit(&config).args(["analyze", "--profile", "short"]).arg(image(WEBCAM)),
        &["short.toml is damaged", "no usable face template"],
    );
    std::fs::write(config.path().join("profiles/broken.toml"), "front = 3\n").unwrap();
    fails_with(
        ergoaudit(&config).args(["analyze", "--profile", "broken"]).arg(image(WEBCAM)),
        &["broken.toml is damaged"],
    );
}

#[test]
fn a_distance_measured_at_calibration_fixes_the_field_of_view() {
    let config = tempfile::tempdir().unwrap();
    let path = recorded(&config, &[WEBCAM, WEBCAM]);
    let calibrate = |args: &[&str]| {
        let mut cmd = ergoaudit(&config);
        cmd.args(["calibrate", "--landmarks"]).arg(&path).args(args);
        cmd
    };
    let out = stdout_of(&mut calibrate(&["--profile", "desk", "--distance", "60cm"]));
    assert!(out.contains("front view: 2 frames; ears "), "{out}");
    assert!(out.contains("fixed by your eyes at 60 cm"), "{out}");
    let analyze = |args: &[&str]| {
        let line = stdout_of(ergoaudit(&config).args(["analyze", "--json"]).args(args).arg(image(WEBCAM)));
        serde_json::from_str::<Value>(&line).unwrap()["metrics"].clone()
    };
    // the calibration frame itself is at the distance given, judged in centimetres
    let m = analyze(&["--profile", "desk"]);
    let cm = m["viewing_distance_cm"].as_f64().unwrap();
    assert!((cm - 60.0).abs() <= 0.3, "{m}");
    assert_eq!(m["quality"]["viewing_distance_cm"]["verdict"], "ok");
    // the profile supplies the field of view it found: another one is refused
    fails_with(
        ergoaudit(&config).args(["analyze", "--profile", "desk", "--camera-hfov", "70"]).arg(image(WEBCAM)),
        &["profile `desk` was calibrated with --camera-hfov ", "not 70"],
    );
    // ... and without the profile nothing is known
    assert!(analyze(&[]).get("viewing_distance_cm").is_some_and(Value::is_null));

    // the distance fixes the field of view: not both; a distance no webcam can make; bad text
    fails_with(&mut calibrate(&["--distance", "60cm", "--camera-hfov", "70"]), &["give one of them"]);
    fails_with(&mut calibrate(&["--distance", "3m"]), &["which no webcam has", "--distance 300 cm"]);
    for (bad, says) in [("5cm", "between 20 and 300 cm"), ("far", "write a distance like 60cm")] {
        let out = calibrate(&["--distance", bad]).output().unwrap();
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "a usage error: {err}");
        assert!(err.contains(&format!("`{bad}`")) && err.contains(says), "{err}");
    }
    assert!(!config.path().join("profiles/default.toml").exists(), "a refused calibration saves nothing");
}

#[test]
fn a_side_camera_is_calibrated_and_measured_through_the_heavy_model() {
    let config = tempfile::tempdir().unwrap();
    let side = |seq: &str| crate::common::fixture(&format!("render/side/heavy_man/side/{seq}"));
    // through the full model, asked for: calibrated, with the advice to use heavy
    let out = stdout_of(
        ergoaudit(&config)
            .args(["calibrate", "--profile", "full", "--model", "full", "--source"])
            .arg(side("base")),
    );
    assert!(out.contains("side view: ") && out.contains("calibrate with --model heavy, or without"), "{out}");
    // with no model asked for, the side view is seen and taken again through heavy
    let out = stdout_of(
        ergoaudit(&config)
            .args(["calibrate", "--profile", "side", "--camera-hfov", "70", "--source"])
            .arg(side("base")),
    );
    assert!(out.contains("the frames show a side view: taking them again through the heavy"), "{out}");
    assert!(out.contains("side view: 6 frames used") && !out.contains("--model heavy"), "{out}");
    let profile = std::fs::read_to_string(config.path().join("profiles/side.toml")).unwrap();
    assert!(profile.contains("model = \"heavy\""), "{profile}");
    // and the profile's model is the one its measures run through, unless another is asked
    // for, which is refused
    let metrics = |frame: &str| {
        let line = stdout_of(
            ergoaudit(&config)
                .args(["analyze", "--json", "--profile", "side", "--camera-hfov", "70"])
                .arg(side(frame)),
        );
        serde_json::from_str::<Value>(&line).unwrap()["metrics"].clone()
    };
    let err = ergoaudit(&config)
        .args(["analyze", "--profile", "side", "--model", "full", "--camera-hfov", "70"])
        .arg(side("base/frame_00.jpg"))
        .output()
        .unwrap();
    assert_eq!(err.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&err.stderr)
            .contains("calibrated through the heavy landmark model, not full")
    );
    // the shoulders rounded (24° of clavicle rotation, 5 cm forward): rounding, judged from
    // the side; the head where it was
    let m = metrics("round/frame_03.jpg");
    assert_eq!(m["view"], "side_left");
    assert_eq!(m["quality"]["shoulder_rounding_deg"]["method"], "side_shoulder_shift_vs_calibration");
    assert!(m["shoulder_rounding_deg"].as_f64().unwrap() > 10.0, "{m}");
    assert!(
        ["warn", "risk"].contains(&m["quality"]["shoulder_rounding_deg"]["verdict"].as_str().unwrap()),
        "{m}"
    );
    assert!(m["head_forward_cm"].as_f64().unwrap().abs() < 1.0, "{m}");
    // a 3 cm chin poke: the head forward, the CVA down (truth 41.8° from 53.9°), no rounding
    let m = metrics("protrude/frame_03.jpg");
    assert!((m["head_forward_cm"].as_f64().unwrap() - 2.9).abs() < 1.0, "{m}");
    assert!(m["cva_deg"].as_f64().unwrap() < 48.0, "{m}");
    assert!(m["shoulder_rounding_deg"].as_f64().unwrap().abs() < 5.0, "{m}");
    // through heavy a sample comes every 12 s unless another interval is asked for (the CPU
    // budget): the four frames of a sequence are 48 s, or 20 s at 5 s
    let audited_s = |interval: &[&str]| {
        let json = stdout_of(
            ergoaudit(&config)
                .args(["report", "--format", "json", "--profile", "side", "--camera-hfov", "70"])
                .args(interval)
                .arg("--source")
                .arg(side("round")),
        );
        serde_json::from_str::<Value>(&json).unwrap()["time"]["audited_s"].as_f64().unwrap()
    };
    assert_eq!(audited_s(&[]), 48.0);
    assert_eq!(audited_s(&["--interval", "5s"]), 20.0);
}

#[test]
fn calibrate_reads_a_folder_whose_name_is_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let config = tempfile::tempdir().unwrap();
    // a folder named in Latin-1 (`bür`), as an old file system may hold
    let dir = config.path().join(std::ffi::OsStr::from_bytes(b"b\xfcr"));
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(image(WEBCAM), dir.join("upright.png")).unwrap();
    let out = stdout_of(ergoaudit(&config).args(["calibrate", "--profile", "latin", "--source"]).arg(&dir));
    assert!(out.contains("calibrated profile `latin`") && out.contains("1 of 1 frames used"), "{out}");
    // shown with a replacement character for the byte that is no UTF-8 (only shown so)
    assert!(out.contains("b\u{fffd}r"), "{out}");
}

fn thresholds_json(cmd: &mut Command, flags: &[&str]) -> Vec<Value> {
    let out = stdout_of(cmd.args(["thresholds", "--json"]).args(flags));
    serde_json::from_str::<Value>(&out).unwrap().as_array().unwrap().clone()
}

fn row<'a>(rows: &'a [Value], key: &str) -> &'a Value {
    rows.iter().find(|r| r["key"] == key).unwrap()
}

#[test]
fn threshold_precedence_is_flag_env_file_default() {
    let config = tempfile::tempdir().unwrap();
    std::fs::write(
        config.path().join("config.toml"),
        "[thresholds]\ncva_warn = 49\ncva_risk = 44\nsitting_max = 50\n",
    )
    .unwrap();
    let rows = thresholds_json(&mut ergoaudit(&config), &[]);
    assert_eq!(rows.len(), ergoaudit::thresholds::SPECS.len());
    assert_eq!(
        (row(&rows, "cva_warn")["value"].as_f64(), row(&rows, "cva_warn")["source"].as_str()),
        (Some(49.0), Some("file"))
    );
    assert_eq!(row(&rows, "static_hold")["source"], "default");
    assert!(row(&rows, "cva_warn")["reference"].as_str().unwrap().contains("Lau"));

    let rows = thresholds_json(
        ergoaudit(&config).env("ERGOAUDIT_CVA_WARN", "48").env("ERGOAUDIT_SITTING_MAX", "40"),
        &[],
    );
    assert_eq!(row(&rows, "cva_warn")["value"], 48.0);
    assert_eq!(row(&rows, "cva_warn")["source"], "env");
    assert_eq!(row(&rows, "cva_risk")["source"], "file");

    let rows = thresholds_json(ergoaudit(&config).env("ERGOAUDIT_CVA_WARN", "48"), &["--cva-warn", "47.5"]);
    assert_eq!(row(&rows, "cva_warn")["value"], 47.5);
    assert_eq!(row(&rows, "cva_warn")["source"], "flag");

    // --config picks another file
    let other = config.path().join("other.toml");
    std::fs::write(&other, "[thresholds]\nstatic_hold = 90\n").unwrap();
    let rows = thresholds_json(&mut ergoaudit(&config), &["--config", other.to_str().unwrap()]);
    assert_eq!(row(&rows, "static_hold")["value"], 90.0);
    assert_eq!(row(&rows, "cva_warn")["source"], "default");

    let table = stdout_of(ergoaudit(&config).arg("thresholds"));
    assert!(
        table.contains("config file:") && table.contains("cva_warn") && table.contains("file"),
        "{table}"
    );
}

#[test]
fn invalid_thresholds_are_refused_with_the_key() {
    let config = tempfile::tempdir().unwrap();
    fails_with(
        ergoaudit(&config).args(["thresholds", "--cva-warn", "NaN"]),
        &["cva_warn", "not a finite number", "--cva-warn"],
    );
    fails_with(ergoaudit(&config).args(["thresholds", "--static-hold", "-5"]), &["static_hold", "negative"]);
    fails_with(
        ergoaudit(&config).args(["thresholds", "--neck-flexion-warn", "30"]),
        &["neck_flexion_warn", "neck_flexion_risk"],
    );
    fails_with(
        ergoaudit(&config).args(["thresholds", "--cva-warn", "40"]),
        &["cva_warn = 40", "must not be below cva_risk"],
    );
    fails_with(
        ergoaudit(&config).args(["thresholds"]).env("ERGOAUDIT_BREAK_MIN", "soon"),
        &["ERGOAUDIT_BREAK_MIN"],
    );
    fails_with(
        ergoaudit(&config).args(["thresholds"]).env("ERGOAUDIT_TRUNK_WARN", "-1"),
        &["trunk_warn", "ERGOAUDIT_TRUNK_WARN"],
    );

    let file = config.path().join("config.toml");
    std::fs::write(&file, "[thresholds]\ncva_warn = 49\ncva_wran = 3\n").unwrap();
    fails_with(ergoaudit(&config).arg("thresholds"), &["config.toml: line 3", "unknown key `cva_wran`"]);
    std::fs::write(&file, "[thresholds]\ncva_warn = [1\n").unwrap();
    fails_with(ergoaudit(&config).arg("thresholds"), &["config.toml: line 2"]);
    std::fs::write(&file, "[thresholds]\ncva_warn = \"high\"\n").unwrap();
    fails_with(ergoaudit(&config).arg("thresholds"), &["line 2", "cva_warn must be a number"]);
    std::fs::write(&file, "[thresholds]\ncva_warn = 44\n").unwrap();
    fails_with(ergoaudit(&config).arg("thresholds"), &["cva_warn = 44", "config.toml line 2"]);
    // the same errors stop `analyze` before any work
    fails_with(ergoaudit(&config).arg("analyze").arg(image(WEBCAM)), &["cva_warn = 44"]);
    fails_with(ergoaudit(&config).args(["thresholds", "--config", "nowhere.toml"]), &["nowhere.toml"]);
}
