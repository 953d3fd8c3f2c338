//! One `[steps.<id>]` table: its kind, common keys, and option values as templates.

use std::sync::Arc;

use crate::manifest::error::{ManifestError, SourceFile, Span, lookup_hint};
use crate::manifest::raw::{RawEntry, RawKind, RawValue};
use crate::manifest::template::{
    TemplateString, Templates, Tpl, TplEntry, has_template, string_offset,
};
use crate::manifest::vars::check_name;
use crate::steps::Kind;

use super::header::{StepSettings, apply_settings};

/// Keys every step accepts besides its kind's options.
pub const COMMON_KEYS: &[&str] = &[
    "kind",
    "after",
    "for_each",
    "key",
    "timeout",
    "poll_interval",
    "poll_max",
];

/// A step as written, with templates compiled.
#[derive(Debug)]
pub struct StepDef {
    pub id: String,
    pub id_span: Span,
    pub kind: Kind,
    /// The kind's option keys (a table without the common keys).
    pub options: Tpl,
    pub for_each: Option<Tpl>,
    pub key: Option<Tpl>,
    pub after: Vec<(String, Span)>,
    pub settings: StepSettings,
    /// Steps read by option values, with the span of the first reference.
    pub value_deps: Vec<(String, Span)>,
    /// Steps read by `for_each` or `key`.
    pub fanout_deps: Vec<(String, Span)>,
}

impl StepDef {
    /// Returns whether the step fans out.
    pub fn fans_out(&self) -> bool {
        self.for_each.is_some()
    }

    /// Returns whether the step expands only after other steps have run.
    pub fn expands_at_runtime(&self) -> bool {
        !self.fanout_deps.is_empty()
    }
}

/// Parses one step table (templates compiled, names not yet checked against other steps).
pub fn parse(
    file: &SourceFile,
    entry: &RawEntry,
    templates: &mut Templates,
    defaults: StepSettings,
    render_setting: &dyn Fn(&Templates, &Tpl) -> Result<String, ManifestError>,
) -> Result<StepDef, ManifestError> {
    let id = entry.key.clone();
    check_name(&id).map_err(|help| {
        ManifestError::at(
            file,
            entry.key_span.clone(),
            format!("invalid step id `{id}`"),
            "not usable in templates",
        )
        .with_help(help)
    })?;
    let RawKind::Table(table) = &entry.value.kind else {
        return Err(ManifestError::at(
            file,
            entry.value.span.clone(),
            format!(
                "step `{id}` must be a table, found {}",
                entry.value.type_name()
            ),
            "expected a table",
        )
        .with_help(format!(
            "write `[steps.{id}]` and its keys on the lines below"
        )));
    };
    let Some(kind_entry) = table.get("kind") else {
        return Err(ManifestError::at(
            file,
            entry.key_span.clone(),
            format!("step `{id}` has no `kind`"),
            "this step",
        )
        .with_help(format!(
            "add `kind = \"...\"`; {}",
            lookup_hint("", "kinds", Kind::ALL.iter().map(|k| k.name()))
        )));
    };
    let kind = match kind_entry.value.as_str() {
        Some(name) => Kind::from_name(name).ok_or_else(|| {
            ManifestError::at(
                file,
                kind_entry.value.span.clone(),
                format!("unknown step kind `{name}`"),
                "unknown kind",
            )
            .with_help(lookup_hint(
                name,
                "kinds",
                Kind::ALL.iter().map(|k| k.name()),
            ))
        })?,
        None => {
            return Err(ManifestError::at(
                file,
                kind_entry.value.span.clone(),
                format!(
                    "`kind` must be a string, found {}",
                    kind_entry.value.type_name()
                ),
                "expected a string",
            )
            .with_help(lookup_hint("", "kinds", Kind::ALL.iter().map(|k| k.name()))));
        }
    };

    let mut options = Vec::new();
    let mut for_each = None;
    let mut key = None;
    let mut after = Vec::new();
    let mut setting_entries = Vec::new();
    for e in &table.entries {
        match e.key.as_str() {
            "kind" => {}
            "for_each" => for_each = Some(to_tpl(file, &e.value, templates)?),
            "key" => {
                if e.value.as_str().is_none() {
                    return Err(ManifestError::at(
                        file,
                        e.value.span.clone(),
                        format!("`key` must be a string, found {}", e.value.type_name()),
                        "expected a string",
                    )
                    .with_help("write e.g. `key = \"{{ item.name }}\"`"));
                }
                key = Some(to_tpl(file, &e.value, templates)?);
            }
            "after" => after = parse_after(file, &e.value)?,
            "timeout" | "poll_interval" | "poll_max" => setting_entries.push(e.clone()),
            _ => options.push(TplEntry {
                key: e.key.clone(),
                key_span: e.key_span.clone(),
                value: to_tpl(file, &e.value, templates)?,
            }),
        }
    }
    if key.is_some() && for_each.is_none() {
        let span = table
            .get("key")
            .map_or(entry.key_span.clone(), |e| e.key_span.clone());
        return Err(ManifestError::at(
            file,
            span,
            format!("step `{id}` has `key` but no `for_each`"),
            "key without fan-out",
        )
        .with_help(
            "`key` names fan-out instances; add `for_each = \"{{ ... }}\"` or remove `key`",
        ));
    }
    // Settings are needed at plan time, so their templates are rendered now (vars only).
    let mut rendered = Vec::with_capacity(setting_entries.len());
    for mut e in setting_entries {
        if e.value.as_str().is_some_and(has_template) {
            let tpl = to_tpl(file, &e.value, templates)?;
            e.value.kind = RawKind::String(render_setting(templates, &tpl)?);
        }
        rendered.push(e);
    }
    let settings_table = crate::manifest::raw::RawTable { entries: rendered };
    let settings = apply_settings(file, &settings_table, defaults, |_, text| {
        Ok(text.to_string())
    })?;
    Ok(StepDef {
        id,
        id_span: entry.key_span.clone(),
        kind,
        options: Tpl::Table {
            span: entry.value.span.clone(),
            entries: options,
        },
        for_each,
        key,
        after,
        settings,
        value_deps: Vec::new(),
        fanout_deps: Vec::new(),
    })
}

fn parse_after(file: &SourceFile, value: &RawValue) -> Result<Vec<(String, Span)>, ManifestError> {
    let help = "write `after = [\"step_a\", \"step_b\"]` with step ids";
    let RawKind::Array(items) = &value.kind else {
        return Err(ManifestError::at(
            file,
            value.span.clone(),
            format!(
                "`after` must be a list of step ids, found {}",
                value.type_name()
            ),
            "expected a list",
        )
        .with_help(help));
    };
    items
        .iter()
        .map(|item| match item.as_str() {
            Some(s) => Ok((s.to_string(), item.span.clone())),
            None => Err(ManifestError::at(
                file,
                item.span.clone(),
                format!("`after` must list step ids, found {}", item.type_name()),
                "expected a string",
            )
            .with_help(help)),
        })
        .collect()
}

/// Converts a raw value into a template tree, compiling every string with template syntax.
pub fn to_tpl(
    file: &SourceFile,
    value: &RawValue,
    templates: &mut Templates,
) -> Result<Tpl, ManifestError> {
    let span = value.span.clone();
    Ok(match &value.kind {
        RawKind::String(text) if has_template(text) => {
            let offset = string_offset(&file.text, value);
            match templates.compile(text, offset) {
                Ok(template) => Tpl::Template {
                    span,
                    template: Arc::new(template),
                },
                Err((err, template)) => {
                    return Err(template_error(
                        file,
                        &template,
                        &span,
                        &err,
                        "invalid template",
                    ));
                }
            }
        }
        RawKind::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.push(to_tpl(file, item, templates)?);
            }
            Tpl::Array { span, items: out }
        }
        RawKind::Table(table) => {
            let mut entries = Vec::with_capacity(table.entries.len());
            for e in &table.entries {
                entries.push(TplEntry {
                    key: e.key.clone(),
                    key_span: e.key_span.clone(),
                    value: to_tpl(file, &e.value, templates)?,
                });
            }
            Tpl::Table { span, entries }
        }
        _ => Tpl::Literal {
            span,
            value: value.to_json(),
        },
    })
}

/// Builds an error for a template that failed to compile or render, pointing inside the
/// string when possible.
pub fn template_error(
    file: &SourceFile,
    template: &TemplateString,
    value_span: &Span,
    err: &minijinja::Error,
    what: &str,
) -> ManifestError {
    let span = template.file_span(err.range(), value_span);
    let detail = err.detail().map_or_else(
        || err.kind().to_string(),
        |d| format!("{}: {d}", err.kind()),
    );
    let help = match err.kind() {
        minijinja::ErrorKind::UndefinedError => "names in scope are `vars`, `manifest`, `steps.<id>.<output>`, and `item` and `key` inside a fan-out; check the spelling".to_string(),
        minijinja::ErrorKind::SyntaxError => "templates use minijinja syntax: `{{ expression }}`, e.g. `{{ vars.reference }}`".to_string(),
        _ => format!("the value is `{}`", template.source),
    };
    ManifestError::at(file, span, format!("{what}: {detail}"), "here").with_help(help)
}
