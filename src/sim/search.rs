//! Search operators of the dataset and job list endpoints, for query parameters and POST
//! search bodies alike: `in:`, `like:`, `gt:`, `gte:`, `lt:`, `lte:`, `not:`, `unlike:`,
//! `start:`, `end:`, `range:` and, for `parentUuid`, `null`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use super::error::{ApiError, ApiResult};
use super::models::JobState;

/// The kind of a searchable field, which decides how a value is parsed and compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A plain value is a case-insensitive substring match (name, comments, path, createdBy).
    FreeText,
    /// A plain value is a case-insensitive exact match.
    Text,
    Int,
    DateTime,
    Uuid,
    /// A UUID that may be absent; `null` matches records without one.
    OptionalUuid,
    State,
    Bool,
}

/// Searchable dataset fields.
pub const DATASET_FIELDS: &[(&str, FieldKind)] = &[
    ("id", FieldKind::Int),
    ("jobId", FieldKind::Int),
    ("projectId", FieldKind::Int),
    ("numChildren", FieldKind::Int),
    ("uuid", FieldKind::Uuid),
    ("parentUuid", FieldKind::OptionalUuid),
    ("name", FieldKind::FreeText),
    ("path", FieldKind::FreeText),
    ("comments", FieldKind::FreeText),
    ("createdBy", FieldKind::FreeText),
    ("version", FieldKind::Text),
    ("tags", FieldKind::FreeText),
    ("numRecords", FieldKind::Int),
    ("totalLength", FieldKind::Int),
    ("createdAt", FieldKind::DateTime),
    ("updatedAt", FieldKind::DateTime),
    ("importedAt", FieldKind::DateTime),
    ("bioSampleName", FieldKind::FreeText),
    ("wellSampleName", FieldKind::FreeText),
    ("metadataContextId", FieldKind::Text),
    ("dnaBarcodeName", FieldKind::Text),
    ("runName", FieldKind::FreeText),
];

/// Searchable job fields.
pub const JOB_FIELDS: &[(&str, FieldKind)] = &[
    ("id", FieldKind::Int),
    ("projectId", FieldKind::Int),
    ("parentMultiJobId", FieldKind::Int),
    ("uuid", FieldKind::Uuid),
    ("name", FieldKind::FreeText),
    ("comment", FieldKind::FreeText),
    ("path", FieldKind::FreeText),
    ("createdBy", FieldKind::FreeText),
    ("createdByEmail", FieldKind::Text),
    ("smrtlinkVersion", FieldKind::Text),
    ("errorMessage", FieldKind::FreeText),
    ("tags", FieldKind::FreeText),
    ("subJobTypeId", FieldKind::Text),
    ("createdAt", FieldKind::DateTime),
    ("updatedAt", FieldKind::DateTime),
    ("jobUpdatedAt", FieldKind::DateTime),
    ("importedAt", FieldKind::DateTime),
    ("state", FieldKind::State),
];

#[derive(Debug, Clone)]
enum Op {
    Eq(Scalar),
    Ne(Scalar),
    In(Vec<Scalar>),
    Like(String),
    Unlike(String),
    Start(String),
    End(String),
    Gt(Scalar),
    Gte(Scalar),
    Lt(Scalar),
    Lte(Scalar),
    Range(Scalar, Scalar),
    IsNull,
}

#[derive(Debug, Clone, PartialEq, PartialOrd)]
enum Scalar {
    Text(String),
    Int(i64),
    Time(DateTime<Utc>),
    Uuid(Uuid),
    Bool(bool),
}

/// One parsed search criterion: a field, its kind and an operator with its operand.
#[derive(Debug, Clone)]
pub struct Filter {
    field: String,
    kind: FieldKind,
    op: Op,
}

/// Parsed list parameters: filters, paging and the `isActive` choice.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub filters: Vec<Filter>,
    pub limit: Option<usize>,
    pub marker: Option<usize>,
    pub is_active: Option<bool>,
}

impl ListQuery {
    /// Parses query parameters or a search body flattened to `(key, value)` pairs. Keys that
    /// are not searchable fields are ignored, as SMRT Link ignores them.
    ///
    /// # Errors
    /// 422 `Invalid Filter` for a value that does not parse for its field.
    pub fn parse(pairs: &[(String, String)], fields: &[(&str, FieldKind)]) -> ApiResult<Self> {
        let mut q = ListQuery::default();
        for (key, value) in pairs {
            match key.as_str() {
                "limit" => q.limit = Some(parse_usize(value)?),
                "marker" => q.marker = Some(parse_usize(value)?),
                "isActive" => q.is_active = Some(parse_bool(value)?),
                _ => {
                    if let Some((_, kind)) = fields.iter().find(|(f, _)| *f == key) {
                        q.filters.push(Filter::parse(key, *kind, value)?);
                    }
                }
            }
        }
        Ok(q)
    }

    /// True when `record` passes every filter.
    pub fn matches(&self, record: &Value) -> bool {
        self.filters.iter().all(|f| f.matches(record))
    }

    /// Applies `marker` (an offset) and `limit` to a list sorted by the caller.
    pub fn page<T>(&self, items: Vec<T>, default_limit: usize) -> Vec<T> {
        items
            .into_iter()
            .skip(self.marker.unwrap_or(0))
            .take(self.limit.unwrap_or(default_limit))
            .collect()
    }
}

/// Turns a POST search body (`{"uuid": "in:a,b", "limit": 10}`) into `(key, value)` pairs.
///
/// # Errors
/// 422 when the body is not a JSON object.
pub fn body_pairs(body: &Value) -> ApiResult<Vec<(String, String)>> {
    let Value::Object(map) = body else {
        return Err(ApiError::unprocessable(
            "Invalid search body: expected a JSON object of field -> value, e.g. {\"id\": \"in:1,2\"}",
        ));
    };
    Ok(map
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), text)
        })
        .collect())
}

impl Filter {
    /// Parses `value` for a field of the given kind.
    ///
    /// # Errors
    /// 422 `Invalid Filter \`value\`` when the operator or operand does not fit the kind.
    pub fn parse(field: &str, kind: FieldKind, value: &str) -> ApiResult<Filter> {
        let bad = || ApiError::invalid_filter(value);
        // Operators split at the first `:` only, so `lt:2019-03-01T00:00:00Z` keeps its time.
        let (prefix, operand) = match value.split_once(':') {
            Some((p, rest)) if is_operator(p) => (p, rest),
            _ => ("", value),
        };
        let scalar = |text: &str| parse_scalar(kind, text).ok_or_else(bad);
        let list = |text: &str| -> ApiResult<Vec<Scalar>> {
            text.split(',').map(|t| scalar(t.trim())).collect()
        };
        let text_kind = matches!(kind, FieldKind::FreeText | FieldKind::Text);
        let ordered = matches!(kind, FieldKind::Int | FieldKind::DateTime);
        let op = match prefix {
            "" if kind == FieldKind::OptionalUuid && operand.eq_ignore_ascii_case("null") => {
                Op::IsNull
            }
            "" => Op::Eq(scalar(operand)?),
            "in" if kind != FieldKind::DateTime && kind != FieldKind::Bool => {
                Op::In(list(operand)?)
            }
            "not" => Op::Ne(scalar(operand)?),
            "like" if text_kind => Op::Like(operand.to_lowercase()),
            "unlike" if text_kind => Op::Unlike(operand.to_lowercase()),
            "start" if text_kind => Op::Start(operand.to_lowercase()),
            "end" if text_kind => Op::End(operand.to_lowercase()),
            "gt" if ordered => Op::Gt(scalar(operand)?),
            "gte" if ordered => Op::Gte(scalar(operand)?),
            "lt" if ordered => Op::Lt(scalar(operand)?),
            "lte" if ordered => Op::Lte(scalar(operand)?),
            "range" if ordered => {
                let (a, b) = operand.split_once(',').ok_or_else(bad)?;
                Op::Range(scalar(a.trim())?, scalar(b.trim())?)
            }
            _ => return Err(bad()),
        };
        Ok(Filter {
            field: field.to_string(),
            kind,
            op,
        })
    }

    /// True when the record's field satisfies the operator.
    pub fn matches(&self, record: &Value) -> bool {
        let raw = record.get(&self.field).unwrap_or(&Value::Null);
        if let Op::IsNull = self.op {
            return raw.is_null();
        }
        let Some(actual) = record_scalar(self.kind, raw) else {
            return false;
        };
        let text = |s: &Scalar| match s {
            Scalar::Text(t) => t.to_lowercase(),
            _ => String::new(),
        };
        match &self.op {
            Op::Eq(v) if self.kind == FieldKind::FreeText => text(&actual).contains(&text(v)),
            Op::Eq(v) => actual == *v,
            Op::Ne(v) => actual != *v,
            Op::In(vs) => vs.contains(&actual),
            Op::Like(s) => text(&actual).contains(s.as_str()),
            Op::Unlike(s) => !text(&actual).contains(s.as_str()),
            Op::Start(s) => text(&actual).starts_with(s.as_str()),
            Op::End(s) => text(&actual).ends_with(s.as_str()),
            Op::Gt(v) => actual > *v,
            Op::Gte(v) => actual >= *v,
            Op::Lt(v) => actual < *v,
            Op::Lte(v) => actual <= *v,
            Op::Range(a, b) => actual >= *a && actual <= *b,
            Op::IsNull => raw.is_null(),
        }
    }
}

fn is_operator(prefix: &str) -> bool {
    matches!(
        prefix,
        "in" | "not" | "like" | "unlike" | "start" | "end" | "gt" | "gte" | "lt" | "lte" | "range"
    )
}

fn parse_scalar(kind: FieldKind, text: &str) -> Option<Scalar> {
    match kind {
        // Text comparisons ignore case; values are lower-cased once here.
        FieldKind::FreeText | FieldKind::Text => Some(Scalar::Text(text.to_lowercase())),
        FieldKind::Int => text.trim().parse().ok().map(Scalar::Int),
        FieldKind::DateTime => parse_time(text).map(Scalar::Time),
        FieldKind::Uuid | FieldKind::OptionalUuid => {
            Uuid::parse_str(text.trim()).ok().map(Scalar::Uuid)
        }
        FieldKind::State => {
            let state = JobState::parse(text);
            Some(Scalar::Text(state.as_str().to_lowercase()))
        }
        FieldKind::Bool => parse_bool(text).ok().map(Scalar::Bool),
    }
}

fn record_scalar(kind: FieldKind, value: &Value) -> Option<Scalar> {
    match (kind, value) {
        (_, Value::Null) => None,
        (FieldKind::Int, Value::Number(n)) => n.as_i64().map(Scalar::Int),
        (FieldKind::Bool, Value::Bool(b)) => Some(Scalar::Bool(*b)),
        (_, Value::String(s)) => parse_scalar(kind, s),
        (_, other) => parse_scalar(kind, &other.to_string()),
    }
}

/// Parses an ISO-8601 timestamp with or without an offset (no offset means UTC), or a date.
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

fn parse_usize(value: &str) -> ApiResult<usize> {
    value
        .trim()
        .parse()
        .map_err(|_| ApiError::invalid_filter(value))
}

fn parse_bool(value: &str) -> ApiResult<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ApiError::invalid_filter(value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn check(field: &str, value: &str, record: Value) -> bool {
        let q = ListQuery::parse(&pairs(&[(field, value)]), JOB_FIELDS).expect("filter parses");
        q.matches(&record)
    }

    #[test]
    fn int_operators() {
        let r = json!({"id": 5});
        assert!(check("id", "5", r.clone()));
        assert!(check("id", "in:1,5,7", r.clone()));
        assert!(check("id", "gt:4", r.clone()));
        assert!(!check("id", "gt:5", r.clone()));
        assert!(check("id", "gte:5", r.clone()));
        assert!(check("id", "lt:6", r.clone()));
        assert!(check("id", "lte:5", r.clone()));
        assert!(check("id", "not:4", r.clone()));
        assert!(check("id", "range:1,5", r.clone()));
        assert!(!check("id", "range:6,9", r));
    }

    #[test]
    fn text_operators_ignore_case() {
        let r = json!({"name": "Human SAT run", "subJobTypeId": "cromwell.workflows.pb_sat"});
        assert!(check("name", "human", r.clone()));
        assert!(check("name", "like:SAT", r.clone()));
        assert!(check("name", "unlike:ecoli", r.clone()));
        assert!(check("name", "start:hum", r.clone()));
        assert!(check("name", "end:RUN", r.clone()));
        assert!(check("subJobTypeId", "like:cromwell", r.clone()));
        assert!(!check("subJobTypeId", "cromwell", r.clone()));
        assert!(check("subJobTypeId", "in:a,cromwell.workflows.pb_sat", r));
    }

    #[test]
    fn datetime_split_at_first_colon() {
        let r = json!({"createdAt": "2019-02-01T10:00:00.000Z"});
        assert!(check("createdAt", "lt:2019-03-01T00:00:00.000Z", r.clone()));
        assert!(!check(
            "createdAt",
            "gt:2019-03-01T00:00:00.000Z",
            r.clone()
        ));
        assert!(check("createdAt", "gte:2019-02-01T02:00:00-08:00", r));
    }

    #[test]
    fn state_is_case_insensitive() {
        let r = json!({"state": "FAILED"});
        assert!(check("state", "failed", r.clone()));
        assert!(check("state", "in:SUCCESSFUL,FAILED", r.clone()));
        assert!(!check("state", "RUNNING", r));
    }

    #[test]
    fn parent_uuid_null() {
        let q =
            ListQuery::parse(&pairs(&[("parentUuid", "null")]), DATASET_FIELDS).expect("parses");
        assert!(q.matches(&json!({"parentUuid": null})));
        assert!(!q.matches(&json!({"parentUuid": "c9074f64-37e0-d795-9b8e-7190ac6f87a5"})));
    }

    #[test]
    fn invalid_values_are_422() {
        for (field, value) in [
            ("id", "abc"),
            ("id", "like:3"),
            ("createdAt", "in:2019-01-01"),
            ("uuid", "not-a-uuid"),
            ("createdAt", "gt:yesterday"),
        ] {
            let err = ListQuery::parse(&pairs(&[(field, value)]), JOB_FIELDS).unwrap_err();
            assert_eq!(err.status.as_u16(), 422, "{field}={value}");
            assert_eq!(err.message, format!("Invalid Filter `{value}`"));
        }
    }
}
