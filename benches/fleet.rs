//! Team mode at scale, part one: the push. Fills the team's database at
//! `ERGOAUDIT_BENCH_PG` (an administrator's URL to a database of its own; `scripts/bench-fleet`
//! starts one) with a synthetic team of `WORKSTATIONS` workstations (10 sites of 10
//! departments) × `DAYS` days, each workstation's days in one call of `ergoaudit.push` as a
//! first push sends them, then one more day for every workstation, one call each, as the
//! daily pushes do; and prints the throughput of both. `fleet report`'s time and memory are
//! measured by the script, on the binary.

use std::time::Instant;

use ergoaudit::fleet::generate::{Group, generate};

fn main() {
    let Ok(url) = std::env::var("ERGOAUDIT_BENCH_PG") else {
        println!(
            "set ERGOAUDIT_BENCH_PG to a PostgreSQL URL of a database to fill, or run scripts/bench-fleet"
        );
        return;
    };
    let number =
        |var: &str, default: usize| std::env::var(var).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    let (workstations, days) = (number("WORKSTATIONS", 5000), number("DAYS", 365));
    let url: ergoaudit::fleet::DbUrl = url.parse().expect("a PostgreSQL URL");
    let mut client = ergoaudit::fleet::connect(&url).expect("the bench database");
    ergoaudit::fleet::schema::migrate(&mut client).expect("the schema");
    client.batch_execute("TRUNCATE ergoaudit.workstations CASCADE").expect("an empty team");
    let per_group = workstations.div_ceil(100);
    let groups: Vec<Group> = (0..100)
        .map(|i| Group {
            site: format!("site {}", i / 10),
            department: format!("department {}", i % 10),
            workstations: per_group,
        })
        .collect();
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let started = Instant::now();
    let pushed = generate(&mut client, &groups, days, today.yesterday().expect("a day before"), 1, |n| {
        if n % 500 == 0 {
            eprintln!("{n} workstations, {:.0} s", started.elapsed().as_secs_f64());
        }
    })
    .expect("the first pushes");
    let secs = started.elapsed().as_secs_f64();
    println!(
        "first pushes: {} workstations × {days} days = {pushed} days in {secs:.1} s: {:.0} days/s, {:.1} workstations/s",
        per_group * 100,
        pushed as f64 / secs,
        (per_group * 100) as f64 / secs
    );
    let started = Instant::now();
    let pushed = generate(&mut client, &groups, 1, today, 1, |_| ()).expect("the daily pushes");
    let secs = started.elapsed().as_secs_f64();
    println!("daily pushes: {pushed} pushes of one day in {secs:.1} s: {:.0} pushes/s", pushed as f64 / secs);
    let rows: i64 = client.query_one("SELECT count(*) FROM ergoaudit.days", &[]).expect("a count").get(0);
    println!("the team's database holds {rows} days");
}
