//! `slflow plan`: what `apply` would do, node by node, against the saved state.

use crate::cli::{GlobalArgs, ManifestArgs, OutputFormat};
use crate::exit::{CommandResult, Exit};
use crate::plan::labels::{self, NoState, SavedState};
use crate::plan::output::{self, Summary};

use super::validate::load_plan;

/// Runs `plan`; with `--detailed-exitcode`, exits 2 when there is work to do.
pub fn run(
    _global: &GlobalArgs,
    args: &ManifestArgs,
    format: OutputFormat,
    detailed_exitcode: bool,
) -> CommandResult {
    let plan = load_plan(args)?;
    let state = saved_state(args);
    let labels = labels::label(&plan, state.as_ref());
    match format {
        OutputFormat::Text => print!("{}", output::text(&plan, &labels)),
        OutputFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&output::json(&plan, &labels)).unwrap_or_default()
        ),
    }
    if detailed_exitcode && Summary::of(&labels).work_to_do() {
        return Ok(Exit::Usage);
    }
    Ok(Exit::Success)
}

/// Returns the saved state of the last run.
// TODO: read the state file (`--state`, or `.slflow/<stem>.state.json` beside the manifest)
// once the state module exists; until then every instance is labelled as never run.
fn saved_state(_args: &ManifestArgs) -> Box<dyn SavedState> {
    Box::new(NoState)
}
