//! `/smrt-link/datasets/...`: lists and searches by type, lookups by id or UUID, updates,
//! details, reports and the jobs that used a dataset.

use serde_json::{Value, json};
use uuid::Uuid;

use super::{Ctx, Reply, json, message};
use crate::dataset_xml::{meta_type_of, read_dataset_xml, short_name_of};
use crate::sim::error::{ApiError, ApiResult};
use crate::sim::models::{DataSet, now_ts};
use crate::sim::search::{DATASET_FIELDS, ListQuery, body_pairs};
use crate::sim::store::IdAble;

/// Default page size of dataset lists.
const DEFAULT_LIMIT: usize = 10_000;

pub(super) fn route(ctx: &Ctx, segs: &[&str]) -> Reply {
    let is_type = |t: &str| short_name_of(meta_type_of(t).unwrap_or("")) == Some(t);
    match (ctx.method.as_str(), segs) {
        ("GET", ["search", uuid]) => search_by_uuid(ctx, uuid),
        ("GET", ["meta", id]) => get_meta(ctx, id),
        ("GET", ["meta", id, "jobs"]) => dataset_jobs(ctx, id),
        ("GET", ["barcodes", id, "record-names"]) => record_names(ctx, id),
        ("GET", [t]) if is_type(t) => list(ctx, t, &ctx.query),
        ("POST", [t]) if is_type(t) => list(ctx, t, &body_pairs(&ctx.json_body()?)?),
        ("GET", [id]) => get_meta(ctx, id),
        ("PUT", [id]) => update(ctx, None, id),
        ("GET", [t, id]) if is_type(t) => get_typed(ctx, t, id),
        ("PUT", [t, id]) if is_type(t) => update(ctx, Some(t), id),
        ("GET", [id, "jobs"]) => dataset_jobs(ctx, id),
        ("GET", [t, id, "details"]) if is_type(t) => details(ctx, t, id),
        ("GET", [t, id, "reports"]) if is_type(t) => reports(ctx, t, id),
        _ => Err(ctx.no_route()),
    }
}

fn list(ctx: &Ctx, short: &str, pairs: &[(String, String)]) -> Reply {
    let meta = meta_type_of(short).unwrap_or(short);
    let q = ListQuery::parse(pairs, DATASET_FIELDS)?;
    // SMRT Link: isActive defaults to true, and false returns only inactive records.
    let active = q.is_active.unwrap_or(true);
    let store = ctx.sim.store();
    let visible = super::projects::visible_projects(&store, ctx.user.as_deref(), pairs);
    let mut items: Vec<Value> = store
        .datasets
        .values()
        .rev()
        .filter(|d| d.dataset_type == meta && d.is_active == active)
        .filter(|d| visible.as_ref().is_none_or(|v| v.contains(&d.project_id)))
        .map(DataSet::to_json)
        .filter(|v| q.matches(v))
        .collect();
    items = q.page(items, DEFAULT_LIMIT);
    json(items)
}

fn find(ctx: &Ctx, id: &str) -> ApiResult<DataSet> {
    let parsed = IdAble::parse(id).ok_or_else(|| {
        ApiError::not_found(format!(
            "Unable to find DataSet {id}: not an integer id or a UUID"
        ))
    })?;
    ctx.sim
        .store()
        .dataset(parsed)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("Unable to find DataSet {id}")))
}

fn find_typed(ctx: &Ctx, short: &str, id: &str) -> ApiResult<DataSet> {
    let ds = find(ctx, id)?;
    if Some(ds.dataset_type.as_str()) != meta_type_of(short) {
        return Err(ApiError::not_found(format!(
            "Unable to find {short} DataSet {id}: it is a {}",
            ds.dataset_type
        )));
    }
    Ok(ds)
}

fn get_meta(ctx: &Ctx, id: &str) -> Reply {
    json(find(ctx, id)?.to_meta_json())
}

fn get_typed(ctx: &Ctx, short: &str, id: &str) -> Reply {
    json(find_typed(ctx, short, id)?.to_json())
}

/// `/datasets/search/{uuid}` never returns 404: an unknown UUID gives `{}`.
fn search_by_uuid(ctx: &Ctx, uuid: &str) -> Reply {
    let found = Uuid::parse_str(uuid)
        .ok()
        .and_then(|u| ctx.sim.store().dataset(IdAble::Uuid(u)).cloned());
    json(found.map_or_else(|| json!({}), |d| d.to_json()))
}

fn update(ctx: &Ctx, short: Option<&str>, id: &str) -> Reply {
    let ds = match short {
        Some(t) => find_typed(ctx, t, id)?,
        None => find(ctx, id)?,
    };
    let body = ctx.json_body()?;
    let mut store = ctx.sim.store();
    let record = store
        .datasets
        .get_mut(&ds.id)
        .ok_or_else(|| ApiError::not_found(format!("Unable to find DataSet {id}")))?;
    if let Some(active) = body.get("isActive").and_then(Value::as_bool) {
        record.is_active = active;
    }
    for key in ["bioSampleName", "wellSampleName"] {
        if let Some(v) = body.get(key).and_then(Value::as_str) {
            record.extras.insert(key.into(), json!(v));
        }
    }
    record.updated_at = now_ts();
    drop(store);
    ctx.sim.touch();
    message(format!("Successfully updated dataset {}", ds.uuid))
}

/// Active jobs that used the dataset as an entry point.
fn dataset_jobs(ctx: &Ctx, id: &str) -> Reply {
    let ds = find(ctx, id)?;
    let store = ctx.sim.store();
    let jobs: Vec<Value> = store
        .jobs
        .values()
        .rev()
        .filter(|r| r.job.is_active && r.entry_points.iter().any(|e| e.dataset_uuid == ds.uuid))
        .filter_map(|r| serde_json::to_value(&r.job).ok())
        .collect();
    json(jobs)
}

/// Lists the reports of the job that created the dataset.
fn reports(ctx: &Ctx, short: &str, id: &str) -> Reply {
    let ds = find_typed(ctx, short, id)?;
    let store = ctx.sim.store();
    let files = store
        .jobs
        .get(&ds.job_id)
        .map(|r| r.files.clone())
        .unwrap_or_default();
    let items: Vec<Value> = files
        .iter()
        .filter_map(|f| store.files.get(f))
        .filter(|f| f.is_report())
        .map(|f| f.to_report_entry())
        .collect();
    json(items)
}

/// Returns the dataset XML rendered as JSON.
fn details(ctx: &Ctx, short: &str, id: &str) -> Reply {
    let ds = find_typed(ctx, short, id)?;
    let xml = read_dataset_xml(&ds.path).map_err(|e| ApiError::not_found(e.to_string()))?;
    let collections: Vec<Value> = xml
        .collections
        .iter()
        .map(|c| {
            json!({
                "uniqueId": c.unique_id, "context": c.context, "instrumentId": c.instrument_id,
                "instrumentName": c.instrument_name, "runName": c.run_name, "wellName": c.well_name,
                "wellSampleName": c.well_sample_name, "bioSampleNames": c.bio_sample_names,
                "dnaBarcodeNames": c.dna_barcode_names, "cellIndex": c.cell_index,
            })
        })
        .collect();
    let resources: Vec<Value> = xml
        .external_resources
        .iter()
        .map(|r| json!({"metaType": r.meta_type, "resourceId": r.resource_id}))
        .collect();
    json(json!({
        "uuid": xml.unique_id,
        "metaType": xml.meta_type,
        "name": xml.name,
        "version": xml.version,
        "createdAt": xml.created_at,
        "tags": xml.tags,
        "description": xml.description,
        "dataSetMetadata": {
            "numRecords": xml.num_records,
            "totalLength": xml.total_length,
            "organism": xml.organism,
            "ploidy": xml.ploidy,
            "collections": collections,
        },
        "externalResources": resources,
    }))
}

/// Barcode names of a BarcodeSet. NOTE: the simulator does not read the barcode FASTA, so
/// the list is always empty.
fn record_names(ctx: &Ctx, id: &str) -> Reply {
    find_typed(ctx, "barcodes", id)?;
    json(Vec::<String>::new())
}
