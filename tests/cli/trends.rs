//! `report --since 7d`, day by day: a five-day history made of recorded landmarks (MediaPipe's
//! own for a real seated webcam frame, the head lowered for the worse postures), each day
//! audited with `--recorded-at`, and every per-day figure checked against what was fed.

use crate::common;

use std::path::{Path, PathBuf};

use common::{ergoaudit, ok};
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde_json::Value;
use tempfile::TempDir;

use common::seated_frame as frame;

/// Nobody in the frame.
fn empty(t_s: f64) -> String {
    common::empty_frame(t_s)
}

const UPRIGHT: f64 = 0.0;
/// Measured below (by `analyze`): a CVA in the warn band.
const LOWERED: f64 = 20.0;
/// And in the risk band.
const SLUMPED: f64 = 45.0;

/// Frames every 5 s from `from` (inclusive) to `to` (exclusive).
fn span(from: f64, to: f64, f: impl Fn(f64) -> String) -> Vec<String> {
    common::stream(from, to, 5.0, f)
}

fn write(home: &TempDir, name: &str, lines: &[String]) -> PathBuf {
    let path = home.path().join(name);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

/// ergoaudit in UTC (the days are UTC days).
fn run(home: &TempDir, args: &[&str]) -> String {
    ok(ergoaudit(home).env("TZ", "UTC").args(args))
}

fn audit(home: &TempDir, file: &Path, at: Timestamp) {
    run(
        home,
        &["audit", "--no-notify", "--recorded-at", &at.to_string(), "--landmarks", file.to_str().unwrap()],
    );
}

/// The CVA of a frame and its verdict, as `analyze` says with the calibration profile.
fn cva(home: &TempDir, drop_px: f64) -> (f64, String) {
    let file = write(home, "one.jsonl", &[frame(0.0, drop_px)]);
    let out = run(home, &["analyze", "--json", "--landmarks", file.to_str().unwrap()]);
    let v: Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    let m = &v["metrics"];
    (m["cva_deg"].as_f64().unwrap(), m["quality"]["cva_deg"]["verdict"].as_str().unwrap().to_owned())
}

#[test]
fn a_five_day_history_is_reported_day_by_day() {
    let home = tempfile::tempdir().unwrap();
    // the upright frame is the calibration, so head-forward and rounding are measured
    let calibration = write(&home, "calibrate.jsonl", &span(0.0, 60.0, |t| frame(t, UPRIGHT)));
    run(&home, &["calibrate", "--landmarks", calibration.to_str().unwrap()]);
    let (upright, lowered, slumped) = (cva(&home, UPRIGHT), cva(&home, LOWERED), cva(&home, SLUMPED));
    assert_eq!(upright.1, "ok", "{upright:?}");
    assert_eq!(lowered.1, "warn", "{lowered:?}");
    assert_eq!(slumped.1, "risk", "{slumped:?}");

    let today = Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let day = |back: i32| today.checked_sub(back.days()).unwrap();
    let at = |back: i32, h: i8, m: i8| {
        day(back).at(h, m, 0, 0).to_zoned(jiff::tz::TimeZone::UTC).unwrap().timestamp()
    };
    // day −5: 30 min upright
    audit(&home, &write(&home, "d5.jsonl", &span(0.0, 1800.0, |t| frame(t, UPRIGHT))), at(5, 9, 0));
    // day −4: 25 min upright, 25 min lowered — 50 min without a break
    let mut d4 = span(0.0, 1500.0, |t| frame(t, UPRIGHT));
    d4.extend(span(1500.0, 3000.0, |t| frame(t, LOWERED)));
    audit(&home, &write(&home, "d4.jsonl", &d4), at(4, 9, 0));
    // day −3: 20 min upright, 5 min away (a break), 20 min slumped
    let mut d3 = span(0.0, 1200.0, |t| frame(t, UPRIGHT));
    d3.extend(span(1200.0, 1500.0, empty));
    d3.extend(span(1500.0, 2700.0, |t| frame(t, SLUMPED)));
    audit(&home, &write(&home, "d3.jsonl", &d3), at(3, 9, 0));
    // day −2: nothing. Day −1: 20 min upright from 23:50, across midnight
    audit(&home, &write(&home, "d1.jsonl", &span(0.0, 1200.0, |t| frame(t, UPRIGHT))), at(1, 23, 50));

    let report: Value =
        serde_json::from_str(&run(&home, &["report", "--since", "7d", "--format", "json"])).unwrap();
    assert_eq!(report["schema"], "ergoaudit-report/7");
    let days = report["days"].as_array().unwrap();
    // from the day seven days ago to today
    let dates: Vec<String> = (0..=7).rev().map(|b| day(b).to_string()).collect();
    assert_eq!(days.iter().map(|d| d["date"].as_str().unwrap()).collect::<Vec<_>>(), dates);
    let by_date = |back: i32| days.iter().find(|d| d["date"] == day(back).to_string()).unwrap();
    let bands = |d: &Value, m: &str| -> [f64; 3] {
        let b = &d["bands"][m];
        [b["ok_s"].as_f64().unwrap(), b["warn_s"].as_f64().unwrap(), b["risk_s"].as_f64().unwrap()]
    };
    let figures = |d: &Value| {
        (
            d["present_s"].as_f64().unwrap(),
            d["breaks_taken"].as_u64().unwrap(),
            d["breaks_due"].as_u64().unwrap(),
            (d["longest_sitting_min"].as_f64().unwrap() * 60.0).round(),
        )
    };
    // −5: 360 samples of 5 s, all present, upright; the stretch reaches 29:55
    let d = by_date(5);
    assert_eq!(figures(d), (1800.0, 0, 0, 1795.0));
    for m in ["cva_deg", "head_forward_cm"] {
        assert_eq!(bands(d, m), [1800.0, 0.0, 0.0], "{m}");
    }
    // shoulder rounding from the front is an estimate: in no band
    assert_eq!(bands(d, "shoulder_rounding_deg"), [0.0, 0.0, 0.0]);
    assert_eq!(d["bands"]["shoulder_rounding_deg"]["estimate_s"], 1800.0);
    // −4: 600 samples; 50 min present asks for one break (one per 45 min), none was taken
    let d = by_date(4);
    assert_eq!(figures(d), (3000.0, 0, 1, 2995.0));
    assert_eq!(bands(d, "cva_deg"), [1500.0, 1500.0, 0.0]);
    // −3: present are the 240 upright samples, the first empty one (absence is confirmed
    // by the second, dated from the first) and 239 slumped ones (the first back is
    // confirmed by the next); the bands count the samples with a person: 240 and 239.
    // The longest stretch is the 20:00 reached at the first empty sample.
    let d = by_date(3);
    assert_eq!(figures(d), (2400.0, 1, 0, 1200.0));
    assert_eq!(bands(d, "cva_deg"), [1200.0, 0.0, 1195.0]);
    // −2 and the days before −5: nothing
    for back in [2, 6, 7] {
        assert_eq!(figures(by_date(back)), (0.0, 0, 0, 0.0), "day −{back}");
        assert!(by_date(back)["bands"].as_object().unwrap().is_empty());
    }
    // across midnight: 120 samples on each side; the stretch goes on into today
    assert_eq!(figures(by_date(1)), (600.0, 0, 0, 595.0));
    assert_eq!(figures(by_date(0)), (600.0, 0, 0, 1195.0));
    assert!(days.iter().all(|d| d["paused_s"] == 0.0));

    // the same figures in Markdown and HTML
    let md = run(&home, &["report", "--since", "7d", "--format", "md"]);
    assert!(md.contains("## Day by day"), "{md}");
    // the day as people write it ("Sun 6 Dec 2026")
    let written = day(3).strftime("%a %-d %b %Y").to_string();
    let row = md.lines().find(|l| l.starts_with(&format!("| {written} |"))).expect("a row for day −3");
    assert_eq!(row, format!("| {written} | 40 min | 0 s | 1 / 0 | 20 min | 50/0/50 | 100/0/0 | estimate |"));
    let html = run(&home, &["report", "--since", "7d", "--format", "html"]);
    let chart = html.split(r#"<svg data-chart="days""#).nth(1).expect("the day-by-day chart");
    let chart = &chart[..chart.find("</svg>").unwrap()];
    // one bar per day in each panel
    assert_eq!(chart.matches(r#"<rect class="present""#).count(), 8);
    assert_eq!(chart.matches(r#"<rect class="due""#).count(), 8);
    assert!(html.contains(&format!("<title>{} present: 0.8</title>", day(4))), "50 min = 0.8 h");
    // a report of less than a day has no days
    let short: Value =
        serde_json::from_str(&run(&home, &["report", "--since", "8h", "--format", "json"])).unwrap();
    assert!(short["days"].as_array().unwrap().is_empty());
    assert!(!run(&home, &["report", "--since", "8h", "--format", "md"]).contains("Day by day"));

    // a local time without an offset is read in the local zone (UTC here)
    let short_file = write(&home, "short.jsonl", &span(0.0, 60.0, |t| frame(t, UPRIGHT)));
    let local = format!("{}T10:30", day(6));
    run(
        &home,
        &["audit", "--no-notify", "--recorded-at", &local, "--landmarks", short_file.to_str().unwrap()],
    );
    let history: Value = serde_json::from_str(&run(&home, &["history", "--all", "--json"])).unwrap();
    let last = history.as_array().unwrap().last().unwrap();
    assert!(last["started_at"].as_str().unwrap().starts_with(&format!("{}T10:30:00", day(6))), "{last}");
}

#[test]
fn recorded_at_is_refused_in_the_future_and_for_a_camera() {
    let home = tempfile::tempdir().unwrap();
    let fails = |args: &[&str], needle: &str| {
        let out = ergoaudit(&home).env("TZ", "UTC").args(args).output().unwrap();
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(!out.status.success() && err.lines().count() == 1 && err.contains(needle), "{err}");
    };
    fails(
        &["audit", "--recorded-at", "2099-01-01T00:00", "--landmarks", "x.jsonl"],
        "cannot be made in the future",
    );
    fails(&["audit", "--recorded-at", "yesterday", "--landmarks", "x.jsonl"], "write a time like");
    fails(
        &["audit", "--recorded-at", "2026-01-01T00:00", "--source", "camera"],
        "dates a recording; camera records now",
    );
}

#[test]
fn a_session_begun_before_the_period_counts_with_what_it_recorded_within_it() {
    let home = tempfile::tempdir().unwrap();
    // one background session from nine days ago: ten minutes then, ten minutes just now
    let nine_days = 9.0 * 86_400.0;
    let mut lines = span(0.0, 600.0, |t| frame(t, UPRIGHT));
    lines.extend(span(nine_days - 1200.0, nine_days - 600.0, |t| frame(t, SLUMPED)));
    let file = write(&home, "long.jsonl", &lines);
    audit(&home, &file, Timestamp::now() - SignedDuration::from_secs(nine_days as i64));
    for since in ["8h", "7d"] {
        let r: Value =
            serde_json::from_str(&run(&home, &["report", "--since", since, "--format", "json"])).unwrap();
        assert_eq!(r["origin"]["sessions"], serde_json::json!([1]), "--since {since}");
        // only the ten minutes within the period (the first of them is the return after the
        // nine-day gap, confirmed by the next)
        assert_eq!(r["time"]["present_s"], 595.0, "--since {since}");
        assert_eq!(r["series"].as_array().unwrap().len(), 120, "--since {since}");
        let days: f64 = r["days"].as_array().unwrap().iter().map(|d| d["present_s"].as_f64().unwrap()).sum();
        assert_eq!(days, if since == "7d" { 595.0 } else { 0.0 }, "--since {since}");
    }
    // the nine-day gap is a break, which ended within the period
    let r: Value =
        serde_json::from_str(&run(&home, &["report", "--since", "7d", "--format", "json"])).unwrap();
    assert_eq!(r["time"]["breaks_taken"], 1);
}
