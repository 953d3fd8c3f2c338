//! Resolved pipeline templates the simulator offers, modelled on SMRT Link 12 Cromwell
//! workflows. Each template also names the reports and the output dataset an analysis produces.

use serde_json::{Value, json};

/// The outputs of an analysis of a pipeline, besides the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// A mapping report and a mapped dataset of the given MetaType.
    Mapping { ccs: bool },
    /// A CCS report and a ConsensusReadSet.
    Ccs,
    /// An assembly report and a ContigSet.
    Assembly,
}

/// A pipeline template and its simulated outputs.
pub struct Pipeline {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub tags: &'static [&'static str],
    /// `(entryId, fileTypeId)`.
    pub entry_points: &'static [(&'static str, &'static str)],
    /// `(id, name, optionTypeId, default)`; the default is JSON text.
    pub task_options: &'static [(&'static str, &'static str, &'static str, &'static str)],
    pub output: Output,
    /// True for the Site Acceptance Test, which adds the SAT report.
    pub sat: bool,
}

const SUBREADS: &str = "PacBio.DataSet.SubreadSet";
const CCS: &str = "PacBio.DataSet.ConsensusReadSet";
const REFERENCE: &str = "PacBio.DataSet.ReferenceSet";
const BARCODES: &str = "PacBio.DataSet.BarcodeSet";

/// Every template, in the order `/resolved-pipeline-templates` lists them.
pub const PIPELINES: &[Pipeline] = &[
    Pipeline {
        id: "cromwell.workflows.pb_sat",
        name: "Site Acceptance Test (SAT)",
        description: "Site Acceptance Test - lambda genome resequencing used to validate new\n    PacBio installations",
        tags: &["consensus", "mapping", "reports", "sat"],
        entry_points: &[("eid_ref_dataset", REFERENCE), ("eid_subread", SUBREADS)],
        task_options: &[
            (
                "dataset_filters",
                "Filters to add to the DataSet",
                "string",
                r#""""#,
            ),
            ("downsample_factor", "Downsampling Factor", "integer", "0"),
        ],
        output: Output::Mapping { ccs: false },
        sat: true,
    },
    Pipeline {
        id: "cromwell.workflows.pb_align_ccs",
        name: "Mapping",
        description: "Align HiFi reads to a reference genome with pbmm2",
        tags: &["ccs", "mapping"],
        entry_points: &[("eid_ccs", CCS), ("eid_ref_dataset", REFERENCE)],
        task_options: &[
            (
                "dataset_filters",
                "Filters to add to the DataSet",
                "string",
                r#""""#,
            ),
            ("downsample_factor", "Downsampling Factor", "integer", "0"),
            (
                "mapping_min_concordance",
                "Min. Concordance (%)",
                "float",
                "70.0",
            ),
            (
                "mapping_min_length",
                "Min. Alignment Length (bp)",
                "integer",
                "50",
            ),
            (
                "mapping_biosample_name",
                "Bio Sample Name of Aligned Dataset",
                "string",
                r#""""#,
            ),
        ],
        output: Output::Mapping { ccs: true },
        sat: false,
    },
    Pipeline {
        id: "cromwell.workflows.pb_align_subreads",
        name: "Mapping (CLR)",
        description: "Align continuous long reads (subreads) to a reference genome with pbmm2",
        tags: &["mapping"],
        entry_points: &[("eid_subread", SUBREADS), ("eid_ref_dataset", REFERENCE)],
        task_options: &[
            (
                "dataset_filters",
                "Filters to add to the DataSet",
                "string",
                r#""""#,
            ),
            (
                "mapping_min_concordance",
                "Min. Concordance (%)",
                "float",
                "70.0",
            ),
        ],
        output: Output::Mapping { ccs: false },
        sat: false,
    },
    Pipeline {
        id: "cromwell.workflows.pb_ccs",
        name: "Circular Consensus Sequencing (CCS)",
        description: "Generate HiFi reads from subreads",
        tags: &["ccs"],
        entry_points: &[("eid_subread", SUBREADS)],
        task_options: &[
            (
                "ccs_min_rq",
                "Min. CCS Predicted Accuracy (Phred Scale)",
                "float",
                "0.99",
            ),
            ("ccs_min_passes", "Min. Number of Passes", "integer", "3"),
            ("downsample_factor", "Downsampling Factor", "integer", "0"),
        ],
        output: Output::Ccs,
        sat: false,
    },
    Pipeline {
        id: "cromwell.workflows.pb_demux_ccs",
        name: "Demultiplex Barcodes",
        description: "Demultiplex barcoded HiFi reads with lima",
        tags: &["ccs", "barcoding"],
        entry_points: &[("eid_ccs", CCS), ("eid_barcode", BARCODES)],
        task_options: &[
            (
                "lima_symmetric_barcodes",
                "Same Barcodes on Both Ends of Sequence",
                "boolean",
                "true",
            ),
            ("lima_min_score", "Min. Barcode Score", "integer", "80"),
        ],
        output: Output::Ccs,
        sat: false,
    },
    Pipeline {
        id: "cromwell.workflows.pb_assembly_hifi",
        name: "Genome Assembly",
        description: "De novo assembly of HiFi reads with IPA",
        tags: &["ccs", "assembly"],
        entry_points: &[("eid_ccs", CCS)],
        task_options: &[
            ("ipa2_genome_size", "Genome Length", "integer", "0"),
            (
                "ipa2_downsampled_coverage",
                "Downsampled coverage",
                "integer",
                "0",
            ),
        ],
        output: Output::Assembly,
        sat: false,
    },
    Pipeline {
        id: "cromwell.workflows.dev_diagnostic",
        name: "Dev Diagnostic",
        description: "Internal diagnostic workflow that maps a dataset to a reference",
        tags: &["dev", "internal"],
        entry_points: &[("eid_subread", SUBREADS), ("eid_ref_dataset", REFERENCE)],
        task_options: &[("sleep_multiplier", "Sleep multiplier", "integer", "1")],
        output: Output::Mapping { ccs: false },
        sat: false,
    },
];

/// Finds a template by full id or by its last dot-separated part (`pb_sat`).
pub fn find(id: &str) -> Option<&'static Pipeline> {
    PIPELINES.iter().find(|p| p.id == id).or_else(|| {
        PIPELINES
            .iter()
            .find(|p| p.id.rsplit('.').next() == Some(id))
    })
}

impl Pipeline {
    /// Returns the short id used in report type ids: `pb_sat` for `cromwell.workflows.pb_sat`.
    pub fn short_id(&self) -> &'static str {
        self.id.rsplit('.').next().unwrap_or(self.id)
    }

    /// Returns the `PipelineTemplate` JSON.
    pub fn to_json(&self) -> Value {
        let entry_points: Vec<Value> = self
            .entry_points
            .iter()
            .map(|(id, ft)| json!({"entryId": id, "fileTypeId": ft, "name": format!("Entry Name: {ft}")}))
            .collect();
        let task_options: Vec<Value> = self
            .task_options
            .iter()
            .map(|(id, name, kind, default)| {
                json!({
                    "id": id,
                    "name": name,
                    "description": name,
                    "optionTypeId": kind,
                    "default": serde_json::from_str::<Value>(default).unwrap_or(Value::Null),
                })
            })
            .collect();
        json!({
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "version": "0.1.0",
            "tags": self.tags,
            "entryPoints": entry_points,
            "taskOptions": task_options,
            "options": [],
        })
    }
}
