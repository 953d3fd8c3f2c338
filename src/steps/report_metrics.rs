//! `report-metrics`: fetch the reports of a job, dataset or collection, flatten their
//! attributes into metrics and check them against `expect`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::RequestPreview;
use super::common::{FieldError, IdRef};
use super::expect::{self, Check};

/// Outputs: metrics by attribute id, and the reports read.
pub const OUTPUTS: &[&str] = &["metrics", "reports"];

/// Options: exactly one of `job`, `dataset` or `collection`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// Job whose reports to read (id or UUID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<IdRef>,
    /// Dataset whose reports (those of the job that created it) to read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<IdRef>,
    /// Collection UUID (equal to its SubreadSet UUID) whose reports to read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection: Option<String>,
    /// Globs on `reportTypeId` selecting reports (default: all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reports: Vec<String>,
    /// Attribute id (full or last segment) to a condition: `{ ge = 0.8 }`, `attr__ge = 0.8`
    /// or a value for equality.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
    pub expect: BTreeMap<String, serde_json::Value>,
}

impl Options {
    /// Checks the source, the globs and the conditions.
    pub fn validate(&self) -> Result<(), FieldError> {
        let sources = [
            self.job.is_some(),
            self.dataset.is_some(),
            self.collection.is_some(),
        ];
        match sources.iter().filter(|s| **s).count() {
            0 => {
                return Err(
                    FieldError::new(&[], "missing `job`, `dataset` or `collection`")
                        .help("add e.g. `job = \"{{ steps.sat.id }}\"`"),
                );
            }
            1 => {}
            _ => {
                let second = if self.dataset.is_some() && self.job.is_some() {
                    "dataset"
                } else {
                    "collection"
                };
                return Err(FieldError::new(&[second], "give only one of `job`, `dataset` and `collection`")
                    .help("reports are read from one source per step; add another step for another source")
                    .at_key());
            }
        }
        for (i, pattern) in self.reports.iter().enumerate() {
            if let Err(err) = globset::Glob::new(pattern) {
                return Err(FieldError::new(
                    &["reports", &i.to_string()],
                    format!("invalid glob `{pattern}`: {}", err.kind()),
                )
                .help("use `*` and `?` wildcards, e.g. `*.report_mapping_stats`"));
            }
        }
        self.checks().map(|_| ())
    }

    /// Returns the acceptance checks in `expect`.
    pub fn checks(&self) -> Result<Vec<Check>, FieldError> {
        expect::parse(&self.expect)
    }

    /// Returns the report list request and the per-report fetch.
    pub fn preview(&self) -> Vec<RequestPreview> {
        let list = match (&self.job, &self.dataset, &self.collection) {
            (Some(job), _, _) => format!("/smrt-link/job-manager/jobs/analysis/{job}/reports"),
            (None, Some(dataset), _) => {
                format!("/smrt-link/datasets/(type of {dataset})/{dataset}/reports")
            }
            (None, None, Some(collection)) => {
                format!("/smrt-link/datasets/subreads/{collection}/reports")
            }
            (None, None, None) => "(no source)".to_string(),
        };
        let selection = if self.reports.is_empty() {
            "every report".to_string()
        } else {
            format!("reports matching {}", self.reports.join(", "))
        };
        vec![
            RequestPreview::get(list),
            RequestPreview::get("/smrt-link/datastore-files/(report uuid)/download").note(format!(
                "fetches {selection}; checks {} condition(s)",
                self.checks().map_or(0, |c| c.len())
            )),
        ]
    }

    // Execution: the runner adds `async fn execute` here.
}
