//! The team report: the team's picture by site and department, computed in the team's
//! database by `ergoaudit.groups` and `ergoaudit.weeks`, which apply the privacy floor
//! themselves (only aggregates leave the server); and a workstation's own days, for whoever
//! holds its id.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::Serialize;

use super::error::{FleetError, why};

/// The team report's JSON schema.
pub const SCHEMA: &str = "ergoaudit-team-report/1";

/// The smallest group shown: the floor, which no setting lowers.
pub const MIN_GROUP: i32 = 5;

/// The measures whose bands the team's figures keep, in the order `ergoaudit.groups` gives
/// them.
const MEASURES: [&str; 3] = ["cva_deg", "head_forward_cm", "shoulder_rounding_deg"];

/// What to report on.
#[derive(Clone, Debug)]
pub struct TeamQuery {
    /// The first day.
    pub since: Date,
    /// The last day.
    pub until: Date,
    /// One site only.
    pub site: Option<String>,
    /// The smallest group shown (at least [`MIN_GROUP`]).
    pub min_group: i32,
    /// When it is made (RFC 3339), for the report's header.
    pub generated_at: String,
}

/// The team report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TeamReport {
    /// Schema version.
    pub schema: &'static str,
    /// When it was made.
    pub generated_at: String,
    /// The first day.
    pub since: String,
    /// The last day.
    pub until: String,
    /// The site reported on, if one.
    pub site: Option<String>,
    /// The smallest group shown.
    pub min_group: i32,
    /// The whole team (absent for one site, or with too few workstations to show).
    pub team: Option<Group>,
    /// Whether some sites are not shown (too few workstations, or they would let one be
    /// derived).
    pub sites_hidden: bool,
    /// The sites shown.
    pub sites: Vec<Site>,
    /// The trend by week: shares and rates, weeks with too few workstations left out.
    pub weeks: Vec<Week>,
}

/// A site, and its departments shown.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Site {
    /// The site's figures.
    pub figures: Group,
    /// Whether some of its departments are not shown.
    pub departments_hidden: bool,
    /// Its departments shown.
    pub departments: Vec<Group>,
}

/// The figures of a group of workstations over the period.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Group {
    /// The site's or department's name (`team` for the whole team).
    pub name: String,
    /// Workstations (each counted in the site and department it last pushed under).
    pub workstations: i32,
    /// Days pushed.
    pub workstation_days: i32,
    /// Hours present at the desk.
    pub present_h: f64,
    /// Hours audited with nobody at the desk.
    pub away_h: f64,
    /// Hours paused.
    pub paused_h: f64,
    /// Hours with the screen locked or the machine asleep.
    pub locked_h: f64,
    /// Hours in calls.
    pub call_h: f64,
    /// Per measure: the share of measured time in each band, and the hours without a judged
    /// value.
    pub bands: BTreeMap<&'static str, Shares>,
    /// Breaks taken.
    pub breaks_taken: i64,
    /// Breaks the rule asked for.
    pub breaks_due: i64,
    /// Static holds.
    pub holds: i64,
    /// Their time, minutes.
    pub hold_min: f64,
    /// Static holds per 8 hours present.
    pub holds_per_8h: Option<f64>,
    /// The RULA-style scores 1–7: each one's share of the scored samples.
    pub rula: [f64; 7],
    /// Data quality: the share of samples with the person seen.
    pub seen: Option<f64>,
    /// Data quality: gaps per workstation-day.
    pub gaps_per_day: f64,
}

/// One measure's time by band.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Shares {
    /// Hours with a judged value.
    pub measured_h: f64,
    /// Share of them in the comfortable range.
    pub ok: Option<f64>,
    /// Beyond warn.
    pub warn: Option<f64>,
    /// Beyond risk.
    pub risk: Option<f64>,
    /// Hours present without a judged value.
    pub unknown_h: f64,
}

/// One week of the trend.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Week {
    /// Its Monday.
    pub week: String,
    /// Workstations that pushed that week.
    pub workstations: i32,
    /// Hours present per workstation-day.
    pub present_h_per_day: Option<f64>,
    /// The share of measured time with the craniovertebral angle in its risk band.
    pub cva_risk: Option<f64>,
    /// In its warn band.
    pub cva_warn: Option<f64>,
    /// The share with the head forward in its risk band.
    pub head_forward_risk: Option<f64>,
    /// In its warn band.
    pub head_forward_warn: Option<f64>,
    /// Breaks taken per break due.
    pub breaks_per_due: Option<f64>,
    /// Static holds per hour present.
    pub holds_per_hour: Option<f64>,
}

/// The bands as `ergoaudit.groups` and `ergoaudit.workstation_days` give them (ok, warn, risk
/// and unknown seconds of each of [`MEASURES`] in turn) as shares.
fn shares_of(bands: &[f64]) -> BTreeMap<&'static str, Shares> {
    MEASURES
        .iter()
        .enumerate()
        .map(|(i, &m)| {
            let b = |k: usize| bands.get(i * 4 + k).copied().unwrap_or(0.0);
            let measured = b(0) + b(1) + b(2);
            let shares = Shares {
                measured_h: measured / 3600.0,
                ok: share(b(0), measured),
                warn: share(b(1), measured),
                risk: share(b(2), measured),
                unknown_h: b(3) / 3600.0,
            };
            (m, shares)
        })
        .collect()
}

/// `part / whole`, when there is a whole.
fn share(part: f64, whole: f64) -> Option<f64> {
    (whole > 0.0).then(|| part / whole)
}

impl Group {
    fn from_row(row: &postgres::Row) -> Result<(String, Option<String>, Group), FleetError> {
        let level: String = col(row, 0)?;
        let (site, department): (Option<String>, Option<String>) = (col(row, 1)?, col(row, 2)?);
        let f = |i: usize| -> Result<f64, FleetError> { Ok(col::<Option<f64>>(row, i)?.unwrap_or(0.0)) };
        let n = |i: usize| -> Result<i64, FleetError> { Ok(col::<Option<i64>>(row, i)?.unwrap_or(0)) };
        let days: i32 = col(row, 4)?;
        let rula: Vec<Option<i64>> = col(row, 17)?;
        let rula: Vec<f64> = rula.iter().map(|r| r.unwrap_or(0) as f64).collect();
        let scored: f64 = rula.iter().sum();
        let bands: Vec<f64> = col(row, 18)?;
        let present_s = f(5)?;
        let (samples, seen, holds) = (n(14)?, n(15)?, n(12)?);
        let name = department.or_else(|| site.clone()).unwrap_or_else(|| "team".to_owned());
        let group = Group {
            name,
            workstations: col(row, 3)?,
            workstation_days: days,
            present_h: present_s / 3600.0,
            away_h: f(6)? / 3600.0,
            paused_h: f(7)? / 3600.0,
            locked_h: f(8)? / 3600.0,
            call_h: f(9)? / 3600.0,
            bands: shares_of(&bands),
            breaks_taken: n(10)?,
            breaks_due: n(11)?,
            holds,
            hold_min: f(13)? / 60.0,
            holds_per_8h: share(holds as f64 * 8.0 * 3600.0, present_s),
            rula: std::array::from_fn(|k| share(rula.get(k).copied().unwrap_or(0.0), scored).unwrap_or(0.0)),
            seen: share(seen as f64, samples as f64),
            gaps_per_day: if days > 0 { n(16)? as f64 / f64::from(days) } else { 0.0 },
        };
        Ok((level, site, group))
    }
}

/// Column `i` of `row`: a server whose functions answer otherwise than this build expects is
/// an error, not a crash.
fn col<'a, T: postgres::types::FromSql<'a>>(row: &'a postgres::Row, i: usize) -> Result<T, FleetError> {
    row.try_get(i).map_err(|e| FleetError::Sql { what: "read the team's figures", why: why(&e) })
}

/// Make the team report from the team's database: the groups and weeks that the privacy
/// floor lets through, nothing else read.
pub fn team_report(client: &mut postgres::Client, q: &TeamQuery) -> Result<TeamReport, FleetError> {
    let sql = |what| move |e: postgres::Error| FleetError::Sql { what, why: why(&e) };
    let (since, until) = (q.since.to_string(), q.until.to_string());
    let k = q.min_group.max(MIN_GROUP);
    let mut tx = client.transaction().map_err(sql("begin"))?;
    let rows = tx
        .query(
            "SELECT * FROM ergoaudit.groups($1::text::date, $2::text::date, $3::text, $4::integer)",
            &[&since, &until, &q.site, &k],
        )
        .map_err(sql("read the team's groups"))?;
    let mut team = None;
    let mut sites: Vec<Site> = Vec::new();
    for row in &rows {
        let (level, site, group) = Group::from_row(row)?;
        match level.as_str() {
            "team" => team = Some(group),
            "site" => sites.push(Site { figures: group, departments_hidden: false, departments: Vec::new() }),
            _ => {
                if let Some(s) = sites.iter_mut().find(|s| Some(&s.figures.name) == site.as_ref()) {
                    s.departments.push(group);
                }
            }
        }
    }
    for s in &mut sites {
        let shown: i32 = s.departments.iter().map(|d| d.workstations).sum();
        s.departments_hidden = shown < s.figures.workstations;
    }
    let shown: i32 = sites.iter().map(|s| s.figures.workstations).sum();
    let sites_hidden = team.as_ref().is_some_and(|t| shown < t.workstations);
    let weeks = tx
        .query(
            "SELECT week::text, workstations, present_h_per_day, cva_risk, cva_warn, head_forward_risk,
                 head_forward_warn, breaks_per_due, holds_per_hour
             FROM ergoaudit.weeks($1::text::date, $2::text::date, $3::text, $4::integer)",
            &[&since, &until, &q.site, &k],
        )
        .map_err(sql("read the team's weeks"))?
        .iter()
        .map(|r| {
            Ok(Week {
                week: col(r, 0)?,
                workstations: col(r, 1)?,
                present_h_per_day: col(r, 2)?,
                cva_risk: col(r, 3)?,
                cva_warn: col(r, 4)?,
                head_forward_risk: col(r, 5)?,
                head_forward_warn: col(r, 6)?,
                breaks_per_due: col(r, 7)?,
                holds_per_hour: col(r, 8)?,
            })
        })
        .collect::<Result<_, FleetError>>()?;
    tx.commit().map_err(sql("commit"))?;
    Ok(TeamReport {
        schema: SCHEMA,
        generated_at: q.generated_at.clone(),
        since,
        until,
        site: q.site.clone(),
        min_group: k,
        team,
        sites_hidden,
        sites,
        weeks,
    })
}

/// One day of a workstation's own figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OwnDay {
    /// The day.
    pub day: String,
    /// Its site.
    pub site: String,
    /// Its department.
    pub department: String,
    /// Hours present.
    pub present_h: f64,
    /// Breaks taken.
    pub breaks_taken: i32,
    /// Breaks due.
    pub breaks_due: i32,
    /// The longest sitting stretch, minutes.
    pub longest_sitting_min: f64,
    /// Static holds.
    pub holds: i32,
    /// Per measure: the share of measured time in each band.
    pub bands: BTreeMap<&'static str, Shares>,
}

/// A workstation's own days in the team's database, as `fleet report --workstation` shows
/// them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OwnReport {
    /// Schema version.
    pub schema: &'static str,
    /// When it was made.
    pub generated_at: String,
    /// The workstation.
    pub workstation: String,
    /// The first day.
    pub since: String,
    /// The last day.
    pub until: String,
    /// Its days.
    pub days: Vec<OwnDay>,
}

/// The days the team's database holds for `workstation`.
pub fn own_report(
    client: &mut postgres::Client,
    workstation: &str,
    q: &TeamQuery,
) -> Result<OwnReport, FleetError> {
    let (since, until) = (q.since.to_string(), q.until.to_string());
    let rows = client
        .query(
            "SELECT day::text, site, department, present_s, breaks_taken, breaks_due, longest_sitting_min, holds, bands
             FROM ergoaudit.workstation_days($1::text::uuid, $2::text::date, $3::text::date)",
            &[&workstation, &since, &until],
        )
        .map_err(|e| FleetError::Sql { what: "read the workstation's days", why: why(&e) })?;
    let days = rows
        .iter()
        .map(|r| {
            let bands: Vec<f64> = col(r, 8)?;
            Ok(OwnDay {
                day: col(r, 0)?,
                site: col(r, 1)?,
                department: col(r, 2)?,
                present_h: col::<f64>(r, 3)? / 3600.0,
                breaks_taken: col(r, 4)?,
                breaks_due: col(r, 5)?,
                longest_sitting_min: col(r, 6)?,
                holds: col(r, 7)?,
                bands: shares_of(&bands),
            })
        })
        .collect::<Result<_, FleetError>>()?;
    Ok(OwnReport {
        schema: "ergoaudit-workstation-report/1",
        generated_at: q.generated_at.clone(),
        workstation: workstation.to_owned(),
        since,
        until,
        days,
    })
}
