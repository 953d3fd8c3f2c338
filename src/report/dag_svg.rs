//! The DAG as inline SVG, drawn from the saved `needs` edges with a layered layout.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::format::escape_xml as esc;
use super::order::Layers;
use crate::state::RunState;

const NODE_WIDTH: usize = 180;
const NODE_HEIGHT: usize = 34;
const COLUMN_GAP: usize = 70;
const ROW_GAP: usize = 14;
const MARGIN: usize = 10;
/// Longest label drawn inside a node; longer ids are cut, and the full id is in the tooltip.
const LABEL_CHARS: usize = 22;

/// Draws the DAG: one column per layer, nodes coloured by state (CSS class `s-<state>`), and
/// an arrow from each needed step to the step that needs it.
pub(crate) fn dag_svg(state: &RunState, layers: &Layers) -> String {
    let mut position: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (column, ids) in layers.layers.iter().enumerate() {
        for (row, id) in ids.iter().enumerate() {
            let x = MARGIN + column * (NODE_WIDTH + COLUMN_GAP);
            let y = MARGIN + row * (NODE_HEIGHT + ROW_GAP);
            position.insert(id, (x, y));
        }
    }
    let columns = layers.layers.len();
    let rows = layers.layers.iter().map(Vec::len).max().unwrap_or(0);
    let width = 2 * MARGIN + columns * NODE_WIDTH + columns.saturating_sub(1) * COLUMN_GAP;
    let height = 2 * MARGIN + rows * NODE_HEIGHT + rows.saturating_sub(1) * ROW_GAP;

    let mut svg = format!(
        "<svg class=\"dag\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" \
         height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" \
         aria-label=\"step dependency graph\">\n"
    );
    svg.push_str(
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" \
         markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">\
         <path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#666\"/></marker></defs>\n",
    );

    for (id, record) in &state.steps {
        let Some(&(x2, y2)) = position.get(id.as_str()) else {
            continue;
        };
        for need in &record.needs {
            let Some(&(x1, y1)) = position.get(need.as_str()) else {
                continue;
            };
            let (x1, y1) = (x1 + NODE_WIDTH, y1 + NODE_HEIGHT / 2);
            let y2 = y2 + NODE_HEIGHT / 2;
            let bend = COLUMN_GAP / 2;
            let _ = writeln!(
                svg,
                "<path class=\"edge\" d=\"M {x1} {y1} C {} {y1}, {} {y2}, {x2} {y2}\" \
                 marker-end=\"url(#arrow)\"/>",
                x1 + bend,
                x2.saturating_sub(bend)
            );
        }
    }

    for (id, record) in &state.steps {
        let Some(&(x, y)) = position.get(id.as_str()) else {
            continue;
        };
        let status = record.status.name();
        let label: String = if id.chars().count() > LABEL_CHARS {
            id.chars().take(LABEL_CHARS - 1).chain(['…']).collect()
        } else {
            id.clone()
        };
        let _ = writeln!(
            svg,
            "<g class=\"node s-{status}\"><title>{} ({}): {status}</title>\
             <rect x=\"{x}\" y=\"{y}\" width=\"{NODE_WIDTH}\" height=\"{NODE_HEIGHT}\" rx=\"5\"/>\
             <text x=\"{}\" y=\"{}\">{}</text></g>",
            esc(id),
            esc(&record.kind),
            x + 10,
            y + NODE_HEIGHT / 2 + 5,
            esc(&label)
        );
    }
    svg.push_str("</svg>\n");
    svg
}
