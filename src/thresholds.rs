//! Every tunable threshold, its default, unit and the reference it rests on, and the
//! ok / warn / risk verdict of a measure against them.

use serde::{Deserialize, Serialize};

use crate::posture::MeasureId;

/// What a threshold is for, and what it may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// An angle, a distance, a ratio or a duration: finite and ≥ 0.
    NonNegative,
    /// A camera field of view: between 1° and 179°.
    FieldOfView,
    /// A camera tilt: between −60° and 60°.
    Tilt,
    /// A confidence: between 0 and 1.
    Fraction,
}

/// Description of one threshold.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Spec {
    /// Config key; also the flag (`--cva-warn`) and the variable (`ERGOAUDIT_CVA_WARN`).
    pub key: &'static str,
    /// Default value.
    pub default: f64,
    /// Unit.
    pub unit: &'static str,
    /// What it means.
    pub help: &'static str,
    /// Where the value comes from.
    pub reference: &'static str,
    /// Allowed values.
    pub kind: Kind,
}

macro_rules! thresholds {
    ($($key:ident: $default:expr, $unit:expr, $kind:ident, $help:expr, $reference:expr;)*) => {
        /// Every threshold ergoaudit judges postures with (defaults from `docs`, see
        /// [`SPECS`] for units and references).
        #[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct Thresholds {
            $(#[doc = $help] pub $key: f64,)*
        }

        impl Default for Thresholds {
            fn default() -> Self {
                Thresholds { $($key: $default,)* }
            }
        }

        /// Descriptions of every threshold, in display order.
        pub const SPECS: &[Spec] = &[
            $(Spec { key: stringify!($key), default: $default, unit: $unit, help: $help, reference: $reference, kind: Kind::$kind },)*
        ];

        impl Thresholds {
            /// The value of the threshold named `key`.
            pub fn get(&self, key: &str) -> Option<f64> {
                match key { $(stringify!($key) => Some(self.$key),)* _ => None }
            }

            /// The thresholds a session stored (JSON), read leniently: a key this version
            /// does not know, or a value that is not a number, is left at its default and
            /// named in the returned problems (a session recorded by another version).
            pub fn from_stored(json: &str) -> (Self, Vec<String>) {
                let mut t = Self::default();
                let mut problems = Vec::new();
                match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(json) {
                    Ok(map) => {
                        for (key, value) in map {
                            match value.as_f64() {
                                Some(v) if t.set(&key, v) => {}
                                _ => problems.push(key),
                            }
                        }
                    }
                    Err(e) => problems.push(format!("the record itself ({e})")),
                }
                (t, problems)
            }

            /// Set the threshold named `key`; `false` when there is no such key.
            pub fn set(&mut self, key: &str, value: f64) -> bool {
                match key { $(stringify!($key) => { self.$key = value; true })* _ => false }
            }
        }
    };
}

thresholds! {
    cva_warn: 50.0, "°", NonNegative, "Craniovertebral angle below which the head is forward (warn).",
        "CVA < 50° forward head; normal 50.6 ± 2.1° (Lau et al. 2009, Manual Therapy 14:363)";
    cva_risk: 45.0, "°", NonNegative, "Craniovertebral angle below which forward head is moderate (risk).",
        "CVA < 45° moderate, < 40° severe forward head (common cut-offs; neck-pain group 43.9 ± 3.6°, Lau et al. 2009)";
    head_forward_warn: 1.5, "cm", NonNegative, "Head moved forward of the shoulders since calibration (warn).",
        "ergoaudit: on an 11 cm neck, 1.5 cm ≈ a 10° CVA drop from normal (the warn band)";
    head_forward_risk: 3.0, "cm", NonNegative, "Head moved forward of the shoulders since calibration (risk).",
        "ergoaudit: on an 11 cm neck, 3 cm ≈ a 22° CVA drop from normal";
    rounding_warn: 10.0, "°", NonNegative, "Shoulder protraction since calibration (warn).",
        "ergoaudit heuristic: no validated criterion exists (Sandrey, Int J Athl Ther Train 26(6))";
    rounding_risk: 20.0, "°", NonNegative, "Shoulder protraction since calibration (risk).",
        "ergoaudit heuristic: no validated criterion exists (Sandrey, Int J Athl Ther Train 26(6))";
    neck_flexion_warn: 10.0, "°", NonNegative, "Neck flexion or extension (warn).",
        "RULA neck 0–10° = 1, 10–20° = 2, > 20° = 3, extension = 4 (McAtamney & Corlett 1993)";
    neck_flexion_risk: 20.0, "°", NonNegative, "Neck flexion or extension (risk).",
        "RULA neck > 20° = 3 (McAtamney & Corlett 1993); ISO 11226 neck flexion > 25° not acceptable";
    head_tilt_warn: 10.0, "°", NonNegative, "Lateral head tilt (warn).",
        "RULA neck +1 if side-bent; 10° band: ergoaudit heuristic";
    head_tilt_risk: 20.0, "°", NonNegative, "Lateral head tilt (risk).",
        "RULA neck +1 if side-bent; 20° band: ergoaudit heuristic";
    shoulder_tilt_warn: 5.0, "°", NonNegative, "Shoulder-line tilt (warn).",
        "ergoaudit heuristic (asymmetric loading of the upper trapezius)";
    shoulder_tilt_risk: 10.0, "°", NonNegative, "Shoulder-line tilt (risk).",
        "ergoaudit heuristic (asymmetric loading of the upper trapezius)";
    elevation_warn: 0.85, "×", NonNegative, "Ear-shoulder distance over the calibrated one, below which the shoulders are drawn up (warn).",
        "stress raises upper-trapezius tone and the shoulders drift up to the ears (a known driver of trapezius trigger points); 0.85: ergoaudit heuristic";
    elevation_risk: 0.7, "×", NonNegative, "Ear-shoulder distance over the calibrated one (risk).",
        "stress raises upper-trapezius tone (a known driver of trapezius trigger points); 0.7: ergoaudit heuristic";
    trunk_warn: 20.0, "°", NonNegative, "Trunk inclination (warn).",
        "ISO 11226:2000 trunk inclination 0–20° acceptable, 20–60° time-limited";
    trunk_risk: 60.0, "°", NonNegative, "Trunk inclination (risk).",
        "ISO 11226:2000 trunk inclination > 60° not acceptable";
    viewing_distance_warn: 50.0, "cm", NonNegative, "Eye-to-screen (camera) distance below which the screen is too close (warn).",
        "viewing distance ≥ 50 cm (AOA: 50–70 cm)";
    viewing_distance_risk: 40.0, "cm", NonNegative, "Eye-to-screen (camera) distance (risk).",
        "AOA 50–70 cm; 40 cm: ergoaudit heuristic";
    elbow_min: 60.0, "°", NonNegative, "Smallest comfortable elbow angle (outside [elbow_min, elbow_max]: warn).",
        "RULA lower arm 60–100° = 1 (McAtamney & Corlett 1993); office ergonomics advice: elbows at about 90°";
    elbow_max: 100.0, "°", NonNegative, "Largest comfortable elbow angle.",
        "RULA lower arm 60–100° = 1 (McAtamney & Corlett 1993); office ergonomics advice: elbows at about 90°";
    static_hold: 60.0, "s", NonNegative, "A posture held this long without movement is static.",
        "RULA/REBA: muscle use +1 if a posture is held > 1 min";
    movement: 0.1, "×", NonNegative, "Movement (landmark displacement in shoulder widths) below which a posture is held still.",
        "ergoaudit heuristic: 0.1 shoulder width ≈ 4 cm";
    dwell: 30.0, "s", NonNegative, "How long a measure must stay in a new band before the band changes (one glance down never alerts).",
        "ergoaudit: alert sparingly, with hysteresis and cool-downs (UK HSE on break software; peers' top complaint)";
    sitting_max: 45.0, "min", NonNegative, "Continuous sitting after which a movement break is due.",
        "the 45-minute / 2-minute movement-break rule of thumb: stand and move for 2 minutes every 45 minutes";
    break_min: 2.0, "min", NonNegative, "Shortest absence or standing spell that counts as a break.",
        "the 45-minute / 2-minute movement-break rule of thumb: stand and move for 2 minutes every 45 minutes";
    notify_cooldown: 10.0, "min", NonNegative, "Least time between two notifications of the same kind.",
        "ergoaudit: nagging break software can backfire (UK HSE)";
    camera_hfov: 70.0, "°", FieldOfView, "The camera's horizontal field of view (sets the pinhole scale).",
        "typical laptop webcams: 60–80°";
    camera_pitch: 0.0, "°", Tilt, "How far the camera looks up from the horizontal (negative: down); sets which way is horizontal for head-forward and the angles.",
        "a laptop screen leaning back looks up ≈ 10–20°; a webcam on a monitor often looks down";
    min_confidence: 0.3, "×", Fraction, "Measures below this confidence (0–1) are left out of the audit: no finding opens on them, and the report counts them as low-confidence.",
        "ergoaudit: confidence = landmark visibility × framing × precision (docs/measures.md); 0.3 keeps a laptop-framed face at 75 cm and drops guessed values";
}

/// The verdict of one measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::Display, strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Verdict {
    /// Within the comfortable range.
    Ok,
    /// Beyond the warn threshold.
    Warn,
    /// Beyond the risk threshold.
    Risk,
}

impl Verdict {
    /// `ok`, `warn` or `risk`.
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// A threshold that breaks a validity rule.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{key} = {value}: {problem}")]
pub struct Invalid {
    /// The key.
    pub key: &'static str,
    /// Its value.
    pub value: f64,
    /// What is wrong.
    pub problem: String,
}

/// How a measure compares with its pair of thresholds.
enum Rule {
    HigherWorse(&'static str, &'static str),
    LowerWorse(&'static str, &'static str),
    AbsHigherWorse(&'static str, &'static str),
    Band(&'static str, &'static str),
}

fn rule(id: MeasureId) -> Rule {
    match id {
        MeasureId::CvaDeg => Rule::LowerWorse("cva_warn", "cva_risk"),
        MeasureId::HeadForwardCm => Rule::HigherWorse("head_forward_warn", "head_forward_risk"),
        MeasureId::ShoulderRoundingDeg => Rule::HigherWorse("rounding_warn", "rounding_risk"),
        MeasureId::NeckFlexionDeg => Rule::AbsHigherWorse("neck_flexion_warn", "neck_flexion_risk"),
        MeasureId::HeadTiltDeg => Rule::AbsHigherWorse("head_tilt_warn", "head_tilt_risk"),
        MeasureId::ShoulderTiltDeg => Rule::AbsHigherWorse("shoulder_tilt_warn", "shoulder_tilt_risk"),
        MeasureId::ShoulderElevation => Rule::LowerWorse("elevation_warn", "elevation_risk"),
        MeasureId::TrunkInclinationDeg => Rule::HigherWorse("trunk_warn", "trunk_risk"),
        MeasureId::ViewingDistanceCm => Rule::LowerWorse("viewing_distance_warn", "viewing_distance_risk"),
        MeasureId::ElbowAngleLeftDeg | MeasureId::ElbowAngleRightDeg => Rule::Band("elbow_min", "elbow_max"),
    }
}

/// The keys of the two thresholds a measure is judged with: (warn, risk) — for the elbow
/// angles, the (lower, upper) ends of the comfortable range.
pub fn keys(id: MeasureId) -> (&'static str, &'static str) {
    match rule(id) {
        Rule::HigherWorse(a, b) | Rule::LowerWorse(a, b) | Rule::AbsHigherWorse(a, b) | Rule::Band(a, b) => {
            (a, b)
        }
    }
}

/// The description of the threshold `key`.
pub fn spec(key: &str) -> Option<&'static Spec> {
    SPECS.iter().find(|s| s.key == key)
}

impl Thresholds {
    /// `value` moved by `fraction` of its warn–risk band towards the worse side: a measure
    /// only returns to a better band once this shifted value is there (hysteresis).
    pub fn worse_by(&self, id: MeasureId, value: f64, fraction: f64) -> f64 {
        let v = |k: &str| self.get(k).expect("rule keys are threshold keys");
        match rule(id) {
            Rule::HigherWorse(w, r) => value + fraction * (v(r) - v(w)).abs(),
            Rule::LowerWorse(w, r) => value - fraction * (v(r) - v(w)).abs(),
            Rule::AbsHigherWorse(w, r) => value.abs() + fraction * (v(r) - v(w)).abs(),
            Rule::Band(lo, hi) => {
                let (lo, hi) = (v(lo), v(hi));
                let m = fraction * (hi - lo);
                if value < (lo + hi) / 2.0 { value - m } else { value + m }
            }
        }
    }

    /// Judge `value` of measure `id`.
    pub fn verdict(&self, id: MeasureId, value: f64) -> Verdict {
        let v = |k: &str| self.get(k).expect("rule keys are threshold keys");
        let (worse_than_warn, worse_than_risk) = match rule(id) {
            Rule::HigherWorse(w, r) => (value > v(w), value > v(r)),
            Rule::LowerWorse(w, r) => (value < v(w), value < v(r)),
            Rule::AbsHigherWorse(w, r) => (value.abs() > v(w), value.abs() > v(r)),
            Rule::Band(lo, hi) => (value < v(lo) || value > v(hi), false),
        };
        if worse_than_risk {
            Verdict::Risk
        } else if worse_than_warn {
            Verdict::Warn
        } else {
            Verdict::Ok
        }
    }

    /// Check every value: finite, within its kind's range, and each warn threshold on the
    /// safe side of its risk threshold.
    pub fn validate(&self) -> Result<(), Invalid> {
        for spec in SPECS {
            let value = self.get(spec.key).expect("spec keys are fields");
            let problem = if !value.is_finite() {
                Some("not a finite number".to_owned())
            } else {
                match spec.kind {
                    Kind::NonNegative if value < 0.0 => Some("must not be negative".to_owned()),
                    Kind::FieldOfView if !(1.0..=179.0).contains(&value) => {
                        Some("a field of view must lie between 1° and 179°".to_owned())
                    }
                    Kind::Tilt if !(-60.0..=60.0).contains(&value) => {
                        Some("a camera tilt must lie between −60° and 60°".to_owned())
                    }
                    Kind::Fraction if !(0.0..=1.0).contains(&value) => {
                        Some("a confidence must lie between 0 and 1".to_owned())
                    }
                    _ => None,
                }
            };
            if let Some(problem) = problem {
                return Err(Invalid { key: spec.key, value, problem });
            }
        }
        for id in MeasureId::all() {
            type Order = fn(f64, f64) -> bool;
            let (a, b, in_order, words): (_, _, Order, _) = match rule(id) {
                Rule::HigherWorse(w, r) | Rule::AbsHigherWorse(w, r) => {
                    (w, r, |a, b| a <= b, "must not be above")
                }
                Rule::LowerWorse(w, r) => (w, r, |a, b| a >= b, "must not be below"),
                Rule::Band(lo, hi) => (lo, hi, |a, b| a < b, "must be below"),
            };
            let (va, vb) = (self.get(a).expect("rule key"), self.get(b).expect("rule key"));
            if !in_order(va, vb) {
                return Err(Invalid { key: a, value: va, problem: format!("{words} {b} ({vb})") });
            }
        }
        if self.break_min >= self.sitting_max {
            return Err(Invalid {
                key: "break_min",
                value: self.break_min,
                problem: format!("must be below sitting_max ({})", self.sitting_max),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn stored_thresholds_are_read_leniently() {
        let (t, problems) =
            Thresholds::from_stored(r#"{"cva_warn": 48.0, "retired_key": 1.0, "dwell": "x"}"#);
        assert_eq!(t.cva_warn, 48.0);
        assert_eq!(t.dwell, Thresholds::default().dwell);
        assert_eq!(problems, ["dwell", "retired_key"]);
        let (t, problems) = Thresholds::from_stored("not json");
        assert_eq!(t, Thresholds::default());
        assert_eq!(problems.len(), 1);
    }

    #[test]
    fn references_name_what_a_reader_can_look_up() {
        for spec in SPECS {
            assert!(!spec.reference.contains("seed"), "{}: {}", spec.key, spec.reference);
            assert!(!spec.reference.is_empty(), "{}", spec.key);
        }
    }

    use super::*;

    #[test]
    fn defaults_are_valid_and_listed() {
        Thresholds::default().validate().unwrap();
        assert_eq!(SPECS.len(), 29);
        for spec in SPECS {
            assert_eq!(Thresholds::default().get(spec.key), Some(spec.default));
        }
    }

    #[test]
    fn verdicts_follow_each_rule() {
        let t = Thresholds::default();
        assert_eq!(t.verdict(MeasureId::CvaDeg, 52.0), Verdict::Ok);
        assert_eq!(t.verdict(MeasureId::CvaDeg, 47.0), Verdict::Warn);
        assert_eq!(t.verdict(MeasureId::CvaDeg, 41.0), Verdict::Risk);
        assert_eq!(t.verdict(MeasureId::NeckFlexionDeg, -15.0), Verdict::Warn, "extension counts");
        assert_eq!(t.verdict(MeasureId::NeckFlexionDeg, 25.0), Verdict::Risk);
        assert_eq!(t.verdict(MeasureId::ElbowAngleLeftDeg, 90.0), Verdict::Ok);
        assert_eq!(t.verdict(MeasureId::ElbowAngleLeftDeg, 150.0), Verdict::Warn);
        assert_eq!(t.verdict(MeasureId::ViewingDistanceCm, 35.0), Verdict::Risk);
        assert_eq!(t.verdict(MeasureId::ShoulderElevation, 0.8), Verdict::Warn);
    }

    #[test]
    fn invalid_values_name_their_key() {
        // warn beyond risk (45) for a lower-is-worse measure
        let t = Thresholds { cva_warn: 40.0, ..Default::default() };
        assert_eq!(t.validate().unwrap_err().key, "cva_warn");
        let t = Thresholds { static_hold: -1.0, ..Default::default() };
        assert_eq!(t.validate().unwrap_err().key, "static_hold");
        let t = Thresholds { neck_flexion_warn: f64::NAN, ..Default::default() };
        assert_eq!(t.validate().unwrap_err().key, "neck_flexion_warn");
        let t = Thresholds { trunk_warn: 70.0, ..Default::default() };
        assert!(t.validate().unwrap_err().problem.contains("trunk_risk"));
        let t = Thresholds { camera_hfov: 0.0, ..Default::default() };
        assert_eq!(t.validate().unwrap_err().key, "camera_hfov");
        let t = Thresholds { camera_pitch: -75.0, ..Default::default() };
        assert_eq!(t.validate().unwrap_err().key, "camera_pitch");
        let t = Thresholds { min_confidence: 1.5, ..Default::default() };
        assert_eq!(t.validate().unwrap_err().key, "min_confidence");
    }
}
