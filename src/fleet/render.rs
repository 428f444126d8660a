//! The team report as HTML (askama, `templates/team.html`, through ergoaudit's HTML escaper)
//! and Markdown (`templates/team.md`, names escaped for Markdown); and whether a file is one,
//! which `fleet report -o` may replace.

use askama::Template;

use super::report::{Group, OwnDay, OwnReport, Shares, TeamReport, Week};
use crate::escape;

#[derive(Template)]
#[template(path = "team.html")]
struct Page<'a> {
    r: &'a TeamReport,
}

#[derive(Template)]
#[template(path = "team.md")]
struct MarkdownPage<'a> {
    r: &'a TeamReport,
}

#[derive(Template)]
#[template(path = "own.html")]
struct OwnPage<'a> {
    r: &'a OwnReport,
}

#[derive(Template)]
#[template(path = "own.md")]
struct OwnMarkdown<'a> {
    r: &'a OwnReport,
}

/// A measure's ok / warn / risk shares, "–" without a judged value.
fn bands(b: Option<&Shares>) -> String {
    match b.map(|b| (b.ok, b.warn, b.risk)) {
        Some((Some(o), Some(w), Some(r))) => format!("{:.0}/{:.0}/{:.0} %", o * 100.0, w * 100.0, r * 100.0),
        _ => "–".to_owned(),
    }
}

/// A share in per cent, "–" without one.
fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_owned(), |v| format!("{:.0} %", v * 100.0))
}

/// A number with one decimal, "–" without one.
fn one(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_owned(), |v| format!("{v:.1}"))
}

/// What both templates call: the cells, which hold numbers only (the names are the
/// templates' to escape).
trait Cells {
    fn headers(&self) -> [&'static str; 9] {
        [
            "workstations",
            "days",
            "hours present",
            "CVA ok/warn/risk",
            "head forward ok/warn/risk",
            "shoulder rounding ok/warn/risk",
            "breaks taken / due",
            "static holds per 8 h",
            "RULA 5–7",
        ]
    }
    fn cells(&self, g: &Group) -> [String; 9] {
        let bands = |m: &str| bands(g.bands.get(m));
        [
            g.workstations.to_string(),
            g.workstation_days.to_string(),
            format!("{:.0}", g.present_h),
            bands("cva_deg"),
            bands("head_forward_cm"),
            bands("shoulder_rounding_deg"),
            format!("{} / {}", g.breaks_taken, g.breaks_due),
            one(g.holds_per_8h),
            format!("{:.0} %", g.rula[4..].iter().sum::<f64>() * 100.0),
        ]
    }
    fn week(&self, w: &Week) -> [String; 9] {
        [
            w.week.clone(),
            w.workstations.to_string(),
            one(w.present_h_per_day),
            pct(w.cva_risk),
            pct(w.cva_warn),
            pct(w.head_forward_risk),
            pct(w.head_forward_warn),
            w.breaks_per_due.map_or_else(|| "–".to_owned(), |v| format!("{v:.2}")),
            w.holds_per_hour.map_or_else(|| "–".to_owned(), |v| format!("{v:.2}")),
        ]
    }
    fn own(&self, d: &OwnDay) -> [String; 6] {
        [
            format!("{:.1}", d.present_h),
            format!("{} / {}", d.breaks_taken, d.breaks_due),
            format!("{:.0} min", d.longest_sitting_min),
            d.holds.to_string(),
            bands(d.bands.get("cva_deg")),
            bands(d.bands.get("head_forward_cm")),
        ]
    }
    /// A name for Markdown (the HTML templates' names go through the HTML escaper).
    fn md(&self, s: &str) -> String {
        escape::markdown(s)
    }
}

impl Cells for Page<'_> {}
impl Cells for MarkdownPage<'_> {}
impl Cells for OwnPage<'_> {}
impl Cells for OwnMarkdown<'_> {}

/// The team report as one self-contained HTML page.
pub fn html(r: &TeamReport) -> String {
    Page { r }.render().expect("the team report template renders")
}

/// The team report as Markdown.
pub fn markdown(r: &TeamReport) -> String {
    MarkdownPage { r }.render().expect("the team report template renders")
}

/// A workstation's own days as one HTML page.
pub fn own_html(r: &OwnReport) -> String {
    OwnPage { r }.render().expect("the workstation report template renders")
}

/// A workstation's own days as Markdown.
pub fn own_markdown(r: &OwnReport) -> String {
    OwnMarkdown { r }.render().expect("the workstation report template renders")
}

/// Whether the start of a file is a team report ergoaudit wrote, which `fleet report -o`
/// may replace without `--force`.
pub fn is_team_report(head: &[u8]) -> bool {
    let has = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    (head.starts_with(b"<!DOCTYPE html>") && has(b"<title>Team ergonomics report</title>"))
        || head.starts_with(b"# Team ergonomics report")
        || (head.starts_with(b"{") && has(b"\"schema\": \"ergoaudit-team-report/"))
        || (head.starts_with(b"<!DOCTYPE html>") && has(b"<title>Workstation ergonomics report</title>"))
        || head.starts_with(b"# Workstation ergonomics report")
        || (head.starts_with(b"{") && has(b"\"schema\": \"ergoaudit-workstation-report/"))
}
