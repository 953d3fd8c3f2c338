//! Step order and DAG layers for reports, from the `needs` edges saved in the state.

use std::collections::{BTreeMap, BTreeSet};

use crate::state::RunState;

/// Steps grouped by layer: layer 0 needs nothing, and every other step sits one layer right of
/// the deepest step it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Layers {
    /// Layer of each step id.
    pub layer_of: BTreeMap<String, usize>,
    /// Step ids of each layer, sorted by id.
    pub layers: Vec<Vec<String>>,
}

impl Layers {
    /// Returns every step id, layer by layer: an order in which each step follows its needs.
    pub fn ordered(&self) -> impl Iterator<Item = &str> {
        self.layers.iter().flatten().map(String::as_str)
    }
}

/// Computes the layers of the state's steps with Kahn's algorithm. Needs that name no saved
/// step are ignored. Should the saved edges form a cycle (a hand-edited file), its steps go
/// into one extra last layer instead of failing the report.
pub(crate) fn layers(state: &RunState) -> Layers {
    let known = |id: &String| state.steps.contains_key(id);
    let mut waiting_on: BTreeMap<&str, usize> = BTreeMap::new();
    let mut needed_by: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (id, record) in &state.steps {
        let needs: BTreeSet<&String> = record.needs.iter().filter(|n| known(n)).collect();
        waiting_on.insert(id, needs.len());
        for need in needs {
            needed_by.entry(need).or_default().push(id);
        }
    }

    let mut layer_of: BTreeMap<String, usize> = BTreeMap::new();
    let mut ready: BTreeSet<&str> = waiting_on
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(id, _)| *id)
        .collect();
    while let Some(id) = ready.pop_first() {
        let layer = state.steps[id]
            .needs
            .iter()
            .filter_map(|need| layer_of.get(need))
            .map(|l| l + 1)
            .max()
            .unwrap_or(0);
        layer_of.insert(id.to_owned(), layer);
        for next in needed_by.get(id).into_iter().flatten() {
            if let Some(count) = waiting_on.get_mut(next) {
                *count -= 1;
                if *count == 0 {
                    ready.insert(next);
                }
            }
        }
    }

    let cycle_layer = layer_of.values().max().map_or(0, |l| l + 1);
    for id in state.steps.keys() {
        layer_of.entry(id.clone()).or_insert(cycle_layer);
    }

    let depth = layer_of.values().max().map_or(0, |l| l + 1);
    let mut layers = vec![Vec::new(); depth];
    for (id, layer) in &layer_of {
        layers[*layer].push(id.clone());
    }
    Layers { layer_of, layers }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{ManifestRef, StepRecord};
    use chrono::Utc;

    fn state(edges: &[(&str, &[&str])]) -> RunState {
        let manifest = ManifestRef {
            name: "t".into(),
            path: "t.toml".into(),
        };
        let mut state = RunState::new(manifest, None, Utc::now());
        for (id, needs) in edges {
            let needs = needs.iter().map(|n| (*n).to_owned()).collect();
            state
                .steps
                .insert((*id).to_owned(), StepRecord::new("analysis", "fp", needs));
        }
        state
    }

    #[test]
    fn layers_follow_longest_path() {
        let s = state(&[("a", &[]), ("b", &["a"]), ("c", &["a", "b"]), ("d", &[])]);
        let layers = layers(&s);
        assert_eq!(layers.layers, vec![vec!["a", "d"], vec!["b"], vec!["c"]]);
    }

    #[test]
    fn unknown_needs_are_ignored() {
        let s = state(&[("a", &["gone"])]);
        assert_eq!(layers(&s).layers, vec![vec!["a"]]);
    }

    #[test]
    fn cycle_goes_to_last_layer() {
        let s = state(&[("a", &[]), ("b", &["c"]), ("c", &["b"])]);
        assert_eq!(layers(&s).layers, vec![vec!["a"], vec!["b", "c"]]);
    }
}
