//! Datastore file records as the services return them.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::common::Timestamp;
use super::dataset::default_true;
use super::null_as_default;

/// A job output file (`DataStoreServiceFile`). A dataset or report file has the same UUID as the
/// dataset or report it holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataStoreServiceFile {
    pub uuid: Uuid,
    pub file_type_id: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub source_id: String,
    /// Size in bytes.
    #[serde(default)]
    pub file_size: i64,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub modified_at: Option<Timestamp>,
    #[serde(default)]
    pub imported_at: Option<Timestamp>,
    #[serde(default)]
    pub path: String,
    /// Absent in some report lists, so optional.
    #[serde(default)]
    pub job_id: Option<i64>,
    #[serde(default, rename = "jobUUID")]
    pub job_uuid: Option<Uuid>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub description: String,
    #[serde(default = "default_true")]
    pub is_active: bool,
}

/// An entry of a report list: the report's datastore file and its report type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataStoreReportFile {
    pub data_store_file: DataStoreServiceFile,
    /// The file's `sourceId` up to its first `-`, e.g. `pbreports.tasks.sat_report`.
    pub report_type_id: String,
}
