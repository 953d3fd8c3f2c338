//! `slflow validate`: parse, render, type-check and build the DAG; nothing is contacted.

use std::path::Path;

use crate::cli::{GlobalArgs, ManifestArgs, OutputFormat};
use crate::exit::{CommandResult, Exit, Failure};
use crate::plan::{Plan, PlanInput, PlanNode};

/// Builds the plan from the command-line arguments; a manifest error becomes exit code 2.
/// `plan` and `validate` take no `--server`, so the server comes from `SLFLOW_SERVER` (then
/// `[server].url`) and is only used for fingerprints and display.
pub fn load_plan(args: &ManifestArgs) -> Result<Plan, Failure> {
    let server = std::env::var("SLFLOW_SERVER")
        .ok()
        .filter(|s| !s.trim().is_empty());
    let input = PlanInput::read(
        &args.manifest,
        args.vars_file.as_deref(),
        args.vars.clone(),
        server,
    )
    .map_err(Failure::usage)?;
    Plan::build(&input).map_err(Failure::usage)
}

/// Runs `validate`.
pub fn run(_global: &GlobalArgs, args: &ManifestArgs, format: OutputFormat) -> CommandResult {
    let plan = load_plan(args)?;
    let steps = plan.step_ids().count();
    let instances = plan.instance_count();
    let fanouts = plan
        .nodes()
        .iter()
        .filter(|n| matches!(n, PlanNode::Fanout(_)))
        .count();
    match format {
        OutputFormat::Text => {
            let mut line = format!(
                "{}: manifest `{}` is valid: {}",
                display(&args.manifest),
                plan.name(),
                count(steps, "step", "steps")
            );
            // A fan-out step expands into several instances, so the instance count is worth a
            // mention only when the manifest fans out. A fan-out that reads step outputs has
            // no instances yet.
            if fanouts > 0 {
                line.push_str(&format!(
                    ", {} known before the run and {} at run time",
                    count(instances, "step instance", "step instances"),
                    count(fanouts, "fan-out that expands", "fan-outs that expand")
                ));
            } else if instances != steps {
                line.push_str(&format!(
                    ", {}",
                    count(
                        instances,
                        "step instance after fan-out",
                        "step instances after fan-out"
                    )
                ));
            }
            line.push('\n');
            super::stdout::write_stdout(&line)?;
        }
        OutputFormat::Json => {
            let doc = serde_json::json!({
                "valid": true,
                "manifest": { "name": plan.name(), "path": display(&args.manifest) },
                "steps": steps,
                "instances": instances,
                "runtime_fanouts": fanouts,
            });
            let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
            text.push('\n');
            super::stdout::write_stdout(&text)?;
        }
    }
    exit_without_drop(plan);
    Ok(Exit::Success)
}

/// Skips freeing the plan: the process is about to exit, and for large manifests freeing
/// hundreds of thousands of small allocations takes about a tenth of the run time.
pub fn exit_without_drop(plan: crate::plan::Plan) {
    std::mem::forget(plan);
}

/// Formats `n` with the singular or plural noun, e.g. `1 step` or `4 steps`.
fn count(n: usize, singular: &str, plural: &str) -> String {
    if n == 1 {
        format!("{n} {singular}")
    } else {
        format!("{n} {plural}")
    }
}

fn display(path: &Path) -> String {
    path.display().to_string()
}
