//! `create-project`: create a project with members and datasets; later steps may set
//! `project = "{{ steps.<id>.id }}"`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::RequestPreview;
use super::common::{FieldError, IdRef};

/// Outputs: the project id.
pub const OUTPUTS: &[&str] = &["id"];

/// A project role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Role {
    #[serde(rename = "OWNER")]
    Owner,
    #[serde(rename = "CAN_EDIT")]
    CanEdit,
    #[serde(rename = "CAN_VIEW")]
    CanView,
}

/// The role every user gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum GrantRole {
    #[serde(rename = "CAN_EDIT")]
    CanEdit,
    #[serde(rename = "CAN_VIEW")]
    CanView,
    #[serde(rename = "NONE")]
    None,
}

/// A project member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Member {
    pub login: String,
    pub role: Role,
}

/// Options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// Project name, unique on the server.
    pub name: String,
    /// Project description.
    #[serde(default)]
    pub description: String,
    /// Members and their roles; the server needs at least one OWNER, which defaults to the
    /// logged-in user.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<Member>,
    /// Datasets (ids) to move into the project.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub datasets: Vec<IdRef>,
    /// The role every user gets on the project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_role_to_all: Option<GrantRole>,
}

impl Options {
    /// Checks the name.
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.name.trim().is_empty() {
            return Err(FieldError::new(&["name"], "`name` is empty")
                .help("give the project a unique name"));
        }
        Ok(())
    }

    /// Returns the project request.
    pub fn preview(&self) -> Vec<RequestPreview> {
        let mut body = serde_json::json!({
            "name": self.name,
            "description": self.description,
        });
        if let Some(map) = body.as_object_mut() {
            if !self.members.is_empty() {
                map.insert(
                    "members".into(),
                    serde_json::to_value(&self.members).unwrap_or_default(),
                );
            }
            if !self.datasets.is_empty() {
                let ids: Vec<serde_json::Value> = self
                    .datasets
                    .iter()
                    .map(|id| serde_json::json!({ "id": id.to_json() }))
                    .collect();
                map.insert("datasets".into(), ids.into());
            }
            if let Some(grant) = self.grant_role_to_all {
                map.insert(
                    "grantRoleToAll".into(),
                    serde_json::to_value(grant).unwrap_or_default(),
                );
            }
        }
        vec![RequestPreview::post("/smrt-link/projects", body)]
    }

    // Execution: the runner adds `async fn execute` here.
}
