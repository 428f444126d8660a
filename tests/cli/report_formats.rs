//! The report's Markdown and JSON on a fixed history, as snapshots (`tests/cli/snapshots/`): a
//! change to either format shows up here as a diff to review (`cargo insta review`), and the
//! JSON schema version must be bumped with a note when the JSON changes.

use ergoaudit::posture::{MeasureId, Measures, Missing, View};
use ergoaudit::report::{self, Records};
use ergoaudit::risk::FindingKind;
use ergoaudit::store::{
    SessionEnd, SessionId, SessionSetup, SessionSpan, StoredFinding, StoredSample, StoredSession,
};
use ergoaudit::thresholds::{Thresholds, Verdict};

const SEVEN: SessionId = SessionId(7);

fn session() -> StoredSession {
    StoredSession {
        id: SEVEN,
        started_at: "2026-03-02T09:00:00Z".parse().unwrap(),
        end: SessionEnd::Ended("2026-03-02T10:00:00Z".parse().unwrap()),
        setup: SessionSetup {
            source: "camera:0 <Integrated | Webcam>".into(),
            model: Some("full".into()),
            profile: Some("desk".into()),
            profile_toml: None,
            interval_s: 60.0,
            thresholds_json: "{}".into(),
        },
    }
}

/// An hour, a sample a minute: 20 min head forward, a 5-minute break, 35 min with the
/// shoulders below the frame half of the time.
fn samples() -> Vec<StoredSample> {
    let start: jiff::Timestamp = "2026-03-02T09:00:00Z".parse().unwrap();
    (0..60)
        .map(|k| {
            let t_s = f64::from(k) * 60.0;
            let present = !(20..25).contains(&k);
            let mut measures = Measures::default();
            let mut missing = Measures::default();
            if present {
                measures[MeasureId::NeckFlexionDeg] = Some(if k < 20 { 24.0 } else { 8.0 });
                measures[MeasureId::HeadTiltDeg] = Some(2.0);
                if k % 2 == 0 {
                    measures[MeasureId::CvaDeg] = Some(if k < 20 { 44.0 } else { 52.0 });
                } else {
                    missing[MeasureId::CvaDeg] = Some(Missing::ShouldersOutOfFrame);
                }
            }
            StoredSample {
                session: SEVEN,
                t_s,
                at: Some(start + jiff::SignedDuration::from_secs_f64(t_s)),
                person: present,
                present,
                view: present.then_some(View::Front),
                movement: Some(0.01),
                rula: present.then_some(if k < 20 { 4 } else { 3 }),
                static_posture: k < 20,
                sitting_min: if k < 20 { f64::from(k) } else { f64::from(k - 25).max(0.0) },
                measures,
                missing,
            }
        })
        .collect()
}

fn findings() -> Vec<StoredFinding> {
    let f = |id, kind, measure, severity, start_s: f64, end_s: f64, value, limit| StoredFinding {
        session: SEVEN,
        id,
        kind,
        severity,
        measure,
        start_s,
        end_s: Some(end_s),
        value: Some(value),
        limit: Some(limit),
        reference: "a reference, with | and *".into(),
    };
    vec![
        f(0, FindingKind::Posture, Some(MeasureId::CvaDeg), Verdict::Risk, 60.0, 1200.0, 44.0, 45.0),
        f(1, FindingKind::StaticHold, None, Verdict::Risk, 60.0, 1200.0, 24.0, 480.0),
    ]
}

fn report() -> report::Report {
    let (sessions, samples, findings) = ([session()], samples(), findings());
    let breaks = [SessionSpan { session: SEVEN, start_s: 1200.0, end_s: 1500.0 }];
    // a 5-minute call: sitting, no break
    let calls = [SessionSpan { session: SEVEN, start_s: 2400.0, end_s: 2700.0 }];
    report::build(&Records {
        kind: "history",
        sessions: &sessions,
        samples: &samples,
        findings: &findings,
        breaks: &breaks,
        pauses: &[],
        // the screen was locked over the break: a lock as long as a break is one
        away: &breaks,
        calls: &calls,
        gaps: &[],
        period: None,
        thresholds: &Thresholds::default(),
        judged: &[],
        now: "2026-03-02T12:00:00Z".parse().unwrap(),
        tz: &jiff::tz::TimeZone::fixed(jiff::tz::offset(1)),
    })
}

fn unversioned(text: String) -> String {
    text.replace(env!("CARGO_PKG_VERSION"), "[version]")
}

#[test]
fn the_markdown_report() {
    insta::assert_snapshot!(unversioned(report::markdown(&report())));
}

#[test]
fn the_json_report() {
    insta::assert_snapshot!(unversioned(serde_json::to_string_pretty(&report()).unwrap()));
}

#[test]
fn the_html_report_carries_what_the_markdown_does() {
    let (r, html) = (report(), report::html(&report()));
    assert!(html.contains("<b>1</b><span>breaks taken"), "the recorded break is counted");
    assert!(html.contains(r#"<rect class="break""#), "and drawn");
    for f in &r.verdict.as_ref().unwrap().top_findings {
        assert!(html.contains(&f.title), "{}", f.title);
    }
    assert!(html.contains("camera:0 &lt;Integrated | Webcam&gt;"), "the source, escaped");
}
