use crate::cli::*;
use crate::exit::{CommandResult, Failure};

pub fn run(
    _global: &GlobalArgs,
    _manifest: &ManifestArgs,
    _format: OutputFormat,
    _detailed_exitcode: bool,
) -> CommandResult {
    Err(Failure::internal(miette::miette!(
        "`slflow plan` is not implemented yet"
    )))
}
