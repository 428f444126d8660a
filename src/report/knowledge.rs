//! What the report knows beyond the data: which muscle-knot risk factor a finding matches,
//! which muscles it loads, how to title it, what the camera cannot judge, and what to change
//! when a measure had no value.

use crate::advice;
use crate::posture::{MeasureId, Missing};
use crate::risk::FindingKind;

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
pub fn risk_factor(kind: FindingKind, measure: Option<MeasureId>) -> (&'static str, &'static [&'static str]) {
    use MeasureId as M;
    match (kind, measure) {
        (FindingKind::BreakOverdue, _) => (
            "missing movement breaks (stand and move 2 min every 45 min)",
            &["upper trapezius", "levator scapulae", "erector spinae", "quadratus lumborum"],
        ),
        (FindingKind::StaticHold, _) => (
            "static desk work: sustained low-level contraction without movement",
            &["cervical extensors", "upper trapezius", "levator scapulae"],
        ),
        (_, Some(M::CvaDeg | M::HeadForwardCm)) => (
            "forward head position",
            &["upper trapezius", "levator scapulae", "cervical extensors", "sternocleidomastoid"],
        ),
        (_, Some(M::ShoulderRoundingDeg)) => (
            "rounded shoulders",
            &["rhomboids and middle trapezius (lengthened)", "pectoralis minor (shortened)", "infraspinatus"],
        ),
        (_, Some(M::NeckFlexionDeg)) => (
            "monitor not at eye level (head bent down)",
            &["cervical extensors", "upper trapezius", "levator scapulae"],
        ),
        (_, Some(M::ShoulderElevation)) => (
            "stress shrug: shoulders drawn up towards the ears",
            &["upper trapezius", "levator scapulae", "scalenes"],
        ),
        (_, Some(M::HeadTiltDeg | M::ShoulderTiltDeg)) => (
            "asymmetric posture (head or shoulders tilted)",
            &["upper trapezius", "scalenes", "sternocleidomastoid"],
        ),
        (_, Some(M::TrunkInclinationDeg)) => {
            ("lumbar spine not supported (trunk leaning)", &["erector spinae", "quadratus lumborum"])
        }
        (_, Some(M::ViewingDistanceCm)) => {
            ("monitor too close", &["cervical extensors", "sternocleidomastoid"])
        }
        (_, Some(M::ElbowAngleLeftDeg | M::ElbowAngleRightDeg)) => {
            ("elbows not at 90°", &["biceps", "triceps", "deltoids", "wrist flexors and extensors"])
        }
        (FindingKind::Posture, None) => ("posture", &[]),
    }
}

/// A finding's title.
pub(crate) fn title_of(kind: FindingKind, measure: Option<MeasureId>) -> String {
    match (kind, measure) {
        (FindingKind::BreakOverdue, _) => "Movement breaks overdue".to_owned(),
        (FindingKind::StaticHold, _) => "Posture held still too long".to_owned(),
        (FindingKind::Posture, Some(m)) => format!("{} beyond the limit", advice::capitalise(m.label())),
        (FindingKind::Posture, None) => kind.name().to_owned(),
    }
}

/// What to change at the desk for a reason a measure had no value ([`Missing::text`], or
/// any other text for samples recorded without reasons).
pub fn fix_for(reason: &str) -> &'static str {
    match Missing::from_text(reason) {
        Some(Missing::ShouldersOutOfFrame) => {
            "tilt the camera down a little or sit further back, so the shoulders come into view"
        }
        Some(Missing::NeedsCalibration | Missing::CalibrationLacksShoulders) => {
            "calibrate sitting upright with head and shoulders in view (`ergoaudit calibrate`)"
        }
        Some(Missing::KeyPointsNotVisible) => {
            "face the camera with the whole head and the shoulders in view, lit from the front"
        }
        Some(Missing::LowConfidence) => {
            "sit a little closer or light the face from the front (or lower --min-confidence)"
        }
        Some(Missing::NeedsWorldLandmarks) => {
            "analyse the frames with the pose model rather than from landmarks without world coordinates"
        }
        Some(Missing::NotInThisView) => "face the camera: this measure is taken from the front",
        Some(Missing::OutOfRange) => "calibrate again: the value came out where no posture is",
        Some(Missing::FieldOfViewUnknown) => {
            "calibrate once with the distance from your eyes to the camera measured (`ergoaudit calibrate --distance 60cm`), or give the camera's field of view (--camera-hfov)"
        }
        None => "audit again with this version, which records why a measure is missing",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_finding_has_a_factor_and_every_measure_its_muscles() {
        for id in MeasureId::all() {
            let (factor, muscles) = risk_factor(FindingKind::Posture, Some(id));
            assert_ne!(factor, "posture", "{id:?}");
            assert!(!muscles.is_empty(), "{id:?}");
            assert!(title_of(FindingKind::Posture, Some(id)).to_lowercase().contains(id.label()));
        }
        assert!(risk_factor(FindingKind::BreakOverdue, None).0.contains("45 min"));
    }

    #[test]
    fn every_reason_has_its_own_fix() {
        let reasons = [
            Missing::ShouldersOutOfFrame,
            Missing::NeedsCalibration,
            Missing::KeyPointsNotVisible,
            Missing::LowConfidence,
            Missing::NeedsWorldLandmarks,
            Missing::NotInThisView,
            Missing::OutOfRange,
            Missing::FieldOfViewUnknown,
        ];
        let fixes: std::collections::BTreeSet<_> = reasons.iter().map(|m| fix_for(m.text())).collect();
        assert_eq!(fixes.len(), reasons.len());
        assert!(fix_for("not recorded").contains("audit again"));
    }
}
