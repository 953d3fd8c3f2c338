//! The manifest's top-level tables: version, name, vars, server and defaults.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::manifest::error::{ManifestError, SourceFile, Span, lookup_hint};
use crate::manifest::raw::{RawEntry, RawKind, RawTable, RawValue};
use crate::manifest::vars::{self, VarOverrides};

/// Top-level keys of a manifest.
pub const TOP_KEYS: &[&str] = &[
    "version",
    "name",
    "description",
    "vars",
    "server",
    "defaults",
    "steps",
];

/// Keys of `[defaults]`, which every step may also set.
pub const SETTING_KEYS: &[&str] = &["timeout", "poll_interval", "poll_max"];

/// Per-step execution settings; they do not change a step's fingerprint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct StepSettings {
    /// Give up on the step after this long.
    #[serde(with = "humantime_serde_compat")]
    pub timeout: Duration,
    /// First wait between polls of a server job.
    #[serde(with = "humantime_serde_compat")]
    pub poll_interval: Duration,
    /// Longest wait between polls; the interval backs off towards it.
    #[serde(with = "humantime_serde_compat")]
    pub poll_max: Duration,
}

impl Default for StepSettings {
    fn default() -> Self {
        StepSettings {
            timeout: Duration::from_secs(24 * 3600),
            poll_interval: Duration::from_secs(5),
            poll_max: Duration::from_secs(60),
        }
    }
}

mod humantime_serde_compat {
    pub fn serialize<S: serde::Serializer>(
        d: &std::time::Duration,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_str(&humantime::format_duration(*d).to_string())
    }
}

/// The manifest header, with variables merged.
#[derive(Debug, Clone)]
pub struct Header {
    pub name: String,
    pub description: String,
    pub vars: Map<String, Value>,
    pub server_url: Option<String>,
    pub defaults: StepSettings,
    /// The `[steps]` table and the span of its key.
    pub steps: Option<(RawTable, Span)>,
}

/// Reads the top-level tables of a parsed manifest.
pub fn read(
    file: &SourceFile,
    root: &RawValue,
    overrides: &VarOverrides,
    stem: &str,
) -> Result<Header, ManifestError> {
    let Some(table) = root.as_table() else {
        return Err(ManifestError::new("the manifest must be a TOML table"));
    };
    if table.entries.is_empty() {
        return Err(
            ManifestError::at(file, 0..0, "the manifest is empty", "no content")
                .with_help("start with `version = 1` and add `[steps.<id>]` tables"),
        );
    }
    for entry in &table.entries {
        if !TOP_KEYS.contains(&entry.key.as_str()) {
            return Err(unknown_key(file, entry, "top-level keys", TOP_KEYS));
        }
    }
    read_version(file, table)?;
    let name = match table.get("name") {
        Some(e) => string_value(file, e)?,
        None => stem.to_string(),
    };
    let description = match table.get("description") {
        Some(e) => string_value(file, e)?,
        None => String::new(),
    };
    let mut defaults_vars = Map::new();
    if let Some(entry) = table.get("vars") {
        let vars_table = table_value(file, entry)?;
        for var in &vars_table.entries {
            vars::check_name(&var.key).map_err(|help| {
                ManifestError::at(
                    file,
                    var.key_span.clone(),
                    format!("invalid variable name `{}`", var.key),
                    "here",
                )
                .with_help(help)
            })?;
            defaults_vars.insert(var.key.clone(), var.value.to_json());
        }
    }
    let vars = vars::merge(defaults_vars, overrides)?;
    let server_url = match table.get("server") {
        Some(entry) => {
            let server = table_value(file, entry)?;
            let mut url = None;
            for e in &server.entries {
                match e.key.as_str() {
                    "url" => url = Some(string_value(file, e)?),
                    _ => return Err(unknown_key(file, e, "keys of [server]", &["url"])),
                }
            }
            url
        }
        None => None,
    };
    let defaults = match table.get("defaults") {
        Some(entry) => {
            let t = table_value(file, entry)?;
            for e in &t.entries {
                if !SETTING_KEYS.contains(&e.key.as_str()) {
                    return Err(unknown_key(file, e, "keys of [defaults]", SETTING_KEYS));
                }
            }
            apply_settings(file, t, StepSettings::default(), |_, text| {
                Ok(text.to_string())
            })?
        }
        None => StepSettings::default(),
    };
    let steps = match table.get("steps") {
        Some(entry) => Some((table_value(file, entry)?.clone(), entry.key_span.clone())),
        None => None,
    };
    Ok(Header {
        name,
        description,
        vars,
        server_url,
        defaults,
        steps,
    })
}

fn read_version(file: &SourceFile, table: &RawTable) -> Result<(), ManifestError> {
    let Some(entry) = table.get("version") else {
        let first = table.entries.first().map_or(0..0, |e| e.key_span.clone());
        return Err(ManifestError::at(
            file,
            first,
            "missing `version`",
            "the manifest starts here",
        )
        .with_help("add `version = 1` at the top of the manifest"));
    };
    match entry.value.kind {
        RawKind::Integer(1) => Ok(()),
        RawKind::Integer(n) => Err(ManifestError::at(
            file,
            entry.value.span.clone(),
            format!("unsupported manifest version {n}"),
            "this version",
        )
        .with_help("this slflow reads format version 1; write `version = 1`")),
        _ => Err(ManifestError::at(
            file,
            entry.value.span.clone(),
            format!(
                "`version` must be an integer, found {}",
                entry.value.type_name()
            ),
            "here",
        )
        .with_help("write `version = 1`")),
    }
}

/// Applies `timeout`, `poll_interval` and `poll_max` from a table over `base`; `render` turns
/// the text of a value into the duration text (templates are rendered by the caller).
pub fn apply_settings(
    file: &SourceFile,
    table: &RawTable,
    base: StepSettings,
    render: impl Fn(&RawEntry, &str) -> Result<String, ManifestError>,
) -> Result<StepSettings, ManifestError> {
    let mut settings = base;
    for entry in &table.entries {
        let slot = match entry.key.as_str() {
            "timeout" => &mut settings.timeout,
            "poll_interval" => &mut settings.poll_interval,
            "poll_max" => &mut settings.poll_max,
            _ => continue,
        };
        let Some(text) = entry.value.as_str() else {
            return Err(ManifestError::at(
                file,
                entry.value.span.clone(),
                format!(
                    "`{}` must be a duration string, found {}",
                    entry.key,
                    entry.value.type_name()
                ),
                "expected e.g. \"30s\"",
            )
            .with_help("write durations as text with a unit, e.g. \"30s\", \"5m\", \"12h\""));
        };
        let text = render(entry, text)?;
        *slot = humantime::parse_duration(text.trim()).map_err(|err| {
            ManifestError::at(
                file,
                entry.value.span.clone(),
                format!("invalid duration `{text}` for `{}`: {err}", entry.key),
                "not a duration",
            )
            .with_help("write a number with a unit, e.g. \"30s\", \"5m\", \"12h\", \"1h 30m\"")
        })?;
        if slot.is_zero() {
            return Err(ManifestError::at(
                file,
                entry.value.span.clone(),
                format!("`{}` must be longer than zero", entry.key),
                "zero",
            )
            .with_help("give a positive duration, e.g. \"5s\""));
        }
    }
    if settings.poll_interval > settings.poll_max {
        let span = table
            .get("poll_interval")
            .or_else(|| table.get("poll_max"))
            .map_or(0..0, |e| e.value.span.clone());
        return Err(ManifestError::at(file, span, format!(
            "`poll_interval` ({}) is longer than `poll_max` ({})",
            humantime::format_duration(settings.poll_interval),
            humantime::format_duration(settings.poll_max)
        ), "here")
        .with_help("the poll interval starts at `poll_interval` and backs off up to `poll_max`; make `poll_max` the larger one"));
    }
    Ok(settings)
}

/// Builds an "unknown key" error with a suggestion.
pub fn unknown_key(
    file: &SourceFile,
    entry: &RawEntry,
    what: &str,
    valid: &[&str],
) -> ManifestError {
    ManifestError::at(
        file,
        entry.key_span.clone(),
        format!("unknown key `{}`", entry.key),
        "unknown key",
    )
    .with_help(lookup_hint(&entry.key, what, valid.iter().copied()))
}

fn string_value(file: &SourceFile, entry: &RawEntry) -> Result<String, ManifestError> {
    entry.value.as_str().map(str::to_string).ok_or_else(|| {
        ManifestError::at(
            file,
            entry.value.span.clone(),
            format!(
                "`{}` must be a string, found {}",
                entry.key,
                entry.value.type_name()
            ),
            "expected a string",
        )
    })
}

fn table_value<'a>(file: &SourceFile, entry: &'a RawEntry) -> Result<&'a RawTable, ManifestError> {
    entry.value.as_table().ok_or_else(|| {
        ManifestError::at(
            file,
            entry.value.span.clone(),
            format!(
                "`{}` must be a table, found {}",
                entry.key,
                entry.value.type_name()
            ),
            "expected a table",
        )
        .with_help(format!(
            "write `[{}]` on its own line and the keys below it",
            entry.key
        ))
    })
}
