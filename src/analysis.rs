//! One frame measured and judged, as `analyze` shows it: its record with the metrics (one
//! JSON line), or as text for a person (the key points seen, every measure with its band,
//! method and confidence, or why it has no value).

use crate::config::Settings;
use crate::pose::{Landmark, PosedFrame};
use crate::posture::{Baseline, FrameMeasures, Missing, Observation, Optics, measure, view};
use crate::replay::{FrameRecord, Metrics};

/// Landmark groups the text reports: name and BlazePose indices.
const GROUPS: [(&str, &[usize]); 5] = [
    ("face", &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
    ("shoulders", &[11, 12]),
    ("elbows", &[13, 14]),
    ("wrists", &[15, 16]),
    ("hips", &[23, 24]),
];

/// What every frame is judged with.
#[derive(Clone, Debug)]
pub struct Analysis {
    /// Thresholds and settings.
    pub settings: Settings,
    /// The calibration profile: its name and baseline, if any.
    pub profile: Option<(String, Baseline)>,
}

impl Analysis {
    fn optics(&self) -> Optics {
        self.settings.optics()
    }

    fn measures(&self, posed: &PosedFrame) -> Option<FrameMeasures> {
        let baseline = self.profile.as_ref().map(|(_, b)| b);
        posed
            .pose
            .as_ref()
            .map(|d| measure(&Observation::of(d, posed.width, posed.height), &self.optics(), baseline))
    }

    /// `record` (as read, or made from the frame) with the metrics of `posed`, as one JSON
    /// line.
    pub fn json_line(
        &self,
        posed: &PosedFrame,
        mut record: FrameRecord,
    ) -> Result<String, serde_json::Error> {
        record.metrics = Some(Metrics::new(self.measures(posed).as_ref(), &self.settings.thresholds));
        serde_json::to_string(&record).map(|line| line + "\n")
    }

    /// `posed` as text for a person (the source's name escaped for the terminal), ending in
    /// a blank line.
    pub fn text(&self, posed: &PosedFrame) -> String {
        let (w, h) = (posed.width, posed.height);
        let at = posed.t_s.map_or(String::new(), |t| format!(", frame {} at {t:.2} s", posed.index));
        let mut out = format!("{} ({w}×{h}{at})\n", crate::escape::terminal(&posed.source));
        let (Some(data), Some(sample)) = (&posed.pose, self.measures(posed)) else {
            return out + "  person      none found\n\n";
        };
        let optics = self.optics();
        let profile = self
            .profile
            .as_ref()
            .map_or("no calibration profile".to_owned(), |(name, _)| format!("profile `{name}`"));
        out += &format!("  person      yes (detector score {:.2})\n", data.detection_score);
        out += &format!("  view        {}\n", sample.view.name());
        out += &format!("  key points  {}\n", key_points(&data.landmarks, w, h));
        out += &format!(
            "  measures    ({profile}, camera field of view {}°{}, tilt {}°)\n",
            optics.hfov_deg,
            if optics.hfov_known { "" } else { " assumed" },
            optics.pitch_deg
        );
        for (id, m) in sample.iter() {
            let line = match m.value {
                Some(v) if id.judged_in(Some(sample.view)) => format!(
                    "{:>7.1}{:<3} {:<5} {}, confidence {:.2}",
                    v,
                    id.unit(),
                    self.settings.thresholds.verdict(id, v).name(),
                    m.method.unwrap_or(""),
                    m.confidence
                ),
                // from a view it is not judged from: an estimate, with its error
                Some(v) => format!(
                    "{:>7.1}{:<3} front estimate (± {:.0}°, not judged; a side view measures it), confidence {:.2}",
                    v,
                    id.unit(),
                    crate::posture::FRONT_ROUNDING_ERROR_DEG,
                    m.confidence
                ),
                None => match (m.missing, sample.distance_change) {
                    // without a known field of view, the distance is told relative to the
                    // calibration
                    (Some(Missing::FieldOfViewUnknown), Some(change)) => {
                        format!("{} ({})", relative_distance(change), Missing::FieldOfViewUnknown.text())
                    }
                    (why, _) => why.map_or("", |w| w.text()).to_owned(),
                },
            };
            out += &format!("    {:<22} {line}\n", id.label());
        }
        out + "\n"
    }
}

/// A distance change since the calibration in words: "12 % closer than when calibrated".
pub fn relative_distance(change: f64) -> String {
    let pct = (change * 100.0).round();
    if pct == 0.0 {
        "as far as when calibrated".to_owned()
    } else if pct < 0.0 {
        format!("{:.0} % closer than when calibrated", -pct)
    } else {
        format!("{pct:.0} % further than when calibrated")
    }
}

/// How many points of each group are seen, e.g. `face 11/11 · shoulders 2/2 · …`.
fn key_points(landmarks: &[Landmark], w: u32, h: u32) -> String {
    GROUPS
        .iter()
        .map(|(name, ids)| {
            let seen = ids.iter().filter(|&&i| view::usable(&landmarks[i], w, h)).count();
            format!("{name} {seen}/{}", ids.len())
        })
        .collect::<Vec<_>>()
        .join(" · ")
}
