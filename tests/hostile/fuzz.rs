//! Fuzz targets, as property tests in the normal suite (a few seconds each): the landmark
//! line parser, config files, the risk engine and the report builder, fed arbitrary and
//! hostile data (NaN, ±inf, huge and negative times, out-of-order samples). No panic, no
//! NaN or infinity in any output. `scripts/fuzz` runs the same targets for longer; proptest
//! keeps any failing input in `tests/hostile/fuzz.proptest-regressions`, which this suite replays.
//! (Durations are fuzzed beside their parser, in the binary's unit tests.)

use crate::common;

use ergoaudit::pose::PosedFrame;
use ergoaudit::posture::{MeasureId, Measures, Observation, Optics, View, measure};
use ergoaudit::replay::FrameRecord;
use ergoaudit::report::{self, Records};
use ergoaudit::risk::{Engine, FindingKind, Sample};
use ergoaudit::store::{
    SessionEnd, SessionId, SessionSetup, SessionSpan, StoredFinding, StoredSample, StoredSession,
};
use ergoaudit::thresholds::{SPECS, Thresholds, Verdict};
use proptest::prelude::*;

/// Cases per target: `FUZZ_CASES`, or a count that keeps the suite quick.
pub fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    ProptestConfig { cases, max_shrink_iters: 2000, ..ProptestConfig::default() }
}

/// Numbers as hostile data has them: ordinary, huge, tiny, negative, NaN, infinite.
fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => -1e3..1e3f64,
        1 => any::<f64>(),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(1e300),
        1 => Just(-1e20),
        1 => Just(0.0),
    ]
}

/// JSON for a number (NaN and infinities as JSON cannot hold them: as huge literals).
fn json_number(v: f64) -> String {
    if v.is_finite() {
        format!("{v:e}")
    } else if v.is_nan() {
        "1e999".to_owned()
    } else {
        format!("{}1e999", if v < 0.0 { "-" } else { "" })
    }
}

/// A frame record's text with every number replaced by `values` in turn, and the text cut
/// at `cut` (a fraction), or left whole.
fn record_text(values: &[f64], cut: Option<f64>) -> String {
    let base = common::side_frame(12.5, 20.0, 3.0);
    let mut out = String::new();
    let mut values = values.iter().cycle();
    let mut chars = base.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || (c == '-' && chars.peek().is_some_and(char::is_ascii_digit)) {
            while chars.peek().is_some_and(|d| d.is_ascii_digit() || ".eE+-".contains(*d)) {
                chars.next();
            }
            out.push_str(&json_number(*values.next().unwrap()));
        } else {
            out.push(c);
        }
    }
    match cut {
        Some(f) => out.chars().take((out.chars().count() as f64 * f) as usize).collect(),
        None => out,
    }
}

/// No `NaN`, and no `inf` as a word (Rust's rendering of infinity; "information" is fine).
fn assert_finite_text(text: &str, what: &str) {
    assert!(!text.contains("NaN"), "{what} contains NaN");
    for (i, _) in text.match_indices("inf") {
        let before = text[..i].chars().next_back().is_some_and(char::is_alphabetic);
        let after = text[i + 3..].chars().next().is_some_and(char::is_alphabetic);
        assert!(
            before || after,
            "{what} contains inf: …{}…",
            &text[i.saturating_sub(40)..(i + 10).min(text.len())]
        );
    }
}

proptest! {
    #![proptest_config(config(5000))]

    /// Any line: parsed or refused, never a panic; a parsed record gives finite measures.
    #[test]
    fn landmark_lines(
        values in prop::collection::vec(number(), 1..40),
        cut in prop::option::of(0.0..1.0f64),
        noise in ".{0,64}",
        use_noise in any::<bool>(),
    ) {
        let line = if use_noise { noise } else { record_text(&values, cut) };
        if let Ok(record) = FrameRecord::parse(&line) {
            if let Some(t) = record.t_s {
                prop_assert!(t.is_finite() && t >= 0.0);
            }
            let posed = PosedFrame::from(record);
            let observed = posed.pose.as_ref().map(|d| Observation::of(d, posed.width, posed.height));
            if let Some(sample) = observed.map(|o| measure(&o, &Optics::default(), None)) {
                for (id, m) in sample.iter() {
                    if let Some(v) = m.value {
                        prop_assert!(v.is_finite(), "{} = {v}", id.name());
                    }
                    prop_assert!(m.confidence.is_finite());
                }
            }
        }
    }

    /// Any config file: loaded or refused with an error, never a panic; what loads is valid.
    #[test]
    fn config_files(
        entries in prop::collection::vec((0..SPECS.len() + 2, number(), 0..4u8), 0..12),
        tail in "[ -~\n]{0,40}",
    ) {
        let mut text = String::from("[thresholds]\n");
        for (key, value, form) in &entries {
            let key = SPECS.get(*key).map_or("no_such_key", |s| s.key);
            let value = match form {
                0 => json_number(*value),
                1 => format!("\"{value}\""),
                2 => format!("[{}]", json_number(*value)),
                _ => "nan".to_owned(),
            };
            text.push_str(&format!("{key} = {value}\n"));
        }
        text.push_str(&tail);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, &text).unwrap();
        if let Ok(settings) = ergoaudit::config::load(Some(&path), |_| None, &[]) {
            prop_assert!(settings.thresholds.validate().is_ok());
        }
    }

    /// Any sample stream, in any order, with any numbers: the engine's findings stay finite.
    #[test]
    fn risk_engine(
        samples in prop::collection::vec(
            (number(), any::<bool>(), prop::collection::vec(prop::option::of(number()), 11), prop::option::of(number())),
            0..120,
        ),
    ) {
        let mut engine = Engine::new(Thresholds::default());
        let mut last = 0.0f64;
        for (t, person, measures, movement) in &samples {
            let input = Sample {
                t_s: *t,
                person: *person,
                measures: {
                    let mut values = measures.iter();
                    Measures::from_fn(|_| *values.next().expect("one value per measure"))
                },
                movement: *movement,
                view: person.then_some(ergoaudit::posture::View::Front),
            };
            let (events, assessment) = engine.push(&input);
            prop_assert!(assessment.sitting_min.is_finite() && assessment.sitting_min >= 0.0);
            for e in events {
                let f = e.finding;
                prop_assert!(f.start_s.is_finite(), "{f:?}");
                prop_assert!(f.end_s.is_none_or(f64::is_finite), "{f:?}");
                prop_assert!(f.value.is_none_or(f64::is_finite), "{f:?}");
            }
            if t.is_finite() {
                last = last.max(*t);
            }
        }
        for e in engine.finish(last) {
            prop_assert!(e.finding.start_s.is_finite());
        }
        for b in engine.take_breaks() {
            prop_assert!(b.start_s.is_finite() && b.end_s >= b.start_s, "{b:?}");
        }
    }

    /// Any stored samples and findings: the report builds, serialises, and renders without
    /// NaN or infinity in HTML, Markdown or JSON.
    #[test]
    fn report_streams(
        samples in prop::collection::vec(
            (number(), any::<bool>(), prop::collection::vec(prop::option::of(number()), 11), number(), prop::option::of(number())),
            0..60,
        ),
        findings in prop::collection::vec((0..3usize, number(), prop::option::of(number()), prop::option::of(number())), 0..6),
        breaks in prop::collection::vec((number(), number()), 0..4),
        interval in number(),
    ) {
        let one = SessionId(1);
        let session = StoredSession {
            id: one,
            started_at: "2026-11-29T09:00:00Z".parse().unwrap(),
            end: SessionEnd::Running,
            setup: SessionSetup {
                source: "fuzz".into(),
                model: None,
                profile: None,
                profile_toml: None,
                interval_s: interval,
                thresholds_json: "{}".into(),
            },
        };
        let stored: Vec<StoredSample> = samples
            .iter()
            .map(|(t, present, measures, sitting, movement)| StoredSample {
                session: one,
                t_s: *t,
                at: "2026-11-29T09:00:00Z".parse().ok(),
                person: *present,
                present: *present,
                view: present.then_some(View::Front),
                movement: *movement,
                rula: Some(3),
                static_posture: false,
                sitting_min: *sitting,
                measures: {
                    let mut values = measures.iter();
                    Measures::from_fn(|_| *values.next().expect("one value per measure"))
                },
                missing: Default::default(),
            })
            .collect();
        let kinds = [FindingKind::BreakOverdue, FindingKind::StaticHold, FindingKind::Posture];
        let stored_findings: Vec<StoredFinding> = findings
            .iter()
            .enumerate()
            .map(|(i, (kind, start, end, value))| {
                StoredFinding {
                    session: one,
                    id: i as i64,
                    kind: kinds[*kind],
                    severity: Verdict::Risk,
                    measure: (*kind == 2).then_some(MeasureId::CvaDeg),
                    start_s: *start,
                    end_s: *end,
                    value: *value,
                    limit: Some(45.0),
                    reference: "fuzz".into(),
                }
            })
            .collect();
        let report = report::build(&Records {
            kind: "history",
            sessions: std::slice::from_ref(&session),
            samples: &stored,
            findings: &stored_findings,
            breaks: &breaks.iter().map(|&(start_s, end_s)| SessionSpan { session: one, start_s, end_s }).collect::<Vec<_>>(),
            pauses: &[],
            away: &[],
            calls: &[],
            gaps: &[],
            period: None,
            thresholds: &Thresholds::default(),
            judged: &[],
            now: jiff::Timestamp::UNIX_EPOCH,
            // the furthest offset from UTC: a clock time near the ends of time stays a time
            tz: &jiff::tz::TimeZone::fixed(jiff::tz::offset(-12)),
        });
        let json = serde_json::to_string(&report).unwrap();
        assert_finite_text(&json, "JSON");
        assert_finite_text(&report::markdown(&report), "Markdown");
        assert_finite_text(&report::html(&report), "HTML");
    }
}
