//! Serde models of the SMRT Link records and request bodies.
//!
//! Field names follow the server's camelCase JSON. Records are tolerant: optional fields may be
//! absent or null, unknown fields are ignored, and state strings the client does not know are
//! kept as `Unknown(String)` instead of failing the whole response.

mod common;
mod dataset;
mod datastore;
mod job;
mod options;
mod pipeline;
mod project;
mod report;
mod run;

pub use common::{MessageResponse, ServerErrorBody, Status, Timestamp};
pub use dataset::{DataSetExtras, DataSetMetaType, DataSetRecord, DataSetUpdate, DatasetType};
pub use datastore::{DataStoreReportFile, DataStoreServiceFile};
pub use job::{
    EngineJob, EngineJobEntryPoint, JobEvent, JobState, JobTask, JobTypeEndPoint, JobUpdate,
};
pub use options::{
    AnalysisOptions, DeleteJobOptions, EntryPoint, ImportDatasetOptions, JobCommonOptions,
    MergeDatasetsOptions, TaskOption,
};
pub use pipeline::{PipelineEntryPoint, PipelineOption, PipelineTemplate};
pub use project::{
    FullProject, GrantRole, Project, ProjectDataset, ProjectDatasetRef, ProjectMember,
    ProjectRequest, ProjectRole, ProjectState,
};
pub use report::{
    Report, ReportAttribute, ReportColumn, ReportPlot, ReportPlotGroup, ReportTable, ReportValue,
};
pub use run::{AcquisitionState, CollectionMetadata, ImportedRunDesign, Run, RunState, RunSummary};

/// Defines a string enum whose unrecognised values are kept in an `Unknown(String)` variant.
///
/// Matching is case-insensitive because the server parses states that way; serialisation writes
/// the canonical spelling, or the original text for `Unknown`.
macro_rules! open_string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this client does not recognise, kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// Returns the server's spelling of this value.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )+
                    $name::Unknown(text) => text.as_str(),
                }
            }

            /// Parses a server value case-insensitively; unknown text becomes `Unknown`.
            pub fn parse(text: &str) -> Self {
                $( if text.eq_ignore_ascii_case($text) { return $name::$variant; } )+
                $name::Unknown(text.to_string())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Ok($name::parse(&text))
            }
        }
    };
}

pub(crate) use open_string_enum;

/// Serde helpers for fields the server sends as JSON encoded inside a string.
pub(crate) mod json_string {
    use serde::{Deserialize, Deserializer};

    /// Accepts a JSON string as is, and re-encodes any other JSON value (a server that sends an
    /// object where a string is documented) so the record still parses.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
        let value = Option::<serde_json::Value>::deserialize(deserializer)?;
        Ok(match value {
            None | Some(serde_json::Value::Null) => String::new(),
            Some(serde_json::Value::String(text)) => text,
            Some(other) => other.to_string(),
        })
    }
}

/// Deserialises `null` as the type's default, for fields that are documented as non-null but that
/// some server versions leave null.
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + serde::Deserialize<'de>,
{
    use serde::Deserialize;
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}
