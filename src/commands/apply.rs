use crate::cli::*;
use crate::exit::{CommandResult, Failure};

pub fn run(_global: &GlobalArgs, _args: ApplyArgs) -> CommandResult {
    Err(Failure::internal(miette::miette!(
        "`slflow apply` is not implemented yet"
    )))
}
