//! `find-datasets`: search datasets of one type with the API's search operators.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::RequestPreview;
use super::common::{FieldError, SearchField, dataset_type, is_deferred, search_criteria};

/// Outputs: the matching dataset records.
pub const OUTPUTS: &[&str] = &["datasets"];

/// Search parameters of the dataset endpoints: (manifest key, API name).
pub const FIELDS: &[SearchField] = &[
    ("id", "id"),
    ("uuid", "uuid"),
    ("name", "name"),
    ("path", "path"),
    ("version", "version"),
    ("created_by", "createdBy"),
    ("job_id", "jobId"),
    ("project_id", "projectId"),
    ("num_children", "numChildren"),
    ("parent_uuid", "parentUuid"),
    ("num_records", "numRecords"),
    ("total_length", "totalLength"),
    ("created_at", "createdAt"),
    ("updated_at", "updatedAt"),
    ("imported_at", "importedAt"),
    ("is_active", "isActive"),
    ("bio_sample_name", "bioSampleName"),
    ("well_sample_name", "wellSampleName"),
    ("metadata_context_id", "metadataContextId"),
    ("dna_barcode_name", "dnaBarcodeName"),
];

/// Options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// Dataset type: a short name (`subreads`, `ccsreads`, ...) or a MetaType.
    #[serde(rename = "type")]
    pub dataset_type: String,
    /// Search values by field: a value, a list (any of), or `{ op = value }` with op one of
    /// eq, ne, lt, le, gt, ge, in, like, unlike, start, end, range.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
    pub filters: BTreeMap<String, serde_json::Value>,
    /// Maximum number of records to return.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

impl Options {
    /// Checks the type and the filters.
    pub fn validate(&self) -> Result<(), FieldError> {
        if !is_deferred(&self.dataset_type) {
            dataset_type(&self.dataset_type, &["type"])?;
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
        let short =
            dataset_type(&self.dataset_type, &["type"]).map_or(self.dataset_type.as_str(), |t| t.1);
        let body = self
            .criteria()
            .map(serde_json::Value::Object)
            .unwrap_or_default();
        vec![RequestPreview::post(
            format!("/smrt-link/datasets/{short}"),
            body,
        )]
    }

    // Execution: the runner adds `async fn execute` here.
}

impl Options {
    /// Searches the datasets of the type with the filters (a POST search) and returns the
    /// records as a list, so that a later step can fan out over `steps.<id>.datasets`.
    pub async fn execute(
        &self,
        ctx: &crate::run::context::StepContext,
    ) -> anyhow::Result<crate::run::context::StepSuccess> {
        use anyhow::Context as _;

        let (meta_type, _) = dataset_type(&self.dataset_type, &["type"])
            .map_err(|e| anyhow::anyhow!("{}", e.message))?;
        let kind = crate::smrtlink::DatasetType::parse(meta_type)
            .with_context(|| format!("the client has no dataset type {meta_type}"))?;
        let body = self
            .criteria()
            .map_err(|e| anyhow::anyhow!("{}", e.message))?;
        let criteria = super::exec_util::criteria_from_body(body);
        let records = ctx
            .client
            .search_datasets(kind, &criteria)
            .await
            .with_context(|| format!("searching {meta_type} datasets"))?;
        let datasets = serde_json::to_value(&records).context("encoding the dataset records")?;
        Ok(crate::run::context::StepSuccess {
            detail: Some(format!("{} dataset(s) found", records.len())),
            ..crate::run::context::StepSuccess::with_outputs(
                serde_json::json!({ "datasets": datasets }),
            )
        })
    }
}
