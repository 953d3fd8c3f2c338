//! Dataset types and dataset records.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::common::Timestamp;
use super::null_as_default;

/// A PacBio dataset type: its `fileTypeId` (the XML `MetaType`) and its URL short name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DatasetType {
    Subread,
    HdfSubread,
    Alignment,
    Barcode,
    ConsensusRead,
    ConsensusAlignment,
    Contig,
    Reference,
    GmapReference,
    Transcript,
    TranscriptAlignment,
}

impl DatasetType {
    /// Every known type, in a fixed order.
    pub const ALL: [DatasetType; 11] = [
        DatasetType::Subread,
        DatasetType::HdfSubread,
        DatasetType::Alignment,
        DatasetType::Barcode,
        DatasetType::ConsensusRead,
        DatasetType::ConsensusAlignment,
        DatasetType::Contig,
        DatasetType::Reference,
        DatasetType::GmapReference,
        DatasetType::Transcript,
        DatasetType::TranscriptAlignment,
    ];

    /// Returns the `fileTypeId`, e.g. `PacBio.DataSet.SubreadSet`.
    pub fn file_type_id(self) -> &'static str {
        match self {
            DatasetType::Subread => "PacBio.DataSet.SubreadSet",
            DatasetType::HdfSubread => "PacBio.DataSet.HdfSubreadSet",
            DatasetType::Alignment => "PacBio.DataSet.AlignmentSet",
            DatasetType::Barcode => "PacBio.DataSet.BarcodeSet",
            DatasetType::ConsensusRead => "PacBio.DataSet.ConsensusReadSet",
            DatasetType::ConsensusAlignment => "PacBio.DataSet.ConsensusAlignmentSet",
            DatasetType::Contig => "PacBio.DataSet.ContigSet",
            DatasetType::Reference => "PacBio.DataSet.ReferenceSet",
            DatasetType::GmapReference => "PacBio.DataSet.GmapReferenceSet",
            DatasetType::Transcript => "PacBio.DataSet.TranscriptSet",
            DatasetType::TranscriptAlignment => "PacBio.DataSet.TranscriptAlignmentSet",
        }
    }

    /// Returns the short name used as the URL segment, e.g. `subreads`.
    pub fn short_name(self) -> &'static str {
        match self {
            DatasetType::Subread => "subreads",
            DatasetType::HdfSubread => "hdfsubreads",
            DatasetType::Alignment => "alignments",
            DatasetType::Barcode => "barcodes",
            DatasetType::ConsensusRead => "ccsreads",
            DatasetType::ConsensusAlignment => "ccsalignments",
            DatasetType::Contig => "contigs",
            DatasetType::Reference => "references",
            DatasetType::GmapReference => "gmapreferences",
            DatasetType::Transcript => "transcripts",
            // NOTE: no source names this endpoint; the short name follows the pattern of the
            // others and is unverified against a real server.
            DatasetType::TranscriptAlignment => "transcriptalignments",
        }
    }

    /// Looks a type up by `fileTypeId` or short name (case-insensitive).
    pub fn parse(text: &str) -> Option<DatasetType> {
        DatasetType::ALL.into_iter().find(|ty| {
            text.eq_ignore_ascii_case(ty.file_type_id())
                || text.eq_ignore_ascii_case(ty.short_name())
        })
    }
}

impl fmt::Display for DatasetType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.file_type_id())
    }
}

/// An entry of `GET /smrt-link/dataset-types` (`ServiceDataSetMetaType`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataSetMetaType {
    /// The `fileTypeId`.
    pub id: String,
    pub short_name: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub updated_at: Option<Timestamp>,
}

/// A dataset record: the common fields of every type plus the extras some types carry.
///
/// The type-independent endpoints return the same shape without `datasetType` and without the
/// extras, so all of those are optional here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataSetRecord {
    pub id: i64,
    pub uuid: Uuid,
    #[serde(default)]
    pub name: String,
    /// Absolute path of the dataset XML on the server.
    #[serde(default)]
    pub path: String,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub updated_at: Option<Timestamp>,
    #[serde(default)]
    pub imported_at: Option<Timestamp>,
    #[serde(default)]
    pub num_records: i64,
    #[serde(default)]
    pub total_length: i64,
    #[serde(default, deserialize_with = "null_as_default")]
    pub version: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub comments: String,
    /// Comma-separated tags.
    #[serde(default, deserialize_with = "null_as_default")]
    pub tags: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub md5: String,
    #[serde(default)]
    pub created_by: Option<String>,
    /// The job that imported or created the dataset.
    #[serde(default)]
    pub job_id: Option<i64>,
    #[serde(default = "default_project_id")]
    pub project_id: i64,
    #[serde(default)]
    pub parent_uuid: Option<Uuid>,
    #[serde(default = "default_true")]
    pub is_active: bool,
    #[serde(default)]
    pub num_children: i64,
    /// The `fileTypeId`; absent on the type-independent endpoints.
    #[serde(default)]
    pub dataset_type: Option<String>,
    #[serde(flatten)]
    pub extras: DataSetExtras,
}

impl DataSetRecord {
    /// Returns the record's type when the server named a known one.
    pub fn kind(&self) -> Option<DatasetType> {
        self.dataset_type.as_deref().and_then(DatasetType::parse)
    }
}

/// Fields only some dataset types carry. SubreadSet and HdfSubreadSet records carry the
/// instrument and sample fields (HdfSubreadSet lacks `instrumentControlVersion`, `cellId` and
/// `dnaBarcodeName`); ConsensusReadSet records on SMRT Link 12 and later carry the sample
/// fields; ReferenceSet and GmapReferenceSet records carry `ploidy` and `organism`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataSetExtras {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instrument_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instrument_control_version: Option<String>,
    /// The movie name, e.g. `m54006_160504_020705`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_context_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub well_sample_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub well_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bio_sample_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell_index: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dna_barcode_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ploidy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organism: Option<String>,
}

/// Body of `PUT /smrt-link/datasets/{type}/{id}`; `is_active: Some(false)` is the soft delete.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataSetUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bio_sample_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub well_sample_name: Option<String>,
}

pub(super) fn default_project_id() -> i64 {
    1
}

pub(super) fn default_true() -> bool {
    true
}
