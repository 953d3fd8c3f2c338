//! `find-jobs`: search jobs of one type with the API's search operators.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::RequestPreview;
use super::common::{FieldError, SearchField, is_deferred, search_criteria};

/// Outputs: the matching job records.
pub const OUTPUTS: &[&str] = &["jobs"];

/// Search parameters of the job endpoints: (manifest key, API name).
pub const FIELDS: &[SearchField] = &[
    ("id", "id"),
    ("uuid", "uuid"),
    ("name", "name"),
    ("comment", "comment"),
    ("path", "path"),
    ("state", "state"),
    ("pipeline", "subJobTypeId"),
    ("sub_job_type_id", "subJobTypeId"),
    ("project_id", "projectId"),
    ("parent_multi_job_id", "parentMultiJobId"),
    ("created_by", "createdBy"),
    ("created_by_email", "createdByEmail"),
    ("smrtlink_version", "smrtlinkVersion"),
    ("error_message", "errorMessage"),
    ("tags", "tags"),
    ("created_at", "createdAt"),
    ("updated_at", "updatedAt"),
    ("job_updated_at", "jobUpdatedAt"),
    ("imported_at", "importedAt"),
    ("is_active", "isActive"),
];

/// Job types a search can name.
pub const JOB_TYPES: &[&str] = &[
    "analysis",
    "import-dataset",
    "merge-datasets",
    "delete-job",
    "delete-datasets",
    "export-datasets",
    "export-jobs",
    "import-job",
    "convert-fasta-reference",
    "convert-fasta-barcodes",
    "copy-dataset",
    "db-backup",
    "pbsmrtpipe",
    "import-collection",
    "import-datasets-zip",
];

/// Options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// Job type to search (default `analysis`).
    #[serde(default = "default_job_type")]
    pub job_type: String,
    /// Search values by field, as for `find-datasets`; `pipeline` matches `subJobTypeId`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
    pub filters: BTreeMap<String, serde_json::Value>,
    /// Maximum number of records to return.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

fn default_job_type() -> String {
    "analysis".to_string()
}

impl Options {
    /// Checks the job type and the filters.
    pub fn validate(&self) -> Result<(), FieldError> {
        if !is_deferred(&self.job_type) && !JOB_TYPES.contains(&self.job_type.as_str()) {
            return Err(FieldError::new(
                &["job_type"],
                format!("unknown job type `{}`", self.job_type),
            )
            .help(crate::manifest::error::lookup_hint(
                &self.job_type,
                "job types",
                JOB_TYPES.iter().copied(),
            )));
        }
        search_criteria(&self.filters, FIELDS)?;
        Ok(())
    }

    /// Returns the search request body (criteria plus limit).
    pub fn criteria(&self) -> Result<serde_json::Map<String, serde_json::Value>, FieldError> {
        let mut body = search_criteria(&self.filters, FIELDS)?;
        if let Some(limit) = self.limit {
            body.insert("limit".into(), serde_json::Value::String(limit.to_string()));
        }
        Ok(body)
    }

    /// Returns the search request.
    pub fn preview(&self) -> Vec<RequestPreview> {
        let body = self
            .criteria()
            .map(serde_json::Value::Object)
            .unwrap_or_default();
        vec![RequestPreview::post(
            format!("/smrt-link/job-manager/jobs/{}/search", self.job_type),
            body,
        )]
    }

    // Execution: the runner adds `async fn execute` here.
}

impl Options {
    /// Searches the jobs of the type with the filters (a POST search) and returns the records
    /// as a list, so that a later step can fan out over `steps.<id>.jobs`.
    pub async fn execute(
        &self,
        ctx: &crate::run::context::StepContext,
    ) -> anyhow::Result<crate::run::context::StepSuccess> {
        use anyhow::Context as _;

        let body = self
            .criteria()
            .map_err(|e| anyhow::anyhow!("{}", e.message))?;
        let criteria = super::exec_util::criteria_from_body(body);
        let records = ctx
            .client
            .search_jobs(&self.job_type, &criteria)
            .await
            .with_context(|| format!("searching {} jobs", self.job_type))?;
        let jobs = serde_json::to_value(&records).context("encoding the job records")?;
        Ok(crate::run::context::StepSuccess {
            detail: Some(format!("{} job(s) found", records.len())),
            ..crate::run::context::StepSuccess::with_outputs(serde_json::json!({ "jobs": jobs }))
        })
    }
}
