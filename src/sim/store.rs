//! The in-memory database: datasets, jobs, datastore files, runs and projects, with their id
//! counters. The whole struct is what `--data-dir` persists.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::models::{DataSet, DataStoreFile, JobRecord, Member, Project, Run, now_ts};

/// A resource id from a URL or a JSON body: an integer or a UUID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdAble {
    Int(i64),
    Uuid(Uuid),
}

impl IdAble {
    /// Parses a path segment, trying UUID before integer as SMRT Link does.
    pub fn parse(text: &str) -> Option<IdAble> {
        if let Ok(u) = Uuid::parse_str(text) {
            return Some(IdAble::Uuid(u));
        }
        text.parse().ok().map(IdAble::Int)
    }

    /// Reads a JSON body value: an integer must be a number and a UUID a string. A numeric
    /// string such as `"5"` is rejected, like SMRT Link, which parses every string as a UUID.
    pub fn from_json(value: &serde_json::Value) -> Option<IdAble> {
        match value {
            serde_json::Value::Number(n) => n.as_i64().map(IdAble::Int),
            serde_json::Value::String(s) => Uuid::parse_str(s).ok().map(IdAble::Uuid),
            _ => None,
        }
    }
}

impl std::fmt::Display for IdAble {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IdAble::Int(i) => write!(f, "{i}"),
            IdAble::Uuid(u) => write!(f, "{u}"),
        }
    }
}

/// Version of the persisted store layout; a file with another version is not loaded.
pub const STORE_FORMAT: u32 = 1;

/// Every record the simulator keeps.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Store {
    pub format: u32,
    pub seed: u64,
    /// Number of UUIDs generated so far; the next UUID is derived from (seed, counter).
    pub uuid_counter: u64,
    pub next_dataset_id: i64,
    pub next_job_id: i64,
    pub next_project_id: i64,
    pub datasets: BTreeMap<i64, DataSet>,
    pub jobs: BTreeMap<i64, JobRecord>,
    pub files: BTreeMap<Uuid, DataStoreFile>,
    pub runs: Vec<Run>,
    pub projects: BTreeMap<i64, Project>,
    #[serde(skip)]
    dataset_by_uuid: HashMap<Uuid, i64>,
    #[serde(skip)]
    job_by_uuid: HashMap<Uuid, i64>,
}

impl Store {
    /// Creates an empty store holding only project 1, the "General Project".
    pub fn new(seed: u64) -> Store {
        let now = now_ts();
        let general = Project {
            id: 1,
            name: "General Project".into(),
            description: "General Project".into(),
            state: "CREATED".into(),
            created_at: now.clone(),
            updated_at: now,
            is_active: true,
            grant_role_to_all: Some("CAN_EDIT".into()),
            created_by: None,
            members: vec![Member {
                login: "admin".into(),
                role: "OWNER".into(),
            }],
        };
        Store {
            format: STORE_FORMAT,
            seed,
            uuid_counter: 0,
            next_dataset_id: 1,
            next_job_id: 1,
            next_project_id: 2,
            datasets: BTreeMap::new(),
            jobs: BTreeMap::new(),
            files: BTreeMap::new(),
            runs: Vec::new(),
            projects: BTreeMap::from([(1, general)]),
            dataset_by_uuid: HashMap::new(),
            job_by_uuid: HashMap::new(),
        }
    }

    /// Rebuilds the UUID indexes; called after loading a persisted store.
    pub fn reindex(&mut self) {
        self.dataset_by_uuid = self.datasets.values().map(|d| (d.uuid, d.id)).collect();
        self.job_by_uuid = self.jobs.values().map(|j| (j.job.uuid, j.job.id)).collect();
    }

    /// Returns the next UUID: a version-4 UUID whose bits come from SHA-256(seed, counter), so
    /// the same seed and the same request order give the same UUIDs.
    pub fn next_uuid(&mut self) -> Uuid {
        self.uuid_counter += 1;
        let digest = Sha256::new()
            .chain_update(self.seed.to_le_bytes())
            .chain_update(self.uuid_counter.to_le_bytes())
            .finalize();
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }

    pub fn take_dataset_id(&mut self) -> i64 {
        let id = self.next_dataset_id;
        self.next_dataset_id += 1;
        id
    }

    pub fn take_job_id(&mut self) -> i64 {
        let id = self.next_job_id;
        self.next_job_id += 1;
        id
    }

    pub fn take_project_id(&mut self) -> i64 {
        let id = self.next_project_id;
        self.next_project_id += 1;
        id
    }

    pub fn insert_dataset(&mut self, ds: DataSet) {
        self.dataset_by_uuid.insert(ds.uuid, ds.id);
        self.datasets.insert(ds.id, ds);
    }

    pub fn insert_job(&mut self, job: JobRecord) {
        self.job_by_uuid.insert(job.job.uuid, job.job.id);
        self.jobs.insert(job.job.id, job);
    }

    pub fn dataset_id(&self, id: IdAble) -> Option<i64> {
        match id {
            IdAble::Int(i) => self.datasets.contains_key(&i).then_some(i),
            IdAble::Uuid(u) => self.dataset_by_uuid.get(&u).copied(),
        }
    }

    pub fn dataset(&self, id: IdAble) -> Option<&DataSet> {
        self.dataset_id(id).and_then(|i| self.datasets.get(&i))
    }

    pub fn dataset_mut(&mut self, id: IdAble) -> Option<&mut DataSet> {
        let i = self.dataset_id(id)?;
        self.datasets.get_mut(&i)
    }

    pub fn job_id(&self, id: IdAble) -> Option<i64> {
        match id {
            IdAble::Int(i) => self.jobs.contains_key(&i).then_some(i),
            IdAble::Uuid(u) => self.job_by_uuid.get(&u).copied(),
        }
    }

    pub fn job(&self, id: IdAble) -> Option<&JobRecord> {
        self.job_id(id).and_then(|i| self.jobs.get(&i))
    }

    pub fn job_mut(&mut self, id: i64) -> Option<&mut JobRecord> {
        self.jobs.get_mut(&id)
    }

    pub fn run(&self, uuid: Uuid) -> Option<&Run> {
        self.runs.iter().find(|r| r.unique_id == uuid)
    }

    pub fn run_mut(&mut self, uuid: Uuid) -> Option<&mut Run> {
        self.runs.iter_mut().find(|r| r.unique_id == uuid)
    }

    /// Active datasets produced by a job (its imported, merged or analysis output datasets).
    pub fn output_datasets(&self, job_id: i64) -> impl Iterator<Item = &DataSet> {
        self.datasets
            .values()
            .filter(move |d| d.job_id == job_id && d.is_active)
    }

    /// Active jobs that use one of `job_id`'s active output datasets as an entry point.
    pub fn children(&self, job_id: i64) -> Vec<i64> {
        let outputs: Vec<Uuid> = self.output_datasets(job_id).map(|d| d.uuid).collect();
        self.jobs
            .values()
            .filter(|j| j.job.is_active && j.job.id != job_id)
            .filter(|j| {
                j.entry_points
                    .iter()
                    .any(|e| outputs.contains(&e.dataset_uuid))
            })
            .map(|j| j.job.id)
            .collect()
    }
}
