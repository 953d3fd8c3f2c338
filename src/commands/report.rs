//! `slflow report`: write JUnit, JSON, HTML or CSV reports from saved state.

use crate::cli::{ColorChoice, GlobalArgs, ReportArgs};
use crate::exit::{CommandResult, Exit, Failure};
use crate::report::{self, ReportFiles};

use super::status::load_saved;
use super::stdout::write_stdout;

/// Writes each requested report file and names it on stderr. With no file requested, prints
/// the summary table on stdout instead.
pub fn run(global: &GlobalArgs, args: ReportArgs) -> CommandResult {
    let (_, saved) = load_saved(&args.manifest)?;
    let files = ReportFiles {
        junit: args.junit,
        json: args.json,
        html: args.html,
        csv: args.csv,
    };
    if files.is_empty() {
        write_stdout(&report::summary_table(
            &saved,
            global.color == ColorChoice::Always,
        ))?;
        return Ok(Exit::Success);
    }
    let written = report::write_reports(&saved, &files).map_err(Failure::usage)?;
    for path in written {
        if !global.quiet {
            eprintln!("wrote {}", path.display());
        }
    }
    Ok(Exit::Success)
}
