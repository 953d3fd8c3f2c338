//! `wait-run`: wait until every collection of a run is in a terminal state.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::RequestPreview;
use super::common::FieldError;

/// Outputs: the run record and its collections (uuid, name, well, status, context, path).
pub const OUTPUTS: &[&str] = &["run", "collections"];

/// Options: the run by `run` (UUID) or by `run_name`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// The run's UUID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    /// The run's exact name; used when the UUID is not known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_name: Option<String>,
    /// Succeed even when collections end Failed or Aborted.
    #[serde(default)]
    pub allow_failed: bool,
}

impl Options {
    /// Checks that exactly one way to find the run is given.
    pub fn validate(&self) -> Result<(), FieldError> {
        match (&self.run, &self.run_name) {
            (Some(_), Some(_)) => Err(FieldError::new(
                &["run_name"],
                "`run` and `run_name` are both set",
            )
            .help("keep one: `run` is the run UUID, `run_name` its exact name")
            .at_key()),
            (None, None) => Err(FieldError::new(&[], "missing `run` or `run_name`")
                .help("add `run = \"{{ steps.design.uuid }}\"` or `run_name = \"...\"`")),
            _ => Ok(()),
        }
    }

    /// Returns the lookup and the polled collection request.
    pub fn preview(&self) -> Vec<RequestPreview> {
        let (lookup, run) = match (&self.run, &self.run_name) {
            (Some(uuid), _) => (
                RequestPreview::get(format!("/smrt-link/runs/{uuid}")),
                uuid.clone(),
            ),
            (None, name) => (
                RequestPreview::get(format!(
                    "/smrt-link/runs?name={}",
                    name.clone().unwrap_or_default()
                )),
                "(run uuid)".to_string(),
            ),
        };
        vec![
            lookup,
            RequestPreview::get(format!("/smrt-link/runs/{run}/collections"))
                .note("polled until every collection is Complete, Failed or Aborted"),
        ]
    }

    // Execution: the runner adds `async fn execute` here.
}
