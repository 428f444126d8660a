//! `ergoaudit status`, `pause` and `resume`: a running audit, seen and steered from another
//! process through its data folder (the database's lock, the pause file), never a socket.

use std::process::ExitCode;

use anyhow::Result;
use ergoaudit::audit::{PauseFile, PauseRequest};
use ergoaudit::escape;
use ergoaudit::report::status::StatusInput;
use ergoaudit::report::{self, Period};
use ergoaudit::store::{Store, StoreError};
use ergoaudit::thresholds::Thresholds;

use crate::cli::{PauseArgs, ResumeArgs, StatusArgs};
use crate::options;

/// Run `status`: reads the lock, the pause file and the database (as a reader, without the
/// page check), writes nothing.
pub fn status(args: &StatusArgs) -> Result<ExitCode> {
    let db = options::db(args.db.as_deref())?;
    let now = jiff::Timestamp::now();
    let tz = jiff::tz::TimeZone::system();
    let recording = Store::is_recording(&db)?;
    let pause = PauseFile::of(&db).active(now)?;
    // an audit that is just starting may not have made its tables yet
    let store = match Store::open_glance(&db, recording) {
        Ok(store) => Some(store),
        Err(StoreError::Missing(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let latest = match &store {
        Some(s) => s.latest_session()?,
        None => None,
    };
    let session = match (&store, latest) {
        (Some(store), Some(id)) => store.sessions_by_id(&[id])?.pop(),
        _ => None,
    };
    // the latest session's thresholds judge today's figures too
    let thresholds = session
        .as_ref()
        .map_or_else(Thresholds::default, |s| Thresholds::from_stored(&s.setup.thresholds_json).0);
    let (mut last, mut findings, mut today) = (None, Vec::new(), None);
    if let (Some(store), Some(id)) = (&store, latest) {
        last = store.last_sample(id)?;
        // a finding is open only while its audit records
        if recording {
            findings = store.findings(&[id])?;
        }
        let midnight = now.to_zoned(tz.clone()).start_of_day()?.timestamp();
        let ids = store.sessions_touching(midnight)?;
        let sessions = store.sessions_by_id(&ids)?;
        today = report::days(
            &report::Input {
                kind: "history",
                sessions: &sessions,
                samples: &store.samples_since(&sessions, midnight)?,
                findings: &[],
                breaks: &store.breaks(&ids)?,
                pauses: &store.pauses(&ids)?,
                period: None,
                thresholds: &thresholds,
                now,
            },
            &Period { from: midnight, to: now, tz: tz.clone() },
        )
        .pop();
    }
    let db_text = db.display().to_string();
    let input = StatusInput {
        db: &db_text,
        recording,
        pause,
        session: session.as_ref(),
        last: last.as_ref(),
        findings: &findings,
        today: today.as_ref(),
        thresholds: &thresholds,
        now,
        tz: &tz,
    };
    if args.json {
        println!("{}", serde_json::to_string(&input.bar())?);
    } else {
        for line in input.lines(|s| escape::terminal(s).into_owned()) {
            println!("{line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Run `pause`: writes the pause file; says whether an audit is there to honour it.
pub fn pause(args: &PauseArgs) -> Result<ExitCode> {
    let db = options::db(args.db.as_deref())?;
    let now = jiff::Timestamp::now();
    let until = args.duration.map(|d| now.checked_add(d)).transpose()?;
    PauseFile::of(&db).write(&PauseRequest { since: now, until })?;
    let when = match until {
        Some(u) => format!("until {}", u.to_zoned(jiff::tz::TimeZone::system()).strftime("%H:%M")),
        None => "until `ergoaudit resume`".to_owned(),
    };
    if Store::is_recording(&db)? {
        println!(
            "paused {when}: the camera is closed and nothing is recorded; `ergoaudit resume` ends it sooner"
        );
    } else {
        println!("no audit is recording into {}; one started {when} begins paused", escape::path(&db));
    }
    Ok(ExitCode::SUCCESS)
}

/// Run `resume`: removes the pause file.
pub fn resume(args: &ResumeArgs) -> Result<ExitCode> {
    let db = options::db(args.db.as_deref())?;
    let was = PauseFile::of(&db).remove(jiff::Timestamp::now())?;
    let recording = Store::is_recording(&db)?;
    println!(
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
