use crate::cli::*;
use crate::exit::{CommandResult, Failure};

pub fn run(_global: &GlobalArgs, _args: SimArgs) -> CommandResult {
    Err(Failure::internal(miette::miette!(
        "`slflow sim` is not implemented yet"
    )))
}
