//! PacBio report files (`*.report.json`), as `GET .../reports/{uuid}` returns them.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::null_as_default;

/// A report: attributes (the metrics), tables and plot groups.
///
/// Reads schema 1.0.x files and the legacy files that carry `_version`/`_changelist` and no
/// `version` or `uuid`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Report id, e.g. `mapping_stats`.
    pub id: String,
    /// Schema version, e.g. `1.0.1`; absent in legacy files.
    #[serde(default)]
    pub version: Option<String>,
    /// Equals the UUID of the report's datastore file; absent in legacy files.
    #[serde(default)]
    pub uuid: Option<Uuid>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default, rename = "_comment", skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Legacy producer version, e.g. `2.3`; only in files older than schema 1.0.0.
    #[serde(default, rename = "_version", skip_serializing_if = "Option::is_none")]
    pub legacy_version: Option<serde_json::Value>,
    /// Legacy changelist number (or text such as `UNKNOWN`).
    #[serde(
        default,
        rename = "_changelist",
        skip_serializing_if = "Option::is_none"
    )]
    pub legacy_changelist: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub tags: Vec<String>,
    #[serde(
        default,
        rename = "dataset_uuids",
        deserialize_with = "null_as_default"
    )]
    pub dataset_uuids: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub attributes: Vec<ReportAttribute>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub plot_groups: Vec<ReportPlotGroup>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub tables: Vec<ReportTable>,
}

impl Report {
    /// Finds an attribute by its full id (`mapping_stats.mapped_reads_n`) or by the last
    /// dot-separated part of it (`mapped_reads_n`), as the PacBio testkit compares them.
    pub fn attribute(&self, id: &str) -> Option<&ReportAttribute> {
        self.attributes
            .iter()
            .find(|attribute| attribute.id == id)
            .or_else(|| {
                self.attributes
                    .iter()
                    .find(|attribute| attribute.short_id() == id)
            })
    }
}

/// One metric of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportAttribute {
    /// Fully qualified id, `<reportId>.<attributeId>`.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub value: ReportValue,
}

impl ReportAttribute {
    /// Returns the id without its report prefix: the part after the last dot.
    pub fn short_id(&self) -> &str {
        self.id.rsplit('.').next().unwrap_or(&self.id)
    }
}

/// A report attribute or table cell value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ReportValue {
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    #[default]
    Null,
}

impl ReportValue {
    /// Returns the value as a number when it is an integer or a float.
    #[allow(clippy::cast_precision_loss)]
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            ReportValue::Int(value) => Some(*value as f64),
            ReportValue::Float(value) => Some(*value),
            _ => None,
        }
    }
}

impl fmt::Display for ReportValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReportValue::Bool(value) => write!(f, "{value}"),
            ReportValue::Int(value) => write!(f, "{value}"),
            ReportValue::Float(value) => write!(f, "{value}"),
            ReportValue::Text(value) => f.write_str(value),
            ReportValue::Null => f.write_str("null"),
        }
    }
}

/// A group of plots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportPlotGroup {
    pub id: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub legend: Option<String>,
    #[serde(default)]
    pub thumbnail: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub plots: Vec<ReportPlot>,
}

/// One plot; `image` is relative to the directory of the report file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportPlot {
    pub id: String,
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub caption: Option<String>,
    #[serde(default)]
    pub thumbnail: Option<String>,
    /// `image` or `plotly`.
    #[serde(default)]
    pub plot_type: Option<String>,
    #[serde(default)]
    pub plotly_version: Option<String>,
}

/// A table, stored column by column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportTable {
    pub id: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub columns: Vec<ReportColumn>,
}

/// A table column. Real files name the cell list `values` (the Avro schema names it `value`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportColumn {
    pub id: String,
    #[serde(default)]
    pub header: Option<String>,
    #[serde(default, alias = "value", deserialize_with = "null_as_default")]
    pub values: Vec<ReportValue>,
}
