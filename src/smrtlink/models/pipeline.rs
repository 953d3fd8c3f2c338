//! Resolved pipeline templates.

use serde::{Deserialize, Serialize};

use super::null_as_default;

/// A pipeline template from `/smrt-link/resolved-pipeline-templates`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelineTemplate {
    /// E.g. `cromwell.workflows.pb_sat`.
    pub id: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub description: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub version: String,
    /// E.g. `sat`, `dev`, `internal`; `dev`, `internal`, `alpha` and `obsolete` mark
    /// non-public templates.
    #[serde(default, deserialize_with = "null_as_default")]
    pub tags: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub entry_points: Vec<PipelineEntryPoint>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub task_options: Vec<PipelineOption>,
    /// Workflow-level options of pbsmrtpipe-era templates; usually empty or absent.
    #[serde(default, deserialize_with = "null_as_default")]
    pub options: Vec<PipelineOption>,
}

impl PipelineTemplate {
    /// Returns whether the template carries none of the tags that hide it from users.
    pub fn is_public(&self) -> bool {
        !self
            .tags
            .iter()
            .any(|tag| matches!(tag.as_str(), "dev" | "internal" | "alpha" | "obsolete"))
    }

    /// Finds the entry point with this id.
    pub fn entry_point(&self, entry_id: &str) -> Option<&PipelineEntryPoint> {
        self.entry_points
            .iter()
            .find(|entry| entry.entry_id == entry_id)
    }

    /// Finds the task option with this id.
    pub fn task_option(&self, option_id: &str) -> Option<&PipelineOption> {
        self.task_options
            .iter()
            .find(|option| option.id == option_id)
    }
}

/// An input slot of a pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelineEntryPoint {
    pub entry_id: String,
    pub file_type_id: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
}

/// A task or workflow option a pipeline declares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelineOption {
    #[serde(alias = "optionId")]
    pub id: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub description: String,
    #[serde(default)]
    pub default: serde_json::Value,
    /// E.g. `string`, `integer`, `float`, `boolean`, `choice_string`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub option_type_id: String,
    /// The allowed values of `choice_*` options.
    #[serde(default)]
    pub choices: Option<Vec<serde_json::Value>>,
}
