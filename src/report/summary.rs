//! The summary table printed at the end of every run and by `status`.

use std::fmt::Write;

use super::format;
use super::order;
use crate::state::{RunState, StepStatus};

/// Renders the summary table: one row per step (step, kind, server job, state, duration,
/// checks) in dependency order, then a totals line. Columns are padded to fixed widths;
/// `color` adds ANSI colors to the state column only.
pub fn summary_table(state: &RunState, color: bool) -> String {
    let header = ["STEP", "KIND", "JOB", "STATE", "DURATION", "CHECKS"];
    let layers = order::layers(state);
    let rows: Vec<([String; 6], &StepStatus)> = layers
        .ordered()
        .map(|id| {
            let record = &state.steps[id];
            let cells = [
                id.to_owned(),
                record.kind.clone(),
                format::job(record),
                record.status.name().to_owned(),
                format::step_duration(record).map_or_else(|| "-".into(), format::duration),
                format::checks(record),
            ];
            (cells, &record.status)
        })
        .collect();

    let mut widths = header.map(str::len);
    for (cells, _) in &rows {
        for (width, cell) in widths.iter_mut().zip(cells) {
            *width = (*width).max(cell.chars().count());
        }
    }

    let mut out = String::new();
    push_row(&mut out, &header.map(str::to_owned), &widths, None);
    for (cells, status) in &rows {
        push_row(&mut out, cells, &widths, color.then(|| color_code(status)));
    }
    out.push_str(&totals_line(state));
    out.push('\n');
    out
}

fn push_row(out: &mut String, cells: &[String; 6], widths: &[usize; 6], color: Option<&str>) {
    let mut line = String::new();
    for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
        if i > 0 {
            line.push_str("  ");
        }
        let padded = format!("{cell:<width$}");
        // Column 3 is the state. The color codes go around the padded text, so widths stay right.
        match color {
            Some(code) if i == 3 => {
                let _ = write!(line, "\x1b[{code}m{padded}\x1b[0m");
            }
            _ => line.push_str(&padded),
        }
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

fn color_code(status: &StepStatus) -> &'static str {
    match status {
        StepStatus::Succeeded { .. } => "32",
        StepStatus::Failed { .. } | StepStatus::Cancelled { .. } => "31",
        StepStatus::Submitting { .. } | StepStatus::Running { .. } => "33",
        StepStatus::Pending | StepStatus::Skipped { .. } => "2",
    }
}

/// Returns e.g. `6 steps: 4 succeeded, 1 failed, 1 pending; checks 3/4 passed; outcome step_failed`.
fn totals_line(state: &RunState) -> String {
    let names = [
        "succeeded",
        "failed",
        "cancelled",
        "running",
        "submitting",
        "pending",
        "skipped",
    ];
    let counts: Vec<String> = names
        .iter()
        .filter_map(|name| {
            let n = state
                .steps
                .values()
                .filter(|r| r.status.name() == *name)
                .count();
            (n > 0).then(|| format!("{n} {name}"))
        })
        .collect();
    let checks: Vec<_> = state.steps.values().flat_map(|r| &r.checks).collect();
    let passed = checks.iter().filter(|c| c.passed).count();

    let steps = state.steps.len();
    let noun = if steps == 1 { "step" } else { "steps" };
    let mut line = format!("{steps} {noun}");
    if !counts.is_empty() {
        let _ = write!(line, ": {}", counts.join(", "));
    }
    if checks.is_empty() {
        line.push_str("; no checks");
    } else {
        let _ = write!(line, "; checks {passed}/{} passed", checks.len());
    }
    let _ = write!(line, "; outcome {}", state.outcome().name());
    line
}
