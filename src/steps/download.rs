//! `download`: save a datastore file, or a job's selected files, into a local directory.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::RequestPreview;
use super::common::{FieldError, IdRef};

/// Outputs: the local paths written.
pub const OUTPUTS: &[&str] = &["files"];

/// Options: `file` alone, or `job` with an optional selection (`reports` globs, `source_id`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// Job whose datastore files to download (id or UUID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<IdRef>,
    /// One datastore file UUID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Globs on `reportTypeId`: download these reports of the job.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reports: Vec<String>,
    /// Download the job's files with this `sourceId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    /// Local directory (relative to the manifest's directory); file names never leave it.
    pub dir: String,
}

impl Options {
    /// Checks that the selection makes sense.
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.job.is_none() && self.file.is_none() {
            return Err(FieldError::new(&[], "missing `job` or `file`").help(
                "add `file = \"<datastore file uuid>\"`, or `job` with `reports` or `source_id`",
            ));
        }
        if self.file.is_some() && (!self.reports.is_empty() || self.source_id.is_some()) {
            let key = if self.reports.is_empty() {
                "source_id"
            } else {
                "reports"
            };
            return Err(
                FieldError::new(&[key], "`file` names one file, so it takes no selection")
                    .help("remove the selection, or use `job` instead of `file`")
                    .at_key(),
            );
        }
        for (i, pattern) in self.reports.iter().enumerate() {
            if let Err(err) = globset::Glob::new(pattern) {
                return Err(FieldError::new(
                    &["reports", &i.to_string()],
                    format!("invalid glob `{pattern}`: {}", err.kind()),
                ));
            }
        }
        if self.dir.trim().is_empty() {
            return Err(FieldError::new(&["dir"], "`dir` is empty")
                .help("name a local directory, e.g. `out/reports`"));
        }
        Ok(())
    }

    /// Returns the listing and download requests.
    pub fn preview(&self) -> Vec<RequestPreview> {
        if let Some(file) = &self.file {
            return vec![
                RequestPreview::get(format!("/smrt-link/datastore-files/{file}/download"))
                    .note(format!("saved under {}", self.dir)),
            ];
        }
        let job = self
            .job
            .as_ref()
            .map_or_else(String::new, ToString::to_string);
        let (list, what) = if self.reports.is_empty() {
            (
                format!("/smrt-link/job-manager/jobs/analysis/{job}/datastore"),
                match &self.source_id {
                    Some(source) => format!("files with sourceId {source}"),
                    None => "every file".to_string(),
                },
            )
        } else {
            (
                format!("/smrt-link/job-manager/jobs/analysis/{job}/reports"),
                format!("reports matching {}", self.reports.join(", ")),
            )
        };
        vec![
            RequestPreview::get(list),
            RequestPreview::get("/smrt-link/datastore-files/(file uuid)/download")
                .note(format!("downloads {what} into {}", self.dir)),
        ]
    }

    // Execution: the runner adds `async fn execute` here.
}
