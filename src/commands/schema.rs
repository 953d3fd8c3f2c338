use crate::cli::*;
use crate::exit::{CommandResult, Failure};

pub fn run(_global: &GlobalArgs) -> CommandResult {
    Err(Failure::internal(miette::miette!(
        "`slflow schema` is not implemented yet"
    )))
}
