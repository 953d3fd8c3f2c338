//! The simulated instrument: an imported run design's collections go through their
//! acquisition states one SMRT Cell after another; each completed collection leaves a
//! SubreadSet XML (UniqueId = collection UUID) in its collection directory.

use std::fmt::Write as _;
use std::path::PathBuf;

use tokio::task::JoinHandle;
use uuid::Uuid;

use super::Simulator;
use super::engine::unit_hash;
use super::models::{Collection, Run, now_ts};
use super::rundesign::RunDesign;
use super::store::Store;
use crate::dataset_xml::{self, CollectionMetadata, DataSetXml, ExternalResource, escape};

/// Acquisition states a collection passes through, with the share of the collection time
/// spent in each. The last one is `Complete`.
const PHASES: &[(&str, f64)] = &[
    ("Initializing", 0.05),
    ("Acquiring", 0.65),
    ("PostPrimaryAnalysis", 0.2),
    ("TransferringResults", 0.1),
    ("Complete", 0.0),
];

const INSTRUMENT_CONTROL_VERSION: &str = "11.0.0.144466";

/// Creates a run (status `Ready`) from a run design and starts its instrument.
pub(crate) fn create_run(sim: &Simulator, design: &RunDesign, user: Option<&str>) -> Run {
    let mut store = sim.store();
    let run = build_run(sim, &mut store, design, user);
    store.runs.push(run.clone());
    drop(store);
    sim.touch();
    start(sim, run.unique_id);
    run
}

fn build_run(sim: &Simulator, store: &mut Store, design: &RunDesign, user: Option<&str>) -> Run {
    let run_id = store.next_uuid();
    let sequel2 = design.system_name != "Sequel";
    let serial = format!(
        "{}{:03}",
        if sequel2 { 64 } else { 54 },
        (unit_hash(store.seed, b"instrument") * 1000.0) as u32
    );
    let now = chrono::Utc::now();
    let context = format!("r{serial}_{}", now.format("%Y%m%d_%H%M%S"));
    let run_dir = sim.runs_root().join(&context);
    let collections: Vec<Collection> = design
        .cells
        .iter()
        .enumerate()
        .map(|(i, cell)| {
            let started = now + chrono::Duration::minutes(i as i64 * 30);
            let movie = format!("m{serial}_{}", started.format("%y%m%d_%H%M%S"));
            let dir = run_dir.join(format!("{}_{}", i + 1, cell.well));
            Collection {
                run_id,
                unique_id: store.next_uuid(),
                well: cell.well.clone(),
                name: cell.sample_name.clone(),
                summary: cell.comment.clone(),
                context: movie,
                collection_path_uri: Some(dir.display().to_string()),
                status: "Ready".into(),
                instrument_id: Some(serial.clone()),
                instrument_name: Some(format!("{} {serial}", design.system_name)),
                movie_minutes: cell.movie_hours * 60.0,
                created_by: user.map(str::to_string),
                started_at: None,
                completed_at: None,
                termination_info: None,
                cell_type: Some("Standard".into()),
                bio_samples: cell.bio_samples.clone(),
                insert_size: Some(cell.insert_size),
            }
        })
        .collect();
    Run {
        unique_id: run_id,
        name: design.run_name.clone(),
        summary: design.run_comments.clone(),
        created_by: user.map(str::to_string),
        created_at: Some(now_ts()),
        started_at: None,
        transfers_completed_at: None,
        completed_at: None,
        status: "Ready".into(),
        chip_type: if sequel2 { "8mChip" } else { "1mChip" }.into(),
        total_cells: collections.len() as i64,
        num_cells_completed: 0,
        num_cells_failed: 0,
        num_standard_cells: collections.len() as i64,
        num_lr_cells: 0,
        instrument_name: Some(format!("{} {serial}", design.system_name)),
        instrument_serial_number: Some(serial),
        instrument_sw_version: Some(INSTRUMENT_CONTROL_VERSION.into()),
        primary_analysis_sw_version: Some("11.0.0.144466".into()),
        chemistry_sw_version: Some("11.0.0.144148".into()),
        context: Some(context),
        termination_info: None,
        reserved: false,
        multi_job_id: None,
        collections,
    }
}

/// Restarts the instruments of runs that were in progress when a persisted store was loaded.
pub(crate) fn resume_runs(sim: &Simulator) -> Vec<JoinHandle<()>> {
    let pending: Vec<Uuid> = sim
        .store()
        .runs
        .iter()
        .filter(|r| !matches!(r.status.as_str(), "Complete" | "Aborted" | "Terminated"))
        .map(|r| r.unique_id)
        .collect();
    pending
        .into_iter()
        .map(|id| tokio::spawn(drive(sim.clone(), id)))
        .collect()
}

fn start(sim: &Simulator, run_id: Uuid) {
    if tokio::runtime::Handle::try_current().is_ok() {
        let handle = tokio::spawn(drive(sim.clone(), run_id));
        sim.spawn_task(handle);
    }
}

/// Moves a run's collections through [`PHASES`], one collection at a time.
async fn drive(sim: Simulator, run_id: Uuid) {
    let config = sim.config().clone();
    sleep_scaled(&config, 1.0).await;
    update_run(&sim, run_id, |run| {
        if run.status == "Ready" {
            run.status = "Running".into();
            run.started_at = Some(now_ts());
        }
    });
    let count = sim.store().run(run_id).map_or(0, |r| r.collections.len());
    for i in 0..count {
        let Some(cell) = sim
            .store()
            .run(run_id)
            .and_then(|r| r.collections.get(i).cloned())
        else {
            return;
        };
        // A collection takes its movie time in seconds (one minute of movie per second at
        // speed 1) unless `--job-seconds collection=S` sets it.
        let total = config
            .job_seconds
            .get("collection")
            .copied()
            .unwrap_or(cell.movie_minutes);
        let start = PHASES
            .iter()
            .position(|(s, _)| *s == cell.status)
            .unwrap_or(0);
        if cell.status == "Complete" {
            continue;
        }
        for (state, share) in &PHASES[start..] {
            update_run(&sim, run_id, |run| {
                if let Some(c) = run.collections.get_mut(i) {
                    c.status = (*state).into();
                    if c.started_at.is_none() {
                        c.started_at = Some(now_ts());
                    }
                }
            });
            if *state == "Complete" {
                finish_collection(&sim, run_id, i);
            } else {
                sleep_scaled(&config, total * share).await;
            }
        }
    }
    update_run(&sim, run_id, |run| {
        run.status = "Complete".into();
        run.completed_at = Some(now_ts());
        run.transfers_completed_at = run.completed_at.clone();
    });
}

async fn sleep_scaled(config: &super::SimConfig, secs: f64) {
    tokio::time::sleep(config.scaled(secs)).await;
}

fn update_run(sim: &Simulator, run_id: Uuid, change: impl FnOnce(&mut Run)) {
    if let Some(run) = sim.store().run_mut(run_id) {
        change(run);
    }
    sim.touch();
}

/// Writes the collection's SubreadSet (and a placeholder sts.xml) and marks it complete.
fn finish_collection(sim: &Simulator, run_id: Uuid, index: usize) {
    let (run, cell) = {
        let store = sim.store();
        let Some(run) = store.run(run_id) else { return };
        let Some(cell) = run.collections.get(index) else {
            return;
        };
        (run.clone(), cell.clone())
    };
    // `--fail collection=RATE` fails that share of collections, chosen by a seeded coin per
    // collection UUID; a failed collection writes no SubreadSet.
    let rate = sim.config().fail_rate("collection", None);
    let simulated_failure =
        rate > 0.0 && unit_hash(sim.config().seed, cell.unique_id.as_bytes()) < rate;
    let termination = if simulated_failure {
        Some(format!(
            "Acquisition failed (simulated failure, --fail collection rate {rate})"
        ))
    } else if let Err(e) = write_subreadset(sim, &run, &cell) {
        tracing::error!(run = %run_id, collection = %cell.unique_id, "writing the SubreadSet failed: {e}");
        Some("Writing the SubreadSet XML failed".to_string())
    } else {
        None
    };
    let failed = termination.is_some();
    update_run(sim, run_id, |r| {
        if let Some(c) = r.collections.get_mut(index) {
            c.completed_at = Some(now_ts());
            if let Some(info) = termination {
                c.status = "Failed".into();
                c.termination_info = Some(info);
            }
        }
        if failed {
            r.num_cells_failed += 1;
        } else {
            r.num_cells_completed += 1;
        }
    });
}

/// Returns the path of the SubreadSet XML a collection writes on completion.
pub(crate) fn subreadset_path(cell: &Collection) -> PathBuf {
    let dir = PathBuf::from(cell.collection_path_uri.clone().unwrap_or_default());
    dir.join(format!("{}.subreadset.xml", cell.context))
}

fn write_subreadset(sim: &Simulator, run: &Run, cell: &Collection) -> std::io::Result<()> {
    let path = subreadset_path(cell);
    let dir = path.parent().map(PathBuf::from).unwrap_or_default();
    std::fs::create_dir_all(&dir)?;
    let jitter = unit_hash(sim.config().seed, cell.unique_id.as_bytes());
    let insert = cell.insert_size.unwrap_or(10_000).max(10);
    // Reads scale with movie time: about 40,000 subreads per movie hour, +/- 30%.
    let reads = ((cell.movie_minutes / 60.0) * 40_000.0 * (0.7 + 0.6 * jitter))
        .round()
        .max(1.0) as i64;
    let bases = reads * insert * 9 / 10;
    let sts = format!("{}.sts.xml", cell.context);
    std::fs::write(dir.join(&sts), chip_stats_xml(reads))?;
    let xml = DataSetXml {
        path: path.clone(),
        unique_id: cell.unique_id,
        meta_type: "PacBio.DataSet.SubreadSet".into(),
        name: cell.name.clone(),
        version: Some("3.0.1".into()),
        created_at: Some(now_ts()),
        tags: String::new(),
        description: cell.summary.clone(),
        num_records: reads,
        total_length: bases,
        collections: vec![CollectionMetadata {
            unique_id: Some(cell.unique_id.to_string()),
            context: Some(cell.context.clone()),
            instrument_id: cell.instrument_id.clone(),
            instrument_name: cell.instrument_name.clone(),
            instrument_control_version: Some(INSTRUMENT_CONTROL_VERSION.into()),
            run_name: Some(run.name.clone()),
            well_name: Some(cell.well.clone()),
            well_sample_name: Some(cell.name.clone()),
            bio_sample_names: cell.bio_samples.iter().map(|(_, b)| b.clone()).collect(),
            dna_barcode_names: cell
                .bio_samples
                .iter()
                .map(|(bc, _)| bc.clone())
                .filter(|b| !b.is_empty())
                .collect(),
            cell_index: run
                .collections
                .iter()
                .position(|c| c.unique_id == cell.unique_id)
                .map(|i| i as i64),
            cell_id: Some(format!("BA{:016}", (jitter * 1e16) as u64)),
            collection_path_uri: cell.collection_path_uri.clone(),
        }],
        organism: None,
        ploidy: None,
        external_resources: vec![
            ExternalResource {
                meta_type: "PacBio.SubreadFile.SubreadBamFile".into(),
                resource_id: format!("{}.subreads.bam", cell.context),
            },
            ExternalResource {
                meta_type: "PacBio.SubreadFile.ScrapsBamFile".into(),
                resource_id: format!("{}.scraps.bam", cell.context),
            },
            ExternalResource {
                meta_type: "PacBio.SubreadFile.ChipStatsFile".into(),
                resource_id: sts,
            },
        ],
    };
    // Write to a temporary name first so a reader never sees a half-written XML.
    let tmp = dir.join(format!(".{}.tmp", cell.context));
    std::fs::write(&tmp, dataset_xml::render_dataset_xml(&xml))?;
    std::fs::rename(&tmp, &path)
}

/// Renders a minimal chip statistics file.
///
/// NOTE: it contains only the ZMW count, not the full sts.xml content, so tools that parse
/// sts.xml would not find their metrics. The simulator never reads it back.
fn chip_stats_xml(reads: i64) -> String {
    let mut x = String::new();
    let _ = writeln!(x, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(
        x,
        r#"<PipeStats xmlns="http://pacificbiosciences.com/PipelineStats/PipeStats.xsd">"#
    );
    let _ = writeln!(
        x,
        "  <NumSequencingZmws>{}</NumSequencingZmws>",
        escape(&(reads * 2).to_string())
    );
    x.push_str("</PipeStats>\n");
    x
}

/// Renders the run's `dataModel` XML (a `PacBioDataModel` with the run and its collections).
pub(crate) fn render_run_xml(run: &Run) -> String {
    let mut x = String::new();
    let _ = writeln!(x, r#"<?xml version="1.0" encoding="utf-8"?>"#);
    let _ = writeln!(
        x,
        r#"<PacBioDataModel xmlns="http://pacificbiosciences.com/PacBioDataModel.xsd" xmlns:pbmeta="http://pacificbiosciences.com/PacBioCollectionMetadata.xsd" xmlns:pbds="http://pacificbiosciences.com/PacBioDatasets.xsd">"#
    );
    let _ = writeln!(x, "  <ExperimentContainer>\n    <Runs>");
    let _ = writeln!(
        x,
        r#"      <Run Name="{}" UniqueId="{}" Status="{}" CreatedBy="{}" ChipType="{}" Context="{}">"#,
        escape(&run.name),
        run.unique_id,
        escape(&run.status),
        escape(run.created_by.as_deref().unwrap_or("unknown")),
        escape(&run.chip_type),
        escape(run.context.as_deref().unwrap_or("")),
    );
    x.push_str("        <Outputs>\n          <SubreadSets>\n");
    for c in &run.collections {
        let _ = writeln!(
            x,
            r#"            <pbds:SubreadSet UniqueId="{}" MetaType="PacBio.DataSet.SubreadSet" Name="{}">"#,
            c.unique_id,
            escape(&c.name)
        );
        let _ = writeln!(
            x,
            r#"              <pbds:DataSetMetadata><pbmeta:Collections><pbmeta:CollectionMetadata UniqueId="{}" Context="{}" Status="{}" InstrumentId="{}" InstrumentName="{}"><pbmeta:WellSample Name="{}"><pbmeta:WellName>{}</pbmeta:WellName></pbmeta:WellSample></pbmeta:CollectionMetadata></pbmeta:Collections></pbds:DataSetMetadata>"#,
            c.unique_id,
            escape(&c.context),
            escape(&c.status),
            escape(c.instrument_id.as_deref().unwrap_or("")),
            escape(c.instrument_name.as_deref().unwrap_or("")),
            escape(&c.name),
            escape(&c.well),
        );
        x.push_str("            </pbds:SubreadSet>\n");
    }
    x.push_str("          </SubreadSets>\n        </Outputs>\n      </Run>\n    </Runs>\n  </ExperimentContainer>\n</PacBioDataModel>\n");
    x
}
