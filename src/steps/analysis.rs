//! `analysis`: start an analysis job of a pipeline on imported datasets and wait for it.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::RequestPreview;
use super::common::{FieldError, IdRef};

/// Outputs: the job's id, UUID, final state and directory.
pub const OUTPUTS: &[&str] = &["id", "uuid", "state", "path"];

/// One dataset, or several that the server merges before the analysis (auto-merge).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum EntryDatasets {
    One(IdRef),
    Many(Vec<IdRef>),
}

impl EntryDatasets {
    /// Returns the datasets as a list.
    pub fn ids(&self) -> Vec<&IdRef> {
        match self {
            EntryDatasets::One(id) => vec![id],
            EntryDatasets::Many(ids) => ids.iter().collect(),
        }
    }
}

/// Options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// Pipeline template id (`cromwell.workflows.pb_sat`), short id (`pb_sat`) or name.
    pub pipeline: String,
    /// Job name.
    pub name: String,
    /// Entry id (`eid_subread`, `eid_ref_dataset`, ...) to a dataset id or UUID, or a list of
    /// them to merge.
    pub entry_points: BTreeMap<String, EntryDatasets>,
    /// Task option id to value; the option type comes from the pipeline template.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
    pub task_options: BTreeMap<String, serde_json::Value>,
    /// Project id of the job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<IdRef>,
    /// Compute preset: its id, the last part of its id, or its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// Job description (the job's comment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl Options {
    /// Checks entry points and task option values.
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.entry_points.is_empty() {
            return Err(FieldError::new(&["entry_points"], "`entry_points` is empty")
                .help("map each entry id to a dataset, e.g. `{ eid_subread = \"{{ steps.subreads.uuid }}\" }`"));
        }
        for (entry, datasets) in &self.entry_points {
            if datasets.ids().is_empty() {
                return Err(FieldError::new(
                    &["entry_points", entry],
                    format!("entry point `{entry}` has no dataset"),
                ));
            }
        }
        validate_task_options(&self.task_options)
    }

    /// Returns the pipeline lookup and the job request.
    pub fn preview(&self) -> Vec<RequestPreview> {
        let mut body = serde_json::json!({
            "name": self.name,
            "pipelineId": format!("(id of pipeline {})", self.pipeline),
            "entryPoints": entry_points_json(&self.entry_points),
            "taskOptions": task_options_json(&self.task_options),
            "workflowOptions": [],
        });
        if let Some(map) = body.as_object_mut() {
            if let Some(project) = &self.project {
                map.insert("projectId".into(), project.to_json());
            }
            if let Some(preset) = &self.preset {
                map.insert("presetId".into(), format!("(id of preset {preset})").into());
            }
            if let Some(description) = &self.description {
                map.insert("description".into(), description.clone().into());
            }
        }
        vec![
            RequestPreview::get(format!(
                "/smrt-link/resolved-pipeline-templates/{}",
                self.pipeline
            ))
            .note("resolves the pipeline and the types of its entry points and options"),
            RequestPreview::post("/smrt-link/job-manager/jobs/analysis", body)
                .note("polled until the job ends"),
        ]
    }

    // Execution: the runner adds `async fn execute` here.
}

/// Checks that every task option value is a scalar.
pub fn validate_task_options(
    options: &BTreeMap<String, serde_json::Value>,
) -> Result<(), FieldError> {
    for (id, value) in options {
        if value.is_array() || value.is_object() {
            return Err(FieldError::new(
                &["task_options", id],
                format!("task option `{id}` must be a string, number or boolean"),
            )
            .help("task options take one scalar value each"));
        }
    }
    Ok(())
}

/// Returns the `entryPoints` body; repeated entry ids make the server merge the datasets.
pub fn entry_points_json(entry_points: &BTreeMap<String, EntryDatasets>) -> serde_json::Value {
    let mut out = Vec::new();
    for (entry, datasets) in entry_points {
        for id in datasets.ids() {
            out.push(serde_json::json!({
                "entryId": entry,
                "fileTypeId": "(from the pipeline template)",
                "datasetId": id.to_json(),
            }));
        }
    }
    serde_json::Value::Array(out)
}

/// Returns the `taskOptions` body.
pub fn task_options_json(options: &BTreeMap<String, serde_json::Value>) -> serde_json::Value {
    options
        .iter()
        .map(|(id, value)| {
            serde_json::json!({
                "optionId": id,
                "value": value,
                "optionTypeId": "(from the pipeline template)",
            })
        })
        .collect()
}
