//! `rerun-analysis`: run an analysis again with the options of an earlier job, with overrides.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::RequestPreview;
use super::analysis::{task_options_json, validate_task_options};
use super::common::{FieldError, IdRef};

/// Outputs: as `analysis`.
pub const OUTPUTS: &[&str] = super::analysis::OUTPUTS;

/// Options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// The job to rerun (id or UUID).
    pub job: IdRef,
    /// Name of the new job (default: the old name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Task options to change; the others keep the old job's values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
    pub task_options: BTreeMap<String, serde_json::Value>,
}

impl Options {
    /// Checks the overrides.
    pub fn validate(&self) -> Result<(), FieldError> {
        validate_task_options(&self.task_options)
    }

    /// Returns the options lookup and the new job request.
    pub fn preview(&self) -> Vec<RequestPreview> {
        let mut body = serde_json::json!({
            "(options of job)": self.job.to_json(),
            "taskOptions (overrides)": task_options_json(&self.task_options),
        });
        if let (Some(name), Some(map)) = (&self.name, body.as_object_mut()) {
            map.insert("name".into(), name.clone().into());
        }
        vec![
            RequestPreview::get(format!(
                "/smrt-link/job-manager/jobs/analysis/{}/options",
                self.job
            )),
            RequestPreview::post("/smrt-link/job-manager/jobs/analysis", body)
                .note("the old job's options with these overrides; polled until the job ends"),
        ]
    }

    // Execution: the runner adds `async fn execute` here.
}

impl Options {
    /// Reads the old job's options (the body that created it), applies the name and task option
    /// overrides, submits the result as a new analysis and waits for it.
    pub async fn execute(
        &self,
        ctx: &crate::run::context::StepContext,
    ) -> anyhow::Result<crate::run::context::StepSuccess> {
        use anyhow::Context as _;

        let id = super::exec_util::id_or_uuid(&self.job, "job")?;
        let old = ctx
            .client
            .job("analysis", id)
            .await
            .with_context(|| format!("looking up job {} to rerun", self.job))?;
        if old.job_type_id != "analysis" {
            anyhow::bail!(
                "job {} has job type `{}`; only analysis jobs can be rerun",
                old.id,
                old.job_type_id
            );
        }
        let mut body = ctx
            .client
            .job_options("analysis", old.id)
            .await
            .with_context(|| format!("reading the options of job {}", old.id))?;
        let object = body
            .as_object_mut()
            .with_context(|| format!("the options of job {} are not a JSON object", old.id))?;

        let name = self.name.clone().unwrap_or_else(|| old.name.clone());
        object.insert("name".into(), name.into());
        strip_slflow_tags(object);
        if !self.task_options.is_empty() {
            apply_overrides(ctx, object, &self.task_options, old.id).await?;
        }

        let job = ctx.submit("analysis", &body).await?;
        let job = ctx.wait(&job).await?;
        Ok(crate::run::context::StepSuccess {
            detail: Some(format!("rerun of job {}", old.id)),
            ..crate::run::context::StepSuccess::with_outputs(super::analysis::analysis_outputs(
                &job,
            ))
        })
    }
}

/// Removes the old job's exactly-once tags, so that a lookup by the old step's tag never finds
/// the new job. Other tags stay.
fn strip_slflow_tags(options: &mut serde_json::Map<String, serde_json::Value>) {
    let Some(tags) = options.get("tags").and_then(serde_json::Value::as_str) else {
        return;
    };
    let kept: Vec<&str> = tags
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty() && !t.starts_with("slflow-"))
        .collect();
    options.insert("tags".into(), kept.join(",").into());
}

/// Replaces or adds task options. The type of each value comes from the pipeline template.
async fn apply_overrides(
    ctx: &crate::run::context::StepContext,
    options: &mut serde_json::Map<String, serde_json::Value>,
    overrides: &BTreeMap<String, serde_json::Value>,
    job_id: i64,
) -> anyhow::Result<()> {
    let pipeline = options
        .get("pipelineId")
        .and_then(serde_json::Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| anyhow::anyhow!("the options of job {job_id} have no `pipelineId`"))?;
    let template = super::analysis::resolve_pipeline(&ctx.client, &pipeline).await?;
    let mut list = match options.remove("taskOptions") {
        Some(serde_json::Value::Array(items)) => items,
        _ => Vec::new(),
    };
    for (option_id, value) in overrides {
        let Some(spec) = template
            .task_options
            .iter()
            .chain(template.options.iter())
            .find(|o| &o.id == option_id)
        else {
            anyhow::bail!(
                "pipeline `{}` of job {job_id} has no task option `{option_id}`; {}",
                template.id,
                super::exec_util::suggest(
                    option_id,
                    template.task_options.iter().map(|o| o.id.as_str())
                )
            );
        };
        let typed = super::analysis::coerce_option(option_id, &spec.option_type_id, value)?;
        let entry = serde_json::json!({
            "optionId": option_id,
            "value": typed,
            "optionTypeId": spec.option_type_id,
        });
        let same_id = |item: &serde_json::Value| {
            item.get("optionId").or_else(|| item.get("id")) == Some(&option_id.as_str().into())
        };
        match list.iter_mut().find(|item| same_id(item)) {
            Some(existing) => *existing = entry,
            None => list.push(entry),
        }
    }
    options.insert("taskOptions".into(), serde_json::Value::Array(list));
    Ok(())
}
