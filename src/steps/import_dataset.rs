//! `import-dataset`: import a DataSet XML, skipping it when the server already has its UUID.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::RequestPreview;
use super::common::{FieldError, IdRef};

/// Outputs of an import.
pub const OUTPUTS: &[&str] = &["uuid", "id", "dataset_type", "name", "job_id", "skipped"];

/// Options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// DataSet XML path, readable both here (for UniqueId and MetaType) and by the server.
    pub path: String,
    /// Project id the import job and dataset join (default: the General Project, 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<IdRef>,
}

impl Options {
    /// Checks the path is not empty.
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.path.trim().is_empty() {
            return Err(FieldError::new(&["path"], "`path` is empty")
                .help("give the path of a DataSet XML file, e.g. `data/movie.subreadset.xml`"));
        }
        Ok(())
    }

    /// Returns the duplicate check and the import job request.
    pub fn preview(&self) -> Vec<RequestPreview> {
        let mut body = serde_json::json!({
            "path": self.path,
            "datasetType": format!("(MetaType of {})", self.path),
            "avoidDuplicateImport": true,
        });
        if let (Some(project), Some(map)) = (&self.project, body.as_object_mut()) {
            map.insert("projectId".into(), project.to_json());
        }
        vec![
            RequestPreview::get(format!(
                "/smrt-link/datasets/search/(UniqueId of {})",
                self.path
            ))
            .note("skips the import when the server already has the dataset"),
            RequestPreview::post("/smrt-link/job-manager/jobs/import-dataset", body)
                .note("polled until the job ends"),
        ]
    }

    // Execution: the runner adds `async fn execute` here.
}

impl Options {
    /// Reads the XML's UniqueId and MetaType, skips the import when the server already has the
    /// dataset, and otherwise imports it and waits for the import job.
    pub async fn execute(
        &self,
        ctx: &crate::run::context::StepContext,
    ) -> anyhow::Result<crate::run::context::StepSuccess> {
        use anyhow::Context as _;

        use crate::smrtlink::models::ImportDatasetOptions;

        let local = ctx.local_path(&self.path);
        let xml = crate::dataset_xml::read_dataset_xml(&local)
            .with_context(|| format!("reading the DataSet XML {}", local.display()))?;
        let existing = ctx
            .client
            .dataset_by_uuid(xml.unique_id)
            .await
            .with_context(|| {
                format!("checking whether the server has dataset {}", xml.unique_id)
            })?;
        if let Some(dataset) = existing {
            let outputs = import_outputs(&xml, dataset.id, dataset.job_id, true);
            return Ok(crate::run::context::StepSuccess {
                detail: Some(format!(
                    "dataset {} is already on the server",
                    xml.unique_id
                )),
                ..crate::run::context::StepSuccess::with_outputs(outputs)
            });
        }

        let mut options = ImportDatasetOptions::new(local.display().to_string());
        options.dataset_type = Some(xml.meta_type.clone());
        options.avoid_duplicate_import = true;
        options.common.project_id = super::exec_util::project_id(self.project.as_ref())?;
        let job = ctx.submit("import-dataset", &options).await?;
        let job = ctx.wait(&job).await?;
        let dataset = ctx
            .client
            .dataset_by_uuid(xml.unique_id)
            .await
            .with_context(|| format!("reading dataset {} after its import", xml.unique_id))?
            .with_context(|| {
                format!(
                    "import job {} succeeded but the server has no dataset {}",
                    job.id, xml.unique_id
                )
            })?;
        let outputs = import_outputs(&xml, dataset.id, Some(job.id), false);
        Ok(crate::run::context::StepSuccess::with_outputs(outputs))
    }
}

fn import_outputs(
    xml: &crate::dataset_xml::DataSetXml,
    dataset_id: i64,
    job_id: Option<i64>,
    skipped: bool,
) -> serde_json::Value {
    serde_json::json!({
        "uuid": xml.unique_id.to_string(),
        "id": dataset_id,
        "dataset_type": xml.meta_type,
        "name": xml.name,
        "job_id": job_id,
        "skipped": skipped,
    })
}
