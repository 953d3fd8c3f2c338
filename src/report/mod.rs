//! Report writers: turn a [`RunState`] into the end-of-run summary table and the JUnit, JSON,
//! HTML and CSV files. They read saved state only, so `apply` and, later, `report` produce the
//! same files.

mod csv;
mod dag_svg;
mod format;
mod html;
mod json;
mod junit;
pub mod lines;
mod order;
pub mod progress;
mod summary;

use std::fs;
use std::path::{Path, PathBuf};

pub use self::csv::metrics_csv;
pub use self::html::html_report;
pub use self::json::{
    JSON_REPORT_VERSION, JsonCheck, JsonManifest, JsonReport, JsonStep, JsonTimes, json_report,
};
pub use self::junit::junit_xml;
pub use self::summary::summary_table;

use crate::state::RunState;

/// Report files to write. `None` skips that format.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportFiles {
    pub junit: Option<PathBuf>,
    pub json: Option<PathBuf>,
    pub html: Option<PathBuf>,
    pub csv: Option<PathBuf>,
}

impl ReportFiles {
    /// Returns whether no file is requested.
    pub fn is_empty(&self) -> bool {
        self.junit.is_none() && self.json.is_none() && self.html.is_none() && self.csv.is_none()
    }
}

/// A report that could not be rendered or written.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ReportError {
    #[error("failed to write {format} report {}", path.display())]
    #[diagnostic(help("check that the directory exists and is writable"))]
    Write {
        format: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to render the {format} report")]
    Render {
        format: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Writes every requested report file and returns the paths written, in the order JUnit, JSON,
/// HTML, CSV.
///
/// # Errors
///
/// Fails on the first file that cannot be rendered or written; files before it stay written.
pub fn write_reports(state: &RunState, files: &ReportFiles) -> Result<Vec<PathBuf>, ReportError> {
    let mut written = Vec::new();
    if let Some(path) = &files.junit {
        write_file("JUnit", path, &junit_xml(state))?;
        written.push(path.clone());
    }
    if let Some(path) = &files.json {
        let mut text = serde_json::to_string_pretty(&json_report(state)).map_err(|err| {
            ReportError::Render {
                format: "JSON",
                source: Box::new(err),
            }
        })?;
        text.push('\n');
        write_file("JSON", path, &text)?;
        written.push(path.clone());
    }
    if let Some(path) = &files.html {
        write_file("HTML", path, &html_report(state))?;
        written.push(path.clone());
    }
    if let Some(path) = &files.csv {
        let text = metrics_csv(state).map_err(|err| ReportError::Render {
            format: "CSV",
            source: Box::new(err),
        })?;
        write_file("CSV", path, &text)?;
        written.push(path.clone());
    }
    Ok(written)
}

/// Writes a report, creating its directory when missing.
fn write_file(format: &'static str, path: &Path, text: &str) -> Result<(), ReportError> {
    let error = |source| ReportError::Write {
        format,
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(error)?;
    }
    fs::write(path, text).map_err(error)
}
