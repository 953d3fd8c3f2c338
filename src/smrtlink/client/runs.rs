//! Runs, collections and run design import.

use reqwest::Method;
use uuid::Uuid;

use super::Client;
use super::request::Call;
use crate::smrtlink::error::ApiError;
use crate::smrtlink::models::{CollectionMetadata, ImportedRunDesign, Run, RunSummary};
use crate::smrtlink::retry::Safety;

/// Filters of `GET /smrt-link/runs`. They take no operators: `name` is an exact match and
/// `substring` matches the name or summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunFilter {
    pub name: Option<String>,
    pub substring: Option<String>,
    pub created_by: Option<String>,
    /// E.g. `8mChip`.
    pub chip_type: Option<String>,
    pub reserved: Option<bool>,
    /// SMRT Link 13: `Revio`, `Sequel2e` or `Sequel2`.
    pub instrument_type: Option<String>,
    /// SMRT Link 13.
    pub collection_uuid: Option<Uuid>,
    /// SMRT Link 13.
    pub movie_name: Option<String>,
}

impl RunFilter {
    fn to_query(&self) -> Vec<(String, String)> {
        let fields = [
            ("name", self.name.clone()),
            ("substring", self.substring.clone()),
            ("createdBy", self.created_by.clone()),
            ("chipType", self.chip_type.clone()),
            (
                "reserved",
                self.reserved.map(|reserved| reserved.to_string()),
            ),
            ("instrumentType", self.instrument_type.clone()),
            (
                "collectionUuid",
                self.collection_uuid.map(|uuid| uuid.to_string()),
            ),
            ("movieName", self.movie_name.clone()),
        ];
        fields
            .into_iter()
            .filter_map(|(key, value)| value.map(|value| (key.to_string(), value)))
            .collect()
    }
}

/// The source of a run design CSV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunDesignSource {
    /// The CSV text itself.
    Content(String),
    /// A CSV path the server can read.
    ServerPath(String),
}

impl Client {
    /// Lists runs matching `filter`. The server returns them in no guaranteed order.
    pub async fn runs(&self, filter: &RunFilter) -> Result<Vec<RunSummary>, ApiError> {
        let query = filter.to_query();
        self.json(Call::get("/smrt-link/runs").with_query(&query))
            .await
    }

    /// Fetches one run with its run XML; 404 when unknown.
    pub async fn run(&self, run_uuid: Uuid) -> Result<Run, ApiError> {
        self.get_json(format!("/smrt-link/runs/{run_uuid}")).await
    }

    /// Lists a run's collections (SMRT Cells).
    pub async fn run_collections(
        &self,
        run_uuid: Uuid,
    ) -> Result<Vec<CollectionMetadata>, ApiError> {
        self.get_json(format!("/smrt-link/runs/{run_uuid}/collections"))
            .await
    }

    /// Fetches one collection of a run.
    pub async fn run_collection(
        &self,
        run_uuid: Uuid,
        collection_uuid: Uuid,
    ) -> Result<CollectionMetadata, ApiError> {
        self.get_json(format!(
            "/smrt-link/runs/{run_uuid}/collections/{collection_uuid}"
        ))
        .await
    }

    /// Imports a run design CSV, which creates a run (`POST /smrt-link/import-run-design`).
    /// Any 2xx is success, because servers return 200 or 201.
    ///
    /// Not retried after a reset, timeout or 5xx, because the run may exist already: look it up
    /// by name with [`Client::runs`] before importing again.
    pub async fn import_run_design(
        &self,
        source: &RunDesignSource,
    ) -> Result<ImportedRunDesign, ApiError> {
        let body = match source {
            RunDesignSource::Content(content) => serde_json::json!({ "content": content }),
            RunDesignSource::ServerPath(path) => serde_json::json!({ "path": path }),
        };
        self.json(Call::with_body(
            Method::POST,
            "/smrt-link/import-run-design",
            body,
            Safety::Unsafe,
        ))
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_filter_query_has_only_set_fields() {
        let filter = RunFilter {
            name: Some("lambda".into()),
            reserved: Some(false),
            ..RunFilter::default()
        };
        assert_eq!(
            filter.to_query(),
            vec![
                ("name".to_string(), "lambda".to_string()),
                ("reserved".to_string(), "false".to_string())
            ]
        );
        assert!(RunFilter::default().to_query().is_empty());
    }
}
