//! One plain line per state change, for logs and pipes (no terminal control codes).

use std::io::Write;

use crate::run::events::{Reporter, RunEvent};

/// Writes one line per event to a writer (stderr in the CLI).
pub struct LineReporter<W: Write + Send> {
    out: W,
    prefix: String,
}

impl<W: Write + Send> LineReporter<W> {
    /// Creates a reporter; `simulated` prefixes every line with `[sim]`.
    pub fn new(out: W, simulated: bool) -> Self {
        let prefix = if simulated {
            "[sim] ".to_string()
        } else {
            String::new()
        };
        LineReporter { out, prefix }
    }
}

/// Renders an event as one line, or `None` for events that need no line.
pub fn event_line(event: &RunEvent) -> Option<String> {
    let line = match event {
        RunEvent::Started {
            manifest,
            server,
            simulated,
            total,
            to_run,
        } => {
            let server = if *simulated {
                format!("the simulator at {server} (--sim: nothing reaches a real server)")
            } else {
                server.clone()
            };
            let done = total - to_run;
            if done == 0 {
                format!("apply {manifest}: {total} steps against {server}")
            } else {
                format!(
                    "apply {manifest}: {total} steps against {server}, {done} of them done in \
                     an earlier run"
                )
            }
        }
        RunEvent::Skipped { step, reason, .. } => format!("{step}: skipped ({reason})"),
        RunEvent::StepStarted { step, kind } => format!("{step}: started ({kind})"),
        RunEvent::JobSubmitted {
            step,
            job_id,
            job_type,
        } => {
            format!("{step}: submitted {job_type} job {job_id}")
        }
        RunEvent::JobAttached { step, job_id } => {
            format!("{step}: re-attached to job {job_id} from an earlier run")
        }
        RunEvent::JobState {
            step,
            job_id,
            state,
        } => format!("{step}: job {job_id} {state}"),
        RunEvent::Expanded { step, instances } => {
            format!("{step}: expanded into {} instances", instances.len())
        }
        RunEvent::StepSucceeded {
            step,
            elapsed,
            detail,
        } => match detail {
            Some(detail) => format!("{step}: done in {} ({detail})", format_duration(*elapsed)),
            None => format!("{step}: done in {}", format_duration(*elapsed)),
        },
        RunEvent::StepFailed { step, error } => format!("{step}: FAILED: {error}"),
        RunEvent::Check {
            step,
            metric,
            op,
            threshold,
            actual,
            passed,
        } => {
            let verdict = if *passed { "pass" } else { "FAIL" };
            format!("{step}: check {metric} {op} {threshold}: {verdict} (actual {actual})")
        }
        RunEvent::Interrupted {
            jobs_left_running,
            jobs_terminated,
        } => {
            let mut line = "interrupted: state saved".to_string();
            if !jobs_left_running.is_empty() {
                line.push_str(&format!(
                    "; jobs still running on the server: {} (the next apply re-attaches to them)",
                    join_ids(jobs_left_running)
                ));
            }
            if !jobs_terminated.is_empty() {
                line.push_str(&format!("; terminated jobs: {}", join_ids(jobs_terminated)));
            }
            line
        }
        RunEvent::Finished { exit, elapsed } => {
            format!(
                "finished in {} (exit code {})",
                format_duration(*elapsed),
                exit.code()
            )
        }
    };
    Some(line)
}

fn join_ids(ids: &[u64]) -> String {
    ids.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Formats a duration for people: `850ms`, `12.3s`, `4m05s`, `2h03m`.
pub fn format_duration(d: std::time::Duration) -> String {
    let secs = d.as_secs();
    if secs < 1 {
        format!("{}ms", d.as_millis())
    } else if secs < 60 {
        format!("{:.1}s", d.as_secs_f64())
    } else if secs < 3600 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{}h{:02}m", secs / 3600, (secs % 3600) / 60)
    }
}

impl<W: Write + Send> Reporter for LineReporter<W> {
    fn on_event(&mut self, event: &RunEvent) {
        if let Some(line) = event_line(event) {
            let time = chrono::Local::now().format("%H:%M:%S");
            // A closed stderr must not stop the run.
            let _ = writeln!(self.out, "{}{time} {line}", self.prefix);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn lines_carry_sim_prefix() {
        let mut buf = Vec::new();
        {
            let mut reporter = LineReporter::new(&mut buf, true);
            reporter.on_event(&RunEvent::JobState {
                step: "sat".into(),
                job_id: 42,
                state: "RUNNING".into(),
            });
        }
        let text = String::from_utf8(buf).unwrap();
        assert!(text.starts_with("[sim] "), "{text}");
        assert!(text.trim_end().ends_with("sat: job 42 RUNNING"), "{text}");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(Duration::from_millis(850)), "850ms");
        assert_eq!(format_duration(Duration::from_secs(245)), "4m05s");
        assert_eq!(format_duration(Duration::from_secs(7380)), "2h03m");
    }
}
