//! Runs, their collections (SMRT Cells) and imported run designs.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::common::Timestamp;
use super::{null_as_default, open_string_enum};

open_string_enum! {
    /// State of a run (the XSD's `SupportedRunStates`).
    pub enum RunState {
        Ready => "Ready",
        Idle => "Idle",
        SystemTest => "System Test",
        Starting => "Starting",
        Running => "Running",
        Aborting => "Aborting",
        Aborted => "Aborted",
        Terminated => "Terminated",
        Completing => "Completing",
        Complete => "Complete",
        Paused => "Paused",
    }
}

impl RunState {
    /// Returns whether the run will not change state again.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            RunState::Aborted | RunState::Terminated | RunState::Complete
        )
    }
}

open_string_enum! {
    /// State of a collection (the XSD's `SupportedAcquisitionStates`).
    pub enum AcquisitionState {
        Ready => "Ready",
        Initializing => "Initializing",
        SocketDiagnostics => "SocketDiagnostics",
        Acquiring => "Acquiring",
        Aligning => "Aligning",
        Aligned => "Aligned",
        Aborting => "Aborting",
        Aborted => "Aborted",
        Failed => "Failed",
        Completing => "Completing",
        Complete => "Complete",
        Calibrating => "Calibrating",
        Pending => "Pending",
        ReadyToCalibrate => "ReadyToCalibrate",
        CalibrationComplete => "CalibrationComplete",
        ReadyToAcquire => "ReadyToAcquire",
        FinishingAnalysis => "FinishingAnalysis",
        PostPrimaryPending => "PostPrimaryPending",
        PostPrimaryAnalysis => "PostPrimaryAnalysis",
        TransferPending => "TransferPending",
        TransferringResults => "TransferringResults",
        Error => "Error",
        Stopped => "Stopped",
        TransferFailed => "TransferFailed",
        InPrep => "InPrep",
    }
}

impl AcquisitionState {
    /// Returns whether the collection will not change state again.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            AcquisitionState::Complete
                | AcquisitionState::Aborted
                | AcquisitionState::Failed
                | AcquisitionState::Error
                | AcquisitionState::Stopped
                | AcquisitionState::TransferFailed
        )
    }

    /// Returns whether the collection ended without usable data.
    pub fn is_failure(&self) -> bool {
        self.is_terminal() && *self != AcquisitionState::Complete
    }
}

/// A run as `GET /smrt-link/runs` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    pub unique_id: Uuid,
    pub name: String,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub started_at: Option<Timestamp>,
    #[serde(default)]
    pub transfers_completed_at: Option<Timestamp>,
    #[serde(default)]
    pub completed_at: Option<Timestamp>,
    /// Absent in some examples; treat a missing state as unknown.
    #[serde(default)]
    pub status: Option<RunState>,
    /// `1mChip`, `8mChip`, `25mChip` or `AllChips`.
    #[serde(default)]
    pub chip_type: Option<String>,
    #[serde(default)]
    pub total_cells: i64,
    #[serde(default)]
    pub num_cells_completed: i64,
    #[serde(default)]
    pub num_cells_failed: i64,
    #[serde(default)]
    pub num_standard_cells: Option<i64>,
    #[serde(default, rename = "numLRCells")]
    pub num_lr_cells: Option<i64>,
    #[serde(default)]
    pub instrument_name: Option<String>,
    #[serde(default)]
    pub instrument_serial_number: Option<String>,
    #[serde(default)]
    pub instrument_sw_version: Option<String>,
    #[serde(default)]
    pub primary_analysis_sw_version: Option<String>,
    #[serde(default)]
    pub chemistry_sw_version: Option<String>,
    /// E.g. `r54001_20180101_120000`.
    #[serde(default)]
    pub context: Option<String>,
    #[serde(default)]
    pub termination_info: Option<String>,
    /// True when the run is selected on an instrument.
    #[serde(default)]
    pub reserved: bool,
    #[serde(default)]
    pub multi_job_id: Option<i64>,
}

/// A run with its run XML.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    #[serde(flatten)]
    pub summary: RunSummary,
    /// The run XML (`pbdm:PacBioDataModel`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub data_model: String,
}

/// A collection (one SMRT Cell acquisition) of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CollectionMetadata {
    pub run_id: Uuid,
    /// For a complete Sequel collection, the UUID of its SubreadSet.
    pub unique_id: Uuid,
    /// E.g. `A01`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub well: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    #[serde(default)]
    pub summary: Option<String>,
    /// The movie name, e.g. `m54001_161219_161247`.
    #[serde(default)]
    pub context: Option<String>,
    #[serde(default)]
    pub collection_path_uri: Option<String>,
    pub status: AcquisitionState,
    #[serde(default)]
    pub instrument_id: Option<String>,
    #[serde(default)]
    pub instrument_name: Option<String>,
    #[serde(default)]
    pub movie_minutes: Option<f64>,
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub started_at: Option<Timestamp>,
    #[serde(default)]
    pub completed_at: Option<Timestamp>,
    #[serde(default)]
    pub termination_info: Option<String>,
    #[serde(default)]
    pub cell_type: Option<String>,
    /// SMRT Link 13: the UUID of the HiFi ConsensusReadSet.
    #[serde(default)]
    pub ccs_id: Option<Uuid>,
}

/// Response of `POST /smrt-link/import-run-design`: the run design converted from the CSV.
///
/// Only the fields a caller needs are typed; the rest is kept in `other`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportedRunDesign {
    /// The run's UUID; `GET /smrt-link/runs/{uuid}` then returns it.
    #[serde(alias = "uniqueId")]
    pub uuid: Uuid,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}
