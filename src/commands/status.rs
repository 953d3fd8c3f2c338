//! `slflow status`: print the saved state of the last run.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::cli::{ColorChoice, GlobalArgs, ManifestArgs, OutputFormat};
use crate::exit::{CommandResult, Exit, Failure};
use crate::report;
use crate::state::{self, RunState, StepRecord};

use super::stdout::write_stdout;

/// Prints the summary table and, per step, job ids, timings, errors and checks; with
/// `--format json`, prints the state file's JSON instead.
pub fn run(global: &GlobalArgs, manifest: &ManifestArgs, format: OutputFormat) -> CommandResult {
    let (path, saved) = load_saved(manifest)?;
    let text = match format {
        OutputFormat::Json => {
            let mut text = serde_json::to_string_pretty(&saved).map_err(|err| {
                Failure::internal(miette::miette!(
                    "failed to encode state {}: {err}",
                    path.display()
                ))
            })?;
            text.push('\n');
            text
        }
        OutputFormat::Text => status_text(&saved, &path, global.color == ColorChoice::Always),
    };
    write_stdout(&text)?;
    Ok(Exit::Success)
}

/// Loads the state named by `--state`, or the manifest's default state path.
///
/// # Errors
///
/// Exits 2 when there is no state yet, or when the state file cannot be loaded.
pub(crate) fn load_saved(manifest: &ManifestArgs) -> Result<(PathBuf, RunState), Failure> {
    let path = manifest
        .state
        .clone()
        .unwrap_or_else(|| state::default_path(&manifest.manifest));
    match state::load(&path) {
        Ok(Some(saved)) => Ok((path, saved)),
        Ok(None) => Err(Failure::usage(miette::miette!(
            "no state at {}: run `slflow apply {}` first",
            path.display(),
            manifest.manifest.display()
        ))),
        Err(err) => Err(Failure::usage(err)),
    }
}

fn status_text(saved: &RunState, path: &std::path::Path, color: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "manifest  {} ({})",
        saved.manifest.name,
        saved.manifest.path.display()
    );
    let _ = writeln!(
        out,
        "state     {} (serial {})",
        path.display(),
        saved.serial
    );
    if let Some(url) = &saved.server_url {
        let _ = writeln!(out, "server    {}", state::redact_url(url));
    }
    let _ = writeln!(out, "saved     {}", timestamp(saved.updated_at));
    out.push('\n');
    out.push_str(&report::summary_table(saved, color));

    for (id, record) in &saved.steps {
        let details = step_details(record);
        if !details.is_empty() {
            let _ = write!(
                out,
                "\n{id} ({}, {})\n{details}",
                record.kind,
                record.status.name()
            );
        }
    }
    out
}

fn step_details(record: &StepRecord) -> String {
    let mut out = String::new();
    if let Some(job) = record.job() {
        let _ = writeln!(out, "  job       {} ({})", job.id, job.uuid);
    }
    if let crate::state::StepStatus::Submitting { tag, since } = &record.status {
        let _ = writeln!(
            out,
            "  submitting since {} with tag {tag}; no job id saved yet, so a resumed run looks the job up by this tag",
            timestamp(*since)
        );
    }
    let times = &record.times;
    let local = [
        ("queued", times.queued_at),
        ("started", times.started_at),
        ("finished", times.finished_at),
    ];
    let server = [
        ("created", times.job_created_at),
        ("started", times.job_started_at),
        ("completed", times.job_completed_at),
    ];
    for (label, pairs) in [("times", local), ("server", server)] {
        let known: Vec<String> = pairs
            .iter()
            .filter_map(|(name, at)| at.map(|at| format!("{name} {}", timestamp(at))))
            .collect();
        if !known.is_empty() {
            let _ = writeln!(out, "  {label:<9} {}", known.join(", "));
        }
    }
    if record.attempts > 1 {
        let _ = writeln!(out, "  attempts  {}", record.attempts);
    }
    match &record.status {
        crate::state::StepStatus::Failed { error, .. } => {
            let _ = writeln!(out, "  error     {error}");
        }
        crate::state::StepStatus::Skipped { reason } => {
            let _ = writeln!(out, "  skipped   {reason}");
        }
        _ => {
            if let Some(error) = &record.last_error {
                let _ = writeln!(out, "  last error {error}");
            }
        }
    }
    for check in &record.checks {
        let verdict = if check.passed { "PASS" } else { "FAIL" };
        let actual = check
            .actual
            .as_ref()
            .map_or_else(|| "missing".to_owned(), ToString::to_string);
        let _ = writeln!(
            out,
            "  check     {verdict} {} {} {} (actual {actual})",
            check.metric,
            check.op.symbol(),
            check.threshold
        );
    }
    out
}

fn timestamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
