//! `ergoaudit status`, `pause` and `resume`: a running audit, seen and steered from another
//! process — over the session bus when it answers there (`ergoaudit::control`), else through
//! its data folder (the database's lock, the pause file); both end in the same pause file.

use std::process::ExitCode;

use anyhow::Result;
use ergoaudit::audit::{PauseFile, PauseRequest};
use ergoaudit::control::Client;
use ergoaudit::escape;
use ergoaudit::report::status::Status;
use ergoaudit::store::Store;

use crate::cli::{PauseArgs, ResumeArgs, StatusArgs};
use crate::options;

/// Run `status`: reads the lock, the pause file and the database, writes nothing.
pub fn status(args: &StatusArgs) -> Result<ExitCode> {
    let db = options::db(args.db.as_deref())?;
    if args.json
        && let Some(json) = Client::find(&db, None).and_then(|audit| audit.status().ok())
    {
        outln!("{json}");
        return Ok(ExitCode::SUCCESS);
    }
    let status = Status::read(&db, jiff::Timestamp::now(), ergoaudit::zone::local())?;
    if args.json {
        outln!("{}", serde_json::to_string(&status.bar())?);
    } else {
        for line in status.lines(|s| escape::terminal(s).into_owned()) {
            outln!("{line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Run `pause`: writes the pause file; says whether an audit is there to honour it.
pub fn pause(args: &PauseArgs) -> Result<ExitCode> {
    let db = options::db(args.db.as_deref())?;
    let now = jiff::Timestamp::now();
    let until = args.duration.map(|d| now.checked_add(d)).transpose()?;
    match Client::find(&db, None) {
        // the running audit pauses itself (writing the same pause file)
        Some(audit) => audit
            .pause(args.duration.map_or(0, |d| d.as_secs().unsigned_abs().max(1)))
            .map_err(|e| anyhow::anyhow!("the audit did not pause: {e}"))?,
        None => PauseFile::of(&db).write(&PauseRequest { since: now, until })?,
    }
    let when = match until {
        Some(u) => format!("until {}", clock_or_date(u, now)),
        None => "until `ergoaudit resume`".to_owned(),
    };
    if Store::is_recording(&db)? {
        outln!(
            "paused {when}: the camera is closed and nothing is recorded; `ergoaudit resume` ends it sooner"
        );
    } else {
        outln!(
            "no audit is recording into {}; one started before the pause ends begins paused ({when})",
            escape::path(&db)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `at` as local time of day (`10:24`), with its date when it is not today's
/// (`Mon 7 Dec 10:24`).
fn clock_or_date(at: jiff::Timestamp, now: jiff::Timestamp) -> String {
    let tz = ergoaudit::zone::local();
    let (at, now) = (at.to_zoned(tz.clone()), now.to_zoned(tz));
    let format = if at.date() == now.date() { "%H:%M" } else { "%a %-d %b %H:%M" };
    at.strftime(format).to_string()
}

/// Run `resume`: removes the pause file.
pub fn resume(args: &ResumeArgs) -> Result<ExitCode> {
    let db = options::db(args.db.as_deref())?;
    let now = jiff::Timestamp::now();
    let was = match Client::find(&db, None) {
        Some(audit) => {
            let was = PauseFile::of(&db).active(now)?.is_some();
            audit.resume().map_err(|e| anyhow::anyhow!("the audit did not resume: {e}"))?;
            was
        }
        None => PauseFile::of(&db).remove(now)?,
    };
    let recording = Store::is_recording(&db)?;
    outln!(
        "{}",
        match (was, recording) {
            (true, true) => "resumed: the audit samples again".to_owned(),
            (false, true) => "the audit was not paused".to_owned(),
            (true, false) => format!("pause lifted; no audit is recording into {}", escape::path(&db)),
            (false, false) =>
                format!("nothing to resume: no pause, and no audit recording into {}", escape::path(&db)),
        }
    );
    Ok(ExitCode::SUCCESS)
}
