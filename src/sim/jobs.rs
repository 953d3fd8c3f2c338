//! Job creation: option validation per job type, then the CREATED (and usually SUBMITTED) job.

use std::path::Path;

use axum::http::StatusCode;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::error::{ApiError, ApiResult};
use super::models::{EngineJob, EntryPoint, JobRecord, JobState, JobTask, now_ts};
use super::store::{IdAble, Store};
use super::{Simulator, engine, jobtypes, pipelines};
use crate::dataset_xml::{self, read_dataset_xml};

/// The SMRT Link version the simulator reports on jobs and `/status`.
pub const SMRTLINK_VERSION: &str = "12.0.0.177059";

/// Options every job type accepts.
struct Common {
    name: Option<String>,
    description: Option<String>,
    project_id: i64,
    submit: bool,
    tags: String,
}

/// A validated job, ready to be inserted.
struct Prepared {
    options: Value,
    entry_points: Vec<EntryPoint>,
    sub_job_type_id: Option<String>,
    default_name: String,
    comment: Option<String>,
    import_uuid: Option<Uuid>,
    tasks: Vec<String>,
}

/// The result of a create request.
enum Outcome {
    New(Box<Prepared>),
    /// An existing job is returned (duplicate import, delete-job dry run).
    Existing(i64),
}

/// Creates a job of `job_type` from a POST body and returns the status and the job JSON.
///
/// # Errors
/// 404 for an unknown job type; 422 for invalid options, unknown datasets or projects, or a
/// job that cannot be deleted.
pub(crate) fn create(
    sim: &Simulator,
    job_type: &str,
    body: &Value,
    user: Option<&str>,
) -> ApiResult<(StatusCode, Value)> {
    let kind = jobtypes::find(job_type).ok_or_else(|| {
        let known: Vec<&str> = jobtypes::JOB_TYPES.iter().map(|t| t.id).collect();
        ApiError::not_found(format!(
            "Unknown job type `{job_type}`; the job types are: {}",
            known.join(", ")
        ))
    })?;
    let obj = body.as_object().ok_or_else(|| {
        ApiError::unprocessable(format!(
            "Invalid {job_type} options: expected a JSON object"
        ))
    })?;
    let mut store = sim.store();
    let common = common_options(&store, obj)?;
    let outcome = match job_type {
        "import-dataset" => prepare_import(&mut store, obj)?,
        "merge-datasets" => prepare_merge(&store, obj)?,
        "analysis" => prepare_analysis(&store, obj)?,
        "delete-job" => prepare_delete_job(&store, obj)?,
        "delete-datasets" => prepare_delete_datasets(&store, obj)?,
        _ => Outcome::New(Box::new(Prepared {
            options: body.clone(),
            entry_points: Vec::new(),
            sub_job_type_id: None,
            default_name: job_type.to_string(),
            comment: None,
            import_uuid: None,
            tasks: vec![format!("pbscala::{}", job_type.replace('-', "_"))],
        })),
    };
    let id = match outcome {
        Outcome::Existing(id) => id,
        Outcome::New(prepared) => {
            let id = insert(sim, &mut store, kind, common, *prepared, user)?;
            sim.touch();
            id
        }
    };
    let job = store
        .jobs
        .get(&id)
        .map(|r| serde_json::to_value(&r.job))
        .transpose();
    let job = job.map_err(|e| ApiError::internal(format!("cannot serialize job {id}: {e}")))?;
    Ok((StatusCode::CREATED, job.unwrap_or(Value::Null)))
}

fn common_options(store: &Store, obj: &Map<String, Value>) -> ApiResult<Common> {
    let name = opt_string(obj, "name")?;
    let description = opt_string(obj, "description")?;
    let tags = opt_string(obj, "tags")?.unwrap_or_default();
    let submit = match obj.get("submit") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(other) => return Err(invalid_field("submit", other, "true or false")),
    };
    let project_id = match obj.get("projectId") {
        None | Some(Value::Null) => 1,
        Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64().unwrap_or(1),
        Some(other) => return Err(invalid_field("projectId", other, "an integer project id")),
    };
    if !store.projects.get(&project_id).is_some_and(|p| p.is_active) {
        return Err(ApiError::unprocessable(format!(
            "Project {project_id} does not exist; use an id from GET /smrt-link/projects (1 is the General Project)"
        )));
    }
    Ok(Common {
        name,
        description,
        project_id,
        submit,
        tags,
    })
}

fn insert(
    sim: &Simulator,
    store: &mut Store,
    kind: &jobtypes::JobType,
    common: Common,
    prepared: Prepared,
    user: Option<&str>,
) -> ApiResult<i64> {
    let id = store.take_job_id();
    let uuid = store.next_uuid();
    let path = sim.job_dir(id);
    std::fs::create_dir_all(&path).map_err(|e| {
        ApiError::internal(format!(
            "cannot create job directory {}: {e}",
            path.display()
        ))
    })?;
    let now = now_ts();
    let mut options = prepared.options;
    if let Value::Object(m) = &mut options {
        m.insert("submit".into(), Value::Bool(common.submit));
        m.entry("projectId").or_insert(json!(common.project_id));
    }
    let tasks = prepared
        .tasks
        .iter()
        .map(|t| JobTask {
            uuid: store.next_uuid(),
            job_id: id,
            task_id: t.clone(),
            task_type_id: t.split("::").last().unwrap_or(t).to_string(),
            name: t.clone(),
            state: JobState::Created,
            created_at: now.clone(),
            updated_at: now.clone(),
            error_message: None,
        })
        .collect();
    let job = EngineJob {
        id,
        uuid,
        name: common.name.unwrap_or(prepared.default_name),
        comment: common
            .description
            .or(prepared.comment)
            .unwrap_or_else(|| format!("Description for job {}", kind.display)),
        created_at: now.clone(),
        updated_at: now.clone(),
        job_updated_at: now.clone(),
        state: JobState::Created,
        job_type_id: kind.id.to_string(),
        sub_job_type_id: prepared.sub_job_type_id,
        path: path.display().to_string(),
        json_settings: options.to_string(),
        workflow: "{}".into(),
        tags: common.tags,
        project_id: common.project_id,
        is_active: true,
        is_multi_job: kind.is_multi_job,
        parent_multi_job_id: None,
        created_by: user.map(str::to_string),
        created_by_email: user.map(|u| format!("{u}@example.com")),
        smrtlink_version: Some(SMRTLINK_VERSION.into()),
        error_message: None,
        imported_at: None,
        job_started_at: None,
        job_completed_at: None,
        external_job_id: (kind.id == "analysis").then(|| uuid.to_string()),
    };
    let created = format!("Created job {id} type {} with {uuid}", kind.id);
    store.insert_job(JobRecord {
        job,
        options,
        events: Vec::new(),
        tasks,
        entry_points: prepared.entry_points,
        files: Vec::new(),
        import_uuid: prepared.import_uuid,
    });
    // The creation event carries the CREATED state; set_state appends it like any transition.
    engine::set_state(store, id, JobState::Created, &created, None);
    if common.submit {
        engine::submit(sim, store, id);
    }
    tracing::debug!(job = id, job_type = kind.id, "job created");
    Ok(id)
}

fn prepare_import(store: &mut Store, obj: &Map<String, Value>) -> ApiResult<Outcome> {
    let path = required_string(obj, "path", "an absolute path to a DataSet XML file")?;
    if !Path::new(&path).is_absolute() {
        return Err(ApiError::unprocessable(format!(
            "Invalid path `{path}`: the server needs an absolute path to the DataSet XML"
        )));
    }
    let ds = read_dataset_xml(&path).map_err(|e| ApiError::unprocessable(e.to_string()))?;
    if let Some(requested) = opt_string(obj, "datasetType")? {
        let requested_meta = dataset_xml::meta_type_of(&requested).unwrap_or(requested.as_str());
        if requested_meta != ds.meta_type {
            return Err(ApiError::unprocessable(format!(
                "datasetType `{requested}` does not match the MetaType `{}` of {path}",
                ds.meta_type
            )));
        }
    }
    // A known UUID returns the job that imported it and records the new path.
    if let Some(existing) = store.dataset_mut(IdAble::Uuid(ds.unique_id)) {
        existing.path.clone_from(&path);
        existing.updated_at = now_ts();
        let job_id = existing.job_id;
        if let Some(file) = store.files.get_mut(&ds.unique_id) {
            file.path.clone_from(&path);
        }
        return Ok(Outcome::Existing(job_id));
    }
    let pending = store.jobs.values().find(|r| {
        r.import_uuid == Some(ds.unique_id)
            && r.job.is_active
            && !matches!(
                r.job.state,
                JobState::Failed | JobState::Terminated | JobState::Aborted
            )
    });
    if let Some(r) = pending {
        return Ok(Outcome::Existing(r.job.id));
    }
    let mut options = obj.clone();
    options.insert("path".into(), json!(path));
    options.insert("datasetType".into(), json!(ds.meta_type));
    options
        .entry("avoidDuplicateImport")
        .or_insert(json!(false));
    Ok(Outcome::New(Box::new(Prepared {
        options: Value::Object(options),
        entry_points: Vec::new(),
        sub_job_type_id: None,
        default_name: "import-dataset".into(),
        comment: None,
        import_uuid: Some(ds.unique_id),
        tasks: vec!["pbscala::import_dataset".into()],
    })))
}

fn prepare_merge(store: &Store, obj: &Map<String, Value>) -> ApiResult<Outcome> {
    let ids = obj.get("ids").and_then(Value::as_array).ok_or_else(|| {
        ApiError::unprocessable("Invalid merge-datasets options: `ids` must be a list of 2 or more dataset ids or UUIDs")
    })?;
    if ids.len() < 2 {
        return Err(ApiError::unprocessable(format!(
            "Invalid merge-datasets options: `ids` has {} dataset(s); a merge needs at least 2",
            ids.len()
        )));
    }
    let mut entry_points = Vec::new();
    for raw in ids {
        let ds = resolve_dataset(store, raw, "ids")?;
        entry_points.push(EntryPoint {
            entry_id: "eid_dataset".into(),
            dataset_id: ds.0,
            dataset_uuid: ds.1,
            dataset_type: ds.2,
        });
    }
    let first_type = entry_points[0].dataset_type.clone();
    if let Some(other) = entry_points.iter().find(|e| e.dataset_type != first_type) {
        return Err(ApiError::unprocessable(format!(
            "Cannot merge datasets of different types: {} is {} but {} is {}",
            entry_points[0].dataset_uuid, first_type, other.dataset_uuid, other.dataset_type
        )));
    }
    if let Some(requested) = opt_string(obj, "datasetType")?
        && dataset_xml::meta_type_of(&requested) != Some(first_type.as_str())
    {
        return Err(ApiError::unprocessable(format!(
            "datasetType `{requested}` does not match the datasets to merge ({first_type})"
        )));
    }
    let mut options = obj.clone();
    options.insert("datasetType".into(), json!(first_type));
    options.insert(
        "ids".into(),
        json!(
            entry_points
                .iter()
                .map(|e| e.dataset_id)
                .collect::<Vec<_>>()
        ),
    );
    Ok(Outcome::New(Box::new(Prepared {
        options: Value::Object(options),
        entry_points,
        sub_job_type_id: None,
        default_name: "merge-datasets".into(),
        comment: None,
        import_uuid: None,
        tasks: vec!["pbscala::merge_dataset".into()],
    })))
}

fn prepare_analysis(store: &Store, obj: &Map<String, Value>) -> ApiResult<Outcome> {
    let pipeline_id = required_string(
        obj,
        "pipelineId",
        "a pipeline id such as cromwell.workflows.pb_sat",
    )?;
    let pipeline = pipelines::find(&pipeline_id).ok_or_else(|| {
        let known: Vec<&str> = pipelines::PIPELINES.iter().map(|p| p.id).collect();
        ApiError::unprocessable(format!(
            "Unable to find pipeline {pipeline_id}; the pipelines are: {}",
            known.join(", ")
        ))
    })?;
    let raw_eps = obj.get("entryPoints").and_then(Value::as_array).ok_or_else(|| {
        ApiError::unprocessable("Invalid analysis options: `entryPoints` must be a list of {entryId, fileTypeId, datasetId}")
    })?;
    let mut entry_points = Vec::new();
    for ep in raw_eps {
        let entry_id = ep
            .get("entryId")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let Some((_, expected_type)) = pipeline.entry_points.iter().find(|(e, _)| *e == entry_id)
        else {
            let known: Vec<&str> = pipeline.entry_points.iter().map(|(e, _)| *e).collect();
            return Err(ApiError::unprocessable(format!(
                "Entry point `{entry_id}` is not an entry point of {}; expected {}",
                pipeline.id,
                known.join(", ")
            )));
        };
        let raw_id = ep.get("datasetId").unwrap_or(&Value::Null);
        let (dataset_id, dataset_uuid, dataset_type) = resolve_dataset(store, raw_id, &entry_id)?;
        if let Some(ft) = ep.get("fileTypeId").and_then(Value::as_str)
            && ft != dataset_type
        {
            return Err(ApiError::unprocessable(format!(
                "Entry point `{entry_id}`: fileTypeId `{ft}` does not match dataset {dataset_uuid}, which is a {dataset_type}"
            )));
        }
        if dataset_type != *expected_type {
            return Err(ApiError::unprocessable(format!(
                "Entry point `{entry_id}` of {} needs a {expected_type}, but dataset {dataset_uuid} is a {dataset_type}",
                pipeline.id
            )));
        }
        entry_points.push(EntryPoint {
            entry_id,
            dataset_id,
            dataset_uuid,
            dataset_type,
        });
    }
    let missing: Vec<&str> = pipeline
        .entry_points
        .iter()
        .map(|(e, _)| *e)
        .filter(|e| !entry_points.iter().any(|ep| ep.entry_id == *e))
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::unprocessable(format!(
            "Missing entry point(s) {} for pipeline {}",
            missing.join(", "),
            pipeline.id
        )));
    }
    let task_options = normalize_task_options(pipeline, obj.get("taskOptions"))?;
    let mut options = obj.clone();
    options.insert("pipelineId".into(), json!(pipeline.id));
    options.insert(
        "entryPoints".into(),
        json!(entry_points
            .iter()
            .map(|e| json!({"entryId": e.entry_id, "fileTypeId": e.dataset_type, "datasetId": e.dataset_id}))
            .collect::<Vec<_>>()),
    );
    options.insert("taskOptions".into(), Value::Array(task_options));
    options.entry("workflowOptions").or_insert(json!([]));
    let mut tasks = vec!["pbcoretools.tasks.filterdataset".to_string()];
    tasks.extend(
        match pipeline.output {
            pipelines::Output::Mapping { .. } => {
                ["pbmm2.tasks.pbmm2_align", "pbreports.tasks.mapping_stats"]
            }
            pipelines::Output::Ccs => ["pbccs.tasks.ccs", "pbreports.tasks.ccs_report"],
            pipelines::Output::Assembly => ["ipa2.tasks.ipa2", "pbreports.tasks.polished_assembly"],
        }
        .map(String::from),
    );
    if pipeline.sat {
        tasks.push("pbreports.tasks.sat_report".into());
    }
    Ok(Outcome::New(Box::new(Prepared {
        options: Value::Object(options),
        entry_points,
        sub_job_type_id: Some(pipeline.id.to_string()),
        default_name: pipeline.name.to_string(),
        comment: None,
        import_uuid: None,
        tasks,
    })))
}

/// Checks task option ids against the template; accepts `optionId` or `id` and writes
/// `optionId` back.
fn normalize_task_options(
    pipeline: &pipelines::Pipeline,
    raw: Option<&Value>,
) -> ApiResult<Vec<Value>> {
    let items = match raw {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(invalid_field(
                "taskOptions",
                other,
                "a list of {optionId, value, optionTypeId}",
            ));
        }
    };
    items
        .iter()
        .map(|item| {
            let id = item
                .get("optionId")
                .or_else(|| item.get("id"))
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    ApiError::unprocessable(format!("Task option {item} has no `optionId`"))
                })?;
            let Some((_, _, kind, _)) = pipeline.task_options.iter().find(|(o, ..)| *o == id)
            else {
                let known: Vec<&str> = pipeline.task_options.iter().map(|(o, ..)| *o).collect();
                return Err(ApiError::unprocessable(format!(
                    "Unknown task option `{id}` for {}; its options are: {}",
                    pipeline.id,
                    known.join(", ")
                )));
            };
            let value = item.get("value").cloned().unwrap_or(Value::Null);
            Ok(json!({"optionId": id, "value": value, "optionTypeId": kind}))
        })
        .collect()
}

fn prepare_delete_job(store: &Store, obj: &Map<String, Value>) -> ApiResult<Outcome> {
    let raw = obj.get("jobId").unwrap_or(&Value::Null);
    let target = IdAble::from_json(raw).ok_or_else(|| {
        invalid_field(
            "jobId",
            raw,
            "the integer id (a JSON number) or the UUID (a string) of the job to delete",
        )
    })?;
    let target = store
        .job(target)
        .ok_or_else(|| ApiError::not_found(format!("Unable to find job {target}")))?;
    let flag = |key: &str| obj.get(key).and_then(Value::as_bool).unwrap_or(false);
    let (remove_files, dry_run, force) = (flag("removeFiles"), flag("dryRun"), flag("force"));
    if !force && !target.job.state.is_completed() {
        return Err(ApiError::unprocessable(format!(
            "Can't delete this job because it hasn't completed (job {} is {})",
            target.job.id,
            target.job.state.as_str()
        )));
    }
    let children = store.children(target.job.id);
    if !force && !children.is_empty() {
        let ids: Vec<String> = children.iter().map(i64::to_string).collect();
        return Err(ApiError::unprocessable(format!(
            "Can't delete this job because it has active children. Job Ids: {}",
            ids.join(", ")
        )));
    }
    if dry_run {
        // Follows the v12.0 documentation: a dry run returns the target job and changes nothing.
        return Ok(Outcome::Existing(target.job.id));
    }
    let uuid = target.job.uuid;
    Ok(Outcome::New(Box::new(Prepared {
        options: json!({"jobId": uuid, "removeFiles": remove_files, "dryRun": false, "force": force}),
        entry_points: Vec::new(),
        sub_job_type_id: None,
        default_name: "delete-job".into(),
        comment: Some(format!("Deleting job {uuid}")),
        import_uuid: None,
        tasks: vec!["pbscala::delete_job".into()],
    })))
}

fn prepare_delete_datasets(store: &Store, obj: &Map<String, Value>) -> ApiResult<Outcome> {
    let ids = obj.get("ids").and_then(Value::as_array).ok_or_else(|| {
        ApiError::unprocessable(
            "Invalid delete-datasets options: `ids` must be a list of dataset ids or UUIDs",
        )
    })?;
    let mut resolved = Vec::new();
    for raw in ids {
        resolved.push(resolve_dataset(store, raw, "ids")?.0);
    }
    let remove_files = obj
        .get("removeFiles")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let mut options = obj.clone();
    options.insert("ids".into(), json!(resolved));
    options.insert("removeFiles".into(), json!(remove_files));
    Ok(Outcome::New(Box::new(Prepared {
        options: Value::Object(options),
        entry_points: Vec::new(),
        sub_job_type_id: None,
        default_name: "delete-datasets".into(),
        comment: None,
        import_uuid: None,
        tasks: vec!["pbscala::delete_datasets".into()],
    })))
}

/// Resolves a dataset id from a JSON body to `(id, uuid, MetaType)`.
fn resolve_dataset(store: &Store, raw: &Value, field: &str) -> ApiResult<(i64, Uuid, String)> {
    let id = IdAble::from_json(raw).ok_or_else(|| {
        invalid_field(
            field,
            raw,
            "a dataset id (a JSON number) or UUID (a string)",
        )
    })?;
    let ds = store.dataset(id).ok_or_else(|| {
        ApiError::unprocessable(format!(
            "DataSet {id} ({field}) has not been imported; import it with an import-dataset job first"
        ))
    })?;
    Ok((ds.id, ds.uuid, ds.dataset_type.clone()))
}

fn opt_string(obj: &Map<String, Value>, key: &str) -> ApiResult<Option<String>> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(invalid_field(key, other, "a string")),
    }
}

fn required_string(obj: &Map<String, Value>, key: &str, what: &str) -> ApiResult<String> {
    opt_string(obj, key)?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::unprocessable(format!("Missing `{key}`: expected {what}")))
}

fn invalid_field(key: &str, value: &Value, expected: &str) -> ApiError {
    ApiError::unprocessable(format!(
        "Invalid `{key}` value {value}: expected {expected}"
    ))
}
