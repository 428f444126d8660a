//! The charts' data: where the report's samples come from, the time series of the charted
//! measures (bounded: see [`super::tally::MAX_POINTS`]), and each measure's distribution.

use super::method::dedup;
use super::model::Origin;
use super::tally::Data;
use super::when;
use crate::store::SessionSpan;

/// Where the data came from: the sessions, their sources, the first and last sample.
pub(crate) fn origin(d: &Data) -> Origin {
    Origin {
        kind: d.input.kind.to_owned(),
        sessions: d.input.sessions.iter().map(|s| s.id).collect(),
        sources: dedup(d.input.sessions.iter().map(|s| s.setup.source.clone())),
        from: d.tally.first_at.map(|t| when::rfc3339(t, d.input.tz)),
        to: d.tally.last_at.map(|t| when::rfc3339(t, d.input.tz)),
        period: d.tally.first_at.zip(d.tally.last_at).map(|(a, b)| when::period(a, b, d.input.tz)),
        time_zone: zone_name(d.input.tz, d.input.now),
    }
}

/// A time zone's IANA name, or its offset at `now` ("UTC+01") when it has none.
fn zone_name(tz: &jiff::tz::TimeZone, now: jiff::Timestamp) -> String {
    tz.iana_name().map_or_else(|| format!("UTC{}", tz.to_offset(now)), str::to_owned)
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
    let Some(first) = d.tally.first_at else { return Vec::new() };
    spans
        .iter()
        .filter_map(|span| {
            let started = d.input.sessions.iter().find(|s| s.id == span.session)?.started_at;
            let offset = started.duration_since(first).as_secs_f64();
            Some((offset + span.start_s, offset + span.end_s))
        })
        .collect()
}
