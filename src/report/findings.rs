//! Every finding with its risk factor, the muscles it loads and what to do; the static
//! holds among them, judged against their limit.

use super::knowledge::risk_factor;
use super::model::{Hold, ReportFinding};
use super::tally::Data;
use super::when;
use crate::advice;
use crate::risk::FindingKind;

/// The findings section, in the stored order.
pub(crate) fn findings(d: &Data) -> Vec<ReportFinding> {
    let tz = d.input.tz;
    let with_day = match (d.tally.first_at, d.tally.last_at) {
        (Some(a), Some(b)) => when::spans_days(a, b, tz),
        _ => true,
    };
    d.input
        .findings
        .iter()
        .map(|f| {
            let (factor, muscles) = risk_factor(f.kind, f.measure);
            let session = d.input.sessions.iter().find(|s| s.id == f.session);
            ReportFinding {
                session: f.session,
                kind: f.kind,
                measure: f.measure,
                severity: f.severity,
                start_s: f.start_s,
                at: session.and_then(|s| s.wall(f.start_s)).map(|at| when::clock(at, tz, with_day)),
                duration_s: f.end_s.unwrap_or(f.start_s) - f.start_s,
                value: f.value,
                limit: f.limit,
                reference: f.reference.clone(),
                risk_factor: factor.to_owned(),
                muscles: muscles.iter().map(|m| (*m).to_owned()).collect(),
                action: advice::action(f.kind, f.measure).to_owned(),
            }
        })
        .collect()
}

/// The holds section: the static holds, each with how far it went past its limit.
pub(crate) fn holds(findings: &[ReportFinding]) -> Vec<Hold> {
    findings
        .iter()
        .filter(|f| f.kind == FindingKind::StaticHold)
        .map(|f| Hold {
            session: f.session,
            start_s: f.start_s,
            at: f.at.clone(),
            duration_s: f.duration_s,
            severity: f.severity,
            head_inclination_deg: f.value,
            limit_s: f.limit,
            reference: f.reference.clone(),
            exceeded_by_s: f.limit.map_or(0.0, |l| (f.duration_s - l).max(0.0)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::model::Records;
    use super::super::tests::finding;
    use super::*;
    use crate::posture::MeasureId;
    use crate::thresholds::{Thresholds, Verdict};

    #[test]
    fn findings_carry_their_factor_and_holds_their_excess() {
        let t = Thresholds::default();
        let stored = [
            finding(FindingKind::StaticHold, None, Verdict::Risk, 60.0, Some(660.0), Some(480.0)),
            finding(FindingKind::Posture, Some(MeasureId::CvaDeg), Verdict::Warn, 0.0, None, Some(50.0)),
        ];
        let input = Records {
            kind: "history",
            sessions: &[],
            samples: &[],
            findings: &stored,
            breaks: &[],
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
        let f = findings(&Data::new(&input));
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].duration_s, 600.0);
        assert!(f[0].risk_factor.starts_with("static desk work"));
        assert_eq!(f[1].duration_s, 0.0, "an open finding has lasted nothing yet");
        assert!(f[1].muscles.iter().any(|m| m == "upper trapezius"));
        let h = holds(&f);
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].exceeded_by_s, 120.0);
        assert_eq!(h[0].severity, Verdict::Risk);
    }
}
