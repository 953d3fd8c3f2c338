//! `wait-run`: wait until every collection of a run is in a terminal state.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::RequestPreview;
use super::common::FieldError;

/// Outputs: the run record and its collections (uuid, name, well, status, context, path).
pub const OUTPUTS: &[&str] = &["run", "collections"];

/// Options: the run by `run` (UUID) or by `run_name`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// The run's UUID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    /// The run's exact name; used when the UUID is not known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_name: Option<String>,
    /// Succeed even when collections end Failed or Aborted.
    #[serde(default)]
    pub allow_failed: bool,
}

impl Options {
    /// Checks that exactly one way to find the run is given.
    pub fn validate(&self) -> Result<(), FieldError> {
        match (&self.run, &self.run_name) {
            (Some(_), Some(_)) => Err(FieldError::new(
                &["run_name"],
                "`run` and `run_name` are both set",
            )
            .help("keep one: `run` is the run UUID, `run_name` its exact name")
            .at_key()),
            (None, None) => Err(FieldError::new(&[], "missing `run` or `run_name`")
                .help("add `run = \"{{ steps.design.uuid }}\"` or `run_name = \"...\"`")),
            _ => Ok(()),
        }
    }

    /// Returns the lookup and the polled collection request.
    pub fn preview(&self) -> Vec<RequestPreview> {
        let (lookup, run) = match (&self.run, &self.run_name) {
            (Some(uuid), _) => (
                RequestPreview::get(format!("/smrt-link/runs/{uuid}")),
                uuid.clone(),
            ),
            (None, name) => (
                RequestPreview::get(format!(
                    "/smrt-link/runs?name={}",
                    name.clone().unwrap_or_default()
                )),
                "(run uuid)".to_string(),
            ),
        };
        vec![
            lookup,
            RequestPreview::get(format!("/smrt-link/runs/{run}/collections"))
                .note("polled until every collection is Complete, Failed or Aborted"),
        ]
    }

    // Execution: the runner adds `async fn execute` here.
}

impl Options {
    /// Finds the run, then polls its collections (backing off from `poll_interval` towards
    /// `poll_max`) until every one is terminal. A Failed or Aborted collection fails the step
    /// unless `allow_failed` is set. The step's `timeout` bounds the wait.
    pub async fn execute(
        &self,
        ctx: &crate::run::context::StepContext,
    ) -> anyhow::Result<crate::run::context::StepSuccess> {
        use anyhow::Context as _;

        let run_uuid = self.find_run(ctx).await?;
        let mut interval = ctx.settings.poll_interval;
        let max = ctx.settings.poll_max.max(interval);
        let mut last_states: std::collections::BTreeMap<uuid::Uuid, String> =
            std::collections::BTreeMap::new();
        let collections = loop {
            ctx.limiter.acquire().await;
            match ctx.client.run_collections(run_uuid).await {
                Ok(collections) => {
                    log_changes(ctx, run_uuid, &collections, &mut last_states);
                    let done = !collections.is_empty()
                        && collections.iter().all(|c| c.status.is_terminal());
                    if done {
                        break collections;
                    }
                }
                Err(error) if error.is_not_found() => {
                    return Err(error).with_context(|| {
                        format!("reading the collections of run {run_uuid} (was the run deleted?)")
                    });
                }
                // A poll error is not a run failure: log it and poll again.
                Err(error) => {
                    tracing::warn!(step = %ctx.instance, run = %run_uuid, "polling the run's collections failed; polling again: {error}");
                }
            }
            tokio::time::sleep(interval).await;
            interval = interval.mul_f64(1.5).min(max);
        };

        let run = ctx
            .client
            .run(run_uuid)
            .await
            .with_context(|| format!("reading run {run_uuid} after its collections ended"))?;
        let failed: Vec<String> = collections
            .iter()
            .filter(|c| c.status.is_failure())
            .map(|c| {
                let reason = c
                    .termination_info
                    .as_deref()
                    .unwrap_or("no termination info");
                format!("{} `{}` ({}): {reason}", c.well, c.name, c.status)
            })
            .collect();
        if !failed.is_empty() && !self.allow_failed {
            anyhow::bail!(
                "{} of {} collection(s) of run `{}` did not complete: {}; set \
                 `allow_failed = true` to continue with the complete ones",
                failed.len(),
                collections.len(),
                run.summary.name,
                failed.join("; ")
            );
        }

        let outputs = serde_json::json!({
            "run": {
                "uuid": run.summary.unique_id.to_string(),
                "name": run.summary.name,
                "status": run.summary.status.as_ref().map(ToString::to_string),
                "context": run.summary.context,
            },
            "collections": collections.iter().map(collection_output).collect::<Vec<_>>(),
        });
        Ok(crate::run::context::StepSuccess {
            detail: Some(format!(
                "{} collection(s), {} not complete",
                collections.len(),
                failed.len()
            )),
            ..crate::run::context::StepSuccess::with_outputs(outputs)
        })
    }

    /// Resolves `run` (a UUID) or `run_name` to the run's UUID. When several runs have the
    /// name, the newest one is taken.
    async fn find_run(&self, ctx: &crate::run::context::StepContext) -> anyhow::Result<uuid::Uuid> {
        use anyhow::Context as _;

        if let Some(text) = &self.run {
            let uuid: uuid::Uuid = text.trim().parse().map_err(|_| {
                anyhow::anyhow!("run `{text}` is not a UUID; use `run_name` to find a run by name")
            })?;
            ctx.client
                .run(uuid)
                .await
                .with_context(|| format!("looking up run {uuid}"))?;
            return Ok(uuid);
        }
        let name = self.run_name.as_deref().unwrap_or_default();
        let filter = crate::smrtlink::RunFilter {
            name: Some(name.to_string()),
            ..crate::smrtlink::RunFilter::default()
        };
        let mut runs = ctx
            .client
            .runs(&filter)
            .await
            .with_context(|| format!("looking up the run named `{name}`"))?;
        runs.retain(|r| r.name == name);
        runs.sort_by_key(|r| r.created_at);
        let count = runs.len();
        let newest = runs.pop().with_context(|| {
            format!("the server has no run named `{name}`; check the name, or import its run design first")
        })?;
        if count > 1 {
            tracing::warn!(step = %ctx.instance, run = %newest.unique_id, "{count} runs are named `{name}`; waiting for the newest");
        }
        Ok(newest.unique_id)
    }
}

/// Logs each collection whose state changed since the last poll.
fn log_changes(
    ctx: &crate::run::context::StepContext,
    run: uuid::Uuid,
    collections: &[crate::smrtlink::models::CollectionMetadata],
    last_states: &mut std::collections::BTreeMap<uuid::Uuid, String>,
) {
    for collection in collections {
        let state = collection.status.to_string();
        if last_states.get(&collection.unique_id) != Some(&state) {
            tracing::info!(
                step = %ctx.instance,
                run = %run,
                collection = %collection.unique_id,
                well = %collection.well,
                "collection `{}` is {state}",
                collection.name
            );
            last_states.insert(collection.unique_id, state);
        }
    }
}

/// Builds one entry of the `collections` output. `path` is the SubreadSet XML that the
/// collection wrote into its collection directory, named after its movie. A
/// `collectionPathUri` that already names an XML file is taken as it is.
fn collection_output(c: &crate::smrtlink::models::CollectionMetadata) -> serde_json::Value {
    let path = match (&c.collection_path_uri, &c.context) {
        (Some(uri), _) if uri.ends_with(".xml") => Some(uri.clone()),
        (Some(dir), Some(movie)) => Some(
            std::path::Path::new(dir)
                .join(format!("{movie}.subreadset.xml"))
                .display()
                .to_string(),
        ),
        _ => None,
    };
    serde_json::json!({
        "uuid": c.unique_id.to_string(),
        "name": c.name,
        "well": c.well,
        "status": c.status.to_string(),
        "context": c.context,
        "path": path,
        "complete": !c.status.is_failure() && c.status.is_terminal(),
    })
}

#[cfg(test)]
mod tests {
    use super::collection_output;
    use crate::smrtlink::models::CollectionMetadata;

    fn collection(uri: Option<&str>, context: Option<&str>) -> CollectionMetadata {
        serde_json::from_value(serde_json::json!({
            "runId": "9d34149f-bd1f-4777-ab23-8799054c8cbf",
            "uniqueId": "c571327c-b01a-41de-a972-713cbf6cc1fc",
            "well": "A01",
            "name": "lambda",
            "context": context,
            "collectionPathUri": uri,
            "status": "Complete",
        }))
        .expect("valid collection")
    }

    #[test]
    fn collection_path_from_directory_and_movie() {
        let out = collection_output(&collection(
            Some("/runs/r1/1_A01"),
            Some("m64001_200101_000000"),
        ));
        assert_eq!(
            out["path"],
            "/runs/r1/1_A01/m64001_200101_000000.subreadset.xml"
        );
        assert_eq!(out["complete"], true);
    }

    #[test]
    fn collection_path_taken_as_xml() {
        let out = collection_output(&collection(
            Some("/runs/r1/1_A01/m1.subreadset.xml"),
            Some("m1"),
        ));
        assert_eq!(out["path"], "/runs/r1/1_A01/m1.subreadset.xml");
    }

    #[test]
    fn collection_path_missing_is_null() {
        let out = collection_output(&collection(None, Some("m1")));
        assert!(out["path"].is_null());
        let out = collection_output(&collection(Some("/runs/r1/1_A01"), None));
        assert!(out["path"].is_null());
    }
}
