//! `slflow schema`: print the manifest's JSON Schema.

use crate::cli::GlobalArgs;
use crate::exit::{CommandResult, Exit};

/// Runs `schema`.
pub fn run(_global: &GlobalArgs) -> CommandResult {
    let schema = crate::manifest::schema::manifest_schema();
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    super::stdout::write_stdout(&text)?;
    Ok(Exit::Success)
}
