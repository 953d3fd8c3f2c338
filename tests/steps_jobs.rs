//! `rerun-analysis` and `delete-job` end to end: options copied with overrides, the dry run
//! before the real delete, failed jobs, the server's 404 and 422, and option errors.

mod steps_support;

use slflow::sim::SimConfig;
use steps_support::{
    IMPORTS, apply, get_json, header, jobs, outputs, post_json, project, simulator, unwrapped,
    validate,
};

async fn sim_failing(key: &str) -> slflow::sim::SimHandle {
    let mut config = SimConfig {
        speed: 400.0,
        ..SimConfig::default()
    };
    config.fail.insert(key.into(), 1.0);
    slflow::sim::spawn(config).await.expect("start simulator")
}

fn sat_step(name: &str) -> String {
    format!(
        r#"
[steps.sat]
kind = "analysis"
pipeline = "pb_sat"
name = "{name}"
entry_points = {{ eid_subread = "{{{{ steps.subreads.uuid }}}}", eid_ref_dataset = "{{{{ steps.reference.uuid }}}}" }}
task_options = {{ dataset_filters = "rq >= 0.7" }}
"#
    )
}

const MERGE: &str = r#"
[steps.sample1]
kind = "import-dataset"
path = "data/sample1.subreadset.xml"

[steps.merge]
kind = "merge-datasets"
datasets = ["{{ steps.subreads.uuid }}", "{{ steps.sample1.uuid }}"]
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rerun_copies_options_with_overrides() {
    let sim = simulator(400.0, &[]).await;
    let url = sim.base_url();
    let dir = project(&[]);
    let manifest = format!(
        r#"{}{IMPORTS}{}
[steps.again]
kind = "rerun-analysis"
job = "{{{{ steps.sat.uuid }}}}"
name = "SAT again"
task_options = {{ downsample_factor = "3" }}
"#,
        header("rerun"),
        sat_step("SAT first")
    );
    let result = apply(dir.path(), &manifest, url).await;
    assert_eq!(result.code, Some(0), "{}", result.text);

    let first = outputs(dir.path(), "sat")["id"].as_i64().expect("sat id");
    let again = outputs(dir.path(), "again");
    assert_eq!(again["state"], "SUCCESSFUL");
    let second = again["id"].as_i64().expect("rerun id");
    assert_ne!(first, second);

    let old = get_json(
        url,
        &format!("/smrt-link/job-manager/jobs/analysis/{first}/options"),
    )
    .await;
    let new = get_json(
        url,
        &format!("/smrt-link/job-manager/jobs/analysis/{second}/options"),
    )
    .await;
    assert_eq!(new["name"], "SAT again");
    assert_eq!(new["pipelineId"], old["pipelineId"]);
    assert_eq!(new["entryPoints"], old["entryPoints"]);
    let option = |options: &serde_json::Value, id: &str| {
        options["taskOptions"]
            .as_array()
            .and_then(|list| list.iter().find(|o| o["optionId"] == id).cloned())
    };
    // The override is typed from the template (integer), and the untouched option is kept.
    assert_eq!(
        option(&new, "downsample_factor").map(|o| o["value"].clone()),
        Some(serde_json::json!(3))
    );
    assert_eq!(
        option(&new, "dataset_filters").map(|o| o["value"].clone()),
        Some(serde_json::json!("rq >= 0.7"))
    );

    // The new job carries its own submission tag only, never the original step's.
    let old_job = get_json(
        url,
        &format!("/smrt-link/job-manager/jobs/analysis/{first}"),
    )
    .await;
    let new_job = get_json(
        url,
        &format!("/smrt-link/job-manager/jobs/analysis/{second}"),
    )
    .await;
    let tags = |job: &serde_json::Value| -> Vec<String> {
        job["tags"]
            .as_str()
            .unwrap_or_default()
            .split(',')
            .filter(|t| t.starts_with("slflow-"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(tags(&new_job).len(), 1, "{new_job}");
    assert!(
        !tags(&new_job).iter().any(|t| tags(&old_job).contains(t)),
        "old {old_job}\nnew {new_job}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rerun_unknown_task_option_suggests() {
    let sim = simulator(400.0, &[]).await;
    let dir = project(&[]);
    let manifest = format!(
        r#"{}{IMPORTS}{}
[steps.again]
kind = "rerun-analysis"
job = "{{{{ steps.sat.id }}}}"
task_options = {{ downsample_factr = 3 }}
"#,
        header("rerun"),
        sat_step("SAT first")
    );
    let result = apply(dir.path(), &manifest, sim.base_url()).await;
    assert_eq!(result.code, Some(3), "{}", result.text);
    assert!(
        result.text.contains("no task option `downsample_factr`"),
        "{}",
        result.text
    );
    assert!(
        result.text.contains("did you mean `downsample_factor`"),
        "{}",
        result.text
    );
    assert_eq!(jobs(sim.base_url(), "analysis").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rerun_of_failed_job_fails_again() {
    let sim = sim_failing("pb_sat").await;
    let dir = project(&[]);
    let first = format!("{}{IMPORTS}{}", header("rerun"), sat_step("SAT doomed"));
    let result = apply(dir.path(), &first, sim.base_url()).await;
    assert_eq!(result.code, Some(3), "{}", result.text);
    let failed = jobs(sim.base_url(), "analysis").await;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["state"], "FAILED");
    let id = failed[0]["id"].as_i64().expect("job id");

    let rerun = format!(
        "{}\n[steps.again]\nkind = \"rerun-analysis\"\njob = {id}\n",
        header("rerun-failed")
    );
    let result = apply(dir.path(), &rerun, sim.base_url()).await;
    assert_eq!(result.code, Some(3), "{}", result.text);
    assert!(result.text.contains("ended FAILED"), "{}", result.text);
    assert!(result.text.contains("simulated failure"), "{}", result.text);
    assert_eq!(jobs(sim.base_url(), "analysis").await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rerun_unknown_job_is_404() {
    let sim = simulator(400.0, &[]).await;
    let dir = project(&[]);
    let manifest = format!(
        "{}\n[steps.again]\nkind = \"rerun-analysis\"\njob = 9999\n",
        header("rerun-missing")
    );
    let result = apply(dir.path(), &manifest, sim.base_url()).await;
    assert_eq!(result.code, Some(3), "{}", result.text);
    assert!(result.text.contains("404"), "{}", result.text);
    assert!(result.text.contains("job 9999"), "{}", result.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rerun_of_import_job_is_rejected() {
    let sim = simulator(400.0, &[]).await;
    let dir = project(&[]);
    let manifest = format!(
        "{}{IMPORTS}\n[steps.again]\nkind = \"rerun-analysis\"\njob = \"{{{{ steps.subreads.job_id }}}}\"\n",
        header("rerun-import")
    );
    let result = apply(dir.path(), &manifest, sim.base_url()).await;
    assert_eq!(result.code, Some(3), "{}", result.text);
    assert!(
        result
            .text
            .contains("has job type `import-dataset`; only analysis jobs can be rerun"),
        "{}",
        result.text
    );
    assert!(jobs(sim.base_url(), "analysis").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_job_dry_runs_then_deletes() {
    let sim = simulator(400.0, &[]).await;
    let url = sim.base_url();
    let dir = project(&[]);
    let manifest = format!(
        r#"{}{IMPORTS}{MERGE}
[steps.check]
kind = "delete-job"
job = "{{{{ steps.merge.job_id }}}}"
dry_run_only = true

[steps.delete]
kind = "delete-job"
job = "{{{{ steps.merge.job_id }}}}"
after = ["check"]
"#,
        header("delete")
    );
    let result = apply(dir.path(), &manifest, url).await;
    assert_eq!(result.code, Some(0), "{}", result.text);

    let merge_job = outputs(dir.path(), "merge")["job_id"]
        .as_i64()
        .expect("merge job");
    let check = outputs(dir.path(), "check");
    assert_eq!(check["dry_run"]["id"], merge_job);
    assert_eq!(check["deleted_job"], serde_json::Value::Null);

    let delete = outputs(dir.path(), "delete");
    assert_eq!(delete["dry_run"]["id"], merge_job);
    assert_eq!(delete["deleted_job"]["id"], merge_job);
    assert_eq!(delete["deleted_job"]["isActive"], false);
    let delete_jobs = jobs(url, "delete-job").await;
    assert_eq!(delete_jobs.len(), 1, "the dry run must not create a job");
    assert_eq!(delete["job_id"], delete_jobs[0]["id"]);

    let target = get_json(
        url,
        &format!("/smrt-link/job-manager/jobs/merge-datasets/{merge_job}"),
    )
    .await;
    assert_eq!(target["isActive"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_job_dry_run_422_stops_before_delete() {
    // Imports take ten minutes here, so the job is still running when the dry run checks it.
    let sim = simulator(1.0, &[("import-dataset", 600.0)]).await;
    let url = sim.base_url();
    let dir = project(&[]);
    let xml = dir.path().join("data/sample1.subreadset.xml");
    let (status, job) = post_json(
        url,
        "/smrt-link/job-manager/jobs/import-dataset",
        serde_json::json!({ "path": xml.display().to_string() }),
    )
    .await;
    assert!(status == 200 || status == 201, "{status} {job}");
    let id = job["id"].as_i64().expect("job id");

    let manifest = format!(
        "{}\n[steps.delete]\nkind = \"delete-job\"\njob = {id}\n",
        header("delete-running")
    );
    let result = apply(dir.path(), &manifest, url).await;
    assert_eq!(result.code, Some(3), "{}", result.text);
    assert!(result.text.contains("422"), "{}", result.text);
    assert!(result.text.contains("hasn't completed"), "{}", result.text);
    assert!(
        result.text.contains("nothing was deleted"),
        "{}",
        result.text
    );
    assert!(jobs(url, "delete-job").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_job_unknown_job_is_404() {
    let sim = simulator(400.0, &[]).await;
    let dir = project(&[]);
    let manifest = format!(
        "{}\n[steps.delete]\nkind = \"delete-job\"\njob = \"7b0c9a55-0d7c-4c43-a8f3-61c7c4a1f5aa\"\n",
        header("delete-missing")
    );
    let result = apply(dir.path(), &manifest, sim.base_url()).await;
    assert_eq!(result.code, Some(3), "{}", result.text);
    assert!(result.text.contains("404"), "{}", result.text);
    assert!(jobs(sim.base_url(), "delete-job").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_job_failed_job_fails_step() {
    let sim = sim_failing("delete-job").await;
    let dir = project(&[]);
    let manifest = format!(
        "{}{IMPORTS}{MERGE}\n[steps.delete]\nkind = \"delete-job\"\njob = \"{{{{ steps.merge.job_id }}}}\"\n",
        header("delete-fails")
    );
    let result = apply(dir.path(), &manifest, sim.base_url()).await;
    assert_eq!(result.code, Some(3), "{}", result.text);
    assert!(result.text.contains("delete-job job"), "{}", result.text);
    assert!(result.text.contains("ended FAILED"), "{}", result.text);
}

#[tokio::test]
async fn bad_job_options_fail_validation() {
    let dir = project(&[]);
    let cases = [
        ("[steps.r]\nkind = \"rerun-analysis\"\n", "job"),
        (
            "[steps.r]\nkind = \"rerun-analysis\"\njob = 1\ntask_options = { downsample_factor = [1, 2] }\n",
            "must be a string, number or boolean",
        ),
        (
            "[steps.r]\nkind = \"rerun-analysis\"\njob = 1\npipeline = \"pb_sat\"\n",
            "pipeline",
        ),
        ("[steps.d]\nkind = \"delete-job\"\n", "job"),
        (
            "[steps.d]\nkind = \"delete-job\"\njob = 1\nremove_files = \"yes\"\n",
            "remove_files",
        ),
        (
            "[steps.d]\nkind = \"delete-job\"\njob = 1\ndry_run = true\n",
            "dry_run",
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
