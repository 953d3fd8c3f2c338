//! Outputs of analysis jobs: auto-merge of repeated entry points, the reports of the
//! pipeline and its output dataset.

use std::collections::BTreeMap;

use serde_json::Value;
use uuid::Uuid;

use super::records::dataset_record;
use super::{JobView, add_file, datastore_file, emit_report, jitter, merge_into, write_file};
use crate::dataset_xml::{self, ExternalResource, read_dataset_xml};
use crate::sim::models::now_ts;
use crate::sim::reports::{self, Inputs};
use crate::sim::store::IdAble;
use crate::sim::{Simulator, pipelines};

pub(super) fn analysis(sim: &Simulator, job: &JobView) -> Result<(), String> {
    let pipeline_id = job.pipeline.as_deref().unwrap_or_default();
    let pipeline =
        pipelines::find(pipeline_id).ok_or_else(|| format!("unknown pipeline {pipeline_id}"))?;
    let workflow = pipeline.short_id();

    // Repeated entry ids are merged first, because Cromwell accepts one dataset per entry id.
    let mut by_entry: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for e in &job.entry_points {
        by_entry
            .entry(e.entry_id.clone())
            .or_default()
            .push(e.dataset_id);
    }
    let mut effective: BTreeMap<String, Uuid> = BTreeMap::new();
    for (entry_id, ids) in &by_entry {
        let uuid = if ids.len() > 1 {
            let name = format!(
                "Auto-merged {entry_id} @ {}",
                chrono::Utc::now().timestamp_millis()
            );
            merge_into(
                sim,
                job,
                ids,
                &name,
                &format!("merged_{entry_id}.dataset.xml"),
            )?
        } else {
            sim.store()
                .datasets
                .get(&ids[0])
                .map(|d| d.uuid)
                .ok_or("entry-point dataset disappeared")?
        };
        effective.insert(entry_id.clone(), uuid);
    }

    let (reads, reference) = {
        let store = sim.store();
        let get = |u: &Uuid| store.dataset(IdAble::Uuid(*u)).cloned();
        let reads = effective
            .iter()
            .filter(|(e, _)| e.as_str() != "eid_ref_dataset" && !e.starts_with("eid_barcode"))
            .filter_map(|(_, u)| get(u))
            .next()
            .ok_or("the analysis has no read dataset entry point")?;
        let reference = effective.get("eid_ref_dataset").and_then(get);
        (reads, reference)
    };
    let inputs = Inputs {
        reads: reads.num_records,
        bases: reads.total_length,
        jitter: jitter(sim, &effective.values().copied().collect::<Vec<_>>()),
    };
    let reference_length = reference.as_ref().map_or(0, |r| r.total_length);
    let input_uuids: Vec<Uuid> = effective.values().copied().collect();
    let mut out_reports = Vec::new();
    let output = match pipeline.output {
        pipelines::Output::Mapping { ccs } => {
            let m = reports::mapping_metrics(inputs, ccs);
            out_reports.push(reports::mapping_report(workflow, m, ccs));
            out_reports.push(reports::coverage_report(workflow, m, reference_length));
            if pipeline.sat {
                let instrument = reads
                    .extras
                    .get("instrumentName")
                    .and_then(Value::as_str)
                    .unwrap_or("unknown");
                out_reports.push(reports::sat_report(
                    m,
                    inputs.reads,
                    reference_length,
                    instrument,
                ));
            }
            let meta = if ccs {
                "PacBio.DataSet.ConsensusAlignmentSet"
            } else {
                "PacBio.DataSet.AlignmentSet"
            };
            let file = if ccs {
                "mapped.consensusalignmentset.xml"
            } else {
                "mapped.alignmentset.xml"
            };
            (
                meta,
                file,
                format!("{} (mapped)", reads.name),
                m.mapped_reads,
                m.mapped_bases,
                "pbmm2.tasks.pbmm2_align-out-0",
            )
        }
        pipelines::Output::Ccs => {
            let (n, bases) = reports::ccs_metrics(inputs);
            out_reports.push(reports::ccs_report(workflow, n, bases, inputs.jitter));
            (
                "PacBio.DataSet.ConsensusReadSet",
                "ccs.consensusreadset.xml",
                format!("{} (CCS)", reads.name),
                n,
                bases,
                "pbccs.tasks.ccs-out-0",
            )
        }
        pipelines::Output::Assembly => {
            let contigs = 1 + (inputs.jitter * 20.0) as i64;
            let total = (inputs.bases / 20).max(1);
            out_reports.push(reports::assembly_report(workflow, contigs, total));
            (
                "PacBio.DataSet.ContigSet",
                "final.contigset.xml",
                format!("{} (assembly)", reads.name),
                contigs,
                total,
                "ipa2.tasks.ipa2-out-0",
            )
        }
    };
    let (meta_type, file_name, name, num_records, total_length, source_id) = output;
    let uuid = sim.store().next_uuid();
    let mut xml =
        read_dataset_xml(&reads.path).map_err(|e| format!("cannot read the input dataset: {e}"))?;
    xml.path = job.dir.join(file_name);
    xml.unique_id = uuid;
    xml.meta_type = meta_type.to_string();
    xml.name.clone_from(&name);
    xml.num_records = num_records;
    xml.total_length = total_length;
    xml.created_at = Some(now_ts());
    xml.external_resources = vec![ExternalResource {
        meta_type: "PacBio.AlignmentFile.AlignmentBamFile".into(),
        resource_id: job
            .dir
            .join(format!("{workflow}.bam"))
            .display()
            .to_string(),
    }];
    write_file(&xml.path, dataset_xml::render_dataset_xml(&xml).as_bytes())?;
    {
        let mut store = sim.store();
        let ds = dataset_record(&mut store, &xml, job);
        let description = format!("{name} from {}", pipeline.name);
        let file = datastore_file(
            job,
            uuid,
            meta_type,
            source_id,
            &xml.path,
            &name,
            &description,
        );
        add_file(&mut store, job.id, file);
        store.insert_dataset(ds);
    }
    for mut report in out_reports {
        report.dataset_uuids = input_uuids.clone();
        emit_report(sim, job, &report)?;
    }
    Ok(())
}
