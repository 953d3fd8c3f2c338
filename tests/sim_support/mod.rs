//! Helpers shared by the simulator tests: a simulator served on 127.0.0.1:0 and a reqwest
//! client that talks JSON to it.
#![allow(dead_code)]

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;
use slflow::sim::{SimConfig, SimHandle, spawn};

/// Speed used by tests: a 5 s import takes 5 ms, a 120 s analysis 120 ms.
pub const TEST_SPEED: f64 = 1000.0;

pub struct Sim {
    pub handle: SimHandle,
    pub client: reqwest::Client,
}

pub fn fixture(rel: &str) -> String {
    format!("{}/tests/fixtures/{rel}", env!("CARGO_MANIFEST_DIR"))
}

pub const TINY_SUBREADS: &str = "datasets/SubreadSet/m54006_160504_020705.tiny.subreadset.xml";
pub const TINY_UUID: &str = "c9074f64-37e0-d795-9b8e-7190ac6f87a5";
pub const LAMBDA_REF: &str = "datasets/ReferenceSet/lambdaNEB/referenceset.xml";
pub const LAMBDA_UUID: &str = "ffa9b910-cb1b-4f48-ada7-4ac440ffa91a";

pub fn test_config() -> SimConfig {
    SimConfig {
        speed: TEST_SPEED,
        ..SimConfig::default()
    }
}

impl Sim {
    pub async fn start() -> Sim {
        Sim::with(test_config()).await
    }

    pub async fn with(config: SimConfig) -> Sim {
        let handle = spawn(config).await.expect("simulator starts");
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(20))
            .build()
            .expect("client builds");
        Sim { handle, client }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.handle.api_url())
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.client.request(method.clone(), self.url(path));
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path} failed: {e}"));
        let status = resp.status();
        let text = resp.text().await.expect("body reads");
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{method} {path}: body is not JSON ({e}): {text}"))
        };
        (status, value)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.call(Method::PUT, path, Some(body)).await
    }

    /// GET that must succeed; returns the JSON.
    pub async fn get_ok(&self, path: &str) -> Value {
        let (status, body) = self.get(path).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    /// POST that must return 201; returns the JSON.
    pub async fn post_created(&self, path: &str, body: &Value) -> Value {
        let (status, resp) = self.post(path, body).await;
        assert_eq!(status, StatusCode::CREATED, "POST {path} {body}: {resp}");
        resp
    }

    /// Polls a job until it reaches a terminal state; panics after 15 s.
    pub async fn wait_job(&self, id: &Value) -> Value {
        let path = format!("/smrt-link/job-manager/jobs/{}", id_text(id));
        for _ in 0..1500 {
            let job = self.get_ok(&path).await;
            let state = job["state"].as_str().unwrap_or_default();
            if ["SUCCESSFUL", "FAILED", "TERMINATED", "ABORTED"].contains(&state) {
                return job;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("job {id} did not finish within 15 s");
    }

    /// Imports a fixture, waits for the job and returns (job, dataset record).
    pub async fn import(&self, rel: &str) -> (Value, Value) {
        let path = fixture(rel);
        let job = self
            .post_created(
                "/smrt-link/job-manager/jobs/import-dataset",
                &serde_json::json!({"path": path}),
            )
            .await;
        let job = self.wait_job(&job["id"]).await;
        assert_eq!(job["state"], "SUCCESSFUL", "import of {rel}: {job}");
        let xml = slflow::dataset_xml::read_dataset_xml(&path).expect("fixture parses");
        let ds = self
            .get_ok(&format!("/smrt-link/datasets/{}", xml.unique_id))
            .await;
        (job, ds)
    }
}

pub fn id_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Returns the `state` of each event of a job, in order.
pub fn event_states(events: &Value) -> Vec<String> {
    events
        .as_array()
        .expect("events are a list")
        .iter()
        .map(|e| e["state"].as_str().unwrap_or("").to_string())
        .collect()
}

/// Checks the SMRT Link error body shape and returns its message.
pub fn error_message(status: StatusCode, body: &Value, expected: u16) -> String {
    assert_eq!(status.as_u16(), expected, "{body}");
    assert_eq!(body["httpCode"], expected, "{body}");
    assert_eq!(
        body["errorType"],
        status.canonical_reason().unwrap_or(""),
        "{body}"
    );
    body["message"]
        .as_str()
        .expect("message is a string")
        .to_string()
}
