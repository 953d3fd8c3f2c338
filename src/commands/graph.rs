use crate::cli::*;
use crate::exit::{CommandResult, Failure};

pub fn run(_global: &GlobalArgs, _manifest: &ManifestArgs, _format: GraphFormat) -> CommandResult {
    Err(Failure::internal(miette::miette!(
        "`slflow graph` is not implemented yet"
    )))
}
