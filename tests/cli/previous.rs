//! A history written by the previous version (ergoaudit at 14a5ac5, schema 4; made by
//! `tests/fixtures/previous/make.sh`, which keeps what that version printed of it beside it):
//! six sessions — recorded landmarks with findings and a break, a real clip through the pose
//! model, a live stream with a pause, a faulty camera with gaps, an audit killed and closed
//! by the next one. This version reads it and prints the same, byte for byte, and an audit
//! into it adds a session without changing the others.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tempfile::TempDir;

use crate::common::{ergoaudit, fixture, ok};

/// The previous version's database, copied into `home` (an audit writes into it).
fn previous_db(home: &TempDir) -> PathBuf {
    let db = home.path().join("history.sqlite");
    std::fs::copy(fixture("previous/history.sqlite"), &db).unwrap();
    db
}

/// What the previous version printed, kept in the fixture folder.
fn printed(name: &str) -> String {
    std::fs::read_to_string(fixture(&format!("previous/{name}"))).unwrap()
}

/// `ergoaudit ARGS --db DB` in UTC (as the fixture was made), which must succeed.
fn run(home: &TempDir, db: &Path, args: &[&str]) -> String {
    ok(ergoaudit(home).args(args).arg("--db").arg(db).env("TZ", "UTC"))
}

/// A report as JSON, without the time it was made, and without what schemas 5 and 6 changed
/// on purpose (`docs/report-schema.md`): the schema's name, the series' resolution (new; none
/// for these sessions), the distributions' bin edges (whole steps now); of a distribution,
/// how many samples it counts; times to the second with the local offset, the period and the
/// clock times (new), the RULA grand score (was called the action level; the level is
/// now RULA's 1–4), and shoulder rounding from the front as an estimate in no band.
fn report(text: &str) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(text).unwrap();
    v["generated_at"] = serde_json::Value::Null;
    assert!(
        matches!(
            v["schema"].as_str(),
            Some("ergoaudit-report/4" | "ergoaudit-report/6" | "ergoaudit-report/7")
        ),
        "{}",
        v["schema"]
    );
    v["schema"] = serde_json::Value::Null;
    assert!(v["series_resolution_s"].is_null(), "each sample charted");
    v.as_object_mut().unwrap().remove("series_resolution_s");
    for (_, d) in v["distributions"].as_object_mut().unwrap() {
        let counted: u64 = d["counts"].as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).sum();
        *d = counted.into();
    }
    let origin = v["origin"].as_object_mut().unwrap();
    origin.remove("period");
    origin.remove("time_zone");
    for end in ["from", "to"] {
        if let Some(at) = origin[end].as_str() {
            let at: jiff::Timestamp = at.parse().unwrap();
            origin[end] = jiff::Timestamp::from_second(at.as_second()).unwrap().to_string().into();
        }
    }
    if let Some(verdict) = v["verdict"].as_object_mut() {
        if let Some(score) = verdict.remove("grand_score") {
            verdict["action_level"] = score;
        }
        if let Some(meaning) = verdict["meaning"].as_str() {
            let meaning =
                meaning.replace("no level: the neck", "the neck").replace("a level needs", "a score needs");
            verdict["meaning"] = meaning.into();
        }
    }
    for list in ["findings", "holds"] {
        for item in v[list].as_array_mut().into_iter().flatten() {
            item.as_object_mut().unwrap().remove("at");
        }
    }
    // shoulder rounding from the front is an estimate now, in no band: of its bands, the
    // time with a value and the time without one
    if let Some(time) = v["time"].as_object_mut() {
        time.remove("estimates");
        // the screen lock is followed now: none in the previous version's sessions
        assert!(time.remove("locked_s").is_none_or(|l| l == 0.0), "{time:?}");
        assert!(time.remove("call_s").is_none_or(|c| c == 0.0), "{time:?}");
    }
    rounding_as_an_estimate(&mut v["time"]["bands"]);
    for day in v["days"].as_array_mut().into_iter().flatten() {
        let day = day.as_object_mut().unwrap();
        assert!(
            day.remove("locked_s").is_none_or(|l| l == 0.0) && day.remove("call_s").is_none_or(|c| c == 0.0)
        );
        rounding_as_an_estimate(&mut day["bands"]);
    }
    v
}

/// Of each measure's band times, without `estimate_s`; of shoulder rounding's, the time with
/// a value (in a band or an estimate) and the time without one.
fn rounding_as_an_estimate(per_measure: &mut serde_json::Value) {
    for (measure, band) in per_measure.as_object_mut().into_iter().flatten() {
        let band = band.as_object_mut().unwrap();
        let estimate = band.remove("estimate_s").and_then(|e| e.as_f64()).unwrap_or(0.0);
        if measure == "shoulder_rounding_deg" {
            let banded: f64 =
                ["ok_s", "warn_s", "risk_s"].iter().map(|k| band.remove(*k).unwrap().as_f64().unwrap()).sum();
            band.insert("with_a_value_s".into(), (banded + estimate).into());
        }
    }
}

/// What the previous version printed of a Markdown report of session 1 (which began at 09:00
/// UTC on Monday 30 November 2026), with what schema 6 changed on purpose: the period as
/// people write it, the RULA grand score named as such beside its action level, and the
/// holds' and findings' starts as clock times.
fn markdown_as_now(old: &str) -> String {
    let clock = |m_ss: &str| {
        let (m, s) = m_ss.split_once(':').unwrap();
        let minutes = 9 * 60 + m.parse::<u32>().unwrap() + s.parse::<u32>().unwrap() / 60;
        format!("{:02}:{:02}", minutes / 60, minutes % 60)
    };
    old.lines()
        .map(|line| {
            if line.starts_with("history · 2026-11-30T09:00:00Z to 2026-11-30T10:13:55Z · sources: ") {
                "Monday 30 November 2026, 09:00–10:13 (UTC) · history of day\\.jsonl".to_owned()
            } else if line == "**RULA-style action level 4**: investigate further." {
                "**RULA-style score 4 of 7 — action level 2 of 4**: investigate further.".to_owned()
            } else if let Some(rest) = line.strip_prefix("| ").filter(|r| {
                let first = r.split(" | ").next().unwrap_or_default();
                r.contains(" | risk | ")
                    && first.contains(':')
                    && first.chars().all(|c| c.is_ascii_digit() || c == ':')
            }) {
                let (start, rest) = rest.split_once(" | ").unwrap();
                format!("| {} | {rest}", clock(start))
            } else if let Some((head, rest)) = line.split_once(" at ").filter(|(h, _)| h.starts_with("- **"))
            {
                let (start, rest) = rest.split_once(" for ").unwrap();
                format!("{head} at {} for {rest}", clock(start))
            } else {
                line.to_owned()
            }
        })
        .map(|line| line + "\n")
        .collect()
}

/// Everything that reads a history prints what the previous version printed of it.
fn reads_as_before(home: &TempDir, db: &Path) {
    for (args, file) in [
        (&["export", "--format", "csv"][..], "samples.csv"),
        (&["export", "--findings", "--format", "csv"], "findings.csv"),
    ] {
        assert!(run(home, db, args) == printed(file), "{args:?} differs from {file}");
    }
    let md = run(home, db, &["report", "--session", "1", "--format", "md"]);
    let expected = markdown_as_now(&printed("report-1.md"));
    for (now, before) in md.lines().zip(expected.lines()) {
        assert_eq!(now, before, "report --session 1 --format md");
    }
    assert_eq!(md.lines().count(), expected.lines().count());
    let jsonl = run(home, db, &["export", "--format", "jsonl"]);
    assert_eq!(
        format!("{:x}", Sha256::digest(jsonl.as_bytes())),
        printed("samples.jsonl.sha256").trim(),
        "export --format jsonl differs from the previous version's"
    );
    for session in 1..=6 {
        let args = ["report", "--session", &session.to_string(), "--format", "json"];
        assert_eq!(
            report(&run(home, db, &args)),
            report(&printed(&format!("report-{session}.json"))),
            "report of session {session}"
        );
    }
}

#[test]
fn a_history_written_by_the_previous_version_reads_as_it_did_and_takes_new_sessions() {
    let home = tempfile::tempdir().unwrap();
    let db = previous_db(&home);
    let history = run(&home, &db, &["history", "--all", "--json"]);
    assert_eq!(history, printed("history.json"));
    let sessions: serde_json::Value = serde_json::from_str(&history).unwrap();
    assert_eq!(sessions[4]["ended_at"], "interrupted", "the killed audit, closed by the next one");
    reads_as_before(&home, &db);
    // a session it does not hold: one line, naming the id and where to look
    let out = ergoaudit(&home).args(["report", "--session", "99", "--db"]).arg(&db).output().unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("no session 99 in") && err.contains("`ergoaudit history` lists them"), "{err}");

    // an audit into it: a seventh session, the six before untouched
    let lines = crate::common::stream(0.0, 60.0, 5.0, |t| crate::common::side_frame(t, 4.0, 0.0));
    let file = home.path().join("new.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let said = ok(ergoaudit(&home)
        .args(["audit", "--no-notify", "--recorded-at", "2026-12-02T08:00:00Z", "--landmarks"])
        .arg(&file)
        .arg("--db")
        .arg(&db));
    assert!(said.starts_with("session 7: 12 samples"), "{said}");
    let after: serde_json::Value =
        serde_json::from_str(&run(&home, &db, &["history", "--all", "--json"])).unwrap();
    assert_eq!(after.as_array().unwrap()[..6], sessions.as_array().unwrap()[..]);
    assert_eq!(after[6]["samples"], 12);
    for session in 1..=6 {
        let args = ["report", "--session", &session.to_string(), "--format", "json"];
        assert_eq!(report(&run(&home, &db, &args)), report(&printed(&format!("report-{session}.json"))));
    }
}
