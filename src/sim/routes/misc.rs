//! Status, manifests, dataset types, pipeline templates and datastore files by UUID.

use serde_json::{Value, json};
use uuid::Uuid;

use super::{Ctx, Reply, download, json};
use crate::dataset_xml::DATASET_TYPES;
use crate::sim::error::ApiError;
use crate::sim::jobs::SMRTLINK_VERSION;
use crate::sim::models::DataStoreFile;
use crate::sim::pipelines;

pub(super) fn status(ctx: &Ctx) -> Reply {
    let uptime = ctx.sim.inner.started_at.elapsed();
    let mut body = json!({
        "id": "smrtlink_analysis",
        "uuid": ctx.sim.inner.status_uuid,
        "version": SMRTLINK_VERSION,
        "uptime": uptime.as_millis() as u64,
        "message": format!("Services have been up for {} (slflow simulator)", humantime::format_duration(std::time::Duration::from_secs(uptime.as_secs()))),
        "user": "smrtanalysis",
    });
    // SMRT Link 13 reports its API version; the `/SMRTLink/2.0.0` prefix selects that API.
    if let Some(version) = ctx.api_version.filter(|v| *v != "1.0.0") {
        body["apiVersion"] = json!(version);
    }
    json(body)
}

fn manifest_list() -> Vec<Value> {
    vec![
        json!({"id": "smrtlink", "name": "SMRT Link", "version": SMRTLINK_VERSION, "description": "SMRT Link (simulated by slflow)", "dependencies": []}),
        json!({"id": "smrttools", "name": "SMRT Tools", "version": SMRTLINK_VERSION, "description": "SMRT Tools (simulated by slflow)", "dependencies": []}),
    ]
}

pub(super) fn manifests() -> Reply {
    json(manifest_list())
}

pub(super) fn manifest(id: &str) -> Reply {
    let found = manifest_list().into_iter().find(|m| m["id"] == id);
    found.map_or_else(
        || Err(ApiError::not_found(format!("Unable to find manifest {id}"))),
        json,
    )
}

fn type_json(meta: &str, short: &str) -> Value {
    json!({
        "id": meta,
        "name": format!("Display name for {short}"),
        "description": format!("Description for {meta}"),
        "createdAt": "2016-01-01T00:00:00.000Z",
        "updatedAt": "2016-01-01T00:00:00.000Z",
        "shortName": short,
    })
}

pub(super) fn dataset_types() -> Reply {
    json(
        DATASET_TYPES
            .iter()
            .map(|(m, s)| type_json(m, s))
            .collect::<Vec<_>>(),
    )
}

pub(super) fn dataset_type(id: &str) -> Reply {
    DATASET_TYPES
        .iter()
        .find(|(m, s)| *m == id || *s == id)
        .map_or_else(
            || {
                Err(ApiError::not_found(format!(
                    "Unable to find dataset type {id}"
                )))
            },
            |(m, s)| json(type_json(m, s)),
        )
}

pub(super) fn pipelines() -> Reply {
    json(
        pipelines::PIPELINES
            .iter()
            .map(pipelines::Pipeline::to_json)
            .collect::<Vec<_>>(),
    )
}

pub(super) fn pipeline(id: &str) -> Reply {
    pipelines::find(id).map_or_else(
        || Err(ApiError::not_found(format!("Unable to find pipeline {id}"))),
        |p| json(p.to_json()),
    )
}

/// `/datastore-files/{uuid}`, its `download` and `resources`.
pub(super) fn datastore_files(ctx: &Ctx, segs: &[&str]) -> Reply {
    let (uuid_text, rest) = match segs {
        [u, rest @ ..] => (*u, rest),
        _ => return Err(ctx.no_route()),
    };
    let uuid = Uuid::parse_str(uuid_text).map_err(|_| {
        ApiError::not_found(format!(
            "Unable to find datastore file {uuid_text}: not a UUID"
        ))
    })?;
    let file = ctx
        .sim
        .store()
        .files
        .get(&uuid)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("Unable to find datastore file {uuid}")))?;
    match (ctx.method.as_str(), rest) {
        ("GET", []) => json(&file),
        ("PUT", []) => update_file(ctx, uuid),
        ("GET", ["download"]) => download_file(&file, &file.job_id.to_string()),
        ("GET", ["resources"]) => resource(ctx, &file),
        _ => Err(ctx.no_route()),
    }
}

/// Applies `{isActive, path?, fileSize?}` to a datastore file.
pub(super) fn update_file(ctx: &Ctx, uuid: Uuid) -> Reply {
    let body = ctx.json_body()?;
    let mut store = ctx.sim.store();
    let file = store
        .files
        .get_mut(&uuid)
        .ok_or_else(|| ApiError::not_found(format!("Unable to find datastore file {uuid}")))?;
    if let Some(active) = body.get("isActive").and_then(Value::as_bool) {
        file.is_active = active;
    }
    if let Some(path) = body.get("path").and_then(Value::as_str) {
        file.path = path.to_string();
    }
    if let Some(size) = body.get("fileSize").and_then(Value::as_u64) {
        file.file_size = size;
    }
    file.modified_at = crate::sim::models::now_ts();
    drop(store);
    ctx.sim.touch();
    super::message(format!("Updated datastore file {uuid}"))
}

/// Returns a datastore file's bytes; `job_in_url` is the job id as the request wrote it.
pub(super) fn download_file(file: &DataStoreFile, job_in_url: &str) -> Reply {
    let bytes = std::fs::read(&file.path).map_err(|e| {
        ApiError::not_found(format!(
            "Unable to read datastore file {} at {}: {e}",
            file.uuid, file.path
        ))
    })?;
    let base = std::path::Path::new(&file.path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = format!("job-{job_in_url}-{}-{base}", file.uuid);
    download(bytes, "application/octet-stream", Some(&name))
}

/// Returns a file beside a datastore file, named by the `relpath` query parameter.
pub(super) fn resource(ctx: &Ctx, file: &DataStoreFile) -> Reply {
    let rel = ctx.query_value("relpath").ok_or_else(|| {
        ApiError::unprocessable(
            "Missing query parameter `relpath`: the file name relative to the report",
        )
    })?;
    let rel_path = std::path::Path::new(rel);
    let safe = rel_path
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)));
    if !safe || rel.is_empty() {
        return Err(ApiError::unprocessable(format!(
            "Invalid relpath `{rel}`: it must be a relative path without `..`"
        )));
    }
    let dir = std::path::Path::new(&file.path)
        .parent()
        .unwrap_or(std::path::Path::new("/"));
    let path = dir.join(rel_path);
    let bytes = std::fs::read(&path).map_err(|e| {
        ApiError::not_found(format!(
            "Unable to find resource {rel} of {}: {e}",
            file.uuid
        ))
    })?;
    let content_type = match path.extension().and_then(|e| e.to_str()) {
        Some("png") => "image/png",
        Some("json") => "application/json",
        Some("html") => "text/html",
        Some("txt" | "log") => "text/plain",
        _ => "application/octet-stream",
    };
    download(bytes, content_type, None)
}
