//! Resolved pipeline templates.

use super::{Client, segment};
use crate::smrtlink::error::ApiError;
use crate::smrtlink::models::PipelineTemplate;

/// Prefix of SMRT Link 12 workflow ids, added to short ids such as `pb_sat`.
const WORKFLOW_PREFIX: &str = "cromwell.workflows.";

impl Client {
    /// Lists all resolved pipeline templates, the non-public ones included
    /// ([`PipelineTemplate::is_public`] tells them apart).
    pub async fn pipeline_templates(&self) -> Result<Vec<PipelineTemplate>, ApiError> {
        self.get_json("/smrt-link/resolved-pipeline-templates")
            .await
    }

    /// Fetches one template. A short id without dots, such as `pb_sat`, is expanded to
    /// `cromwell.workflows.pb_sat` as PBC does. A 404 means no such pipeline.
    pub async fn pipeline_template(&self, pipeline_id: &str) -> Result<PipelineTemplate, ApiError> {
        let id = full_pipeline_id(pipeline_id);
        self.get_json(format!(
            "/smrt-link/resolved-pipeline-templates/{}",
            segment(&id)
        ))
        .await
    }
}

/// Expands a short pipeline id (no dots) to its `cromwell.workflows.` form.
pub fn full_pipeline_id(pipeline_id: &str) -> String {
    if pipeline_id.contains('.') {
        pipeline_id.to_string()
    } else {
        format!("{WORKFLOW_PREFIX}{pipeline_id}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_ids_are_expanded() {
        assert_eq!(full_pipeline_id("pb_sat"), "cromwell.workflows.pb_sat");
        assert_eq!(
            full_pipeline_id("cromwell.workflows.pb_sat"),
            "cromwell.workflows.pb_sat"
        );
        assert_eq!(
            full_pipeline_id("pbsmrtpipe.pipelines.sa3_sat"),
            "pbsmrtpipe.pipelines.sa3_sat"
        );
    }
}
