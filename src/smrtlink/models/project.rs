//! Projects and their members.

use serde::{Deserialize, Serialize};

use super::common::Timestamp;
use super::dataset::{DataSetRecord, default_true};
use super::{null_as_default, open_string_enum};

open_string_enum! {
    /// A member's role in a project.
    pub enum ProjectRole {
        Owner => "OWNER",
        CanEdit => "CAN_EDIT",
        CanView => "CAN_VIEW",
    }
}

open_string_enum! {
    /// The role every user gets in a project.
    pub enum GrantRole {
        CanEdit => "CAN_EDIT",
        CanView => "CAN_VIEW",
        None => "NONE",
    }
}

open_string_enum! {
    /// Project state; `UPDATED` is a legacy value.
    pub enum ProjectState {
        Created => "CREATED",
        Active => "ACTIVE",
        Updated => "UPDATED",
    }
}

/// A project as lists return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    pub id: i64,
    pub name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub description: String,
    #[serde(default)]
    pub state: Option<ProjectState>,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub updated_at: Option<Timestamp>,
    #[serde(default = "default_true")]
    pub is_active: bool,
    #[serde(default)]
    pub grant_role_to_all: Option<GrantRole>,
}

/// A project with its datasets and members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FullProject {
    #[serde(flatten)]
    pub project: Project,
    /// Some servers shorten these to `{id}`, so only `id` is required per entry.
    #[serde(default, deserialize_with = "null_as_default")]
    pub datasets: Vec<ProjectDataset>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub members: Vec<ProjectMember>,
}

/// A dataset of a project: the full record when the server sends it, at least its id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ProjectDataset {
    Full(Box<DataSetRecord>),
    Id { id: i64 },
}

impl ProjectDataset {
    /// Returns the dataset's integer id.
    pub fn id(&self) -> i64 {
        match self {
            ProjectDataset::Full(record) => record.id,
            ProjectDataset::Id { id } => *id,
        }
    }
}

/// A user and their role in a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectMember {
    pub login: String,
    pub role: ProjectRole,
}

/// A dataset reference in a project request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectDatasetRef {
    pub id: i64,
}

/// Body of project create and update. In an update an absent field means "unchanged".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectRequest {
    /// Unique among projects.
    pub name: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<ProjectState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_role_to_all: Option<GrantRole>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datasets: Option<Vec<ProjectDatasetRef>>,
    /// At least one member must be an `OWNER`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<ProjectMember>>,
}

impl ProjectRequest {
    /// Builds a request with only the required fields.
    pub fn new(name: impl Into<String>, description: impl Into<String>) -> Self {
        ProjectRequest {
            name: name.into(),
            description: description.into(),
            state: None,
            grant_role_to_all: None,
            datasets: None,
            members: None,
        }
    }
}
