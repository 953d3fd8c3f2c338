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
        let deferred = self
            .datasets
            .iter()
            .any(|d| matches!(d, IdRef::Text(t) if is_deferred(t)));
        if self.datasets.len() == 1 && !deferred {
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

impl Options {
    /// Submits the merge, waits for it, and finds the merged dataset in the job's datastore.
    pub async fn execute(
        &self,
        ctx: &crate::run::context::StepContext,
    ) -> anyhow::Result<crate::run::context::StepSuccess> {
        use anyhow::Context as _;

        use crate::smrtlink::models::{JobCommonOptions, MergeDatasetsOptions};

        let (meta_type, _) = dataset_type(&self.dataset_type, &["dataset_type"])
            .map_err(|e| anyhow::anyhow!("{}", e.message))?;
        let ids = self
            .datasets
            .iter()
            .map(|id| super::exec_util::id_or_uuid(id, "dataset"))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let options = MergeDatasetsOptions {
            ids,
            dataset_type: meta_type.to_string(),
            name: self
                .name
                .clone()
                .unwrap_or_else(|| format!("Merged by slflow ({})", ctx.instance)),
            common: JobCommonOptions {
                project_id: super::exec_util::project_id(self.project.as_ref())?,
                ..JobCommonOptions::default()
            },
        };
        let job = ctx.submit("merge-datasets", &options).await?;
        let job = ctx.wait(&job).await?;
        let files = ctx
            .client
            .job_datastore("merge-datasets", job.id)
            .await
            .with_context(|| format!("reading the datastore of merge job {}", job.id))?;
        let merged = files
            .iter()
            .find(|f| f.file_type_id == meta_type && f.is_active)
            .with_context(|| format!("merge job {} has no {meta_type} in its datastore", job.id))?;
        let dataset = ctx
            .client
            .dataset_by_uuid(merged.uuid)
            .await
            .with_context(|| format!("reading merged dataset {}", merged.uuid))?
            .with_context(|| {
                format!("the server has no record of merged dataset {}", merged.uuid)
            })?;
        Ok(crate::run::context::StepSuccess::with_outputs(
            serde_json::json!({
                "uuid": dataset.uuid.to_string(),
                "id": dataset.id,
                "job_id": job.id,
            }),
        ))
    }
}
