//! Templates in manifest values: strict minijinja rendering, compiled once per distinct text,
//! and the static list of names each template reads (which gives the step dependencies).

use std::collections::HashSet;
use std::sync::Arc;

use minijinja::{AutoEscape, Environment, UndefinedBehavior};

use super::error::Span;
use super::raw::{RawKind, RawValue};

/// The minijinja environment holding every compiled template of a manifest.
pub struct Templates {
    env: Environment<'static>,
    compiled: HashSet<String>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Templates({} compiled)", self.compiled.len())
    }
}

/// Global functions of minijinja that a template may call; they are not manifest names.
const GLOBALS: &[&str] = &["range", "dict", "namespace", "debug"];

/// What a template reads, found by static analysis.
#[derive(Debug, Clone, Default)]
pub struct Refs {
    /// `steps.<step>` and, when written as an attribute, `.<output>`.
    pub steps: Vec<StepRef>,
    /// Names read under `vars.`.
    pub vars: Vec<String>,
    /// Root names other than `steps`, `vars`, `manifest`, `item`, `key` and the globals.
    pub unknown_roots: Vec<String>,
    /// Whether `steps` is used other than as `steps.<id>` (e.g. `steps[name]`).
    pub dynamic_steps: bool,
    pub uses_item: bool,
    pub uses_key: bool,
}

/// One `steps.<step>[.<output>]` reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRef {
    pub step: String,
    pub output: Option<String>,
}

/// A string value that contains template syntax.
#[derive(Debug)]
pub struct TemplateString {
    /// The text as written (after TOML unescaping).
    pub source: String,
    /// The name of the compiled template in the environment.
    name: String,
    /// Whether the value is exactly one `{{ expr }}` and keeps the expression's type.
    pub whole: bool,
    /// Added to an offset in the compiled text to get the offset in `source`.
    shift: isize,
    /// File offset of `source`'s first byte, when the TOML text maps one to one.
    pub file_offset: Option<usize>,
    pub refs: Refs,
}

impl TemplateString {
    /// Maps a byte range of the compiled template to a span in the manifest file.
    pub fn file_span(&self, range: Option<std::ops::Range<usize>>, value_span: &Span) -> Span {
        let (Some(range), Some(base)) = (range, self.file_offset) else {
            return value_span.clone();
        };
        let start = range.start as isize + self.shift;
        let end = range.end as isize + self.shift;
        if start < 0 || end as usize > self.source.len() || start > end {
            return value_span.clone();
        }
        (base + start as usize)..(base + end as usize)
    }
}

/// A manifest value whose strings may be templates, with the span of each part.
#[derive(Debug, Clone)]
pub enum Tpl {
    Literal {
        span: Span,
        value: serde_json::Value,
    },
    Template {
        span: Span,
        template: Arc<TemplateString>,
    },
    Array {
        span: Span,
        items: Vec<Tpl>,
    },
    Table {
        span: Span,
        entries: Vec<TplEntry>,
    },
}

/// One entry of a table value.
#[derive(Debug, Clone)]
pub struct TplEntry {
    pub key: String,
    pub key_span: Span,
    pub value: Tpl,
}

impl Tpl {
    /// Returns the span of the whole value.
    pub fn span(&self) -> &Span {
        match self {
            Tpl::Literal { span, .. }
            | Tpl::Template { span, .. }
            | Tpl::Array { span, .. }
            | Tpl::Table { span, .. } => span,
        }
    }

    /// Calls `f` for every template in the value.
    pub fn for_each_template<'a>(&'a self, f: &mut dyn FnMut(&'a Arc<TemplateString>, &'a Span)) {
        match self {
            Tpl::Literal { .. } => {}
            Tpl::Template { span, template } => f(template, span),
            Tpl::Array { items, .. } => items.iter().for_each(|i| i.for_each_template(f)),
            Tpl::Table { entries, .. } => {
                entries.iter().for_each(|e| e.value.for_each_template(f));
            }
        }
    }

    /// Finds the span of the value (or key) at `path`; stops at the deepest part written in
    /// the manifest when the path goes into a value produced by a template.
    pub fn locate(&self, path: &[String], at_key: bool) -> Span {
        let Some((first, rest)) = path.split_first() else {
            return self.span().clone();
        };
        match self {
            Tpl::Table { entries, .. } => match entries.iter().find(|e| &e.key == first) {
                Some(entry) if rest.is_empty() && at_key => entry.key_span.clone(),
                Some(entry) => entry.value.locate(rest, at_key),
                None => self.span().clone(),
            },
            Tpl::Array { items, .. } => {
                match first.parse::<usize>().ok().and_then(|i| items.get(i)) {
                    Some(item) => item.locate(rest, at_key),
                    None => self.span().clone(),
                }
            }
            _ => self.span().clone(),
        }
    }
}

/// Returns whether a string contains template syntax.
pub fn has_template(text: &str) -> bool {
    text.contains("{{") || text.contains("{%") || text.contains("{#")
}

/// Returns the expression inside `{{ ... }}` when the whole text is one expression, with its
/// byte offset in `text`.
fn whole_expression(text: &str) -> Option<(&str, usize)> {
    let lead = text.len() - text.trim_start().len();
    let trimmed = text.trim();
    let inner = trimmed.strip_prefix("{{")?.strip_suffix("}}")?;
    if inner.contains("{{") || inner.contains("}}") || inner.contains("{%") || inner.contains("%}")
    {
        return None;
    }
    let mut start = lead + 2;
    let mut inner = inner;
    if let Some(rest) = inner.strip_prefix('-') {
        inner = rest;
        start += 1;
    }
    let inner = inner.strip_suffix('-').unwrap_or(inner);
    Some((inner, start))
}

const WRAP_PREFIX: &str = "{% set value = (";
const WRAP_SUFFIX: &str = ") %}";

impl Templates {
    /// Creates an environment that fails on undefined names and never escapes output.
    pub fn new() -> Self {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| AutoEscape::None);
        env.set_debug(true);
        env.set_keep_trailing_newline(true);
        Templates {
            env,
            compiled: HashSet::new(),
        }
    }

    /// Compiles a template string (once per distinct text) and analyses the names it reads.
    pub fn compile(
        &mut self,
        source: &str,
        file_offset: Option<usize>,
    ) -> Result<TemplateString, (minijinja::Error, TemplateString)> {
        let (name, whole, shift) = match whole_expression(source) {
            Some((expr, start)) => {
                let name = format!("{WRAP_PREFIX}{expr}{WRAP_SUFFIX}");
                (name, true, start as isize - WRAP_PREFIX.len() as isize)
            }
            None => (source.to_string(), false, 0),
        };
        let mut template = TemplateString {
            source: source.to_string(),
            name: name.clone(),
            whole,
            shift,
            file_offset,
            refs: Refs::default(),
        };
        if !self.compiled.contains(&name) {
            if let Err(err) = self.env.add_template_owned(name.clone(), name.clone()) {
                return Err((err, template));
            }
            self.compiled.insert(name.clone());
        }
        let names = match self.env.get_template(&name) {
            Ok(t) => t.undeclared_variables(true),
            Err(err) => return Err((err, template)),
        };
        template.refs = analyse(names);
        Ok(template)
    }

    /// Renders a template with `ctx`; a whole expression keeps its type.
    pub fn render(
        &self,
        template: &TemplateString,
        ctx: &minijinja::Value,
    ) -> Result<serde_json::Value, minijinja::Error> {
        let compiled = self.env.get_template(&template.name)?;
        if template.whole {
            let captured = compiled.render_captured(ctx)?;
            let value = captured
                .state()
                .lookup("value")
                .unwrap_or(minijinja::Value::UNDEFINED);
            serde_json::to_value(&value).map_err(|err| {
                minijinja::Error::new(minijinja::ErrorKind::BadSerialization, err.to_string())
            })
        } else {
            compiled.render(ctx).map(serde_json::Value::String)
        }
    }
}

impl Default for Templates {
    fn default() -> Self {
        Templates::new()
    }
}

fn analyse(names: HashSet<String>) -> Refs {
    let mut refs = Refs::default();
    let mut sorted: Vec<String> = names.into_iter().collect();
    sorted.sort();
    for name in sorted {
        let mut parts = name.split('.');
        let root = parts.next().unwrap_or_default();
        match root {
            "steps" => match parts.next() {
                Some(step) => refs.steps.push(StepRef {
                    step: step.to_string(),
                    output: parts.next().map(str::to_string),
                }),
                None => refs.dynamic_steps = true,
            },
            "vars" => {
                if let Some(var) = parts.next() {
                    refs.vars.push(var.to_string());
                }
            }
            "manifest" => {}
            "item" => refs.uses_item = true,
            "key" => refs.uses_key = true,
            other if GLOBALS.contains(&other) => {}
            other => refs.unknown_roots.push(other.to_string()),
        }
    }
    refs
}

/// Returns the file offset of a string value's first character when the TOML text between the
/// quotes is exactly the value (no escapes), so template errors can point inside it.
pub fn string_offset(file_text: &str, value: &RawValue) -> Option<usize> {
    let RawKind::String(text) = &value.kind else {
        return None;
    };
    let raw = file_text.get(value.span.clone())?;
    for open in ["\"\"\"\n", "'''\n", "\"\"\"", "'''", "\"", "'"] {
        if let Some(rest) = raw.strip_prefix(open) {
            if rest.starts_with(text.as_str()) {
                return Some(value.span.start + open.len());
            }
        }
    }
    None
}
