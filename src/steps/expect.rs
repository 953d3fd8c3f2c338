//! Acceptance checks of `report-metrics`: `expect` maps a report attribute to conditions.
//!
//! Three spellings are accepted: `attr = { ge = 0.8 }`, the smrtflow testkit shorthand
//! `attr__ge = 0.8`, and `attr = value` for equality.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::common::{FieldError, is_deferred};
use crate::manifest::error::lookup_hint;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// The operator names, as written in manifests.
pub const OPERATORS: &[&str] = &["eq", "ne", "lt", "le", "gt", "ge"];

impl CompareOp {
    /// Parses an operator name.
    pub fn from_name(name: &str) -> Option<CompareOp> {
        Some(match name {
            "eq" => CompareOp::Eq,
            "ne" => CompareOp::Ne,
            "lt" => CompareOp::Lt,
            "le" => CompareOp::Le,
            "gt" => CompareOp::Gt,
            "ge" => CompareOp::Ge,
            _ => return None,
        })
    }

    /// Returns the operator name.
    pub const fn name(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
        }
    }

    /// Compares an actual metric value with the expected one. Numbers compare numerically,
    /// booleans and strings only with `eq`/`ne`; other combinations are an error.
    pub fn holds(
        self,
        actual: &serde_json::Value,
        expected: &serde_json::Value,
    ) -> Result<bool, String> {
        use serde_json::Value as J;
        match (actual, expected) {
            (J::Number(a), J::Number(e)) => {
                let (Some(a), Some(e)) = (a.as_f64(), e.as_f64()) else {
                    return Err("number out of range".to_string());
                };
                Ok(match self {
                    CompareOp::Eq => a == e,
                    CompareOp::Ne => a != e,
                    CompareOp::Lt => a < e,
                    CompareOp::Le => a <= e,
                    CompareOp::Gt => a > e,
                    CompareOp::Ge => a >= e,
                })
            }
            (J::Bool(_), J::Bool(_)) | (J::String(_), J::String(_)) => match self {
                CompareOp::Eq => Ok(actual == expected),
                CompareOp::Ne => Ok(actual != expected),
                _ => Err(format!(
                    "`{}` needs numbers; use `eq` or `ne` here",
                    self.name()
                )),
            },
            _ => Err(format!("cannot compare {actual} with {expected}")),
        }
    }
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One acceptance check: `attr op value`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// A full attribute id (`report.attr`) or its last segment.
    pub attr: String,
    pub op: CompareOp,
    pub value: serde_json::Value,
}

/// Parses an `expect` table into checks, in key order.
pub fn parse(expect: &BTreeMap<String, serde_json::Value>) -> Result<Vec<Check>, FieldError> {
    let mut checks = Vec::new();
    for (key, value) in expect {
        if let Some((attr, op_name)) = key.rsplit_once("__") {
            let op = parse_op(op_name, &["expect", key])?;
            checks.push(Check {
                attr: attr.to_string(),
                op,
                value: operand_value(op, value, &["expect", key])?,
            });
            continue;
        }
        match value {
            serde_json::Value::Object(ops) => {
                if ops.is_empty() {
                    return Err(FieldError::new(&["expect", key], "empty condition")
                        .help("write e.g. `{ ge = 0.8 }`"));
                }
                for (op_name, operand) in ops {
                    let op = parse_op(op_name, &["expect", key, op_name])?;
                    let value = operand_value(op, operand, &["expect", key, op_name])?;
                    checks.push(Check {
                        attr: key.clone(),
                        op,
                        value,
                    });
                }
            }
            other => checks.push(Check {
                attr: key.clone(),
                op: CompareOp::Eq,
                value: scalar(other, &["expect", key])?,
            }),
        }
    }
    Ok(checks)
}

fn parse_op(name: &str, path: &[&str]) -> Result<CompareOp, FieldError> {
    CompareOp::from_name(name).ok_or_else(|| {
        FieldError::new(path, format!("unknown comparison operator `{name}`"))
            .help(lookup_hint(name, "operators", OPERATORS.iter().copied()))
            .at_key()
    })
}

/// Checks an operand against its operator: `lt`, `le`, `gt` and `ge` need a finite number, or
/// text that parses as one (a quoted `{{ vars.x }}` renders as text, and the runner compares it
/// as a number). A placeholder for a value known after another step passes, because it is
/// checked again once rendered.
fn operand_value(
    op: CompareOp,
    value: &serde_json::Value,
    path: &[&str],
) -> Result<serde_json::Value, FieldError> {
    let value = scalar(value, path)?;
    if matches!(op, CompareOp::Eq | CompareOp::Ne) {
        return Ok(value);
    }
    let numeric = match &value {
        serde_json::Value::Number(n) => n.as_f64().is_some_and(f64::is_finite),
        serde_json::Value::String(text) if is_deferred(text) => true,
        serde_json::Value::String(text) => text.trim().parse::<f64>().is_ok_and(f64::is_finite),
        _ => false,
    };
    if numeric {
        return Ok(value);
    }
    let found = match &value {
        serde_json::Value::String(text) => format!("the string {text:?}"),
        serde_json::Value::Bool(flag) => format!("the boolean `{flag}`"),
        other => format!("`{other}`"),
    };
    Err(FieldError::new(
        path,
        format!("`{}` needs a finite number, found {found}", op.name()),
    )
    .help(format!(
        "write a number such as `{} = 0.8`; when the value comes from a variable, set it to a number, e.g. `--var NAME=0.8`",
        op.name()
    )))
}

fn scalar(value: &serde_json::Value, path: &[&str]) -> Result<serde_json::Value, FieldError> {
    match value {
        serde_json::Value::Number(_)
        | serde_json::Value::Bool(_)
        | serde_json::Value::String(_) => Ok(value.clone()),
        _ => Err(FieldError::new(
            path,
            "an expected value must be a number, boolean or string",
        )
        .help("compare one metric with one value, e.g. `mapped_reads_n = { gt = 0 }`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn three_spellings_parse() {
        let expect: BTreeMap<String, serde_json::Value> = serde_json::from_value(json!({
            "mapped_reads_n": { "gt": 0, "le": 100 },
            "blast_identity__ge": 0.8,
            "instrument": "54006",
        }))
        .expect("valid JSON");
        let checks = parse(&expect).expect("valid checks");
        let summary: Vec<(String, CompareOp)> =
            checks.iter().map(|c| (c.attr.clone(), c.op)).collect();
        assert_eq!(
            summary,
            vec![
                ("blast_identity".to_string(), CompareOp::Ge),
                ("instrument".to_string(), CompareOp::Eq),
                ("mapped_reads_n".to_string(), CompareOp::Gt),
                ("mapped_reads_n".to_string(), CompareOp::Le),
            ]
        );
    }

    #[test]
    fn comparisons_follow_types() {
        assert_eq!(CompareOp::Ge.holds(&json!(0.85), &json!(0.8)), Ok(true));
        assert_eq!(CompareOp::Lt.holds(&json!(3), &json!(2.5)), Ok(false));
        assert_eq!(
            CompareOp::Eq.holds(&json!("54006"), &json!("54006")),
            Ok(true)
        );
        assert_eq!(CompareOp::Ne.holds(&json!(true), &json!(false)), Ok(true));
        assert!(CompareOp::Gt.holds(&json!("a"), &json!("b")).is_err());
        assert!(CompareOp::Eq.holds(&json!(1), &json!("1")).is_err());
    }
}
