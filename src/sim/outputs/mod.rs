//! Job outputs: datasets, datastore files, reports and the job log, written as real files
//! under the job directory when a job finishes.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use uuid::Uuid;

mod analysis;
mod records;

use super::Simulator;
use super::engine::unit_hash;
use super::models::{DataStoreFile, EntryPoint, now_ts};
use super::reports::{self, Inputs, Report};
use super::store::{IdAble, Store};
use crate::dataset_xml::{self, DataSetXml, ExternalResource, read_dataset_xml};
use records::dataset_record;

/// A snapshot of the job fields the output steps need, taken under the store lock.
pub(super) struct JobView {
    id: i64,
    uuid: Uuid,
    job_type: String,
    pipeline: Option<String>,
    options: Value,
    entry_points: Vec<EntryPoint>,
    project_id: i64,
    created_by: Option<String>,
    dir: PathBuf,
}

/// Produces the outputs of a job that ran to completion.
///
/// # Errors
/// A message for the job's `errorMessage`: an input that cannot be read, or a file that
/// cannot be written.
pub(crate) fn produce(sim: &Simulator, id: i64) -> Result<(), String> {
    let view = {
        let store = sim.store();
        let r = store
            .jobs
            .get(&id)
            .ok_or_else(|| format!("job {id} disappeared"))?;
        JobView {
            id,
            uuid: r.job.uuid,
            job_type: r.job.job_type_id.clone(),
            pipeline: r.job.sub_job_type_id.clone(),
            options: r.options.clone(),
            entry_points: r.entry_points.clone(),
            project_id: r.job.project_id,
            created_by: r.job.created_by.clone(),
            dir: sim.job_dir(id),
        }
    };
    std::fs::create_dir_all(&view.dir)
        .map_err(|e| format!("cannot create job directory {}: {e}", view.dir.display()))?;
    match view.job_type.as_str() {
        "import-dataset" => import(sim, &view),
        "merge-datasets" => merge(sim, &view).map(|_| ()),
        "analysis" => analysis::analysis(sim, &view),
        "delete-job" => delete_job(sim, &view),
        "delete-datasets" => delete_datasets(sim, &view),
        _ => Ok(()),
    }
}

fn import(sim: &Simulator, job: &JobView) -> Result<(), String> {
    let path = job
        .options
        .get("path")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let xml = read_dataset_xml(path).map_err(|e| e.to_string())?;
    let mut store = sim.store();
    if store.dataset(IdAble::Uuid(xml.unique_id)).is_some() {
        return Err(format!(
            "DataSet {} was imported by another job meanwhile",
            xml.unique_id
        ));
    }
    let ds = dataset_record(&mut store, &xml, job);
    let file = datastore_file(
        job,
        xml.unique_id,
        &xml.meta_type,
        "pbscala::import_dataset",
        Path::new(path),
        &xml.name,
        &format!("Imported DataSet on {}", now_ts()),
    );
    add_file(&mut store, job.id, file);
    store.insert_dataset(ds);
    drop(store);

    if xml.meta_type == "PacBio.DataSet.SubreadSet" && xml.has_chip_stats() {
        let inputs = Inputs {
            reads: xml.num_records,
            bases: xml.total_length,
            jitter: jitter(sim, &[xml.unique_id]),
        };
        let context = xml
            .collections
            .first()
            .and_then(|c| c.context.clone())
            .unwrap_or_default();
        for mut report in reports::import_qc(inputs, &context) {
            report.dataset_uuids.push(xml.unique_id);
            emit_report(sim, job, &report)?;
        }
    }
    Ok(())
}

/// Merges the job's entry-point datasets into `merged.dataset.xml` and records the result.
fn merge(sim: &Simulator, job: &JobView) -> Result<Uuid, String> {
    let name = job
        .options
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("MergedDataSet")
        .to_string();
    let ids: Vec<i64> = job.entry_points.iter().map(|e| e.dataset_id).collect();
    merge_into(sim, job, &ids, &name, "merged.dataset.xml")
}

pub(super) fn merge_into(
    sim: &Simulator,
    job: &JobView,
    ids: &[i64],
    name: &str,
    file_name: &str,
) -> Result<Uuid, String> {
    let paths: Vec<String> = {
        let store = sim.store();
        ids.iter()
            .map(|id| {
                store
                    .datasets
                    .get(id)
                    .map(|d| d.path.clone())
                    .ok_or_else(|| format!("dataset {id} not found"))
            })
            .collect::<Result<_, _>>()?
    };
    let mut inputs = Vec::new();
    for p in &paths {
        inputs.push(read_dataset_xml(p).map_err(|e| format!("cannot merge: {e}"))?);
    }
    let first = &inputs[0];
    let uuid = sim.store().next_uuid();
    let mut merged = DataSetXml {
        path: job.dir.join(file_name),
        unique_id: uuid,
        meta_type: first.meta_type.clone(),
        name: name.to_string(),
        version: first.version.clone(),
        created_at: Some(now_ts()),
        tags: String::new(),
        description: Some(format!("Merged PacBio DataSet from {} files", inputs.len())),
        num_records: inputs.iter().map(|d| d.num_records).sum(),
        total_length: inputs.iter().map(|d| d.total_length).sum(),
        collections: inputs.iter().flat_map(|d| d.collections.clone()).collect(),
        organism: first.organism.clone(),
        ploidy: first.ploidy.clone(),
        external_resources: Vec::new(),
    };
    for d in &inputs {
        let base = d.path.parent().unwrap_or(Path::new("/"));
        for r in &d.external_resources {
            merged.external_resources.push(ExternalResource {
                meta_type: r.meta_type.clone(),
                resource_id: base.join(&r.resource_id).display().to_string(),
            });
        }
    }
    write_file(
        &merged.path,
        dataset_xml::render_dataset_xml(&merged).as_bytes(),
    )?;
    let description = format!("Merged PacBio DataSet from {} files", inputs.len());
    let mut store = sim.store();
    let ds = dataset_record(&mut store, &merged, job);
    let file = datastore_file(
        job,
        uuid,
        &merged.meta_type,
        "pbscala::merge_dataset",
        &merged.path,
        name,
        &description,
    );
    add_file(&mut store, job.id, file);
    store.insert_dataset(ds);
    Ok(uuid)
}

fn delete_job(sim: &Simulator, job: &JobView) -> Result<(), String> {
    let target = job
        .options
        .get("jobId")
        .and_then(IdAble::from_json)
        .ok_or("delete-job options have no jobId")?;
    let remove_files = job
        .options
        .get("removeFiles")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let (target_id, target_uuid, files, datasets) = {
        let mut store = sim.store();
        let target_id = store
            .job_id(target)
            .ok_or_else(|| format!("job {target} not found"))?;
        let now = now_ts();
        let file_ids = store
            .jobs
            .get(&target_id)
            .map(|r| r.files.clone())
            .unwrap_or_default();
        for f in &file_ids {
            if let Some(file) = store.files.get_mut(f) {
                file.is_active = false;
                file.modified_at.clone_from(&now);
            }
        }
        let mut datasets = 0;
        for d in store
            .datasets
            .values_mut()
            .filter(|d| d.job_id == target_id && d.is_active)
        {
            d.is_active = false;
            d.updated_at.clone_from(&now);
            datasets += 1;
        }
        let r = store
            .jobs
            .get_mut(&target_id)
            .ok_or("target job disappeared")?;
        r.job.is_active = false;
        r.job.updated_at = now;
        (target_id, r.job.uuid, file_ids.len(), datasets)
    };
    if remove_files {
        let dir = sim.job_dir(target_id);
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for entry in entries.flatten() {
                let p = entry.path();
                let _ = if p.is_dir() {
                    std::fs::remove_dir_all(&p)
                } else {
                    std::fs::remove_file(&p)
                };
            }
        }
    }
    let report = Report::new("delete_job", "pbscala::delete_job", "Delete Job Report")
        .attr("job_id", "Deleted Job Id", json!(target_id))
        .attr("job_uuid", "Deleted Job UUID", json!(target_uuid))
        .attr(
            "files_deactivated",
            "Datastore Files Deactivated",
            json!(files),
        )
        .attr(
            "datasets_deactivated",
            "DataSets Deactivated",
            json!(datasets),
        )
        .attr("files_removed", "Files Removed", json!(remove_files));
    emit_named_report(sim, job, &report, "delete_report.json")
}

fn delete_datasets(sim: &Simulator, job: &JobView) -> Result<(), String> {
    let ids: Vec<i64> = job
        .options
        .get("ids")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default();
    let mut store = sim.store();
    let now = now_ts();
    for id in ids {
        if let Some(d) = store.datasets.get_mut(&id) {
            d.is_active = false;
            d.updated_at.clone_from(&now);
        }
    }
    Ok(())
}

/// Writes the job log (`pbscala-job.stdout`) and records it in the datastore once.
pub(crate) fn write_log(sim: &Simulator, id: i64, error: Option<&String>) -> Result<(), String> {
    let (view_uuid, job_type, events) = {
        let store = sim.store();
        let r = store.jobs.get(&id).ok_or("job disappeared")?;
        let events: Vec<String> = r
            .events
            .iter()
            .map(|e| format!("[INFO] {} {} {}", e.created_at, e.state.as_str(), e.message))
            .collect();
        (r.job.uuid, r.job.job_type_id.clone(), events)
    };
    let dir = sim.job_dir(id);
    let path = dir.join("pbscala-job.stdout");
    let mut text = events.join("\n");
    text.push('\n');
    match error {
        Some(e) => text.push_str(&format!(
            "[ERROR] {} Job {id} finished with state FAILED: {e}\n",
            now_ts()
        )),
        None => text.push_str(&format!(
            "[INFO] {} Job {id} finished with state SUCCESSFUL\n",
            now_ts()
        )),
    }
    write_file(&path, text.as_bytes())?;
    let source = if job_type == "analysis" {
        "analysis::master.log"
    } else {
        "pbscala::master.log"
    };
    let mut store = sim.store();
    let already = store.jobs.get(&id).is_some_and(|r| {
        r.files
            .iter()
            .any(|f| store.files.get(f).is_some_and(|f| f.source_id == source))
    });
    if !already {
        let uuid = store.next_uuid();
        let view = JobView {
            id,
            uuid: view_uuid,
            job_type,
            pipeline: None,
            options: Value::Null,
            entry_points: Vec::new(),
            project_id: 1,
            created_by: None,
            dir,
        };
        let file = datastore_file(
            &view,
            uuid,
            "PacBio.FileTypes.log",
            source,
            &path,
            "SMRT Link Job Log",
            "SMRT Link Job Log",
        );
        add_file(&mut store, id, file);
    }
    Ok(())
}

pub(super) fn emit_report(sim: &Simulator, job: &JobView, report: &Report) -> Result<(), String> {
    let file_name = format!("{}.report.json", report.id);
    emit_named_report(sim, job, report, &file_name)
}

/// Writes a report (and its images) in its own directory under the job and records it.
fn emit_named_report(
    sim: &Simulator,
    job: &JobView,
    report: &Report,
    file_name: &str,
) -> Result<(), String> {
    let uuid = sim.store().next_uuid();
    let dir = job.dir.join("reports").join(&report.id);
    let path = dir.join(file_name);
    let text = serde_json::to_string_pretty(&report.to_json(uuid)).map_err(|e| e.to_string())?;
    write_file(&path, text.as_bytes())?;
    for (name, bytes) in &report.resources {
        write_file(&dir.join(name), bytes)?;
    }
    let name = format!("Report {}", report.id);
    let description = format!("PacBio Report {} ({uuid})", report.id);
    let file = datastore_file(
        job,
        uuid,
        "PacBio.FileTypes.JsonReport",
        &report.source_id,
        &path,
        &name,
        &description,
    );
    add_file(&mut sim.store(), job.id, file);
    Ok(())
}

pub(super) fn datastore_file(
    job: &JobView,
    uuid: Uuid,
    file_type: &str,
    source_id: &str,
    path: &Path,
    name: &str,
    description: &str,
) -> DataStoreFile {
    let now = now_ts();
    DataStoreFile {
        uuid,
        file_type_id: file_type.into(),
        source_id: source_id.into(),
        file_size: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
        created_at: now.clone(),
        modified_at: now.clone(),
        imported_at: now,
        path: path.display().to_string(),
        job_id: job.id,
        job_uuid: job.uuid,
        name: name.into(),
        description: description.into(),
        is_active: true,
    }
}

pub(super) fn add_file(store: &mut Store, job_id: i64, file: DataStoreFile) {
    if let Some(r) = store.jobs.get_mut(&job_id) {
        r.files.push(file.uuid);
    }
    store.files.insert(file.uuid, file);
}

/// Builds the dataset record of a DataSet XML produced or imported by `job`.
pub(super) fn jitter(sim: &Simulator, uuids: &[Uuid]) -> f64 {
    let mut sorted = uuids.to_vec();
    sorted.sort();
    let key: Vec<u8> = sorted.iter().flat_map(|u| *u.as_bytes()).collect();
    unit_hash(sim.config().seed, &key)
}

pub(super) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
