//! Records the simulator stores, serialized with the field names of the SMRT Link API.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

/// Returns the current time as SMRT Link writes it: UTC with milliseconds and `Z`.
pub fn now_ts() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// A job state. Serialized in upper case; parsed case-insensitively by [`JobState::parse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobState {
    Created,
    Submitted,
    Running,
    Terminated,
    Successful,
    Failed,
    Unknown,
    Aborted,
}

impl JobState {
    pub const ALL: [JobState; 8] = [
        JobState::Created,
        JobState::Submitted,
        JobState::Running,
        JobState::Terminated,
        JobState::Successful,
        JobState::Failed,
        JobState::Unknown,
        JobState::Aborted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Created => "CREATED",
            JobState::Submitted => "SUBMITTED",
            JobState::Running => "RUNNING",
            JobState::Terminated => "TERMINATED",
            JobState::Successful => "SUCCESSFUL",
            JobState::Failed => "FAILED",
            JobState::Unknown => "UNKNOWN",
            JobState::Aborted => "ABORTED",
        }
    }

    /// Parses a state name in any case; an unknown name is `UNKNOWN`, as SMRT Link does.
    pub fn parse(text: &str) -> JobState {
        JobState::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text.trim()))
            .unwrap_or(JobState::Unknown)
    }

    /// True for SUCCESSFUL, FAILED, TERMINATED and ABORTED.
    pub fn is_completed(self) -> bool {
        matches!(
            self,
            JobState::Successful | JobState::Failed | JobState::Terminated | JobState::Aborted
        )
    }
}

/// A dataset record; `extras` contains the type-specific fields (instrumentName, ploidy, ...).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataSet {
    pub id: i64,
    pub uuid: Uuid,
    pub name: String,
    pub path: String,
    pub created_at: String,
    pub updated_at: String,
    pub imported_at: String,
    pub num_records: i64,
    pub total_length: i64,
    pub version: String,
    pub comments: String,
    pub tags: String,
    pub md5: String,
    pub created_by: Option<String>,
    pub job_id: i64,
    pub project_id: i64,
    pub parent_uuid: Option<Uuid>,
    pub is_active: bool,
    pub num_children: i64,
    pub dataset_type: String,
    #[serde(flatten)]
    pub extras: Map<String, Value>,
}

impl DataSet {
    /// Returns the full record of `GET /datasets/{type}/{id}`, type-specific fields included.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// Returns the type-independent record (`DataSetMetaDataSet`) with the common fields only.
    pub fn to_meta_json(&self) -> Value {
        let mut v = self.to_json();
        if let Value::Object(m) = &mut v {
            for k in self.extras.keys() {
                m.remove(k);
            }
            m.remove("datasetType");
        }
        v
    }
}

/// The job record as the API returns it (`EngineJob`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EngineJob {
    pub id: i64,
    pub uuid: Uuid,
    pub name: String,
    pub comment: String,
    pub created_at: String,
    pub updated_at: String,
    pub job_updated_at: String,
    pub state: JobState,
    pub job_type_id: String,
    pub sub_job_type_id: Option<String>,
    pub path: String,
    /// The creation options, serialized as a JSON string (SMRT Link does the same).
    pub json_settings: String,
    /// Always the string `"{}"`: PBC parses it as JSON text.
    pub workflow: String,
    pub tags: String,
    pub project_id: i64,
    pub is_active: bool,
    pub is_multi_job: bool,
    pub parent_multi_job_id: Option<i64>,
    pub created_by: Option<String>,
    pub created_by_email: Option<String>,
    pub smrtlink_version: Option<String>,
    pub error_message: Option<String>,
    pub imported_at: Option<String>,
    pub job_started_at: Option<String>,
    pub job_completed_at: Option<String>,
    pub external_job_id: Option<String>,
}

/// `JobEvent`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobEvent {
    pub event_id: Uuid,
    pub job_id: i64,
    pub state: JobState,
    pub message: String,
    pub created_at: String,
    pub event_type_id: String,
}

/// `JobTask`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobTask {
    pub uuid: Uuid,
    pub job_id: i64,
    pub task_id: String,
    pub task_type_id: String,
    pub name: String,
    pub state: JobState,
    pub created_at: String,
    pub updated_at: String,
    pub error_message: Option<String>,
}

/// `EngineJobEntryPoint`, plus the entry id used (kept for auto-merge and `/options`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryPoint {
    pub entry_id: String,
    pub dataset_id: i64,
    pub dataset_uuid: Uuid,
    pub dataset_type: String,
}

/// A job with the simulator's bookkeeping around it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobRecord {
    pub job: EngineJob,
    /// The normalized creation options (what `/options` returns).
    pub options: Value,
    pub events: Vec<JobEvent>,
    pub tasks: Vec<JobTask>,
    pub entry_points: Vec<EntryPoint>,
    /// Datastore file UUIDs in creation order.
    pub files: Vec<Uuid>,
    /// For import jobs: the UniqueId of the dataset being imported, to find duplicates.
    #[serde(default)]
    pub import_uuid: Option<Uuid>,
}

/// `DataStoreServiceFile`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataStoreFile {
    pub uuid: Uuid,
    pub file_type_id: String,
    pub source_id: String,
    pub file_size: u64,
    pub created_at: String,
    pub modified_at: String,
    pub imported_at: String,
    pub path: String,
    pub job_id: i64,
    #[serde(rename = "jobUUID")]
    pub job_uuid: Uuid,
    pub name: String,
    pub description: String,
    pub is_active: bool,
}

impl DataStoreFile {
    /// True for report files, the only ones `/reports` lists.
    pub fn is_report(&self) -> bool {
        self.file_type_id == "PacBio.FileTypes.JsonReport"
    }

    /// Returns the `DataStoreReportFile` entry; `reportTypeId` is the sourceId up to its first `-`.
    pub fn to_report_entry(&self) -> Value {
        let report_type = self.source_id.split('-').next().unwrap_or(&self.source_id);
        serde_json::json!({ "dataStoreFile": self, "reportTypeId": report_type })
    }
}

/// A SMRT Cell of a run (`CollectionMetadata`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Collection {
    pub run_id: Uuid,
    pub unique_id: Uuid,
    pub well: String,
    pub name: String,
    pub summary: Option<String>,
    pub context: String,
    pub collection_path_uri: Option<String>,
    pub status: String,
    pub instrument_id: Option<String>,
    pub instrument_name: Option<String>,
    pub movie_minutes: f64,
    pub created_by: Option<String>,
    pub started_at: Option<String>,
    pub completed_at: Option<String>,
    pub termination_info: Option<String>,
    pub cell_type: Option<String>,
    /// `(barcode, bio sample)` pairs from the run design, written into the SubreadSet.
    #[serde(default)]
    pub bio_samples: Vec<(String, String)>,
    #[serde(default)]
    pub insert_size: Option<i64>,
}

impl Collection {
    /// Returns the API record, without the run-design details kept for the SubreadSet.
    pub fn to_json(&self) -> Value {
        without(self, &["bioSamples", "insertSize"])
    }
}

/// A run (`RunSummary`) with its XML and collections.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    pub unique_id: Uuid,
    pub name: String,
    pub summary: Option<String>,
    pub created_by: Option<String>,
    pub created_at: Option<String>,
    pub started_at: Option<String>,
    pub transfers_completed_at: Option<String>,
    pub completed_at: Option<String>,
    pub status: String,
    pub chip_type: String,
    pub total_cells: i64,
    pub num_cells_completed: i64,
    pub num_cells_failed: i64,
    pub num_standard_cells: i64,
    #[serde(rename = "numLRCells")]
    pub num_lr_cells: i64,
    pub instrument_name: Option<String>,
    pub instrument_serial_number: Option<String>,
    pub instrument_sw_version: Option<String>,
    pub primary_analysis_sw_version: Option<String>,
    pub chemistry_sw_version: Option<String>,
    pub context: Option<String>,
    pub termination_info: Option<String>,
    pub reserved: bool,
    pub multi_job_id: Option<i64>,
    pub collections: Vec<Collection>,
}

impl Run {
    /// Returns the `RunSummary` record.
    pub fn to_summary_json(&self) -> Value {
        without(self, &["collections"])
    }
}

/// A project member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub login: String,
    pub role: String,
}

/// A project; `members` appear only in the full record.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub state: String,
    pub created_at: String,
    pub updated_at: String,
    pub is_active: bool,
    pub grant_role_to_all: Option<String>,
    /// The user who created the project; absent in local mode without `X-User-ID`.
    #[serde(default)]
    pub created_by: Option<String>,
    pub members: Vec<Member>,
}

impl Project {
    /// Returns the `Project` record, without members.
    pub fn to_json(&self) -> Value {
        without(self, &["members"])
    }
}

/// Serializes `value` and drops the given top-level keys.
fn without<T: Serialize>(value: &T, keys: &[&str]) -> Value {
    let mut v = serde_json::to_value(value).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        for k in keys {
            m.remove(*k);
        }
    }
    v
}
