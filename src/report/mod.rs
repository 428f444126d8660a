//! The ergonomics report: what was seen, which of the source documents' risk factors it
//! matches, which muscles it loads, and what to change — the same facts as HTML (inline SVG
//! charts), Markdown and JSON. The JSON schema is `docs/report-schema.md`.

mod charts;
mod model;
mod render;

use std::collections::BTreeMap;

use crate::advice;
use crate::posture::MeasureId;
use crate::risk::MAX_ABS_T_S;
use crate::risk::standards::rula_action;
use crate::store::{SessionDetails, StoredFinding, StoredSample};
use crate::thresholds::{SPECS, Verdict};
pub use model::*;
pub use render::{html, markdown};

/// Version of the JSON schema (`docs/report-schema.md`).
pub const SCHEMA: &str = "ergoaudit-report/2";

/// What the camera cannot judge (named in the source documents), said plainly.
pub const NOT_JUDGED: [&str; 6] = [
    "psychological stress (it raises trapezius tone; only its sign — shoulders drawn up — is visible)",
    "sleep quality and recovery",
    "hydration",
    "magnesium and vitamin D levels",
    "repetitive hand and wrist motion (typing, mouse) — the hands are rarely in view",
    "old injuries, joint dysfunction and existing trigger points",
];

/// The muscle-knot (myofascial trigger point) risk factor a finding matches, and the
/// muscles it loads (after the product's two source articles on muscle knots: the common
/// locations and the overload cascade).
pub fn risk_factor(kind: &str, measure: Option<&str>) -> (&'static str, &'static [&'static str]) {
    match (kind, measure) {
        ("break_overdue", _) => (
            "missing movement breaks (stand and move 2 min every 45 min)",
            &["upper trapezius", "levator scapulae", "erector spinae", "quadratus lumborum"],
        ),
        ("static_hold", _) => (
            "static desk work: sustained low-level contraction without movement",
            &["cervical extensors", "upper trapezius", "levator scapulae"],
        ),
        (_, Some("cva_deg" | "head_forward_cm")) => (
            "forward head position",
            &["upper trapezius", "levator scapulae", "cervical extensors", "sternocleidomastoid"],
        ),
        (_, Some("shoulder_rounding_deg")) => (
            "rounded shoulders",
            &["rhomboids and middle trapezius (lengthened)", "pectoralis minor (shortened)", "infraspinatus"],
        ),
        (_, Some("neck_flexion_deg")) => (
            "monitor not at eye level (head bent down)",
            &["cervical extensors", "upper trapezius", "levator scapulae"],
        ),
        (_, Some("shoulder_elevation")) => (
            "stress shrug: shoulders drawn up towards the ears",
            &["upper trapezius", "levator scapulae", "scalenes"],
        ),
        (_, Some("head_tilt_deg" | "shoulder_tilt_deg")) => (
            "asymmetric posture (head or shoulders tilted)",
            &["upper trapezius", "scalenes", "sternocleidomastoid"],
        ),
        (_, Some("trunk_inclination_deg")) => {
            ("lumbar spine not supported (trunk leaning)", &["erector spinae", "quadratus lumborum"])
        }
        (_, Some("viewing_distance_cm")) => {
            ("monitor too close", &["cervical extensors", "sternocleidomastoid"])
        }
        (_, Some("elbow_angle_left_deg" | "elbow_angle_right_deg")) => {
            ("elbows not at 90°", &["biceps", "triceps", "deltoids", "wrist flexors and extensors"])
        }
        _ => ("posture", &[]),
    }
}

fn title_of(kind: &str, measure: Option<&str>) -> String {
    match (kind, measure) {
        ("break_overdue", _) => "Movement breaks overdue".to_owned(),
        ("static_hold", _) => "Posture held still too long".to_owned(),
        (_, Some(m)) => {
            let id = MeasureId::ALL.iter().find(|id| id.name() == m);
            format!("{} beyond the limit", id.map_or(m, |id| id.label()))
        }
        _ => kind.to_owned(),
    }
}

fn action_of(kind: &str, measure: Option<&str>) -> &'static str {
    let kind = match kind {
        "break_overdue" => crate::risk::FindingKind::BreakOverdue,
        "static_hold" => crate::risk::FindingKind::StaticHold,
        _ => crate::risk::FindingKind::Posture,
    };
    advice::action(kind, measure.and_then(|m| MeasureId::ALL.into_iter().find(|id| id.name() == m)))
}

fn severity_rank(s: &str) -> u8 {
    match s {
        "risk" => 2,
        "warn" => 1,
        _ => 0,
    }
}

/// Whether the start of a file is a report ergoaudit wrote (HTML, Markdown or JSON), which
/// `report -o` may replace without `--force`.
pub fn is_report(head: &[u8]) -> bool {
    let has = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    (head.starts_with(b"<!DOCTYPE html>") && has(b"<title>Ergonomics report</title>"))
        || head.starts_with(b"# Ergonomics report")
        || (head.starts_with(b"{") && has(b"\"schema\": \"ergoaudit-report/"))
}

/// Build the report. Faulty data (as an old or damaged database may hold) is set aside
/// first: samples whose time is no number or absurd, values and findings' times that are
/// no numbers or absurd (no measure of ours goes beyond ±10 000 in its unit), intervals
/// that are not positive.
pub fn build(input: &Input) -> Report {
    let finite = |v: Option<f64>| v.filter(|x| x.abs() <= 1e4);
    let sessions: Vec<SessionDetails> = input
        .sessions
        .iter()
        .map(|s| SessionDetails {
            interval_s: if s.interval_s > 0.0 && s.interval_s <= 86_400.0 { s.interval_s } else { 5.0 },
            ..s.clone()
        })
        .collect();
    let samples: Vec<StoredSample> = input
        .samples
        .iter()
        .filter(|s| s.t_s.abs() <= MAX_ABS_T_S)
        .map(|s| StoredSample {
            measures: s.measures.iter().map(|(name, v)| (*name, finite(*v))).collect(),
            movement: finite(s.movement),
            sitting_min: if s.sitting_min.is_finite() { s.sitting_min.max(0.0) } else { 0.0 },
            ..s.clone()
        })
        .collect();
    let findings: Vec<(i64, StoredFinding)> = input
        .findings
        .iter()
        .filter(|(_, f)| f.start_s.abs() <= MAX_ABS_T_S)
        .map(|(session, f)| {
            let f = StoredFinding {
                end_s: finite(f.end_s).filter(|e| e.abs() <= MAX_ABS_T_S),
                value: finite(f.value),
                limit: finite(f.limit),
                ..f.clone()
            };
            (*session, f)
        })
        .collect();
    build_from(&Input { sessions: &sessions, samples: &samples, findings: &findings, ..*input })
}

fn build_from(input: &Input) -> Report {
    let t = input.thresholds;
    let interval =
        |session: i64| input.sessions.iter().find(|s| s.id == session).map_or(5.0, |s| s.interval_s);
    let at = |s: &StoredSample| s.at.parse::<jiff::Timestamp>().ok();
    let first = input.samples.iter().filter_map(at).min();
    let last = input.samples.iter().filter_map(at).max();
    let present: Vec<&StoredSample> = input.samples.iter().filter(|s| s.present && s.person).collect();

    // time at a glance
    let audited_s: f64 = input.samples.iter().map(|s| interval(s.session)).sum();
    let present_s: f64 = input.samples.iter().filter(|s| s.present).map(|s| interval(s.session)).sum();
    let mut breaks_taken = 0;
    for session in input.sessions {
        let mut run = 0.0;
        for s in input.samples.iter().filter(|s| s.session == session.id) {
            if s.present {
                if run >= t.break_min * 60.0 {
                    breaks_taken += 1;
                }
                run = 0.0;
            } else {
                run += session.interval_s;
            }
        }
        if run >= t.break_min * 60.0 {
            breaks_taken += 1;
        }
    }
    let mut bands: BTreeMap<String, BandTime> = BTreeMap::new();
    for id in MeasureId::ALL {
        let mut b = BandTime::default();
        for s in &present {
            let dt = interval(s.session);
            match s.measures[id as usize].1 {
                Some(v) => match t.verdict(id, v) {
                    Verdict::Ok => b.ok_s += dt,
                    Verdict::Warn => b.warn_s += dt,
                    Verdict::Risk => b.risk_s += dt,
                },
                None => b.no_value_s += dt,
            }
        }
        if b.ok_s + b.warn_s + b.risk_s > 0.0 {
            bands.insert(id.name().to_owned(), b);
        }
    }
    let findings: Vec<ReportFinding> = input
        .findings
        .iter()
        .map(|(session, f)| {
            let (factor, muscles) = risk_factor(&f.kind, f.measure.as_deref());
            ReportFinding {
                session: *session,
                kind: f.kind.clone(),
                measure: f.measure.clone(),
                severity: f.severity.clone(),
                start_s: f.start_s,
                duration_s: f.end_s.unwrap_or(f.start_s) - f.start_s,
                value: f.value,
                limit: f.limit,
                reference: f.reference.clone(),
                risk_factor: factor.to_owned(),
                muscles: muscles.iter().map(|m| (*m).to_owned()).collect(),
                action: action_of(&f.kind, f.measure.as_deref()).to_owned(),
            }
        })
        .collect();
    let time = TimeSummary {
        audited_s,
        present_s,
        away_s: audited_s - present_s,
        breaks_taken,
        break_rule: format!("{} min every {} min", t.break_min, t.sitting_max),
        longest_sitting_min: input.samples.iter().map(|s| s.sitting_min).fold(0.0, f64::max),
        breaks_overdue: findings.iter().filter(|f| f.kind == "break_overdue").count(),
        bands,
    };
    let holds = findings
        .iter()
        .filter(|f| f.kind == "static_hold")
        .map(|f| Hold {
            session: f.session,
            start_s: f.start_s,
            duration_s: f.duration_s,
            severity: f.severity.clone(),
            head_inclination_deg: f.value,
            limit_s: f.limit,
            reference: f.reference.clone(),
            exceeded_by_s: f.limit.map_or(0.0, |l| (f.duration_s - l).max(0.0)),
        })
        .collect();

    // the verdict: RULA-style scores of the samples whose neck was measured
    let has = |s: &StoredSample, id: MeasureId| s.measures[id as usize].1.is_some();
    let mut scores: Vec<u8> = present
        .iter()
        .filter(|s| has(s, MeasureId::NeckFlexionDeg))
        .filter_map(|s| s.rula.map(|r| r as u8))
        .collect();
    scores.sort_unstable();
    let mut groups: BTreeMap<(String, Option<String>), TopFinding> = BTreeMap::new();
    for f in &findings {
        let g = groups.entry((f.kind.clone(), f.measure.clone())).or_insert_with(|| TopFinding {
            kind: f.kind.clone(),
            measure: f.measure.clone(),
            severity: f.severity.clone(),
            count: 0,
            total_s: 0.0,
            title: title_of(&f.kind, f.measure.as_deref()),
            risk_factor: f.risk_factor.clone(),
            action: f.action.clone(),
        });
        g.count += 1;
        g.total_s += f.duration_s;
        if severity_rank(&f.severity) > severity_rank(&g.severity) {
            g.severity = f.severity.clone();
        }
    }
    let mut top: Vec<TopFinding> = groups.into_values().collect();
    top.sort_by(|a, b| {
        severity_rank(&b.severity).cmp(&severity_rank(&a.severity)).then(b.total_s.total_cmp(&a.total_s))
    });
    top.truncate(3);
    let notice = if input.samples.is_empty() {
        Some("No audit data in this period: nothing to judge. Run `ergoaudit audit` (or `report --source FILE`).".to_owned())
    } else if present.is_empty() {
        Some(format!(
            "Nobody was seen in the {} audited: no posture to judge. Check that the camera shows you (head and shoulders).",
            advice::minutes(audited_s)
        ))
    } else {
        None
    };
    let quality = measure_quality(&present);
    let share = |id: MeasureId| {
        quality.get(id.name()).map_or(0.0, |q| q.with_value as f64 / present.len().max(1) as f64)
    };
    let verdict = (!present.is_empty()).then(|| {
        let (neck, trunk) = (share(MeasureId::NeckFlexionDeg), share(MeasureId::TrunkInclinationDeg));
        let mut measured = vec![format!("neck flexion ({} of the present time)", pct(neck, 1.0))];
        let mut assumed = vec![
            "arms in a typing posture (upper arm 20–45°, forearm 60–100°, wrist neutral: score A = 3)"
                .to_owned(),
        ];
        if trunk > 0.0 {
            measured.push(format!("trunk inclination ({} of the present time)", pct(trunk, 1.0)));
        }
        if trunk < 1.0 {
            assumed.push("the trunk upright and supported where it was not measured".to_owned());
        }
        let enough = neck >= MIN_MEASURED_SHARE && !scores.is_empty();
        let (action_level, meaning) = if enough {
            let rank = ((scores.len() as f64 * 0.9).ceil() as usize).clamp(1, scores.len());
            let level = scores[rank - 1];
            (Some(level), rula_action(level).to_owned())
        } else {
            let why = quality
                .get(MeasureId::NeckFlexionDeg.name())
                .and_then(|q| q.without.iter().max_by_key(|&(_, n)| *n).map(|(reason, _)| reason.clone()));
            (
                None,
                format!(
                    "no level: the neck was measured in only {} of the present time (a level needs {}){}",
                    pct(neck, 1.0),
                    pct(MIN_MEASURED_SHARE, 1.0),
                    why.map_or(String::new(), |w| format!("; mostly \"{w}\": {}", fix_for(&w)))
                ),
            )
        };
        Verdict1 { action_level, meaning, measured, assumed, top_findings: top }
    });

    // method
    let mut views: BTreeMap<String, usize> = BTreeMap::new();
    for s in &present {
        *views.entry(s.view.clone().unwrap_or_else(|| "unknown".into())).or_default() += 1;
    }
    let posture = [
        MeasureId::CvaDeg,
        MeasureId::HeadForwardCm,
        MeasureId::NeckFlexionDeg,
        MeasureId::ShoulderRoundingDeg,
    ];
    let no_verdict =
        present.iter().filter(|s| posture.iter().all(|&id| s.measures[id as usize].1.is_none())).count();
    let profiles: Vec<String> = dedup(input.sessions.iter().filter_map(|s| s.profile.clone()));
    // why the posture measures had no value, most common first, each with what to change
    let mut why: BTreeMap<String, usize> = BTreeMap::new();
    for id in posture {
        if let Some(q) = quality.get(id.name()) {
            for (reason, n) in &q.without {
                *why.entry(reason.clone()).or_default() += n;
            }
        }
    }
    let mut why: Vec<(String, usize)> = why.into_iter().collect();
    why.sort_by_key(|w| std::cmp::Reverse(w.1));
    let reasons = why.into_iter().map(|(reason, _)| format!("{reason}: {}", fix_for(&reason))).collect();
    let method = Method {
        thresholds: SPECS
            .iter()
            .map(|s| ThresholdUsed {
                key: s.key.to_owned(),
                value: t.get(s.key).unwrap_or(s.default),
                unit: s.unit.to_owned(),
                reference: s.reference.to_owned(),
            })
            .collect(),
        profiles,
        models: dedup(input.sessions.iter().filter_map(|s| s.model.clone()).map(|m| match m.as_str() {
            "full" | "lite" => format!("BlazePose GHUM 3D {m} (MediaPipe @mediapipe/pose 0.5.1675469404)"),
            path => format!("landmark model file {path}"),
        })),
        ergoaudit: env!("CARGO_PKG_VERSION").to_owned(),
        views,
        data_quality: Quality {
            samples: input.samples.len(),
            present_samples: present.len(),
            no_verdict_share: if present.is_empty() { 0.0 } else { no_verdict as f64 / present.len() as f64 },
            reasons,
            measures: quality,
        },
    };
    let series = input
        .samples
        .iter()
        .filter_map(|s| {
            let t_s = at(s)?.duration_since(first?).as_secs_f64();
            let m = |id: MeasureId| s.measures[id as usize].1.filter(|_| s.present);
            Some(Point {
                t_s,
                present: s.present,
                cva_deg: m(MeasureId::CvaDeg),
                neck_flexion_deg: m(MeasureId::NeckFlexionDeg),
                shoulder_rounding_deg: m(MeasureId::ShoulderRoundingDeg),
            })
        })
        .collect();
    let mut distributions = BTreeMap::new();
    for id in MeasureId::ALL {
        let values: Vec<f64> = present.iter().filter_map(|s| s.measures[id as usize].1).collect();
        if let Some(d) = histogram(&values) {
            distributions.insert(id.name().to_owned(), d);
        }
    }
    Report {
        schema: SCHEMA,
        generated_at: input.now.to_string(),
        origin: Origin {
            kind: input.kind.to_owned(),
            sessions: input.sessions.iter().map(|s| s.id).collect(),
            sources: dedup(input.sessions.iter().map(|s| s.source.clone())),
            from: first.map(|t| t.to_string()),
            to: last.map(|t| t.to_string()),
        },
        notice,
        verdict,
        time,
        holds,
        findings,
        not_judged: NOT_JUDGED.iter().map(|s| (*s).to_owned()).collect(),
        method,
        series,
        distributions,
    }
}

/// The least share of the present time the neck must have been measured in for a RULA-style
/// level: below it the level would rest on the assumed neck score.
const MIN_MEASURED_SHARE: f64 = 0.5;

/// Per measure, over the present samples: how many had a value, and why the others not.
fn measure_quality(present: &[&StoredSample]) -> BTreeMap<String, MeasureQuality> {
    let mut out: BTreeMap<String, MeasureQuality> = BTreeMap::new();
    for s in present {
        for (name, value) in &s.measures {
            let q = out.entry((*name).to_owned()).or_default();
            if value.is_some() {
                q.with_value += 1;
            } else {
                let reason = s.missing.get(*name).map_or("not recorded", String::as_str);
                *q.without.entry(reason.to_owned()).or_default() += 1;
            }
        }
    }
    out
}

/// What to change at the desk for a reason a measure had no value.
pub fn fix_for(reason: &str) -> &'static str {
    use crate::posture::Missing;
    let is = |m: Missing| reason == m.text();
    if is(Missing::ShouldersOutOfFrame) {
        "tilt the camera down a little or sit further back, so the shoulders come into view"
    } else if is(Missing::NeedsCalibration) || is(Missing::CalibrationLacksShoulders) {
        "calibrate sitting upright with head and shoulders in view (`ergoaudit calibrate`)"
    } else if is(Missing::KeyPointsNotVisible) {
        "face the camera with the whole head and the shoulders in view, lit from the front"
    } else if is(Missing::LowConfidence) {
        "sit a little closer or light the face from the front (or lower --min-confidence)"
    } else if is(Missing::NeedsWorldLandmarks) {
        "analyse the frames with the pose model rather than from landmarks without world coordinates"
    } else if is(Missing::NotInThisView) {
        "face the camera: this measure is taken from the front"
    } else if is(Missing::OutOfRange) {
        "calibrate again: the value came out where no posture is"
    } else {
        "audit again with this version, which records why a measure is missing"
    }
}

/// Ten equal bins from the smallest to the largest value.
fn histogram(values: &[f64]) -> Option<Distribution> {
    let (lo, hi) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    if values.is_empty() {
        return None;
    }
    let (lo, hi) = if hi - lo < 1e-9 { (lo - 0.5, hi + 0.5) } else { (lo, hi) };
    let width = (hi - lo) / 10.0;
    let mut counts = vec![0; 10];
    for v in values {
        counts[(((v - lo) / width) as usize).min(9)] += 1;
    }
    Some(Distribution { edges: (0..=10).map(|k| lo + k as f64 * width).collect(), counts })
}

fn dedup(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}
