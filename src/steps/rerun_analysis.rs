//! `rerun-analysis`: run an analysis again with the options of an earlier job, with overrides.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::RequestPreview;
use super::analysis::{task_options_json, validate_task_options};
use super::common::{FieldError, IdRef};

/// Outputs: as `analysis`.
pub const OUTPUTS: &[&str] = super::analysis::OUTPUTS;

/// Options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// The job to rerun (id or UUID).
    pub job: IdRef,
    /// Name of the new job (default: the old name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Task options to change; the others keep the old job's values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
    pub task_options: BTreeMap<String, serde_json::Value>,
}

impl Options {
    /// Checks the overrides.
    pub fn validate(&self) -> Result<(), FieldError> {
        validate_task_options(&self.task_options)
    }

    /// Returns the options lookup and the new job request.
    pub fn preview(&self) -> Vec<RequestPreview> {
        let mut body = serde_json::json!({
            "(options of job)": self.job.to_json(),
            "taskOptions (overrides)": task_options_json(&self.task_options),
        });
        if let (Some(name), Some(map)) = (&self.name, body.as_object_mut()) {
            map.insert("name".into(), name.clone().into());
        }
        vec![
            RequestPreview::get(format!(
                "/smrt-link/job-manager/jobs/analysis/{}/options",
                self.job
            )),
            RequestPreview::post("/smrt-link/job-manager/jobs/analysis", body)
                .note("the old job's options with these overrides; polled until the job ends"),
        ]
    }

    // Execution: the runner adds `async fn execute` here.
}
