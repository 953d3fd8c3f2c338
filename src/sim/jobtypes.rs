//! Job types: which exist, which are quick, and how their default comment reads.

use serde_json::{Value, json};

/// A job type: `(jobTypeId, description, isQuick, isMultiJob)`.
pub struct JobType {
    pub id: &'static str,
    pub description: &'static str,
    pub is_quick: bool,
    pub is_multi_job: bool,
    /// Display name used in the default comment, "Description for job <display name>".
    pub display: &'static str,
}

const fn t(
    id: &'static str,
    description: &'static str,
    is_quick: bool,
    display: &'static str,
) -> JobType {
    JobType {
        id,
        description,
        is_quick,
        is_multi_job: false,
        display,
    }
}

/// Every job type the simulator accepts.
pub const JOB_TYPES: &[JobType] = &[
    t(
        "analysis",
        "Run a Cromwell analysis workflow",
        false,
        "Analysis",
    ),
    t(
        "convert-fasta-barcodes",
        "Convert a FASTA file to a BarcodeSet",
        false,
        "Convert Fasta to BarcodeSet",
    ),
    t(
        "convert-fasta-reference",
        "Convert a FASTA file to a ReferenceSet",
        false,
        "Convert Fasta to ReferenceSet",
    ),
    t(
        "convert-fasta-gmapreference",
        "Convert a FASTA file to a GmapReferenceSet",
        false,
        "Convert Fasta to GmapReferenceSet",
    ),
    t(
        "convert-rs-movie",
        "Convert an RS movie to an HdfSubreadSet",
        true,
        "Convert RS Movie",
    ),
    t(
        "copy-dataset",
        "Copy a PacBio DataSet with filters",
        true,
        "Copy DataSet",
    ),
    t(
        "db-backup",
        "Create a DB backup of the SMRT Link system",
        true,
        "DB Backup",
    ),
    t(
        "delete-datasets",
        "(Soft) delete of PacBio DataSet XML",
        true,
        "Delete DataSets",
    ),
    t(
        "delete-job",
        "(Soft) Delete of a SMRT Link Job",
        true,
        "Delete Job",
    ),
    t(
        "export-datasets",
        "Export PacBio DataSets to a ZIP file",
        true,
        "Export DataSets",
    ),
    t(
        "export-jobs",
        "Export SMRT Link jobs to a ZIP file",
        false,
        "Export Jobs",
    ),
    t(
        "hello-world",
        "Hello world job for testing",
        true,
        "Hello World",
    ),
    t(
        "import-collection",
        "Import a collection from a reports ZIP",
        true,
        "Import Collection",
    ),
    t(
        "import-dataset",
        "Import a PacBio DataSet XML",
        true,
        "Import PacBio DataSet",
    ),
    t(
        "import-datasets-zip",
        "Import PacBio DataSets from a ZIP file",
        true,
        "Import DataSets ZIP",
    ),
    t(
        "import-job",
        "Import a SMRT Link job from a ZIP file",
        false,
        "Import Job",
    ),
    t(
        "merge-datasets",
        "Merge PacBio DataSets",
        true,
        "Merge PacBio DataSets",
    ),
    t(
        "mock-pbsmrtpipe",
        "Mock analysis job for testing",
        true,
        "Mock Analysis",
    ),
    t("simple", "Simple job for testing", true, "Simple"),
    t(
        "tech-support-job",
        "Create a tech support bundle for a job",
        true,
        "Tech Support Job",
    ),
    t(
        "tech-support-status",
        "Create a tech support bundle of the system status",
        true,
        "Tech Support Status",
    ),
    JobType {
        id: "multi-analysis",
        description: "Run several analyses as one multi-job",
        is_quick: false,
        is_multi_job: true,
        display: "Multi Analysis",
    },
];

/// Finds a job type by id.
pub fn find(id: &str) -> Option<&'static JobType> {
    JOB_TYPES.iter().find(|t| t.id == id)
}

/// True when quick workers may run jobs of this type.
pub fn is_quick(id: &str) -> bool {
    find(id).is_some_and(|t| t.is_quick)
}

impl JobType {
    /// Returns the `JobTypeEndPoint` JSON.
    pub fn to_json(&self) -> Value {
        json!({
            "jobTypeId": self.id,
            "description": self.description,
            "isQuick": self.is_quick,
            "isMultiJob": self.is_multi_job,
        })
    }
}
