//! A synthetic team, for the scale benchmark and the tests: workstations spread over sites
//! and departments, each pushing its days through `ergoaudit.push` as a real workstation
//! would, with figures drawn from a seeded generator (the same seed, the same team).

use jiff::civil::Date;

use super::error::{FleetError, why};

/// A group of workstations: its site, its department, how many.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// The site.
    pub site: String,
    /// The department.
    pub department: String,
    /// Workstations.
    pub workstations: usize,
}

/// The workstation ids are `00000000-…-{seed}{n}`: this seed's.
fn id(seed: u64, n: usize) -> uuid::Uuid {
    uuid::Uuid::from_u64_pair(seed, n as u64 + 1)
}

/// A small, seeded generator (SplitMix64).
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// One day's figures as `ergoaudit.push` takes them: a working day of 4 to 8 hours present,
/// its time spread over the bands, breaks, holds and scores to match.
fn day(draw: &mut Draw, date: Date) -> serde_json::Value {
    let present_s = (4.0 + 4.0 * draw.unit()) * 3600.0;
    let samples = (present_s / 5.0).round() as i64;
    let bands: Vec<serde_json::Value> = ["cva_deg", "head_forward_cm", "shoulder_rounding_deg"]
        .iter()
        .map(|m| {
            let (warn, risk) = (0.3 * draw.unit(), 0.15 * draw.unit());
            serde_json::json!({
                "measure": m,
                "ok_s": present_s * (0.95 - warn - risk),
                "warn_s": present_s * warn,
                "risk_s": present_s * risk,
                "unknown_s": present_s * 0.05,
            })
        })
        .collect();
    let due = (present_s / 2700.0).floor() as i64;
    let scored = samples * 9 / 10;
    let high = (scored as f64 * 0.3 * draw.unit()) as i64;
    serde_json::json!({
        "day": date.to_string(),
        "present_s": present_s,
        "away_s": 2400.0 * draw.unit(),
        "paused_s": 600.0 * draw.unit(),
        "locked_s": 1800.0 * draw.unit(),
        "call_s": 3600.0 * draw.unit(),
        "breaks_taken": (due as f64 * draw.unit()).round() as i64,
        "breaks_due": due,
        "longest_sitting_min": 20.0 + 100.0 * draw.unit(),
        "holds": (6.0 * draw.unit()) as i64,
        "hold_s": 900.0 * draw.unit(),
        "samples": samples,
        "samples_seen": scored,
        "gaps": (3.0 * draw.unit()) as i64,
        "rula": [0, 0, scored - high, 0, high, 0, 0],
        "bands": bands,
    })
}

/// Push `days` days ending `until` for every workstation of `groups`, through
/// `ergoaudit.push`, one call per workstation (as a workstation's first push); `each` hears
/// of every workstation pushed. The days pushed.
pub fn generate(
    client: &mut postgres::Client,
    groups: &[Group],
    days: usize,
    until: Date,
    seed: u64,
    mut each: impl FnMut(usize),
) -> Result<usize, FleetError> {
    let mut draw = Draw(seed);
    let statement = client
        .prepare("SELECT ergoaudit.push($1::text::uuid, $2::text, $3::text, $4::text::jsonb)")
        .map_err(|e| FleetError::Sql { what: "prepare the push", why: why(&e) })?;
    let mut n = 0;
    let mut pushed = 0;
    for g in groups {
        for _ in 0..g.workstations {
            let dates = (0..days)
                .rev()
                .filter_map(|back| until.checked_sub(jiff::Span::new().days(back as i64)).ok());
            let payload: Vec<serde_json::Value> = dates.map(|date| day(&mut draw, date)).collect();
            pushed += payload.len();
            let payload = serde_json::Value::Array(payload).to_string();
            client
                .execute(&statement, &[&id(seed, n).to_string(), &g.site, &g.department, &payload])
                .map_err(|e| FleetError::Sql { what: "push the days", why: why(&e) })?;
            n += 1;
            each(n);
        }
    }
    Ok(pushed)
}
