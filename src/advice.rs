//! What to change at the desk for each kind of finding: one concrete action each, shared by
//! notifications and reports.

use crate::posture::MeasureId;
use crate::risk::FindingKind;

/// One concrete action for a finding.
pub fn action(kind: FindingKind, measure: Option<MeasureId>) -> &'static str {
    match (kind, measure) {
        (FindingKind::BreakOverdue, _) => {
            "Stand up and move for two minutes: walk, roll your shoulders, look into the distance."
        }
        (FindingKind::StaticHold, _) => {
            "Change position now: sit back, drop your shoulders, look away from the screen for a moment."
        }
        (_, Some(MeasureId::CvaDeg | MeasureId::HeadForwardCm)) => {
            "Raise the monitor to eye level and bring your head back over your shoulders."
        }
        (_, Some(MeasureId::ShoulderRoundingDeg)) => {
            "Sit back against the backrest and draw your shoulder blades back and down."
        }
        (_, Some(MeasureId::NeckFlexionDeg)) => {
            "Raise the screen (for a laptop: a stand and an external keyboard) so your gaze is level."
        }
        (_, Some(MeasureId::HeadTiltDeg)) => {
            "Centre the screen in front of you; use a headset instead of the shoulder for calls."
        }
        (_, Some(MeasureId::ShoulderTiltDeg)) => {
            "Even out the armrests and keep the mouse close to the keyboard."
        }
        (_, Some(MeasureId::ShoulderElevation)) => {
            "Let your shoulders drop; lower the desk or the armrests; breathe out slowly."
        }
        (_, Some(MeasureId::TrunkInclinationDeg)) => {
            "Sit back into the backrest with the lower back supported."
        }
        (_, Some(MeasureId::ViewingDistanceCm)) => "Move the screen back to 50–70 cm, about an arm's length.",
        (_, Some(MeasureId::ElbowAngleLeftDeg | MeasureId::ElbowAngleRightDeg)) => {
            "Adjust the chair or desk height so your elbows rest at about 90°, close to the body."
        }
        (FindingKind::Posture, None) => "Change position.",
    }
}

/// `m:ss` for a number of seconds.
pub fn minutes(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

/// A duration as a person says it: `45 s`, `32 min`, `3 h 12 min`.
pub fn hm(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        _ => format!("{} h {:02} min", s / 3600, s % 3600 / 60),
    }
}

/// `s` with its first letter in upper case (a label at the start of a title).
pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or_else(String::new, |first| first.to_uppercase().chain(c).collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_read_as_a_person_says_them() {
        let said = [0.4, 44.6, 1930.0, 11_520.0, 28_799.0].map(super::hm);
        assert_eq!(said, ["0 s", "45 s", "32 min", "3 h 12 min", "7 h 59 min"]);
    }
}
