//! Step instances: fan-out expansion, rendering of option values, and typed options.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::manifest::error::{ManifestError, SourceFile};
use crate::manifest::template::{Templates, Tpl};
use crate::steps::common::deferred_placeholder;
use crate::steps::{FieldError, StepOptions};

use super::de::{DeError, ValueDe};
use super::stepdef::{COMMON_KEYS, StepDef};
use super::{Plan, StepInstance, StepOutputs};

/// What rendering needs besides the step: the templates and the fixed context.
pub struct RenderEnv<'a> {
    pub file: &'a SourceFile,
    pub templates: &'a Templates,
    pub vars: &'a minijinja::Value,
    pub manifest: &'a minijinja::Value,
}

impl RenderEnv<'_> {
    /// Builds the template context for one instance.
    pub fn context(
        &self,
        steps: Option<&minijinja::Value>,
        item: Option<&Json>,
        key: Option<&str>,
    ) -> minijinja::Value {
        let mut ctx: BTreeMap<&str, minijinja::Value> = BTreeMap::new();
        ctx.insert("vars", self.vars.clone());
        ctx.insert("manifest", self.manifest.clone());
        if let Some(steps) = steps {
            ctx.insert("steps", steps.clone());
        }
        if let Some(item) = item {
            ctx.insert("item", minijinja::Value::from_serialize(item));
        }
        if let Some(key) = key {
            ctx.insert("key", minijinja::Value::from(key));
        }
        minijinja::Value::from_serialize(&ctx)
    }

    /// Renders a value tree. At plan time (`defer`), a template that reads step outputs is
    /// not rendered: it becomes a placeholder and the step is added to `deferred`.
    pub fn render(
        &self,
        tpl: &Tpl,
        ctx: &minijinja::Value,
        defer: bool,
        deferred: &mut Vec<String>,
    ) -> Result<Json, ManifestError> {
        Ok(match tpl {
            Tpl::Literal { value, .. } => value.clone(),
            Tpl::Template { span, template } => {
                if defer {
                    if let Some(first) = template.refs.steps.first() {
                        for r in &template.refs.steps {
                            if !deferred.contains(&r.step) {
                                deferred.push(r.step.clone());
                            }
                        }
                        return Ok(Json::String(deferred_placeholder(&first.step)));
                    }
                }
                self.templates.render(template, ctx).map_err(|err| {
                    super::stepdef::template_error(
                        self.file,
                        template,
                        span,
                        &err,
                        "cannot render template",
                    )
                })?
            }
            Tpl::Array { items, .. } => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(self.render(item, ctx, defer, deferred)?);
                }
                Json::Array(out)
            }
            Tpl::Table { entries, .. } => {
                let mut out = serde_json::Map::with_capacity(entries.len());
                for e in entries {
                    out.insert(e.key.clone(), self.render(&e.value, ctx, defer, deferred)?);
                }
                Json::Object(out)
            }
        })
    }

    /// Renders, deserialises and validates a step's options. Returns them with the steps
    /// whose outputs are still unknown (empty when `defer` is false).
    pub fn options(
        &self,
        step: &StepDef,
        ctx: &minijinja::Value,
        defer: bool,
    ) -> Result<(StepOptions, Vec<String>), ManifestError> {
        let mut deferred = Vec::new();
        let value = self.render(&step.options, ctx, defer, &mut deferred)?;
        let lenient = !deferred.is_empty();
        let options =
            StepOptions::deserialize_kind(step.kind, ValueDe::new(&value, lenient, COMMON_KEYS))
                .map_err(|err| self.de_error(step, err))?;
        options
            .validate()
            .map_err(|err| self.field_error(step, err))?;
        Ok((options, deferred))
    }

    fn de_error(&self, step: &StepDef, err: DeError) -> ManifestError {
        let span = if err.path.is_empty() {
            step.id_span.clone()
        } else {
            step.options.locate(&err.path, err.at_key)
        };
        let label = if err.at_key {
            "unknown key"
        } else if err.path.is_empty() {
            "in this step"
        } else {
            "here"
        };
        ManifestError::at(
            self.file,
            span,
            format!("step `{}` ({}): {}", step.id, step.kind, err.message),
            label,
        )
        .with_help_opt(err.help)
    }

    fn field_error(&self, step: &StepDef, err: FieldError) -> ManifestError {
        let span = if err.path.is_empty() {
            step.id_span.clone()
        } else {
            step.options.locate(&err.path, err.at_key)
        };
        let label = if err.path.is_empty() {
            "in this step"
        } else {
            "here"
        };
        ManifestError::at(
            self.file,
            span,
            format!("step `{}` ({}): {}", step.id, step.kind, err.message),
            label,
        )
        .with_help_opt(err.help)
    }

    /// Renders a fan-out's `for_each` and names its items: (key, item) in order.
    pub fn fanout_items(
        &self,
        step: &StepDef,
        ctx: &minijinja::Value,
    ) -> Result<Vec<(String, Json)>, ManifestError> {
        let Some(for_each) = &step.for_each else {
            return Ok(Vec::new());
        };
        let value = self.render(for_each, ctx, false, &mut Vec::new())?;
        let pairs: Vec<(Option<String>, Json)> = match value {
            Json::Array(items) => items.into_iter().map(|item| (None, item)).collect(),
            Json::Object(map) => map.into_iter().map(|(k, v)| (Some(k), v)).collect(),
            other => {
                return Err(ManifestError::at(
                    self.file,
                    for_each.span().clone(),
                    format!(
                        "`for_each` of step `{}` must give a list or table, found {}",
                        step.id,
                        json_type(&other)
                    ),
                    "not a list",
                )
                .with_help(
                    "give a list (`[\"a\", \"b\"]`), a table, or an expression that yields one",
                ));
            }
        };
        let mut out: Vec<(String, Json)> = Vec::with_capacity(pairs.len());
        let mut seen: std::collections::HashMap<String, usize> =
            std::collections::HashMap::with_capacity(pairs.len());
        for (position, (table_key, item)) in pairs.into_iter().enumerate() {
            let key = match &step.key {
                Some(key_tpl) => {
                    let item_ctx = self.context(
                        ctx.get_attr("steps")
                            .ok()
                            .filter(|v| !v.is_undefined())
                            .as_ref(),
                        Some(&item),
                        table_key.as_deref(),
                    );
                    match self.render(key_tpl, &item_ctx, false, &mut Vec::new())? {
                        Json::String(s) => s,
                        Json::Number(n) => n.to_string(),
                        other => {
                            return Err(ManifestError::at(
                                self.file,
                                key_tpl.span().clone(),
                                format!(
                                    "`key` of step `{}` must give a string, found {}",
                                    step.id,
                                    json_type(&other)
                                ),
                                "not a string",
                            )
                            .with_help("make `key` a text template such as `{{ item.name }}`"));
                        }
                    }
                }
                None => match (&table_key, &item) {
                    (Some(k), _) => k.clone(),
                    (None, Json::String(s)) => s.clone(),
                    (None, Json::Number(n)) => n.to_string(),
                    (None, _) => position.to_string(),
                },
            };
            let span = step.key.as_ref().unwrap_or(for_each).span().clone();
            if key.is_empty() || key.contains(['[', ']']) {
                return Err(ManifestError::at(self.file, span, format!("invalid fan-out key `{key}` in step `{}` (item {position})", step.id), "bad key")
                    .with_help("keys must be non-empty and contain no `[` or `]`; set `key = \"{{ item.name }}\"` or similar"));
            }
            if let Some(first) = seen.insert(key.clone(), position) {
                return Err(ManifestError::at(self.file, span, format!("duplicate fan-out key `{key}` in step `{}` (items {first} and {position})", step.id), "keys must be unique")
                    .with_help("instances are named `step[key]` so resume can match them; set `key` to something unique per item, e.g. `{{ item.name }}`"));
            }
            out.push((key, item));
        }
        Ok(out)
    }
}

fn json_type(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "a table",
    }
}

fn env(plan: &Plan) -> RenderEnv<'_> {
    RenderEnv {
        file: &plan.file,
        templates: &plan.templates,
        vars: &plan.vars_ctx,
        manifest: &plan.manifest_ctx,
    }
}

fn step_def<'a>(plan: &'a Plan, step: &str) -> Result<&'a StepDef, ManifestError> {
    plan.step_index
        .get(step)
        .map(|i| &plan.steps[*i])
        .ok_or_else(|| ManifestError::new(format!("internal error: unknown step `{step}`")))
}

/// Builds the `steps` context from finished outputs for the steps `deps` names.
fn steps_context(
    plan: &Plan,
    deps: &[(String, crate::manifest::Span)],
    outputs: &StepOutputs,
) -> Result<minijinja::Value, ManifestError> {
    let mut steps = serde_json::Map::new();
    for (dep, _) in deps {
        let def = step_def(plan, dep)?;
        let value = if def.fans_out() {
            let ids: Vec<String> = if def.expands_at_runtime() {
                let items = runtime_items(plan, def, outputs)?;
                items
                    .into_iter()
                    .map(|(key, _)| format!("{dep}[{key}]"))
                    .collect()
            } else {
                plan.nodes
                    .iter()
                    .filter(|n| n.step() == dep)
                    .map(|n| n.id().to_string())
                    .collect()
            };
            let mut list = Vec::with_capacity(ids.len());
            for id in ids {
                list.push(
                    outputs
                        .get(&id)
                        .cloned()
                        .ok_or_else(|| missing_output(&id))?,
                );
            }
            Json::Array(list)
        } else {
            outputs
                .get(dep)
                .cloned()
                .ok_or_else(|| missing_output(dep))?
        };
        steps.insert(dep.clone(), value);
    }
    Ok(minijinja::Value::from_serialize(&steps))
}

fn missing_output(id: &str) -> ManifestError {
    ManifestError::new(format!(
        "internal error: the outputs of `{id}` are needed but not recorded"
    ))
    .with_help(
        "this is a bug in slflow: a step was rendered before the steps it reads had finished",
    )
}

fn runtime_items(
    plan: &Plan,
    def: &StepDef,
    outputs: &StepOutputs,
) -> Result<Vec<(String, Json)>, ManifestError> {
    let steps = steps_context(plan, &def.fanout_deps, outputs)?;
    let env = env(plan);
    let ctx = env.context(Some(&steps), None, None);
    env.fanout_items(def, &ctx)
}

/// Renders an instance's options with the outputs of the steps it reads.
pub fn render_with_outputs(
    plan: &Plan,
    instance: &StepInstance,
    outputs: &StepOutputs,
) -> Result<StepOptions, ManifestError> {
    let def = step_def(plan, &instance.step)?;
    let steps = steps_context(plan, &def.value_deps, outputs)?;
    let env = env(plan);
    let ctx = env.context(
        Some(&steps),
        instance.item.as_ref(),
        instance.key.as_deref(),
    );
    env.options(def, &ctx, false)
        .map(|(options, _)| options)
        .map_err(|e| e.context(format!("rendering `{}`", instance.id)))
}

/// Expands a fan-out node once the steps its `for_each` reads have finished.
pub fn expand_runtime(
    plan: &Plan,
    step: &str,
    outputs: &StepOutputs,
) -> Result<Vec<StepInstance>, ManifestError> {
    let def = step_def(plan, step)?;
    let Some(super::PlanNode::Fanout(node)) = plan.node(step) else {
        return Err(ManifestError::new(format!(
            "internal error: step `{step}` does not expand at run time"
        )));
    };
    let items = runtime_items(plan, def, outputs)?;
    let mut all_deps = def.value_deps.clone();
    all_deps.extend(def.fanout_deps.iter().cloned());
    let steps = steps_context(plan, &all_deps, outputs)?;
    let env = env(plan);
    let mut out = Vec::with_capacity(items.len());
    for (key, item) in items {
        let ctx = env.context(Some(&steps), Some(&item), Some(&key));
        let (options, _) = env
            .options(def, &ctx, false)
            .map_err(|e| e.context(format!("expanding `{step}[{key}]`")))?;
        out.push(StepInstance {
            id: format!("{step}[{key}]"),
            step: step.to_string(),
            kind: def.kind,
            key: Some(key),
            item: Some(item),
            settings: def.settings,
            needs: node.needs.clone(),
            waits_for: Vec::new(),
            options,
        });
    }
    Ok(out)
}
