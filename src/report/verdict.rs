//! The verdict: a RULA-style grand score and its action level from the samples whose neck was measured (or why
//! there is none), what it rests on, and the three findings that matter most.

use std::collections::BTreeMap;

use super::knowledge::{fix_for, title_of};
use super::model::{MeasureQuality, OverallVerdict, PerMeasure, ReportFinding, TopFinding, pct};
use super::tally::Data;
use crate::advice;
use crate::posture::MeasureId;
use crate::risk::standards::{rula_action, rula_action_level};

/// The least share of the present time the neck must have been measured in for a RULA-style
/// level: below it the level would rest on the assumed neck score.
pub(crate) const MIN_MEASURED_SHARE: f64 = 0.5;

/// Why there is nothing to judge (no data, or nobody in it), if so.
pub(crate) fn notice(d: &Data) -> Option<String> {
    if d.tally.samples == 0 {
        Some("No audit data in this period: nothing to judge. Run `ergoaudit audit` (or `report --source FILE`).".to_owned())
    } else if d.tally.present == 0 {
        Some(format!(
            "Nobody was seen in the {} audited: no posture to judge. Check that the camera shows you (head and shoulders).",
            advice::minutes(d.tally.audited_s)
        ))
    } else {
        None
    }
}

/// The three findings that matter most: grouped by kind and measure, by severity, then by
/// total time.
pub(crate) fn top_findings(findings: &[ReportFinding]) -> Vec<TopFinding> {
    // grouped by name, so that equal ranks keep the names' order
    let mut groups: BTreeMap<(&str, Option<&str>), TopFinding> = BTreeMap::new();
    for f in findings {
        let key = (f.kind.name(), f.measure.map(MeasureId::name));
        let g = groups.entry(key).or_insert_with(|| TopFinding {
            kind: f.kind,
            measure: f.measure,
            severity: f.severity,
            count: 0,
            total_s: 0.0,
            title: title_of(f.kind, f.measure),
            risk_factor: f.risk_factor.clone(),
            action: f.action.clone(),
        });
        g.count += 1;
        g.total_s += f.duration_s;
        g.severity = g.severity.max(f.severity);
    }
    let mut top: Vec<TopFinding> = groups.into_values().collect();
    top.sort_by(|a, b| b.severity.cmp(&a.severity).then(b.total_s.total_cmp(&a.total_s)));
    top.truncate(3);
    top
}

/// The verdict section (none without a present sample).
pub(crate) fn verdict(
    d: &Data,
    findings: &[ReportFinding],
    quality: &PerMeasure<MeasureQuality>,
) -> Option<OverallVerdict> {
    let present = d.tally.present;
    if present == 0 {
        return None;
    }
    let scores = &d.tally.scores;
    let scored: usize = scores.values().sum();
    let share = |id: MeasureId| quality.get(id).map_or(0.0, |q| q.with_value as f64 / present as f64);
    let (neck, trunk) = (share(MeasureId::NeckFlexionDeg), share(MeasureId::TrunkInclinationDeg));
    let mut measured = vec![format!("neck flexion ({} of the present time)", pct(neck, 1.0))];
    let mut assumed = vec![
        "arms in a typing posture (upper arm 20–45°, forearm 60–100°, wrist neutral: score A = 3)".to_owned(),
    ];
    if trunk > 0.0 {
        measured.push(format!("trunk inclination ({} of the present time)", pct(trunk, 1.0)));
    }
    if trunk < 1.0 {
        assumed.push("the trunk upright and supported where it was not measured".to_owned());
    }
    let enough = neck >= MIN_MEASURED_SHARE && scored > 0;
    let (grand_score, meaning) = if enough {
        // the nearest rank of the 90th percentile, counted through the scores in order
        let rank = ((scored as f64 * 0.9).ceil() as usize).clamp(1, scored);
        let mut below = 0;
        let level = scores
            .iter()
            .find_map(|(&score, &n)| {
                below += n;
                (below >= rank).then_some(score)
            })
            .expect("the rank is within the scores");
        (Some(level), rula_action(level).to_owned())
    } else {
        let why = quality
            .get(MeasureId::NeckFlexionDeg)
            .and_then(|q| q.without.iter().max_by_key(|&(_, n)| *n).map(|(reason, _)| reason.clone()));
        (
            None,
            format!(
                "the neck was measured in only {} of the present time (a score needs {}){}",
                pct(neck, 1.0),
                pct(MIN_MEASURED_SHARE, 1.0),
                why.map_or(String::new(), |w| format!("; mostly \"{w}\": {}", fix_for(&w)))
            ),
        )
    };
    Some(OverallVerdict {
        grand_score,
        action_level: grand_score.map(rula_action_level),
        meaning,
        measured,
        assumed,
        top_findings: top_findings(findings),
    })
}

#[cfg(test)]
mod tests {
    use super::super::findings::findings;
    use super::super::method::measure_quality;
    use super::super::model::Records;
    use super::super::tests::{details, finding, records, sample};
    use super::*;
    use crate::posture::Missing;
    use crate::risk::FindingKind;
    use crate::thresholds::{Thresholds, Verdict};

    fn input<'a>(
        samples: &'a [crate::store::StoredSample],
        stored: &'a [crate::store::StoredFinding],
        t: &'a Thresholds,
        sessions: &'a [crate::store::StoredSession],
    ) -> Records<'a> {
        Records { findings: stored, ..records(sessions, samples, t) }
    }

    #[test]
    fn the_level_is_the_ninetieth_percentile_of_the_measured_samples() {
        let t = Thresholds::default();
        let samples: Vec<_> = (0..10)
            .map(|k| {
                let mut s = sample(k as f64 * 5.0, true, Some(52.0));
                s.measures[MeasureId::NeckFlexionDeg] = Some(10.0);
                s.rula = Some(if k < 8 { 2 } else { 5 });
                s
            })
            .collect();
        let sessions = [details(5.0)];
        let input = input(&samples, &[], &t, &sessions);
        let d = Data::new(&input);
        let v = verdict(&d, &[], &measure_quality(&d)).unwrap();
        assert_eq!(v.grand_score, Some(5), "9 of 10 at 2 or below would be score 2; the 9th is 5");
        assert_eq!(v.action_level, Some(3), "a grand score of 5 is RULA's action level 3");
        assert!(v.measured[0].starts_with("neck flexion (100 %"));
        assert!(notice(&d).is_none());
    }

    #[test]
    fn without_enough_neck_there_is_no_level_and_the_reason_says_what_to_change() {
        let t = Thresholds::default();
        let samples: Vec<_> = (0..4)
            .map(|k| {
                let mut s = sample(k as f64 * 5.0, true, None);
                s.missing[MeasureId::NeckFlexionDeg] = Some(Missing::ShouldersOutOfFrame);
                s
            })
            .collect();
        let sessions = [details(5.0)];
        let input = input(&samples, &[], &t, &sessions);
        let d = Data::new(&input);
        let v = verdict(&d, &[], &measure_quality(&d)).unwrap();
        assert_eq!((v.grand_score, v.action_level), (None, None));
        assert!(
            v.meaning.contains("shoulders below the frame") && v.meaning.contains("tilt the camera"),
            "{}",
            v.meaning
        );
        // nobody at all: a notice, no verdict
        let away: Vec<_> = (0..3).map(|k| sample(k as f64 * 5.0, false, None)).collect();
        let input = super::super::model::Records { samples: &away, ..input };
        let d = Data::new(&input);
        assert!(verdict(&d, &[], &measure_quality(&d)).is_none());
        assert!(notice(&d).unwrap().starts_with("Nobody was seen in the 0:15"));
    }

    #[test]
    fn the_top_findings_rank_risk_first_then_time() {
        let t = Thresholds::default();
        let stored = [
            finding(FindingKind::Posture, Some(MeasureId::CvaDeg), Verdict::Warn, 0.0, Some(900.0), None),
            finding(
                FindingKind::Posture,
                Some(MeasureId::NeckFlexionDeg),
                Verdict::Warn,
                0.0,
                Some(60.0),
                None,
            ),
            finding(
                FindingKind::Posture,
                Some(MeasureId::NeckFlexionDeg),
                Verdict::Risk,
                100.0,
                Some(160.0),
                None,
            ),
            finding(FindingKind::BreakOverdue, None, Verdict::Risk, 2700.0, Some(2760.0), None),
            finding(FindingKind::Posture, Some(MeasureId::HeadTiltDeg), Verdict::Warn, 0.0, Some(30.0), None),
        ];
        let input = input(&[], &stored, &t, &[]);
        let top = top_findings(&findings(&Data::new(&input)));
        let got: Vec<_> = top.iter().map(|f| (f.kind, f.measure, f.severity, f.count)).collect();
        assert_eq!(
            got,
            [
                (FindingKind::Posture, Some(MeasureId::NeckFlexionDeg), Verdict::Risk, 2),
                (FindingKind::BreakOverdue, None, Verdict::Risk, 1),
                (FindingKind::Posture, Some(MeasureId::CvaDeg), Verdict::Warn, 1),
            ]
        );
    }
}
