//! How it was measured: the thresholds and their sources, the profiles and models, the
//! views seen, and the data's quality (which measures had values, and why the others not).

use std::collections::BTreeMap;

use super::knowledge::fix_for;
use super::model::{MeasureQuality, Method, PerMeasure, Quality, ThresholdUsed};
use super::tally::{Data, POSTURE};
use crate::thresholds::SPECS;

/// Per measure, over the present samples: how many had a value, and why the others not
/// (every measure once anybody was present, none before).
pub(crate) fn measure_quality(d: &Data) -> PerMeasure<MeasureQuality> {
    let mut out: PerMeasure<MeasureQuality> = PerMeasure::default();
    if d.tally.present > 0 {
        for (id, q) in d.tally.quality.iter() {
            out.insert(id, q.clone());
        }
    }
    out
}

/// The items in order, each once.
pub(crate) fn dedup(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// The method section.
pub(crate) fn method(d: &Data, quality: PerMeasure<MeasureQuality>) -> Method {
    let t = d.input.thresholds;
    let tally = &d.tally;
    // why the posture measures had no value, most common first, each with what to change
    let mut why: BTreeMap<String, usize> = BTreeMap::new();
    for id in POSTURE {
        if let Some(q) = quality.get(id) {
            for (reason, n) in &q.without {
                *why.entry(reason.clone()).or_default() += n;
            }
        }
    }
    let mut why: Vec<(String, usize)> = why.into_iter().collect();
    why.sort_by_key(|w| std::cmp::Reverse(w.1));
    let sessions = d.input.sessions;
    Method {
        thresholds: SPECS
            .iter()
            .map(|s| ThresholdUsed {
                key: s.key.to_owned(),
                value: t.get(s.key).unwrap_or(s.default),
                unit: s.unit.to_owned(),
                reference: s.reference.to_owned(),
            })
            .collect(),
        profiles: dedup(sessions.iter().filter_map(|s| s.setup.profile.clone())),
        models: dedup(sessions.iter().filter_map(|s| s.setup.model.clone()).map(|m| match m.as_str() {
            "full" | "lite" | "heavy" => {
                format!("BlazePose GHUM 3D {m} (MediaPipe @mediapipe/pose 0.5.1675469404)")
            }
            path => format!("landmark model file {path}"),
        })),
        ergoaudit: env!("CARGO_PKG_VERSION").to_owned(),
        views: tally.views.clone(),
        data_quality: Quality {
            samples: tally.samples,
            present_samples: tally.present,
            no_verdict_share: if tally.present == 0 {
                0.0
            } else {
                tally.no_verdict as f64 / tally.present as f64
            },
            reasons: why.into_iter().map(|(reason, _)| format!("{reason}: {}", fix_for(&reason))).collect(),
            measures: quality,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{details, records, sample};
    use super::*;
    use crate::posture::{MeasureId, Missing, View};
    use crate::thresholds::Thresholds;

    #[test]
    fn quality_counts_values_and_reasons_and_the_method_names_its_sources() {
        let t = Thresholds { cva_warn: 48.0, ..Thresholds::default() };
        let mut a = sample(0.0, true, Some(50.0));
        a.view = Some(View::Front);
        let mut b = sample(5.0, true, None);
        b.missing[MeasureId::CvaDeg] = Some(Missing::ShouldersOutOfFrame);
        let c = sample(10.0, true, None); // recorded before reasons were kept
        let samples = [a, b, c, sample(15.0, false, None)];
        let mut session = details(5.0);
        session.setup.model = Some("/models/mine.onnx".into());
        let sessions = [session];
        let input = records(&sessions, &samples, &t);
        let d = Data::new(&input);
        let q = measure_quality(&d);
        let cva = q.get(MeasureId::CvaDeg).unwrap();
        assert_eq!(cva.with_value, 1);
        assert_eq!(cva.without["shoulders below the frame"], 1);
        assert_eq!(cva.without["not recorded"], 1);
        let m = method(&d, q);
        assert_eq!(m.data_quality.present_samples, 3);
        assert!((m.data_quality.no_verdict_share - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(m.views["front"], 1);
        assert_eq!(m.views["unknown"], 2);
        assert_eq!(m.models, ["landmark model file /models/mine.onnx"]);
        assert!(m.thresholds.iter().any(|u| u.key == "cva_warn" && u.value == 48.0));
        assert!(m.data_quality.reasons.iter().any(|r| r.starts_with("shoulders below the frame: tilt")));
    }
}
