//! HTML (askama template, `templates/report.html`) and Markdown renderings of a report.

use std::borrow::Borrow;
use std::fmt::Write;

use askama::Template;

use super::charts::{Chart, charts};
use super::model::{Report, pct};
use crate::advice::minutes;
use crate::escape;
use crate::posture::MeasureId;
use crate::thresholds::Thresholds;

/// The thresholds a report was judged with, back from its `method` section.
fn thresholds_of(r: &Report) -> Thresholds {
    let mut t = Thresholds::default();
    for used in &r.method.thresholds {
        t.set(&used.key, used.value);
    }
    t
}

fn label(name: &str) -> String {
    MeasureId::ALL
        .iter()
        .find(|id| id.name() == name)
        .map_or_else(|| name.to_owned(), |id| id.label().to_owned())
}

fn unit(name: &str) -> &'static str {
    MeasureId::ALL.iter().find(|id| id.name() == name).map_or("", |id| id.unit())
}

/// A number with at most one decimal.
fn num(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r.fract() == 0.0 { format!("{r:.0}") } else { format!("{r:.1}") }
}

fn value(v: Option<f64>, name: Option<&str>) -> String {
    v.map_or_else(|| "–".to_owned(), |v| format!("{v:.1}{}", name.map_or("", unit)))
}

#[derive(Template)]
#[template(path = "report.html")]
struct Page<'a> {
    r: &'a Report,
    charts: Vec<Chart>,
}

/// Helpers the template calls (its expressions hand over values or references alike).
impl Page<'_> {
    fn minutes(&self, s: impl Borrow<f64>) -> String {
        minutes(*s.borrow())
    }
    fn label(&self, name: &str) -> String {
        label(name)
    }
    fn pct(&self, part: impl Borrow<f64>, total: impl Borrow<f64>) -> String {
        pct(*part.borrow(), *total.borrow())
    }
    fn value(&self, v: &Option<f64>, name: &Option<String>) -> String {
        value(*v, name.as_deref())
    }
    fn limit_value(&self, v: &Option<f64>) -> String {
        v.map_or_else(String::new, |l| format!(" / {}", num(l)))
    }
    fn degrees(&self, v: &Option<f64>) -> String {
        v.map_or_else(|| "–".to_owned(), |v| format!("{v:.0}°"))
    }
    fn limit(&self, v: &Option<f64>) -> String {
        v.map_or_else(|| "–".to_owned(), minutes)
    }
    fn reasons(&self, without: &std::collections::BTreeMap<String, usize>) -> String {
        let why: Vec<String> = without.iter().map(|(reason, n)| format!("{reason} {n}")).collect();
        if why.is_empty() { "–".to_owned() } else { why.join(", ") }
    }
}

/// The report as one self-contained HTML page (inline CSS and SVG, no scripts).
pub fn html(r: &Report) -> String {
    let page = Page { r, charts: charts(r, &thresholds_of(r)) };
    page.render().expect("the report template renders")
}

/// The report as Markdown (the same facts, without the charts).
pub fn markdown(r: &Report) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Ergonomics report\n");
    let _ = writeln!(
        md,
        "{} · {} to {} · sources: {}\n",
        r.origin.kind,
        r.origin.from.as_deref().unwrap_or("–"),
        r.origin.to.as_deref().unwrap_or("–"),
        r.origin.sources.iter().map(|s| escape::markdown(s)).collect::<Vec<_>>().join(", ")
    );
    if let Some(n) = &r.notice {
        let _ = writeln!(md, "> {n}\n");
    }
    if let Some(v) = &r.verdict {
        let _ = match v.action_level {
            Some(level) => {
                writeln!(md, "## Verdict\n\n**RULA-style action level {level}**: {}.\n", v.meaning)
            }
            None => writeln!(md, "## Verdict\n\n**No RULA-style action level**: {}.\n", v.meaning),
        };
        let _ = writeln!(md, "Measured: {}. Assumed: {}.\n", v.measured.join(", "), v.assumed.join("; "));
        if v.top_findings.is_empty() {
            let _ = writeln!(md, "No finding: nothing was held too long and the breaks were taken.\n");
        }
        for (i, f) in v.top_findings.iter().enumerate() {
            let _ = writeln!(
                md,
                "{}. **{}** ({}, {}× over {}) — {}. *{}*",
                i + 1,
                f.title,
                f.severity,
                f.count,
                minutes(f.total_s),
                f.risk_factor,
                f.action
            );
        }
        md.push('\n');
    }
    let t = &r.time;
    let _ = writeln!(md, "## Time at a glance\n");
    let _ = writeln!(md, "| audited | present | away | breaks taken | breaks overdue | longest sitting |");
    let _ = writeln!(md, "|---|---|---|---|---|---|");
    let _ = writeln!(
        md,
        "| {} | {} | {} | {} (rule: {}) | {} | {} |\n",
        minutes(t.audited_s),
        minutes(t.present_s),
        minutes(t.away_s),
        t.breaks_taken,
        t.break_rule,
        t.breaks_overdue,
        minutes(t.longest_sitting_min * 60.0)
    );
    if !t.bands.is_empty() {
        let _ = writeln!(md, "| measure | ok | warn | risk | no value |\n|---|---|---|---|---|");
        for (name, b) in &t.bands {
            let total = b.ok_s + b.warn_s + b.risk_s;
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} |",
                label(name),
                pct(b.ok_s, total),
                pct(b.warn_s, total),
                pct(b.risk_s, total),
                minutes(b.no_value_s)
            );
        }
        md.push('\n');
    }
    let _ = writeln!(md, "## Static holds\n");
    if r.holds.is_empty() {
        let _ = writeln!(md, "None held past the static limit.\n");
    } else {
        let _ = writeln!(
            md,
            "| start | duration | severity | head inclination | limit | exceeded by | reference |\n|---|---|---|---|---|---|---|"
        );
        for h in &r.holds {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} | {} |",
                minutes(h.start_s),
                minutes(h.duration_s),
                h.severity,
                value(h.head_inclination_deg, Some("neck_flexion_deg")),
                h.limit_s.map_or_else(|| "–".to_owned(), minutes),
                minutes(h.exceeded_by_s),
                h.reference
            );
        }
        md.push('\n');
    }
    let _ = writeln!(md, "## Findings and the risk factors they match\n");
    if r.findings.is_empty() {
        let _ = writeln!(md, "None.\n");
    }
    for f in &r.findings {
        let _ = writeln!(
            md,
            "- **{}** {} at {} for {} ({}; limit {} — {}). Risk factor: {}. Loads: {}. Change: {}",
            f.severity,
            f.measure.as_deref().map_or_else(|| f.kind.replace('_', " "), label),
            minutes(f.start_s),
            minutes(f.duration_s),
            value(f.value, f.measure.as_deref()),
            f.limit.map_or_else(|| "–".to_owned(), num),
            f.reference,
            f.risk_factor,
            f.muscles.join(", "),
            f.action
        );
    }
    let _ = writeln!(md, "\n## What the camera cannot judge\n");
    for n in &r.not_judged {
        let _ = writeln!(md, "- {n}");
    }
    let m = &r.method;
    let _ = writeln!(md, "\n## Method\n");
    let _ = writeln!(
        md,
        "- ergoaudit {}; model: {}",
        m.ergoaudit,
        if m.models.is_empty() {
            "recorded landmarks".to_owned()
        } else {
            m.models.iter().map(|s| escape::markdown(s)).collect::<Vec<_>>().join(", ")
        }
    );
    let _ = writeln!(
        md,
        "- calibration profile: {}",
        if m.profiles.is_empty() {
            "none".to_owned()
        } else {
            m.profiles.iter().map(|s| escape::markdown(s)).collect::<Vec<_>>().join(", ")
        }
    );
    let views: Vec<String> = m.views.iter().map(|(v, n)| format!("{v} {n}")).collect();
    let _ = writeln!(
        md,
        "- views (samples): {}",
        if views.is_empty() { "–".to_owned() } else { views.join(", ") }
    );
    let q = &m.data_quality;
    let _ = writeln!(
        md,
        "- data quality: {} samples, {} with the person present, {} of those without a posture verdict{}",
        q.samples,
        q.present_samples,
        pct(q.no_verdict_share, 1.0),
        if q.reasons.is_empty() { String::new() } else { format!(" ({})", q.reasons.join("; ")) }
    );
    let _ = writeln!(md, "\n| measure | present samples with a value | why not |\n|---|---|---|");
    for (name, mq) in &q.measures {
        let why: Vec<String> = mq.without.iter().map(|(reason, n)| format!("{reason} {n}")).collect();
        let _ = writeln!(
            md,
            "| {} | {} of {} | {} |",
            label(name),
            mq.with_value,
            q.present_samples,
            if why.is_empty() { "–".to_owned() } else { why.join(", ") }
        );
    }
    let _ = writeln!(md, "\n| threshold | value | reference |\n|---|---|---|");
    for t in &m.thresholds {
        let _ = writeln!(md, "| {} | {} {} | {} |", t.key, t.value, t.unit, t.reference);
    }
    md
}
