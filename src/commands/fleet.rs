//! `ergoaudit fleet`: team mode on the team's PostgreSQL.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use ergoaudit::escape::terminal;
use ergoaudit::fleet::{self, DbUrl, push, render, report};

use super::report::{Written, write};
use crate::cli::{FleetAction, FleetArgs, ReportFormat, ThresholdFlags};
use crate::options::FleetReportOptions;
use ergoaudit::config::FleetSettings;

/// The longest role name taken (PostgreSQL's identifiers are at most 63 bytes).
const MAX_ROLE_BYTES: usize = 63;

/// Run `fleet`.
pub fn run(args: &FleetArgs, config: Option<&Path>) -> Result<ExitCode> {
    match &args.action {
        FleetAction::Init { db, push_role, report_role } => init(db, push_role, report_role),
        FleetAction::Push { db, to, site, department } => {
            let (history, url, settings) = target(db.as_deref(), to.as_deref(), config)?;
            let site = name("site", site.as_deref(), settings.site)?;
            let department = name("department", department.as_deref(), settings.department)?;
            let pushed = push::Push {
                history: &history,
                url: &url,
                site: &site,
                department: &department,
                now: jiff::Timestamp::now(),
                tz: ergoaudit::zone::local(),
            }
            .run()?;
            match (pushed.sent.first(), pushed.sent.last()) {
                (Some(first), Some(last)) => outln!(
                    "sent {} {} ({first} to {last}) to {url} as workstation {}; {} unchanged",
                    pushed.sent.len(),
                    if pushed.sent.len() == 1 { "day" } else { "days" },
                    pushed.workstation,
                    pushed.unchanged
                ),
                _ => outln!("nothing new to send to {url} (workstation {})", pushed.workstation),
            }
            Ok(ExitCode::SUCCESS)
        }
        FleetAction::Status { db, json } => status(&crate::options::db(db.as_deref())?, *json),
        FleetAction::Report { .. } => team_report(&FleetReportOptions::new(&args.action)?),
        FleetAction::Forget { db, to } => {
            let (history, url, _) = target(db.as_deref(), to.as_deref(), config)?;
            let days = push::forget(&history, &url)?;
            outln!(
                "deleted this workstation and its {days} {} from {url}; a later push starts afresh under a new id (remove [fleet] from the config file to stop the audit's own)",
                if days == 1 { "day" } else { "days" }
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `fleet init`.
fn init(db: &str, push_role: &str, report_role: &str) -> Result<ExitCode> {
    for role in [push_role, report_role] {
        if role.is_empty() || role.len() > MAX_ROLE_BYTES || role.chars().any(char::is_control) {
            anyhow::bail!(
                "role name `{}`: give 1 to {MAX_ROLE_BYTES} bytes without control characters",
                terminal(role)
            );
        }
    }
    // parsed here, not by the argument parser, whose error would repeat the whole URL
    let db: DbUrl = db.parse()?;
    let mut client = fleet::connect(&db)?;
    let done = fleet::schema::migrate(&mut client)?;
    // what was done, as a comment of the SQL printed
    if done.from == done.to {
        outln!("-- the team's database is at schema version {} already", done.to);
    } else {
        outln!("-- the team's database went from schema version {} to {}", done.from, done.to);
    }
    outln!("{}", fleet::schema::roles_sql(&db.dbname, push_role, report_role).trim_end());
    Ok(ExitCode::SUCCESS)
}

/// The local history (`--db`, else the default one), the team's database (`--to`, else
/// `[fleet] url`) and the rest of `[fleet]`.
fn target(
    db: Option<&Path>,
    to: Option<&str>,
    config: Option<&Path>,
) -> Result<(PathBuf, DbUrl, FleetSettings)> {
    let history = crate::options::db(db)?;
    let mut settings = crate::options::settings(config, &ThresholdFlags::default())?.fleet;
    let url = match to {
        // parsed here, not by the argument parser, whose error would repeat the whole URL
        Some(text) => text.parse()?,
        None => settings
            .url
            .take()
            .context("give the team's database with --to URL, or set url in [fleet] of the config file")?,
    };
    Ok((history, url, settings))
}

/// A site or department name: the flag, else the config file's (the push checks it).
fn name(what: &str, flag: Option<&str>, configured: Option<String>) -> Result<String> {
    match flag {
        Some(name) => Ok(name.to_owned()),
        None => configured.with_context(|| {
            format!("give the workstation's {what} with --{what} NAME, or set {what} in [fleet] of the config file")
        }),
    }
}

/// `fleet report`: the team's, or this workstation's own days.
fn team_report(o: &FleetReportOptions) -> Result<ExitCode> {
    let text = match &o.workstation {
        Some((id, history)) => {
            let own = push::Ledger::of(history)?.workstation.to_string();
            if own != *id {
                anyhow::bail!(
                    "--workstation {}: this workstation's id is {own} (`fleet status` shows it); another's days are not shown",
                    terminal(id)
                );
            }
            let r = report::own_report(&mut fleet::connect(&o.url)?, &own, &o.query)?;
            match o.format {
                ReportFormat::Html => render::own_html(&r),
                ReportFormat::Md => render::own_markdown(&r),
                ReportFormat::Json => serde_json::to_string_pretty(&r)? + "\n",
            }
        }
        None => {
            let r = report::team_report(&mut fleet::connect(&o.url)?, &o.query)?;
            match o.format {
                ReportFormat::Html => render::html(&r),
                ReportFormat::Md => render::markdown(&r),
                ReportFormat::Json => serde_json::to_string_pretty(&r)? + "\n",
            }
        }
    };
    let what = Written { name: "team report", is_ours: render::is_team_report };
    write(&text, o.output.as_deref(), o.force, &what)?;
    Ok(ExitCode::SUCCESS)
}

/// `fleet status`: the ledger, as text or JSON.
fn status(history: &Path, json: bool) -> Result<ExitCode> {
    let path = push::ledger_path(history);
    let Some(ledger) = push::Ledger::read(&path)? else {
        outln!("nothing sent from this workstation (no ledger {})", ergoaudit::escape::path(&path));
        return Ok(ExitCode::SUCCESS);
    };
    if json {
        outln!("{}", serde_json::to_string_pretty(&ledger)?);
        return Ok(ExitCode::SUCCESS);
    }
    let tz = ergoaudit::zone::local();
    let when = |at: jiff::Timestamp| at.to_zoned(tz.clone()).strftime("%Y-%m-%d %H:%M").to_string();
    outln!("workstation {}", ledger.workstation);
    match &ledger.to {
        Some(to) => outln!("sends to {}", terminal(to)),
        None => outln!("has sent nothing yet"),
    }
    match ledger.last_push {
        Some(at) => outln!("last push: {}", when(at)),
        None => outln!("last push: none"),
    }
    if let (Some(at), Some(why)) = (ledger.last_attempt, &ledger.last_error) {
        outln!("last attempt failed at {}: {}", when(at), terminal(why));
    }
    outln!("{} days sent", ledger.sent.len());
    if !ledger.sent.is_empty() {
        outln!("day         sent at");
        for (date, sent) in &ledger.sent {
            outln!("{date}  {}", when(sent.at));
        }
    }
    Ok(ExitCode::SUCCESS)
}
