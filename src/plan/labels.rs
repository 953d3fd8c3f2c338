//! Plan labels: what `apply` would do with each node, given the saved state of the last run.
//!
//! The state module owns the state file; this module reads it through the `SavedState` trait
//! so that `plan` only needs instance id -> (status, fingerprint, job id, outputs).

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::steps::StepOptions;

use super::{Plan, PlanNode, StepOutputs};

/// The saved status of one instance, as far as plan labels need it.
#[derive(Debug, Clone, PartialEq)]
pub enum SavedStatus {
    /// Not started.
    Pending,
    /// The job-creating request was about to be sent; its job is looked up by tag on resume.
    Submitting,
    /// A server job is running.
    Running {
        job_id: u64,
    },
    Succeeded,
    Failed {
        error: String,
    },
}

/// The saved record of one instance.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedRecord {
    pub status: SavedStatus,
    pub fingerprint: String,
    pub outputs: serde_json::Value,
}

/// Read access to the state of the last run.
pub trait SavedState {
    /// Returns the record of an instance, if the last run saved one.
    fn record(&self, instance_id: &str) -> Option<SavedRecord>;

    /// Returns the server URL the last run used, for fingerprints when the plan has none.
    fn server_url(&self) -> Option<String> {
        None
    }
}

/// No saved state: every instance will run.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoState;

impl SavedState for NoState {
    fn record(&self, _: &str) -> Option<SavedRecord> {
        None
    }
}

impl SavedState for BTreeMap<String, SavedRecord> {
    fn record(&self, instance_id: &str) -> Option<SavedRecord> {
        self.get(instance_id).cloned()
    }
}

/// The action `apply` would take with a node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Done with the same fingerprint: skipped.
    Skip,
    /// A job is in flight: re-attached, never resubmitted.
    Attach {
        #[serde(skip_serializing_if = "Option::is_none")]
        job_id: Option<u64>,
    },
    /// Never ran: runs.
    Run,
    /// Ran before but runs again.
    Rerun { reason: String },
    /// A fan-out whose items come from these steps' outputs.
    ExpandsAfter { steps: Vec<String> },
}

impl Action {
    /// Returns whether the action means work for `apply`.
    pub fn is_work(&self) -> bool {
        !matches!(self, Action::Skip)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Skip => f.write_str("done (skip)"),
            Action::Attach { job_id: Some(id) } => write!(f, "in flight (attach to job {id})"),
            Action::Attach { job_id: None } => {
                f.write_str("in flight (find the submitted job by its tag)")
            }
            Action::Run => f.write_str("run"),
            Action::Rerun { reason } => write!(f, "run again because {reason}"),
            Action::ExpandsAfter { steps } => {
                let names: Vec<String> = steps.iter().map(|s| format!("`{s}`")).collect();
                write!(f, "expands after {}", names.join(", "))
            }
        }
    }
}

/// One node with its label, fingerprint and, when known, its final options.
#[derive(Debug, Clone)]
pub struct LabeledNode<'a> {
    pub node: &'a PlanNode,
    pub action: Action,
    /// Known when every option value could be rendered (from the plan or saved outputs).
    pub fingerprint: Option<String>,
    pub options: Option<StepOptions>,
}

/// Labels every node, in plan order. Outputs saved by steps that are done are used to render
/// the options of the steps that read them, so their fingerprints can be compared too.
pub fn label<'a>(plan: &'a Plan, state: &dyn SavedState) -> Vec<LabeledNode<'a>> {
    let server = plan
        .server_url()
        .map(str::to_string)
        .or_else(|| state.server_url())
        .unwrap_or_default();
    let mut outputs = StepOutputs::new();
    let mut out = Vec::with_capacity(plan.nodes().len());
    for node in plan.nodes() {
        let PlanNode::Instance(instance) = node else {
            if let PlanNode::Fanout(f) = node {
                out.push(LabeledNode {
                    node,
                    action: Action::ExpandsAfter {
                        steps: f.expands_after.clone(),
                    },
                    fingerprint: None,
                    options: None,
                });
            }
            continue;
        };
        let options = match instance.options() {
            Some(o) => Some(o.clone()),
            // Without saved outputs nothing deferred can be rendered; skip the attempt.
            None if outputs.is_empty() => None,
            None => plan.render_instance(instance, &outputs).ok(),
        };
        let fingerprint = options.as_ref().map(|o| o.fingerprint(&server));
        let action = match state.record(&instance.id) {
            None
            | Some(SavedRecord {
                status: SavedStatus::Pending,
                ..
            }) => Action::Run,
            Some(record) => match record.status {
                SavedStatus::Succeeded => match &fingerprint {
                    Some(f) if *f == record.fingerprint => {
                        outputs.insert(instance.id.clone(), record.outputs.clone());
                        Action::Skip
                    }
                    Some(_) => Action::Rerun {
                        reason: "its request changed since the last run".to_string(),
                    },
                    None => Action::Rerun {
                        reason: format!(
                            "it reads outputs of {} that runs again",
                            instance
                                .waits_for
                                .iter()
                                .map(|s| format!("`{s}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    },
                },
                // A changed request wins over a job in flight: apply runs the new request.
                SavedStatus::Running { .. } | SavedStatus::Submitting
                    if fingerprint
                        .as_ref()
                        .is_some_and(|f| *f != record.fingerprint) =>
                {
                    Action::Rerun {
                        reason: "its request changed since the last run".to_string(),
                    }
                }
                SavedStatus::Running { job_id } => Action::Attach {
                    job_id: Some(job_id),
                },
                SavedStatus::Submitting => Action::Attach { job_id: None },
                SavedStatus::Failed { error } => Action::Rerun {
                    reason: format!("it failed last time: {error}"),
                },
                SavedStatus::Pending => Action::Run,
            },
        };
        out.push(LabeledNode {
            node,
            action,
            fingerprint,
            options,
        });
    }
    out
}
