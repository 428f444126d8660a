//! `ergoaudit analyze`: pose and posture measures for images or recorded landmarks.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use ergoaudit::analysis::Analysis;
use ergoaudit::annotate::Annotator;
use ergoaudit::pose::PosedFrame;
use ergoaudit::replay::{FrameRecord, LandmarkFile};

use crate::cli::AnalyzeArgs;
use crate::options::{AnalyzeOptions, Analyzed};
use crate::output::Stdout;

/// Run `analyze`. With images, unreadable ones are reported on stderr one line each and the
/// others still processed (exit code 1). A malformed landmarks line stops with its number.
pub fn run(args: &AnalyzeArgs, config: Option<&Path>) -> Result<ExitCode> {
    let options = AnalyzeOptions::new(args, config)?;
    let json = options.json;
    let analysis = Analysis { settings: options.settings, profile: options.profile };
    Stdout::write_with(|out| {
        let mut emit = |posed: PosedFrame, record: FrameRecord| -> Result<()> {
            let text = if json { analysis.json_line(&posed, record)? } else { analysis.text(&posed) };
            out.write_all(text.as_bytes())?;
            Ok(out.flush()?)
        };
        match &options.what {
            Analyzed::Landmarks(path) => {
                for record in LandmarkFile::open(path)? {
                    let record = record?;
                    emit(record.clone().into(), record)?;
                }
                Ok(ExitCode::SUCCESS)
            }
            Analyzed::Frames { inputs, model, fps, annotate } => {
                let mut annotator =
                    match annotate {
                        Some(dir) => Some(Annotator::new(dir).with_context(|| {
                            format!("cannot create the --annotate folder {}", dir.display())
                        })?),
                        None => None,
                    };
                let failed = super::for_each_input(inputs, model, *fps, |frame, posed| {
                    if let Some(annotator) = &mut annotator {
                        let landmarks = posed.pose.as_ref().map(|d| d.landmarks.as_slice());
                        annotator
                            .save(frame, landmarks)
                            .with_context(|| format!("cannot annotate {}", frame.source))?;
                    }
                    let record = FrameRecord::from(&posed);
                    emit(posed, record)
                })?;
                Ok(if failed > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
            }
        }
    })
}
