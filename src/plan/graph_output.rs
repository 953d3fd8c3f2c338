//! `graph` output: the DAG as Graphviz DOT or a Mermaid flowchart. Fan-outs expanded at plan
//! time are grouped in a box named after the step; fan-outs that expand at run time are drawn
//! dashed (DOT) or as a subroutine shape (Mermaid) and say after which steps they expand.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Plan, PlanNode};

fn quote(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Groups instance nodes by their fan-out step (only steps with `for_each`).
fn fanout_groups(plan: &Plan) -> BTreeMap<usize, Vec<usize>> {
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, node) in plan.nodes().iter().enumerate() {
        if let PlanNode::Instance(instance) = node {
            if instance.key.is_some() {
                let step = plan.step_index.get(&instance.step).copied().unwrap_or(0);
                groups.entry(step).or_default().push(i);
            }
        }
    }
    groups
}

/// Renders the DAG in Graphviz DOT.
pub fn dot(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph \"{}\" {{", quote(plan.name()));
    let _ = writeln!(out, "  rankdir=LR;");
    let _ = writeln!(out, "  node [shape=box, fontname=\"Helvetica\"];");
    let groups = fanout_groups(plan);
    let grouped: std::collections::HashSet<usize> = groups.values().flatten().copied().collect();
    for (i, node) in plan.nodes().iter().enumerate() {
        if grouped.contains(&i) {
            continue;
        }
        let _ = writeln!(out, "  {}", dot_node(i, node));
    }
    for (step, members) in &groups {
        let id = &plan.steps[*step].id;
        let _ = writeln!(out, "  subgraph \"cluster_{}\" {{", quote(id));
        let _ = writeln!(
            out,
            "    label=\"{} (for_each, {} instances)\";",
            quote(id),
            members.len()
        );
        let _ = writeln!(out, "    style=rounded;");
        for i in members {
            let _ = writeln!(out, "    {}", dot_node(*i, &plan.nodes()[*i]));
        }
        let _ = writeln!(out, "  }}");
    }
    for edge in plan.graph().raw_edges() {
        let _ = writeln!(
            out,
            "  n{} -> n{};",
            edge.source().index(),
            edge.target().index()
        );
    }
    out.push_str("}\n");
    out
}

fn dot_node(i: usize, node: &PlanNode) -> String {
    match node {
        PlanNode::Instance(instance) => format!(
            "n{i} [label=\"{}\\n{}\"];",
            quote(&instance.id),
            instance.kind
        ),
        PlanNode::Fanout(f) => format!(
            "n{i} [label=\"{}[*]\\n{}\\nexpands after {}\", style=dashed, shape=box3d];",
            quote(&f.step),
            f.kind,
            quote(&f.expands_after.join(", "))
        ),
    }
}

fn mermaid_text(text: &str) -> String {
    text.replace('"', "#quot;")
        .replace('[', "#91;")
        .replace(']', "#93;")
}

/// Renders the DAG as a Mermaid flowchart.
pub fn mermaid(plan: &Plan) -> String {
    let mut out = String::from("flowchart LR\n");
    let groups = fanout_groups(plan);
    let grouped: std::collections::HashSet<usize> = groups.values().flatten().copied().collect();
    for (i, node) in plan.nodes().iter().enumerate() {
        if !grouped.contains(&i) {
            let _ = writeln!(out, "  {}", mermaid_node(i, node));
        }
    }
    for (step, members) in &groups {
        let id = &plan.steps[*step].id;
        let _ = writeln!(
            out,
            "  subgraph s{step}[\"{} (for_each)\"]",
            mermaid_text(id)
        );
        for i in members {
            let _ = writeln!(out, "    {}", mermaid_node(*i, &plan.nodes()[*i]));
        }
        let _ = writeln!(out, "  end");
    }
    for edge in plan.graph().raw_edges() {
        let _ = writeln!(
            out,
            "  n{} --> n{}",
            edge.source().index(),
            edge.target().index()
        );
    }
    out
}

fn mermaid_node(i: usize, node: &PlanNode) -> String {
    match node {
        PlanNode::Instance(instance) => format!(
            "n{i}[\"{}<br/>{}\"]",
            mermaid_text(&instance.id),
            instance.kind
        ),
        PlanNode::Fanout(f) => format!(
            "n{i}[[\"{}#91;*#93;<br/>{}<br/>expands after {}\"]]",
            mermaid_text(&f.step),
            f.kind,
            mermaid_text(&f.expands_after.join(", "))
        ),
    }
}
