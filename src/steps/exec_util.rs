//! Helpers shared by the step executions: id conversions and name lookups with suggestions.

use anyhow::{anyhow, bail};

use crate::manifest::error::did_you_mean;
use crate::smrtlink::IdOrUuid;

use super::common::IdRef;

/// Converts a manifest id (an integer or a UUID string) to the client's id type.
pub fn id_or_uuid(id: &IdRef, what: &str) -> anyhow::Result<IdOrUuid> {
    match id {
        IdRef::Int(i) => i64::try_from(*i)
            .map(IdOrUuid::Id)
            .map_err(|_| anyhow!("{what} id {i} is too large")),
        IdRef::Text(text) => text
            .trim()
            .parse::<IdOrUuid>()
            .map_err(|_| anyhow!("{what} `{text}` is neither an integer id nor a UUID")),
    }
}

/// Converts a manifest project reference to the integer id the API needs (projects have no
/// UUID).
pub fn project_id(project: Option<&IdRef>) -> anyhow::Result<i64> {
    match project {
        None => Ok(1),
        Some(IdRef::Int(i)) => {
            i64::try_from(*i).map_err(|_| anyhow!("project id {i} is too large"))
        }
        Some(IdRef::Text(text)) => match text.trim().parse::<i64>() {
            Ok(id) if id > 0 => Ok(id),
            _ => {
                bail!("project `{text}` is not a project id; projects are addressed by integer id")
            }
        },
    }
}

/// Formats "did you mean `x`?" plus the list of valid names, for lookups that fail at run time.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str> + Clone) -> String {
    let mut listed: Vec<&str> = candidates.clone().into_iter().collect();
    listed.sort_unstable();
    let valid = listed
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ");
    match did_you_mean(name, candidates) {
        Some(best) => format!("did you mean `{best}`? valid values: {valid}"),
        None => format!("valid values: {valid}"),
    }
}

/// Builds the client's search criteria from a step's search body (API field to operator text).
pub fn criteria_from_body(
    body: serde_json::Map<String, serde_json::Value>,
) -> crate::smrtlink::SearchCriteria {
    let mut criteria = crate::smrtlink::SearchCriteria::new();
    for (field, value) in body {
        let text = match value {
            serde_json::Value::String(text) => text,
            other => other.to_string(),
        };
        criteria = criteria.raw(field, text);
    }
    criteria
}
