//! The central schema in the team's PostgreSQL, schema `ergoaudit`: versioned migrations,
//! each applied once, in order, in one transaction under an advisory lock (two `fleet init`
//! at once, or one run again, are safe); and the two roles an administrator creates — one
//! that may only add and update day rows, through `ergoaudit.push` (and forget its own
//! workstation), one that may only read for reports.

use super::error::{FleetError, why};

/// The migrations, in order: version `i + 1` is `MIGRATIONS[i]`.
const MIGRATIONS: &[&str] = &[
    // 1: workstations (a random id each, nothing that names a person or a machine) and their
    // day figures, as a workstation's report computes them for its `days[]`
    "CREATE TABLE ergoaudit.workstations (
         id uuid PRIMARY KEY,
         first_push timestamptz NOT NULL DEFAULT now(),
         last_push timestamptz NOT NULL DEFAULT now()
     );
     CREATE TABLE ergoaudit.days (
         workstation uuid NOT NULL REFERENCES ergoaudit.workstations(id) ON DELETE CASCADE,
         day date NOT NULL,
         site text NOT NULL CHECK (length(site) BETWEEN 1 AND 200),
         department text NOT NULL CHECK (length(department) BETWEEN 1 AND 200),
         present_s double precision NOT NULL CHECK (present_s >= 0),
         paused_s double precision NOT NULL CHECK (paused_s >= 0),
         locked_s double precision NOT NULL CHECK (locked_s >= 0),
         call_s double precision NOT NULL CHECK (call_s >= 0),
         breaks_taken integer NOT NULL CHECK (breaks_taken >= 0),
         breaks_due integer NOT NULL CHECK (breaks_due >= 0),
         longest_sitting_min double precision NOT NULL CHECK (longest_sitting_min >= 0),
         holds integer NOT NULL CHECK (holds >= 0),
         hold_s double precision NOT NULL CHECK (hold_s >= 0),
         samples integer NOT NULL CHECK (samples >= 0),
         samples_present integer NOT NULL CHECK (samples_present >= 0),
         gaps integer NOT NULL CHECK (gaps >= 0),
         rula integer[] NOT NULL CHECK (cardinality(rula) = 7),
         pushed_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (workstation, day)
     );
     CREATE INDEX days_by_day ON ergoaudit.days (day, site, department);
     CREATE TABLE ergoaudit.day_bands (
         workstation uuid NOT NULL,
         day date NOT NULL,
         measure text NOT NULL CHECK (length(measure) BETWEEN 1 AND 64),
         ok_s double precision NOT NULL CHECK (ok_s >= 0),
         warn_s double precision NOT NULL CHECK (warn_s >= 0),
         risk_s double precision NOT NULL CHECK (risk_s >= 0),
         unknown_s double precision NOT NULL CHECK (unknown_s >= 0),
         PRIMARY KEY (workstation, day, measure),
         FOREIGN KEY (workstation, day) REFERENCES ergoaudit.days ON DELETE CASCADE
     );
     CREATE FUNCTION ergoaudit.forget(ws uuid) RETURNS integer
         LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, ergoaudit
         AS $$ WITH gone AS (DELETE FROM ergoaudit.workstations WHERE id = ws RETURNING 1)
               SELECT count(*)::integer FROM gone $$;
     REVOKE ALL ON FUNCTION ergoaudit.forget(uuid) FROM PUBLIC;",
    // 2: a push goes through one function, so that the push role reads nothing: an upsert
    // (`ON CONFLICT DO UPDATE`) needs SELECT on the table, a function owned by the schema's
    // owner does not. `days` is a JSON array of the day figures, each with its `bands`; the
    // whole push is one statement, so a server lost midway leaves no day half-written.
    "REVOKE INSERT, UPDATE ON ergoaudit.workstations, ergoaudit.days, ergoaudit.day_bands FROM PUBLIC;
     CREATE FUNCTION ergoaudit.push(ws uuid, site text, department text, days jsonb) RETURNS integer
         LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, ergoaudit
         AS $$
         DECLARE
             n integer;
         BEGIN
             INSERT INTO ergoaudit.workstations AS w (id) VALUES (ws)
                 ON CONFLICT (id) DO UPDATE SET last_push = now();
             INSERT INTO ergoaudit.days AS d (workstation, day, site, department, present_s, paused_s,
                     locked_s, call_s, breaks_taken, breaks_due, longest_sitting_min, holds, hold_s,
                     samples, samples_present, gaps, rula)
                 SELECT ws, x.day, site, department, x.present_s, x.paused_s, x.locked_s, x.call_s,
                     x.breaks_taken, x.breaks_due, x.longest_sitting_min, x.holds, x.hold_s, x.samples,
                     x.samples_seen, x.gaps, x.rula
                 FROM jsonb_to_recordset(days) AS x(day date, present_s double precision,
                     paused_s double precision, locked_s double precision, call_s double precision,
                     breaks_taken integer, breaks_due integer, longest_sitting_min double precision,
                     holds integer, hold_s double precision, samples integer, samples_seen integer,
                     gaps integer, rula integer[])
                 ON CONFLICT (workstation, day) DO UPDATE SET site = EXCLUDED.site,
                     department = EXCLUDED.department, present_s = EXCLUDED.present_s,
                     paused_s = EXCLUDED.paused_s, locked_s = EXCLUDED.locked_s,
                     call_s = EXCLUDED.call_s, breaks_taken = EXCLUDED.breaks_taken,
                     breaks_due = EXCLUDED.breaks_due,
                     longest_sitting_min = EXCLUDED.longest_sitting_min, holds = EXCLUDED.holds,
                     hold_s = EXCLUDED.hold_s, samples = EXCLUDED.samples,
                     samples_present = EXCLUDED.samples_present, gaps = EXCLUDED.gaps,
                     rula = EXCLUDED.rula, pushed_at = now();
             GET DIAGNOSTICS n = ROW_COUNT;
             INSERT INTO ergoaudit.day_bands AS b (workstation, day, measure, ok_s, warn_s, risk_s,
                     unknown_s)
                 SELECT ws, (x.value->>'day')::date, y.measure, y.ok_s, y.warn_s, y.risk_s, y.unknown_s
                 FROM jsonb_array_elements(days) AS x,
                     jsonb_to_recordset(x.value->'bands') AS y(measure text, ok_s double precision,
                         warn_s double precision, risk_s double precision, unknown_s double precision)
                 ON CONFLICT (workstation, day, measure) DO UPDATE SET ok_s = EXCLUDED.ok_s,
                     warn_s = EXCLUDED.warn_s, risk_s = EXCLUDED.risk_s, unknown_s = EXCLUDED.unknown_s;
             RETURN n;
         END $$;
     REVOKE ALL ON FUNCTION ergoaudit.push(uuid, text, text, jsonb) FROM PUBLIC;
     -- forget says how many days it deleted
     CREATE OR REPLACE FUNCTION ergoaudit.forget(ws uuid) RETURNS integer
         LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, ergoaudit
         AS $$
         DECLARE
             n integer;
         BEGIN
             DELETE FROM ergoaudit.days WHERE workstation = ws;
             GET DIAGNOSTICS n = ROW_COUNT;
             DELETE FROM ergoaudit.workstations WHERE id = ws;
             RETURN n;
         END $$;",
];

/// The newest schema version this build knows.
pub fn latest() -> i32 {
    i32::try_from(MIGRATIONS.len()).expect("a handful of migrations")
}

/// What [`migrate`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Migrated {
    /// The version found (0: a database without ergoaudit's schema).
    pub from: i32,
    /// The version now.
    pub to: i32,
}

/// Bring the central schema to the newest version, each migration once.
pub fn migrate(client: &mut postgres::Client) -> Result<Migrated, FleetError> {
    let sql = |what| move |e: postgres::Error| FleetError::Sql { what, why: why(&e) };
    let mut tx = client.transaction().map_err(sql("begin"))?;
    // one migration at a time, whoever else runs `fleet init` now
    tx.execute("SELECT pg_advisory_xact_lock(hashtext('ergoaudit.migrations'))", &[])
        .map_err(sql("take the migration lock"))?;
    tx.batch_execute(
        "CREATE SCHEMA IF NOT EXISTS ergoaudit;
         CREATE TABLE IF NOT EXISTS ergoaudit.migrations (
             version integer PRIMARY KEY,
             applied_at timestamptz NOT NULL DEFAULT now()
         );",
    )
    .map_err(sql("create the schema"))?;
    let from: i32 = tx
        .query_one("SELECT coalesce(max(version), 0) FROM ergoaudit.migrations", &[])
        .map_err(sql("read the schema version"))?
        .get(0);
    if from > latest() {
        return Err(FleetError::TooNew { found: from, known: latest() });
    }
    for (i, migration) in MIGRATIONS.iter().enumerate().skip(usize::try_from(from).unwrap_or(0)) {
        let version = i32::try_from(i + 1).expect("a handful of migrations");
        tx.batch_execute(migration).map_err(sql("migrate the schema"))?;
        tx.execute("INSERT INTO ergoaudit.migrations (version) VALUES ($1)", &[&version])
            .map_err(sql("record the schema version"))?;
    }
    tx.commit().map_err(sql("commit the schema"))?;
    Ok(Migrated { from, to: latest() })
}

/// The SQL an administrator runs to create the two roles for the database `dbname`: `push`
/// may only add and update day rows through `ergoaudit.push` (and forget its own workstation
/// through `ergoaudit.forget`), `report` may only read. Names are quoted as identifiers.
pub fn roles_sql(dbname: &str, push: &str, report: &str) -> String {
    let ident = |name: &str| format!("\"{}\"", name.replace('"', "\"\""));
    let (db, push, report) = (ident(dbname), ident(push), ident(report));
    format!(
        "-- the workstations push with this role (its password in each one's PGPASSWORD or ~/.pgpass):
CREATE ROLE {push} LOGIN PASSWORD 'choose one';
GRANT CONNECT ON DATABASE {db} TO {push};
GRANT USAGE ON SCHEMA ergoaudit TO {push};
GRANT EXECUTE ON FUNCTION ergoaudit.push(uuid, text, text, jsonb), ergoaudit.forget(uuid) TO {push};
-- the team's reports read with this one:
CREATE ROLE {report} LOGIN PASSWORD 'choose another';
GRANT CONNECT ON DATABASE {db} TO {report};
GRANT USAGE ON SCHEMA ergoaudit TO {report};
GRANT SELECT ON ergoaudit.workstations, ergoaudit.days, ergoaudit.day_bands TO {report};
"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_are_quoted_identifiers() {
        let sql = roles_sql("team \"a\"", "push", "read\"; DROP TABLE x; --");
        assert!(sql.contains("DATABASE \"team \"\"a\"\"\""), "{sql}");
        assert!(sql.contains("ROLE \"read\"\"; DROP TABLE x; --\" LOGIN"), "{sql}");
        assert_eq!(latest(), 2);
    }
}
