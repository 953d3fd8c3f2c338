//! Server status and type catalogues.

use super::Client;
use crate::smrtlink::error::ApiError;
use crate::smrtlink::models::{DataSetMetaType, DatasetType, JobTypeEndPoint, Status};

impl Client {
    /// Fetches `GET /status`: the server id, version and uptime.
    pub async fn status(&self) -> Result<Status, ApiError> {
        self.get_json("/status").await
    }

    /// Lists the dataset types the server supports (`GET /smrt-link/dataset-types`).
    pub async fn dataset_types(&self) -> Result<Vec<DataSetMetaType>, ApiError> {
        self.get_json("/smrt-link/dataset-types").await
    }

    /// Fetches one dataset type by short name or `fileTypeId`.
    pub async fn dataset_type(
        &self,
        dataset_type: DatasetType,
    ) -> Result<DataSetMetaType, ApiError> {
        self.get_json(format!(
            "/smrt-link/dataset-types/{}",
            dataset_type.short_name()
        ))
        .await
    }

    /// Lists the job types (`GET /smrt-link/job-manager/job-types`).
    pub async fn job_types(&self) -> Result<Vec<JobTypeEndPoint>, ApiError> {
        self.get_json("/smrt-link/job-manager/job-types").await
    }
}
