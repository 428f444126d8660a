//! `ergoaudit cameras`: the cameras this machine has.

use std::process::ExitCode;

use anyhow::Result;

/// Run `cameras`.
pub fn run() -> Result<ExitCode> {
    let cameras = ergoaudit::capture::camera::list()?;
    if cameras.is_empty() {
        println!("no camera found; audit a recording instead with `ergoaudit audit --source FILE`");
        return Ok(ExitCode::SUCCESS);
    }
    for c in cameras {
        println!("camera:{}  {}  ({})", c.index, c.name, c.description);
    }
    Ok(ExitCode::SUCCESS)
}
