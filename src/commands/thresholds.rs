//! `ergoaudit thresholds`: every threshold, its effective value, source and reference.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use ergoaudit::config::Settings;
use ergoaudit::thresholds::SPECS;
use serde_json::json;

use crate::cli::ThresholdsArgs;
use crate::options::ThresholdsOptions;
use crate::output::Stdout;

/// Run `thresholds`.
pub fn run(args: &ThresholdsArgs, config: Option<&Path>) -> Result<ExitCode> {
    let ThresholdsOptions { settings, json } = ThresholdsOptions::new(args, config)?;
    Stdout::write_with(|out| table(&settings, json, out))?;
    Ok(ExitCode::SUCCESS)
}

/// Write every threshold, as JSON or a table.
fn table(settings: &Settings, json: bool, out: &mut Stdout) -> Result<()> {
    let value = |key: &str| settings.thresholds.get(key).expect("spec keys are thresholds");
    if json {
        let rows: Vec<_> = SPECS
            .iter()
            .map(|s| {
                json!({
                    "key": s.key,
                    "value": value(s.key),
                    "unit": s.unit,
                    "source": settings.sources[s.key].name(),
                    "default": s.default,
                    "help": s.help,
                    "reference": s.reference,
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        writeln!(out)?;
        return Ok(());
    }
    match &settings.file {
        Some(file) => writeln!(out, "config file: {}", file.display())?,
        None => writeln!(out, "config file: none (defaults; see --config)")?,
    }
    writeln!(out, "{:<22} {:>8} {:<4} {:<8} reference", "key", "value", "unit", "source")?;
    for s in SPECS {
        writeln!(
            out,
            "{:<22} {:>8} {:<4} {:<8} {}",
            s.key,
            value(s.key),
            s.unit,
            settings.sources[s.key].name(),
            s.reference
        )?;
    }
    Ok(())
}
