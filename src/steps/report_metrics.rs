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

/// One report read by the step, as listed in its `reports` output.
#[derive(Debug, Clone, Serialize)]
struct ReportSummary {
    uuid: String,
    report_type_id: String,
    id: String,
    title: Option<String>,
}

impl Options {
    /// Lists the source's reports, keeps those whose `reportTypeId` matches `reports`, fetches
    /// them, flattens their attributes into metrics and evaluates `expect`.
    pub async fn execute(
        &self,
        ctx: &crate::run::context::StepContext,
    ) -> anyhow::Result<crate::run::context::StepSuccess> {
        use anyhow::Context as _;

        use crate::smrtlink::models::DatasetType;

        let checks = self
            .checks()
            .map_err(|e| anyhow::anyhow!("{}", e.message))?;
        // (list of report files, job type and id to read them through)
        let (files, source) = match (&self.job, &self.dataset, &self.collection) {
            (Some(job), _, _) => {
                let id = super::exec_util::id_or_uuid(job, "job")?;
                let files = ctx
                    .client
                    .job_reports("analysis", id)
                    .await
                    .with_context(|| format!("listing the reports of job {job}"))?;
                (files, format!("job {job}"))
            }
            (None, Some(dataset), _) => {
                let uuid = match super::exec_util::id_or_uuid(dataset, "dataset")? {
                    crate::smrtlink::IdOrUuid::Uuid(uuid) => uuid,
                    crate::smrtlink::IdOrUuid::Id(id) => anyhow::bail!(
                        "dataset {id}: give the dataset UUID (e.g. `{{{{ steps.X.uuid }}}}`), \
                         because the report route needs the dataset type, which a UUID reveals"
                    ),
                };
                let record = ctx
                    .client
                    .dataset_by_uuid(uuid)
                    .await
                    .with_context(|| format!("looking up dataset {uuid}"))?
                    .with_context(|| format!("the server has no dataset {uuid}"))?;
                let kind = record.kind().with_context(|| {
                    format!("dataset {uuid} has no known dataset type on the server")
                })?;
                let files = ctx
                    .client
                    .dataset_reports(kind, uuid)
                    .await
                    .with_context(|| format!("listing the reports of dataset {uuid}"))?;
                (files, format!("dataset {uuid}"))
            }
            (None, None, Some(collection)) => {
                let uuid: uuid::Uuid = collection
                    .trim()
                    .parse()
                    .map_err(|_| anyhow::anyhow!("collection `{collection}` is not a UUID"))?;
                let files = ctx
                    .client
                    .dataset_reports(DatasetType::Subread, uuid)
                    .await
                    .with_context(|| {
                        format!(
                            "listing the QC reports of collection {uuid} (a collection has \
                             reports only once it is complete and its SubreadSet is imported)"
                        )
                    })?;
                (files, format!("collection {uuid}"))
            }
            (None, None, None) => anyhow::bail!("missing `job`, `dataset` or `collection`"),
        };

        let globs = self
            .reports
            .iter()
            .map(|p| globset::Glob::new(p).map(|g| g.compile_matcher()))
            .collect::<Result<Vec<_>, _>>()
            .context("compiling the `reports` globs")?;
        let selected: Vec<_> = files
            .iter()
            .filter(|f| globs.is_empty() || globs.iter().any(|g| g.is_match(&f.report_type_id)))
            .collect();
        if selected.is_empty() {
            let available: Vec<&str> = files.iter().map(|f| f.report_type_id.as_str()).collect();
            anyhow::bail!(
                "{source} has no report matching {}; its reports are: {}",
                self.reports.join(", "),
                if available.is_empty() {
                    "(none)".to_string()
                } else {
                    available.join(", ")
                }
            );
        }

        let mut metrics = BTreeMap::new();
        let mut origin: BTreeMap<String, String> = BTreeMap::new();
        let mut summaries = Vec::new();
        for file in selected {
            let report = fetch_report(ctx, file).await?;
            for attribute in &report.attributes {
                let value = serde_json::to_value(&attribute.value).unwrap_or_default();
                metrics.insert(attribute.id.clone(), value);
                origin.insert(attribute.id.clone(), file.report_type_id.clone());
            }
            summaries.push(ReportSummary {
                uuid: file.data_store_file.uuid.to_string(),
                report_type_id: file.report_type_id.clone(),
                id: report.id.clone(),
                title: report.title.clone(),
            });
        }

        let results = checks
            .iter()
            .map(|check| evaluate(check, &metrics, &origin))
            .collect();
        Ok(crate::run::context::StepSuccess {
            outputs: serde_json::json!({ "metrics": metrics, "reports": summaries }),
            metrics,
            checks: results,
            detail: Some(format!(
                "{} report(s), {} metric(s)",
                summaries.len(),
                origin.len()
            )),
        })
    }
}

async fn fetch_report(
    ctx: &crate::run::context::StepContext,
    file: &crate::smrtlink::models::DataStoreReportFile,
) -> anyhow::Result<crate::smrtlink::models::Report> {
    use anyhow::Context as _;

    let uuid = file.data_store_file.uuid;
    let mut bytes = Vec::new();
    ctx.client
        .download_datastore_file(uuid, &mut bytes)
        .await
        .with_context(|| format!("downloading report {uuid} ({})", file.report_type_id))?;
    serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "report {uuid} ({}) is not a valid report JSON",
            file.report_type_id
        )
    })
}

/// Finds a metric by full id or by last dot-separated segment, as the testkit does.
fn find_metric<'a>(
    attr: &str,
    metrics: &'a BTreeMap<String, serde_json::Value>,
) -> Option<(&'a String, &'a serde_json::Value)> {
    metrics.get_key_value(attr).or_else(|| {
        metrics
            .iter()
            .find(|(id, _)| id.rsplit('.').next() == Some(attr))
    })
}

fn evaluate(
    check: &Check,
    metrics: &BTreeMap<String, serde_json::Value>,
    origin: &BTreeMap<String, String>,
) -> crate::state::CheckResult {
    use crate::state::{CheckOp, CheckResult};

    let op = match check.op {
        expect::CompareOp::Eq => CheckOp::Eq,
        expect::CompareOp::Ne => CheckOp::Ne,
        expect::CompareOp::Lt => CheckOp::Lt,
        expect::CompareOp::Le => CheckOp::Le,
        expect::CompareOp::Gt => CheckOp::Gt,
        expect::CompareOp::Ge => CheckOp::Ge,
    };
    let found = find_metric(&check.attr, metrics);
    let threshold = threshold_value(&check.value);
    let (actual, passed, report) = match found {
        None => (None, false, None),
        Some((id, actual)) => {
            let passed = check.op.holds(actual, &threshold).unwrap_or(false);
            (Some(actual.clone()), passed, origin.get(id).cloned())
        }
    };
    CheckResult {
        metric: check.attr.clone(),
        op,
        threshold,
        actual,
        passed,
        report,
    }
}

/// Numbers written as strings (a rendered `{{ vars.min }}` inside quotes) compare as numbers.
fn threshold_value(value: &serde_json::Value) -> serde_json::Value {
    if let serde_json::Value::String(text) = value {
        if let Ok(int) = text.trim().parse::<i64>() {
            return serde_json::Value::from(int);
        }
        if let Ok(float) = text.trim().parse::<f64>() {
            return serde_json::Value::from(float);
        }
    }
    value.clone()
}
