//! `import-run-design` and `wait-run` end to end: the real binary against an in-process
//! simulator whose instrument runs the imported design.

mod steps_support;

use slflow::sim::SimConfig;
use steps_support::{
    apply, get_json, header, jobs, outputs, project, run_design_csv, simulator, unwrapped, validate,
};

async fn failing_collections_sim() -> slflow::sim::SimHandle {
    let mut config = SimConfig {
        speed: 400.0,
        ..SimConfig::default()
    };
    config.fail.insert("collection".into(), 1.0);
    slflow::sim::spawn(config).await.expect("start simulator")
}

fn design_and_wait(extra_wait: &str) -> String {
    format!(
        r#"{}
[steps.design]
kind = "import-run-design"
csv = "run.csv"

[steps.run]
kind = "wait-run"
run = "{{{{ steps.design.uuid }}}}"
{extra_wait}
"#,
        header("runs")
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_design_then_wait_outputs_collections() {
    let sim = simulator(400.0, &[]).await;
    let dir = project(&[("run.csv", &run_design_csv("two cells", &["A01", "B01"]))]);
    let manifest = format!(
        "{}\n{}",
        design_and_wait(""),
        r#"
[steps.cells]
kind = "import-dataset"
for_each = "{{ steps.run.collections }}"
key = "{{ item.well }}"
path = "{{ item.path }}"
"#
    );
    let result = apply(dir.path(), &manifest, sim.base_url()).await;
    assert_eq!(result.code, Some(0), "{}", result.text);

    let design = outputs(dir.path(), "design");
    assert_eq!(design["name"], "two cells");
    let run = outputs(dir.path(), "run");
    assert_eq!(run["run"]["uuid"], design["uuid"]);
    let collections = run["collections"].as_array().expect("collections list");
    assert_eq!(collections.len(), 2);
    let wells: Vec<&str> = collections
        .iter()
        .filter_map(|c| c["well"].as_str())
        .collect();
    assert_eq!(wells, ["A01", "B01"]);
    for collection in collections {
        assert_eq!(collection["status"], "Complete");
        let path = collection["path"].as_str().expect("path");
        assert!(
            std::path::Path::new(path).is_file(),
            "no SubreadSet at {path}"
        );
    }
    // A complete collection's UUID is its SubreadSet's UUID, so the import finds the same one.
    let a01 = outputs(dir.path(), "cells[A01]");
    assert_eq!(a01["uuid"], collections[0]["uuid"]);
    assert_eq!(a01["dataset_type"], "PacBio.DataSet.SubreadSet");

    // Applying again maps every instance of the fan-out to its saved record: nothing new.
    let again = apply(dir.path(), &manifest, sim.base_url()).await;
    assert_eq!(again.code, Some(0), "{}", again.text);
    assert_eq!(jobs(sim.base_url(), "import-dataset").await.len(), 2);
    let runs = get_json(sim.base_url(), "/smrt-link/runs").await;
    assert_eq!(runs.as_array().map(Vec::len), Some(1), "{runs}");
    assert_eq!(
        outputs(dir.path(), "cells[B01]")["uuid"],
        collections[1]["uuid"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_run_honours_timeout() {
    // At speed 1 a one-hour movie takes a minute, far beyond the step's timeout.
    let sim = simulator(1.0, &[]).await;
    let dir = project(&[("run.csv", &run_design_csv("slow", &["A01"]))]);
    let started = std::time::Instant::now();
    let result = apply(
        dir.path(),
        &design_and_wait("timeout = \"1s\""),
        sim.base_url(),
    )
    .await;
    assert_eq!(result.code, Some(3), "{}", result.text);
    assert!(
        result.text.contains("timed out after 1s"),
        "{}",
        result.text
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_run_finds_run_by_name() {
    let sim = simulator(400.0, &[]).await;
    let dir = project(&[("run.csv", &run_design_csv("named run", &["C01"]))]);
    let manifest = format!(
        r#"{}
[steps.design]
kind = "import-run-design"
csv = "run.csv"

[steps.run]
kind = "wait-run"
run_name = "named run"
after = ["design"]
"#,
        header("by-name")
    );
    let result = apply(dir.path(), &manifest, sim.base_url()).await;
    assert_eq!(result.code, Some(0), "{}", result.text);
    let run = outputs(dir.path(), "run");
    assert_eq!(run["run"]["uuid"], outputs(dir.path(), "design")["uuid"]);
    assert_eq!(run["collections"][0]["well"], "C01");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_run_fails_on_failed_collection() {
    let sim = failing_collections_sim().await;
    let dir = project(&[("run.csv", &run_design_csv("doomed", &["A01"]))]);
    let result = apply(dir.path(), &design_and_wait(""), sim.base_url()).await;
    assert_eq!(result.code, Some(3), "{}", result.text);
    assert!(result.text.contains("did not complete"), "{}", result.text);
    assert!(
        result.text.contains("allow_failed = true"),
        "{}",
        result.text
    );
    assert!(result.text.contains("simulated failure"), "{}", result.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_run_allow_failed_succeeds() {
    let sim = failing_collections_sim().await;
    let dir = project(&[("run.csv", &run_design_csv("doomed", &["A01"]))]);
    let result = apply(
        dir.path(),
        &design_and_wait("allow_failed = true"),
        sim.base_url(),
    )
    .await;
    assert_eq!(result.code, Some(0), "{}", result.text);
    let run = outputs(dir.path(), "run");
    assert_eq!(run["collections"][0]["status"], "Failed");
    assert_eq!(run["collections"][0]["complete"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_run_design_reports_server_422() {
    let sim = simulator(400.0, &[]).await;
    let dir = project(&[("run.csv", &run_design_csv("bad well", &["Z99"]))]);
    let result = apply(dir.path(), &design_and_wait(""), sim.base_url()).await;
    assert_eq!(result.code, Some(3), "{}", result.text);
    assert!(result.text.contains("422"), "{}", result.text);
    assert!(result.text.contains("Z99"), "{}", result.text);
    assert!(
        result.text.contains("importing the run design"),
        "{}",
        result.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_run_design_missing_csv_fails() {
    let sim = simulator(400.0, &[]).await;
    let dir = project(&[]);
    let result = apply(dir.path(), &design_and_wait(""), sim.base_url()).await;
    assert_eq!(result.code, Some(3), "{}", result.text);
    assert!(result.text.contains("run.csv"), "{}", result.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_run_unknown_run_is_404() {
    let sim = simulator(400.0, &[]).await;
    let dir = project(&[]);
    let manifest = format!(
        "{}\n[steps.run]\nkind = \"wait-run\"\nrun = \"0b9d8b3e-5f0c-4a59-9a57-3c7f3b7e2c11\"\n",
        header("missing")
    );
    let result = apply(dir.path(), &manifest, sim.base_url()).await;
    assert_eq!(result.code, Some(3), "{}", result.text);
    assert!(result.text.contains("404"), "{}", result.text);

    let by_name = format!(
        "{}\n[steps.run]\nkind = \"wait-run\"\nrun_name = \"no such run\"\n",
        header("missing")
    );
    let result = apply(dir.path(), &by_name, sim.base_url()).await;
    assert_eq!(result.code, Some(3), "{}", result.text);
    assert!(
        result.text.contains("no run named `no such run`"),
        "{}",
        result.text
    );
}

#[tokio::test]
async fn bad_run_options_fail_validation() {
    let dir = project(&[]);
    let cases = [
        (
            "[steps.d]\nkind = \"import-run-design\"\ncsv = \"a.csv\"\nserver_path = \"/b.csv\"\n",
            "`csv` and `server_path` are both set",
        ),
        (
            "[steps.d]\nkind = \"import-run-design\"\n",
            "missing `csv` or `server_path`",
        ),
        (
            "[steps.w]\nkind = \"wait-run\"\n",
            "missing `run` or `run_name`",
        ),
        (
            "[steps.w]\nkind = \"wait-run\"\nrun = \"x\"\nrun_name = \"y\"\n",
            "`run` and `run_name` are both set",
        ),
        (
            "[steps.w]\nkind = \"wait-run\"\nrun = \"x\"\nallow_failed = \"yes\"\n",
            "allow_failed",
        ),
    ];
    for (steps, expected) in cases {
        let manifest = format!("{}\n{steps}", header("bad"));
        let result = validate(dir.path(), &manifest).await;
        assert_eq!(result.code, Some(2), "{steps}\n{}", result.text);
        assert!(
            unwrapped(&result.text).contains(expected),
            "{steps}\n{}",
            result.text
        );
    }
}
