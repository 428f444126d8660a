//! `ergoaudit fleet` against a real PostgreSQL (Debian's, started by each test in a
//! temporary folder: `common::pg`): the central schema made once and kept, the roles it
//! prints doing what they say and no more, TLS, and the password never in a URL; the push of
//! a history's days (the report's figures, nothing else, only what changed), a server lost
//! midway, the background audit's own push, status and forget.

use crate::common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::pg::{ADMIN_PASSWORD, Postgres};
use common::{LIVENESS, ergoaudit, feed_and_wait, mkfifo, ok, seated_frame, std_command, stream};
use jiff::{Timestamp, ToSpan};
use serde_json::Value;
use tempfile::TempDir;

/// Run `cmd`, which must fail with exit 1 and one line on stderr: the line.
fn one_line_failure(cmd: &mut assert_cmd::Command) -> String {
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    stderr
}

#[test]
fn init_makes_the_schema_once_and_prints_roles_that_do_what_they_say() {
    let home = tempfile::tempdir().unwrap();
    let pg = Postgres::start();
    pg.psql("postgres", "CREATE DATABASE team");
    let url = pg.socket_url("admin", "team");
    let init = || {
        let out = ergoaudit(&home).args(["fleet", "init", "--db", &url]).output().unwrap();
        let (stdout, stderr) =
            (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap());
        assert!(out.status.success(), "{stderr}");
        (stdout, stderr)
    };
    let (roles, said) = init();
    assert!(roles.starts_with("-- the team's database went from schema version 0 to 2\n"), "{roles}");
    assert!(said.is_empty(), "{said}");
    // again: nothing to do, the same roles
    let (again, _) = init();
    assert!(again.starts_with("-- the team's database is at schema version 2 already\n"), "{again}");
    let body = |out: &str| out.lines().skip(1).collect::<Vec<_>>().join("\n");
    assert_eq!(body(&again), body(&roles));
    assert_eq!(
        pg.psql("team", "SELECT string_agg(version::text, ',' ORDER BY version) FROM ergoaudit.migrations")
            .trim(),
        "1,2"
    );
    // the administrator creates the roles as printed (with passwords of their own)
    pg.psql("team", &roles.replace("'choose one'", "'p1'").replace("'choose another'", "'p2'"));
    let ws = "'6f1c1a52-8d7e-4b8e-9c43-0e6a3c1d2b7f'";
    let day = r#"[{"day": "2026-12-01", "present_s": 3600, "paused_s": 0, "locked_s": 0, "call_s": 0,
        "breaks_taken": 1, "breaks_due": 1, "longest_sitting_min": 40, "holds": 0, "hold_s": 0,
        "samples": 720, "samples_seen": 700, "gaps": 0, "rula": [0, 0, 700, 0, 0, 0, 0],
        "bands": [{"measure": "cva_deg", "ok_s": 3000, "warn_s": 500, "risk_s": 100, "unknown_s": 0}]}]"#;
    let pushed = |present: u32| {
        format!(
            "SELECT ergoaudit.push({ws}, 'Lyon', 'Finance', $j${}$j$)",
            day.replace("3600", &present.to_string())
        )
    };
    // the pushing role adds a workstation and its day, and replaces it, through the function
    // only; it reads nothing, writes nothing directly and deletes nothing but its own
    // workstation, through the function
    let push = |sql: &str| pg.psql_as("ergoaudit_push", "team", sql);
    assert_eq!(push(&pushed(3600)).unwrap().trim(), "1");
    assert_eq!(push(&pushed(3700)).unwrap().trim(), "1");
    assert_eq!(
        pg.psql("team", "SELECT count(*) || ' ' || max(present_s) FROM ergoaudit.days").trim(),
        "1 3700"
    );
    assert_eq!(pg.psql("team", "SELECT ok_s || ' ' || warn_s FROM ergoaudit.day_bands").trim(), "3000 500");
    for denied in [
        format!("INSERT INTO ergoaudit.workstations (id) VALUES ({ws})"),
        "UPDATE ergoaudit.days SET present_s = 0".to_owned(),
        "SELECT count(*) FROM ergoaudit.days".to_owned(),
        "DELETE FROM ergoaudit.days".to_owned(),
    ] {
        assert!(push(&denied).unwrap_err().contains("permission denied"), "{denied}");
    }
    // a day the table's checks refuse leaves nothing behind: the workstation neither
    let other = "'00000000-0000-4000-8000-000000000001'";
    let bad =
        format!("SELECT ergoaudit.push({other}, 'Lyon', 'Finance', $j${}$j$)", day.replace("3600", "-1"));
    assert!(push(&bad).unwrap_err().contains("check constraint"));
    assert_eq!(pg.psql("team", "SELECT count(*) FROM ergoaudit.workstations").trim(), "1");
    // the reading role reads, and changes nothing
    let report = |sql: &str| pg.psql_as("ergoaudit_report", "team", sql);
    assert_eq!(report("SELECT present_s FROM ergoaudit.days").unwrap().trim(), "3700");
    assert!(report("UPDATE ergoaudit.days SET present_s = 0").unwrap_err().contains("permission denied"));
    assert!(report(&format!("SELECT ergoaudit.forget({ws})")).unwrap_err().contains("permission denied"));
    assert_eq!(push(&format!("SELECT ergoaudit.forget({ws})")).unwrap().trim(), "1");
    assert_eq!(pg.psql("team", "SELECT count(*) FROM ergoaudit.days").trim(), "0", "forgotten with its days");
    // a role name is an identifier, quoted
    let out = ok(ergoaudit(&home).args(["fleet", "init", "--db", &url, "--push-role", "a\"b; DROP TABLE x"]));
    assert!(out.contains("CREATE ROLE \"a\"\"b; DROP TABLE x\" LOGIN"), "{out}");
}

#[test]
fn init_over_tls_takes_the_password_from_the_environment_or_pgpass_and_never_from_the_url() {
    let home = tempfile::tempdir().unwrap();
    let pg = Postgres::start();
    let init = |url: &str| {
        let mut cmd = ergoaudit(&home);
        cmd.args(["fleet", "init", "--db", url]);
        cmd
    };
    // encrypted, the password from the environment
    let require = pg.tcp_url("admin", "postgres", "sslmode=require");
    ok(init(&require).env("PGPASSWORD", ADMIN_PASSWORD));
    // the server's certificate checked against its authority, and its name
    let verify =
        pg.tcp_url("admin", "postgres", &format!("sslmode=verify-full&sslrootcert={}", pg.ca().display()));
    ok(init(&verify).env("PGPASSWORD", ADMIN_PASSWORD));
    // … which the system's authorities do not vouch for
    let unvouched = pg.tcp_url("admin", "postgres", "sslmode=verify-full");
    let e = one_line_failure(init(&unvouched).env("PGPASSWORD", ADMIN_PASSWORD));
    assert!(e.contains("cannot connect") && e.contains("certificate"), "{e}");
    // the password from a password file only its owner may read
    let pgpass = home.path().join("pgpass");
    std::fs::write(&pgpass, format!("127.0.0.1:{}:*:admin:{ADMIN_PASSWORD}\n", pg.port)).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    ok(init(&require).env("PGPASSFILE", &pgpass));
    // a wrong password: one line, which does not repeat it
    let e = one_line_failure(init(&require).env("PGPASSWORD", "not-the-Pa55word"));
    assert!(e.contains("cannot connect") && e.contains("admin") && !e.contains("not-the-Pa55word"), "{e}");
    // a password in the URL is refused before anything is sent
    let in_url = format!("postgresql://admin:{ADMIN_PASSWORD}@127.0.0.1:{}/postgres", pg.port);
    let e = one_line_failure(&mut init(&in_url));
    assert!(e.contains("PGPASSWORD or ~/.pgpass") && !e.contains(ADMIN_PASSWORD), "{e}");
    // nobody listening: one line
    let nowhere = "postgresql://admin@127.0.0.1:1/postgres?sslmode=disable";
    let e = one_line_failure(init(nowhere).env("PGPASSWORD", ADMIN_PASSWORD));
    assert!(e.contains("cannot connect to postgresql://admin@127.0.0.1:1/postgres"), "{e}");
}

/// The push role's password, as the administrator sets it.
const PUSH_PASSWORD: &str = "push-Pa55-word";

/// A database `team` made by `fleet init`, with the two roles as it prints them.
fn team(home: &TempDir, pg: &Postgres) {
    pg.psql("postgres", "CREATE DATABASE team");
    let roles = ok(ergoaudit(home).args(["fleet", "init", "--db", &pg.socket_url("admin", "team")]));
    pg.psql(
        "team",
        &roles.replace("'choose one'", &format!("'{PUSH_PASSWORD}'")).replace("'choose another'", "'r'"),
    );
}

/// ergoaudit in UTC (the days are UTC days), the push role's password in its environment.
fn utc(home: &TempDir) -> assert_cmd::Command {
    let mut cmd = ergoaudit(home);
    cmd.env("TZ", "UTC").env("PGPASSWORD", PUSH_PASSWORD);
    cmd
}

/// The head lowered by this much: a CVA in the warn band (as `trends` measures).
const LOWERED: f64 = 20.0;

/// Audit `lines` into `db` as recorded at `at`.
fn audit(home: &TempDir, db: &Path, lines: &[String], at: Timestamp) {
    let file = home.path().join("day.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    ok(utc(home)
        .args(["audit", "--no-notify", "--recorded-at", &at.to_string(), "--landmarks"])
        .arg(&file)
        .arg("--db")
        .arg(db));
}

/// A history in `db`, calibrated upright: three days ago 25 min upright and 25 min lowered,
/// yesterday 20 min upright.
fn history(home: &TempDir, db: &Path) {
    let calibration = home.path().join("calibrate.jsonl");
    std::fs::write(&calibration, stream(0.0, 60.0, 5.0, |t| seated_frame(t, 0.0)).join("\n") + "\n").unwrap();
    ok(utc(home).args(["calibrate", "--landmarks"]).arg(&calibration));
    let mut d3 = stream(0.0, 1500.0, 5.0, |t| seated_frame(t, 0.0));
    d3.extend(stream(1500.0, 3000.0, 5.0, |t| seated_frame(t, LOWERED)));
    audit(home, db, &d3, at(3, 9, 0));
    audit(home, db, &stream(0.0, 1200.0, 5.0, |t| seated_frame(t, 0.0)), at(1, 14, 0));
}

/// `back` days ago at `h`:`m` UTC.
fn at(back: i32, h: i8, m: i8) -> Timestamp {
    let day = Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date().checked_sub(back.days()).unwrap();
    day.at(h, m, 0, 0).to_zoned(jiff::tz::TimeZone::UTC).unwrap().timestamp()
}

/// The days' figures as the central tables hold them, one line per day and per band.
fn central(pg: &Postgres) -> Vec<String> {
    pg.psql(
        "team",
        "SELECT day || ' ' || present_s || ' ' || breaks_taken || '/' || breaks_due || ' '
             || round(longest_sitting_min * 60) || ' ' || samples || '/' || samples_present || ' '
             || gaps || ' ' || holds || ' ' || array_to_string(rula, ',')
         FROM ergoaudit.days ORDER BY day;
         SELECT day || ' ' || measure || ' ' || ok_s || '/' || warn_s || '/' || risk_s || '/' || unknown_s
         FROM ergoaudit.day_bands ORDER BY day, measure",
    )
    .lines()
    .map(str::to_owned)
    .collect()
}

/// The same lines from the report's days that have samples.
fn reported(home: &TempDir, db: &Path) -> Vec<String> {
    let out = ok(utc(home).args(["report", "--since", "7d", "--format", "json", "--db"]).arg(db));
    let report: Value = serde_json::from_str(&out).unwrap();
    let days: Vec<&Value> = report["days"].as_array().unwrap().iter().filter(|d| d["samples"] != 0).collect();
    let n = |v: &Value| v.as_f64().unwrap();
    let mut lines: Vec<String> = days
        .iter()
        .map(|d| {
            let rula: Vec<String> = d["rula"].as_array().unwrap().iter().map(ToString::to_string).collect();
            format!(
                "{} {} {}/{} {} {}/{} {} {} {}",
                d["date"].as_str().unwrap(),
                n(&d["present_s"]),
                d["breaks_taken"],
                d["breaks_due"],
                (n(&d["longest_sitting_min"]) * 60.0).round(),
                d["samples"],
                d["samples_seen"],
                d["gaps"],
                d["holds"],
                rula.join(",")
            )
        })
        .collect();
    for d in &days {
        for m in ["cva_deg", "head_forward_cm", "shoulder_rounding_deg"] {
            let b = &d["bands"][m];
            let s = |k: &str| b.get(k).map_or(0.0, n);
            lines.push(format!(
                "{} {m} {}/{}/{}/{}",
                d["date"].as_str().unwrap(),
                s("ok_s"),
                s("warn_s"),
                s("risk_s"),
                s("no_value_s") + s("estimate_s")
            ));
        }
    }
    lines
}

/// A site and a department with quotes, SQL, markup, a new line and a right-to-left mark.
const SITE: &str = "Lyon \"HQ\" <b>&amp;</b>'; DROP TABLE ergoaudit.days; --";
const DEPARTMENT: &str = "Fin\nance ${x} \u{202e}";

#[test]
fn push_sends_the_report_s_day_figures_once_and_only_what_changed_and_nothing_else() {
    let home = tempfile::tempdir().unwrap();
    let pg = Postgres::start();
    team(&home, &pg);
    let db = home.path().join("history.sqlite");
    history(&home, &db);
    pg.log_statements();
    let url = pg.tcp_url("ergoaudit_push", "team", "sslmode=require");
    let push = || {
        ok(utc(&home)
            .args(["fleet", "push", "--to", &url, "--site", SITE, "--department", DEPARTMENT, "--db"])
            .arg(&db))
    };
    let said = push();
    let (d3, d1, d0) = (
        at(3, 0, 0).to_string()[..10].to_owned(),
        at(1, 0, 0).to_string()[..10].to_owned(),
        at(0, 0, 0).to_string()[..10].to_owned(),
    );
    assert!(said.starts_with(&format!("sent 2 days ({d3} to {d1}) to {url} as workstation ")), "{said}");
    // the central figures are the report's, to the second
    let sent = central(&pg);
    assert_eq!(sent, reported(&home, &db));
    assert_eq!(sent.len(), 2 + 2 * 3);
    // the lowered half hour is in the warn band; 50 minutes ask for a break
    // (and the lowered half hour is a static hold; every sample scores 3)
    assert_eq!(sent[0], format!("{d3} 3000 0/1 2995 600/600 0 1 0,0,600,0,0,0,0"));
    assert!(sent.contains(&format!("{d3} cva_deg 1500/1500/0/0")), "{sent:?}");
    // the names arrive as they were written, as parameters
    let named = format!(
        "SELECT count(*) FROM ergoaudit.days WHERE site = $q${SITE}$q$ AND department = $q${DEPARTMENT}$q$"
    );
    assert_eq!(pg.psql("team", &named).trim(), "2");

    // what travelled: the workstation's id, the two names and the day figures, nothing else
    let status: Value =
        serde_json::from_str(&ok(utc(&home).args(["fleet", "status", "--json", "--db"]).arg(&db))).unwrap();
    let id = status["workstation"].as_str().unwrap().to_owned();
    let log = pg.log();
    let params = &log[log.rfind("parameters: $1 = ").expect("the push's parameters logged")..];
    let params = &params[..params.find("\n20").unwrap_or(params.len())];
    assert!(params.starts_with(&format!("parameters: $1 = '{id}', $2 = '")), "{params}");
    let json = &params[params.find("$4 = '").unwrap() + 6..params.trim_end().len() - 1];
    let days: Value = serde_json::from_str(json).unwrap();
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>().join(" ");
    for day in days.as_array().unwrap() {
        assert_eq!(
            keys(day),
            "bands breaks_due breaks_taken call_s day gaps hold_s holds locked_s longest_sitting_min paused_s present_s rula samples samples_seen"
        );
        for band in day["bands"].as_array().unwrap() {
            assert_eq!(keys(band), "measure ok_s risk_s unknown_s warn_s");
        }
    }
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let user = std::env::var("USER").unwrap_or_default();
    for private in [home.path().to_str().unwrap(), "sqlite", "default", hostname.trim(), &user] {
        assert!(private.len() < 3 || !params.contains(private), "{private} was sent: {params}");
    }

    // nothing changed: nothing travels
    let said = push();
    assert!(said == format!("nothing new to send to {url} (workstation {id})\n"), "{said}");
    // a new day: only it travels (yesterday is looked at again, and unchanged)
    audit(&home, &db, &stream(0.0, 600.0, 5.0, |t| seated_frame(t, 0.0)), at(0, 0, 5));
    let said = push();
    assert!(
        said.starts_with(&format!("sent 1 day ({d0} to {d0})")) && said.ends_with("; 1 unchanged\n"),
        "{said}"
    );
    assert_eq!(central(&pg), reported(&home, &db));
    let text = ok(utc(&home).args(["fleet", "status", "--db"]).arg(&db));
    assert!(
        text.starts_with(&format!("workstation {id}\nsends to 127.0.0.1:{}/team\nlast push: ", pg.port)),
        "{text}"
    );
    assert!(
        text.contains("3 days sent\n")
            && text.contains(&format!("\n{d3}  "))
            && text.contains(&format!("\n{d0}  ")),
        "{text}"
    );

    // forgotten: the rows are gone centrally, and a later push starts under a new id
    let said = ok(utc(&home).args(["fleet", "forget", "--to", &url, "--db"]).arg(&db));
    assert!(said.starts_with(&format!("deleted this workstation and its 3 days from {url}")), "{said}");
    assert_eq!(pg.psql("team", "SELECT count(*) FROM ergoaudit.workstations").trim(), "0");
    assert_eq!(pg.psql("team", "SELECT count(*) FROM ergoaudit.day_bands").trim(), "0");
    let status: Value =
        serde_json::from_str(&ok(utc(&home).args(["fleet", "status", "--json", "--db"]).arg(&db))).unwrap();
    assert_ne!(status["workstation"], id.as_str());
    assert_eq!(status["sent"].as_object().unwrap().len(), 0);
}

#[test]
fn a_server_lost_midway_through_a_push_leaves_no_day_behind_and_the_next_push_sends_them_all() {
    let home = tempfile::tempdir().unwrap();
    let pg = Postgres::start();
    team(&home, &pg);
    let db = home.path().join("history.sqlite");
    history(&home, &db);
    // the administrator holds the days table, so the push waits inside its statement
    let mut holder = std::process::Command::new("psql")
        .args(["-X", "-q", "-h"])
        .arg(pg.socket_dir())
        .args(["-p", &pg.port.to_string(), "-U", "admin", "-d", "team"])
        .args(["-c", "BEGIN; LOCK TABLE ergoaudit.days IN EXCLUSIVE MODE; SELECT pg_sleep(600)"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let url = pg.tcp_url("ergoaudit_push", "team", "sslmode=require");
    let push = || {
        let mut cmd = std_command(home.path());
        cmd.env("TZ", "UTC").env("PGPASSWORD", PUSH_PASSWORD);
        cmd.args(["fleet", "push", "--to", &url, "--site", "Lyon", "--department", "Finance", "--db"])
            .arg(&db);
        cmd
    };
    let waiting = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'ergoaudit' AND wait_event_type = 'Lock'";
    let pushing =
        push().stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    let deadline = Instant::now() + LIVENESS;
    while pg.psql("team", waiting).trim() != "1" {
        assert!(Instant::now() < deadline, "the push never reached the held table");
        std::thread::sleep(Duration::from_millis(50));
    }
    // the workstation's row is written, its days wait: the server goes away
    pg.stop();
    let out = pushing.wait_with_output().unwrap();
    let _ = holder.wait();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.lines().count() == 1 && stderr.contains("push the days"), "{stderr}");
    pg.start_again();
    assert_eq!(
        pg.psql("team", "SELECT count(*) FROM ergoaudit.workstations").trim(),
        "0",
        "nothing half-written"
    );
    assert_eq!(pg.psql("team", "SELECT count(*) FROM ergoaudit.days").trim(), "0");
    let status = ok(utc(&home).args(["fleet", "status", "--db"]).arg(&db));
    assert!(
        status.contains("last push: none\nlast attempt failed at ") && status.contains("0 days sent"),
        "{status}"
    );
    // the next push sends them all
    let out = push().output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("sent 2 days"));
    assert_eq!(pg.psql("team", "SELECT count(*) FROM ergoaudit.days").trim(), "2");
    assert!(!ok(utc(&home).args(["fleet", "status", "--db"]).arg(&db)).contains("failed"));
}

#[test]
fn the_background_audit_pushes_by_itself_and_a_failed_push_never_disturbs_it() {
    let home = tempfile::tempdir().unwrap();
    let pg = Postgres::start();
    team(&home, &pg);
    let config = home.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    let audits = std::cell::Cell::new(0);
    let audit = |db: &Path, url: &str| {
        std::fs::write(
            config.join("config.toml"),
            format!("[fleet]\nurl = \"{url}\"\nsite = \"Lyon\"\ndepartment = \"Fin\\\"ance\"\n"),
        )
        .unwrap();
        audits.set(audits.get() + 1);
        let fifo = home.path().join(format!("audit-{}.jsonl", audits.get()));
        mkfifo(&fifo);
        let log = std::fs::File::create(home.path().join(format!("audit-{}.log", audits.get()))).unwrap();
        let child = std_command(home.path())
            .env("PGPASSWORD", PUSH_PASSWORD)
            .args(["audit", "--no-notify", "--landmarks"])
            .arg(&fifo)
            .arg("--db")
            .arg(db)
            .stdout(std::process::Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let pipe = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
        (child, pipe)
    };
    let frames = |from: f64, to: f64| stream(from, to, 5.0, |t| seated_frame(t, 0.0));
    // nobody listens where the URL points: the push fails, the audit samples on
    let nowhere = home.path().join("nowhere.sqlite");
    let (mut child, mut pipe) =
        audit(&nowhere, "postgresql://ergoaudit_push@127.0.0.1:1/team?sslmode=disable");
    feed_and_wait(&home, &nowhere, &mut pipe, &frames(0.0, 30.0), 5);
    let ledger = nowhere.with_file_name("nowhere.sqlite.fleet.json");
    let deadline = Instant::now() + LIVENESS;
    while !std::fs::read_to_string(&ledger).unwrap_or_default().contains("last_error\": \"cannot connect") {
        assert!(Instant::now() < deadline, "the failed push is never noted");
        std::thread::sleep(Duration::from_millis(50));
    }
    feed_and_wait(&home, &nowhere, &mut pipe, &frames(30.0, 60.0), 11);
    drop(pipe);
    assert!(child.wait().unwrap().success());
    let said = std::fs::read_to_string(home.path().join("audit-1.log")).unwrap();
    assert!(
        said.contains("team push failed (cannot connect to postgresql://ergoaudit_push@127.0.0.1:1/team"),
        "{said}"
    );

    // the team's database answers: today's figures are there while the audit goes on
    let db = home.path().join("history.sqlite");
    let (mut child, mut pipe) = audit(&db, &pg.tcp_url("ergoaudit_push", "team", "sslmode=require"));
    feed_and_wait(&home, &db, &mut pipe, &frames(0.0, 30.0), 5);
    let deadline = Instant::now() + LIVENESS;
    while pg.psql("team", "SELECT count(*) FROM ergoaudit.days").trim() != "1" {
        assert!(Instant::now() < deadline, "the audit never pushed");
        std::thread::sleep(Duration::from_millis(50));
    }
    feed_and_wait(&home, &db, &mut pipe, &frames(30.0, 60.0), 11);
    drop(pipe);
    assert!(child.wait().unwrap().success());
    let row = pg.psql("team", "SELECT site || '|' || department || '|' || (samples > 0) FROM ergoaudit.days");
    assert_eq!(row.trim(), "Lyon|Fin\"ance|true");
    // once a day: the next audit today sends nothing
    let stamp = |p: &Path| {
        std::fs::metadata(p.with_file_name("history.sqlite.fleet.json")).unwrap().modified().unwrap()
    };
    let before = stamp(&db);
    let (mut child, mut pipe) = audit(&db, &pg.tcp_url("ergoaudit_push", "team", "sslmode=require"));
    feed_and_wait(&home, &db, &mut pipe, &frames(0.0, 30.0), 16);
    drop(pipe);
    assert!(child.wait().unwrap().success());
    assert_eq!(stamp(&db), before, "pushed twice in a day");
}
