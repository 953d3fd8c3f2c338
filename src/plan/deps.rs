//! Step dependencies: checking every name a template reads, the step graph, cycles and a
//! stable dependency order.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use serde_json::Map;

use crate::manifest::error::{ManifestError, SourceFile, Span, lookup_hint};
use crate::manifest::template::{TemplateString, Tpl};

use super::stepdef::StepDef;

/// Root names a template may read.
const ROOTS: &[&str] = &["vars", "manifest", "steps", "item", "key"];

struct Scope<'a> {
    file: &'a SourceFile,
    self_id: &'a str,
    allow_item: bool,
    steps: &'a [StepDef],
    index: &'a HashMap<String, usize>,
    vars: &'a Map<String, serde_json::Value>,
}

/// Checks the names every template of every step reads and fills in the step dependencies.
pub fn check_refs(
    file: &SourceFile,
    steps: &mut [StepDef],
    index: &HashMap<String, usize>,
    vars: &Map<String, serde_json::Value>,
) -> Result<(), ManifestError> {
    for i in 0..steps.len() {
        let (value_deps, fanout_deps) = {
            let step = &steps[i];
            let mut scope = Scope {
                file,
                self_id: &step.id,
                allow_item: step.fans_out(),
                steps,
                index,
                vars,
            };
            let value_deps = check_tpl(&scope, &step.options)?;
            let mut fanout_deps = Vec::new();
            if let Some(key) = &step.key {
                fanout_deps.extend(check_tpl(&scope, key)?);
            }
            if let Some(for_each) = &step.for_each {
                scope.allow_item = false;
                fanout_deps.extend(check_tpl(&scope, for_each)?);
            }
            for (after, span) in &step.after {
                if after == &step.id {
                    return Err(ManifestError::at(
                        file,
                        span.clone(),
                        format!("step `{after}` lists itself in `after`"),
                        "itself",
                    )
                    .with_help("remove it; `after` names other steps that must finish first"));
                }
                if !index.contains_key(after) {
                    return Err(unknown_step(&scope, after, span.clone()));
                }
            }
            (dedup(value_deps), dedup(fanout_deps))
        };
        steps[i].value_deps = value_deps;
        steps[i].fanout_deps = fanout_deps;
    }
    Ok(())
}

fn dedup(mut deps: Vec<(String, Span)>) -> Vec<(String, Span)> {
    let mut seen = std::collections::HashSet::new();
    deps.retain(|(s, _)| seen.insert(s.clone()));
    deps
}

fn check_tpl(scope: &Scope<'_>, tpl: &Tpl) -> Result<Vec<(String, Span)>, ManifestError> {
    let mut result = Ok(Vec::new());
    tpl.for_each_template(&mut |template, span| {
        if let Ok(deps) = &mut result {
            match check_template(scope, template, span) {
                Ok(found) => deps.extend(found),
                Err(err) => result = Err(err),
            }
        }
    });
    result
}

/// Returns the span of `needle` inside the template, or the whole value.
fn span_of(template: &TemplateString, needle: &str, value_span: &Span) -> Span {
    match (template.file_offset, template.source.find(needle)) {
        (Some(base), Some(pos)) => (base + pos)..(base + pos + needle.len()),
        _ => value_span.clone(),
    }
}

fn check_template(
    scope: &Scope<'_>,
    template: &TemplateString,
    span: &Span,
) -> Result<Vec<(String, Span)>, ManifestError> {
    let refs = &template.refs;
    let file = scope.file;
    if let Some(root) = refs.unknown_roots.first() {
        let mut help = lookup_hint(root, "names", ROOTS.iter().copied());
        if scope.vars.contains_key(root) {
            help = format!("variables are read as `vars.{root}`");
        } else if scope.index.contains_key(root) {
            help = format!("step outputs are read as `steps.{root}.<output>`");
        }
        return Err(ManifestError::at(
            file,
            span_of(template, root, span),
            format!("undefined name `{root}`"),
            "not defined",
        )
        .with_help(help));
    }
    for var in &refs.vars {
        if !scope.vars.contains_key(var) {
            let help = lookup_hint(var, "variables", scope.vars.keys().map(String::as_str));
            return Err(ManifestError::at(
                file,
                span_of(template, &format!("vars.{var}"), span),
                format!("undefined variable `vars.{var}`"),
                "not in [vars]",
            )
            .with_help(format!(
                "{help}; or define it in [vars], --vars-file or --var {var}=..."
            )));
        }
    }
    if (refs.uses_item || refs.uses_key) && !scope.allow_item {
        let name = if refs.uses_item { "item" } else { "key" };
        let help = if scope.steps[scope.index[scope.self_id]].fans_out() {
            format!(
                "`{name}` is not defined inside `for_each` itself, only in the step's other values"
            )
        } else {
            format!("`{name}` exists only in a step with `for_each`")
        };
        return Err(ManifestError::at(
            file,
            span_of(template, name, span),
            format!("undefined name `{name}`"),
            "outside a fan-out",
        )
        .with_help(help));
    }
    if refs.dynamic_steps {
        return Err(ManifestError::at(file, span_of(template, "steps", span), "`steps` must be followed by a step id", "dynamic step lookup")
            .with_help("write `steps.<id>.<output>`; dependencies are found from the step ids written in templates"));
    }
    let mut deps = Vec::new();
    for r in &refs.steps {
        let needle = match &r.output {
            Some(output) => format!("steps.{}.{output}", r.step),
            None => format!("steps.{}", r.step),
        };
        let at = span_of(template, &needle, span);
        if r.step == scope.self_id {
            return Err(ManifestError::at(
                file,
                at,
                format!("step `{}` refers to its own outputs", r.step),
                "self-reference",
            )
            .with_help(
                "a step cannot read what it produces; read another step's outputs or a variable",
            ));
        }
        let Some(&target) = scope.index.get(&r.step) else {
            return Err(unknown_step(scope, &r.step, at));
        };
        let target = &scope.steps[target];
        if let Some(output) = &r.output {
            if target.fans_out() {
                return Err(ManifestError::at(file, at, format!("`steps.{}` is a list because step `{}` fans out", r.step, r.step), "not a single step")
                    .with_help(format!("read one field of every instance with `{{{{ steps.{} | map(attribute='{output}') | list }}}}`", r.step)));
            }
            if !target.kind.outputs().contains(&output.as_str()) {
                let hint = lookup_hint(output, "outputs", target.kind.outputs().iter().copied());
                return Err(ManifestError::at(
                    file,
                    at,
                    format!(
                        "step `{}` ({}) has no output `{output}`",
                        r.step, target.kind
                    ),
                    "unknown output",
                )
                .with_help(hint));
            }
        }
        deps.push((r.step.clone(), at));
    }
    Ok(deps)
}

fn unknown_step(scope: &Scope<'_>, name: &str, span: Span) -> ManifestError {
    let help = lookup_hint(name, "step ids", scope.steps.iter().map(|s| s.id.as_str()));
    ManifestError::at(
        scope.file,
        span,
        format!("unknown step `{name}`"),
        "no such step",
    )
    .with_help(help)
}

/// Every dependency of a step with the span that creates it: value and fan-out references,
/// then `after`.
pub fn all_deps(step: &StepDef) -> Vec<(String, Span)> {
    let mut deps: Vec<(String, Span)> = step
        .value_deps
        .iter()
        .chain(&step.fanout_deps)
        .chain(&step.after)
        .cloned()
        .collect();
    let mut seen = std::collections::HashSet::new();
    deps.retain(|(s, _)| seen.insert(s.clone()));
    deps
}

/// Builds the step graph (edges from a dependency to its user) and returns the steps in a
/// dependency order that keeps manifest order where it can; a cycle is an error.
pub fn order(
    file: &SourceFile,
    steps: &[StepDef],
    index: &HashMap<String, usize>,
) -> Result<Vec<usize>, ManifestError> {
    let mut graph: DiGraph<usize, Span> = DiGraph::with_capacity(steps.len(), steps.len());
    for i in 0..steps.len() {
        graph.add_node(i);
    }
    for (i, step) in steps.iter().enumerate() {
        for (dep, span) in all_deps(step) {
            if let Some(&d) = index.get(&dep) {
                graph.add_edge(NodeIndex::new(d), NodeIndex::new(i), span);
            }
        }
    }
    let mut indegree: Vec<usize> = (0..steps.len())
        .map(|i| {
            graph
                .neighbors_directed(NodeIndex::new(i), Direction::Incoming)
                .count()
        })
        .collect();
    let mut ready: BinaryHeap<Reverse<usize>> = indegree
        .iter()
        .enumerate()
        .filter(|(_, d)| **d == 0)
        .map(|(i, _)| Reverse(i))
        .collect();
    let mut ordered = Vec::with_capacity(steps.len());
    while let Some(Reverse(i)) = ready.pop() {
        ordered.push(i);
        for next in graph.neighbors_directed(NodeIndex::new(i), Direction::Outgoing) {
            let n = next.index();
            indegree[n] -= 1;
            if indegree[n] == 0 {
                ready.push(Reverse(n));
            }
        }
    }
    if ordered.len() == steps.len() {
        return Ok(ordered);
    }
    Err(cycle_error(file, steps, &graph, &indegree))
}

/// Finds one cycle among the steps left with unmet dependencies and reports it as
/// `a -> b -> a`, where `a -> b` means `a` reads or waits for `b`.
fn cycle_error(
    file: &SourceFile,
    steps: &[StepDef],
    graph: &DiGraph<usize, Span>,
    indegree: &[usize],
) -> ManifestError {
    // Every step left has a dependency that is also left, so walking dependencies from any
    // of them must come back to a step already seen.
    let start = indegree.iter().position(|d| *d > 0).unwrap_or(0);
    let mut path = vec![start];
    let mut position = HashMap::from([(start, 0usize)]);
    let mut current = start;
    let cycle_start = loop {
        let next = graph
            .neighbors_directed(NodeIndex::new(current), Direction::Incoming)
            .map(|n| n.index())
            .find(|n| indegree[*n] > 0);
        let Some(next) = next else {
            break 0;
        };
        if let Some(&p) = position.get(&next) {
            break p;
        }
        position.insert(next, path.len());
        path.push(next);
        current = next;
    };
    let mut cycle: Vec<usize> = path[cycle_start..].to_vec();
    cycle.push(cycle[0]);
    let names: Vec<&str> = cycle.iter().map(|i| steps[*i].id.as_str()).collect();
    let span_of_edge = |user: usize, dep: usize| -> Span {
        graph
            .find_edge(NodeIndex::new(dep), NodeIndex::new(user))
            .and_then(|e| graph.edge_weight(e))
            .cloned()
            .unwrap_or_else(|| steps[user].id_span.clone())
    };
    let first_span = span_of_edge(cycle[0], cycle[1]);
    let mut err = ManifestError::at(
        file,
        first_span,
        format!("dependency cycle: {}", names.join(" -> ")),
        format!("`{}` needs `{}` here", names[0], names[1]),
    )
    .with_help("break the cycle: a step cannot wait, directly or through others, for itself");
    for pair in cycle.windows(2).skip(1) {
        let span = span_of_edge(pair[0], pair[1]);
        err = err.with_label(
            span,
            format!("`{}` needs `{}` here", steps[pair[0]].id, steps[pair[1]].id),
        );
    }
    err
}
