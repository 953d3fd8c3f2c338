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

impl Options {
    /// Creates the project, or, when an active project already has this name (an earlier
    /// apply created it), updates that one so that it contains at least the requested datasets and
    /// members. Dataset UUIDs are turned into the integer ids projects need.
    pub async fn execute(
        &self,
        ctx: &crate::run::context::StepContext,
    ) -> anyhow::Result<crate::run::context::StepSuccess> {
        use anyhow::Context as _;

        use crate::smrtlink::models::{ProjectDatasetRef, ProjectMember, ProjectRequest};

        let mut dataset_ids = Vec::new();
        for dataset in &self.datasets {
            dataset_ids.push(dataset_int_id(ctx, dataset).await?);
        }
        let members: Vec<ProjectMember> = self
            .members
            .iter()
            .map(|m| ProjectMember {
                login: m.login.clone(),
                role: m.role.to_api(),
            })
            .collect();

        let existing = ctx
            .client
            .projects()
            .await
            .context("listing projects to check whether the name is taken")?
            .into_iter()
            .find(|p| p.is_active && p.name == self.name);

        let mut request = ProjectRequest::new(self.name.clone(), self.description.clone());
        request.grant_role_to_all = self.grant_role_to_all.map(GrantRole::to_api);
        if !members.is_empty() {
            request.members = Some(members);
        }

        let (project, detail) = match existing {
            None => {
                if !dataset_ids.is_empty() {
                    request.datasets = Some(
                        dataset_ids
                            .iter()
                            .map(|id| ProjectDatasetRef { id: *id })
                            .collect(),
                    );
                }
                let created = ctx
                    .client
                    .create_project(&request)
                    .await
                    .with_context(|| format!("creating project `{}`", self.name))?;
                (created, "created")
            }
            Some(found) => {
                let current =
                    ctx.client.project(found.id).await.with_context(|| {
                        format!("reading project {} (`{}`)", found.id, self.name)
                    })?;
                let mut ids: Vec<i64> = current.datasets.iter().map(|d| d.id()).collect();
                for id in &dataset_ids {
                    if !ids.contains(id) {
                        ids.push(*id);
                    }
                }
                request.datasets =
                    Some(ids.into_iter().map(|id| ProjectDatasetRef { id }).collect());
                if let Some(wanted) = request.members.take() {
                    let mut all = current.members.clone();
                    for member in wanted {
                        match all.iter_mut().find(|m| m.login == member.login) {
                            Some(existing) => existing.role = member.role,
                            None => all.push(member),
                        }
                    }
                    request.members = Some(all);
                }
                let updated = ctx
                    .client
                    .update_project(found.id, &request)
                    .await
                    .with_context(|| format!("updating project {} (`{}`)", found.id, self.name))?;
                (updated, "already existed; updated")
            }
        };
        let id = project.project.id;
        Ok(crate::run::context::StepSuccess {
            detail: Some(format!("project {id} `{}` {detail}", self.name)),
            ..crate::run::context::StepSuccess::with_outputs(serde_json::json!({ "id": id }))
        })
    }
}

impl Role {
    fn to_api(self) -> crate::smrtlink::models::ProjectRole {
        use crate::smrtlink::models::ProjectRole;
        match self {
            Role::Owner => ProjectRole::Owner,
            Role::CanEdit => ProjectRole::CanEdit,
            Role::CanView => ProjectRole::CanView,
        }
    }
}

impl GrantRole {
    fn to_api(self) -> crate::smrtlink::models::GrantRole {
        use crate::smrtlink::models::GrantRole as Api;
        match self {
            GrantRole::CanEdit => Api::CanEdit,
            GrantRole::CanView => Api::CanView,
            GrantRole::None => Api::None,
        }
    }
}

/// Returns a dataset's integer id, looking a UUID up on the server.
async fn dataset_int_id(
    ctx: &crate::run::context::StepContext,
    dataset: &IdRef,
) -> anyhow::Result<i64> {
    use anyhow::Context as _;

    match super::exec_util::id_or_uuid(dataset, "dataset")? {
        crate::smrtlink::IdOrUuid::Id(id) => Ok(id),
        crate::smrtlink::IdOrUuid::Uuid(uuid) => Ok(ctx
            .client
            .dataset_by_uuid(uuid)
            .await
            .with_context(|| format!("looking up dataset {uuid}"))?
            .with_context(|| format!("the server has no dataset {uuid}; import it first"))?
            .id),
    }
}
