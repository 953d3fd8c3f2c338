//! `slflow plan`: what `apply` would do, node by node, against the saved state.

use crate::cli::{GlobalArgs, ManifestArgs, OutputFormat};
use crate::exit::{CommandResult, Exit, Failure};
use crate::plan::labels::{self, NoState, SavedRecord, SavedState, SavedStatus};
use crate::plan::output::{self, Summary};
use crate::state::{self, RunState, StepStatus};

use super::validate::load_plan;

/// Runs `plan`. With `--detailed-exitcode` it follows Terraform's convention: 0 when there is
/// nothing to do, 2 when there is work to do, and 1 for any error, a manifest error included,
/// so that 2 always means work to do.
pub fn run(
    global: &GlobalArgs,
    args: &ManifestArgs,
    format: OutputFormat,
    detailed_exitcode: bool,
) -> CommandResult {
    let result = show(global, args, format, detailed_exitcode);
    match result {
        Err(mut failure) if detailed_exitcode => {
            failure.exit = Exit::Internal;
            Err(failure)
        }
        other => other,
    }
}

fn show(
    _global: &GlobalArgs,
    args: &ManifestArgs,
    format: OutputFormat,
    detailed_exitcode: bool,
) -> CommandResult {
    let plan = load_plan(args)?;
    let state = saved_state(args)?;
    let labels = labels::label(&plan, state.as_ref());
    let text = match format {
        OutputFormat::Text => output::text(&plan, &labels, state.server_url().as_deref()),
        OutputFormat::Json => {
            let mut text =
                serde_json::to_string_pretty(&output::json(&plan, &labels)).unwrap_or_default();
            text.push('\n');
            text
        }
    };
    super::stdout::write_stdout(&text)?;
    let work = Summary::of(&labels).work_to_do();
    drop(labels);
    super::validate::exit_without_drop(plan);
    if detailed_exitcode && work {
        return Ok(Exit::Usage);
    }
    Ok(Exit::Success)
}

/// Returns the saved state of the last run, or none when no run saved one yet.
fn saved_state(args: &ManifestArgs) -> Result<Box<dyn SavedState>, Failure> {
    let path = args
        .state
        .clone()
        .unwrap_or_else(|| state::default_path(&args.manifest));
    match state::load(&path).map_err(Failure::usage)? {
        Some(saved) => Ok(Box::new(StateView(saved))),
        None => Ok(Box::new(NoState)),
    }
}

/// The state file as plan labels read it.
struct StateView(RunState);

impl SavedState for StateView {
    fn record(&self, instance_id: &str) -> Option<SavedRecord> {
        let record = self.0.steps.get(instance_id)?;
        let status = match &record.status {
            StepStatus::Pending | StepStatus::Skipped { .. } => SavedStatus::Pending,
            StepStatus::Submitting { .. } => SavedStatus::Submitting,
            StepStatus::Running { job: Some(job), .. } => SavedStatus::Running { job_id: job.id },
            StepStatus::Running { job: None, .. } => SavedStatus::Failed {
                error: "it was interrupted before finishing".to_string(),
            },
            StepStatus::Succeeded { .. } => SavedStatus::Succeeded,
            StepStatus::Failed { error, .. } => SavedStatus::Failed {
                error: error.clone(),
            },
            StepStatus::Cancelled { .. } => SavedStatus::Failed {
                error: "its job was cancelled".to_string(),
            },
        };
        Some(SavedRecord {
            status,
            fingerprint: record.fingerprint.clone(),
            outputs: record.outputs.clone(),
        })
    }

    fn server_url(&self) -> Option<String> {
        self.0.server_url.clone()
    }
}
