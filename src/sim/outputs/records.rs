//! Dataset records built from DataSet XML: the common fields and the type-specific ones.

use serde_json::{Map, Value, json};
use sha2::Digest as _;

use super::JobView;
use crate::dataset_xml::DataSetXml;
use crate::sim::models::{DataSet, now_ts};
use crate::sim::search::parse_time;
use crate::sim::store::Store;

pub(super) fn dataset_record(store: &mut Store, xml: &DataSetXml, job: &JobView) -> DataSet {
    let now = now_ts();
    let created_at = xml
        .created_at
        .as_deref()
        .and_then(parse_time)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_else(|| now.clone());
    DataSet {
        id: store.take_dataset_id(),
        uuid: xml.unique_id,
        name: xml.name.clone(),
        path: xml.path.display().to_string(),
        created_at: created_at.clone(),
        updated_at: created_at,
        imported_at: now,
        num_records: xml.num_records,
        total_length: xml.total_length,
        version: xml.version.clone().unwrap_or_else(|| "3.0.1".into()),
        comments: xml.description.clone().unwrap_or_default(),
        tags: xml.tags.clone(),
        // NOTE: a SHA-256 prefix of the UUID and path, not the MD5 of the file; clients only
        // display this field.
        md5: hex::encode(
            &sha2::Sha256::digest(format!("{}{}", xml.unique_id, xml.path.display()))[..16],
        ),
        created_by: job.created_by.clone(),
        job_id: job.id,
        project_id: job.project_id,
        parent_uuid: None,
        is_active: true,
        num_children: 0,
        dataset_type: xml.meta_type.clone(),
        extras: type_fields(xml),
    }
}

/// Returns the type-specific record fields: collection metadata for read sets, organism and ploidy
/// for references.
fn type_fields(xml: &DataSetXml) -> Map<String, Value> {
    let mut m = Map::new();
    let c = xml.collections.first().cloned().unwrap_or_default();
    let bio = match c.bio_sample_names.len() {
        0 => "unknown".to_string(),
        1 => c.bio_sample_names[0].clone(),
        _ => "[multiple]".to_string(),
    };
    let barcode = match c.dna_barcode_names.len() {
        0 => Value::Null,
        1 => json!(c.dna_barcode_names[0]),
        _ => json!("[multiple]"),
    };
    let well_sample = json!(
        c.well_sample_name
            .clone()
            .unwrap_or_else(|| "unknown".into())
    );
    let context = json!(c.context.clone().unwrap_or_else(|| "unknown".into()));
    match xml.meta_type.as_str() {
        "PacBio.DataSet.SubreadSet" | "PacBio.DataSet.HdfSubreadSet" => {
            let full = xml.meta_type == "PacBio.DataSet.SubreadSet";
            m.insert(
                "instrumentName".into(),
                json!(
                    c.instrument_name
                        .clone()
                        .unwrap_or_else(|| "unknown".into())
                ),
            );
            if full {
                m.insert(
                    "instrumentControlVersion".into(),
                    json!(
                        c.instrument_control_version
                            .clone()
                            .unwrap_or_else(|| "unknown".into())
                    ),
                );
            }
            m.insert("metadataContextId".into(), context);
            m.insert("wellSampleName".into(), well_sample);
            m.insert(
                "wellName".into(),
                json!(c.well_name.clone().unwrap_or_else(|| "unknown".into())),
            );
            m.insert("bioSampleName".into(), json!(bio));
            m.insert("cellIndex".into(), json!(c.cell_index.unwrap_or(0)));
            if full {
                m.insert(
                    "cellId".into(),
                    json!(c.cell_id.clone().unwrap_or_else(|| "unknown".into())),
                );
                m.insert("dnaBarcodeName".into(), barcode);
            }
            m.insert(
                "runName".into(),
                json!(c.run_name.clone().unwrap_or_else(|| "unknown".into())),
            );
        }
        "PacBio.DataSet.ConsensusReadSet" => {
            m.insert("bioSampleName".into(), json!(bio));
            m.insert("wellSampleName".into(), well_sample);
            m.insert("metadataContextId".into(), context);
            m.insert("dnaBarcodeName".into(), barcode);
        }
        "PacBio.DataSet.ReferenceSet" | "PacBio.DataSet.GmapReferenceSet" => {
            m.insert(
                "ploidy".into(),
                json!(xml.ploidy.clone().unwrap_or_else(|| "haploid".into())),
            );
            m.insert(
                "organism".into(),
                json!(xml.organism.clone().unwrap_or_else(|| "unknown".into())),
            );
        }
        _ => {}
    }
    m
}
