use crate::cli::*;
use crate::exit::{CommandResult, Failure};

pub fn run(_global: &GlobalArgs, _args: ReportArgs) -> CommandResult {
    Err(Failure::internal(miette::miette!(
        "`slflow report` is not implemented yet"
    )))
}
