//! `/smrt-link/job-manager/...`: job types, job creation, lists and searches, and the
//! per-job endpoints, with or without the job-type segment.

use serde_json::{Value, json};
use uuid::Uuid;

use super::misc::{download_file, resource, update_file};
use super::{Ctx, Reply, created, json, message};
use crate::sim::error::{ApiError, ApiResult};
use crate::sim::models::{DataStoreFile, JobRecord, JobState, now_ts};
use crate::sim::search::{JOB_FIELDS, ListQuery, body_pairs};
use crate::sim::store::IdAble;
use crate::sim::{engine, jobs, jobtypes};

/// Default page size of job lists.
const DEFAULT_LIMIT: usize = 6000;

pub(super) fn route(ctx: &Ctx, segs: &[&str]) -> Reply {
    let is_id = |s: &str| IdAble::parse(s).is_some();
    match (ctx.method.as_str(), segs) {
        ("GET", ["job-types"]) => json(
            jobtypes::JOB_TYPES
                .iter()
                .map(jobtypes::JobType::to_json)
                .collect::<Vec<_>>(),
        ),
        ("GET", ["analysis-jobs"]) => list(ctx, Some("analysis"), &ctx.query),
        // Per-job routes without the type segment: /jobs/{id}/...
        (_, ["jobs", id, rest @ ..]) if is_id(id) => per_job(ctx, id, rest),
        ("GET", ["jobs", t]) => list(ctx, Some(known_type(t)?), &ctx.query),
        ("POST", ["jobs", t]) => {
            let (_, body) = jobs::create(&ctx.sim, t, &ctx.json_body()?, ctx.user.as_deref())?;
            created(body)
        }
        ("POST", ["jobs", t, "search"]) => {
            list(ctx, Some(known_type(t)?), &body_pairs(&ctx.json_body()?)?)
        }
        // The type segment is not checked against the job: /jobs/analysis/{id} works for any job.
        (_, ["jobs", _, id, rest @ ..]) if is_id(id) => per_job(ctx, id, rest),
        _ => Err(ctx.no_route()),
    }
}

fn known_type(t: &str) -> ApiResult<&str> {
    jobtypes::find(t).map(|k| k.id).ok_or_else(|| {
        let known: Vec<&str> = jobtypes::JOB_TYPES.iter().map(|k| k.id).collect();
        ApiError::not_found(format!(
            "Unknown job type `{t}`; the job types are: {}",
            known.join(", ")
        ))
    })
}

fn list(ctx: &Ctx, job_type: Option<&str>, pairs: &[(String, String)]) -> Reply {
    let q = ListQuery::parse(pairs, JOB_FIELDS)?;
    // SMRT Link quirk: for jobs, isActive=false means no filter at all.
    let only_active = q.is_active.unwrap_or(true);
    let store = ctx.sim.store();
    let visible = super::projects::visible_projects(&store, ctx.user.as_deref(), pairs);
    let items: Vec<Value> = store
        .jobs
        .values()
        .rev()
        .filter(|r| job_type.is_none_or(|t| r.job.job_type_id == t))
        .filter(|r| !only_active || r.job.is_active)
        .filter(|r| {
            visible
                .as_ref()
                .is_none_or(|v| v.contains(&r.job.project_id))
        })
        .filter_map(|r| serde_json::to_value(&r.job).ok())
        .filter(|v| q.matches(v))
        .collect();
    json(q.page(items, DEFAULT_LIMIT))
}

fn find(ctx: &Ctx, id: &str) -> ApiResult<JobRecord> {
    IdAble::parse(id)
        .and_then(|i| ctx.sim.store().job(i).cloned())
        .ok_or_else(|| ApiError::not_found(format!("Unable to find job {id}")))
}

fn per_job(ctx: &Ctx, id: &str, rest: &[&str]) -> Reply {
    let r = find(ctx, id)?;
    let job_id = r.job.id;
    match (ctx.method.as_str(), rest) {
        ("GET", []) => json(&r.job),
        ("PUT", []) => update(ctx, job_id),
        ("DELETE", []) => delete_created(ctx, &r),
        ("POST", ["submit"]) => submit(ctx, &r),
        ("POST", ["terminate"]) => terminate(ctx, &r),
        ("GET", ["events"]) => json(&r.events),
        ("GET", ["tasks"]) => json(&r.tasks),
        ("GET", ["tasks", task]) => {
            let found = r
                .tasks
                .iter()
                .find(|t| t.uuid.to_string() == *task || t.task_id == *task);
            found.map_or_else(
                || {
                    Err(ApiError::not_found(format!(
                        "Unable to find task {task} of job {id}"
                    )))
                },
                json,
            )
        }
        ("GET", ["datastore"]) => json(files_of(ctx, &r, |_| true)),
        ("POST", ["datastore"]) => import_file(ctx, &r),
        ("GET", ["datastore", f]) => json(file_of(ctx, &r, f)?),
        ("PUT", ["datastore", f]) => update_file(ctx, file_of(ctx, &r, f)?.uuid),
        ("GET", ["datastore", f, "download"]) => download_file(&file_of(ctx, &r, f)?, id),
        ("GET", ["reports"]) => {
            let entries: Vec<Value> = files_of(ctx, &r, DataStoreFile::is_report)
                .iter()
                .map(DataStoreFile::to_report_entry)
                .collect();
            json(entries)
        }
        ("GET", ["reports", f]) => report_content(ctx, f),
        ("GET", ["reports", f, "resources"]) => resource(ctx, &any_file(ctx, f)?),
        ("GET", ["options"]) => json(&r.options),
        ("GET", ["entry-points"]) => {
            let eps: Vec<Value> = r
                .entry_points
                .iter()
                .map(|e| json!({"jobId": job_id, "datasetUUID": e.dataset_uuid, "datasetType": e.dataset_type}))
                .collect();
            json(eps)
        }
        ("GET", ["children"]) => {
            let store = ctx.sim.store();
            let children: Vec<Value> = store
                .children(job_id)
                .iter()
                .filter_map(|c| store.jobs.get(c))
                .filter_map(|c| serde_json::to_value(&c.job).ok())
                .collect();
            json(children)
        }
        ("POST", ["log"]) => log_message(ctx, job_id),
        _ => Err(ctx.no_route()),
    }
}

fn update(ctx: &Ctx, job_id: i64) -> Reply {
    let body = ctx.json_body()?;
    let mut store = ctx.sim.store();
    let r = store
        .job_mut(job_id)
        .ok_or_else(|| ApiError::not_found(format!("Unable to find job {job_id}")))?;
    for (key, slot) in [
        ("name", &mut r.job.name),
        ("comment", &mut r.job.comment),
        ("tags", &mut r.job.tags),
    ] {
        match body.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => *slot = s.clone(),
            Some(other) => {
                return Err(ApiError::unprocessable(format!(
                    "Invalid `{key}` value {other}: expected a string"
                )));
            }
        }
    }
    r.job.updated_at = now_ts();
    let job = r.job.clone();
    drop(store);
    ctx.sim.touch();
    json(job)
}

fn delete_created(ctx: &Ctx, r: &JobRecord) -> Reply {
    if r.job.state != JobState::Created {
        return Err(ApiError::unprocessable(format!(
            "Job {} is {}; only CREATED jobs can be deleted this way (use a delete-job job)",
            r.job.id,
            r.job.state.as_str()
        )));
    }
    if let Some(job) = ctx.sim.store().job_mut(r.job.id) {
        job.job.is_active = false;
        job.job.updated_at = now_ts();
    }
    ctx.sim.touch();
    message(format!("Deleted job {}", r.job.id))
}

fn submit(ctx: &Ctx, r: &JobRecord) -> Reply {
    let mut store = ctx.sim.store();
    let state = store.jobs.get(&r.job.id).map(|j| j.job.state);
    if state != Some(JobState::Created) {
        return Err(ApiError::unprocessable(format!(
            "Job {} is {}; only CREATED jobs can be submitted",
            r.job.id,
            state.map_or("missing", JobState::as_str)
        )));
    }
    engine::submit(&ctx.sim, &mut store, r.job.id);
    drop(store);
    ctx.sim.touch();
    message(format!("Submitted job {}", r.job.id))
}

fn terminate(ctx: &Ctx, r: &JobRecord) -> Reply {
    if r.job.job_type_id != "analysis" {
        return Err(ApiError::new(
            axum::http::StatusCode::NOT_IMPLEMENTED,
            format!(
                "Terminate is not supported for {} jobs; only analysis jobs can be terminated",
                r.job.job_type_id
            ),
        ));
    }
    let mut store = ctx.sim.store();
    let state = store.jobs.get(&r.job.id).map(|j| j.job.state);
    if state != Some(JobState::Running) {
        return Err(ApiError::unprocessable(format!(
            "Job {} is {}; only RUNNING jobs can be terminated",
            r.job.id,
            state.map_or("missing", JobState::as_str)
        )));
    }
    engine::terminate(&ctx.sim, &mut store, r.job.id);
    drop(store);
    ctx.sim.touch();
    message(format!("Terminated job {}", r.job.id))
}

fn files_of(ctx: &Ctx, r: &JobRecord, keep: impl Fn(&DataStoreFile) -> bool) -> Vec<DataStoreFile> {
    let store = ctx.sim.store();
    let current = store
        .jobs
        .get(&r.job.id)
        .map_or_else(Vec::new, |j| j.files.clone());
    current
        .iter()
        .filter_map(|u| store.files.get(u))
        .filter(|f| keep(f))
        .cloned()
        .collect()
}

fn file_of(ctx: &Ctx, r: &JobRecord, f: &str) -> ApiResult<DataStoreFile> {
    let not_found = || {
        ApiError::not_found(format!(
            "Unable to find datastore file {f} of job {}",
            r.job.id
        ))
    };
    let uuid = Uuid::parse_str(f).map_err(|_| not_found())?;
    files_of(ctx, r, |file| file.uuid == uuid)
        .into_iter()
        .next()
        .ok_or_else(not_found)
}

/// Any datastore file by UUID; SMRT Link does not check that a report belongs to the job.
fn any_file(ctx: &Ctx, f: &str) -> ApiResult<DataStoreFile> {
    Uuid::parse_str(f)
        .ok()
        .and_then(|u| ctx.sim.store().files.get(&u).cloned())
        .ok_or_else(|| ApiError::not_found(format!("Unable to find report {f}")))
}

fn report_content(ctx: &Ctx, f: &str) -> Reply {
    let file = any_file(ctx, f)?;
    let text = std::fs::read_to_string(&file.path).map_err(|e| {
        ApiError::not_found(format!("Unable to read report {f} at {}: {e}", file.path))
    })?;
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        ApiError::internal(format!(
            "Report {f} at {} is not valid JSON: {e}",
            file.path
        ))
    })?;
    json(value)
}

/// `POST .../datastore`: imports one on-disk datastore record (`uniqueId`, not `uuid`).
fn import_file(ctx: &Ctx, r: &JobRecord) -> Reply {
    let body = ctx.json_body()?;
    if body.get("isChunked").and_then(Value::as_bool) == Some(true) {
        return created(json!({"message": "Skipping chunked datastore file"}));
    }
    let field = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
    let uuid = field("uniqueId")
        .and_then(|u| Uuid::parse_str(&u).ok())
        .ok_or_else(|| {
            ApiError::unprocessable("Invalid datastore file: `uniqueId` must be a UUID")
        })?;
    let path = field("path")
        .ok_or_else(|| ApiError::unprocessable("Invalid datastore file: missing `path`"))?;
    let now = now_ts();
    let file = DataStoreFile {
        uuid,
        file_type_id: field("fileTypeId").unwrap_or_else(|| "PacBio.FileTypes.txt".into()),
        source_id: field("sourceId").unwrap_or_else(|| "unknown".into()),
        file_size: body.get("fileSize").and_then(Value::as_u64).unwrap_or(0),
        created_at: now.clone(),
        modified_at: now.clone(),
        imported_at: now,
        path,
        job_id: r.job.id,
        job_uuid: r.job.uuid,
        name: field("name").unwrap_or_default(),
        description: field("description").unwrap_or_default(),
        is_active: true,
    };
    let mut store = ctx.sim.store();
    if let Some(j) = store.job_mut(r.job.id)
        && !j.files.contains(&uuid)
    {
        j.files.push(uuid);
    }
    store.files.insert(uuid, file);
    drop(store);
    ctx.sim.touch();
    created(json!({"message": format!("Imported datastore file {uuid} into job {}", r.job.id)}))
}

fn log_message(ctx: &Ctx, job_id: i64) -> Reply {
    let body = ctx.json_body()?;
    let text = body
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let level = body.get("level").and_then(Value::as_str).unwrap_or("INFO");
    const LEVELS: &[&str] = &[
        "TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "ERROR", "CRITICAL", "FATAL",
    ];
    if !LEVELS.contains(&level) {
        return Err(ApiError::unprocessable(format!(
            "Invalid log level `{level}`; use one of {}",
            LEVELS.join(", ")
        )));
    }
    tracing::info!(job = job_id, level, "job log message: {text}");
    created(json!({"message": format!("Logged message for job {job_id}")}))
}
