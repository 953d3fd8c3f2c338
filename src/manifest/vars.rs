//! Manifest variables: `[vars]` defaults, overridden by `--vars-file` and then by `--var`.

use serde_json::{Map, Value};

use super::error::{ManifestError, SourceFile, did_you_mean};
use super::raw::{self, RawKind};

/// Overrides from the command line.
#[derive(Debug, Clone, Default)]
pub struct VarOverrides {
    /// A TOML file of variables (`--vars-file`): its name and contents.
    pub file: Option<SourceFile>,
    /// `NAME=VALUE` arguments (`--var`), in order; a later one wins.
    pub args: Vec<String>,
}

/// Applies the overrides to the `[vars]` defaults.
///
/// A `--var` must name a variable of `[vars]`, so a misspelt name fails instead of being
/// ignored. A vars file may carry variables for other manifests too, so its extra keys only
/// get a warning; they are still set, and templates can read them.
pub fn merge(
    mut vars: Map<String, Value>,
    overrides: &VarOverrides,
) -> Result<Map<String, Value>, ManifestError> {
    let defined: Vec<String> = vars.keys().cloned().collect();
    if let Some(file) = &overrides.file {
        let root = raw::parse(file)?;
        let RawKind::Table(table) = &root.kind else {
            return Err(ManifestError::new(format!(
                "{}: expected a TOML table of variables",
                file.name
            )));
        };
        for entry in &table.entries {
            check_name(&entry.key).map_err(|help| {
                ManifestError::at(
                    file,
                    entry.key_span.clone(),
                    format!("invalid variable name `{}`", entry.key),
                    "here",
                )
                .with_help(help)
            })?;
            if !defined.contains(&entry.key) {
                tracing::warn!(
                    "the vars file {} sets `{}`, which [vars] of the manifest does not define",
                    file.name,
                    entry.key
                );
            }
            vars.insert(entry.key.clone(), entry.value.to_json());
        }
    }
    for arg in &overrides.args {
        let Some((name, text)) = arg.split_once('=') else {
            return Err(
                ManifestError::new(format!("invalid --var `{arg}`: expected NAME=VALUE"))
                    .with_help("write e.g. `--var min_concordance=0.85`"),
            );
        };
        let name = name.trim();
        check_name(name).map_err(|help| {
            ManifestError::new(format!(
                "invalid --var `{arg}`: `{name}` is not a variable name"
            ))
            .with_help(help)
        })?;
        if !defined.iter().any(|d| d == name) {
            return Err(ManifestError::new(format!(
                "invalid --var `{arg}`: the manifest defines no variable `{name}`"
            ))
            .with_help(undefined_var_help(name, &defined)));
        }
        let value = typed_value(text, vars.get(name));
        vars.insert(name.to_string(), value);
    }
    Ok(vars)
}

/// Builds the hint for a `--var` name that `[vars]` lacks: the likely intended name, if any,
/// and the names it defines.
fn undefined_var_help(name: &str, defined: &[String]) -> String {
    if defined.is_empty() {
        return "the manifest has no [vars] table; add the variable there with its default value first".to_string();
    }
    let listed: Vec<String> = defined.iter().map(|d| format!("`{d}`")).collect();
    let names = listed.join(", ");
    match did_you_mean(name, defined.iter().map(String::as_str)) {
        Some(best) => format!("did you mean `{best}`? The variables in [vars] are: {names}"),
        None => format!("the variables in [vars] are: {names}; add `{name}` to [vars] to set it"),
    }
}

/// Types a `--var` value: like the `[vars]` default when there is one (a string default keeps
/// the text as a string), otherwise a number or boolean when the text is one, else a string.
fn typed_value(text: &str, default: Option<&Value>) -> Value {
    if matches!(default, Some(Value::String(_))) {
        return Value::String(text.to_string());
    }
    if let Ok(i) = text.parse::<i64>() {
        return Value::from(i);
    }
    if let Ok(f) = text.parse::<f64>()
        && f.is_finite()
    {
        return Value::from(f);
    }
    match text {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => Value::String(text.to_string()),
    }
}

/// Checks that a name can be used as `vars.<name>` or `steps.<name>` in a template.
pub fn check_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(format!(
            "use letters, digits and `_`, starting with a letter (e.g. `{}`), so templates can write it after a dot",
            suggest_name(name)
        ))
    }
}

fn suggest_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        out.insert(0, 's');
    }
    out
}
