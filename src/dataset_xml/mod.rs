//! Reader and writer for PacBio DataSet XML files (SubreadSet, ReferenceSet, ...).
//!
//! The reader extracts what SMRT Link records on import: the root attributes (`UniqueId`,
//! `MetaType`, `Name`, `Version`, `CreatedAt`, `Tags`), `NumRecords` and `TotalLength`, the
//! collection metadata of read sets and `Organism`/`Ploidy` of references. Elements are matched
//! by local name, so any namespace prefix (`pbds:`, `pbmeta:`, none) works.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

mod render;

pub use render::{escape, render_dataset_xml};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use uuid::Uuid;

/// The dataset types SMRT Link imports: `(MetaType, URL short name)`.
pub const DATASET_TYPES: &[(&str, &str)] = &[
    ("PacBio.DataSet.SubreadSet", "subreads"),
    ("PacBio.DataSet.HdfSubreadSet", "hdfsubreads"),
    ("PacBio.DataSet.AlignmentSet", "alignments"),
    ("PacBio.DataSet.BarcodeSet", "barcodes"),
    ("PacBio.DataSet.ConsensusReadSet", "ccsreads"),
    ("PacBio.DataSet.ConsensusAlignmentSet", "ccsalignments"),
    ("PacBio.DataSet.ContigSet", "contigs"),
    ("PacBio.DataSet.ReferenceSet", "references"),
    ("PacBio.DataSet.GmapReferenceSet", "gmapreferences"),
    ("PacBio.DataSet.TranscriptSet", "transcripts"),
];

/// Returns the URL short name (`subreads`) of a dataset MetaType, if it is a dataset type.
pub fn short_name_of(meta_type: &str) -> Option<&'static str> {
    DATASET_TYPES
        .iter()
        .find(|(m, _)| *m == meta_type)
        .map(|(_, s)| *s)
}

/// Returns the MetaType of a URL short name (`subreads`) or of a MetaType itself.
pub fn meta_type_of(short_or_meta: &str) -> Option<&'static str> {
    DATASET_TYPES
        .iter()
        .find(|(m, s)| *s == short_or_meta || *m == short_or_meta)
        .map(|(m, _)| *m)
}

/// The fields of one DataSet XML file that SMRT Link records.
#[derive(Debug, Clone, PartialEq)]
pub struct DataSetXml {
    /// The file it was read from (as given, not canonicalised).
    pub path: PathBuf,
    pub unique_id: Uuid,
    /// `PacBio.DataSet.SubreadSet` and so on; always one of [`DATASET_TYPES`].
    pub meta_type: String,
    pub name: String,
    pub version: Option<String>,
    pub created_at: Option<String>,
    /// Comma-separated, as written in the file (often empty).
    pub tags: String,
    pub description: Option<String>,
    pub num_records: i64,
    pub total_length: i64,
    pub collections: Vec<CollectionMetadata>,
    pub organism: Option<String>,
    pub ploidy: Option<String>,
    pub external_resources: Vec<ExternalResource>,
}

/// One `CollectionMetadata` element: a SMRT Cell acquisition.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CollectionMetadata {
    pub unique_id: Option<String>,
    /// The movie name, e.g. `m54006_160504_020705`.
    pub context: Option<String>,
    pub instrument_id: Option<String>,
    pub instrument_name: Option<String>,
    pub instrument_control_version: Option<String>,
    /// `RunDetails/Name`.
    pub run_name: Option<String>,
    pub well_name: Option<String>,
    /// `WellSample/@Name`.
    pub well_sample_name: Option<String>,
    pub bio_sample_names: Vec<String>,
    pub dna_barcode_names: Vec<String>,
    pub cell_index: Option<i64>,
    /// `CellPac/@Barcode`.
    pub cell_id: Option<String>,
    pub collection_path_uri: Option<String>,
}

/// One `ExternalResource` element (any depth): a BAM, index, sts.xml, FASTA...
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalResource {
    pub meta_type: String,
    pub resource_id: String,
}

impl DataSetXml {
    /// Returns true when the file declares a chip statistics file (`sts.xml`), which is what
    /// SMRT Link needs to compute import QC reports for a SubreadSet.
    pub fn has_chip_stats(&self) -> bool {
        self.external_resources
            .iter()
            .any(|r| r.meta_type == "PacBio.SubreadFile.ChipStatsFile")
    }
}

/// Why a DataSet XML file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DataSetXmlError {
    #[error("cannot read DataSet XML `{path}`: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid XML in `{path}` at byte {position}: {message}")]
    Xml {
        path: PathBuf,
        position: u64,
        message: String,
    },
    #[error("`{path}` is not a DataSet XML: {problem}")]
    Invalid { path: PathBuf, problem: String },
}

/// Reads a DataSet XML file.
///
/// # Errors
/// The file cannot be read, is not well-formed XML, has no root element, or its root lacks a
/// valid `UniqueId` or a known dataset `MetaType`.
pub fn read_dataset_xml(path: impl AsRef<Path>) -> Result<DataSetXml, DataSetXmlError> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|source| DataSetXmlError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_dataset_xml(&text, path)
}

/// Parses DataSet XML text; `path` is recorded in the result and used in error messages.
///
/// # Errors
/// As [`read_dataset_xml`], without the I/O errors.
pub fn parse_dataset_xml(text: &str, path: &Path) -> Result<DataSetXml, DataSetXmlError> {
    let invalid = |problem: String| DataSetXmlError::Invalid {
        path: path.to_path_buf(),
        problem,
    };
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<String> = Vec::new();
    let mut text_buf = String::new();
    let mut root: Option<RootAttrs> = None;
    let mut out = Fields::default();

    loop {
        let event = reader.read_event().map_err(|e| DataSetXmlError::Xml {
            path: path.to_path_buf(),
            position: reader.error_position(),
            message: e.to_string(),
        })?;
        match event {
            Event::Start(e) => {
                let name = local_name(&e);
                if root.is_none() {
                    root = Some(RootAttrs::from_element(&e, &name));
                } else {
                    out.on_open(&name, &e, &stack);
                }
                stack.push(name);
                text_buf.clear();
            }
            Event::Empty(e) => {
                let name = local_name(&e);
                if root.is_none() {
                    root = Some(RootAttrs::from_element(&e, &name));
                } else {
                    out.on_open(&name, &e, &stack);
                }
            }
            Event::Text(t) => text_buf.push_str(&t.decode().unwrap_or(Cow::Borrowed(""))),
            Event::CData(t) => text_buf.push_str(&t.decode().unwrap_or(Cow::Borrowed(""))),
            Event::GeneralRef(r) => {
                let name = r.decode().unwrap_or(Cow::Borrowed(""));
                text_buf.push_str(&resolve_entity(&name));
            }
            Event::End(_) => {
                let name = stack.pop().unwrap_or_default();
                out.on_close(&name, text_buf.trim(), &stack);
                text_buf.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }

    let root = root.ok_or_else(|| invalid("the file has no root element".into()))?;
    let unique_id = root.unique_id.as_deref().ok_or_else(|| {
        invalid(format!(
            "root element <{}> has no UniqueId attribute",
            root.element
        ))
    })?;
    let unique_id = Uuid::parse_str(unique_id)
        .map_err(|e| invalid(format!("UniqueId `{unique_id}` is not a UUID ({e})")))?;
    let meta_type = root.meta_type.ok_or_else(|| {
        invalid(format!(
            "root element <{}> has no MetaType attribute",
            root.element
        ))
    })?;
    if short_name_of(&meta_type).is_none() {
        let known: Vec<&str> = DATASET_TYPES.iter().map(|(m, _)| *m).collect();
        return Err(invalid(format!(
            "MetaType `{meta_type}` is not a dataset type (expected one of {})",
            known.join(", ")
        )));
    }

    Ok(DataSetXml {
        path: path.to_path_buf(),
        unique_id,
        name: root.name.unwrap_or_else(|| "PacBio DataSet".to_string()),
        meta_type,
        version: root.version,
        created_at: root.created_at,
        tags: root.tags.unwrap_or_default(),
        description: root.description,
        num_records: out.num_records.unwrap_or(0),
        total_length: out.total_length.unwrap_or(0),
        collections: out.collections,
        organism: out.organism,
        ploidy: out.ploidy,
        external_resources: out.external_resources,
    })
}

struct RootAttrs {
    element: String,
    unique_id: Option<String>,
    meta_type: Option<String>,
    name: Option<String>,
    version: Option<String>,
    created_at: Option<String>,
    tags: Option<String>,
    description: Option<String>,
}

impl RootAttrs {
    fn from_element(e: &BytesStart<'_>, element: &str) -> Self {
        RootAttrs {
            element: element.to_string(),
            unique_id: attr(e, "UniqueId"),
            meta_type: attr(e, "MetaType"),
            name: attr(e, "Name"),
            version: attr(e, "Version"),
            created_at: attr(e, "CreatedAt"),
            tags: attr(e, "Tags"),
            description: attr(e, "Description"),
        }
    }
}

/// Values collected below the root element while the reader walks the document.
#[derive(Default)]
struct Fields {
    num_records: Option<i64>,
    total_length: Option<i64>,
    organism: Option<String>,
    ploidy: Option<String>,
    collections: Vec<CollectionMetadata>,
    external_resources: Vec<ExternalResource>,
}

impl Fields {
    fn on_open(&mut self, name: &str, e: &BytesStart<'_>, stack: &[String]) {
        let in_collection = stack.iter().any(|s| s == "CollectionMetadata");
        match name {
            "ExternalResource" => {
                if let (Some(meta_type), Some(resource_id)) =
                    (attr(e, "MetaType"), attr(e, "ResourceId"))
                {
                    self.external_resources.push(ExternalResource {
                        meta_type,
                        resource_id,
                    });
                }
            }
            "CollectionMetadata" => self.collections.push(CollectionMetadata {
                unique_id: attr(e, "UniqueId"),
                context: attr(e, "Context"),
                instrument_id: attr(e, "InstrumentId"),
                instrument_name: attr(e, "InstrumentName"),
                ..CollectionMetadata::default()
            }),
            "WellSample" if in_collection => {
                if let Some(c) = self.collections.last_mut() {
                    c.well_sample_name = attr(e, "Name");
                }
            }
            "BioSample" if in_collection => {
                if let (Some(c), Some(n)) = (self.collections.last_mut(), attr(e, "Name")) {
                    c.bio_sample_names.push(n);
                }
            }
            "DNABarcode" if in_collection => {
                if let (Some(c), Some(n)) = (self.collections.last_mut(), attr(e, "Name")) {
                    c.dna_barcode_names.push(n);
                }
            }
            "CellPac" if in_collection => {
                if let Some(c) = self.collections.last_mut() {
                    c.cell_id = attr(e, "Barcode");
                }
            }
            _ => {}
        }
    }

    fn on_close(&mut self, name: &str, text: &str, stack: &[String]) {
        let parent = stack.last().map(String::as_str);
        // Only the top-level DataSetMetadata counts: nested datasets (e.g. the SubreadSets
        // inside a merged AlignmentSet) carry their own NumRecords.
        let top_metadata = parent == Some("DataSetMetadata") && stack.len() == 2;
        match name {
            "NumRecords" if top_metadata => self.num_records = text.parse().ok(),
            "TotalLength" if top_metadata => self.total_length = text.parse().ok(),
            "Organism" if top_metadata => self.organism = non_empty(text),
            "Ploidy" if top_metadata => self.ploidy = non_empty(text),
            _ => {}
        }
        let Some(c) = self.collections.last_mut() else {
            return;
        };
        if !stack.iter().any(|s| s == "CollectionMetadata") {
            return;
        }
        match (name, parent) {
            ("InstCtrlVer", _) => c.instrument_control_version = non_empty(text),
            ("Name", Some("RunDetails")) => c.run_name = non_empty(text),
            ("WellName", _) => c.well_name = non_empty(text),
            ("CellIndex", _) => c.cell_index = text.parse().ok(),
            ("CollectionPathUri", _) => c.collection_path_uri = non_empty(text),
            _ => {}
        }
    }
}

fn local_name(e: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(e.local_name().as_ref()).into_owned()
}

fn attr(e: &BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == key.as_bytes())
        .map(|a| {
            a.unescape_value()
                .map(Cow::into_owned)
                .unwrap_or_else(|_| String::from_utf8_lossy(&a.value).into_owned())
        })
}

fn non_empty(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_string())
}

fn resolve_entity(name: &str) -> String {
    match name {
        "amp" => "&".into(),
        "lt" => "<".into(),
        "gt" => ">".into(),
        "quot" => "\"".into(),
        "apos" => "'".into(),
        _ => {
            let code = if let Some(hex) = name.strip_prefix("#x") {
                u32::from_str_radix(hex, 16).ok()
            } else {
                name.strip_prefix('#').and_then(|d| d.parse().ok())
            };
            code.and_then(char::from_u32)
                .map(String::from)
                .unwrap_or_default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/datasets");

    #[test]
    fn reads_sequel_subreadset() {
        let ds = read_dataset_xml(format!(
            "{FIXTURES}/SubreadSet/m54006_160504_020705.tiny.subreadset.xml"
        ))
        .expect("fixture parses");
        assert_eq!(
            ds.unique_id.to_string(),
            "c9074f64-37e0-d795-9b8e-7190ac6f87a5"
        );
        assert_eq!(ds.meta_type, "PacBio.DataSet.SubreadSet");
        assert_eq!(ds.name, "subreads-sequel");
        assert_eq!(ds.num_records, 20);
        assert_eq!(ds.total_length, 19014);
        assert!(ds.has_chip_stats());
        let c = &ds.collections[0];
        assert_eq!(c.context.as_deref(), Some("m54006_160504_020705"));
        assert_eq!(c.instrument_id.as_deref(), Some("54006"));
        assert_eq!(c.instrument_name.as_deref(), Some("Alpha6"));
        assert_eq!(c.run_name.as_deref(), Some("lambda"));
        assert_eq!(c.well_name.as_deref(), Some("B01"));
        assert_eq!(c.well_sample_name.as_deref(), Some("2k_lambda_Mag_2hr"));
        assert_eq!(c.cell_index, Some(1));
    }

    #[test]
    fn reads_reference_organism_and_ploidy() {
        let ds = read_dataset_xml(format!(
            "{FIXTURES}/ReferenceSet/lambdaNEB/referenceset.xml"
        ))
        .expect("fixture parses");
        assert_eq!(ds.meta_type, "PacBio.DataSet.ReferenceSet");
        assert_eq!(ds.organism.as_deref(), Some("lambda"));
        assert_eq!(ds.ploidy.as_deref(), Some("haploid"));
        assert_eq!(ds.total_length, 48502);
        assert_eq!(ds.tags, "converted, sv, reference");
    }

    #[test]
    fn reads_prefixed_barcoded_subreadset() {
        let ds = read_dataset_xml(format!("{FIXTURES}/SubreadSet/barcoded.subreadset.xml"))
            .expect("fixture parses");
        assert_eq!(ds.num_records, 3);
        assert_eq!(ds.total_length, 11431);
        assert_eq!(
            ds.collections[0].bio_sample_names,
            vec!["Alice", "Bob", "Charles"]
        );
        assert_eq!(ds.collections[0].dna_barcode_names[0], "lbc1--lbc1");
    }

    #[test]
    fn rejects_unknown_meta_type() {
        let xml = r#"<Foo UniqueId="c9074f64-37e0-d795-9b8e-7190ac6f87a5" MetaType="PacBio.Foo"/>"#;
        let err = parse_dataset_xml(xml, Path::new("/x/foo.xml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("/x/foo.xml"), "{err}");
        assert!(err.contains("PacBio.Foo"), "{err}");
    }

    #[test]
    fn rejects_bad_uuid_and_malformed_xml() {
        let xml = r#"<SubreadSet UniqueId="nope" MetaType="PacBio.DataSet.SubreadSet"/>"#;
        let err = parse_dataset_xml(xml, Path::new("a.xml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("`nope` is not a UUID"), "{err}");
        let err = parse_dataset_xml("<a><b></a>", Path::new("b.xml")).unwrap_err();
        assert!(matches!(err, DataSetXmlError::Xml { .. }), "{err}");
        let err = read_dataset_xml("/nonexistent/c.xml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("/nonexistent/c.xml"), "{err}");
    }

    #[test]
    fn render_round_trips() {
        let ds = read_dataset_xml(format!("{FIXTURES}/SubreadSet/barcoded.subreadset.xml"))
            .expect("fixture parses");
        let text = render_dataset_xml(&ds);
        let back = parse_dataset_xml(&text, &ds.path).expect("rendered XML parses");
        assert_eq!(back.unique_id, ds.unique_id);
        assert_eq!(back.num_records, ds.num_records);
        assert_eq!(back.total_length, ds.total_length);
        assert_eq!(
            back.collections[0].bio_sample_names,
            ds.collections[0].bio_sample_names
        );
        assert_eq!(back.collections[0].run_name, ds.collections[0].run_name);
        assert_eq!(back.external_resources.len(), ds.external_resources.len());
    }
}
