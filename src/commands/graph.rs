//! `slflow graph`: the DAG as DOT or Mermaid.

use crate::cli::{GlobalArgs, GraphFormat, ManifestArgs};
use crate::exit::{CommandResult, Exit};
use crate::plan::graph_output;

use super::validate::load_plan;

/// Runs `graph`.
pub fn run(_global: &GlobalArgs, args: &ManifestArgs, format: GraphFormat) -> CommandResult {
    let plan = load_plan(args)?;
    let text = match format {
        GraphFormat::Dot => graph_output::dot(&plan),
        GraphFormat::Mermaid => graph_output::mermaid(&plan),
    };
    super::stdout::write_stdout(&text)?;
    super::validate::exit_without_drop(plan);
    Ok(Exit::Success)
}
