//! `apply` through the API gateway over TLS: tokens that expire mid-run, certificate trust, wrong
//! passwords, and no password or token anywhere in the output or the files a run writes.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use common::{output_text, project, sat_manifest};
use slflow::sim::{SimConfig, SimHandle};

const USER: &str = "labtech";
const PASSWORD: &str = "Pw-0f-the-lab-7391";

async fn gateway_sim(token_ttl: Duration) -> SimHandle {
    let mut config = SimConfig {
        gateway: true,
        tls: true,
        speed: 1.0,
        token_ttl,
        users: vec![(USER.into(), PASSWORD.into())],
        ..SimConfig::default()
    };
    config.job_seconds.insert("import-dataset".into(), 0.5);
    config.job_seconds.insert("analysis".into(), 3.0);
    slflow::sim::spawn(config)
        .await
        .expect("start gateway simulator")
}

/// Runs slflow with the password in SLFLOW_PASSWORD (when given) and returns its output.
async fn slflow(dir: &Path, args: Vec<String>, password: Option<&str>) -> Output {
    let dir = dir.to_path_buf();
    let password = password.map(str::to_string);
    tokio::task::spawn_blocking(move || {
        let mut command = Command::new(common::slflow_bin());
        command
            .args(&args)
            .current_dir(&dir)
            .env("NO_COLOR", "1")
            .env_remove("SLFLOW_SERVER");
        match password {
            Some(p) => command.env("SLFLOW_PASSWORD", p),
            None => command.env_remove("SLFLOW_PASSWORD"),
        };
        command.output().expect("run slflow")
    })
    .await
    .expect("join")
}

fn gateway_args(sim: &SimHandle, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "apply",
        "sat.toml",
        "--server",
        sim.base_url(),
        "--auth",
        "gateway",
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    args.extend(["--user".to_string(), USER.to_string()]);
    args.extend(extra.iter().map(ToString::to_string));
    args
}

fn ca_cert(sim: &SimHandle) -> String {
    sim.ca_cert_path()
        .expect("the TLS simulator writes its CA")
        .display()
        .to_string()
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_run_leaks_no_secret() {
    // Tokens live 2 s and the analysis takes 3 s: the run outlives several tokens.
    let sim = gateway_sim(Duration::from_secs(2)).await;
    let dir = project(&[("sat.toml", &sat_manifest())]);
    let ca = ca_cert(&sim);
    let extra = [
        "--ca-cert",
        &ca,
        "-vvv",
        "--junit",
        "out/junit.xml",
        "--json",
        "out/run.json",
        "--html",
        "out/run.html",
    ];
    let mut outputs = Vec::new();

    let apply = slflow(dir.path(), gateway_args(&sim, &extra), Some(PASSWORD)).await;
    assert_eq!(apply.status.code(), Some(0), "{}", output_text(&apply));
    assert!(String::from_utf8_lossy(&apply.stdout).contains("3/3 passed"));
    outputs.push(apply);
    let status = ["status", "sat.toml", "-vvv"]
        .iter()
        .map(ToString::to_string)
        .collect();
    outputs.push(slflow(dir.path(), status, None).await);
    let report = ["report", "sat.toml", "--csv", "out/metrics.csv"]
        .iter()
        .map(ToString::to_string)
        .collect();
    outputs.push(slflow(dir.path(), report, None).await);

    let tokens = sim.simulator().issued_tokens();
    assert!(
        tokens.len() >= 6,
        "the run should have needed more than one token: {}",
        tokens.len()
    );
    let mut secrets: Vec<&str> = tokens.iter().map(String::as_str).collect();
    secrets.push(PASSWORD);

    for output in &outputs {
        let text = output_text(output);
        for secret in &secrets {
            assert!(
                !text.contains(secret),
                "a secret appears in the output:\n{text}"
            );
        }
    }
    let files = files_under(dir.path());
    assert!(
        files.iter().any(|f| f.ends_with("sat.state.json")),
        "no state file written"
    );
    assert!(
        files.iter().any(|f| f.ends_with("run.html")),
        "no HTML report written"
    );
    for file in files {
        let bytes = std::fs::read(&file).expect("read file");
        let text = String::from_utf8_lossy(&bytes);
        for secret in &secrets {
            assert!(
                !text.contains(secret),
                "a secret appears in {}",
                file.display()
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_is_a_clear_runtime_error() {
    let sim = gateway_sim(Duration::from_secs(3600)).await;
    let dir = project(&[("sat.toml", &sat_manifest())]);
    let ca = ca_cert(&sim);
    let wrong = "not-the-password-55";
    let output = slflow(
        dir.path(),
        gateway_args(&sim, &["--ca-cert", &ca]),
        Some(wrong),
    )
    .await;
    let text = output_text(&output);
    assert_eq!(output.status.code(), Some(3), "{text}");
    assert!(
        text.to_lowercase().contains("password"),
        "the error should name the cause: {text}"
    );
    assert!(
        !text.contains(wrong),
        "the password must not be echoed: {text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn self_signed_certificate_needs_trust() {
    let sim = gateway_sim(Duration::from_secs(3600)).await;
    let dir = project(&[("sat.toml", &sat_manifest())]);

    let untrusted = slflow(dir.path(), gateway_args(&sim, &[]), Some(PASSWORD)).await;
    let text = output_text(&untrusted);
    assert_eq!(untrusted.status.code(), Some(3), "{text}");
    assert!(
        text.contains("--ca-cert") && text.contains("--insecure"),
        "{text}"
    );
    assert!(
        !dir.path().join(".slflow/sat.state.json").exists()
            || !std::fs::read_to_string(dir.path().join(".slflow/sat.state.json"))
                .expect("state")
                .contains("\"succeeded\""),
        "nothing may succeed without a trusted connection"
    );

    let insecure = slflow(
        dir.path(),
        gateway_args(&sim, &["--insecure"]),
        Some(PASSWORD),
    )
    .await;
    let text = output_text(&insecure);
    assert_eq!(insecure.status.code(), Some(0), "{text}");
    let warnings = String::from_utf8_lossy(&insecure.stderr)
        .lines()
        .filter(|l| l.contains("verification") || l.contains("insecure"))
        .count();
    assert!(
        warnings >= 1,
        "--insecure must say that it skips verification: {text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_without_password_is_a_usage_error() {
    let sim = gateway_sim(Duration::from_secs(3600)).await;
    let dir = project(&[("sat.toml", &sat_manifest())]);
    let ca = ca_cert(&sim);
    let output = slflow(dir.path(), gateway_args(&sim, &["--ca-cert", &ca]), None).await;
    let text = output_text(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(
        text.contains("SLFLOW_PASSWORD") && text.contains("--password-stdin"),
        "{text}"
    );
}
