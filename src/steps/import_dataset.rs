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
