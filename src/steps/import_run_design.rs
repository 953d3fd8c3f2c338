//! `import-run-design`: create a run on the server from a run-design CSV.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::RequestPreview;
use super::common::FieldError;

/// Outputs: the run's UUID and name.
pub const OUTPUTS: &[&str] = &["uuid", "name"];

/// Options: exactly one of `csv` (a local file whose content is sent) or `server_path` (a CSV
/// path the server can read).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// Local run-design CSV, relative to the manifest's directory; its content is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csv: Option<String>,
    /// Path of a run-design CSV on the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_path: Option<String>,
}

impl Options {
    /// Checks that exactly one source is given.
    pub fn validate(&self) -> Result<(), FieldError> {
        match (&self.csv, &self.server_path) {
            (Some(_), Some(_)) => Err(FieldError::new(
                &["server_path"],
                "`csv` and `server_path` are both set",
            )
            .help("keep one: `csv` sends a local file, `server_path` names a file on the server")
            .at_key()),
            (None, None) => Err(FieldError::new(&[], "missing `csv` or `server_path`").help(
                "add `csv = \"run.csv\"` (a local file) or `server_path = \"/path/run.csv\"`",
            )),
            _ => Ok(()),
        }
    }

    /// Returns the import request.
    pub fn preview(&self) -> Vec<RequestPreview> {
        let body = match (&self.csv, &self.server_path) {
            (Some(csv), _) => serde_json::json!({ "content": format!("(content of {csv})") }),
            (None, Some(path)) => serde_json::json!({ "path": path }),
            (None, None) => serde_json::json!({}),
        };
        vec![RequestPreview::post("/smrt-link/import-run-design", body)]
    }

    // Execution: the runner adds `async fn execute` here.
}

impl Options {
    /// Sends the run design (the local CSV's content, or the server-side path) and returns the
    /// new run's UUID and name.
    ///
    /// NOTE: the import is not a job, so it carries no exactly-once tag. A failure after the
    /// server created the run (a reset, a timeout) leaves that run behind, and the next apply
    /// imports the design again.
    pub async fn execute(
        &self,
        ctx: &crate::run::context::StepContext,
    ) -> anyhow::Result<crate::run::context::StepSuccess> {
        use anyhow::Context as _;

        use crate::smrtlink::RunDesignSource;

        let (source, what) = match (&self.csv, &self.server_path) {
            (Some(csv), None) => {
                let local = ctx.local_path(csv);
                let content = std::fs::read_to_string(&local).with_context(|| {
                    format!(
                        "reading the run design CSV {} (the `csv` path is relative to the \
                         manifest's directory)",
                        local.display()
                    )
                })?;
                (
                    RunDesignSource::Content(content),
                    local.display().to_string(),
                )
            }
            (None, Some(path)) => (
                RunDesignSource::ServerPath(path.clone()),
                format!("{path} (on the server)"),
            ),
            _ => anyhow::bail!("give exactly one of `csv` and `server_path`"),
        };
        let imported = ctx
            .client
            .import_run_design(&source)
            .await
            .with_context(|| format!("importing the run design {what}"))?;
        let name = match imported.name.clone() {
            Some(name) => name,
            None => {
                ctx.client
                    .run(imported.uuid)
                    .await
                    .with_context(|| format!("reading run {} after its import", imported.uuid))?
                    .summary
                    .name
            }
        };
        tracing::info!(step = %ctx.instance, run = %imported.uuid, name = %name, "run design imported");
        Ok(crate::run::context::StepSuccess {
            detail: Some(format!("run `{name}` ({})", imported.uuid)),
            ..crate::run::context::StepSuccess::with_outputs(serde_json::json!({
                "uuid": imported.uuid.to_string(),
                "name": name,
            }))
        })
    }
}
