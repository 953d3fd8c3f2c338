//! Progress bars on a terminal: one overall bar and one spinner per running step.

use std::collections::HashMap;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::report::lines::event_line;
use crate::run::events::{Reporter, RunEvent};

/// Draws progress on stderr; used only when stderr is a terminal.
pub struct ProgressReporter {
    multi: MultiProgress,
    overall: ProgressBar,
    steps: HashMap<String, ProgressBar>,
    simulated: bool,
}

impl ProgressReporter {
    /// Creates the reporter drawing on stderr.
    pub fn new(simulated: bool) -> Self {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let overall = multi.add(ProgressBar::new(0));
        overall.set_style(
            ProgressStyle::with_template("{prefix}{bar:30} {pos}/{len} steps  {elapsed_precise}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        overall.set_prefix(if simulated { "[sim] " } else { "" });
        ProgressReporter {
            multi,
            overall,
            steps: HashMap::new(),
            simulated,
        }
    }

    fn spinner(&mut self, step: &str) -> &ProgressBar {
        let multi = &self.multi;
        let simulated = self.simulated;
        self.steps.entry(step.to_string()).or_insert_with(|| {
            let bar = multi.add(ProgressBar::new_spinner());
            bar.set_style(
                ProgressStyle::with_template("  {spinner} {prefix:20} {wide_msg} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            let prefix = if simulated {
                format!("{step} [sim]")
            } else {
                step.to_string()
            };
            bar.set_prefix(prefix);
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        })
    }

    fn finish_step(&mut self, step: &str) {
        if let Some(bar) = self.steps.remove(step) {
            bar.finish_and_clear();
        }
        self.overall.inc(1);
    }

    fn println(&self, event: &RunEvent) {
        if let Some(line) = event_line(event) {
            let prefix = if self.simulated { "[sim] " } else { "" };
            let _ = self.multi.println(format!("{prefix}{line}"));
        }
    }
}

impl Reporter for ProgressReporter {
    fn on_event(&mut self, event: &RunEvent) {
        match event {
            RunEvent::Started { total, .. } => {
                self.overall.set_length(*total as u64);
                self.println(event);
            }
            RunEvent::Skipped { step, .. } => {
                self.println(event);
                self.finish_step(step);
            }
            RunEvent::StepStarted { step, .. } => {
                self.spinner(step).set_message("starting");
            }
            RunEvent::JobSubmitted { step, job_id, .. }
            | RunEvent::JobAttached { step, job_id } => {
                let message = format!("job {job_id}");
                self.spinner(step).set_message(message);
            }
            RunEvent::JobState {
                step,
                job_id,
                state,
            } => {
                let message = format!("job {job_id} {state}");
                self.spinner(step).set_message(message);
            }
            RunEvent::Expanded { instances, .. } => {
                // The fan-out node becomes N instances: the total grows by N - 1.
                let extra = instances.len().saturating_sub(1) as u64;
                self.overall.inc_length(extra);
                self.println(event);
            }
            RunEvent::StepSucceeded { step, .. } | RunEvent::StepFailed { step, .. } => {
                self.println(event);
                self.finish_step(step);
            }
            RunEvent::Check { .. } | RunEvent::Interrupted { .. } => self.println(event),
            RunEvent::Finished { .. } => {
                for (_, bar) in self.steps.drain() {
                    bar.finish_and_clear();
                }
                self.overall.finish_and_clear();
                self.println(event);
            }
        }
    }
}
