//! Trends across days: for each calendar day of a period (in the local time zone), the time
//! present, the time in each band of the three head and shoulder measures, breaks taken
//! against breaks due, and the longest sitting stretch. `report --since 7d` shows them, and
//! `status` shows today's.

use super::model::Day;
use super::tally::Data;
use crate::risk::FindingKind;
use crate::store::SessionSpan;

/// Every day of the period `d` was gathered over (the first and the last in part; the last
/// [`super::tally::MAX_DAYS`] of a longer one), oldest first; none without a period.
pub(crate) fn days(d: &Data) -> Vec<Day> {
    let Some(gathered) = &d.tally.days else { return Vec::new() };
    let mut out = gathered.days.clone();
    let day_of = |span: &SessionSpan| {
        let wall = d.input.sessions.iter().find(|s| s.id == span.session)?.wall(span.start_s)?;
        Some(wall.to_zoned(gathered.tz.clone()).date())
    };
    // each span counts on the day it began
    let mut on_their_days = |spans: &[SessionSpan], add: fn(&mut Day, &SessionSpan)| {
        for span in spans {
            if let Some(day) = day_of(span).and_then(|date| out.get_mut(&date)) {
                add(day, span);
            }
        }
    };
    on_their_days(d.input.breaks, |day, _| day.breaks_taken += 1);
    on_their_days(d.input.pauses, |day, p| day.paused_s += p.duration_s());
    on_their_days(d.input.away, |day, a| day.locked_s += a.duration_s());
    on_their_days(d.input.calls, |day, c| day.call_s += c.duration_s());
    on_their_days(d.input.gaps, |day, _| day.gaps += 1);
    let holds: Vec<SessionSpan> = d
        .input
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::StaticHold && f.start_s.is_finite())
        .map(|f| {
            // a hold under way, or a damaged end, counts with no time yet
            let end_s = f.end_s.filter(|e| e.is_finite() && *e >= f.start_s).unwrap_or(f.start_s);
            SessionSpan { session: f.session, start_s: f.start_s, end_s }
        })
        .collect();
    on_their_days(&holds, |day, h| {
        day.holds += 1;
        day.hold_s += h.duration_s();
    });
    out.into_iter()
        .map(|(date, mut day)| {
            // a measure without any value that day has no bands
            day.bands.retain(|b| b.measured_s() > 0.0 || b.estimate_s > 0.0);
            let due: f64 = gathered
                .under_limit
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
    use super::super::model::{BandTime, Period, Records};
    use super::super::tally::MAX_DAYS;
    use super::super::tests::{details, finding, sample, span};
    use super::*;
    use crate::posture::MeasureId;
    use crate::thresholds::Thresholds;
    use crate::thresholds::Verdict;

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
        // neck measured with a score on the 5th (twice 3, once 7), a score without the neck
        // and a score out of range are not counted
        for (k, score) in [(0, 3), (1, 3), (2, 7), (4, 9)] {
            samples[k].measures[MeasureId::NeckFlexionDeg] = Some(20.0);
            samples[k].rula = Some(score);
        }
        samples[5].rula = Some(2);
        // a sample without the person seen: counted, not seen
        samples[6].person = false;
        let breaks = [span(100.0, 300.0), span(72_100.0, 72_300.0)];
        let pauses = [span(60.0, 660.0)];
        // a gap on the 5th, two on the 6th
        let gaps = [span(200.0, 200.0), span(72_010.0, 72_010.0), span(72_020.0, 72_020.0)];
        // a 90 s hold on the 5th, one under way on the 6th, a posture finding not counted
        let findings = [
            finding(FindingKind::StaticHold, None, Verdict::Warn, 10.0, Some(100.0), None),
            finding(FindingKind::StaticHold, None, Verdict::Risk, 72_005.0, None, None),
            finding(FindingKind::Posture, Some(MeasureId::CvaDeg), Verdict::Warn, 20.0, Some(50.0), None),
        ];
        let period = Period {
            from: "2026-01-04T12:00:00Z".parse().unwrap(),
            to: "2026-01-06T12:00:00Z".parse().unwrap(),
            tz,
        };
        let input = Records {
            kind: "history",
            sessions: &[details(5.0)],
            samples: &samples,
            findings: &findings,
            breaks: &breaks,
            pauses: &pauses,
            away: &[],
            calls: &[],
            gaps: &gaps,
            thresholds: &t,
            judged: &[],
            period: Some(&period),
            now: jiff::Timestamp::UNIX_EPOCH,
            tz: &super::super::tests::UTC,
        };
        let days = days(&Data::new(&input));
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
            Some(&BandTime { ok_s: 55.0, warn_s: 15.0, ..BandTime::default() })
        );
        assert_eq!(
            (d6.present_s, d6.paused_s, d6.breaks_taken, d6.longest_sitting_min),
            (30.0, 0.0, 1, 50.0)
        );
        assert_eq!(d6.bands.get(MeasureId::CvaDeg), Some(&BandTime { risk_s: 30.0, ..BandTime::default() }));
        assert!(!d6.bands.contains(MeasureId::HeadForwardCm), "no values, no bands");
        assert_eq!(d5.breaks_due, 0);
        assert_eq!((d5.away_s, d6.away_s), (0.0, 0.0), "every sample present");
        assert_eq!((d5.holds, d5.hold_s, d6.holds, d6.hold_s), (1, 90.0, 1, 0.0));
        assert_eq!((d5.gaps, d6.gaps), (1, 2));
        assert_eq!((d5.samples, d5.samples_seen, d6.samples, d6.samples_seen), (15, 14, 6, 6));
        assert_eq!(d5.rula, [0, 0, 2, 0, 0, 0, 1]);
        assert_eq!(d6.rula, [0; 7]);
    }

    #[test]
    fn breaks_due_are_one_per_sitting_limit_present() {
        let t = Thresholds::default();
        // 100 min present at 5 s: two breaks due under the 45-minute rule
        let samples: Vec<_> = (0..1200).map(|k| sample(k as f64 * 5.0, true, None)).collect();
        let session = details(5.0);
        let period = Period {
            from: "2026-01-05T00:00:00Z".parse().unwrap(),
            to: "2026-01-05T23:00:00Z".parse().unwrap(),
            tz: jiff::tz::TimeZone::UTC,
        };
        let records = |period| Records {
            kind: "history",
            sessions: std::slice::from_ref(&session),
            samples: &samples,
            findings: &[],
            breaks: &[],
            pauses: &[],
            away: &[],
            calls: &[],
            gaps: &[],
            thresholds: &t,
            judged: &[],
            period: Some(period),
            now: jiff::Timestamp::UNIX_EPOCH,
            tz: &super::super::tests::UTC,
        };
        let days = days(&Data::new(&records(&period)));
        assert_eq!(days.len(), 1);
        assert_eq!((days[0].present_s, days[0].breaks_due), (6000.0, 2));
        // a period of six years shows its last MAX_DAYS days, the last one this
        let long = Period { from: "2020-01-01T00:00:00Z".parse().unwrap(), ..period.clone() };
        let days = super::days(&Data::new(&records(&long)));
        assert_eq!(days.len(), MAX_DAYS);
        assert_eq!((days[MAX_DAYS - 1].date.as_str(), days[MAX_DAYS - 1].present_s), ("2026-01-05", 6000.0));
    }
}
