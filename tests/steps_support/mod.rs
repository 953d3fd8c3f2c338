//! Helpers for the step-kind tests: write a manifest into a project directory holding the
//! example data, apply or validate it with the real binary against an in-process simulator on
//! 127.0.0.1, and read the saved state and the simulator's records.

#![allow(dead_code)]

use std::path::Path;
use std::process::Output;

#[path = "../common/mod.rs"]
mod common;

pub use common::{output_text, project, simulator};

/// The result of one slflow run.
pub struct RunResult {
    pub code: Option<i32>,
    /// stdout and stderr, for assertion messages and message checks.
    pub text: String,
}

impl From<Output> for RunResult {
    fn from(output: Output) -> Self {
        RunResult {
            code: output.status.code(),
            text: output_text(&output),
        }
    }
}

/// Writes `manifest` as `m.toml` into `dir` and runs `slflow apply` against `url`.
pub async fn apply(dir: &Path, manifest: &str, url: &str) -> RunResult {
    std::fs::write(dir.join("m.toml"), manifest).expect("write manifest");
    run(
        dir,
        vec![
            "apply".into(),
            "m.toml".into(),
            "--server".into(),
            url.into(),
        ],
    )
    .await
}

/// Writes `manifest` as `m.toml` into `dir` and runs `slflow validate` (no server).
pub async fn validate(dir: &Path, manifest: &str) -> RunResult {
    std::fs::write(dir.join("m.toml"), manifest).expect("write manifest");
    run(dir, vec!["validate".into(), "m.toml".into()]).await
}

async fn run(dir: &Path, args: Vec<String>) -> RunResult {
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        common::run_slflow(&dir, &args)
    })
    .await
    .expect("join")
    .into()
}

/// Returns the saved outputs of one step instance of `m.toml`.
pub fn outputs(dir: &Path, instance: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join(".slflow/m.state.json")).expect("state file");
    let state: serde_json::Value = serde_json::from_str(&text).expect("state JSON");
    state["steps"][instance]["outputs"].clone()
}

/// Sends a GET to the simulator and returns the JSON body.
pub async fn get_json(url: &str, path: &str) -> serde_json::Value {
    reqwest::get(format!("{url}{path}"))
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON body")
}

/// Sends a POST to the simulator and returns the status and JSON body.
pub async fn post_json(url: &str, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new()
        .post(format!("{url}{path}"))
        .json(&body)
        .send()
        .await
        .expect("POST");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

/// Lists the jobs of one type, inactive ones included.
pub async fn jobs(url: &str, job_type: &str) -> Vec<serde_json::Value> {
    common::server_jobs(url, job_type).await
}

/// Builds a valid run design CSV with one SMRT Cell per well.
pub fn run_design_csv(run_name: &str, wells: &[&str]) -> String {
    let mut text = String::from(
        "Experiment Name,Run Name,System Name,Is Collection,Sample Well,Sample Name,\
         Movie Time per SMRT Cell (hours),Insert Size (bp),Template Prep Kit Box Barcode,\
         Binding Kit Box Barcode,Sequencing Kit Box Barcode\n",
    );
    for well in wells {
        text.push_str(&format!(
            "exp,{run_name},Sequel II,TRUE,{well},sample_{well},1,2000,DM1117100259100111716,\
             DM1117100862200111716,DM0001100861800123120\n"
        ));
    }
    text
}

/// Manifest lines that import the lambda reference and the tiny SubreadSet as `reference`
/// and `subreads`.
pub const IMPORTS: &str = r#"
[steps.reference]
kind = "import-dataset"
path = "data/lambdaNEB/referenceset.xml"

[steps.subreads]
kind = "import-dataset"
path = "data/m54006_160504_020705.tiny.subreadset.xml"
"#;

/// Manifest header with short poll intervals.
pub fn header(name: &str) -> String {
    format!(
        "version = 1\nname = \"{name}\"\n\n[defaults]\npoll_interval = \"100ms\"\npoll_max = \"500ms\"\n"
    )
}

/// Joins the lines of a diagnostic that miette wrapped (`  | ` continuation lines), so that a
/// test can look for a whole message.
pub fn unwrapped(text: &str) -> String {
    text.lines()
        .map(|line| line.trim_start().trim_start_matches("| ").trim())
        .collect::<Vec<_>>()
        .join(" ")
}
