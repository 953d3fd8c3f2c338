//! `/smrt-link/projects`: create, list, read, update and soft-delete projects.

use serde_json::{Value, json};

use super::{Ctx, Reply, created, json};
use crate::sim::error::{ApiError, ApiResult};
use crate::sim::models::{Member, Project, now_ts};
use crate::sim::store::Store;

const ROLES: &[&str] = &["OWNER", "CAN_EDIT", "CAN_VIEW"];

pub(super) fn route(ctx: &Ctx, segs: &[&str]) -> Reply {
    match (ctx.method.as_str(), segs) {
        ("GET", []) => list(ctx),
        ("POST", []) => create(ctx),
        (method, [id]) => {
            let id: i64 = id.parse().map_err(|_| {
                ApiError::not_found(format!(
                    "Unable to find project {id}: project ids are integers"
                ))
            })?;
            match method {
                "GET" => json(full(&ctx.sim.store(), id)?),
                "PUT" => update(ctx, id),
                "DELETE" => delete(ctx, id),
                _ => Err(ctx.no_route()),
            }
        }
        _ => Err(ctx.no_route()),
    }
}

/// Returns the project ids a list may show: `None` (no restriction) unless a user is known and
/// the query has no `projectId`. Then it is the user's projects, shared projects and project 1.
pub(crate) fn visible_projects(
    store: &Store,
    user: Option<&str>,
    pairs: &[(String, String)],
) -> Option<Vec<i64>> {
    let user = user?;
    if pairs.iter().any(|(k, _)| k == "projectId") {
        return None;
    }
    Some(
        store
            .projects
            .values()
            .filter(|p| {
                p.id == 1
                    || p.grant_role_to_all.is_some()
                    || p.members.iter().any(|m| m.login == user)
            })
            .map(|p| p.id)
            .collect(),
    )
}

fn list(ctx: &Ctx) -> Reply {
    let store = ctx.sim.store();
    let user = ctx.user.as_deref();
    let items: Vec<Value> = store
        .projects
        .values()
        .filter(|p| p.is_active)
        .filter(|p| {
            user.is_none_or(|u| {
                p.id == 1 || p.grant_role_to_all.is_some() || p.members.iter().any(|m| m.login == u)
            })
        })
        .map(Project::to_json)
        .collect();
    json(items)
}

fn full(store: &Store, id: i64) -> ApiResult<Value> {
    let p = store
        .projects
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("Unable to find project {id}")))?;
    let datasets: Vec<Value> = store
        .datasets
        .values()
        .filter(|d| d.project_id == id && d.is_active)
        .map(crate::sim::models::DataSet::to_meta_json)
        .collect();
    let mut v = p.to_json();
    v["datasets"] = Value::Array(datasets);
    v["members"] = json!(p.members);
    Ok(v)
}

/// The fields of a ProjectRequest; `None` means absent (unchanged in a PUT).
struct Request {
    name: Option<String>,
    description: Option<String>,
    state: Option<String>,
    grant_role_to_all: Option<Option<String>>,
    datasets: Option<Vec<i64>>,
    members: Option<Vec<Member>>,
}

fn parse_request(body: &Value) -> ApiResult<Request> {
    let text = |k: &str| -> ApiResult<Option<String>> {
        match body.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(ApiError::unprocessable(format!(
                "Invalid project `{k}` {other}: expected a string"
            ))),
        }
    };
    let state = text("state")?;
    if let Some(s) = &state
        && !["CREATED", "ACTIVE", "UPDATED"].contains(&s.as_str())
    {
        return Err(ApiError::unprocessable(format!(
            "Invalid project state `{s}`; use CREATED or ACTIVE"
        )));
    }
    let grant_role_to_all = match body.get("grantRoleToAll") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(s)) if s == "NONE" => Some(None),
        Some(Value::String(s)) if ROLES[1..].contains(&s.as_str()) => Some(Some(s.clone())),
        Some(other) => {
            return Err(ApiError::unprocessable(format!(
                "Invalid grantRoleToAll {other}; use CAN_EDIT, CAN_VIEW, NONE or null"
            )));
        }
    };
    let datasets = match body.get("datasets") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|d| {
                    d.get("id").and_then(Value::as_i64).ok_or_else(|| {
                        ApiError::unprocessable(format!(
                            "Invalid project dataset {d}: expected {{\"id\": <integer>}}"
                        ))
                    })
                })
                .collect::<ApiResult<Vec<_>>>()?,
        ),
        Some(other) => {
            return Err(ApiError::unprocessable(format!(
                "Invalid project datasets {other}: expected a list"
            )));
        }
    };
    let members = match body.get("members") {
        None | Some(Value::Null) => None,
        Some(v) => {
            let members: Vec<Member> = serde_json::from_value(v.clone()).map_err(|e| {
                ApiError::unprocessable(format!(
                    "Invalid project members {v}: expected [{{login, role}}] ({e})"
                ))
            })?;
            if let Some(m) = members.iter().find(|m| !ROLES.contains(&m.role.as_str())) {
                return Err(ApiError::unprocessable(format!(
                    "Invalid role `{}` for member {}; use OWNER, CAN_EDIT or CAN_VIEW",
                    m.role, m.login
                )));
            }
            Some(members)
        }
    };
    Ok(Request {
        name: text("name")?,
        description: text("description")?,
        state,
        grant_role_to_all,
        datasets,
        members,
    })
}

fn check_name(store: &Store, name: &str, except: Option<i64>) -> ApiResult<()> {
    let taken = store
        .projects
        .values()
        .any(|p| p.is_active && p.name == name && Some(p.id) != except);
    if taken {
        return Err(ApiError::conflict(format!(
            "There is already a project named '{name}'; choose another name"
        )));
    }
    Ok(())
}

fn check_owner(members: &[Member]) -> ApiResult<()> {
    if !members.iter().any(|m| m.role == "OWNER") {
        return Err(ApiError::conflict(
            "A project needs at least one member with role OWNER",
        ));
    }
    Ok(())
}

fn check_datasets(store: &Store, ids: &[i64]) -> ApiResult<()> {
    if let Some(id) = ids.iter().find(|id| !store.datasets.contains_key(id)) {
        return Err(ApiError::unprocessable(format!(
            "Unable to add dataset {id} to the project: it does not exist"
        )));
    }
    Ok(())
}

fn create(ctx: &Ctx) -> Reply {
    let req = parse_request(&ctx.json_body()?)?;
    let name = req
        .name
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::unprocessable("Missing project `name`"))?;
    let description = req
        .description
        .ok_or_else(|| ApiError::unprocessable("Missing project `description`"))?;
    // Without members, the requesting user becomes the owner.
    let members = match (req.members, &ctx.user) {
        (Some(m), _) if !m.is_empty() => m,
        (_, Some(user)) => vec![Member {
            login: user.clone(),
            role: "OWNER".into(),
        }],
        _ => Vec::new(),
    };
    let mut store = ctx.sim.store();
    check_name(&store, &name, None)?;
    check_owner(&members)?;
    let datasets = req.datasets.unwrap_or_default();
    check_datasets(&store, &datasets)?;
    let id = store.take_project_id();
    let now = now_ts();
    store.projects.insert(
        id,
        Project {
            id,
            name,
            description,
            state: req.state.unwrap_or_else(|| "CREATED".into()),
            created_at: now.clone(),
            updated_at: now,
            is_active: true,
            grant_role_to_all: req.grant_role_to_all.flatten(),
            created_by: ctx.user.clone(),
            members,
        },
    );
    for d in datasets {
        if let Some(ds) = store.datasets.get_mut(&d) {
            ds.project_id = id;
        }
    }
    let body = full(&store, id)?;
    drop(store);
    ctx.sim.touch();
    created(body)
}

fn update(ctx: &Ctx, id: i64) -> Reply {
    let req = parse_request(&ctx.json_body()?)?;
    let mut store = ctx.sim.store();
    let current = store
        .projects
        .get(&id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("Unable to find project {id}")))?;
    if let Some(name) = &req.name {
        check_name(&store, name, Some(id))?;
    }
    if let Some(members) = &req.members {
        check_owner(members)?;
    }
    if let Some(ds) = &req.datasets {
        check_datasets(&store, ds)?;
        // Datasets left out of the new list go back to the General Project.
        for d in store
            .datasets
            .values_mut()
            .filter(|d| d.project_id == id && !ds.contains(&d.id))
        {
            d.project_id = 1;
        }
        for d in ds {
            if let Some(record) = store.datasets.get_mut(d) {
                record.project_id = id;
            }
        }
    }
    let p = store
        .projects
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(format!("Unable to find project {id}")))?;
    p.name = req.name.unwrap_or(current.name);
    p.description = req.description.unwrap_or(current.description);
    p.state = req.state.unwrap_or(current.state);
    if let Some(g) = req.grant_role_to_all {
        p.grant_role_to_all = g;
    }
    if let Some(m) = req.members {
        p.members = m;
    }
    p.updated_at = now_ts();
    let body = full(&store, id)?;
    drop(store);
    ctx.sim.touch();
    json(body)
}

/// Soft delete: the project becomes inactive and its datasets and jobs move to project 1.
fn delete(ctx: &Ctx, id: i64) -> Reply {
    if id == 1 {
        return Err(ApiError::unprocessable(
            "The General Project (id 1) cannot be deleted",
        ));
    }
    let mut store = ctx.sim.store();
    let p = store
        .projects
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(format!("Unable to find project {id}")))?;
    p.is_active = false;
    p.updated_at = now_ts();
    let body = p.to_json();
    for d in store.datasets.values_mut().filter(|d| d.project_id == id) {
        d.project_id = 1;
    }
    for r in store.jobs.values_mut().filter(|r| r.job.project_id == id) {
        r.job.project_id = 1;
    }
    drop(store);
    ctx.sim.touch();
    json(body)
}
