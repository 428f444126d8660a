//! Dates and times as people write them ("Sunday 6 December 2026, 08:18–08:20"), in the
//! report's time zone: the JSON keeps RFC 3339 beside them for programs.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

/// The period from `from` to `to`: "Sunday 6 December 2026, 08:18–08:20" within one day,
/// "Saturday 5 December 2026, 22:10 – Sunday 6 December 2026, 01:20" across days.
pub(crate) fn period(from: Timestamp, to: Timestamp, tz: &TimeZone) -> String {
    let (a, b) = (from.to_zoned(tz.clone()), to.to_zoned(tz.clone()));
    if a.date() == b.date() {
        format!("{}, {}–{}", a.strftime("%A %-d %B %Y"), a.strftime("%H:%M"), b.strftime("%H:%M"))
    } else {
        format!("{} – {}", a.strftime("%A %-d %B %Y, %H:%M"), b.strftime("%A %-d %B %Y, %H:%M"))
    }
}

/// The clock time of `at`: "08:18", or "Sun 6 Dec, 08:18" when the report spans more than one
/// day (`with_day`).
pub(crate) fn clock(at: Timestamp, tz: &TimeZone, with_day: bool) -> String {
    let z = at.to_zoned(tz.clone());
    if with_day { z.strftime("%a %-d %b, %H:%M").to_string() } else { z.strftime("%H:%M").to_string() }
}

/// A calendar day given as `YYYY-MM-DD`: "Sun 6 Dec 2026" (the text as it is if it is no
/// date).
pub(crate) fn day(date: &str) -> String {
    date.parse::<Date>().map_or_else(|_| date.to_owned(), |d| d.strftime("%a %-d %b %Y").to_string())
}

/// Whether `from` and `to` fall on different days in `tz`.
pub(crate) fn spans_days(from: Timestamp, to: Timestamp, tz: &TimeZone) -> bool {
    from.to_zoned(tz.clone()).date() != to.to_zoned(tz.clone()).date()
}

/// `at` to the second, with its offset in `tz` (RFC 3339): `2026-12-06T08:18:57+01:00`.
pub(crate) fn rfc3339(at: Timestamp, tz: &TimeZone) -> String {
    let z = at.to_zoned(tz.clone());
    z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn periods_read_like_a_document() {
        let utc = TimeZone::UTC;
        let (a, b) = (at("2026-12-06T08:18:57.052637249Z"), at("2026-12-06T08:20:10Z"));
        assert_eq!(period(a, b, &utc), "Sunday 6 December 2026, 08:18–08:20");
        let plus1 = TimeZone::fixed(jiff::tz::offset(1));
        assert_eq!(period(a, b, &plus1), "Sunday 6 December 2026, 09:18–09:20");
        assert_eq!(
            period(at("2026-12-05T22:10:00Z"), at("2026-12-06T01:20:00Z"), &utc),
            "Saturday 5 December 2026, 22:10 – Sunday 6 December 2026, 01:20"
        );
        assert_eq!(clock(a, &utc, false), "08:18");
        assert_eq!(clock(a, &utc, true), "Sun 6 Dec, 08:18");
        assert_eq!(day("2026-12-06"), "Sun 6 Dec 2026");
        assert_eq!(day("not a date"), "not a date");
        assert_eq!(rfc3339(a, &plus1), "2026-12-06T09:18:57+01:00");
        assert!(spans_days(at("2026-12-05T22:10:00Z"), at("2026-12-06T01:20:00Z"), &utc));
        assert!(!spans_days(
            at("2026-12-05T22:10:00Z"),
            at("2026-12-06T01:20:00Z"),
            &TimeZone::fixed(jiff::tz::offset(-3))
        ));
    }
}
