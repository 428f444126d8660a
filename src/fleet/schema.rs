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
    // 3: the bands go into the day's row (one table to read, a twelfth of the rows), and
    // the team's figures are read through functions with the privacy floor built in (the
    // report role reads no table): a group (a site's department, a site, the team) with fewer
    // than `k` workstations (never below 5) is not shown, nor any that would let one be
    // derived by subtraction — the hidden departments of a site, and the hidden sites of the
    // team, together cover `k` or more, or nothing is hidden there. A workstation counts in
    // the site and department it last pushed under in the period, so the groups add up.
    "ALTER TABLE ergoaudit.days
         ADD COLUMN away_s double precision NOT NULL DEFAULT 0 CHECK (away_s >= 0),
         ADD COLUMN cva_ok_s double precision NOT NULL DEFAULT 0 CHECK (cva_ok_s >= 0),
         ADD COLUMN cva_warn_s double precision NOT NULL DEFAULT 0 CHECK (cva_warn_s >= 0),
         ADD COLUMN cva_risk_s double precision NOT NULL DEFAULT 0 CHECK (cva_risk_s >= 0),
         ADD COLUMN cva_unknown_s double precision NOT NULL DEFAULT 0 CHECK (cva_unknown_s >= 0),
         ADD COLUMN head_forward_ok_s double precision NOT NULL DEFAULT 0 CHECK (head_forward_ok_s >= 0),
         ADD COLUMN head_forward_warn_s double precision NOT NULL DEFAULT 0 CHECK (head_forward_warn_s >= 0),
         ADD COLUMN head_forward_risk_s double precision NOT NULL DEFAULT 0 CHECK (head_forward_risk_s >= 0),
         ADD COLUMN head_forward_unknown_s double precision NOT NULL DEFAULT 0 CHECK (head_forward_unknown_s >= 0),
         ADD COLUMN shoulder_rounding_ok_s double precision NOT NULL DEFAULT 0 CHECK (shoulder_rounding_ok_s >= 0),
         ADD COLUMN shoulder_rounding_warn_s double precision NOT NULL DEFAULT 0 CHECK (shoulder_rounding_warn_s >= 0),
         ADD COLUMN shoulder_rounding_risk_s double precision NOT NULL DEFAULT 0 CHECK (shoulder_rounding_risk_s >= 0),
         ADD COLUMN shoulder_rounding_unknown_s double precision NOT NULL DEFAULT 0 CHECK (shoulder_rounding_unknown_s >= 0);
     UPDATE ergoaudit.days d SET
             cva_ok_s = x.cva_ok_s,
             cva_warn_s = x.cva_warn_s,
             cva_risk_s = x.cva_risk_s,
             cva_unknown_s = x.cva_unknown_s,
             head_forward_ok_s = x.head_forward_ok_s,
             head_forward_warn_s = x.head_forward_warn_s,
             head_forward_risk_s = x.head_forward_risk_s,
             head_forward_unknown_s = x.head_forward_unknown_s,
             shoulder_rounding_ok_s = x.shoulder_rounding_ok_s,
             shoulder_rounding_warn_s = x.shoulder_rounding_warn_s,
             shoulder_rounding_risk_s = x.shoulder_rounding_risk_s,
             shoulder_rounding_unknown_s = x.shoulder_rounding_unknown_s
         FROM (SELECT y.workstation, y.day,
                 coalesce(sum(y.ok_s) FILTER (WHERE y.measure = 'cva_deg'), 0) AS cva_ok_s,
                 coalesce(sum(y.warn_s) FILTER (WHERE y.measure = 'cva_deg'), 0) AS cva_warn_s,
                 coalesce(sum(y.risk_s) FILTER (WHERE y.measure = 'cva_deg'), 0) AS cva_risk_s,
                 coalesce(sum(y.unknown_s) FILTER (WHERE y.measure = 'cva_deg'), 0) AS cva_unknown_s,
                 coalesce(sum(y.ok_s) FILTER (WHERE y.measure = 'head_forward_cm'), 0) AS head_forward_ok_s,
                 coalesce(sum(y.warn_s) FILTER (WHERE y.measure = 'head_forward_cm'), 0) AS head_forward_warn_s,
                 coalesce(sum(y.risk_s) FILTER (WHERE y.measure = 'head_forward_cm'), 0) AS head_forward_risk_s,
                 coalesce(sum(y.unknown_s) FILTER (WHERE y.measure = 'head_forward_cm'), 0) AS head_forward_unknown_s,
                 coalesce(sum(y.ok_s) FILTER (WHERE y.measure = 'shoulder_rounding_deg'), 0) AS shoulder_rounding_ok_s,
                 coalesce(sum(y.warn_s) FILTER (WHERE y.measure = 'shoulder_rounding_deg'), 0) AS shoulder_rounding_warn_s,
                 coalesce(sum(y.risk_s) FILTER (WHERE y.measure = 'shoulder_rounding_deg'), 0) AS shoulder_rounding_risk_s,
                 coalesce(sum(y.unknown_s) FILTER (WHERE y.measure = 'shoulder_rounding_deg'), 0) AS shoulder_rounding_unknown_s
             FROM ergoaudit.day_bands y GROUP BY y.workstation, y.day) x
         WHERE x.workstation = d.workstation AND x.day = d.day;
     DROP TABLE ergoaudit.day_bands;
     -- the same payload as before (a workstation of schema 2 pushes on), its bands in the row
     CREATE OR REPLACE FUNCTION ergoaudit.push(ws uuid, site text, department text, days jsonb) RETURNS integer
         LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, ergoaudit
         AS $$
         DECLARE
             n integer;
         BEGIN
             INSERT INTO ergoaudit.workstations AS w (id) VALUES (ws)
                 ON CONFLICT (id) DO UPDATE SET last_push = now();
             INSERT INTO ergoaudit.days AS d (workstation, day, site, department, present_s, away_s, paused_s,
                     locked_s, call_s, breaks_taken, breaks_due, longest_sitting_min, holds, hold_s,
                     samples, samples_present, gaps, rula,
                     cva_ok_s, cva_warn_s, cva_risk_s, cva_unknown_s,
                     head_forward_ok_s, head_forward_warn_s, head_forward_risk_s, head_forward_unknown_s,
                     shoulder_rounding_ok_s, shoulder_rounding_warn_s, shoulder_rounding_risk_s,
                     shoulder_rounding_unknown_s)
                 SELECT ws, x.day, site, department, x.present_s, coalesce(x.away_s, 0), x.paused_s,
                     x.locked_s, x.call_s,
                     x.breaks_taken, x.breaks_due, x.longest_sitting_min, x.holds, x.hold_s, x.samples,
                     x.samples_seen, x.gaps, x.rula,
                     coalesce((SELECT (e->>'ok_s')::double precision FROM jsonb_array_elements(x.bands) e WHERE e->>'measure' = 'cva_deg'), 0),
                     coalesce((SELECT (e->>'warn_s')::double precision FROM jsonb_array_elements(x.bands) e WHERE e->>'measure' = 'cva_deg'), 0),
                     coalesce((SELECT (e->>'risk_s')::double precision FROM jsonb_array_elements(x.bands) e WHERE e->>'measure' = 'cva_deg'), 0),
                     coalesce((SELECT (e->>'unknown_s')::double precision FROM jsonb_array_elements(x.bands) e WHERE e->>'measure' = 'cva_deg'), 0),
                     coalesce((SELECT (e->>'ok_s')::double precision FROM jsonb_array_elements(x.bands) e WHERE e->>'measure' = 'head_forward_cm'), 0),
                     coalesce((SELECT (e->>'warn_s')::double precision FROM jsonb_array_elements(x.bands) e WHERE e->>'measure' = 'head_forward_cm'), 0),
                     coalesce((SELECT (e->>'risk_s')::double precision FROM jsonb_array_elements(x.bands) e WHERE e->>'measure' = 'head_forward_cm'), 0),
                     coalesce((SELECT (e->>'unknown_s')::double precision FROM jsonb_array_elements(x.bands) e WHERE e->>'measure' = 'head_forward_cm'), 0),
                     coalesce((SELECT (e->>'ok_s')::double precision FROM jsonb_array_elements(x.bands) e WHERE e->>'measure' = 'shoulder_rounding_deg'), 0),
                     coalesce((SELECT (e->>'warn_s')::double precision FROM jsonb_array_elements(x.bands) e WHERE e->>'measure' = 'shoulder_rounding_deg'), 0),
                     coalesce((SELECT (e->>'risk_s')::double precision FROM jsonb_array_elements(x.bands) e WHERE e->>'measure' = 'shoulder_rounding_deg'), 0),
                     coalesce((SELECT (e->>'unknown_s')::double precision FROM jsonb_array_elements(x.bands) e WHERE e->>'measure' = 'shoulder_rounding_deg'), 0)
                 FROM jsonb_to_recordset(days) AS x(day date, present_s double precision,
                     away_s double precision, paused_s double precision, locked_s double precision, call_s double precision,
                     breaks_taken integer, breaks_due integer, longest_sitting_min double precision,
                     holds integer, hold_s double precision, samples integer, samples_seen integer,
                     gaps integer, rula integer[], bands jsonb)
                 ON CONFLICT (workstation, day) DO UPDATE SET site = EXCLUDED.site,
                     department = EXCLUDED.department, present_s = EXCLUDED.present_s,
                     away_s = EXCLUDED.away_s, paused_s = EXCLUDED.paused_s, locked_s = EXCLUDED.locked_s,
                     call_s = EXCLUDED.call_s, breaks_taken = EXCLUDED.breaks_taken,
                     breaks_due = EXCLUDED.breaks_due,
                     longest_sitting_min = EXCLUDED.longest_sitting_min, holds = EXCLUDED.holds,
                     hold_s = EXCLUDED.hold_s, samples = EXCLUDED.samples,
                     samples_present = EXCLUDED.samples_present, gaps = EXCLUDED.gaps,
                     rula = EXCLUDED.rula,
                     cva_ok_s = EXCLUDED.cva_ok_s, cva_warn_s = EXCLUDED.cva_warn_s,
                     cva_risk_s = EXCLUDED.cva_risk_s, cva_unknown_s = EXCLUDED.cva_unknown_s,
                     head_forward_ok_s = EXCLUDED.head_forward_ok_s,
                     head_forward_warn_s = EXCLUDED.head_forward_warn_s,
                     head_forward_risk_s = EXCLUDED.head_forward_risk_s,
                     head_forward_unknown_s = EXCLUDED.head_forward_unknown_s,
                     shoulder_rounding_ok_s = EXCLUDED.shoulder_rounding_ok_s,
                     shoulder_rounding_warn_s = EXCLUDED.shoulder_rounding_warn_s,
                     shoulder_rounding_risk_s = EXCLUDED.shoulder_rounding_risk_s,
                     shoulder_rounding_unknown_s = EXCLUDED.shoulder_rounding_unknown_s, pushed_at = now();
             GET DIAGNOSTICS n = ROW_COUNT;
             RETURN n;
         END $$;
     CREATE FUNCTION ergoaudit.members(since date, until date, floor_k integer) RETURNS void
         LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, ergoaudit, pg_temp
         SET client_min_messages = warning
         AS $$
         BEGIN
             DROP TABLE IF EXISTS pg_temp.ea_member, pg_temp.ea_group, pg_temp.ea_site;
             CREATE TEMP TABLE ea_member ON COMMIT DROP AS
                 SELECT d.workstation, d.site, d.department
                 FROM (SELECT x.workstation, max(x.day) AS last FROM ergoaudit.days x
                       WHERE x.day BETWEEN since AND until GROUP BY x.workstation) l
                 JOIN ergoaudit.days d ON d.workstation = l.workstation AND d.day = l.last;
             ANALYZE ea_member;
             CREATE TEMP TABLE ea_group ON COMMIT DROP AS
                 SELECT m.site, m.department, count(*)::integer AS n, count(*) >= floor_k AS shown
                 FROM ea_member m GROUP BY m.site, m.department;
             -- a site's hidden departments together cover floor_k or more, or none is hidden
             LOOP
                 UPDATE ea_group g SET shown = false FROM (
                     SELECT DISTINCT ON (s.site) s.site, s.department FROM ea_group s
                     WHERE s.shown AND s.site IN (SELECT h.site FROM ea_group h WHERE NOT h.shown
                                                  GROUP BY h.site HAVING sum(h.n) < floor_k)
                     ORDER BY s.site, s.n, s.department) x
                 WHERE g.site = x.site AND g.department = x.department;
                 EXIT WHEN NOT FOUND;
             END LOOP;
             CREATE TEMP TABLE ea_site ON COMMIT DROP AS
                 SELECT g.site, sum(g.n)::integer AS n, sum(g.n) >= floor_k AS shown
                 FROM ea_group g GROUP BY g.site;
             -- the team's hidden sites together cover floor_k or more, or none is hidden
             WHILE (SELECT coalesce(sum(s.n), 0) FROM ea_site s WHERE NOT s.shown) BETWEEN 1 AND floor_k - 1
                   AND EXISTS (SELECT 1 FROM ea_site s WHERE s.shown) LOOP
                 UPDATE ea_site SET shown = false
                     WHERE ea_site.site = (SELECT s.site FROM ea_site s WHERE s.shown ORDER BY s.n, s.site LIMIT 1);
             END LOOP;
             UPDATE ea_group g SET shown = false FROM ea_site s WHERE s.site = g.site AND NOT s.shown;
         END $$;
     CREATE FUNCTION ergoaudit.groups(since date, until date, only_site text, k integer)
         RETURNS TABLE (level text, site text, department text, workstations integer,
             days integer, present_s double precision, away_s double precision,
             paused_s double precision,
             locked_s double precision, call_s double precision, breaks_taken bigint,
             breaks_due bigint, holds bigint, hold_s double precision, samples bigint,
             samples_present bigint, gaps bigint, rula bigint[], bands double precision[])
         LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, ergoaudit, pg_temp
         SET work_mem = '64MB'
         AS $$
         DECLARE
             floor_k integer := greatest(coalesce(k, 5), 5);
             team_shown boolean;
         BEGIN
             PERFORM ergoaudit.members(since, until, floor_k);
             team_shown := (SELECT coalesce(sum(s.n), 0) FROM ea_site s) >= floor_k;
             RETURN QUERY
             -- each department's sums (a workstation's days all go to its group), then rolled
             -- up to its site and the team
             WITH dep AS (
                 SELECT m.site AS g_site, m.department AS g_department, count(*) AS g_days,
                     sum(d.present_s) AS p, sum(d.away_s) AS aw, sum(d.paused_s) AS pa, sum(d.locked_s) AS lo,
                     sum(d.call_s) AS ca, sum(d.breaks_taken) AS bt, sum(d.breaks_due) AS bd,
                     sum(d.holds) AS ho, sum(d.hold_s) AS hs, sum(d.samples) AS sa,
                     sum(d.samples_present) AS sp, sum(d.gaps) AS ga,
                     sum(d.rula[1]) AS r1, sum(d.rula[2]) AS r2, sum(d.rula[3]) AS r3,
                     sum(d.rula[4]) AS r4, sum(d.rula[5]) AS r5, sum(d.rula[6]) AS r6,
                     sum(d.rula[7]) AS r7,
                     sum(d.cva_ok_s) AS cva_ok_s,
                     sum(d.cva_warn_s) AS cva_warn_s,
                     sum(d.cva_risk_s) AS cva_risk_s,
                     sum(d.cva_unknown_s) AS cva_unknown_s,
                     sum(d.head_forward_ok_s) AS head_forward_ok_s,
                     sum(d.head_forward_warn_s) AS head_forward_warn_s,
                     sum(d.head_forward_risk_s) AS head_forward_risk_s,
                     sum(d.head_forward_unknown_s) AS head_forward_unknown_s,
                     sum(d.shoulder_rounding_ok_s) AS shoulder_rounding_ok_s,
                     sum(d.shoulder_rounding_warn_s) AS shoulder_rounding_warn_s,
                     sum(d.shoulder_rounding_risk_s) AS shoulder_rounding_risk_s,
                     sum(d.shoulder_rounding_unknown_s) AS shoulder_rounding_unknown_s,
                     (SELECT g.n FROM ea_group g WHERE g.site = m.site AND g.department = m.department) AS n
                 FROM ergoaudit.days d JOIN ea_member m ON m.workstation = d.workstation
                 WHERE d.day BETWEEN since AND until
                 GROUP BY 1, 2
             ), g AS (
                 SELECT CASE WHEN grouping(dep.g_site) = 1 THEN 'team'
                             WHEN grouping(dep.g_department) = 1 THEN 'site'
                             ELSE 'department' END AS g_level,
                     dep.g_site, dep.g_department, sum(dep.n)::integer, sum(dep.g_days)::integer,
                     sum(dep.p), sum(dep.aw), sum(dep.pa), sum(dep.lo), sum(dep.ca), sum(dep.bt)::bigint,
                     sum(dep.bd)::bigint, sum(dep.ho)::bigint, sum(dep.hs), sum(dep.sa)::bigint,
                     sum(dep.sp)::bigint, sum(dep.ga)::bigint,
                     ARRAY[sum(dep.r1), sum(dep.r2), sum(dep.r3), sum(dep.r4), sum(dep.r5),
                         sum(dep.r6), sum(dep.r7)]::bigint[],
                     ARRAY[sum(dep.cva_ok_s), sum(dep.cva_warn_s), sum(dep.cva_risk_s), sum(dep.cva_unknown_s), sum(dep.head_forward_ok_s), sum(dep.head_forward_warn_s), sum(dep.head_forward_risk_s), sum(dep.head_forward_unknown_s), sum(dep.shoulder_rounding_ok_s), sum(dep.shoulder_rounding_warn_s), sum(dep.shoulder_rounding_risk_s), sum(dep.shoulder_rounding_unknown_s)]
                 FROM dep GROUP BY GROUPING SETS ((dep.g_site, dep.g_department), (dep.g_site), ())
             )
             SELECT g.* FROM g
             WHERE CASE g.g_level
                 WHEN 'team' THEN team_shown AND only_site IS NULL
                 WHEN 'site' THEN EXISTS (SELECT 1 FROM ea_site s WHERE s.site = g.g_site AND s.shown)
                 ELSE EXISTS (SELECT 1 FROM ea_group x
                              WHERE x.site = g.g_site AND x.department = g.g_department AND x.shown)
             END
             AND (only_site IS NULL OR g.g_site = only_site)
             ORDER BY g.g_site NULLS FIRST, g.g_department NULLS FIRST;
         END $$;
     -- the team's trend by week: shares and rates only (no sum that the weeks would add up
     -- to), a week with fewer than k workstations not shown
     CREATE FUNCTION ergoaudit.weeks(since date, until date, only_site text, k integer)
         RETURNS TABLE (week date, workstations integer, present_h_per_day double precision,
             cva_risk double precision, cva_warn double precision,
             head_forward_risk double precision, head_forward_warn double precision,
             breaks_per_due double precision, holds_per_hour double precision)
         LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, ergoaudit, pg_temp
         SET work_mem = '64MB'
         AS $$
         DECLARE
             floor_k integer := greatest(coalesce(k, 5), 5);
         BEGIN
             PERFORM ergoaudit.members(since, until, floor_k);
             RETURN QUERY
             WITH m AS (
                 SELECT e.workstation FROM ea_member e
                 WHERE CASE WHEN only_site IS NULL
                            THEN (SELECT coalesce(sum(s.n), 0) FROM ea_site s) >= floor_k
                            ELSE e.site = only_site
                                 AND EXISTS (SELECT 1 FROM ea_site s WHERE s.site = only_site AND s.shown)
                       END
             ), per AS (
                 -- weeks as whole numbers from a Monday: cheap on every row
                 SELECT (d.day - date '2000-01-03') / 7 AS wk, d.workstation, count(*) AS n_days,
                     sum(d.present_s) AS p, sum(d.breaks_taken) AS bt, sum(d.breaks_due) AS bd,
                     sum(d.holds) AS ho, sum(d.cva_risk_s) AS cr, sum(d.cva_warn_s) AS cw,
                     sum(d.cva_ok_s + d.cva_warn_s + d.cva_risk_s) AS cm,
                     sum(d.head_forward_risk_s) AS hr, sum(d.head_forward_warn_s) AS hw,
                     sum(d.head_forward_ok_s + d.head_forward_warn_s + d.head_forward_risk_s) AS hm
                 FROM ergoaudit.days d JOIN m ON m.workstation = d.workstation
                 WHERE d.day BETWEEN since AND until
                 GROUP BY 1, 2
             ), w AS (
                 SELECT date '2000-01-03' + (per.wk * 7)::integer AS wk, count(*)::integer AS n,
                     sum(per.p) / 3600.0 / sum(per.n_days) AS per_day,
                     sum(per.bt)::double precision / nullif(sum(per.bd), 0) AS per_due,
                     sum(per.ho) / nullif(sum(per.p) / 3600.0, 0) AS per_hour,
                     sum(per.cr) / nullif(sum(per.cm), 0) AS cva_risk, sum(per.cw) / nullif(sum(per.cm), 0) AS cva_warn,
                     sum(per.hr) / nullif(sum(per.hm), 0) AS hf_risk, sum(per.hw) / nullif(sum(per.hm), 0) AS hf_warn
                 FROM per GROUP BY per.wk
             )
             SELECT w.wk, w.n, w.per_day, w.cva_risk, w.cva_warn, w.hf_risk, w.hf_warn, w.per_due, w.per_hour
             FROM w
             WHERE w.n >= floor_k
             ORDER BY w.wk;
         END $$;
     -- one workstation's own days, for whoever knows its id (kept beside its history)
     CREATE FUNCTION ergoaudit.workstation_days(ws uuid, since date, until date)
         RETURNS TABLE (day date, site text, department text, present_s double precision,
             breaks_taken integer, breaks_due integer, longest_sitting_min double precision,
             holds integer, hold_s double precision, bands double precision[])
         LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, ergoaudit
         AS $$
             SELECT d.day, d.site, d.department, d.present_s, d.breaks_taken, d.breaks_due,
                 d.longest_sitting_min, d.holds, d.hold_s,
                 ARRAY[d.cva_ok_s, d.cva_warn_s, d.cva_risk_s, d.cva_unknown_s, d.head_forward_ok_s, d.head_forward_warn_s, d.head_forward_risk_s, d.head_forward_unknown_s, d.shoulder_rounding_ok_s, d.shoulder_rounding_warn_s, d.shoulder_rounding_risk_s, d.shoulder_rounding_unknown_s]
             FROM ergoaudit.days d
             WHERE d.workstation = ws AND d.day BETWEEN since AND until ORDER BY d.day
         $$;
     REVOKE ALL ON FUNCTION ergoaudit.groups(date, date, text, integer), ergoaudit.members(date, date, integer),
         ergoaudit.weeks(date, date, text, integer), ergoaudit.workstation_days(uuid, date, date) FROM PUBLIC;",
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
    migrate_to(client, latest())
}

/// Bring the central schema to version `target` (at most [`latest`]; an older one is how a
/// test makes the database an older ergoaudit left), each migration once.
pub fn migrate_to(client: &mut postgres::Client, target: i32) -> Result<Migrated, FleetError> {
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
    let target = target.min(latest());
    for (i, migration) in MIGRATIONS
        .iter()
        .enumerate()
        .take(usize::try_from(target).unwrap_or(0))
        .skip(usize::try_from(from).unwrap_or(0))
    {
        let version = i32::try_from(i + 1).expect("a handful of migrations");
        tx.batch_execute(migration).map_err(sql("migrate the schema"))?;
        tx.execute("INSERT INTO ergoaudit.migrations (version) VALUES ($1)", &[&version])
            .map_err(sql("record the schema version"))?;
    }
    tx.commit().map_err(sql("commit the schema"))?;
    Ok(Migrated { from, to: target.max(from) })
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
GRANT EXECUTE ON FUNCTION ergoaudit.push(uuid, text, text, jsonb), ergoaudit.forget(uuid),
    ergoaudit.workstation_days(uuid, date, date) TO {push};
-- the team's reports read with this one:
CREATE ROLE {report} LOGIN PASSWORD 'choose another';
GRANT CONNECT ON DATABASE {db} TO {report};
GRANT USAGE ON SCHEMA ergoaudit TO {report};
GRANT EXECUTE ON FUNCTION ergoaudit.groups(date, date, text, integer),
    ergoaudit.weeks(date, date, text, integer), ergoaudit.workstation_days(uuid, date, date) TO {report};
-- neither reads a table: the report role sees the team through the privacy floor only
REVOKE ALL ON ergoaudit.workstations, ergoaudit.days FROM {push}, {report};
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
        assert_eq!(latest(), 3);
    }
}
