//! `plan` output: a readable text listing and a stable JSON document.
//!
//! The JSON document (`format_version` 1) is:
//!
//! ```text
//! { "format_version": 1,
//!   "manifest": { "name", "path" },
//!   "server": string | null,            (user name and password removed)
//!   "nodes": [ { "id", "step", "kind", "node": "instance" | "fanout", "key"?: string,
//!                "needs": [node id], "waits_for": [step id],
//!                "action": { "action": "skip" | "attach" | "run" | "rerun" | "expands_after",
//!                            "job_id"?: int, "reason"?: string, "steps"?: [step id] },
//!                "label": string, "fingerprint": string | null,
//!                "settings": { "timeout", "poll_interval", "poll_max" },
//!                "requests": [ { "method", "path", "body", "note"? } ] } ],
//!   "summary": { "skip", "attach", "run", "rerun", "expands_after", "work_to_do": bool } }
//! ```
//!
//! Values known only after another step runs appear as the string `(known after <step>)`.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::state::redact_url;
use crate::steps::StepOptions;
use crate::steps::common::{
    display_deferred, display_deferred_json, display_deferred_with, is_deferred, resolve_local_path,
};

use super::labels::{Action, LabeledNode};
use super::{Plan, PlanNode};

/// Counts of each action.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub skip: usize,
    pub attach: usize,
    pub run: usize,
    pub rerun: usize,
    pub expands_after: usize,
}

impl Summary {
    /// Counts the actions of labelled nodes.
    pub fn of(labels: &[LabeledNode<'_>]) -> Summary {
        let mut s = Summary::default();
        for l in labels {
            match l.action {
                Action::Skip => s.skip += 1,
                Action::Attach { .. } => s.attach += 1,
                Action::Run => s.run += 1,
                Action::Rerun { .. } => s.rerun += 1,
                Action::ExpandsAfter { .. } => s.expands_after += 1,
            }
        }
        s
    }

    /// Returns whether `apply` has anything to do.
    pub fn work_to_do(&self) -> bool {
        self.attach + self.run + self.rerun + self.expands_after > 0
    }
}

fn requests(plan: &Plan, label: &LabeledNode<'_>) -> Vec<crate::steps::RequestPreview> {
    let options = match (&label.options, label.node) {
        (Some(options), _) => options,
        (None, PlanNode::Instance(instance)) => instance.display_options(),
        (None, PlanNode::Fanout(_)) => return Vec::new(),
    };
    match options {
        StepOptions::ImportDataset(import) if !is_deferred(&import.path) => {
            // `apply` sends the path resolved against the manifest's directory, so the
            // preview shows that path, not the one written in the manifest.
            let mut resolved = import.clone();
            resolved.path = resolve_local_path(plan.base_dir(), &import.path)
                .display()
                .to_string();
            resolved.preview()
        }
        other => other.preview(),
    }
}

/// Writes the `Server:` header line: where the server that fingerprints use comes from.
fn server_line(out: &mut String, plan: &Plan, last_run_server: Option<&str>) {
    let _ = match (plan.server_url(), last_run_server) {
        (Some(url), _) => writeln!(out, "Server: {} (not contacted)", redact_url(url)),
        (None, Some(last)) => writeln!(
            out,
            "Server: not set; comparing against the server of the last run ({})",
            redact_url(last)
        ),
        (None, None) => writeln!(
            out,
            "Server: not set (set [server].url or SLFLOW_SERVER); fingerprints are computed without one"
        ),
    };
}

/// Renders the plan as text. `last_run_server` is the server URL saved by the last run, which
/// labels compare fingerprints against when the plan sets no server.
pub fn text(plan: &Plan, labels: &[LabeledNode<'_>], last_run_server: Option<&str>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Plan for `{}` ({})", plan.name(), plan.source().name);
    server_line(&mut out, plan, last_run_server);
    for label in labels {
        out.push('\n');
        let node = label.node;
        let _ = writeln!(out, "{} ({}): {}", node.id(), node.kind(), label.action);
        if let PlanNode::Instance(instance) = node
            && label.options.is_none()
            && !instance.waits_for.is_empty()
        {
            let names: Vec<String> = instance
                .waits_for
                .iter()
                .map(|s| format!("`{s}`"))
                .collect();
            let _ = writeln!(out, "  values known after {}", names.join(", "));
        }
        for request in requests(plan, label) {
            let path = display_deferred(&request.path);
            let _ = write!(out, "  {:<4} {path}", request.method);
            if let Some(note) = &request.note {
                let _ = write!(out, "  # {}", display_deferred(note));
            }
            out.push('\n');
            if !request.body.is_null() {
                // serde_json writes the placeholder mark as the escape `\u0001`.
                let body = serde_json::to_string_pretty(&request.body).unwrap_or_default();
                let body = display_deferred_with(&body, "\\u0001");
                out.push_str("       ");
                out.push_str(&body.replace('\n', "\n       "));
                out.push('\n');
            }
        }
    }
    let s = Summary::of(labels);
    let _ = writeln!(
        out,
        "\nSummary: {} to run, {} to run again, {} in flight, {} done, {} fan-out(s) expand at run time.",
        s.run, s.rerun, s.attach, s.skip, s.expands_after
    );
    out
}

/// Renders the plan as the JSON document described in the module documentation.
pub fn json(plan: &Plan, labels: &[LabeledNode<'_>]) -> Value {
    let nodes: Vec<Value> = labels
        .iter()
        .map(|label| {
            let node = label.node;
            let requests: Vec<Value> = requests(plan, label)
                .into_iter()
                .map(|r| display_deferred_json(&serde_json::to_value(&r).unwrap_or_default()))
                .collect();
            let mut v = json!({
                "id": node.id(),
                "step": node.step(),
                "kind": node.kind().name(),
                "node": if matches!(node, PlanNode::Fanout(_)) { "fanout" } else { "instance" },
                "needs": node.needs(),
                "action": serde_json::to_value(&label.action).unwrap_or_default(),
                "label": label.action.to_string(),
                "fingerprint": label.fingerprint,
                "requests": requests,
            });
            if let (PlanNode::Instance(instance), Some(map)) = (node, v.as_object_mut()) {
                if let Some(key) = &instance.key {
                    map.insert("key".into(), key.clone().into());
                }
                map.insert("waits_for".into(), json!(instance.waits_for));
                map.insert(
                    "settings".into(),
                    serde_json::to_value(instance.settings).unwrap_or_default(),
                );
            }
            v
        })
        .collect();
    let s = Summary::of(labels);
    json!({
        "format_version": 1,
        "manifest": { "name": plan.name(), "path": &*plan.source().name },
        "server": plan.server_url().map(redact_url),
        "nodes": nodes,
        "summary": {
            "skip": s.skip,
            "attach": s.attach,
            "run": s.run,
            "rerun": s.rerun,
            "expands_after": s.expands_after,
            "work_to_do": s.work_to_do(),
        },
    })
}
