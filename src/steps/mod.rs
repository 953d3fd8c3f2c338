//! Step kinds: one file per kind with its typed options, its documented outputs and the
//! requests it sends. The runner adds each kind's execution in the same file.

pub mod analysis;
pub mod common;
pub mod create_project;
pub mod delete_job;
pub mod download;
pub mod exec_util;
pub mod expect;
pub mod find_datasets;
pub mod find_jobs;
pub mod import_dataset;
pub mod import_run_design;
pub mod merge_datasets;
pub mod report_metrics;
pub mod rerun_analysis;
pub mod wait_run;

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

pub use common::{FieldError, IdRef};

/// A step kind, as written in `kind = "..."`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    ImportRunDesign,
    WaitRun,
    ImportDataset,
    FindDatasets,
    MergeDatasets,
    Analysis,
    RerunAnalysis,
    FindJobs,
    ReportMetrics,
    Download,
    DeleteJob,
    CreateProject,
}

impl Kind {
    /// Every kind, in the order the documentation lists them.
    pub const ALL: [Kind; 12] = [
        Kind::ImportRunDesign,
        Kind::WaitRun,
        Kind::ImportDataset,
        Kind::FindDatasets,
        Kind::MergeDatasets,
        Kind::Analysis,
        Kind::RerunAnalysis,
        Kind::FindJobs,
        Kind::ReportMetrics,
        Kind::Download,
        Kind::DeleteJob,
        Kind::CreateProject,
    ];

    /// Returns the name used in manifests.
    pub const fn name(self) -> &'static str {
        match self {
            Kind::ImportRunDesign => "import-run-design",
            Kind::WaitRun => "wait-run",
            Kind::ImportDataset => "import-dataset",
            Kind::FindDatasets => "find-datasets",
            Kind::MergeDatasets => "merge-datasets",
            Kind::Analysis => "analysis",
            Kind::RerunAnalysis => "rerun-analysis",
            Kind::FindJobs => "find-jobs",
            Kind::ReportMetrics => "report-metrics",
            Kind::Download => "download",
            Kind::DeleteJob => "delete-job",
            Kind::CreateProject => "create-project",
        }
    }

    /// Finds a kind by its manifest name.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Returns the names of the outputs that `steps.<id>.<output>` may use.
    pub const fn outputs(self) -> &'static [&'static str] {
        match self {
            Kind::ImportRunDesign => import_run_design::OUTPUTS,
            Kind::WaitRun => wait_run::OUTPUTS,
            Kind::ImportDataset => import_dataset::OUTPUTS,
            Kind::FindDatasets => find_datasets::OUTPUTS,
            Kind::MergeDatasets => merge_datasets::OUTPUTS,
            Kind::Analysis => analysis::OUTPUTS,
            Kind::RerunAnalysis => rerun_analysis::OUTPUTS,
            Kind::FindJobs => find_jobs::OUTPUTS,
            Kind::ReportMetrics => report_metrics::OUTPUTS,
            Kind::Download => download::OUTPUTS,
            Kind::DeleteJob => delete_job::OUTPUTS,
            Kind::CreateProject => create_project::OUTPUTS,
        }
    }

    /// Returns whether this kind creates a server job that is polled (poll settings apply).
    pub const fn creates_job(self) -> bool {
        matches!(
            self,
            Kind::ImportRunDesign
                | Kind::ImportDataset
                | Kind::MergeDatasets
                | Kind::Analysis
                | Kind::RerunAnalysis
                | Kind::DeleteJob
        )
    }
}

impl Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One HTTP request a step will send, for `plan` to show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestPreview {
    pub method: &'static str,
    /// The path below the server's base URL, e.g. `/smrt-link/job-manager/jobs/analysis`.
    pub path: String,
    /// The JSON body; `null` for requests without one.
    pub body: serde_json::Value,
    /// What the request is for, when the method and path alone do not say it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl RequestPreview {
    /// Creates a GET request preview.
    pub fn get(path: impl Into<String>) -> Self {
        RequestPreview {
            method: "GET",
            path: path.into(),
            body: serde_json::Value::Null,
            note: None,
        }
    }

    /// Creates a POST request preview with a JSON body.
    pub fn post(path: impl Into<String>, body: serde_json::Value) -> Self {
        RequestPreview {
            method: "POST",
            path: path.into(),
            body,
            note: None,
        }
    }

    /// Adds a note.
    #[must_use]
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }
}

/// The typed options of one step instance, fully rendered.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum StepOptions {
    ImportRunDesign(import_run_design::Options),
    WaitRun(wait_run::Options),
    ImportDataset(import_dataset::Options),
    FindDatasets(find_datasets::Options),
    MergeDatasets(merge_datasets::Options),
    Analysis(analysis::Options),
    RerunAnalysis(rerun_analysis::Options),
    FindJobs(find_jobs::Options),
    ReportMetrics(report_metrics::Options),
    Download(download::Options),
    DeleteJob(delete_job::Options),
    CreateProject(create_project::Options),
}

/// Applies one expression to the options struct of whichever kind `$options` holds.
macro_rules! each_kind {
    ($options:expr, $o:ident => $body:expr) => {
        match $options {
            StepOptions::ImportRunDesign($o) => $body,
            StepOptions::WaitRun($o) => $body,
            StepOptions::ImportDataset($o) => $body,
            StepOptions::FindDatasets($o) => $body,
            StepOptions::MergeDatasets($o) => $body,
            StepOptions::Analysis($o) => $body,
            StepOptions::RerunAnalysis($o) => $body,
            StepOptions::FindJobs($o) => $body,
            StepOptions::ReportMetrics($o) => $body,
            StepOptions::Download($o) => $body,
            StepOptions::DeleteJob($o) => $body,
            StepOptions::CreateProject($o) => $body,
        }
    };
}

impl StepOptions {
    /// Deserialises the options of `kind` (the step table without the common keys).
    pub fn deserialize_kind<'de, D: Deserializer<'de>>(
        kind: Kind,
        de: D,
    ) -> Result<StepOptions, D::Error> {
        Ok(match kind {
            Kind::ImportRunDesign => {
                StepOptions::ImportRunDesign(import_run_design::Options::deserialize(de)?)
            }
            Kind::WaitRun => StepOptions::WaitRun(wait_run::Options::deserialize(de)?),
            Kind::ImportDataset => {
                StepOptions::ImportDataset(import_dataset::Options::deserialize(de)?)
            }
            Kind::FindDatasets => {
                StepOptions::FindDatasets(find_datasets::Options::deserialize(de)?)
            }
            Kind::MergeDatasets => {
                StepOptions::MergeDatasets(merge_datasets::Options::deserialize(de)?)
            }
            Kind::Analysis => StepOptions::Analysis(analysis::Options::deserialize(de)?),
            Kind::RerunAnalysis => {
                StepOptions::RerunAnalysis(rerun_analysis::Options::deserialize(de)?)
            }
            Kind::FindJobs => StepOptions::FindJobs(find_jobs::Options::deserialize(de)?),
            Kind::ReportMetrics => {
                StepOptions::ReportMetrics(report_metrics::Options::deserialize(de)?)
            }
            Kind::Download => StepOptions::Download(download::Options::deserialize(de)?),
            Kind::DeleteJob => StepOptions::DeleteJob(delete_job::Options::deserialize(de)?),
            Kind::CreateProject => {
                StepOptions::CreateProject(create_project::Options::deserialize(de)?)
            }
        })
    }

    /// Returns the kind of these options.
    pub fn kind(&self) -> Kind {
        match self {
            StepOptions::ImportRunDesign(_) => Kind::ImportRunDesign,
            StepOptions::WaitRun(_) => Kind::WaitRun,
            StepOptions::ImportDataset(_) => Kind::ImportDataset,
            StepOptions::FindDatasets(_) => Kind::FindDatasets,
            StepOptions::MergeDatasets(_) => Kind::MergeDatasets,
            StepOptions::Analysis(_) => Kind::Analysis,
            StepOptions::RerunAnalysis(_) => Kind::RerunAnalysis,
            StepOptions::FindJobs(_) => Kind::FindJobs,
            StepOptions::ReportMetrics(_) => Kind::ReportMetrics,
            StepOptions::Download(_) => Kind::Download,
            StepOptions::DeleteJob(_) => Kind::DeleteJob,
            StepOptions::CreateProject(_) => Kind::CreateProject,
        }
    }

    /// Checks the rules serde cannot express (one of two keys, list lengths, operators).
    pub fn validate(&self) -> Result<(), FieldError> {
        each_kind!(self, o => o.validate())
    }

    /// Returns the requests this step will send, in order.
    pub fn preview(&self) -> Vec<RequestPreview> {
        each_kind!(self, o => o.preview())
    }

    /// Returns the fingerprint that state and plan labels compare (see
    /// [`crate::state::fingerprint`]): the kind, the options and the server URL. Poll settings
    /// and timeouts are not options, so they do not change it.
    pub fn fingerprint(&self, server_url: &str) -> String {
        let value = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        crate::state::fingerprint(self.kind().name(), &value, server_url)
    }
}

impl StepOptions {
    /// Runs the step against the server.
    pub async fn execute(
        &self,
        ctx: &crate::run::context::StepContext,
    ) -> anyhow::Result<crate::run::context::StepSuccess> {
        each_kind!(self, o => o.execute(ctx).await)
    }
}
