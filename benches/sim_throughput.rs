//! Request throughput of the SMRT Link simulator: N concurrent keep-alive clients cycle through
//! GET /status, GET job and a dataset search for a fixed time, then the rate is printed.
//!
//! Run: `cargo bench --bench sim_throughput` (set SIM_BENCH_CLIENTS and SIM_BENCH_SECONDS to
//! change the defaults of 16 clients for 5 seconds).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use slflow::sim::{SimConfig, spawn};

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let clients = env_number("SIM_BENCH_CLIENTS", 16);
    let seconds = env_number("SIM_BENCH_SECONDS", 5).min(60);
    let sim = spawn(SimConfig {
        speed: 1000.0,
        ..SimConfig::default()
    })
    .await?;
    let base = sim.api_url();
    let http = reqwest::Client::builder().no_proxy().build()?;

    let fixture = format!(
        "{}/tests/fixtures/datasets/SubreadSet/m54006_160504_020705.tiny.subreadset.xml",
        env!("CARGO_MANIFEST_DIR")
    );
    let job: serde_json::Value = http
        .post(format!("{base}/smrt-link/job-manager/jobs/import-dataset"))
        .json(&json!({"path": fixture}))
        .send()
        .await?
        .json()
        .await?;
    let job_id = job["id"].as_i64().unwrap_or(1);
    let paths = Arc::new([
        "/status".to_string(),
        format!("/smrt-link/job-manager/jobs/analysis/{job_id}"),
        "/smrt-link/datasets/subreads?name=like%3Asequel".to_string(),
    ]);

    let ok = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (http, base, paths, ok, failed) = (
            http.clone(),
            base.clone(),
            paths.clone(),
            ok.clone(),
            failed.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut i = c as usize;
            while Instant::now() < deadline {
                let started = Instant::now();
                let success = match http
                    .get(format!("{base}{}", paths[i % paths.len()]))
                    .send()
                    .await
                {
                    Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                    Err(_) => false,
                };
                let counter = if success { &ok } else { &failed };
                counter.fetch_add(1, Ordering::Relaxed);
                latencies.push(started.elapsed());
                i += 1;
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await?);
    }
    latencies.sort();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or_default()
    };
    let ok = ok.load(Ordering::Relaxed);
    println!(
        "sim_throughput: {clients} clients, {seconds} s: {ok} requests OK, {} failed, {:.0} requests/s, latency p50 {:?} p99 {:?}",
        failed.load(Ordering::Relaxed),
        ok as f64 / seconds as f64,
        pct(0.5),
        pct(0.99)
    );
    sim.shutdown().await;
    Ok(())
}
