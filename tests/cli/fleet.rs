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
    assert!(roles.starts_with("-- the team's database went from schema version 0 to 3\n"), "{roles}");
    assert!(said.is_empty(), "{said}");
    // again: nothing to do, the same roles
    let (again, _) = init();
    assert!(again.starts_with("-- the team's database is at schema version 3 already\n"), "{again}");
    let body = |out: &str| out.lines().skip(1).collect::<Vec<_>>().join("\n");
    assert_eq!(body(&again), body(&roles));
    assert_eq!(
        pg.psql("team", "SELECT string_agg(version::text, ',' ORDER BY version) FROM ergoaudit.migrations")
            .trim(),
        "1,2,3"
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
    assert_eq!(
        pg.psql("team", "SELECT cva_ok_s || ' ' || cva_warn_s FROM ergoaudit.days").trim(),
        "3000 500"
    );
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
    // the reading role reads through the privacy floor only (one workstation: no group), a
    // workstation's own days by its id, and changes nothing
    let report = |sql: &str| pg.psql_as("ergoaudit_report", "team", sql);
    assert!(report("SELECT present_s FROM ergoaudit.days").unwrap_err().contains("permission denied"));
    let groups = "SELECT count(*) FROM ergoaudit.groups('2026-11-01', '2026-12-31', NULL, 5)";
    assert_eq!(report(groups).unwrap().trim(), "0");
    let own = format!("SELECT present_s FROM ergoaudit.workstation_days({ws}, '2026-12-01', '2026-12-01')");
    assert_eq!(report(&own).unwrap().trim(), "3700");
    assert!(report("UPDATE ergoaudit.days SET present_s = 0").unwrap_err().contains("permission denied"));
    assert!(report(&format!("SELECT ergoaudit.forget({ws})")).unwrap_err().contains("permission denied"));
    assert_eq!(push(&format!("SELECT ergoaudit.forget({ws})")).unwrap().trim(), "1");
    assert_eq!(pg.psql("team", "SELECT count(*) FROM ergoaudit.days").trim(), "0", "forgotten with its days");
    // a role name is an identifier, quoted
    let out = ok(ergoaudit(&home).args(["fleet", "init", "--db", &url, "--push-role", "a\"b; DROP TABLE x"]));
    assert!(out.contains("CREATE ROLE \"a\"\"b; DROP TABLE x\" LOGIN"), "{out}");
}

#[test]
fn init_upgrades_a_database_of_schema_2_with_its_days_and_their_bands() {
    let home = tempfile::tempdir().unwrap();
    let pg = Postgres::start();
    pg.psql("postgres", "CREATE DATABASE team");
    let url = pg.socket_url("admin", "team");
    let mut client = ergoaudit::fleet::connect(&url.parse().unwrap()).unwrap();
    let done = ergoaudit::fleet::schema::migrate_to(&mut client, 2).unwrap();
    assert_eq!((done.from, done.to), (0, 2));
    // a day as a workstation of schema 2 pushed it, its bands in a table of their own
    let day = r#"[{"day": "2026-12-01", "present_s": 3600, "paused_s": 0, "locked_s": 0, "call_s": 0,
        "breaks_taken": 1, "breaks_due": 1, "longest_sitting_min": 40, "holds": 0, "hold_s": 0,
        "samples": 720, "samples_seen": 700, "gaps": 0, "rula": [0, 0, 700, 0, 0, 0, 0],
        "bands": [{"measure": "cva_deg", "ok_s": 3000, "warn_s": 500, "risk_s": 100, "unknown_s": 0},
                  {"measure": "shoulder_rounding_deg", "ok_s": 0, "warn_s": 0, "risk_s": 0, "unknown_s": 3600}]}]"#;
    pg.psql(
        "team",
        &format!(
            "SELECT ergoaudit.push('6f1c1a52-8d7e-4b8e-9c43-0e6a3c1d2b7f', 'Lyon', 'Finance', $j${day}$j$)"
        ),
    );
    let said = ok(ergoaudit(&home).args(["fleet", "init", "--db", &url]));
    assert!(said.starts_with("-- the team's database went from schema version 2 to 3\n"), "{said}");
    let row = "SELECT cva_ok_s || ' ' || cva_warn_s || ' ' || cva_risk_s || ' ' || head_forward_ok_s || ' ' || shoulder_rounding_unknown_s FROM ergoaudit.days";
    assert_eq!(pg.psql("team", row).trim(), "3000 500 100 0 3600");
    assert_eq!(pg.psql("team", "SELECT to_regclass('ergoaudit.day_bands') IS NULL").trim(), "t");
    // the same payload is taken by the new push
    pg.psql(
        "team",
        &format!(
            "SELECT ergoaudit.push('6f1c1a52-8d7e-4b8e-9c43-0e6a3c1d2b7f', 'Lyon', 'Finance', $j${}$j$)",
            day.replace("3000", "2900")
        ),
    );
    assert_eq!(pg.psql("team", row).trim(), "2900 500 100 0 3600");
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
        "SELECT day || ' ' || present_s || ' ' || away_s || ' ' || breaks_taken || '/' || breaks_due || ' '
             || round(longest_sitting_min * 60) || ' ' || samples || '/' || samples_present || ' '
             || gaps || ' ' || holds || ' ' || array_to_string(rula, ',')
         FROM ergoaudit.days ORDER BY day;
         SELECT day || ' ' || m || ' ' || ok || '/' || warn || '/' || risk || '/' || unknown FROM (
             SELECT day, 'cva_deg' AS m, cva_ok_s AS ok, cva_warn_s AS warn, cva_risk_s AS risk,
                 cva_unknown_s AS unknown FROM ergoaudit.days
             UNION ALL SELECT day, 'head_forward_cm', head_forward_ok_s, head_forward_warn_s,
                 head_forward_risk_s, head_forward_unknown_s FROM ergoaudit.days
             UNION ALL SELECT day, 'shoulder_rounding_deg', shoulder_rounding_ok_s, shoulder_rounding_warn_s,
                 shoulder_rounding_risk_s, shoulder_rounding_unknown_s FROM ergoaudit.days
         ) b ORDER BY day, m",
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
                "{} {} {} {}/{} {} {}/{} {} {} {}",
                d["date"].as_str().unwrap(),
                n(&d["present_s"]),
                n(&d["away_s"]),
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
    assert_eq!(sent[0], format!("{d3} 3000 0 0/1 2995 600/600 0 1 0,0,600,0,0,0,0"));
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
            "away_s bands breaks_due breaks_taken call_s day gaps hold_s holds locked_s longest_sitting_min paused_s present_s rula samples samples_seen"
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
    assert_eq!(pg.psql("team", "SELECT count(*) FROM ergoaudit.days").trim(), "0");
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

/// A department name with markup, a new line and a table's pipe.
const HOSTILE: &str = "<script>alert(1)</script>\n| x | *y*";

/// A team of 23 workstations over three weeks, pushed through `ergoaudit.push`: Lyon's
/// Finance 6, Legal 3 and IT 5; Paris's Sales 7; Nice's Ops 2.
fn generated_team(pg: &Postgres) {
    let group = |site: &str, department: &str, workstations| ergoaudit::fleet::generate::Group {
        site: site.to_owned(),
        department: department.to_owned(),
        workstations,
    };
    let url: ergoaudit::fleet::DbUrl = pg.socket_url("admin", "team").parse().unwrap();
    let mut client = ergoaudit::fleet::connect(&url).unwrap();
    let today = Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let groups = [
        group("Lyon", HOSTILE, 6),
        group("Lyon", "Legal", 3),
        group("Lyon", "IT", 5),
        group("Paris", "Sales", 7),
        group("Nice", "Ops", 2),
    ];
    let days = ergoaudit::fleet::generate::generate(&mut client, &groups, 21, today, 7, |_| ()).unwrap();
    assert_eq!(days, 23 * 21);
}

#[test]
fn the_team_report_shows_only_groups_above_the_floor_and_none_that_subtraction_would_reveal() {
    let home = tempfile::tempdir().unwrap();
    let pg = Postgres::start();
    team(&home, &pg);
    generated_team(&pg);
    pg.psql("team", "ALTER ROLE ergoaudit_report PASSWORD 'report-Pa55'");
    let url = pg.tcp_url("ergoaudit_report", "team", "sslmode=require");
    let report = |args: &[&str]| {
        let mut cmd = utc(&home);
        cmd.env("PGPASSWORD", "report-Pa55").args(["fleet", "report", "--from", &url]).args(args);
        ok(&mut cmd)
    };
    let json: Value = serde_json::from_str(&report(&["--since", "30d", "--format", "json"])).unwrap();
    assert_eq!(json["schema"], "ergoaudit-team-report/1");
    // Legal (3) is below the floor; IT (5) is hidden too, or Lyon − Finance − IT would be
    // Legal. Nice (2) is below it; Paris (7) is hidden too, or the team − Lyon − Paris would
    // be Nice.
    let team = &json["team"];
    assert_eq!((team["workstations"].as_i64(), team["workstation_days"].as_i64()), (Some(23), Some(23 * 21)));
    let sites = json["sites"].as_array().unwrap();
    assert_eq!(sites.len(), 1, "{sites:?}");
    let lyon = &sites[0];
    assert_eq!(
        (lyon["figures"]["name"].as_str(), lyon["figures"]["workstations"].as_i64()),
        (Some("Lyon"), Some(14))
    );
    let departments = lyon["departments"].as_array().unwrap();
    assert_eq!(departments.len(), 1);
    assert_eq!(
        (departments[0]["name"].as_str(), departments[0]["workstations"].as_i64()),
        (Some(HOSTILE), Some(6))
    );
    assert_eq!(
        (lyon["departments_hidden"].as_bool(), json["sites_hidden"].as_bool()),
        (Some(true), Some(true))
    );
    // the figures are the sums of what was pushed
    let sum = |filter: &str| -> f64 {
        pg.psql("team", &format!("SELECT sum(present_s) / 3600 FROM ergoaudit.days {filter}"))
            .trim()
            .parse()
            .unwrap()
    };
    let close = |a: &Value, b: f64| assert!((a.as_f64().unwrap() - b).abs() < 1e-6, "{a} against {b}");
    close(&team["present_h"], sum(""));
    let away: f64 = pg.psql("team", "SELECT sum(away_s) / 3600 FROM ergoaudit.days").trim().parse().unwrap();
    assert!(away > 0.0);
    close(&team["away_h"], away);
    close(&lyon["figures"]["present_h"], sum("WHERE site = 'Lyon'"));
    close(&departments[0]["present_h"], sum("WHERE site = 'Lyon' AND department LIKE '<script>%'"));
    let weeks = json["weeks"].as_array().unwrap();
    assert!((3..=4).contains(&weeks.len()), "{weeks:?}");
    assert!(
        weeks
            .iter()
            .all(|w| w["workstations"] == 23 && (0.0..=0.15).contains(&w["cva_risk"].as_f64().unwrap()))
    );
    // one site: what the whole team's report shows of it, never more
    let paris: Value = serde_json::from_str(&report(&["--site", "Paris", "--format", "json"])).unwrap();
    assert!(paris["sites"].as_array().unwrap().is_empty() && paris["weeks"].as_array().unwrap().is_empty());
    assert!(paris["team"].is_null());
    let only_lyon: Value = serde_json::from_str(&report(&["--site", "Lyon", "--format", "json"])).unwrap();
    assert_eq!(only_lyon["sites"], json["sites"]);
    // a higher floor hides more; a lower one is refused
    let seven: Value = serde_json::from_str(&report(&["--min-group", "7", "--format", "json"])).unwrap();
    assert_eq!(seven["sites"][0]["departments"].as_array().unwrap().len(), 0);
    let out = utc(&home)
        .env("PGPASSWORD", "report-Pa55")
        .args(["fleet", "report", "--from", &url, "--min-group", "4"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("the privacy floor is 5"), "{err}");
    // the names escaped where they go
    let html = report(&["--format", "html"]);
    assert!(
        html.starts_with("<!DOCTYPE html>") && html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(!html.contains("<script>"));
    let md = report(&["--format", "md"]);
    let row = md.lines().find(|l| l.starts_with("| Lyon › ")).expect("the department's row");
    assert!(
        row.starts_with(r"| Lyon › \<script\>alert\(1\)\<\/script\>\\n\| x \| \*y\* | 6 | 126 | "),
        "{row}"
    );
    // -o replaces a team report, and nothing else unless told
    let out = home.path().join("team.html");
    std::fs::write(&out, "precious").unwrap();
    let mut cmd = utc(&home);
    let refused = cmd
        .env("PGPASSWORD", "report-Pa55")
        .args(["fleet", "report", "--from", &url, "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(!refused.status.success() && String::from_utf8_lossy(&refused.stderr).contains("--force"));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "precious");
    report(&["-o", out.to_str().unwrap(), "--force"]);
    report(&["-o", out.to_str().unwrap()]);
    assert!(std::fs::read_to_string(&out).unwrap().contains("<title>Team ergonomics report</title>"));
    // the report role reads no table, and the floor holds for it whatever it asks
    let as_report = |sql: &str| pg.psql_as("ergoaudit_report", "team", sql);
    assert!(as_report("SELECT count(*) FROM ergoaudit.days").unwrap_err().contains("permission denied"));
    let groups = as_report("SELECT level || ' ' || coalesce(site, '') || ' ' || workstations FROM ergoaudit.groups(current_date - 30, current_date, NULL, 1) WHERE level <> 'department'").unwrap();
    assert_eq!(groups.trim(), "team  23\nsite Lyon 14");
    assert!(
        as_report("SELECT ergoaudit.members(current_date, current_date, 1)")
            .unwrap_err()
            .contains("permission denied")
    );
}

#[test]
fn a_workstation_sees_its_own_days_and_no_other_s() {
    let home = tempfile::tempdir().unwrap();
    let pg = Postgres::start();
    team(&home, &pg);
    let db = home.path().join("history.sqlite");
    history(&home, &db);
    let url = pg.tcp_url("ergoaudit_push", "team", "sslmode=require");
    // nothing sent yet: no id, for the report as for forget
    for args in [&["report", "--from", &url, "--workstation", "x"][..], &["forget", "--to", &url][..]] {
        let out = utc(&home).arg("fleet").args(args).arg("--db").arg(&db).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains("nothing was sent from this workstation, so it has no id"),
            "{err}"
        );
    }
    ok(utc(&home)
        .args(["fleet", "push", "--to", &url, "--site", "Lyon", "--department", "Finance", "--db"])
        .arg(&db));
    let status: Value =
        serde_json::from_str(&ok(utc(&home).args(["fleet", "status", "--json", "--db"]).arg(&db))).unwrap();
    let id = status["workstation"].as_str().unwrap();
    let mine = |id: &str, format: &str| {
        let mut cmd = utc(&home);
        cmd.args([
            "fleet",
            "report",
            "--from",
            &url,
            "--since",
            "7d",
            "--format",
            format,
            "--workstation",
            id,
            "--db",
        ])
        .arg(&db);
        cmd.output().unwrap()
    };
    let out = mine(id, "json");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let own: Value = serde_json::from_slice(&out.stdout).unwrap();
    let days: Vec<&str> =
        own["days"].as_array().unwrap().iter().map(|d| d["day"].as_str().unwrap()).collect();
    assert_eq!(days, [&at(3, 0, 0).to_string()[..10], &at(1, 0, 0).to_string()[..10]]);
    assert_eq!(own["days"][0]["present_h"], 3000.0 / 3600.0);
    let md = String::from_utf8(mine(id, "md").stdout).unwrap();
    assert!(
        md.starts_with("# Workstation ergonomics report") && md.contains("| Lyon | Finance | 0.8 | 0 / 1 |"),
        "{md}"
    );
    // another id: refused before anything is asked
    let out = mine("00000000-0000-4000-8000-000000000001", "json");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains(&format!("this workstation's id is {id}")), "{err}");
}

#[test]
fn no_layout_of_sites_and_departments_lets_a_small_group_be_worked_out() {
    let home = tempfile::tempdir().unwrap();
    let pg = Postgres::start();
    team(&home, &pg);
    let url: ergoaudit::fleet::DbUrl = pg.socket_url("admin", "team").parse().unwrap();
    let mut client = ergoaudit::fleet::connect(&url).unwrap();
    let today = Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    // layouts drawn from a seeded generator: 1–4 sites of 1–4 departments of 1–9 workstations
    let mut state = 0x5eed_u64;
    let mut draw = |n: u64| {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % n
    };
    for layout in 0..40 {
        let mut groups = Vec::new();
        for site in 0..=draw(4) {
            for department in 0..=draw(4) {
                groups.push(ergoaudit::fleet::generate::Group {
                    site: format!("S{site}"),
                    department: format!("D{department}"),
                    workstations: 1 + draw(9) as usize,
                });
            }
        }
        client.batch_execute("TRUNCATE ergoaudit.workstations CASCADE").unwrap();
        ergoaudit::fleet::generate::generate(&mut client, &groups, 1, today, layout, |_| ()).unwrap();
        for k in [5, 6] {
            let rows = client
                .query(
                    "SELECT level, coalesce(site, ''), workstations FROM ergoaudit.groups(current_date - 1, current_date, NULL, $1)",
                    &[&k],
                )
                .unwrap();
            let shown: Vec<(String, String, i32)> =
                rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
            let total: i32 = groups.iter().map(|g| g.workstations as i32).sum();
            let site_total = |s: &str| -> i32 {
                groups.iter().filter(|g| g.site == s).map(|g| g.workstations as i32).sum()
            };
            // what is hidden, worked out by subtraction, is nothing or k workstations or more
            let remainder_ok = |r: i32| r == 0 || r >= k;
            for (level, site, n) in &shown {
                assert!(*n >= k, "layout {layout}: {level} {site} of {n} shown under {k}: {groups:?}");
                if level == "site" {
                    assert_eq!(*n, site_total(site));
                    let departments: i32 = shown
                        .iter()
                        .filter(|(l, s, _)| l == "department" && s == site)
                        .map(|(_, _, n)| n)
                        .sum();
                    assert!(
                        remainder_ok(n - departments),
                        "layout {layout}: {site} − departments: {groups:?}"
                    );
                }
                if level == "department" {
                    assert!(
                        shown.iter().any(|(l, s, _)| l == "site" && s == site),
                        "a department without its site"
                    );
                }
            }
            let sites: i32 = shown.iter().filter(|(l, _, _)| l == "site").map(|(_, _, n)| n).sum();
            match shown.iter().find(|(l, _, _)| l == "team") {
                Some((_, _, n)) => {
                    assert_eq!(*n, total);
                    assert!(remainder_ok(n - sites), "layout {layout}: team − sites: {groups:?}");
                }
                None => assert!(total < k && shown.is_empty(), "layout {layout}: {groups:?}"),
            }
        }
    }
}
