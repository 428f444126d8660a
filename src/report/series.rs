//! The charts' data: where the report's samples come from, the time series of the charted
//! measures, and each measure's distribution.

use super::method::dedup;
use super::model::{Data, Distribution, Origin, PerMeasure, Point};
use crate::posture::MeasureId;
use crate::store::SessionSpan;

/// Where the data came from: the sessions, their sources, the first and last sample.
pub(crate) fn origin(d: &Data) -> Origin {
    let at = d.input.samples.iter().filter_map(|s| s.at);
    Origin {
        kind: d.input.kind.to_owned(),
        sessions: d.input.sessions.iter().map(|s| s.id).collect(),
        sources: dedup(d.input.sessions.iter().map(|s| s.setup.source.clone())),
        from: at.clone().min().map(|t| t.to_string()),
        to: at.max().map(|t| t.to_string()),
    }
}

/// The charted measures over time (seconds since the first sample), present samples only.
pub(crate) fn series(d: &Data) -> Vec<Point> {
    let Some(first) = d.input.samples.iter().filter_map(|s| s.at).min() else { return Vec::new() };
    d.input
        .samples
        .iter()
        .filter_map(|s| {
            let t_s = s.at?.duration_since(first).as_secs_f64();
            let m = |id: MeasureId| s.measures[id].filter(|_| s.present);
            Some(Point {
                t_s,
                present: s.present,
                cva_deg: m(MeasureId::CvaDeg),
                neck_flexion_deg: m(MeasureId::NeckFlexionDeg),
                shoulder_rounding_deg: m(MeasureId::ShoulderRoundingDeg),
            })
        })
        .collect()
}

/// The recorded breaks on the series' clock (seconds since the first sample).
pub(crate) fn break_spans(d: &Data) -> Vec<(f64, f64)> {
    spans(d, d.input.breaks)
}

/// The recorded pauses on the series' clock.
pub(crate) fn pause_spans(d: &Data) -> Vec<(f64, f64)> {
    spans(d, d.input.pauses)
}

/// Spans on their sessions' clocks, on the series' clock.
fn spans(d: &Data, spans: &[SessionSpan]) -> Vec<(f64, f64)> {
    let Some(first) = d.input.samples.iter().filter_map(|s| s.at).min() else { return Vec::new() };
    spans
        .iter()
        .filter_map(|span| {
            let started = d.input.sessions.iter().find(|s| s.id == span.session)?.started_at;
            let offset = started.duration_since(first).as_secs_f64();
            Some((offset + span.start_s, offset + span.end_s))
        })
        .collect()
}

/// The distribution of every measure with values over the present samples.
pub(crate) fn distributions(d: &Data) -> PerMeasure<Distribution> {
    let mut out = PerMeasure::default();
    for id in MeasureId::all() {
        let values: Vec<f64> = d.present.iter().filter_map(|s| s.measures[id]).collect();
        if let Some(h) = histogram(&values) {
            out.insert(id, h);
        }
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_histogram_has_ten_bins_over_the_range_and_one_value_gets_a_unit_wide_one() {
        let h = histogram(&[0.0, 1.0, 10.0, 10.0]).unwrap();
        assert_eq!(h.edges.len(), 11);
        assert_eq!(h.counts, [1, 1, 0, 0, 0, 0, 0, 0, 0, 2]);
        let one = histogram(&[42.0]).unwrap();
        assert_eq!((one.edges[0], one.edges[10]), (41.5, 42.5));
        assert!(histogram(&[]).is_none());
    }
}
