//! `create-project` and `download` end to end: projects that later steps join, re-applying
//! onto an existing project, downloads that stay inside their directory, server errors and
//! option errors.

mod steps_support;

use steps_support::{
    IMPORTS, apply, get_json, header, outputs, project, simulator, unwrapped, validate,
};

fn project_manifest(description: &str, members: &str) -> String {
    format!(
        r#"{}{IMPORTS}
[steps.team]
kind = "create-project"
name = "lambda team"
description = "{description}"
datasets = ["{{{{ steps.subreads.uuid }}}}", "{{{{ steps.reference.id }}}}"]
{members}

[steps.sat]
kind = "analysis"
pipeline = "pb_sat"
name = "SAT in the project"
entry_points = {{ eid_subread = "{{{{ steps.subreads.uuid }}}}", eid_ref_dataset = "{{{{ steps.reference.uuid }}}}" }}
project = "{{{{ steps.team.id }}}}"
"#,
        header("projects")
    )
}

const OWNER: &str =
    r#"members = [{ login = "admin", role = "OWNER" }, { login = "bo", role = "CAN_VIEW" }]"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_project_holds_datasets_and_jobs() {
    let sim = simulator(400.0, &[]).await;
    let url = sim.base_url();
    let dir = project(&[]);
    let result = apply(dir.path(), &project_manifest("first", OWNER), url).await;
    assert_eq!(result.code, Some(0), "{}", result.text);

    let id = outputs(dir.path(), "team")["id"]
        .as_i64()
        .expect("project id");
    assert!(id > 1, "a new project, not the General Project: {id}");
    let full = get_json(url, &format!("/smrt-link/projects/{id}")).await;
    assert_eq!(full["name"], "lambda team");
    // The project contains the two datasets, and also what the SAT job in it produced.
    let ids: Vec<i64> = full["datasets"]
        .as_array()
        .expect("datasets")
        .iter()
        .filter_map(|d| d["id"].as_i64())
        .collect();
    for step in ["subreads", "reference"] {
        let dataset = outputs(dir.path(), step)["id"].as_i64().expect("id");
        assert!(ids.contains(&dataset), "{step} {dataset} not in {ids:?}");
    }
    let logins: Vec<&str> = full["members"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(|m| m["login"].as_str())
        .collect();
    assert_eq!(logins, ["admin", "bo"]);

    let sat = outputs(dir.path(), "sat")["id"].as_i64().expect("sat id");
    let job = get_json(url, &format!("/smrt-link/job-manager/jobs/analysis/{sat}")).await;
    assert_eq!(job["projectId"], id);

    // A changed description reruns the step; the existing project is updated, not duplicated.
    let result = apply(dir.path(), &project_manifest("second", OWNER), url).await;
    assert_eq!(result.code, Some(0), "{}", result.text);
    assert!(result.text.contains("already existed"), "{}", result.text);
    assert_eq!(outputs(dir.path(), "team")["id"], id);
    let projects = get_json(url, "/smrt-link/projects").await;
    let named: Vec<_> = projects
        .as_array()
        .expect("projects")
        .iter()
        .filter(|p| p["name"] == "lambda team")
        .collect();
    assert_eq!(named.len(), 1, "{projects}");
    assert_eq!(named[0]["description"], "second");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_project_without_owner_is_409() {
    let sim = simulator(400.0, &[]).await;
    let dir = project(&[]);
    let members = r#"members = [{ login = "bo", role = "CAN_EDIT" }]"#;
    let result = apply(dir.path(), &project_manifest("x", members), sim.base_url()).await;
    assert_eq!(result.code, Some(3), "{}", result.text);
    assert!(result.text.contains("409"), "{}", result.text);
    assert!(result.text.contains("OWNER"), "{}", result.text);
    assert!(
        result.text.contains("`team` did not succeed"),
        "{}",
        result.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_project_unknown_dataset_fails() {
    let sim = simulator(400.0, &[]).await;
    let dir = project(&[]);
    let manifest = format!(
        "{}\n[steps.team]\nkind = \"create-project\"\nname = \"t\"\nmembers = [{{ login = \"admin\", role = \"OWNER\" }}]\ndatasets = [\"5d1b2c7e-63d4-4f55-8a4c-0a1f2e3d4c5b\"]\n",
        header("project-missing-dataset")
    );
    let result = apply(dir.path(), &manifest, sim.base_url()).await;
    assert_eq!(result.code, Some(3), "{}", result.text);
    assert!(
        result
            .text
            .contains("no dataset 5d1b2c7e-63d4-4f55-8a4c-0a1f2e3d4c5b"),
        "{}",
        result.text
    );
}

fn mapping(dir_value: &str, selection: &str) -> String {
    format!(
        r#"{}{IMPORTS}
[steps.mapping]
kind = "analysis"
pipeline = "pb_align_subreads"
name = "map"
entry_points = {{ eid_subread = "{{{{ steps.subreads.uuid }}}}", eid_ref_dataset = "{{{{ steps.reference.uuid }}}}" }}

[steps.save]
kind = "download"
job = "{{{{ steps.mapping.id }}}}"
{selection}
dir = "{dir_value}"
"#,
        header("download")
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_reports_and_files_into_dir() {
    let sim = simulator(400.0, &[]).await;
    let url = sim.base_url();
    let dir = project(&[]);
    let manifest = mapping("out/reports", r#"reports = ["*.report_mapping_stats"]"#);
    let result = apply(dir.path(), &manifest, url).await;
    assert_eq!(result.code, Some(0), "{}", result.text);

    let files = outputs(dir.path(), "save")["files"].clone();
    let files = files.as_array().expect("files");
    assert_eq!(files.len(), 1, "{files:?}");
    let path = std::path::PathBuf::from(files[0].as_str().expect("path"));
    let out = dir
        .path()
        .join("out/reports")
        .canonicalize()
        .expect("out dir");
    assert_eq!(path.parent(), Some(out.as_path()));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("read report")).expect("report JSON");
    assert!(
        report["attributes"]
            .as_array()
            .is_some_and(|a| !a.is_empty()),
        "{report}"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .expect("list out")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");

    // One file by datastore UUID.
    let mapping_id = outputs(dir.path(), "mapping")["id"].as_i64().expect("id");
    let datastore = get_json(
        url,
        &format!("/smrt-link/job-manager/jobs/analysis/{mapping_id}/datastore"),
    )
    .await;
    let first = datastore[0]["uuid"]
        .as_str()
        .expect("file uuid")
        .to_string();
    let single = format!(
        "{}\n[steps.one]\nkind = \"download\"\nfile = \"{first}\"\ndir = \"out/one\"\n",
        header("download-one")
    );
    let result = apply(dir.path(), &single, url).await;
    assert_eq!(result.code, Some(0), "{}", result.text);
    let files = outputs(dir.path(), "one")["files"].clone();
    let name = files[0].as_str().expect("path");
    assert!(name.contains(&first), "{name}");
    assert!(std::path::Path::new(name).is_file(), "{name}");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_refuses_symlink_target() {
    let sim = simulator(400.0, &[]).await;
    let url = sim.base_url();
    let dir = project(&[]);
    let selection = r#"reports = ["*.report_coverage"]"#;
    let result = apply(dir.path(), &mapping("out", selection), url).await;
    assert_eq!(result.code, Some(0), "{}", result.text);
    let saved = outputs(dir.path(), "save")["files"][0]
        .as_str()
        .expect("path")
        .to_string();
    let name = std::path::Path::new(&saved)
        .file_name()
        .expect("file name")
        .to_owned();

    // Plant a link where the next download of the same report would land.
    let elsewhere = dir.path().join("elsewhere.json");
    std::fs::write(&elsewhere, "keep me").expect("write");
    let target = dir.path().join("out").join(&name);
    std::fs::remove_file(&target).expect("remove download");
    std::os::unix::fs::symlink(&elsewhere, &target).expect("symlink");

    // `./out` is the same directory, but a changed value, so the download runs again.
    let manifest = mapping("./out", selection);
    let result = apply(dir.path(), &manifest, url).await;
    assert_eq!(result.code, Some(3), "{}", result.text);
    let text = unwrapped(&result.text);
    assert!(text.contains("symbolic link"), "{}", result.text);
    assert_eq!(
        std::fs::read_to_string(&elsewhere).expect("read"),
        "keep me"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_unknown_file_is_404() {
    let sim = simulator(400.0, &[]).await;
    let dir = project(&[]);
    let manifest = format!(
        "{}\n[steps.one]\nkind = \"download\"\nfile = \"6f5a3ec1-7c1a-4bbb-9d02-5c3b2c6b0c11\"\ndir = \"out\"\n",
        header("download-missing")
    );
    let result = apply(dir.path(), &manifest, sim.base_url()).await;
    assert_eq!(result.code, Some(3), "{}", result.text);
    assert!(result.text.contains("404"), "{}", result.text);
    let out = dir.path().join("out");
    let entries = std::fs::read_dir(&out).map(|d| d.count()).unwrap_or(0);
    assert_eq!(entries, 0, "a failed download must leave nothing behind");

    let not_uuid = manifest.replace("6f5a3ec1-7c1a-4bbb-9d02-5c3b2c6b0c11", "report.json");
    let result = apply(dir.path(), &not_uuid, sim.base_url()).await;
    assert_eq!(result.code, Some(3), "{}", result.text);
    assert!(
        result
            .text
            .contains("`report.json` is not a datastore file UUID"),
        "{}",
        result.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_no_matching_report_lists_available() {
    let sim = simulator(400.0, &[]).await;
    let dir = project(&[]);
    let result = apply(
        dir.path(),
        &mapping("out", r#"reports = ["*.no_such_report"]"#),
        sim.base_url(),
    )
    .await;
    assert_eq!(result.code, Some(3), "{}", result.text);
    assert!(
        result.text.contains("report_mapping_stats"),
        "{}",
        result.text
    );
}

#[tokio::test]
async fn bad_project_and_download_options_fail_validation() {
    let dir = project(&[]);
    let cases = [
        (
            "[steps.p]\nkind = \"create-project\"\nname = \" \"\n",
            "`name` is empty",
        ),
        (
            "[steps.p]\nkind = \"create-project\"\nname = \"p\"\nmembers = [{ login = \"a\", role = \"ADMIN\" }]\n",
            "ADMIN",
        ),
        (
            "[steps.p]\nkind = \"create-project\"\nname = \"p\"\ngrant_role_to_all = \"EVERYONE\"\n",
            "EVERYONE",
        ),
        (
            "[steps.d]\nkind = \"download\"\ndir = \"out\"\n",
            "missing `job` or `file`",
        ),
        (
            "[steps.d]\nkind = \"download\"\nfile = \"x\"\nreports = [\"*\"]\ndir = \"out\"\n",
            "takes no selection",
        ),
        (
            "[steps.d]\nkind = \"download\"\njob = 1\nreports = [\"[\"]\ndir = \"out\"\n",
            "invalid glob",
        ),
        (
            "[steps.d]\nkind = \"download\"\njob = 1\ndir = \"\"\n",
            "`dir` is empty",
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
