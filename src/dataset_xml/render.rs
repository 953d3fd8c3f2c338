//! Writer for DataSet XML, used for merged datasets, analysis outputs and the SubreadSets of
//! the simulated instrument.

use std::borrow::Cow;
use std::fmt::Write as _;

use uuid::Uuid;

use super::{CollectionMetadata, DataSetXml};

/// Escapes text for an XML attribute value or element content.
pub fn escape(text: &str) -> Cow<'_, str> {
    quick_xml::escape::escape(text)
}

/// Renders a DataSet XML document for `ds`; [`read_dataset_xml`] reads the result back to the
/// same fields.
pub fn render_dataset_xml(ds: &DataSetXml) -> String {
    let root = ds.meta_type.rsplit('.').next().unwrap_or("DataSet");
    let mut x = String::new();
    let _ = writeln!(x, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(
        x,
        r#"<pbds:{root} CreatedAt="{created}" MetaType="{mt}" Name="{name}" Tags="{tags}" UniqueId="{uuid}" Version="{version}" xmlns:pbds="http://pacificbiosciences.com/PacBioDatasets.xsd" xmlns:pbbase="http://pacificbiosciences.com/PacBioBaseDataModel.xsd" xmlns:pbmeta="http://pacificbiosciences.com/PacBioCollectionMetadata.xsd" xmlns:pbsample="http://pacificbiosciences.com/PacBioSampleInfo.xsd">"#,
        created = escape(ds.created_at.as_deref().unwrap_or("")),
        mt = escape(&ds.meta_type),
        name = escape(&ds.name),
        tags = escape(&ds.tags),
        uuid = ds.unique_id,
        version = escape(ds.version.as_deref().unwrap_or("3.0.1")),
    );
    x.push_str("  <pbbase:ExternalResources>\n");
    for r in &ds.external_resources {
        let _ = writeln!(
            x,
            r#"    <pbbase:ExternalResource MetaType="{}" ResourceId="{}" UniqueId="{}"/>"#,
            escape(&r.meta_type),
            escape(&r.resource_id),
            Uuid::new_v5(&ds.unique_id, r.resource_id.as_bytes())
        );
    }
    x.push_str("  </pbbase:ExternalResources>\n  <pbds:DataSetMetadata>\n");
    let _ = writeln!(
        x,
        "    <pbds:TotalLength>{}</pbds:TotalLength>",
        ds.total_length
    );
    let _ = writeln!(
        x,
        "    <pbds:NumRecords>{}</pbds:NumRecords>",
        ds.num_records
    );
    if let Some(o) = &ds.organism {
        let _ = writeln!(x, "    <pbds:Organism>{}</pbds:Organism>", escape(o));
    }
    if let Some(p) = &ds.ploidy {
        let _ = writeln!(x, "    <pbds:Ploidy>{}</pbds:Ploidy>", escape(p));
    }
    if !ds.collections.is_empty() {
        x.push_str("    <pbmeta:Collections>\n");
        for c in &ds.collections {
            render_collection(&mut x, c);
        }
        x.push_str("    </pbmeta:Collections>\n");
    }
    let _ = write!(x, "  </pbds:DataSetMetadata>\n</pbds:{root}>\n");
    x
}

fn render_collection(x: &mut String, c: &CollectionMetadata) {
    let opt = |v: &Option<String>| escape(v.as_deref().unwrap_or("")).into_owned();
    let _ = writeln!(
        x,
        r#"      <pbmeta:CollectionMetadata Context="{}" InstrumentId="{}" InstrumentName="{}" MetaType="CollectionMetadata" UniqueId="{}">"#,
        opt(&c.context),
        opt(&c.instrument_id),
        opt(&c.instrument_name),
        opt(&c.unique_id)
    );
    if let Some(v) = &c.instrument_control_version {
        let _ = writeln!(
            x,
            "        <pbmeta:InstCtrlVer>{}</pbmeta:InstCtrlVer>",
            escape(v)
        );
    }
    let _ = writeln!(
        x,
        "        <pbmeta:RunDetails>\n          <pbmeta:Name>{}</pbmeta:Name>\n        </pbmeta:RunDetails>",
        opt(&c.run_name)
    );
    let _ = writeln!(
        x,
        r#"        <pbmeta:WellSample Name="{}">"#,
        opt(&c.well_sample_name)
    );
    let _ = writeln!(
        x,
        "          <pbmeta:WellName>{}</pbmeta:WellName>",
        opt(&c.well_name)
    );
    if !c.bio_sample_names.is_empty() {
        x.push_str("          <pbsample:BioSamples>\n");
        for (i, b) in c.bio_sample_names.iter().enumerate() {
            let _ = writeln!(
                x,
                r#"            <pbsample:BioSample Name="{}">"#,
                escape(b)
            );
            if let Some(bc) = c.dna_barcode_names.get(i) {
                let _ = writeln!(
                    x,
                    "              <pbsample:DNABarcodes>\n                <pbsample:DNABarcode Name=\"{}\"/>\n              </pbsample:DNABarcodes>",
                    escape(bc)
                );
            }
            x.push_str("            </pbsample:BioSample>\n");
        }
        x.push_str("          </pbsample:BioSamples>\n");
    }
    x.push_str("        </pbmeta:WellSample>\n");
    if let Some(i) = c.cell_index {
        let _ = writeln!(x, "        <pbmeta:CellIndex>{i}</pbmeta:CellIndex>");
    }
    if let Some(id) = &c.cell_id {
        let _ = writeln!(x, r#"        <pbmeta:CellPac Barcode="{}"/>"#, escape(id));
    }
    if let Some(p) = &c.collection_path_uri {
        let _ = writeln!(
            x,
            "        <pbmeta:Primary>\n          <pbmeta:OutputOptions>\n            <pbmeta:CollectionPathUri>{}</pbmeta:CollectionPathUri>\n          </pbmeta:OutputOptions>\n        </pbmeta:Primary>",
            escape(p)
        );
    }
    x.push_str("      </pbmeta:CollectionMetadata>\n");
}
