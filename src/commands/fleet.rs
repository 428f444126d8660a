//! `ergoaudit fleet`: team mode on the team's PostgreSQL.

use std::process::ExitCode;

use anyhow::Result;
use ergoaudit::fleet;

use crate::cli::{FleetAction, FleetArgs};

/// The longest role name taken (PostgreSQL's identifiers are at most 63 bytes).
const MAX_ROLE_BYTES: usize = 63;

/// Run `fleet`.
pub fn run(args: &FleetArgs) -> Result<ExitCode> {
    match &args.action {
        FleetAction::Init { db, push_role, report_role } => {
            for role in [push_role, report_role] {
                if role.is_empty() || role.len() > MAX_ROLE_BYTES || role.chars().any(char::is_control) {
                    anyhow::bail!(
                        "role name `{}`: give 1 to {MAX_ROLE_BYTES} bytes without control characters",
                        ergoaudit::escape::terminal(role)
                    );
                }
            }
            // parsed here, not by the argument parser, whose error would repeat the whole URL
            let db: fleet::DbUrl = db.parse()?;
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
    }
}
