//! `merge-datasets`: merge datasets of one type into a new one.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::RequestPreview;
use super::common::{FieldError, IdRef, dataset_type, is_deferred};

/// Outputs: the merged dataset and the merge job.
pub const OUTPUTS: &[&str] = &["uuid", "id", "job_id"];

/// Options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// Datasets to merge (ids or UUIDs), at least two.
    pub datasets: Vec<IdRef>,
    /// Name of the merged dataset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Type of the inputs, a short name or MetaType (default: SubreadSet).
    #[serde(default = "default_type")]
    pub dataset_type: String,
    /// Project id of the merge job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<IdRef>,
}

fn default_type() -> String {
    "PacBio.DataSet.SubreadSet".to_string()
}

impl Options {
    /// Checks the type and that there are at least two inputs.
    pub fn validate(&self) -> Result<(), FieldError> {
        if !is_deferred(&self.dataset_type) {
            dataset_type(&self.dataset_type, &["dataset_type"])?;
        }
        if self.datasets.len() == 1 {
            return Err(FieldError::new(
                &["datasets"],
                "a merge needs at least two datasets, found one",
            )
            .help("add another dataset, or use the dataset directly without merging"));
        }
        Ok(())
    }

    /// Returns the merge job request and the datastore lookup.
    pub fn preview(&self) -> Vec<RequestPreview> {
        let meta = dataset_type(&self.dataset_type, &["dataset_type"])
            .map_or(self.dataset_type.as_str(), |t| t.0);
        let mut body = serde_json::json!({
            "ids": self.datasets.iter().map(IdRef::to_json).collect::<Vec<_>>(),
            "datasetType": meta,
        });
        if let Some(map) = body.as_object_mut() {
            if let Some(name) = &self.name {
                map.insert("name".into(), name.clone().into());
            }
            if let Some(project) = &self.project {
                map.insert("projectId".into(), project.to_json());
            }
        }
        vec![
            RequestPreview::post("/smrt-link/job-manager/jobs/merge-datasets", body)
                .note("polled until the job ends"),
            RequestPreview::get("/smrt-link/job-manager/jobs/merge-datasets/(job id)/datastore")
                .note("finds the merged dataset"),
        ]
    }

    // Execution: the runner adds `async fn execute` here.
}
