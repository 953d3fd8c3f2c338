//! The HTML report: one self-contained page, with inline CSS and no scripts or external assets.

use std::fmt::Write;

use chrono::{DateTime, Utc};

use super::dag_svg::dag_svg;
use super::format::{self, escape_xml as esc};
use super::order::{self, Layers};
use crate::state::{RunState, StepRecord, StepStatus, redact_url};

const STYLE: &str = r#"
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; }
table { border-collapse: collapse; } td, th { padding: 3px 10px; border-bottom: 1px solid #ddd; text-align: left; }
th { background: #f3f3f3; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.meta td { border: none; padding: 1px 10px 1px 0; }
.badge { padding: 2px 8px; border-radius: 4px; color: #fff; font-weight: 600; }
.o-succeeded, .pass { background: #2e7d32; } .o-step_failed, .o-check_failed, .fail { background: #c62828; }
.o-incomplete { background: #9e6a00; }
.timeline { width: 100%; } .timeline td.bar { width: 60%; position: relative; }
.track { position: relative; height: 14px; background: #f5f5f5; }
.seg { position: absolute; top: 0; height: 14px; }
.seg.queued { background: #b0bec5; } .seg.running { background: #1565c0; }
.seg.s-failed, .seg.s-cancelled { background: #c62828; } .seg.s-succeeded { background: #2e7d32; }
.legend span { display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 12px; vertical-align: middle; }
.dag .edge { fill: none; stroke: #666; stroke-width: 1.3; }
.dag text { font: 12px system-ui, sans-serif; fill: #111; }
.dag rect { stroke: #555; fill: #eee; }
.dag .s-succeeded rect { fill: #c8e6c9; } .dag .s-failed rect, .dag .s-cancelled rect { fill: #ffcdd2; }
.dag .s-running rect, .dag .s-submitting rect { fill: #bbdefb; } .dag .s-skipped rect { fill: #f5f5f5; stroke-dasharray: 4 3; }
pre { white-space: pre-wrap; background: #fafafa; padding: 6px; border: 1px solid #eee; }
"#;

/// Renders the HTML report: run facts, the summary table, a timeline of queued and running
/// time per step, the DAG as inline SVG, the checks, the metrics and the errors. Every value
/// from the state is HTML-escaped.
pub fn html_report(state: &RunState) -> String {
    let layers = order::layers(state);
    let title = format!("slflow report: {}", state.manifest.name);
    let outcome = state.outcome().name();

    let mut page =
        String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(
        page,
        "<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>",
        esc(&title)
    );
    let _ = writeln!(
        page,
        "<h1>{} <span class=\"badge o-{outcome}\">{outcome}</span></h1>",
        esc(&title)
    );
    push_meta(&mut page, state);

    page.push_str("<h2>Steps</h2>\n");
    push_steps(&mut page, state, &layers);
    page.push_str("<h2>Timeline</h2>\n");
    push_timeline(&mut page, state, &layers);
    page.push_str("<h2>Dependency graph</h2>\n");
    page.push_str(&dag_svg(state, &layers));
    page.push_str("<h2>Checks</h2>\n");
    push_checks(&mut page, state, &layers);
    page.push_str("<h2>Metrics</h2>\n");
    push_metrics(&mut page, state, &layers);
    push_errors(&mut page, state, &layers);
    page.push_str("</body>\n</html>\n");
    page
}

fn push_meta(page: &mut String, state: &RunState) {
    let mut rows = vec![
        ("Manifest", state.manifest.path.display().to_string()),
        (
            "Server",
            state
                .server_url
                .as_deref()
                .map(redact_url)
                .unwrap_or_else(|| "-".into()),
        ),
        ("Created", format::timestamp(state.created_at)),
        ("Last saved", format::timestamp(state.updated_at)),
    ];
    rows.push((
        "Lineage / serial",
        format!("{} / {}", state.lineage, state.serial),
    ));
    page.push_str("<table class=\"meta\">\n");
    for (name, value) in rows {
        let _ = writeln!(page, "<tr><td>{name}</td><td>{}</td></tr>", esc(&value));
    }
    page.push_str("</table>\n");
}

fn push_steps(page: &mut String, state: &RunState, layers: &Layers) {
    page.push_str(
        "<table>\n<tr><th>Step</th><th>Kind</th><th>Job</th><th>State</th><th>Duration</th>\
         <th>Attempts</th><th>Checks</th></tr>\n",
    );
    for id in layers.ordered() {
        let record = &state.steps[id];
        let duration = format::step_duration(record).map_or_else(|| "-".into(), format::duration);
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td>{}</td></tr>",
            esc(id),
            esc(&record.kind),
            esc(&format::job(record)),
            record.status.name(),
            esc(&duration),
            record.attempts,
            esc(&format::checks(record))
        );
    }
    page.push_str("</table>\n");
}

/// The two parts of a step's bar: time waiting (in slflow's queue, then the server's) and time
/// running. A step still in flight runs until the last save.
fn bar_times(
    record: &StepRecord,
    last_saved: DateTime<Utc>,
) -> Option<(DateTime<Utc>, DateTime<Utc>, DateTime<Utc>)> {
    let times = &record.times;
    let start = times
        .queued_at
        .or(times.job_created_at)
        .or(times.started_at)?;
    let running_from = times
        .job_started_at
        .or(times.started_at)
        .unwrap_or(start)
        .max(start);
    let in_flight = matches!(
        record.status,
        StepStatus::Running { .. } | StepStatus::Submitting { .. }
    );
    let end = times
        .finished_at
        .or(times.job_completed_at)
        .or(in_flight.then_some(last_saved))
        .unwrap_or(running_from)
        .max(running_from);
    Some((start, running_from, end))
}

fn push_timeline(page: &mut String, state: &RunState, layers: &Layers) {
    let bars: Vec<(&str, &StepRecord, _)> = layers
        .ordered()
        .filter_map(|id| {
            let record = &state.steps[id];
            bar_times(record, state.updated_at).map(|bar| (id, record, bar))
        })
        .collect();
    let (Some(t0), Some(t1)) = (
        bars.iter().map(|(_, _, (start, _, _))| *start).min(),
        bars.iter().map(|(_, _, (_, _, end))| *end).max(),
    ) else {
        page.push_str("<p>No step has started yet.</p>\n");
        return;
    };
    let span = (t1 - t0).as_seconds_f64().max(1.0);
    let percent = |at: DateTime<Utc>| (at - t0).as_seconds_f64() / span * 100.0;

    let _ = writeln!(
        page,
        "<p class=\"legend\">From {} to {}<span class=\"seg queued\" style=\"position:static\"></span>queued\
         <span class=\"seg running\" style=\"position:static\"></span>running</p>",
        format::timestamp(t0),
        format::timestamp(t1)
    );
    page.push_str("<table class=\"timeline\">\n<tr><th>Step</th><th>Queued</th><th>Running</th><th></th></tr>\n");
    for (id, record, (start, running_from, end)) in bars {
        let queued = running_from - start;
        let running = end - running_from;
        let status = record.status.name();
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"bar\"><div class=\"track\">\
             <div class=\"seg queued\" style=\"left:{:.2}%;width:{:.2}%\" title=\"queued {}\"></div>\
             <div class=\"seg running s-{status}\" style=\"left:{:.2}%;width:{:.2}%\" title=\"{status} {}\"></div>\
             </div></td></tr>",
            esc(id),
            if queued.is_zero() {
                "-".to_owned()
            } else {
                format::duration(queued)
            },
            format::duration(running),
            percent(start),
            percent(running_from) - percent(start),
            format::duration(queued),
            percent(running_from),
            percent(end) - percent(running_from),
            format::duration(running)
        );
    }
    page.push_str("</table>\n");
}

fn push_checks(page: &mut String, state: &RunState, layers: &Layers) {
    let checks: Vec<_> = layers
        .ordered()
        .flat_map(|id| state.steps[id].checks.iter().map(move |check| (id, check)))
        .collect();
    if checks.is_empty() {
        page.push_str("<p>No acceptance checks.</p>\n");
        return;
    }
    page.push_str(
        "<table>\n<tr><th>Step</th><th>Metric</th><th>Expected</th><th>Actual</th><th>Result</th>\
         <th>Report</th></tr>\n",
    );
    for (id, check) in checks {
        let (class, verdict) = if check.passed {
            ("pass", "PASS")
        } else {
            ("fail", "FAIL")
        };
        let actual = check
            .actual
            .as_ref()
            .map_or_else(|| "missing".into(), format::value);
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{} {}</td><td class=\"num\">{}</td>\
             <td><span class=\"badge {class}\">{verdict}</span></td><td>{}</td></tr>",
            esc(id),
            esc(&check.metric),
            esc(check.op.symbol()),
            esc(&format::value(&check.threshold)),
            esc(&actual),
            esc(check.report.as_deref().unwrap_or("-"))
        );
    }
    page.push_str("</table>\n");
}

fn push_metrics(page: &mut String, state: &RunState, layers: &Layers) {
    let metrics: Vec<_> = layers
        .ordered()
        .flat_map(|id| {
            state.steps[id]
                .metrics
                .iter()
                .map(move |(name, value)| (id, name, value))
        })
        .collect();
    if metrics.is_empty() {
        page.push_str("<p>No metrics.</p>\n");
        return;
    }
    page.push_str("<table>\n<tr><th>Step</th><th>Metric</th><th>Value</th></tr>\n");
    for (id, name, value) in metrics {
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            esc(id),
            esc(name),
            esc(&format::value(value))
        );
    }
    page.push_str("</table>\n");
}

fn push_errors(page: &mut String, state: &RunState, layers: &Layers) {
    let errors: Vec<_> = layers
        .ordered()
        .filter_map(|id| match &state.steps[id].status {
            StepStatus::Failed { error, .. } => Some((id, error.as_str())),
            StepStatus::Skipped { reason } => Some((id, reason.as_str())),
            _ => None,
        })
        .collect();
    if errors.is_empty() {
        return;
    }
    page.push_str("<h2>Errors and skipped steps</h2>\n");
    for (id, message) in errors {
        let _ = writeln!(page, "<h3>{}</h3>\n<pre>{}</pre>", esc(id), esc(message));
    }
}
