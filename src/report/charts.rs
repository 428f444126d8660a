//! Inline SVG charts: no scripts, no external assets; colours come from CSS classes so
//! print and dark mode restyle them.

use std::fmt::Write;

use super::model::{Day, Distribution, Point, Report, num};
use crate::posture::MeasureId;
use crate::thresholds::{Thresholds, Verdict};

/// One chart, ready to inline.
pub struct Chart {
    /// Identifier (also `data-chart` on the `<svg>`).
    pub id: String,
    /// Caption.
    pub title: String,
    /// The `<svg>` element.
    pub svg: String,
}

const W: f64 = 720.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 12.0;

fn open_svg(id: &str, h: f64, label: &str) -> String {
    format!(r#"<svg data-chart="{id}" viewBox="0 0 {W} {h}" width="100%" role="img" aria-label="{label}">"#)
}

/// The charts of a report, in display order.
pub fn charts(r: &Report) -> Vec<Chart> {
    let t = &r.thresholds;
    let mut out = Vec::new();
    if r.series.is_empty() {
        return out;
    }
    let end = r.series.iter().map(|p| p.t_s).fold(0.0, f64::max).max(1.0);
    for (id, get) in [
        (MeasureId::CvaDeg, (|p: &Point| p.cva_deg) as fn(&Point) -> Option<f64>),
        (MeasureId::NeckFlexionDeg, |p| p.neck_flexion_deg),
        (MeasureId::ShoulderRoundingDeg, |p| p.shoulder_rounding_deg),
    ] {
        let points: Vec<(f64, Option<f64>)> = r.series.iter().map(|p| (p.t_s, get(p))).collect();
        if points.iter().any(|(_, v)| v.is_some()) {
            out.push(Chart {
                id: format!("series-{}", id.name()),
                title: format!(
                    "{} over time ({}), threshold bands shaded",
                    crate::advice::capitalise(id.label()),
                    id.unit().trim()
                ),
                svg: series(id, &points, end, t),
            });
        }
    }
    let title = if r.pauses.is_empty() { "Presence and breaks" } else { "Presence, breaks and pauses" };
    out.push(Chart { id: "presence".into(), title: title.into(), svg: presence(r, end) });
    for (id, d) in &r.distributions {
        let name = id.name();
        out.push(Chart {
            id: format!("distribution-{name}"),
            title: format!("Distribution: {} ({})", id.label(), id.unit().trim()),
            svg: histogram(id, d, t),
        });
    }
    out
}

fn x_of(t_s: f64, end: f64) -> f64 {
    LEFT + t_s / end * (W - LEFT - RIGHT)
}

fn verdict_class(v: Verdict) -> &'static str {
    match v {
        Verdict::Ok => "band-ok",
        Verdict::Warn => "band-warn",
        Verdict::Risk => "band-risk",
    }
}

/// A time series with the ok / warn / risk bands shaded behind it.
fn series(id: MeasureId, points: &[(f64, Option<f64>)], end: f64, t: &Thresholds) -> String {
    let h = 200.0;
    let (top, bottom) = (10.0, h - 28.0);
    let (warn, risk) = crate::thresholds::keys(id);
    let marks = [t.get(warn).unwrap_or_default(), t.get(risk).unwrap_or_default()];
    let values = points.iter().filter_map(|p| p.1);
    let (mut lo, mut hi) =
        values.chain(marks).fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    let pad = ((hi - lo) * 0.1).max(1.0);
    (lo, hi) = (lo - pad, hi + pad);
    let y_of = |v: f64| bottom - (v - lo) / (hi - lo) * (bottom - top);
    let mut svg = open_svg(&format!("series-{}", id.name()), h, id.label());
    // bands: walk the value axis in small steps and shade each by its verdict
    let steps = 120;
    for k in 0..steps {
        let (a, b) =
            (lo + (hi - lo) * k as f64 / steps as f64, lo + (hi - lo) * (k + 1) as f64 / steps as f64);
        let class = verdict_class(t.verdict(id, (a + b) / 2.0));
        let _ = write!(
            svg,
            r#"<rect class="{class}" x="{LEFT}" y="{:.1}" width="{:.1}" height="{:.2}"/>"#,
            y_of(b),
            W - LEFT - RIGHT,
            y_of(a) - y_of(b) + 0.05
        );
    }
    for v in marks {
        let _ = write!(
            svg,
            r#"<line class="mark" x1="{LEFT}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}"/>"#,
            W - RIGHT,
            y = y_of(v)
        );
        let _ = write!(
            svg,
            r#"<text class="axis" x="{:.1}" y="{:.1}" text-anchor="end">{v}</text>"#,
            LEFT - 4.0,
            y_of(v) + 4.0
        );
    }
    // the line, broken where there is no value
    let mut d = String::new();
    let mut pen = false;
    for &(t_s, v) in points {
        match v {
            Some(v) => {
                let _ = write!(d, "{}{:.1},{:.1} ", if pen { "L" } else { "M" }, x_of(t_s, end), y_of(v));
                pen = true;
            }
            None => pen = false,
        }
    }
    let _ = write!(svg, r#"<path class="line" d="{}"/>"#, d.trim_end());
    // and a dot per sample, so isolated values show too
    for &(t_s, v) in points {
        if let Some(v) = v {
            let _ = write!(
                svg,
                r#"<circle class="dot" cx="{:.1}" cy="{:.1}" r="2.2"/>"#,
                x_of(t_s, end),
                y_of(v)
            );
        }
    }
    axis(&mut svg, end, bottom);
    svg.push_str("</svg>");
    svg
}

fn axis(svg: &mut String, end: f64, y: f64) {
    let _ =
        write!(svg, r#"<line class="axis-line" x1="{LEFT}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}"/>"#, W - RIGHT);
    for k in 0..=4 {
        let t = end * k as f64 / 4.0;
        let anchor = match k {
            0 => "start",
            4 => "end",
            _ => "middle",
        };
        let _ = write!(
            svg,
            r#"<text class="axis" x="{:.1}" y="{:.1}" text-anchor="{anchor}">{}</text>"#,
            x_of(t, end),
            y + 16.0,
            crate::advice::minutes(t)
        );
    }
}

/// Present / away / break strip: the breaks are the ones the risk engine recorded (an
/// absence, or a gap in the samples, at least `break_min` long).
fn presence(r: &Report, end: f64) -> String {
    let h = 64.0;
    let mut svg = open_svg("presence", h, "presence and breaks");
    let step =
        r.series.windows(2).map(|w| w[1].t_s - w[0].t_s).filter(|d| *d > 0.0).fold(f64::INFINITY, f64::min);
    let step = if step.is_finite() { step } else { 5.0 };
    let mut rect = |class: &str, a: f64, b: f64| {
        let _ = write!(
            svg,
            r#"<rect class="{class}" x="{:.2}" y="8" width="{:.2}" height="24"><title>{class} {}–{}</title></rect>"#,
            x_of(a, end),
            (x_of(b.min(end), end) - x_of(a, end)).max(0.5),
            crate::advice::minutes(a),
            crate::advice::minutes(b)
        );
    };
    let mut i = 0;
    while i < r.series.len() {
        let present = r.series[i].present;
        let mut j = i;
        while j + 1 < r.series.len() && r.series[j + 1].present == present {
            j += 1;
        }
        rect(if present { "present" } else { "away" }, r.series[i].t_s, r.series[j].t_s + step);
        i = j + 1;
    }
    for &(a, b) in &r.breaks {
        rect("break", a, b);
    }
    for &(a, b) in &r.pauses {
        rect("paused", a, b);
    }
    axis(&mut svg, end, 40.0);
    svg.push_str("</svg>");
    svg
}

/// Bars of a distribution, each coloured by the verdict of its centre.
fn histogram(id: MeasureId, d: &Distribution, t: &Thresholds) -> String {
    let h = 150.0;
    let (top, bottom) = (8.0, h - 26.0);
    let max = d.counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let mut svg = open_svg(&format!("distribution-{}", id.name()), h, id.label());
    let bar = (W - LEFT - RIGHT) / d.counts.len() as f64;
    for (k, &n) in d.counts.iter().enumerate() {
        let centre = (d.edges[k] + d.edges[k + 1]) / 2.0;
        let height = n as f64 / max * (bottom - top);
        let _ = write!(
            svg,
            r#"<rect class="bar {}" x="{:.1}" y="{:.1}" width="{:.1}" height="{height:.1}"><title>{:.1}–{:.1}: {n}</title></rect>"#,
            verdict_class(t.verdict(id, centre)),
            LEFT + k as f64 * bar + 1.0,
            bottom - height,
            bar - 2.0,
            d.edges[k],
            d.edges[k + 1]
        );
    }
    for k in [0, 5, 10] {
        let _ = write!(
            svg,
            r#"<text class="axis" x="{:.1}" y="{:.1}" text-anchor="middle">{:.1}</text>"#,
            LEFT + k as f64 * bar,
            bottom + 16.0,
            d.edges[k]
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Width and height of one panel of the day-by-day chart.
const PANEL: (f64, f64) = (240.0, 150.0);

/// The day-by-day chart: small multiples, one panel per figure, one bar per day — time
/// present, breaks taken against due, the longest sitting stretch (the limit dashed), and the
/// share of present time in each band of CVA, head-forward distance and shoulder rounding.
pub fn days(r: &Report) -> Option<Chart> {
    if r.days.len() < 2 {
        return None;
    }
    let t = &r.thresholds;
    let mut svg = open_svg("days", 2.0 * PANEL.1, "day by day");
    let max_of = |f: &dyn Fn(&Day) -> f64| r.days.iter().map(f).fold(0.0, f64::max);
    let present_h = max_of(&|d| d.present_s / 3600.0).max(1.0);
    panel(&mut svg, 0, "present (h)", present_h, &r.days, |d| vec![("present", d.present_s / 3600.0)], None);
    let breaks = max_of(&|d| d.breaks_taken.max(d.breaks_due) as f64).max(1.0);
    panel(
        &mut svg,
        1,
        "breaks taken / due",
        breaks,
        &r.days,
        |d| vec![("break", d.breaks_taken as f64), ("due", d.breaks_due as f64)],
        None,
    );
    let stretch = max_of(&|d| d.longest_sitting_min).max(t.sitting_max * 1.2);
    panel(
        &mut svg,
        2,
        "longest sitting stretch (min)",
        stretch,
        &r.days,
        |d| {
            let class = if d.longest_sitting_min > t.sitting_max { "fill-risk" } else { "fill-ok" };
            vec![(class, d.longest_sitting_min)]
        },
        Some(t.sitting_max),
    );
    for (k, id) in super::tally::TREND_MEASURES.into_iter().enumerate() {
        let title = format!("{}: ok / warn / risk", id.label());
        stacked(&mut svg, 3 + k, &title, &r.days, id);
    }
    svg.push_str("</svg>");
    Some(Chart { id: "days".into(), title: "Day by day".into(), svg })
}

/// The top-left corner of panel `k` (three to a row).
fn panel_origin(k: usize) -> (f64, f64) {
    ((k % 3) as f64 * PANEL.0, (k / 3) as f64 * PANEL.1)
}

/// The plot area of a panel: left, top, width, bottom.
fn plot_area(k: usize) -> (f64, f64, f64, f64) {
    let (x, y) = panel_origin(k);
    (x + 30.0, y + 22.0, PANEL.0 - 40.0, y + PANEL.1 - 24.0)
}

/// A panel's title, axis and day labels (every day when they fit, else the first and last).
fn panel_frame(svg: &mut String, k: usize, title: &str, days: &[Day], top_value: Option<f64>) {
    let (x0, y0) = panel_origin(k);
    let (left, top, width, bottom) = plot_area(k);
    let _ = write!(svg, r#"<text class="axis" x="{:.1}" y="{:.1}">{title}</text>"#, x0 + 4.0, y0 + 13.0);
    let _ = write!(
        svg,
        r#"<line class="axis-line" x1="{left:.1}" x2="{:.1}" y1="{bottom:.1}" y2="{bottom:.1}"/>"#,
        left + width
    );
    if let Some(v) = top_value {
        let _ = write!(
            svg,
            r#"<text class="axis" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            left - 3.0,
            top + 8.0,
            num(v)
        );
    }
    // "11-25" where it fits, else the day of the month, as many as fit
    let slot = width / days.len() as f64;
    let (from, room) = if slot >= 36.0 { (5, 36.0) } else { (8, 18.0) };
    let every = (room / slot).ceil().max(1.0) as usize;
    for (i, d) in days.iter().enumerate().filter(|(i, _)| (days.len() - 1 - i).is_multiple_of(every)) {
        let _ = write!(
            svg,
            r#"<text class="axis" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            left + (i as f64 + 0.5) * slot,
            bottom + 14.0,
            d.date.get(from..).unwrap_or(&d.date)
        );
    }
}

/// Bars of values (side by side when a day has several), scaled to `max`, with an optional
/// dashed limit.
fn panel(
    svg: &mut String,
    k: usize,
    title: &str,
    max: f64,
    days: &[Day],
    values: impl Fn(&Day) -> Vec<(&'static str, f64)>,
    limit: Option<f64>,
) {
    panel_frame(svg, k, title, days, Some(max));
    let (left, top, width, bottom) = plot_area(k);
    let slot = width / days.len() as f64;
    let y_of = |v: f64| bottom - (v / max).clamp(0.0, 1.0) * (bottom - top);
    for (i, d) in days.iter().enumerate() {
        let bars = values(d);
        // a gap of a fifth of the slot between days
        let gap = slot * 0.2;
        let w = (slot - gap).max(0.5) / bars.len() as f64;
        for (j, (class, v)) in bars.iter().enumerate() {
            let _ = write!(
                svg,
                r#"<rect class="{class}" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}"><title>{} {}: {}</title></rect>"#,
                left + i as f64 * slot + gap / 2.0 + j as f64 * w,
                y_of(*v),
                (w - 0.5).max(0.3),
                bottom - y_of(*v),
                d.date,
                class.trim_start_matches("fill-"),
                num(*v)
            );
        }
    }
    if let Some(l) = limit {
        let _ = write!(
            svg,
            r#"<line class="mark" x1="{left:.1}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}"/>"#,
            left + width,
            y = y_of(l)
        );
    }
}

/// Stacked shares of the present time with a value in each band of `id`, one bar per day.
fn stacked(svg: &mut String, k: usize, title: &str, days: &[Day], id: MeasureId) {
    panel_frame(svg, k, title, days, None);
    let (left, top, width, bottom) = plot_area(k);
    let slot = width / days.len() as f64;
    for (i, d) in days.iter().enumerate() {
        let Some(b) = d.bands.get(id) else { continue };
        let total = b.measured_s();
        if total <= 0.0 {
            continue;
        }
        let mut y = bottom;
        for (class, part) in [("fill-ok", b.ok_s), ("fill-warn", b.warn_s), ("fill-risk", b.risk_s)] {
            let h = part / total * (bottom - top);
            y -= h;
            let _ = write!(
                svg,
                r#"<rect class="{class}" x="{:.1}" y="{y:.1}" width="{:.1}" height="{h:.1}"><title>{} {}: {:.0} %</title></rect>"#,
                left + i as f64 * slot + slot * 0.1,
                (slot * 0.8).max(0.5),
                d.date,
                class.trim_start_matches("fill-"),
                part / total * 100.0
            );
        }
    }
}
