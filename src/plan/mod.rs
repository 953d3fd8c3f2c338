//! The Plan: the validated DAG of step instances built from a manifest. Its constructor is the
//! only place that reports manifest errors. The runner uses `render_instance` and
//! `expand_fanout` to finish what could not be rendered before other steps had run.

mod build;
pub mod de;
mod deps;
pub mod graph_output;
pub mod header;
mod instances;
pub mod labels;
pub mod output;
mod stepdef;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use petgraph::graph::{DiGraph, NodeIndex};
use serde::Serialize;

pub use header::StepSettings;
pub use labels::{Action, LabeledNode, NoState, SavedRecord, SavedState, SavedStatus};

use crate::manifest::error::{ManifestError, SourceFile};
use crate::manifest::template::Templates;
use crate::manifest::vars::VarOverrides;
use crate::steps::{Kind, StepOptions};
use stepdef::StepDef;

/// What the plan is built from.
#[derive(Debug, Clone)]
pub struct PlanInput {
    /// The manifest file (name as the user gave it, and contents).
    pub manifest: SourceFile,
    /// The manifest's directory; relative local paths in options are relative to it.
    pub base_dir: PathBuf,
    pub overrides: VarOverrides,
    /// `--server` or `SLFLOW_SERVER`; wins over `[server].url`.
    pub server: Option<String>,
}

impl PlanInput {
    /// Reads the manifest and the vars file from disk.
    pub fn read(
        manifest: &Path,
        vars_file: Option<&Path>,
        var_args: Vec<String>,
        server: Option<String>,
    ) -> Result<PlanInput, ManifestError> {
        let text = std::fs::read_to_string(manifest).map_err(|err| {
            ManifestError::new(format!(
                "cannot read manifest {}: {err}",
                manifest.display()
            ))
            .with_help("check the path; the manifest is a TOML file")
        })?;
        let file = match vars_file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|err| {
                    ManifestError::new(format!("cannot read vars file {}: {err}", path.display()))
                        .with_help("check the --vars-file path")
                })?;
                Some(SourceFile::new(path.display().to_string(), text))
            }
            None => None,
        };
        let base_dir = manifest
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        Ok(PlanInput {
            manifest: SourceFile::new(manifest.display().to_string(), text),
            base_dir,
            overrides: VarOverrides {
                file,
                args: var_args,
            },
            server,
        })
    }
}

/// One step instance: a plain step (`id`) or one fan-out item (`id[key]`).
#[derive(Debug, Clone, Serialize)]
pub struct StepInstance {
    /// `step` or `step[key]`.
    pub id: String,
    /// The step id in the manifest.
    pub step: String,
    pub kind: Kind,
    /// The fan-out key, for fan-out instances.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The fan-out item, for fan-out instances.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<serde_json::Value>,
    pub settings: StepSettings,
    /// Node ids (instances or fan-out nodes) that must finish first.
    pub needs: Vec<String>,
    /// Steps whose outputs some option value reads; empty when the options are final.
    pub waits_for: Vec<String>,
    /// The options; when `waits_for` is not empty, values known only later are placeholders
    /// and these options are for display only.
    #[serde(skip)]
    pub(crate) options: StepOptions,
}

impl StepInstance {
    /// Returns the final options when nothing in them depends on another step's outputs.
    pub fn options(&self) -> Option<&StepOptions> {
        self.waits_for.is_empty().then_some(&self.options)
    }

    /// Returns the options for display: values known later are placeholders that
    /// `steps::common::display_deferred` turns into `(known after <step>)`.
    pub fn display_options(&self) -> &StepOptions {
        &self.options
    }
}

/// A step whose `for_each` reads another step's outputs: it expands when those finish.
#[derive(Debug, Clone, Serialize)]
pub struct FanoutNode {
    /// The step id, which is also the node id.
    pub step: String,
    pub kind: Kind,
    /// Steps whose outputs the `for_each` reads.
    pub expands_after: Vec<String>,
    /// Node ids that must finish before it expands (every dependency of the step).
    pub needs: Vec<String>,
}

/// A node of the plan's DAG.
#[derive(Debug, Clone)]
pub enum PlanNode {
    Instance(StepInstance),
    Fanout(FanoutNode),
}

impl PlanNode {
    /// Returns the node id (`step`, `step[key]`, or the step id of a fan-out node).
    pub fn id(&self) -> &str {
        match self {
            PlanNode::Instance(i) => &i.id,
            PlanNode::Fanout(f) => &f.step,
        }
    }

    /// Returns the step id.
    pub fn step(&self) -> &str {
        match self {
            PlanNode::Instance(i) => &i.step,
            PlanNode::Fanout(f) => &f.step,
        }
    }

    /// Returns the kind of the node's step.
    pub fn kind(&self) -> Kind {
        match self {
            PlanNode::Instance(i) => i.kind,
            PlanNode::Fanout(f) => f.kind,
        }
    }

    /// Returns the node ids that must finish first.
    pub fn needs(&self) -> &[String] {
        match self {
            PlanNode::Instance(i) => &i.needs,
            PlanNode::Fanout(f) => &f.needs,
        }
    }
}

/// Outputs of finished instances, by instance id, as the runner collects them.
#[derive(Debug, Clone, Default)]
pub struct StepOutputs {
    by_instance: HashMap<String, serde_json::Value>,
}

impl StepOutputs {
    /// Creates an empty set.
    pub fn new() -> Self {
        StepOutputs::default()
    }

    /// Records the outputs (a JSON object) of a finished instance.
    pub fn insert(&mut self, instance_id: impl Into<String>, outputs: serde_json::Value) {
        self.by_instance.insert(instance_id.into(), outputs);
    }

    /// Returns the outputs of an instance.
    pub fn get(&self, instance_id: &str) -> Option<&serde_json::Value> {
        self.by_instance.get(instance_id)
    }
}

/// The validated plan.
#[derive(Debug)]
pub struct Plan {
    pub(crate) file: SourceFile,
    pub(crate) base_dir: PathBuf,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) server_url: Option<String>,
    pub(crate) templates: Templates,
    pub(crate) vars_ctx: minijinja::Value,
    pub(crate) manifest_ctx: minijinja::Value,
    pub(crate) steps: Vec<StepDef>,
    pub(crate) step_index: HashMap<String, usize>,
    pub(crate) nodes: Vec<PlanNode>,
    pub(crate) node_index: HashMap<String, NodeIndex>,
    pub(crate) graph: DiGraph<usize, ()>,
}

impl Plan {
    /// Builds and validates the plan; every manifest error is reported here.
    pub fn build(input: &PlanInput) -> Result<Plan, ManifestError> {
        build::build(input)
    }

    /// Returns the manifest's name (its `name`, or the file stem).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Returns the manifest's description.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Returns the manifest file.
    pub fn source(&self) -> &SourceFile {
        &self.file
    }

    /// Returns the directory that relative local paths in options are relative to.
    pub fn base_dir(&self) -> &Path {
        &self.base_dir
    }

    /// Returns the server URL (`--server`/`SLFLOW_SERVER`, else `[server].url`), if any.
    pub fn server_url(&self) -> Option<&str> {
        self.server_url.as_deref()
    }

    /// Returns the step ids in manifest order.
    pub fn step_ids(&self) -> impl Iterator<Item = &str> {
        self.steps.iter().map(|s| s.id.as_str())
    }

    /// Returns the nodes in a dependency order (each after everything it needs); ties keep
    /// manifest order.
    pub fn nodes(&self) -> &[PlanNode] {
        &self.nodes
    }

    /// Returns a node by id.
    pub fn node(&self, id: &str) -> Option<&PlanNode> {
        self.node_index
            .get(id)
            .and_then(|i| self.graph.node_weight(*i))
            .map(|n| &self.nodes[*n])
    }

    /// Returns an instance known at plan time by id.
    pub fn instance(&self, id: &str) -> Option<&StepInstance> {
        match self.node(id) {
            Some(PlanNode::Instance(i)) => Some(i),
            _ => None,
        }
    }

    /// Returns the DAG: node weights index `nodes()`, edges go from a dependency to its user.
    pub fn graph(&self) -> &DiGraph<usize, ()> {
        &self.graph
    }

    /// Returns the number of instances known at plan time.
    pub fn instance_count(&self) -> usize {
        self.nodes
            .iter()
            .filter(|n| matches!(n, PlanNode::Instance(_)))
            .count()
    }

    /// Renders an instance's options with the outputs of the steps it reads, deserialises and
    /// validates them. For a fanned-out step X, `steps.X` is the list of its instances'
    /// outputs in key order.
    pub fn render_instance(
        &self,
        instance: &StepInstance,
        outputs: &StepOutputs,
    ) -> Result<StepOptions, ManifestError> {
        if instance.waits_for.is_empty() {
            return Ok(instance.options.clone());
        }
        instances::render_with_outputs(self, instance, outputs)
    }

    /// Expands a fan-out node whose `for_each` reads step outputs, once those steps have
    /// finished. Instances have stable ids `step[key]` and final options.
    pub fn expand_fanout(
        &self,
        step: &str,
        outputs: &StepOutputs,
    ) -> Result<Vec<StepInstance>, ManifestError> {
        instances::expand_runtime(self, step, outputs)
    }
}
