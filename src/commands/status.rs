use crate::cli::*;
use crate::exit::{CommandResult, Failure};

pub fn run(_global: &GlobalArgs, _manifest: &ManifestArgs, _format: OutputFormat) -> CommandResult {
    Err(Failure::internal(miette::miette!(
        "`slflow status` is not implemented yet"
    )))
}
