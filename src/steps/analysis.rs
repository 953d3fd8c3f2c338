//! `analysis`: start an analysis job of a pipeline on imported datasets and wait for it.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::RequestPreview;
use super::common::{FieldError, IdRef};

/// Outputs: the job's id, UUID, final state and directory.
pub const OUTPUTS: &[&str] = &["id", "uuid", "state", "path"];

/// One dataset, or several that the server merges before the analysis (auto-merge).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum EntryDatasets {
    One(IdRef),
    Many(Vec<IdRef>),
}

impl EntryDatasets {
    /// Returns the datasets as a list.
    pub fn ids(&self) -> Vec<&IdRef> {
        match self {
            EntryDatasets::One(id) => vec![id],
            EntryDatasets::Many(ids) => ids.iter().collect(),
        }
    }
}

/// Options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// Pipeline template id (`cromwell.workflows.pb_sat`), short id (`pb_sat`) or name.
    pub pipeline: String,
    /// Job name.
    pub name: String,
    /// Entry id (`eid_subread`, `eid_ref_dataset`, ...) to a dataset id or UUID, or a list of
    /// them to merge.
    pub entry_points: BTreeMap<String, EntryDatasets>,
    /// Task option id to value; the option type comes from the pipeline template.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
    pub task_options: BTreeMap<String, serde_json::Value>,
    /// Project id of the job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<IdRef>,
    /// Compute preset: its id, the last part of its id, or its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// Job description (the job's comment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl Options {
    /// Checks entry points and task option values.
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.entry_points.is_empty() {
            return Err(FieldError::new(&["entry_points"], "`entry_points` is empty")
                .help("map each entry id to a dataset, e.g. `{ eid_subread = \"{{ steps.subreads.uuid }}\" }`"));
        }
        for (entry, datasets) in &self.entry_points {
            if datasets.ids().is_empty() {
                return Err(FieldError::new(
                    &["entry_points", entry],
                    format!("entry point `{entry}` has no dataset"),
                ));
            }
        }
        validate_task_options(&self.task_options)
    }

    /// Returns the pipeline lookup and the job request.
    pub fn preview(&self) -> Vec<RequestPreview> {
        let mut body = serde_json::json!({
            "name": self.name,
            "pipelineId": format!("(id of pipeline {})", self.pipeline),
            "entryPoints": entry_points_json(&self.entry_points),
            "taskOptions": task_options_json(&self.task_options),
            "workflowOptions": [],
        });
        if let Some(map) = body.as_object_mut() {
            if let Some(project) = &self.project {
                map.insert("projectId".into(), project.to_json());
            }
            if let Some(preset) = &self.preset {
                map.insert("presetId".into(), format!("(id of preset {preset})").into());
            }
            if let Some(description) = &self.description {
                map.insert("description".into(), description.clone().into());
            }
        }
        vec![
            RequestPreview::get(format!(
                "/smrt-link/resolved-pipeline-templates/{}",
                self.pipeline
            ))
            .note("resolves the pipeline and the types of its entry points and options"),
            RequestPreview::post("/smrt-link/job-manager/jobs/analysis", body)
                .note("polled until the job ends"),
        ]
    }

    // Execution: the runner adds `async fn execute` here.
}

/// Checks that every task option value is a scalar.
pub fn validate_task_options(
    options: &BTreeMap<String, serde_json::Value>,
) -> Result<(), FieldError> {
    for (id, value) in options {
        if value.is_array() || value.is_object() {
            return Err(FieldError::new(
                &["task_options", id],
                format!("task option `{id}` must be a string, number or boolean"),
            )
            .help("task options take one scalar value each"));
        }
    }
    Ok(())
}

/// Returns the `entryPoints` body; repeated entry ids make the server merge the datasets.
pub fn entry_points_json(entry_points: &BTreeMap<String, EntryDatasets>) -> serde_json::Value {
    let mut out = Vec::new();
    for (entry, datasets) in entry_points {
        for id in datasets.ids() {
            out.push(serde_json::json!({
                "entryId": entry,
                "fileTypeId": "(from the pipeline template)",
                "datasetId": id.to_json(),
            }));
        }
    }
    serde_json::Value::Array(out)
}

/// Returns the `taskOptions` body.
pub fn task_options_json(options: &BTreeMap<String, serde_json::Value>) -> serde_json::Value {
    options
        .iter()
        .map(|(id, value)| {
            serde_json::json!({
                "optionId": id,
                "value": value,
                "optionTypeId": "(from the pipeline template)",
            })
        })
        .collect()
}

impl Options {
    /// Resolves the pipeline, maps entry points to their dataset types from the template,
    /// types the task options, submits the analysis and waits for it.
    pub async fn execute(
        &self,
        ctx: &crate::run::context::StepContext,
    ) -> anyhow::Result<crate::run::context::StepSuccess> {
        let template = resolve_pipeline(&ctx.client, &self.pipeline).await?;
        let options = analysis_request(
            &template,
            &self.name,
            &self.entry_points,
            &self.task_options,
            super::exec_util::project_id(self.project.as_ref())?,
        )?;
        let mut options = options;
        options.preset_id = self.preset.clone();
        options.description = self.description.clone();
        let job = ctx.submit("analysis", &options).await?;
        let job = ctx.wait(&job).await?;
        Ok(crate::run::context::StepSuccess::with_outputs(
            analysis_outputs(&job),
        ))
    }
}

/// Returns the documented outputs of an analysis job.
pub fn analysis_outputs(job: &crate::smrtlink::EngineJob) -> serde_json::Value {
    serde_json::json!({
        "id": job.id,
        "uuid": job.uuid.to_string(),
        "state": job.state.to_string(),
        "path": job.path,
    })
}

/// Finds a pipeline template by full id, short id (`pb_sat`) or name (case-insensitive).
pub async fn resolve_pipeline(
    client: &crate::smrtlink::Client,
    pipeline: &str,
) -> anyhow::Result<crate::smrtlink::models::PipelineTemplate> {
    use anyhow::Context as _;

    match client.pipeline_template(pipeline).await {
        Ok(template) => return Ok(template),
        Err(error) if error.is_not_found() => {}
        Err(error) => {
            return Err(error).with_context(|| format!("resolving pipeline `{pipeline}`"));
        }
    }
    let templates = client
        .pipeline_templates()
        .await
        .with_context(|| format!("listing pipelines to find `{pipeline}` by name"))?;
    if let Some(found) = templates
        .iter()
        .find(|t| t.name.eq_ignore_ascii_case(pipeline))
    {
        return Ok(found.clone());
    }
    let mut candidates: Vec<&str> = templates.iter().map(|t| t.id.as_str()).collect();
    candidates.extend(templates.iter().map(|t| t.name.as_str()));
    anyhow::bail!(
        "the server has no pipeline `{pipeline}` (by id or name); {}",
        super::exec_util::suggest(pipeline, candidates)
    )
}

/// Builds the analysis request from a template: each entry point gets its dataset type from
/// the template, and each task option its type. A repeated entry id makes the server merge
/// those datasets first (auto-merge).
pub fn analysis_request(
    template: &crate::smrtlink::models::PipelineTemplate,
    name: &str,
    entry_points: &BTreeMap<String, EntryDatasets>,
    task_options: &BTreeMap<String, serde_json::Value>,
    project_id: i64,
) -> anyhow::Result<crate::smrtlink::models::AnalysisOptions> {
    use crate::smrtlink::models::{AnalysisOptions, EntryPoint, TaskOption};

    let mut entries = Vec::new();
    for (entry_id, datasets) in entry_points {
        let Some(spec) = template
            .entry_points
            .iter()
            .find(|e| &e.entry_id == entry_id)
        else {
            anyhow::bail!(
                "pipeline `{}` has no entry point `{entry_id}`; {}",
                template.id,
                super::exec_util::suggest(
                    entry_id,
                    template.entry_points.iter().map(|e| e.entry_id.as_str())
                )
            );
        };
        for dataset in datasets.ids() {
            entries.push(EntryPoint {
                entry_id: entry_id.clone(),
                file_type_id: spec.file_type_id.clone(),
                dataset_id: super::exec_util::id_or_uuid(dataset, "dataset")?,
            });
        }
    }
    for spec in &template.entry_points {
        if !entry_points.contains_key(&spec.entry_id) {
            anyhow::bail!(
                "pipeline `{}` needs entry point `{}` ({}), which the step does not set",
                template.id,
                spec.entry_id,
                spec.file_type_id
            );
        }
    }

    let mut typed = Vec::new();
    for (option_id, value) in task_options {
        let spec = template
            .task_options
            .iter()
            .chain(template.options.iter())
            .find(|o| &o.id == option_id);
        let Some(spec) = spec else {
            anyhow::bail!(
                "pipeline `{}` has no task option `{option_id}`; {}",
                template.id,
                super::exec_util::suggest(
                    option_id,
                    template.task_options.iter().map(|o| o.id.as_str())
                )
            );
        };
        typed.push(TaskOption {
            option_id: option_id.clone(),
            value: coerce_option(option_id, &spec.option_type_id, value)?,
            option_type_id: spec.option_type_id.clone(),
        });
    }

    let mut options = AnalysisOptions::new(name, template.id.clone(), entries);
    options.task_options = typed;
    options.project_id = project_id;
    Ok(options)
}

/// Converts a task option value to its declared type, accepting numbers written as strings.
pub(crate) fn coerce_option(
    id: &str,
    option_type: &str,
    value: &serde_json::Value,
) -> anyhow::Result<serde_json::Value> {
    use serde_json::Value as J;
    let base = option_type.trim_start_matches("choice_");
    let converted = match (base, value) {
        ("integer", J::Number(n)) if n.is_i64() || n.is_u64() => Some(value.clone()),
        ("integer", J::String(s)) => s.trim().parse::<i64>().ok().map(J::from),
        ("float", J::Number(_)) => Some(value.clone()),
        ("float", J::String(s)) => s.trim().parse::<f64>().ok().map(J::from),
        ("boolean", J::Bool(_)) => Some(value.clone()),
        ("boolean", J::String(s)) => match s.trim() {
            "true" => Some(J::Bool(true)),
            "false" => Some(J::Bool(false)),
            _ => None,
        },
        ("string", J::String(_)) => Some(value.clone()),
        ("string", J::Number(_) | J::Bool(_)) => Some(J::String(value.to_string())),
        // An option type this client does not know: send the value as written.
        (other, _) if !matches!(other, "integer" | "float" | "boolean" | "string") => {
            Some(value.clone())
        }
        _ => None,
    };
    converted.ok_or_else(|| {
        anyhow::anyhow!("task option `{id}` takes a value of type {option_type}, got {value}")
    })
}
