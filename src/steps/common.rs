//! Types shared by several step kinds: ids, dataset types, search filters, field errors.

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::manifest::error::{did_you_mean, lookup_hint};

/// A server id: an integer id or a UUID (the API accepts either for jobs and datasets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum IdRef {
    Int(u64),
    Text(String),
}

impl fmt::Display for IdRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdRef::Int(i) => write!(f, "{i}"),
            IdRef::Text(s) => f.write_str(s),
        }
    }
}

impl IdRef {
    /// Returns the id as JSON: a number for an integer id, a string for a UUID.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            IdRef::Int(i) => serde_json::Value::from(*i),
            IdRef::Text(s) => serde_json::Value::String(s.clone()),
        }
    }
}

/// A problem in one option value, found after deserialisation; the plan maps `path` to a span.
#[derive(Debug, Clone)]
pub struct FieldError {
    /// Keys (and array indexes) from the step table down to the value.
    pub path: Vec<String>,
    pub message: String,
    pub help: Option<String>,
    /// Whether the error is about the key itself rather than its value.
    pub at_key: bool,
}

impl FieldError {
    /// Creates an error about the value at `path`.
    pub fn new(path: &[&str], message: impl Into<String>) -> Self {
        FieldError {
            path: path.iter().map(|s| s.to_string()).collect(),
            message: message.into(),
            help: None,
            at_key: false,
        }
    }

    /// Adds a hint.
    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Marks the error as being about the key at `path`.
    #[must_use]
    pub fn at_key(mut self) -> Self {
        self.at_key = true;
        self
    }
}

pub use crate::dataset_xml::DATASET_TYPES;

/// Resolves a dataset type given as a short name, a MetaType or the last part of a MetaType
/// (`SubreadSet`), returning (MetaType, short name).
pub fn dataset_type(name: &str, path: &[&str]) -> Result<(&'static str, &'static str), FieldError> {
    let found = DATASET_TYPES.iter().find(|(meta, short)| {
        *short == name
            || meta.eq_ignore_ascii_case(name)
            || meta
                .rsplit('.')
                .next()
                .is_some_and(|last| last.eq_ignore_ascii_case(name))
    });
    found.copied().ok_or_else(|| {
        FieldError::new(path, format!("unknown dataset type `{name}`")).help(lookup_hint(
            name,
            "dataset types",
            DATASET_TYPES.iter().map(|(_, short)| *short),
        ))
    })
}

/// Search operators accepted in `filters` tables, with the prefix the API expects.
const FILTER_OPS: &[(&str, &str)] = &[
    ("eq", ""),
    ("ne", "not:"),
    ("lt", "lt:"),
    ("le", "lte:"),
    ("gt", "gt:"),
    ("ge", "gte:"),
    ("in", "in:"),
    ("like", "like:"),
    ("unlike", "unlike:"),
    ("start", "start:"),
    ("end", "end:"),
    ("range", "range:"),
];

/// A search parameter: its snake_case key in the manifest and its name in the API.
pub type SearchField = (&'static str, &'static str);

/// Converts a `filters` table into an API search-criteria body (string values with operator
/// prefixes), checking keys against `fields` and operators against the known ones.
pub fn search_criteria(
    filters: &BTreeMap<String, serde_json::Value>,
    fields: &[SearchField],
) -> Result<serde_json::Map<String, serde_json::Value>, FieldError> {
    let mut out = serde_json::Map::new();
    for (key, value) in filters {
        let Some((_, api_name)) = fields
            .iter()
            .find(|(snake, api)| snake == key || api == key)
        else {
            let hint = lookup_hint(key, "filter keys", fields.iter().map(|(s, _)| *s));
            return Err(
                FieldError::new(&["filters", key], format!("unknown filter key `{key}`"))
                    .help(hint)
                    .at_key(),
            );
        };
        out.insert(
            (*api_name).to_string(),
            serde_json::Value::String(filter_text(key, value)?),
        );
    }
    Ok(out)
}

fn filter_text(key: &str, value: &serde_json::Value) -> Result<String, FieldError> {
    match value {
        serde_json::Value::Array(items) => {
            let parts: Result<Vec<String>, FieldError> = items
                .iter()
                .map(|v| scalar_text(&["filters", key], v))
                .collect();
            Ok(format!("in:{}", parts?.join(",")))
        }
        serde_json::Value::Object(ops) => {
            if ops.len() != 1 {
                return Err(FieldError::new(
                    &["filters", key],
                    format!(
                        "filter `{key}` must have exactly one operator, found {}",
                        ops.len()
                    ),
                )
                .help("write e.g. `{ gt = 10 }`; the API takes one condition per field"));
            }
            let Some((op, operand)) = ops.iter().next() else {
                return Err(FieldError::new(&["filters", key], "empty filter"));
            };
            let Some((_, prefix)) = FILTER_OPS.iter().find(|(name, _)| name == op) else {
                let hint = lookup_hint(op, "operators", FILTER_OPS.iter().map(|(n, _)| *n));
                return Err(FieldError::new(
                    &["filters", key, op],
                    format!("unknown filter operator `{op}`"),
                )
                .help(hint)
                .at_key());
            };
            let text = match operand {
                serde_json::Value::Array(items) => {
                    let parts: Result<Vec<String>, FieldError> = items
                        .iter()
                        .map(|v| scalar_text(&["filters", key, op], v))
                        .collect();
                    parts?.join(",")
                }
                other => scalar_text(&["filters", key, op], other)?,
            };
            Ok(format!("{prefix}{text}"))
        }
        other => scalar_text(&["filters", key], other),
    }
}

fn scalar_text(path: &[&str], value: &serde_json::Value) -> Result<String, FieldError> {
    match value {
        serde_json::Value::String(s) => Ok(s.clone()),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        serde_json::Value::Bool(b) => Ok(b.to_string()),
        _ => Err(FieldError::new(
            path,
            "a filter value must be a string, number or boolean",
        )),
    }
}

/// Suggests the closest of `names` for an unknown value, for hints.
pub fn suggest(name: &str, names: &[&'static str]) -> Option<String> {
    did_you_mean(name, names.iter().copied()).map(|s| format!("did you mean `{s}`?"))
}

/// The first character of the placeholder that is used, at plan time, for a value that is only
/// known after another step has run. The placeholder is `\u{1}<step>\u{1}`.
pub const DEFERRED_MARK: char = '\u{1}';

/// Returns the placeholder for a value known after `step` runs.
pub fn deferred_placeholder(step: &str) -> String {
    format!("{DEFERRED_MARK}{step}{DEFERRED_MARK}")
}

/// Resolves a local path from the manifest against the manifest's directory, as an absolute
/// path (the server needs absolute paths).
pub fn resolve_local_path(base_dir: &std::path::Path, path: &str) -> std::path::PathBuf {
    let path = std::path::PathBuf::from(path);
    let joined = if path.is_absolute() {
        path
    } else {
        base_dir.join(path)
    };
    std::path::absolute(&joined).unwrap_or(joined)
}

/// Returns whether `text` is (or contains) a plan-time placeholder.
pub fn is_deferred(text: &str) -> bool {
    text.contains(DEFERRED_MARK)
}

/// Replaces every placeholder in `text` with `(known after <step>)`.
pub fn display_deferred(text: &str) -> String {
    let mut mark = [0u8; 4];
    display_deferred_with(text, DEFERRED_MARK.encode_utf8(&mut mark))
}

/// Replaces placeholders written with `mark` in place of the mark character, e.g. in JSON
/// text where it appears escaped.
pub fn display_deferred_with(text: &str, mark: &str) -> String {
    if !text.contains(mark) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut parts = text.split(mark);
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    // Parts alternate: step name, text, step name, text, ...
    for (i, part) in parts.enumerate() {
        if i % 2 == 0 {
            out.push_str("(known after ");
            out.push_str(part);
            out.push(')');
        } else {
            out.push_str(part);
        }
    }
    out
}

/// Replaces placeholders in every string of a JSON value.
pub fn display_deferred_json(value: &serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::String(s) => serde_json::Value::String(display_deferred(s)),
        serde_json::Value::Array(items) => items.iter().map(display_deferred_json).collect(),
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.iter()
                .map(|(k, v)| (display_deferred(k), display_deferred_json(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_display_as_known_after() {
        let text = format!("/jobs/{}/reports", deferred_placeholder("sat"));
        assert!(is_deferred(&text));
        assert_eq!(display_deferred(&text), "/jobs/(known after sat)/reports");
        assert_eq!(display_deferred("plain"), "plain");
        let escaped = "\"\\u0001sat\\u0001\"";
        assert_eq!(
            display_deferred_with(escaped, "\\u0001"),
            "\"(known after sat)\""
        );
    }

    #[test]
    fn dataset_types_resolve_by_any_name() {
        for name in ["subreads", "SubreadSet", "PacBio.DataSet.SubreadSet"] {
            assert_eq!(
                dataset_type(name, &[]).ok(),
                Some(("PacBio.DataSet.SubreadSet", "subreads"))
            );
        }
        let err = dataset_type("subread", &["type"]).expect_err("typo is rejected");
        assert_eq!(err.help.as_deref(), Some("did you mean `subreads`?"));
    }

    #[test]
    fn filters_become_operator_strings() {
        let filters: BTreeMap<String, serde_json::Value> =
            serde_json::from_value(serde_json::json!({
                "name": "lambda",
                "num_records": { "ge": 100 },
                "state": ["FAILED", "ABORTED"],
            }))
            .expect("valid JSON");
        let fields: &[SearchField] = &[
            ("name", "name"),
            ("num_records", "numRecords"),
            ("state", "state"),
        ];
        let criteria = search_criteria(&filters, fields).expect("valid filters");
        assert_eq!(criteria["name"], "lambda");
        assert_eq!(criteria["numRecords"], "gte:100");
        assert_eq!(criteria["state"], "in:FAILED,ABORTED");
    }
}
