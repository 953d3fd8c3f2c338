//! `slflow apply`: run the plan against a server, with resumable state.

use std::io::IsTerminal;

use crate::cli::{ApplyArgs, GlobalArgs};
use crate::commands::validate::load_plan;
use crate::exit::{CommandResult, Exit, Failure};
use crate::report::lines::LineReporter;
use crate::report::progress::ProgressReporter;
use crate::report::{ReportFiles, summary_table, write_reports};
use crate::run::coordinator::{self, RunError, RunSettings};
use crate::run::events::Reporter;
use crate::run::interrupt::Interrupt;
use crate::run::server::{ConnectError, connect};
use crate::state::{self, ManifestRef, RunState, StateLock};

/// Runs `apply`.
pub fn run(global: &GlobalArgs, args: ApplyArgs) -> CommandResult {
    let plan = load_plan(&args.manifest)?;
    let state_path = args
        .manifest
        .state
        .clone()
        .unwrap_or_else(|| state::default_path(&args.manifest.manifest));
    if let Some(dir) = state_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            Failure::runtime(miette::miette!(
                "cannot create the state directory {}: {e}",
                dir.display()
            ))
        })?;
    }
    let _lock = StateLock::acquire(&state_path).map_err(Failure::runtime)?;
    // A corrupt or newer state file is an input problem, as for `plan` and `status` (exit 2).
    let saved = state::load(&state_path).map_err(Failure::usage)?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::internal(miette::miette!("cannot start the async runtime: {e}")))?;
    coordinator::select_steps(&plan, &args.targets)
        .map_err(|error| Failure::usage(miette::miette!("{error}")))?;
    runtime.block_on(async {
        let connection = connect(&args.server, plan.server_url(), &state_path)
            .await
            .map_err(|error| match error {
                ConnectError::Usage(message) => Failure::usage(miette::miette!("{message}")),
                ConnectError::Runtime(error) => Failure::with_exit(Exit::StepFailed, error),
            })?;
        let simulated = connection.server.simulated;

        let state = saved.unwrap_or_else(|| {
            RunState::new(
                ManifestRef {
                    name: plan.name().to_string(),
                    path: args.manifest.manifest.clone(),
                },
                Some(&connection.server.identity),
                chrono::Utc::now(),
            )
        });
        let settings = RunSettings {
            concurrency: args.concurrency as usize,
            keep_going: args.keep_going,
            targets: args.targets.clone(),
            cancel_on_interrupt: args.cancel_on_interrupt,
            ..RunSettings::default()
        };
        let reporters = reporters(global, simulated);
        let outcome = coordinator::run(
            &plan,
            state,
            state_path.clone(),
            connection.server.clone(),
            settings,
            reporters,
            Interrupt::from_signals(args.cancel_on_interrupt),
        )
        .await
        .map_err(|error| match error {
            RunError::UnknownTarget { .. } => Failure::usage(miette::miette!("{error}")),
            RunError::Save(ref source) => Failure::runtime(miette::miette!("{error}: {source}")),
        })?;
        drop(connection);

        let color = crate::logging::stderr_color(global.color) && std::io::stdout().is_terminal();
        print_result(&outcome.state, outcome.exit, simulated, color);
        let files = ReportFiles {
            junit: args.junit.clone(),
            json: args.json.clone(),
            html: args.html.clone(),
            csv: None,
        };
        if !files.is_empty() {
            write_reports(&outcome.state, &files).map_err(Failure::runtime)?;
        }
        Ok(outcome.exit)
    })
}

fn reporters(global: &GlobalArgs, simulated: bool) -> Vec<Box<dyn Reporter>> {
    if global.quiet {
        return Vec::new();
    }
    if std::io::stderr().is_terminal() {
        vec![Box::new(ProgressReporter::new(simulated))]
    } else {
        vec![Box::new(LineReporter::new(std::io::stderr(), simulated))]
    }
}

/// Prints the summary table on stdout and, for a failed acceptance check, what failed.
fn print_result(state: &RunState, exit: Exit, simulated: bool, color: bool) {
    let mut out = String::new();
    if simulated {
        out.push_str("[sim] results from the embedded simulator, not a real server\n");
    }
    out.push_str(&summary_table(state, color));
    // The run has finished and its state is saved, so a failed write to stdout must not change
    // the exit code. The helper already ignores a closed pipe (e.g. `| head`).
    if let Err(failure) = super::stdout::write_stdout(&out) {
        tracing::warn!("{}", failure.report);
    }
    // Errors go to stderr even with --quiet: the table alone does not say why a step failed.
    for (id, record) in &state.steps {
        if let state::StepStatus::Failed { error, .. } = &record.status {
            eprintln!("step `{id}` failed: {error}");
        }
    }
    if exit == Exit::CheckFailed {
        for (id, record) in &state.steps {
            for check in record.checks.iter().filter(|c| !c.passed) {
                let actual = check.actual.as_ref().map_or_else(
                    || "not found in the reports".to_string(),
                    ToString::to_string,
                );
                eprintln!(
                    "acceptance check failed in step `{id}`: {} {} {} (actual: {actual})",
                    check.metric,
                    check.op.keyword(),
                    check.threshold
                );
            }
        }
    }
}
