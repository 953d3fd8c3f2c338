//! Projects. Through the gateway these need a logged-in user.

use reqwest::Method;

use super::Client;
use super::request::Call;
use crate::smrtlink::error::ApiError;
use crate::smrtlink::models::{FullProject, Project, ProjectRequest};
use crate::smrtlink::retry::Safety;

impl Client {
    /// Lists the projects visible to the current user.
    pub async fn projects(&self) -> Result<Vec<Project>, ApiError> {
        self.get_json("/smrt-link/projects").await
    }

    /// Fetches one project with its datasets and members.
    pub async fn project(&self, id: i64) -> Result<FullProject, ApiError> {
        self.get_json(format!("/smrt-link/projects/{id}")).await
    }

    /// Creates a project; 409 when the name is taken or no member is an owner.
    ///
    /// Not retried after a reset, timeout or 5xx: a second POST would answer 409 if the first
    /// took effect, so look the project up by name instead.
    pub async fn create_project(&self, request: &ProjectRequest) -> Result<FullProject, ApiError> {
        self.send_json(Method::POST, "/smrt-link/projects", request, Safety::Unsafe)
            .await
    }

    /// Replaces a project's settings; fields left `None` stay unchanged.
    pub async fn update_project(
        &self,
        id: i64,
        request: &ProjectRequest,
    ) -> Result<FullProject, ApiError> {
        self.send_json(
            Method::PUT,
            format!("/smrt-link/projects/{id}"),
            request,
            Safety::Idempotent,
        )
        .await
    }

    /// Soft-deletes a project; its datasets and jobs move to the General Project (id 1).
    pub async fn delete_project(&self, id: i64) -> Result<Project, ApiError> {
        let call = Call {
            method: Method::DELETE,
            path: format!("/smrt-link/projects/{id}"),
            query: &[],
            body: None,
            safety: Safety::Idempotent,
        };
        self.json(call).await
    }
}
