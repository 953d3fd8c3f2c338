//! The JSON Schema of the manifest, for editors (taplo / Even Better TOML) and for `schema`.
//!
//! Any typed value may also be a string, because a string can hold a template that renders
//! to the right type (`job = "{{ steps.sat.id }}"`); the schema cannot check those.

use serde_json::{Map, Value, json};

use crate::steps::{self, Kind};

const DURATION: &str = "A duration with a unit, e.g. \"30s\", \"5m\", \"12h\".";

fn kind_schema(kind: Kind) -> Value {
    let schema = match kind {
        Kind::ImportRunDesign => schemars::schema_for!(steps::import_run_design::Options),
        Kind::WaitRun => schemars::schema_for!(steps::wait_run::Options),
        Kind::ImportDataset => schemars::schema_for!(steps::import_dataset::Options),
        Kind::FindDatasets => schemars::schema_for!(steps::find_datasets::Options),
        Kind::MergeDatasets => schemars::schema_for!(steps::merge_datasets::Options),
        Kind::Analysis => schemars::schema_for!(steps::analysis::Options),
        Kind::RerunAnalysis => schemars::schema_for!(steps::rerun_analysis::Options),
        Kind::FindJobs => schemars::schema_for!(steps::find_jobs::Options),
        Kind::ReportMetrics => schemars::schema_for!(steps::report_metrics::Options),
        Kind::Download => schemars::schema_for!(steps::download::Options),
        Kind::DeleteJob => schemars::schema_for!(steps::delete_job::Options),
        Kind::CreateProject => schemars::schema_for!(steps::create_project::Options),
    };
    serde_json::to_value(schema).unwrap_or_default()
}

fn common_properties() -> Map<String, Value> {
    let duration = json!({ "type": "string", "description": DURATION });
    let mut props = Map::new();
    props.insert(
        "after".into(),
        json!({
            "type": "array", "items": { "type": "string" },
            "description": "Steps that must finish first although no value reads their outputs."
        }),
    );
    props.insert("for_each".into(), json!({
        "type": ["string", "array", "object"],
        "description": "Fan the step out over a list or table; `item` and `key` name the current one."
    }));
    props.insert(
        "key".into(),
        json!({
            "type": "string",
            "description": "Stable name of each fan-out instance, e.g. \"{{ item.name }}\"."
        }),
    );
    props.insert("timeout".into(), duration.clone());
    props.insert("poll_interval".into(), duration.clone());
    props.insert("poll_max".into(), duration);
    props
}

/// Widens every non-string `type` so that a template string is accepted too.
fn allow_templates(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(t) = map.get_mut("type") {
                match t {
                    Value::String(s) if s != "string" && s != "null" => {
                        *t = json!([s.clone(), "string"]);
                    }
                    Value::Array(types) if !types.iter().any(|x| x == "string") => {
                        types.push(json!("string"));
                    }
                    _ => {}
                }
            }
            for v in map.values_mut() {
                allow_templates(v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(allow_templates),
        _ => {}
    }
}

/// Returns the manifest's JSON Schema (draft 2020-12).
pub fn manifest_schema() -> Value {
    let mut defs = Map::new();
    let mut branches = Vec::new();
    for kind in Kind::ALL {
        let mut schema = kind_schema(kind);
        if let Some(obj) = schema.as_object_mut() {
            if let Some(Value::Object(kind_defs)) = obj.remove("$defs") {
                defs.extend(kind_defs);
            }
            obj.remove("$schema");
            obj.remove("title");
        }
        allow_templates(&mut schema);
        if let Some(obj) = schema.as_object_mut() {
            obj.insert("type".into(), json!("object"));
            obj.insert(
                "description".into(),
                json!(format!("A `{}` step.", kind.name())),
            );
        }
        if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
            props.extend(common_properties());
            props.insert("kind".into(), json!({ "const": kind.name() }));
        }
        branches.push(json!({
            "if": { "properties": { "kind": { "const": kind.name() } }, "required": ["kind"] },
            "then": schema,
        }));
    }
    let mut defs_value = Value::Object(defs);
    allow_templates(&mut defs_value);
    let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://github.com/slflow/slflow/schemas/manifest.schema.json",
        "title": "slflow manifest (format version 1)",
        "type": "object",
        "additionalProperties": false,
        "required": ["version", "steps"],
        "properties": {
            "version": { "const": 1, "description": "Manifest format version." },
            "name": { "type": "string", "description": "Name of the plan (default: the file stem)." },
            "description": { "type": "string" },
            "vars": { "type": "object", "description": "Variable defaults; --var and --vars-file override them." },
            "server": {
                "type": "object", "additionalProperties": false,
                "properties": { "url": { "type": "string", "description": "Server base URL; --server and SLFLOW_SERVER override it." } }
            },
            "defaults": {
                "type": "object", "additionalProperties": false,
                "properties": {
                    "timeout": { "type": "string", "description": DURATION },
                    "poll_interval": { "type": "string", "description": DURATION },
                    "poll_max": { "type": "string", "description": DURATION }
                }
            },
            "steps": {
                "type": "object",
                "description": "Steps by id; each has a `kind` and that kind's options.",
                "propertyNames": { "pattern": "^[A-Za-z_][A-Za-z0-9_]*$" },
                "additionalProperties": {
                    "type": "object",
                    "required": ["kind"],
                    "properties": { "kind": { "enum": kinds } },
                    "allOf": branches
                }
            }
        },
        "$defs": defs_value,
    })
}
