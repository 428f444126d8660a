//! HTML (askama template, `templates/report.html`) and Markdown renderings of a report.

use std::borrow::Borrow;
use std::collections::BTreeMap;

use askama::Template;

use super::charts::{Chart, charts, days};
use super::model::{Day, Report, num, pct};
use crate::advice::minutes;
use crate::escape;
use crate::posture::MeasureId;
use crate::risk::FindingKind;

fn value(v: Option<f64>, measure: Option<MeasureId>) -> String {
    v.map_or_else(|| "–".to_owned(), |v| format!("{v:.1}{}", measure.map_or("", MeasureId::unit)))
}

/// What a finding is about: its measure, else its kind.
fn subject(kind: FindingKind, measure: Option<MeasureId>) -> String {
    measure.map_or_else(|| kind.name().replace('_', " "), |m| m.label().to_owned())
}

#[derive(Template)]
#[template(path = "report.html")]
struct Page<'a> {
    r: &'a Report,
    charts: Vec<Chart>,
    days: Option<Chart>,
}

#[derive(Template)]
#[template(path = "report.md")]
struct MarkdownPage<'a> {
    r: &'a Report,
}

/// Helpers both templates call (their expressions hand over values or references alike).
trait Helpers {
    fn minutes(&self, s: impl Borrow<f64>) -> String {
        minutes(*s.borrow())
    }
    fn hm(&self, s: impl Borrow<f64>) -> String {
        crate::advice::hm(*s.borrow())
    }
    fn pct(&self, part: impl Borrow<f64>, total: impl Borrow<f64>) -> String {
        pct(*part.borrow(), *total.borrow())
    }
    fn value(&self, v: &Option<f64>, measure: &Option<MeasureId>) -> String {
        value(*v, *measure)
    }
    fn subject(&self, kind: &FindingKind, measure: &Option<MeasureId>) -> String {
        subject(*kind, *measure)
    }
    fn limit(&self, v: &Option<f64>) -> String {
        v.map_or_else(|| "–".to_owned(), minutes)
    }
    /// The measures the days compare.
    fn trend_measures(&self) -> [MeasureId; 3] {
        super::tally::TREND_MEASURES
    }
    /// The ok / warn / risk shares of `measure` on `day`, in per cent ("–" without values).
    fn shares(&self, day: &Day, measure: &MeasureId) -> String {
        day.bands.get(*measure).map_or_else(
            || "–".to_owned(),
            |b| {
                let total = b.measured_s();
                let share = |part: f64| format!("{:.0}", part / total * 100.0);
                if total > 0.0 {
                    format!("{}/{}/{}", share(b.ok_s), share(b.warn_s), share(b.risk_s))
                } else {
                    // seen only from a view it is not judged from
                    "estimate".to_owned()
                }
            },
        )
    }
    /// A `YYYY-MM-DD` day as people write it ("Sun 6 Dec 2026").
    fn day(&self, date: &str) -> String {
        super::when::day(date)
    }
    /// When something started: its clock time, else its offset on the session clock.
    fn at(&self, at: &Option<String>, start_s: impl Borrow<f64>) -> String {
        at.clone().unwrap_or_else(|| minutes(*start_s.borrow()))
    }
    fn reasons(&self, without: &BTreeMap<String, usize>) -> String {
        let why: Vec<String> = without.iter().map(|(reason, n)| format!("{reason} {n}")).collect();
        if why.is_empty() { "–".to_owned() } else { why.join(", ") }
    }
}

impl Helpers for Page<'_> {}

/// What only the HTML page calls.
impl Page<'_> {
    /// When the report was made (given as RFC 3339 with the local offset): "Sunday 6 December
    /// 2026 at 08:20".
    fn generated(&self, at: &str) -> String {
        at.parse::<jiff::civil::DateTime>()
            .map_or_else(|_| at.to_owned(), |t| t.strftime("%A %-d %B %Y at %H:%M").to_string())
    }
    fn limit_value(&self, v: &Option<f64>) -> String {
        v.map_or_else(String::new, |l| format!(" / {}", num(l)))
    }
    fn degrees(&self, v: &Option<f64>) -> String {
        v.map_or_else(|| "–".to_owned(), |v| format!("{v:.0}°"))
    }
}

impl Helpers for MarkdownPage<'_> {}

/// What only the Markdown calls: user-controlled text (sources, models, profiles) escaped
/// for Markdown here, as the template writes its text as it is.
impl MarkdownPage<'_> {
    /// Text for Markdown.
    fn md(&self, s: &str) -> String {
        escape::markdown(s)
    }
    fn escaped(&self, items: &[String]) -> String {
        items.iter().map(|s| escape::markdown(s)).collect::<Vec<_>>().join(", ")
    }
    fn or(&self, items: &[String], none: &str) -> String {
        if items.is_empty() { none.to_owned() } else { self.escaped(items) }
    }
    fn neck(&self, v: &Option<f64>) -> String {
        value(*v, Some(MeasureId::NeckFlexionDeg))
    }
    fn number(&self, v: &Option<f64>) -> String {
        v.map_or_else(|| "–".to_owned(), num)
    }
    fn views(&self) -> String {
        let views: Vec<String> = self.r.method.views.iter().map(|(v, n)| format!("{v} {n}")).collect();
        if views.is_empty() { "–".to_owned() } else { views.join(", ") }
    }
    fn reasons_in_brackets(&self) -> String {
        let reasons = &self.r.method.data_quality.reasons;
        if reasons.is_empty() { String::new() } else { format!(" ({})", reasons.join("; ")) }
    }
}

/// The report as one self-contained HTML page (inline CSS and SVG, no scripts).
pub fn html(r: &Report) -> String {
    let page = Page { r, charts: charts(r), days: days(r) };
    page.render().expect("the report template renders")
}

/// The report as Markdown (the same facts, without the charts).
pub fn markdown(r: &Report) -> String {
    MarkdownPage { r }.render().expect("the report template renders")
}
