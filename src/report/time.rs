//! Time at a glance: audited, present and away, breaks against the movement-break rule, the
//! longest sitting stretch, and the time each measure spent in each band.

use super::model::{PerMeasure, ReportFinding, TimeSummary};
use super::tally::Data;
use crate::posture::MeasureId;
use crate::risk::FindingKind;
use crate::store::SessionSpan;

/// The time section. Breaks are the ones the risk engine recorded; each sample is put in
/// its band by its own session's thresholds.
pub(crate) fn time(d: &Data, findings: &[ReportFinding]) -> TimeSummary {
    let t = d.input.thresholds;
    let tally = &d.tally;
    let (audited_s, present_s) = (tally.audited_s, tally.present_s);
    let mut bands = PerMeasure::default();
    let mut estimates = Vec::new();
    for (id, b) in tally.bands.iter() {
        if b.measured_s() > 0.0 || b.estimate_s > 0.0 {
            bands.insert(id, b.clone());
        }
        if b.estimate_s > 0.0 {
            estimates.push(estimate_note(id, b.estimate_s));
        }
    }
    TimeSummary {
        audited_s,
        present_s,
        away_s: audited_s - present_s,
        paused_s: SessionSpan::total_s(d.input.pauses),
        locked_s: SessionSpan::total_s(d.input.away),
        call_s: SessionSpan::total_s(d.input.calls),
        breaks_taken: d.input.breaks.len(),
        break_rule: format!("{} min every {} min", t.break_min, t.sitting_max),
        longest_sitting_min: tally.longest_sitting_min,
        breaks_overdue: findings.iter().filter(|f| f.kind == FindingKind::BreakOverdue).count(),
        bands,
        estimates,
    }
}

/// What a measure seen only as an estimate for `estimate_s` is, and how to measure it.
fn estimate_note(id: MeasureId, estimate_s: f64) -> String {
    format!(
        "{} was seen only from the front for {}: a front estimate (off by up to {:.0}° on bodies of known posture), in no band and never a finding. To measure it, add a side view — a phone or a second camera beside the desk at shoulder height — calibrate it (`ergoaudit calibrate --source camera:1 --profile side`, which takes a side view through the heavy landmark model) and audit with it (`ergoaudit audit --source camera:1 --profile side`)",
        crate::advice::capitalise(id.label()),
        crate::advice::minutes(estimate_s),
        crate::posture::FRONT_ROUNDING_ERROR_DEG
    )
}

#[cfg(test)]
mod tests {
    use super::super::model::Records;
    use super::super::tests::{details, sample, span};
    use super::*;
    use crate::posture::MeasureId;
    use crate::thresholds::Thresholds;

    #[test]
    fn time_is_counted_in_intervals_and_breaks_are_the_engine_s() {
        let t = Thresholds::default();
        // 4 present samples (2 with a risky CVA), 2 away, 5 s each
        let samples: Vec<_> = [(0.0, true, Some(30.0)), (5.0, true, Some(30.0)), (10.0, true, Some(55.0))]
            .into_iter()
            .chain([(15.0, true, None), (20.0, false, None), (25.0, false, None)])
            .map(|(t_s, present, cva)| sample(t_s, present, cva))
            .collect();
        let breaks = [span(20.0, 200.0)];
        let input = Records {
            kind: "history",
            sessions: &[details(5.0)],
            samples: &samples,
            findings: &[],
            breaks: &breaks,
            pauses: &[],
            away: &[],
            calls: &[],
            gaps: &[],
            period: None,
            thresholds: &t,
            judged: &[],
            now: jiff::Timestamp::UNIX_EPOCH,
            tz: &super::super::tests::UTC,
        };
        let s = time(&Data::new(&input), &[]);
        assert_eq!((s.audited_s, s.present_s, s.away_s), (30.0, 20.0, 10.0));
        assert_eq!(s.breaks_taken, 1, "one recorded break, though the absence here is short");
        let cva = s.bands.get(MeasureId::CvaDeg).unwrap();
        assert_eq!((cva.ok_s, cva.risk_s, cva.no_value_s), (5.0, 10.0, 5.0));
        assert!(!s.bands.contains(MeasureId::NeckFlexionDeg), "no values, no band");
    }
}
