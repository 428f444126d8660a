//! `ergoaudit fleet` against a real PostgreSQL (Debian's, started by each test in a
//! temporary folder: `common::pg`): the central schema made once and kept, the roles it
//! prints doing what they say and no more, TLS, and the password never in a URL.

use crate::common;

use common::pg::{ADMIN_PASSWORD, Postgres};
use common::{ergoaudit, ok};

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
    assert!(roles.starts_with("-- the team's database went from schema version 0 to 1\n"), "{roles}");
    assert!(said.is_empty(), "{said}");
    // again: nothing to do, the same roles
    let (again, _) = init();
    assert!(again.starts_with("-- the team's database is at schema version 1 already\n"), "{again}");
    let body = |out: &str| out.lines().skip(1).collect::<Vec<_>>().join("\n");
    assert_eq!(body(&again), body(&roles));
    assert_eq!(
        pg.psql("team", "SELECT string_agg(version::text, ',') FROM ergoaudit.migrations").trim(),
        "1"
    );
    // the administrator creates the roles as printed (with passwords of their own)
    pg.psql("team", &roles.replace("'choose one'", "'p1'").replace("'choose another'", "'p2'"));
    let ws = "'6f1c1a52-8d7e-4b8e-9c43-0e6a3c1d2b7f'";
    let row = format!(
        "INSERT INTO ergoaudit.days (workstation, day, site, department, present_s, paused_s, locked_s, call_s, \
         breaks_taken, breaks_due, longest_sitting_min, holds, hold_s, samples, samples_present, gaps, rula) \
         VALUES ({ws}, '2026-12-01', 'Lyon', 'Finance', 3600, 0, 0, 0, 1, 1, 40, 0, 0, 720, 700, 0, '{{0,0,700,0,0,0,0}}')"
    );
    // the pushing role adds a workstation and its day, and updates them; it reads nothing and
    // deletes nothing but its own workstation, through the function
    let push = |sql: &str| pg.psql_as("ergoaudit_push", "team", sql);
    push(&format!("INSERT INTO ergoaudit.workstations (id) VALUES ({ws})")).unwrap();
    push(&row).unwrap();
    push("UPDATE ergoaudit.days SET present_s = 3700").unwrap();
    assert!(push("SELECT count(*) FROM ergoaudit.days").unwrap_err().contains("permission denied"));
    assert!(push("DELETE FROM ergoaudit.days").unwrap_err().contains("permission denied"));
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
