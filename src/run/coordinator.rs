//! The coordinator: the one owner of run state.
//!
//! It starts every step whose inputs exist (up to `concurrency`) and receives results from the
//! workers. It saves the state after every batch of transitions, before it acknowledges a
//! submission intent or a job id, so that exactly-once submission holds. It emits run events
//! for the reporters. Workers never touch the state; reporters never drive the run.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::exit::Exit;
use crate::plan::{Plan, PlanNode, StepInstance, StepOutputs};
use crate::run::context::{ClientJobs, Resume, StepContext, StepSuccess, WorkerMessage};
use crate::run::events::{Reporter, RunEvent};
use crate::run::interrupt::Interrupt;
use crate::run::poller::Poller;
use crate::run::ratelimit::RateLimiter;
use crate::smrtlink::{Client, EngineJob};
use crate::state::{
    self, JobRef, ResumeAction, RunState, StepRecord, StepStatus, resume_action, submission_tag,
};
use crate::steps::Kind;

/// Scheduling settings of one `apply`.
#[derive(Debug, Clone)]
pub struct RunSettings {
    /// Maximum steps running at once.
    pub concurrency: usize,
    /// Keep starting independent steps after one fails.
    pub keep_going: bool,
    /// Step ids to run with what they need; empty runs everything.
    pub targets: Vec<String>,
    /// Terminate jobs in flight on Ctrl-C instead of leaving them running.
    pub cancel_on_interrupt: bool,
    /// Cap on job-polling requests per second.
    pub poll_rate: f64,
}

impl Default for RunSettings {
    fn default() -> Self {
        RunSettings {
            concurrency: 8,
            keep_going: false,
            targets: Vec::new(),
            cancel_on_interrupt: false,
            poll_rate: 10.0,
        }
    }
}

/// The server side of a run.
#[derive(Clone)]
pub struct RunServer {
    pub client: Client,
    /// Server identity recorded in fingerprints and the state: its URL, or a fixed name for
    /// the embedded simulator, whose port changes from run to run.
    pub identity: String,
    /// Server name shown in the output.
    pub display: String,
    pub simulated: bool,
}

/// The end of a run.
pub struct RunOutcome {
    pub exit: Exit,
    pub state: RunState,
}

/// A run that could not continue: the state could not be saved or the plan is unusable.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot save the run state; the run stopped so that no result goes unrecorded")]
    Save(#[source] state::StateError),
    #[error("unknown --target `{target}`; {hint}")]
    UnknownTarget { target: String, hint: String },
}

#[derive(Debug)]
enum Phase {
    Waiting,
    Running,
    /// A runtime fan-out that expanded into these instances.
    Expanded(Vec<String>),
    Done,
    Failed,
    /// Not run: a step it needs failed or did not run.
    Blocked,
}

struct Node {
    id: String,
    kind: Kind,
    needs: Vec<String>,
    phase: Phase,
    /// The instance to run; `None` for a runtime fan-out node.
    instance: Option<StepInstance>,
    /// The runtime fan-out this instance came from.
    parent: Option<String>,
    started: Option<Instant>,
}

/// Runs the plan against the server, resuming from `state`.
pub async fn run(
    plan: &Plan,
    mut state: RunState,
    state_path: PathBuf,
    server: RunServer,
    settings: RunSettings,
    mut reporters: Vec<Box<dyn Reporter>>,
    mut interrupt: Interrupt,
) -> Result<RunOutcome, RunError> {
    let started = Instant::now();
    let selected = select_steps(plan, &settings.targets)?;
    forget_removed_steps(plan, &mut state);
    record_every_step(plan, &mut state);
    state.set_server_url(Some(&server.identity));

    let mut nodes: Vec<Node> = plan
        .nodes()
        .iter()
        .filter(|n| selected.contains(n.step()))
        .map(|n| Node {
            id: n.id().to_string(),
            kind: n.kind(),
            needs: n.needs().to_vec(),
            phase: Phase::Waiting,
            instance: match n {
                PlanNode::Instance(i) => Some(i.clone()),
                PlanNode::Fanout(_) => None,
            },
            parent: None,
            started: None,
        })
        .collect();

    let limiter = Arc::new(RateLimiter::new(settings.poll_rate, 4));
    let poller: Poller<EngineJob> =
        Poller::spawn(Arc::new(ClientJobs(server.client.clone())), limiter.clone());
    let (tx, mut rx) = mpsc::unbounded_channel::<WorkerMessage>();

    let mut run = Coordinator {
        plan,
        state,
        state_path,
        server,
        settings,
        outputs: StepOutputs::new(),
        index: HashMap::new(),
        workers: HashMap::new(),
        failed: Vec::new(),
        poller,
        limiter,
        tx,
        dirty: true,
    };
    run.reindex(&nodes);
    let total = nodes.len();
    // An estimate: a step that succeeded before still runs again when its request changed.
    let done_before = nodes
        .iter()
        .filter(|n| run.saved_outputs(&n.id).is_some())
        .count();
    run.emit(
        &mut reporters,
        RunEvent::Started {
            manifest: plan.name().to_string(),
            server: run.server.display.clone(),
            simulated: run.server.simulated,
            total,
            to_run: total - done_before,
        },
    );

    let mut interrupted = false;
    loop {
        run.schedule(&mut nodes, &mut reporters);
        run.save()?;
        if run.workers.is_empty() {
            break;
        }
        let first = tokio::select! {
            message = rx.recv() => message,
            () = interrupt.wait() => {
                interrupted = true;
                None
            }
        };
        if interrupted {
            break;
        }
        let mut acks = Vec::new();
        if let Some(message) = first {
            run.handle(message, &mut nodes, &mut reporters, &mut acks);
        }
        while let Ok(message) = rx.try_recv() {
            run.handle(message, &mut nodes, &mut reporters, &mut acks);
        }
        let saved = run.save();
        let reply = saved.as_ref().map(|_| ()).map_err(|e| format!("{e}"));
        for ack in acks {
            let _ = ack.send(reply.clone());
        }
        saved?;
    }

    if interrupted {
        run.interrupt(&mut nodes, &mut rx, &mut reporters).await?;
    } else {
        run.mark_not_run(&mut nodes);
    }
    run.save()?;

    let exit = if interrupted {
        Exit::Interrupted
    } else {
        run.exit_code(&nodes)
    };
    run.emit(
        &mut reporters,
        RunEvent::Finished {
            exit,
            elapsed: started.elapsed(),
        },
    );
    Ok(RunOutcome {
        exit,
        state: run.state,
    })
}

/// Returns the step ids to run: all, or the targets and everything they need.
pub fn select_steps(plan: &Plan, targets: &[String]) -> Result<BTreeSet<String>, RunError> {
    let all: BTreeSet<String> = plan.step_ids().map(str::to_string).collect();
    if targets.is_empty() {
        return Ok(all);
    }
    let needs_of: HashMap<&str, Vec<String>> = plan
        .nodes()
        .iter()
        .map(|n| {
            let steps = n
                .needs()
                .iter()
                .filter_map(|id| plan.node(id))
                .map(|d| d.step().to_string());
            (n.step(), steps.collect::<Vec<String>>())
        })
        .fold(
            HashMap::new(),
            |mut acc: HashMap<&str, Vec<String>>, (step, deps)| {
                acc.entry(step).or_default().extend(deps);
                acc
            },
        );
    let mut selected = BTreeSet::new();
    let mut stack: Vec<String> = Vec::new();
    for target in targets {
        if !all.contains(target) {
            return Err(RunError::UnknownTarget {
                target: target.clone(),
                hint: crate::steps::exec_util::suggest(target, all.iter().map(String::as_str)),
            });
        }
        stack.push(target.clone());
    }
    while let Some(step) = stack.pop() {
        if selected.insert(step.clone())
            && let Some(deps) = needs_of.get(step.as_str())
        {
            stack.extend(deps.iter().cloned());
        }
    }
    Ok(selected)
}

/// Adds a pending record for every step instance known at plan time, so that the state (and
/// `status` and the reports) shows the steps that a `--target` run or a failure left undone.
fn record_every_step(plan: &Plan, state: &mut RunState) {
    for node in plan.nodes() {
        if let PlanNode::Instance(instance) = node {
            state.steps.entry(instance.id.clone()).or_insert_with(|| {
                StepRecord::new(instance.kind.name(), String::new(), instance.needs.clone())
            });
        }
    }
}

/// Drops saved records of steps that are no longer in the manifest.
fn forget_removed_steps(plan: &Plan, state: &mut RunState) {
    let steps: BTreeSet<&str> = plan.step_ids().collect();
    state.steps.retain(|id, _| {
        let step = id.split('[').next().unwrap_or(id);
        steps.contains(step)
    });
}

struct Coordinator<'a> {
    plan: &'a Plan,
    state: RunState,
    state_path: PathBuf,
    server: RunServer,
    settings: RunSettings,
    outputs: StepOutputs,
    /// Node id -> position in `nodes`.
    index: HashMap<String, usize>,
    workers: HashMap<String, JoinHandle<()>>,
    /// Ids of the steps that failed in this run.
    failed: Vec<String>,
    poller: Poller<EngineJob>,
    limiter: Arc<RateLimiter>,
    tx: mpsc::UnboundedSender<WorkerMessage>,
    dirty: bool,
}

impl Coordinator<'_> {
    fn reindex(&mut self, nodes: &[Node]) {
        self.index = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.id.clone(), i))
            .collect();
    }

    fn emit(&self, reporters: &mut [Box<dyn Reporter>], event: RunEvent) {
        for reporter in reporters.iter_mut() {
            reporter.on_event(&event);
        }
    }

    fn save(&mut self) -> Result<(), RunError> {
        if !self.dirty {
            return Ok(());
        }
        state::save(&mut self.state, &self.state_path).map_err(RunError::Save)?;
        self.dirty = false;
        Ok(())
    }

    fn phase_of<'n>(&self, nodes: &'n [Node], id: &str) -> Option<&'n Phase> {
        self.index.get(id).map(|i| &nodes[*i].phase)
    }

    /// Starts every node whose needs are done, as long as slots are free.
    fn schedule(&mut self, nodes: &mut Vec<Node>, reporters: &mut [Box<dyn Reporter>]) {
        let stop_new = !self.failed.is_empty() && !self.settings.keep_going;
        let mut i = 0;
        while i < nodes.len() {
            if !matches!(nodes[i].phase, Phase::Waiting) {
                i += 1;
                continue;
            }
            let mut blocked_by = None;
            let mut ready = true;
            for need in &nodes[i].needs {
                match self.phase_of(nodes, need) {
                    Some(Phase::Done) => {}
                    Some(Phase::Failed | Phase::Blocked) => {
                        blocked_by = Some(need.clone());
                        break;
                    }
                    // A need outside the selection (e.g. with --target) that never ran.
                    None => {
                        if self.saved_outputs(need).is_none() {
                            blocked_by = Some(need.clone());
                            break;
                        }
                    }
                    _ => ready = false,
                }
            }
            if let Some(need) = blocked_by {
                let reason = format!("not run: `{need}` did not succeed");
                self.block(&mut nodes[i], reason, reporters);
                i += 1;
                continue;
            }
            if !ready || stop_new {
                i += 1;
                continue;
            }
            if nodes[i].instance.is_none() {
                self.expand(nodes, i, reporters);
                i += 1;
                continue;
            }
            // A node that succeeded in an earlier run may be skipped without a slot. Checking that
            // renders it, so it is done only for nodes whose saved status is succeeded.
            if self.workers.len() >= self.settings.concurrency
                && !(self.saved_outputs(&nodes[i].id).is_some() && self.is_saved_done(&nodes[i]))
            {
                i += 1;
                continue;
            }
            self.start(&mut nodes[i], reporters);
            self.finish_parent_if_done(nodes, i);
            i += 1;
        }
    }

    fn saved_outputs(&self, id: &str) -> Option<&serde_json::Value> {
        self.state
            .steps
            .get(id)
            .filter(|r| matches!(r.status, StepStatus::Succeeded { .. }))
            .map(|r| &r.outputs)
    }

    fn is_saved_done(&self, node: &Node) -> bool {
        let Some(instance) = &node.instance else {
            return false;
        };
        let Ok(options) = self.plan.render_instance(instance, &self.outputs) else {
            return false;
        };
        let fingerprint = options.fingerprint(&self.server.identity);
        matches!(
            resume_action(self.state.steps.get(&node.id), &fingerprint),
            ResumeAction::Skip { .. }
        )
    }

    fn block(&mut self, node: &mut Node, reason: String, reporters: &mut [Box<dyn Reporter>]) {
        node.phase = Phase::Blocked;
        let record = self.record_mut(&node.id, node.kind, &node.needs);
        if !matches!(record.status, StepStatus::Succeeded { .. }) {
            record.status = StepStatus::Skipped {
                reason: reason.clone(),
            };
        }
        self.dirty = true;
        self.emit(
            reporters,
            RunEvent::Skipped {
                step: node.id.clone(),
                kind: node.kind.name().into(),
                reason,
            },
        );
    }

    fn record_mut(&mut self, id: &str, kind: Kind, needs: &[String]) -> &mut StepRecord {
        self.state
            .steps
            .entry(id.to_string())
            .or_insert_with(|| StepRecord::new(kind.name(), String::new(), needs.to_vec()))
    }

    /// Expands a runtime fan-out node into instances that run like any other node.
    fn expand(&mut self, nodes: &mut Vec<Node>, i: usize, reporters: &mut [Box<dyn Reporter>]) {
        let id = nodes[i].id.clone();
        match self.plan.expand_fanout(&id, &self.outputs) {
            Ok(instances) => {
                let ids: Vec<String> = instances.iter().map(|x| x.id.clone()).collect();
                self.emit(
                    reporters,
                    RunEvent::Expanded {
                        step: id.clone(),
                        instances: ids.clone(),
                    },
                );
                for instance in instances {
                    nodes.push(Node {
                        id: instance.id.clone(),
                        kind: instance.kind,
                        needs: instance.needs.clone(),
                        phase: Phase::Waiting,
                        instance: Some(instance),
                        parent: Some(id.clone()),
                        started: None,
                    });
                }
                nodes[i].phase = if ids.is_empty() {
                    Phase::Done
                } else {
                    Phase::Expanded(ids)
                };
                self.reindex(nodes);
            }
            Err(error) => {
                nodes[i].phase = Phase::Failed;
                let message = format!("expanding `for_each` failed: {}", error.message());
                self.failed.push(id.clone());
                self.emit(
                    reporters,
                    RunEvent::StepFailed {
                        step: id,
                        error: message,
                    },
                );
            }
        }
    }

    /// Renders a ready instance and either skips it (done before) or starts its worker.
    fn start(&mut self, node: &mut Node, reporters: &mut [Box<dyn Reporter>]) {
        let Some(instance) = node.instance.clone() else {
            return;
        };
        let options = match self.plan.render_instance(&instance, &self.outputs) {
            Ok(options) => options,
            Err(error) => {
                let message = format!("rendering its options failed: {}", error.message());
                self.fail_node(node, message, None, reporters);
                return;
            }
        };
        let fingerprint = options.fingerprint(&self.server.identity);
        let action = resume_action(self.state.steps.get(&node.id), &fingerprint);
        let now = Utc::now();

        let resume = match action {
            ResumeAction::Skip { .. } => {
                let outputs = self.saved_outputs(&node.id).cloned().unwrap_or_default();
                self.outputs.insert(node.id.clone(), outputs);
                node.phase = Phase::Done;
                self.emit(
                    reporters,
                    RunEvent::Skipped {
                        step: node.id.clone(),
                        kind: node.kind.name().into(),
                        reason: "done in an earlier run".into(),
                    },
                );
                return;
            }
            ResumeAction::Attach { job } => Resume::Attach(job),
            ResumeAction::FindSubmitted { tag } => Resume::FindSubmitted(tag),
            ResumeAction::Run | ResumeAction::Rerun { .. } => Resume::Fresh,
        };

        let needs = node.needs.clone();
        let record = self.record_mut(&node.id, node.kind, &needs);
        record.kind = node.kind.name().to_string();
        record.fingerprint = fingerprint.clone();
        record.needs = needs;
        record.attempts += 1;
        record.checks.clear();
        record.times.queued_at = Some(now);
        record.times.started_at = Some(now);
        record.times.finished_at = None;
        match &resume {
            Resume::Attach(job) => {
                record.status = StepStatus::Running {
                    job: Some(*job),
                    since: now,
                };
            }
            // Keep the saved intent until the lookup returns, in case this run dies too.
            Resume::FindSubmitted(_) => {}
            Resume::Fresh => {
                record.status = StepStatus::Running {
                    job: None,
                    since: now,
                };
                record.times.job_created_at = None;
                record.times.job_started_at = None;
                record.times.job_completed_at = None;
            }
        }
        self.dirty = true;
        node.phase = Phase::Running;
        node.started = Some(Instant::now());
        self.emit(
            reporters,
            RunEvent::StepStarted {
                step: node.id.clone(),
                kind: node.kind.name().into(),
            },
        );

        let context = StepContext {
            instance: node.id.clone(),
            client: self.server.client.clone(),
            poller: self.poller.clone(),
            limiter: self.limiter.clone(),
            settings: instance.settings,
            base_dir: self.plan.base_dir().to_path_buf(),
            tag: submission_tag(&fingerprint),
            resume: Mutex::new(resume),
            coordinator: self.tx.clone(),
        };
        let tx = self.tx.clone();
        let id = node.id.clone();
        let timeout = instance.settings.timeout;
        let handle = tokio::spawn(async move {
            let result = match tokio::time::timeout(timeout, options.execute(&context)).await {
                Ok(Ok(success)) => Ok(success),
                Ok(Err(error)) => Err(format!("{error:#}")),
                Err(_) => Err(format!(
                    "timed out after {} (raise `timeout` for this step if the job needs longer)",
                    humantime::format_duration(timeout)
                )),
            };
            let _ = tx.send(WorkerMessage::Finished {
                instance: id,
                result,
            });
        });
        self.workers.insert(node.id.clone(), handle);
    }

    fn handle(
        &mut self,
        message: WorkerMessage,
        nodes: &mut [Node],
        reporters: &mut [Box<dyn Reporter>],
        acks: &mut Vec<oneshot::Sender<Result<(), String>>>,
    ) {
        let now = Utc::now();
        match message {
            WorkerMessage::Intent {
                instance,
                tag,
                saved,
            } => {
                if let Some(record) = self.state.steps.get_mut(&instance) {
                    record.status = StepStatus::Submitting { tag, since: now };
                    self.dirty = true;
                }
                acks.push(saved);
            }
            WorkerMessage::Submitted {
                instance,
                job,
                job_type,
                created_at,
                attached,
                saved,
            } => {
                if let Some(record) = self.state.steps.get_mut(&instance) {
                    record.status = StepStatus::Running {
                        job: Some(job),
                        since: now,
                    };
                    if created_at.is_some() {
                        record.times.job_created_at = created_at;
                    }
                    self.dirty = true;
                }
                acks.push(saved);
                let event = if attached {
                    RunEvent::JobAttached {
                        step: instance,
                        job_id: job.id,
                    }
                } else {
                    RunEvent::JobSubmitted {
                        step: instance,
                        job_id: job.id,
                        job_type,
                    }
                };
                self.emit(reporters, event);
            }
            WorkerMessage::JobUpdate {
                instance,
                job_id,
                state,
                started_at,
                completed_at,
            } => {
                if let Some(record) = self.state.steps.get_mut(&instance) {
                    if started_at.is_some() {
                        record.times.job_started_at = started_at;
                    }
                    if completed_at.is_some() {
                        record.times.job_completed_at = completed_at;
                    }
                    self.dirty = true;
                }
                self.emit(
                    reporters,
                    RunEvent::JobState {
                        step: instance,
                        job_id,
                        state,
                    },
                );
            }
            WorkerMessage::Finished { instance, result } => {
                self.workers.remove(&instance);
                let Some(&i) = self.index.get(&instance) else {
                    return;
                };
                match result {
                    Ok(success) => self.succeed_node(&mut nodes[i], success, reporters),
                    Err(error) => {
                        let job = self
                            .state
                            .steps
                            .get(&instance)
                            .and_then(|r| r.job().copied());
                        self.fail_node(&mut nodes[i], error, job, reporters);
                    }
                }
                self.finish_parent_if_done(nodes, i);
            }
        }
    }

    fn succeed_node(
        &mut self,
        node: &mut Node,
        success: StepSuccess,
        reporters: &mut [Box<dyn Reporter>],
    ) {
        let now = Utc::now();
        let elapsed = node.started.map(|s| s.elapsed()).unwrap_or_default();
        node.phase = Phase::Done;
        self.outputs
            .insert(node.id.clone(), success.outputs.clone());
        let needs = node.needs.clone();
        let record = self.record_mut(&node.id, node.kind, &needs);
        let job = record.job().copied();
        record.status = StepStatus::Succeeded {
            job,
            finished_at: now,
        };
        record.outputs = success.outputs;
        record.metrics = success.metrics;
        record.checks = success.checks.clone();
        record.times.finished_at = Some(now);
        self.dirty = true;
        self.emit(
            reporters,
            RunEvent::StepSucceeded {
                step: node.id.clone(),
                elapsed,
                detail: success.detail,
            },
        );
        for check in success.checks {
            self.emit(
                reporters,
                RunEvent::Check {
                    step: node.id.clone(),
                    metric: check.metric,
                    op: check.op.keyword().to_string(),
                    threshold: check.threshold.to_string(),
                    actual: check.actual.map_or_else(
                        || "(not found in the reports)".to_string(),
                        |a| a.to_string(),
                    ),
                    passed: check.passed,
                },
            );
        }
    }

    fn fail_node(
        &mut self,
        node: &mut Node,
        error: String,
        job: Option<JobRef>,
        reporters: &mut [Box<dyn Reporter>],
    ) {
        let now = Utc::now();
        node.phase = Phase::Failed;
        self.failed.push(node.id.clone());
        let needs = node.needs.clone();
        let record = self.record_mut(&node.id, node.kind, &needs);
        record.status = StepStatus::Failed {
            error: error.clone(),
            job,
            finished_at: now,
        };
        record.last_error = Some(error.clone());
        record.times.finished_at = Some(now);
        self.dirty = true;
        self.emit(
            reporters,
            RunEvent::StepFailed {
                step: node.id.clone(),
                error,
            },
        );
    }

    /// Marks a runtime fan-out done (or failed) once all its instances have finished.
    fn finish_parent_if_done(&mut self, nodes: &mut [Node], child: usize) {
        let Some(parent) = nodes[child].parent.clone() else {
            return;
        };
        let Some(&p) = self.index.get(&parent) else {
            return;
        };
        let Phase::Expanded(children) = &nodes[p].phase else {
            return;
        };
        let mut any_failed = false;
        for id in children {
            match self.phase_of(nodes, id) {
                Some(Phase::Done) => {}
                Some(Phase::Failed | Phase::Blocked) => any_failed = true,
                _ => return,
            }
        }
        nodes[p].phase = if any_failed {
            Phase::Failed
        } else {
            Phase::Done
        };
    }

    /// Stops every worker, saves what they reported, and detaches from (or terminates) the
    /// server jobs in flight.
    async fn interrupt(
        &mut self,
        nodes: &mut [Node],
        rx: &mut mpsc::UnboundedReceiver<WorkerMessage>,
        reporters: &mut [Box<dyn Reporter>],
    ) -> Result<(), RunError> {
        for (_, handle) in self.workers.drain() {
            handle.abort();
            let _ = handle.await;
        }
        // Keep what the workers reported before they stopped, job ids above all.
        let mut acks = Vec::new();
        while let Ok(message) = rx.try_recv() {
            self.handle(message, nodes, reporters, &mut acks);
        }
        drop(acks);

        let mut left_running = Vec::new();
        let mut terminated = Vec::new();
        let now = Utc::now();
        for node in nodes
            .iter_mut()
            .filter(|n| matches!(n.phase, Phase::Running))
        {
            let Some(record) = self.state.steps.get_mut(&node.id) else {
                continue;
            };
            let job = match &record.status {
                StepStatus::Running { job: Some(job), .. } => *job,
                _ => continue,
            };
            if self.settings.cancel_on_interrupt {
                let call = self
                    .server
                    .client
                    .terminate_job(record.kind.as_str(), job.id as i64);
                match tokio::time::timeout(Duration::from_secs(30), call).await {
                    Ok(Ok(_)) => {
                        record.status = StepStatus::Cancelled {
                            job: Some(job),
                            at: now,
                        };
                        terminated.push(job.id);
                    }
                    Ok(Err(error)) => {
                        tracing::warn!("terminating job {} failed: {error}", job.id);
                        left_running.push(job.id);
                    }
                    Err(_) => {
                        tracing::warn!("terminating job {} timed out", job.id);
                        left_running.push(job.id);
                    }
                }
            } else {
                left_running.push(job.id);
            }
        }
        self.dirty = true;
        self.save()?;
        self.emit(
            reporters,
            RunEvent::Interrupted {
                jobs_left_running: left_running,
                jobs_terminated: terminated,
            },
        );
        Ok(())
    }

    /// Records the steps that never started because an earlier step failed.
    fn mark_not_run(&mut self, nodes: &mut [Node]) {
        let Some(first_failure) = self.failed.first().cloned() else {
            return;
        };
        for node in nodes
            .iter_mut()
            .filter(|n| matches!(n.phase, Phase::Waiting))
        {
            let reason = format!(
                "not started: `{first_failure}` failed (use --keep-going to run independent steps)"
            );
            node.phase = Phase::Blocked;
            if node.instance.is_none() {
                continue;
            }
            let needs = node.needs.clone();
            let record = self.record_mut(&node.id, node.kind, &needs);
            if !matches!(record.status, StepStatus::Succeeded { .. }) {
                record.status = StepStatus::Skipped { reason };
                self.dirty = true;
            }
        }
    }

    /// 3 when a step failed, else 4 when a check failed, else 0.
    fn exit_code(&self, nodes: &[Node]) -> Exit {
        if !self.failed.is_empty() {
            return Exit::StepFailed;
        }
        let check_failed = nodes
            .iter()
            .filter(|n| n.instance.is_some())
            .filter_map(|n| self.state.steps.get(&n.id))
            .any(|r| r.checks.iter().any(|c| !c.passed));
        if check_failed {
            Exit::CheckFailed
        } else {
            Exit::Success
        }
    }
}
