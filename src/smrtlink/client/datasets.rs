//! Dataset endpoints: list, search, lookup, update and reports.

use reqwest::Method;
use uuid::Uuid;

use super::Client;
use super::request::Call;
use crate::smrtlink::error::ApiError;
use crate::smrtlink::ids::IdOrUuid;
use crate::smrtlink::models::{
    DataSetRecord, DataSetUpdate, DataStoreReportFile, DatasetType, MessageResponse,
};
use crate::smrtlink::retry::Safety;
use crate::smrtlink::search::SearchCriteria;

impl Client {
    /// Lists datasets of one type matching `criteria`, as GET query parameters. Only active
    /// datasets unless the criteria say otherwise; sorted by id, newest first.
    pub async fn datasets(
        &self,
        dataset_type: DatasetType,
        criteria: &SearchCriteria,
    ) -> Result<Vec<DataSetRecord>, ApiError> {
        let path = format!("/smrt-link/datasets/{}", dataset_type.short_name());
        self.json(Call::get(path).with_query(criteria.to_query()))
            .await
    }

    /// Searches datasets of one type with a POST body (SMRT Link 12 and later), which suits
    /// long `in:` lists better than a URL.
    pub async fn search_datasets(
        &self,
        dataset_type: DatasetType,
        criteria: &SearchCriteria,
    ) -> Result<Vec<DataSetRecord>, ApiError> {
        let path = format!("/smrt-link/datasets/{}", dataset_type.short_name());
        self.json(Call::with_body(
            Method::POST,
            path,
            criteria.to_body(),
            Safety::Idempotent,
        ))
        .await
    }

    /// Fetches one dataset of a known type by id or UUID; soft-deleted datasets are returned
    /// too, with `is_active` false. A 404 means no such dataset of that type.
    pub async fn dataset(
        &self,
        dataset_type: DatasetType,
        id: impl Into<IdOrUuid>,
    ) -> Result<DataSetRecord, ApiError> {
        let path = format!(
            "/smrt-link/datasets/{}/{}",
            dataset_type.short_name(),
            id.into()
        );
        self.get_json(path).await
    }

    /// Finds a dataset of any type by UUID (`GET /smrt-link/datasets/search/{uuid}`, SMRT Link
    /// 11 and later). Returns `None` when the server has no such dataset: it answers that with
    /// `{}` or an empty body rather than 404, and a 404 is read the same way.
    pub async fn dataset_by_uuid(&self, uuid: Uuid) -> Result<Option<DataSetRecord>, ApiError> {
        let call = Call::get(format!("/smrt-link/datasets/search/{uuid}"));
        let reply = match self.send(&call).await {
            Ok(reply) => reply,
            Err(error) if error.is_not_found() => return Ok(None),
            Err(error) => return Err(error),
        };
        let body = String::from_utf8_lossy(&reply.body);
        let trimmed = body.trim();
        if trimmed.is_empty() || trimmed == "{}" || trimmed == "null" {
            return Ok(None);
        }
        super::request::decode(&call, trimmed.as_bytes()).map(Some)
    }

    /// Updates a dataset (`PUT`); `is_active: Some(false)` soft-deletes it.
    pub async fn update_dataset(
        &self,
        dataset_type: DatasetType,
        id: impl Into<IdOrUuid>,
        update: &DataSetUpdate,
    ) -> Result<MessageResponse, ApiError> {
        let path = format!(
            "/smrt-link/datasets/{}/{}",
            dataset_type.short_name(),
            id.into()
        );
        self.send_json(Method::PUT, path, update, Safety::Idempotent)
            .await
    }

    /// Lists the reports of the job that created the dataset (its import or merge job).
    pub async fn dataset_reports(
        &self,
        dataset_type: DatasetType,
        id: impl Into<IdOrUuid>,
    ) -> Result<Vec<DataStoreReportFile>, ApiError> {
        let path = format!(
            "/smrt-link/datasets/{}/{}/reports",
            dataset_type.short_name(),
            id.into()
        );
        self.get_json(path).await
    }
}
