//! `/smrt-link/runs` and `/smrt-link/import-run-design`.

use quick_xml::Reader;
use quick_xml::events::Event;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Ctx, Reply, created, json, message};
use crate::sim::error::{ApiError, ApiResult};
use crate::sim::instrument::{self, render_run_xml};
use crate::sim::models::{Collection, Run, now_ts};
use crate::sim::rundesign;

pub(super) fn route(ctx: &Ctx, segs: &[&str]) -> Reply {
    match (ctx.method.as_str(), segs) {
        ("GET", []) => list(ctx),
        ("POST", []) => create_from_xml(ctx),
        (method, [id, rest @ ..]) => {
            let uuid = Uuid::parse_str(id).map_err(|_| {
                ApiError::not_found(format!("Unable to find run {id}: run ids are UUIDs"))
            })?;
            let run = ctx
                .sim
                .store()
                .run(uuid)
                .cloned()
                .ok_or_else(|| ApiError::not_found(format!("Unable to find run {uuid}")))?;
            match (method, rest) {
                ("GET", []) => {
                    let mut v = run.to_summary_json();
                    v["dataModel"] = json!(render_run_xml(&run));
                    json(v)
                }
                ("POST", []) => update(ctx, uuid),
                ("DELETE", []) => {
                    ctx.sim.store().runs.retain(|r| r.unique_id != uuid);
                    ctx.sim.touch();
                    message(format!("Successfully deleted run design {uuid}"))
                }
                ("GET", ["datamodel"]) => {
                    super::download(render_run_xml(&run).into_bytes(), "application/xml", None)
                }
                ("GET", ["collections"]) => json(
                    run.collections
                        .iter()
                        .map(Collection::to_json)
                        .collect::<Vec<_>>(),
                ),
                ("GET", ["collections", cid]) => run
                    .collections
                    .iter()
                    .find(|c| c.unique_id.to_string() == *cid)
                    .map_or_else(
                        || {
                            Err(ApiError::not_found(format!(
                                "Unable to find collection {cid} in run {uuid}"
                            )))
                        },
                        |c| json(c.to_json()),
                    ),
                _ => Err(ctx.no_route()),
            }
        }
        _ => Err(ctx.no_route()),
    }
}

fn list(ctx: &Ctx) -> Reply {
    let q = |k: &str| ctx.query_value(k);
    let reserved = match q("reserved") {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(other) => return Err(ApiError::invalid_filter(other)),
    };
    let store = ctx.sim.store();
    let items: Vec<Value> = store
        .runs
        .iter()
        .filter(|r| q("name").is_none_or(|n| r.name == n))
        .filter(|r| {
            q("substring").is_none_or(|s| {
                r.name.contains(s) || r.summary.as_deref().is_some_and(|x| x.contains(s))
            })
        })
        .filter(|r| q("createdBy").is_none_or(|c| r.created_by.as_deref() == Some(c)))
        .filter(|r| q("chipType").is_none_or(|c| r.chip_type == c))
        .filter(|r| reserved.is_none_or(|v| r.reserved == v))
        .filter(|r| {
            q("collectionUuid")
                .is_none_or(|c| r.collections.iter().any(|x| x.unique_id.to_string() == c))
        })
        .filter(|r| q("movieName").is_none_or(|m| r.collections.iter().any(|x| x.context == m)))
        .map(Run::to_summary_json)
        .collect();
    json(items)
}

/// `POST /import-run-design` with `{"path": ...}` or `{"content": ...}`.
pub(super) fn import_run_design(ctx: &Ctx) -> Reply {
    let body = ctx.json_body()?;
    let path = body.get("path").and_then(Value::as_str);
    let content = body.get("content").and_then(Value::as_str);
    let text = match (path, content) {
        (Some(p), None) => std::fs::read_to_string(p).map_err(|e| {
            ApiError::unprocessable(format!(
                "Cannot read run design CSV {p}: {e}; send the CSV as `content` instead"
            ))
        })?,
        (None, Some(c)) => c.to_string(),
        _ => {
            return Err(ApiError::unprocessable(
                "Invalid import-run-design body: send exactly one of `path` (a CSV path the server can read) or `content` (the CSV text)",
            ));
        }
    };
    let design = rundesign::parse(&text)?;
    let run = instrument::create_run(&ctx.sim, &design, ctx.user.as_deref());
    let collections: Vec<Value> = run
        .collections
        .iter()
        .zip(&design.cells)
        .map(|(c, cell)| {
            json!({
                "uniqueId": c.unique_id, "well": c.well, "name": c.name, "context": c.context,
                "movieMinutes": c.movie_minutes, "insertSize": cell.insert_size,
                "collectionPathUri": c.collection_path_uri,
                "subreadSetPath": instrument::subreadset_path(c).display().to_string(),
                "sequencingMode": if cell.ccs { "CCS" } else { "CLR" },
                "bioSamples": cell.bio_samples.iter().map(|(bc, b)| json!({"barcodeName": bc, "bioSampleName": b})).collect::<Vec<_>>(),
            })
        })
        .collect();
    created(json!({
        "uuid": run.unique_id,
        "name": run.name,
        "summary": run.summary,
        "createdAt": run.created_at,
        "createdBy": run.created_by,
        "systemName": design.system_name,
        "experimentId": design.experiment_id,
        "status": run.status,
        "collections": collections,
    }))
}

/// `POST /runs` with `{dataModel}`: records a run from its XML without simulating it.
fn create_from_xml(ctx: &Ctx) -> Reply {
    let body = ctx.json_body()?;
    let xml = body
        .get("dataModel")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ApiError::unprocessable("Invalid run: `dataModel` must be the run XML as a string")
        })?;
    let parsed = parse_run_xml(xml)?;
    let mut store = ctx.sim.store();
    let run_id = parsed.unique_id.unwrap_or_else(|| store.next_uuid());
    if store.run(run_id).is_some() {
        return Err(ApiError::conflict(format!(
            "Run {run_id} already exists; POST /smrt-link/runs/{run_id} updates it"
        )));
    }
    let collections = parsed
        .collections
        .iter()
        .map(|c| {
            let unique_id = c.unique_id.unwrap_or_else(|| store.next_uuid());
            Collection {
                run_id,
                unique_id,
                well: c.well.clone(),
                name: c.name.clone(),
                summary: None,
                context: c.context.clone(),
                collection_path_uri: None,
                status: c.status.clone(),
                instrument_id: c.instrument_id.clone(),
                instrument_name: c.instrument_name.clone(),
                movie_minutes: 0.0,
                created_by: ctx.user.clone(),
                started_at: None,
                completed_at: None,
                termination_info: None,
                cell_type: None,
                bio_samples: Vec::new(),
                insert_size: None,
            }
        })
        .collect::<Vec<_>>();
    let run = Run {
        unique_id: run_id,
        name: parsed.name,
        summary: None,
        created_by: ctx.user.clone(),
        created_at: Some(now_ts()),
        started_at: None,
        transfers_completed_at: None,
        completed_at: None,
        status: parsed.status,
        chip_type: "8mChip".into(),
        total_cells: collections.len() as i64,
        num_cells_completed: collections
            .iter()
            .filter(|c| c.status == "Complete")
            .count() as i64,
        num_cells_failed: 0,
        num_standard_cells: collections.len() as i64,
        num_lr_cells: 0,
        instrument_name: None,
        instrument_serial_number: None,
        instrument_sw_version: None,
        primary_analysis_sw_version: None,
        chemistry_sw_version: None,
        context: None,
        termination_info: None,
        reserved: false,
        multi_job_id: None,
        collections,
    };
    let summary = run.to_summary_json();
    store.runs.push(run);
    drop(store);
    ctx.sim.touch();
    created(summary)
}

/// `POST /runs/{uuid}` with `{dataModel?, reserved?}`: instrument progress updates.
fn update(ctx: &Ctx, uuid: Uuid) -> Reply {
    let body = ctx.json_body()?;
    let parsed = match body.get("dataModel").and_then(Value::as_str) {
        Some(xml) => Some(parse_run_xml(xml)?),
        None => None,
    };
    let mut store = ctx.sim.store();
    let run = store
        .run_mut(uuid)
        .ok_or_else(|| ApiError::not_found(format!("Unable to find run {uuid}")))?;
    if let Some(reserved) = body.get("reserved").and_then(Value::as_bool) {
        run.reserved = reserved;
    }
    if let Some(p) = parsed {
        run.status = p.status;
        for pc in p.collections {
            if let Some(c) = run
                .collections
                .iter_mut()
                .find(|c| Some(c.unique_id) == pc.unique_id)
            {
                c.status = pc.status;
            }
        }
        run.num_cells_completed = run
            .collections
            .iter()
            .filter(|c| c.status == "Complete")
            .count() as i64;
    }
    let summary = run.to_summary_json();
    drop(store);
    ctx.sim.touch();
    json(summary)
}

struct ParsedRun {
    unique_id: Option<Uuid>,
    name: String,
    status: String,
    collections: Vec<ParsedCollection>,
}

#[derive(Default)]
struct ParsedCollection {
    unique_id: Option<Uuid>,
    name: String,
    context: String,
    status: String,
    well: String,
    instrument_id: Option<String>,
    instrument_name: Option<String>,
}

/// Reads the run name, UUID, status and collections from a run `dataModel` XML.
fn parse_run_xml(xml: &str) -> ApiResult<ParsedRun> {
    let bad = |m: String| ApiError::unprocessable(format!("Invalid run dataModel XML: {m}"));
    let mut reader = Reader::from_str(xml);
    let mut run: Option<ParsedRun> = None;
    let mut collections: Vec<ParsedCollection> = Vec::new();
    let mut sample_name = String::new();
    let mut in_well_name = false;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| bad(format!("at byte {}: {e}", reader.error_position())))?;
        match event {
            Event::Start(e) | Event::Empty(e) => {
                let attr = |k: &str| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == k.as_bytes())
                        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
                };
                match e.local_name().as_ref() {
                    b"Run" if run.is_none() => {
                        run = Some(ParsedRun {
                            unique_id: attr("UniqueId").and_then(|u| Uuid::parse_str(&u).ok()),
                            name: attr("Name").unwrap_or_else(|| "Run".into()),
                            status: attr("Status").unwrap_or_else(|| "Ready".into()),
                            collections: Vec::new(),
                        });
                    }
                    b"SubreadSet" => sample_name = attr("Name").unwrap_or_default(),
                    b"CollectionMetadata" => collections.push(ParsedCollection {
                        unique_id: attr("UniqueId").and_then(|u| Uuid::parse_str(&u).ok()),
                        name: sample_name.clone(),
                        context: attr("Context").unwrap_or_default(),
                        status: attr("Status").unwrap_or_else(|| "Ready".into()),
                        instrument_id: attr("InstrumentId"),
                        instrument_name: attr("InstrumentName"),
                        well: String::new(),
                    }),
                    b"WellName" => in_well_name = true,
                    _ => {}
                }
            }
            Event::Text(t) if in_well_name => {
                if let Some(c) = collections.last_mut() {
                    c.well = t.decode().map(|s| s.trim().to_string()).unwrap_or_default();
                }
                in_well_name = false;
            }
            Event::End(_) => in_well_name = false,
            Event::Eof => break,
            _ => {}
        }
    }
    let mut run = run.ok_or_else(|| bad("no <Run> element".into()))?;
    run.collections = collections;
    Ok(run)
}
