//! Plan construction: manifest -> step definitions -> checked references -> ordered DAG.

use std::collections::HashMap;

use petgraph::graph::{DiGraph, NodeIndex};

use crate::manifest::error::{ManifestError, SourceFile};
use crate::manifest::raw;
use crate::manifest::template::{Templates, Tpl};

use super::instances::RenderEnv;
use super::stepdef::{self, StepDef};
use super::{FanoutNode, Plan, PlanInput, PlanNode, StepInstance, deps, header};

/// Builds the plan from its input; see `Plan::build`.
pub fn build(input: &PlanInput) -> Result<Plan, ManifestError> {
    let file = &input.manifest;
    let root = raw::parse(file)?;
    let stem = std::path::Path::new(&*file.name).file_stem().map_or_else(
        || "manifest".to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    let header = header::read(file, &root, &input.overrides, &stem)?;
    let Some((steps_table, steps_span)) = &header.steps else {
        let end = file.text.len();
        return Err(ManifestError::at(file, end..end, "the manifest has no steps", "end of file")
            .with_help("add a step, e.g.\n[steps.subreads]\nkind = \"import-dataset\"\npath = \"data/movie.subreadset.xml\""));
    };
    if steps_table.entries.is_empty() {
        return Err(ManifestError::at(
            file,
            steps_span.clone(),
            "the manifest has no steps",
            "empty [steps] table",
        )
        .with_help("add `[steps.<id>]` tables with a `kind` each"));
    }

    let vars_ctx = minijinja::Value::from_serialize(&header.vars);
    let manifest_ctx = minijinja::Value::from_serialize(serde_json::json!({
        "name": header.name,
        "description": header.description,
    }));
    let mut templates = Templates::new();
    let mut steps: Vec<StepDef> = Vec::with_capacity(steps_table.entries.len());
    {
        let render_setting = |templates: &Templates, tpl: &Tpl| -> Result<String, ManifestError> {
            setting_text(file, templates, tpl, &vars_ctx, &manifest_ctx)
        };
        for entry in &steps_table.entries {
            steps.push(stepdef::parse(
                file,
                entry,
                &mut templates,
                header.defaults,
                &render_setting,
            )?);
        }
    }
    let index: HashMap<String, usize> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.clone(), i))
        .collect();
    deps::check_refs(file, &mut steps, &index, &header.vars)?;
    let order = deps::order(file, &steps, &index)?;

    let server_url = input.server.clone().or_else(|| header.server_url.clone());
    let mut plan = Plan {
        file: file.clone(),
        base_dir: input.base_dir.clone(),
        name: header.name,
        description: header.description,
        server_url,
        templates,
        vars_ctx,
        manifest_ctx,
        steps,
        step_index: index,
        nodes: Vec::new(),
        node_index: HashMap::new(),
        graph: DiGraph::new(),
    };
    add_nodes(&mut plan, &order)?;
    Ok(plan)
}

fn setting_text(
    file: &SourceFile,
    templates: &Templates,
    tpl: &Tpl,
    vars: &minijinja::Value,
    manifest: &minijinja::Value,
) -> Result<String, ManifestError> {
    let Tpl::Template { span, template } = tpl else {
        return Err(ManifestError::new(
            "internal error: a setting is not a template",
        ));
    };
    if !template.refs.steps.is_empty() || template.refs.uses_item || template.refs.uses_key {
        return Err(ManifestError::at(
            file,
            span.clone(),
            "timeouts and poll settings must be known at plan time",
            "reads a step output or fan-out item",
        )
        .with_help("use a literal duration or `vars`, e.g. `timeout = \"{{ vars.timeout }}\"`"));
    }
    let env = RenderEnv {
        file,
        templates,
        vars,
        manifest,
    };
    let ctx = env.context(None, None, None);
    match env.render(tpl, &ctx, false, &mut Vec::new())? {
        serde_json::Value::String(s) => Ok(s),
        other => Ok(other.to_string()),
    }
}

/// Creates the nodes in step order: plain instances, plan-time fan-out instances, and one node
/// per fan-out that expands at run time; then the edges.
fn add_nodes(plan: &mut Plan, order: &[usize]) -> Result<(), ManifestError> {
    let mut step_nodes: HashMap<String, Vec<String>> = HashMap::with_capacity(plan.steps.len());
    let mut nodes = Vec::with_capacity(plan.steps.len());
    for &i in order {
        let def = &plan.steps[i];
        let mut needs = Vec::new();
        for (dep, _) in deps::all_deps(def) {
            if let Some(ids) = step_nodes.get(&dep) {
                needs.extend(ids.iter().cloned());
            }
        }
        let env = RenderEnv {
            file: &plan.file,
            templates: &plan.templates,
            vars: &plan.vars_ctx,
            manifest: &plan.manifest_ctx,
        };
        let mut ids = Vec::new();
        if def.expands_at_runtime() {
            let expands_after = def.fanout_deps.iter().map(|(s, _)| s.clone()).collect();
            ids.push(def.id.clone());
            nodes.push(PlanNode::Fanout(FanoutNode {
                step: def.id.clone(),
                kind: def.kind,
                expands_after,
                needs,
            }));
        } else if def.fans_out() {
            let ctx = env.context(None, None, None);
            for (key, item) in env.fanout_items(def, &ctx)? {
                let ctx = env.context(None, Some(&item), Some(&key));
                let (options, waits_for) = env.options(def, &ctx, true)?;
                let id = format!("{}[{key}]", def.id);
                ids.push(id.clone());
                nodes.push(PlanNode::Instance(StepInstance {
                    id,
                    step: def.id.clone(),
                    kind: def.kind,
                    key: Some(key),
                    item: Some(item),
                    settings: def.settings,
                    needs: needs.clone(),
                    waits_for,
                    options,
                }));
            }
        } else {
            let ctx = env.context(None, None, None);
            let (options, waits_for) = env.options(def, &ctx, true)?;
            ids.push(def.id.clone());
            nodes.push(PlanNode::Instance(StepInstance {
                id: def.id.clone(),
                step: def.id.clone(),
                kind: def.kind,
                key: None,
                item: None,
                settings: def.settings,
                needs,
                waits_for,
                options,
            }));
        }
        step_nodes.insert(def.id.clone(), ids);
    }

    let mut graph: DiGraph<usize, ()> = DiGraph::with_capacity(nodes.len(), nodes.len());
    let mut node_index = HashMap::with_capacity(nodes.len());
    for (i, node) in nodes.iter().enumerate() {
        let idx = graph.add_node(i);
        node_index.insert(node.id().to_string(), idx);
    }
    for (i, node) in nodes.iter().enumerate() {
        for need in node.needs() {
            if let Some(&from) = node_index.get(need) {
                graph.add_edge(from, NodeIndex::new(i), ());
            }
        }
    }
    plan.nodes = nodes;
    plan.node_index = node_index;
    plan.graph = graph;
    Ok(())
}
