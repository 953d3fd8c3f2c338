//! `find-datasets` and `find-jobs` end to end: search operators, results as lists that a
//! later step fans out over, the server's errors and the option errors validate reports.

mod steps_support;

use steps_support::{IMPORTS, apply, header, outputs, project, simulator, unwrapped, validate};

const SECOND_SUBREADS: &str = r#"
[steps.sample1]
kind = "import-dataset"
path = "data/sample1.subreadset.xml"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn find_datasets_filters_and_fans_out() {
    let sim = simulator(400.0, &[]).await;
    let dir = project(&[]);
    let manifest = format!(
        r#"{}{IMPORTS}{SECOND_SUBREADS}
[steps.alice]
kind = "find-datasets"
type = "subreads"
filters = {{ bio_sample_name = "Alice" }}
after = ["subreads", "sample1"]

[steps.all]
kind = "find-datasets"
type = "PacBio.DataSet.SubreadSet"
filters = {{ num_records = {{ gt = 0 }} }}
limit = 10
after = ["subreads", "sample1"]

[steps.import_job]
kind = "find-jobs"
for_each = "{{{{ steps.all.datasets }}}}"
key = "{{{{ item.uuid }}}}"
job_type = "import-dataset"
filters = {{ id = "{{{{ item.jobId }}}}" }}
"#,
        header("find-datasets")
    );
    let result = apply(dir.path(), &manifest, sim.base_url()).await;
    assert_eq!(result.code, Some(0), "{}", result.text);

    let sample1 = outputs(dir.path(), "sample1");
    let alice = outputs(dir.path(), "alice")["datasets"].clone();
    let alice = alice.as_array().expect("datasets list");
    assert_eq!(alice.len(), 1, "{alice:?}");
    assert_eq!(alice[0]["uuid"], sample1["uuid"]);

    let all = outputs(dir.path(), "all")["datasets"].clone();
    let all = all.as_array().expect("datasets list");
    assert_eq!(all.len(), 2, "{all:?}");
    for dataset in all {
        let uuid = dataset["uuid"].as_str().expect("uuid");
        let found = outputs(dir.path(), &format!("import_job[{uuid}]"))["jobs"].clone();
        assert_eq!(found.as_array().map(Vec::len), Some(1), "{uuid}: {found}");
        assert_eq!(found[0]["id"], dataset["jobId"], "{uuid}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn find_jobs_by_state_and_pipeline() {
    let sim = simulator(400.0, &[]).await;
    let dir = project(&[]);
    let manifest = format!(
        r#"{}{IMPORTS}
[steps.sat]
kind = "analysis"
pipeline = "pb_sat"
name = "needle in the batch"
entry_points = {{ eid_subread = "{{{{ steps.subreads.uuid }}}}", eid_ref_dataset = "{{{{ steps.reference.uuid }}}}" }}

[steps.done]
kind = "find-jobs"
filters = {{ state = ["SUCCESSFUL", "FAILED"], pipeline = "cromwell.workflows.pb_sat", name = {{ like = "needle" }} }}
after = ["sat"]

[steps.failed]
kind = "find-jobs"
filters = {{ state = "FAILED" }}
after = ["sat"]

[steps.imports]
kind = "find-jobs"
job_type = "import-dataset"
filters = {{ id = {{ ge = 1 }} }}
after = ["sat"]
"#,
        header("find-jobs")
    );
    let result = apply(dir.path(), &manifest, sim.base_url()).await;
    assert_eq!(result.code, Some(0), "{}", result.text);

    let sat = outputs(dir.path(), "sat");
    let done = outputs(dir.path(), "done")["jobs"].clone();
    let done = done.as_array().expect("jobs list");
    assert_eq!(done.len(), 1, "{done:?}");
    assert_eq!(done[0]["id"], sat["id"]);
    assert_eq!(done[0]["state"], "SUCCESSFUL");

    let failed = outputs(dir.path(), "failed")["jobs"].clone();
    assert_eq!(failed, serde_json::json!([]));

    let imports = outputs(dir.path(), "imports")["jobs"].clone();
    assert_eq!(imports.as_array().map(Vec::len), Some(2), "{imports}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_value_rejected_by_server_is_422() {
    let sim = simulator(400.0, &[]).await;
    let dir = project(&[]);
    let datasets = format!(
        "{}\n[steps.f]\nkind = \"find-datasets\"\ntype = \"subreads\"\nfilters = {{ num_records = {{ gt = \"many\" }} }}\n",
        header("bad-value")
    );
    let result = apply(dir.path(), &datasets, sim.base_url()).await;
    assert_eq!(result.code, Some(3), "{}", result.text);
    assert!(result.text.contains("422"), "{}", result.text);
    assert!(result.text.contains("many"), "{}", result.text);

    let jobs = format!(
        "{}\n[steps.f]\nkind = \"find-jobs\"\nfilters = {{ created_at = {{ lt = \"yesterday\" }} }}\n",
        header("bad-value")
    );
    let result = apply(dir.path(), &jobs, sim.base_url()).await;
    assert_eq!(result.code, Some(3), "{}", result.text);
    assert!(result.text.contains("422"), "{}", result.text);
    assert!(
        result.text.contains("searching analysis jobs"),
        "{}",
        result.text
    );
}

#[tokio::test]
async fn bad_search_options_fail_validation() {
    let dir = project(&[]);
    let cases = [
        (
            "[steps.f]\nkind = \"find-datasets\"\ntype = \"subread\"\n",
            "unknown dataset type `subread`",
        ),
        (
            "[steps.f]\nkind = \"find-datasets\"\ntype = \"subreads\"\nfilters = { nmae = \"x\" }\n",
            "unknown filter key `nmae`",
        ),
        (
            "[steps.f]\nkind = \"find-datasets\"\ntype = \"subreads\"\nfilters = { name = { near = \"x\" } }\n",
            "unknown filter operator `near`",
        ),
        (
            "[steps.f]\nkind = \"find-jobs\"\njob_type = \"analyses\"\n",
            "unknown job type `analyses`",
        ),
        (
            "[steps.f]\nkind = \"find-jobs\"\nfilters = { state = { in = [\"FAILED\"], ne = \"X\" } }\n",
            "exactly one operator",
        ),
        ("[steps.f]\nkind = \"find-jobs\"\nlimit = -1\n", "limit"),
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
