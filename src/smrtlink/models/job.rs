//! Job records: the job itself, its state, events, tasks, entry points and job types.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::common::Timestamp;
use super::dataset::{default_project_id, default_true};
use super::{json_string, null_as_default, open_string_enum};

open_string_enum! {
    /// State of a server job.
    ///
    /// `Unknown` contains both the server's own `UNKNOWN` state and any value this client does not
    /// recognise; neither is terminal, so a poller keeps polling.
    pub enum JobState {
        Created => "CREATED",
        Submitted => "SUBMITTED",
        Running => "RUNNING",
        Terminated => "TERMINATED",
        Successful => "SUCCESSFUL",
        Failed => "FAILED",
        /// SMRT Link 8 and later (Cromwell era).
        Aborted => "ABORTED",
    }
}

impl JobState {
    /// Returns whether the job will not change state again: SUCCESSFUL, FAILED, TERMINATED or
    /// ABORTED.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            JobState::Successful | JobState::Failed | JobState::Terminated | JobState::Aborted
        )
    }

    /// Returns whether the job ended without success: FAILED, TERMINATED or ABORTED.
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            JobState::Failed | JobState::Terminated | JobState::Aborted
        )
    }
}

/// A job record (`EngineJob`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EngineJob {
    pub id: i64,
    pub uuid: Uuid,
    pub name: String,
    /// The `description` of the job options.
    #[serde(default, deserialize_with = "null_as_default")]
    pub comment: String,
    pub created_at: Timestamp,
    #[serde(default)]
    pub updated_at: Option<Timestamp>,
    #[serde(default)]
    pub job_updated_at: Option<Timestamp>,
    pub state: JobState,
    pub job_type_id: String,
    /// The pipeline id for analysis jobs.
    #[serde(default)]
    pub sub_job_type_id: Option<String>,
    pub path: String,
    /// The options the job was created with, JSON-encoded in a string.
    #[serde(default, deserialize_with = "json_string::deserialize")]
    pub json_settings: String,
    /// JSON-encoded in a string, usually `{}`.
    #[serde(default, deserialize_with = "json_string::deserialize")]
    pub workflow: String,
    /// Comma-separated tags.
    #[serde(default, deserialize_with = "null_as_default")]
    pub tags: String,
    #[serde(default = "default_project_id")]
    pub project_id: i64,
    #[serde(default = "default_true")]
    pub is_active: bool,
    #[serde(default)]
    pub is_multi_job: bool,
    #[serde(default)]
    pub parent_multi_job_id: Option<i64>,
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub created_by_email: Option<String>,
    /// Spelled `smrtlinkVersion` by most servers and `smrtLinkVersion` in some examples.
    #[serde(default, alias = "smrtLinkVersion")]
    pub smrtlink_version: Option<String>,
    #[serde(default)]
    pub error_message: Option<String>,
    #[serde(default)]
    pub imported_at: Option<Timestamp>,
    #[serde(default)]
    pub job_started_at: Option<Timestamp>,
    #[serde(default)]
    pub job_completed_at: Option<Timestamp>,
    /// The Cromwell workflow id of analysis jobs.
    #[serde(default)]
    pub external_job_id: Option<String>,
}

impl EngineJob {
    /// Decodes `jsonSettings`, the options the job was created with.
    pub fn settings(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_str(&self.json_settings)
    }

    /// Returns the comma-separated `tags` as a list, without empty entries.
    pub fn tag_list(&self) -> impl Iterator<Item = &str> {
        self.tags
            .split(',')
            .map(str::trim)
            .filter(|tag| !tag.is_empty())
    }
}

/// Body of `PUT /smrt-link/job-manager/jobs/{type}/{id}`; absent fields are left unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<String>,
}

/// A job state change or task event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobEvent {
    pub event_id: Uuid,
    pub job_id: i64,
    pub state: JobState,
    #[serde(default, deserialize_with = "null_as_default")]
    pub message: String,
    pub created_at: Timestamp,
    /// `smrtlink_job_status` or `smrtlink_job_task_status`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub event_type_id: String,
}

/// A task of a job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobTask {
    pub uuid: Uuid,
    pub job_id: i64,
    pub task_id: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub task_type_id: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    pub state: JobState,
    pub created_at: Timestamp,
    #[serde(default)]
    pub updated_at: Option<Timestamp>,
    #[serde(default)]
    pub error_message: Option<String>,
}

/// A dataset a job used as input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EngineJobEntryPoint {
    pub job_id: i64,
    #[serde(rename = "datasetUUID")]
    pub dataset_uuid: Uuid,
    /// The `fileTypeId`.
    pub dataset_type: String,
}

/// An entry of `GET /smrt-link/job-manager/job-types`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobTypeEndPoint {
    pub job_type_id: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub description: String,
    /// Whether the quick worker pool runs this type.
    #[serde(default)]
    pub is_quick: bool,
    #[serde(default)]
    pub is_multi_job: bool,
}
