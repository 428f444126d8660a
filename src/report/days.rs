//! Trends across days: for each calendar day of a period (in the local time zone), the time
//! present, the time in each band of the three head and shoulder measures, breaks taken
//! against breaks due, and the longest sitting stretch. `report --since 7d` shows them, and
//! `status` shows today's.

use std::collections::BTreeMap;

use super::model::{Data, Day, Period};
use crate::posture::MeasureId;
use crate::store::SessionSpan;

/// The measures whose bands the days compare.
pub const TREND_MEASURES: [MeasureId; 3] =
    [MeasureId::CvaDeg, MeasureId::HeadForwardCm, MeasureId::ShoulderRoundingDeg];

/// Most days a report splits its period into (a longer period gets no per-day section).
pub const MAX_DAYS: usize = 400;

/// The date of `at` in `tz`.
fn date_of(at: jiff::Timestamp, tz: &jiff::tz::TimeZone) -> jiff::civil::Date {
    at.to_zoned(tz.clone()).date()
}

/// Every day of `period` (the first and the last in part), oldest first; none when it is
/// empty or longer than [`MAX_DAYS`].
pub(crate) fn days(d: &Data, period: &Period) -> Vec<Day> {
    let (first, last) = (date_of(period.from, &period.tz), date_of(period.to, &period.tz));
    let mut out: BTreeMap<jiff::civil::Date, Day> = BTreeMap::new();
    let mut date = first;
    while date <= last && out.len() < MAX_DAYS {
        out.insert(date, Day { date: date.to_string(), ..Day::default() });
        let Ok(next) = date.tomorrow() else { break };
        date = next;
    }
    if date <= last {
        return Vec::new();
    }
    // for the breaks due: the time present under each sitting limit (each session's own)
    let mut under_limit: BTreeMap<jiff::civil::Date, Vec<(f64, f64)>> = BTreeMap::new();
    for s in d.input.samples {
        let Some(date) = s.at.map(|at| date_of(at, &period.tz)) else { continue };
        let Some(day) = out.get_mut(&date) else { continue };
        let (dt, t) = (d.interval(s.session), d.thresholds(s.session));
        if s.present {
            day.present_s += dt;
            day.longest_sitting_min = day.longest_sitting_min.max(s.sitting_min);
            let every_s = t.sitting_max * 60.0;
            let limits = under_limit.entry(date).or_default();
            match limits.iter_mut().find(|(limit, _)| *limit == every_s) {
                Some((_, present_s)) => *present_s += dt,
                None => limits.push((every_s, dt)),
            }
        }
        if !(s.present && s.person) {
            continue;
        }
        for id in TREND_MEASURES {
            day.bands.entry(id).count(s.measures[id].map(|v| t.verdict(id, v)), dt);
        }
    }
    let day_of = |span: &SessionSpan| {
        let wall = d.input.sessions.iter().find(|s| s.id == span.session)?.wall(span.start_s)?;
        Some(date_of(wall, &period.tz))
    };
    for b in d.input.breaks {
        if let Some(day) = day_of(b).and_then(|date| out.get_mut(&date)) {
            day.breaks_taken += 1;
        }
    }
    for p in d.input.pauses {
        if let Some(day) = day_of(p).and_then(|date| out.get_mut(&date)) {
            day.paused_s += p.end_s - p.start_s;
        }
    }
    out.into_iter()
        .map(|(date, mut day)| {
            // a measure without any value that day has no bands
            day.bands.retain(|b| b.measured_s() > 0.0);
            let due: f64 = under_limit
                .get(&date)
                .into_iter()
                .flatten()
                .filter(|(every_s, _)| *every_s > 0.0)
                .map(|(every_s, present_s)| present_s / every_s)
                .sum();
            day.breaks_due = due.floor() as usize;
            day
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::model::{BandTime, Records};
    use super::super::tests::{details, sample, span};
    use super::*;
    use crate::thresholds::Thresholds;

    #[test]
    fn samples_breaks_and_pauses_fall_on_their_local_day() {
        let t = Thresholds::default();
        // session 1 starts 2026-01-05 09:00 UTC; five hours west that is 04:00 on the 5th
        let tz = jiff::tz::TimeZone::fixed(jiff::tz::offset(-5));
        let mut samples: Vec<_> = (0..12).map(|k| sample(k as f64 * 5.0, true, Some(55.0))).collect();
        // 19 h later: 23:00 on the 5th there, though the 6th in UTC
        samples.extend((0..3).map(|k| sample(68_400.0 + k as f64 * 5.0, true, Some(47.0))));
        // 20 h later: 00:00 on the 6th there (05:00 UTC)
        samples.extend((0..6).map(|k| sample(72_000.0 + k as f64 * 5.0, true, Some(30.0))));
        samples[3].sitting_min = 12.0;
        samples[17].sitting_min = 50.0;
        let breaks = [span(100.0, 300.0), span(72_100.0, 72_300.0)];
        let pauses = [span(60.0, 660.0)];
        let input = Records {
            kind: "history",
            sessions: &[details(5.0)],
            samples: &samples,
            findings: &[],
            breaks: &breaks,
            pauses: &pauses,
            thresholds: &t,
            judged: &[],
            period: None,
            now: jiff::Timestamp::UNIX_EPOCH,
        };
        let period = Period {
            from: "2026-01-04T12:00:00Z".parse().unwrap(),
            to: "2026-01-06T12:00:00Z".parse().unwrap(),
            tz,
        };
        let days = days(&Data::new(&input), &period);
        let dates: Vec<&str> = days.iter().map(|d| d.date.as_str()).collect();
        assert_eq!(dates, ["2026-01-04", "2026-01-05", "2026-01-06"]);
        assert_eq!(days[0], Day { date: "2026-01-04".into(), ..Day::default() });
        let (d5, d6) = (&days[1], &days[2]);
        assert_eq!(
            (d5.present_s, d5.paused_s, d5.breaks_taken, d5.longest_sitting_min),
            (75.0, 600.0, 1, 12.0)
        );
        assert_eq!(
            d5.bands.get(MeasureId::CvaDeg),
            Some(&BandTime { ok_s: 60.0, warn_s: 15.0, ..BandTime::default() })
        );
        assert_eq!(
            (d6.present_s, d6.paused_s, d6.breaks_taken, d6.longest_sitting_min),
            (30.0, 0.0, 1, 50.0)
        );
        assert_eq!(d6.bands.get(MeasureId::CvaDeg), Some(&BandTime { risk_s: 30.0, ..BandTime::default() }));
        assert!(!d6.bands.contains(MeasureId::HeadForwardCm), "no values, no bands");
        assert_eq!(d5.breaks_due, 0);
    }

    #[test]
    fn breaks_due_are_one_per_sitting_limit_present() {
        let t = Thresholds::default();
        // 100 min present at 5 s: two breaks due under the 45-minute rule
        let samples: Vec<_> = (0..1200).map(|k| sample(k as f64 * 5.0, true, None)).collect();
        let input = Records {
            kind: "history",
            sessions: &[details(5.0)],
            samples: &samples,
            findings: &[],
            breaks: &[],
            pauses: &[],
            thresholds: &t,
            judged: &[],
            period: None,
            now: jiff::Timestamp::UNIX_EPOCH,
        };
        let period = Period {
            from: "2026-01-05T00:00:00Z".parse().unwrap(),
            to: "2026-01-05T23:00:00Z".parse().unwrap(),
            tz: jiff::tz::TimeZone::UTC,
        };
        let days = days(&Data::new(&input), &period);
        assert_eq!(days.len(), 1);
        assert_eq!((days[0].present_s, days[0].breaks_due), (6000.0, 2));
        // a period too long to split has no days
        let long = Period { from: "2020-01-01T00:00:00Z".parse().unwrap(), ..period };
        assert!(super::days(&Data::new(&input), &long).is_empty());
    }
}
