//! Job option bodies: what a job-creating POST sends.
//!
//! Older servers ignored serde-style defaults and treated every documented field as required, so
//! these bodies always send their documented fields explicitly.

use serde::{Deserialize, Serialize};

use crate::smrtlink::ids::IdOrUuid;

/// Options every job type accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobCommonOptions {
    /// Job name; the server defaults it to the job type id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Stored as the job's `comment`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default = "default_project_id")]
    pub project_id: i64,
    /// Queue the job at once; `false` leaves it CREATED until submitted.
    #[serde(default = "default_true")]
    pub submit: bool,
    /// Comma-separated tags. The client appends its duplicate-detection tag here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<String>,
}

impl Default for JobCommonOptions {
    fn default() -> Self {
        JobCommonOptions {
            name: None,
            description: None,
            project_id: 1,
            submit: true,
            tags: None,
        }
    }
}

/// Body of `POST /smrt-link/job-manager/jobs/import-dataset`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportDatasetOptions {
    /// Absolute path of the dataset XML, readable by the server.
    pub path: String,
    /// The `fileTypeId`; SMRT Link 12 infers it from the XML, older servers require it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset_type: Option<String>,
    #[serde(default)]
    pub avoid_duplicate_import: bool,
    #[serde(flatten)]
    pub common: JobCommonOptions,
}

impl ImportDatasetOptions {
    /// Builds options for importing the dataset XML at `path`.
    pub fn new(path: impl Into<String>) -> Self {
        ImportDatasetOptions {
            path: path.into(),
            dataset_type: None,
            avoid_duplicate_import: false,
            common: JobCommonOptions::default(),
        }
    }
}

/// Body of `POST /smrt-link/job-manager/jobs/merge-datasets`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MergeDatasetsOptions {
    /// At least two datasets of one type.
    pub ids: Vec<IdOrUuid>,
    /// The `fileTypeId` of the inputs.
    pub dataset_type: String,
    /// Name of the merged dataset.
    pub name: String,
    #[serde(flatten)]
    pub common: JobCommonOptions,
}

/// An analysis input: which dataset feeds which entry id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryPoint {
    /// E.g. `eid_subread`, `eid_ccs`, `eid_ref_dataset`, `eid_barcode`.
    pub entry_id: String,
    /// The dataset's `fileTypeId`.
    pub file_type_id: String,
    pub dataset_id: IdOrUuid,
}

/// A task option value sent with an analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskOption {
    /// The server accepts `optionId` or `id`; clients send `optionId` and older servers echo `id`.
    #[serde(alias = "id")]
    pub option_id: String,
    /// A string, integer, float, boolean or null.
    pub value: serde_json::Value,
    /// `string`, `integer`, `float`, `boolean`, `choice_string`, `choice_integer` or
    /// `choice_float`.
    pub option_type_id: String,
}

/// Body of `POST /smrt-link/job-manager/jobs/analysis`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalysisOptions {
    pub name: String,
    /// E.g. `cromwell.workflows.pb_sat`.
    pub pipeline_id: String,
    /// Repeating an entry id makes the server merge those datasets first.
    pub entry_points: Vec<EntryPoint>,
    #[serde(default)]
    pub task_options: Vec<TaskOption>,
    /// Ignored by SMRT Link 12 but still expected, so always sent (usually empty).
    #[serde(default)]
    pub workflow_options: Vec<serde_json::Value>,
    #[serde(default = "default_project_id")]
    pub project_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<String>,
    #[serde(default = "default_true")]
    pub submit: bool,
}

impl AnalysisOptions {
    /// Builds options for running `pipeline_id` on `entry_points` with default settings.
    pub fn new(
        name: impl Into<String>,
        pipeline_id: impl Into<String>,
        entry_points: Vec<EntryPoint>,
    ) -> Self {
        AnalysisOptions {
            name: name.into(),
            pipeline_id: pipeline_id.into(),
            entry_points,
            task_options: Vec::new(),
            workflow_options: Vec::new(),
            project_id: 1,
            preset_id: None,
            description: None,
            tags: None,
            submit: true,
        }
    }
}

/// Body of `POST /smrt-link/job-manager/jobs/delete-job`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteJobOptions {
    /// The job to delete.
    pub job_id: IdOrUuid,
    /// Also delete the files in the job directory.
    #[serde(default)]
    pub remove_files: bool,
    /// Only check that the job can be deleted; the server then returns the target job.
    #[serde(default)]
    pub dry_run: bool,
    /// Skip the "completed" and "no active children" checks.
    #[serde(default)]
    pub force: bool,
    #[serde(flatten)]
    pub common: JobCommonOptions,
}

impl DeleteJobOptions {
    /// Builds options for deleting `job_id`, keeping its files.
    pub fn new(job_id: impl Into<IdOrUuid>) -> Self {
        DeleteJobOptions {
            job_id: job_id.into(),
            remove_files: false,
            dry_run: false,
            force: false,
            common: JobCommonOptions::default(),
        }
    }
}

fn default_project_id() -> i64 {
    1
}

fn default_true() -> bool {
    true
}
