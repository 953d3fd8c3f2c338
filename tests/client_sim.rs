//! Every client call against the in-process simulator on 127.0.0.1, with real dataset XMLs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use slflow::sim::{SimConfig, SimHandle, spawn};
use slflow::smrtlink::models::{
    AnalysisOptions, DataSetUpdate, DeleteJobOptions, EntryPoint, ImportDatasetOptions, JobUpdate,
    MergeDatasetsOptions, ProjectMember, ProjectRequest, ProjectRole, TaskOption,
};
use slflow::smrtlink::{
    Client, ClientConfig, DatasetType, EngineJob, IdOrUuid, JobState, JobTag, RetryPolicy,
    RunDesignSource, RunFilter, SearchCriteria,
};
use uuid::Uuid;

const SUBREADS: &str = "SubreadSet/m54006_160504_020705.tiny.subreadset.xml";
const SUBREADS_UUID: &str = "c9074f64-37e0-d795-9b8e-7190ac6f87a5";
const SAMPLE1: &str = "SubreadSet/sample1.subreadset.xml";
const REFERENCE: &str = "ReferenceSet/lambdaNEB/referenceset.xml";

fn dataset_path(relative: &str) -> String {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/datasets")
        .join(relative);
    path.to_string_lossy().into_owned()
}

/// Starts a simulator that runs jobs 100 times faster than real time.
async fn start_sim(configure: impl FnOnce(&mut SimConfig)) -> SimHandle {
    let mut config = SimConfig {
        speed: 100.0,
        ..SimConfig::default()
    };
    configure(&mut config);
    spawn(config).await.expect("simulator starts on 127.0.0.1")
}

fn client_for(sim: &SimHandle) -> Client {
    let mut config = ClientConfig::local(sim.base_url());
    config.retry = RetryPolicy {
        max_attempts: 8,
        initial_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
        max_retry_after: Duration::from_secs(1),
    };
    config.timeout = Duration::from_secs(10);
    Client::new(config).expect("client builds")
}

/// Polls a job until it reaches a terminal state, failing the test after `limit`.
async fn wait_for_job(client: &Client, job: &EngineJob, limit: Duration) -> EngineJob {
    let started = Instant::now();
    loop {
        let current = client
            .job(&job.job_type_id, job.id)
            .await
            .expect("job poll succeeds");
        if current.state.is_terminal() {
            return current;
        }
        assert!(
            started.elapsed() < limit,
            "job {} still {} after {limit:?}",
            job.id,
            current.state
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn import(client: &Client, relative: &str) -> EngineJob {
    let job = client
        .import_dataset(&ImportDatasetOptions::new(dataset_path(relative)), None)
        .await
        .expect("import job created");
    let done = wait_for_job(client, &job, Duration::from_secs(20)).await;
    assert_eq!(
        done.state,
        JobState::Successful,
        "import of {relative}: {:?}",
        done.error_message
    );
    done
}

fn subreads_uuid() -> Uuid {
    Uuid::parse_str(SUBREADS_UUID).expect("valid uuid")
}

#[tokio::test]
async fn status_and_type_catalogues() {
    let sim = start_sim(|_| {}).await;
    let client = client_for(&sim);

    let status = client.status().await.expect("status");
    assert_eq!(status.id, "smrtlink_analysis");
    assert!(!status.version.is_empty());

    let types = client.dataset_types().await.expect("dataset types");
    assert!(
        types
            .iter()
            .any(|ty| ty.id == "PacBio.DataSet.SubreadSet" && ty.short_name == "subreads")
    );
    let one = client
        .dataset_type(DatasetType::ConsensusRead)
        .await
        .expect("one dataset type");
    assert_eq!(one.id, "PacBio.DataSet.ConsensusReadSet");

    let job_types = client.job_types().await.expect("job types");
    let import = job_types
        .iter()
        .find(|ty| ty.job_type_id == "import-dataset")
        .expect("import-dataset listed");
    assert!(import.is_quick);
    let analysis = job_types
        .iter()
        .find(|ty| ty.job_type_id == "analysis")
        .expect("analysis listed");
    assert!(!analysis.is_quick);
}

#[tokio::test]
async fn dataset_import_lookup_and_soft_delete() {
    let sim = start_sim(|_| {}).await;
    let client = client_for(&sim);

    assert_eq!(
        client
            .dataset_by_uuid(subreads_uuid())
            .await
            .expect("search"),
        None
    );
    let job = import(&client, SUBREADS).await;

    let found = client
        .dataset_by_uuid(subreads_uuid())
        .await
        .expect("search")
        .expect("dataset exists now");
    assert_eq!(found.kind(), Some(DatasetType::Subread));
    assert_eq!(found.num_records, 20);
    assert_eq!(found.total_length, 19014);
    assert_eq!(found.job_id, Some(job.id));
    assert_eq!(
        found.extras.metadata_context_id.as_deref(),
        Some("m54006_160504_020705")
    );

    let by_id = client
        .dataset(DatasetType::Subread, found.id)
        .await
        .expect("by id");
    let by_uuid = client
        .dataset(DatasetType::Subread, subreads_uuid())
        .await
        .expect("by uuid");
    assert_eq!(by_id, by_uuid);
    let wrong_type = client
        .dataset(DatasetType::Reference, found.id)
        .await
        .expect_err("not a reference");
    assert!(wrong_type.is_not_found(), "{wrong_type}");

    let listed = client
        .datasets(DatasetType::Subread, &SearchCriteria::new())
        .await
        .expect("list");
    assert_eq!(listed.len(), 1);
    let criteria = SearchCriteria::new()
        .any_of("uuid", [subreads_uuid()])
        .gt("numRecords", 10);
    let searched = client
        .search_datasets(DatasetType::Subread, &criteria)
        .await
        .expect("POST search");
    assert_eq!(searched.len(), 1);
    let none = client
        .datasets(
            DatasetType::Subread,
            &SearchCriteria::new().lt("numRecords", 5),
        )
        .await
        .expect("list");
    assert!(none.is_empty());

    let reports = client
        .dataset_reports(DatasetType::Subread, found.id)
        .await
        .expect("dataset reports");
    let job_reports = client
        .job_reports("import-dataset", job.id)
        .await
        .expect("job reports");
    let ids = |list: &[slflow::smrtlink::models::DataStoreReportFile]| {
        let mut ids: Vec<Uuid> = list
            .iter()
            .map(|report| report.data_store_file.uuid)
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(
        ids(&reports),
        ids(&job_reports),
        "dataset reports are its import job's reports"
    );

    let update = DataSetUpdate {
        is_active: Some(false),
        ..DataSetUpdate::default()
    };
    client
        .update_dataset(DatasetType::Subread, found.id, &update)
        .await
        .expect("soft delete");
    let deleted = client
        .dataset(DatasetType::Subread, found.id)
        .await
        .expect("still readable by id");
    assert!(!deleted.is_active);
    let active = client
        .datasets(DatasetType::Subread, &SearchCriteria::new())
        .await
        .expect("list");
    assert!(active.is_empty(), "soft-deleted dataset hidden from lists");
}

#[tokio::test]
async fn job_resources_and_downloads() {
    let sim = start_sim(|_| {}).await;
    let client = client_for(&sim);
    let tag = JobTag::new("slflow-sim-import-1").expect("valid tag");
    let mut options = ImportDatasetOptions::new(dataset_path(SUBREADS));
    options.common.name = Some("import tiny".into());
    let created = client
        .import_dataset(&options, Some(&tag))
        .await
        .expect("created");
    assert!(matches!(
        created.state,
        JobState::Created | JobState::Submitted | JobState::Running
    ));
    let job = wait_for_job(&client, &created, Duration::from_secs(20)).await;

    let found = client
        .find_job_by_tag("import-dataset", &tag)
        .await
        .expect("search")
        .expect("found by tag");
    assert_eq!(found.id, job.id);
    let other = JobTag::new("slflow-sim-no-such").expect("valid tag");
    assert_eq!(
        client
            .find_job_by_tag("import-dataset", &other)
            .await
            .expect("search"),
        None
    );

    let by_uuid = client
        .job("import-dataset", job.uuid)
        .await
        .expect("by uuid");
    assert_eq!(by_uuid.id, job.id);
    // The job type segment is not checked.
    let any_type = client
        .job("analysis", job.id)
        .await
        .expect("permissive routing");
    assert_eq!(any_type.uuid, job.uuid);

    let listed = client
        .jobs(
            "import-dataset",
            &SearchCriteria::new().like("name", "tiny"),
        )
        .await
        .expect("list");
    assert_eq!(
        listed.iter().map(|each| each.id).collect::<Vec<_>>(),
        vec![job.id]
    );
    let searched = client
        .search_jobs(
            "import-dataset",
            &SearchCriteria::new().any_of("id", [job.id, 999]),
        )
        .await
        .expect("POST search");
    assert_eq!(searched.len(), 1);
    let by_state = client
        .jobs(
            "import-dataset",
            &SearchCriteria::new().eq("state", "SUCCESSFUL"),
        )
        .await
        .expect("state filter");
    assert_eq!(by_state.len(), 1);

    let events = client
        .job_events("import-dataset", job.id)
        .await
        .expect("events");
    assert!(
        events
            .iter()
            .any(|event| event.state == JobState::Successful),
        "{events:?}"
    );
    client
        .job_tasks("import-dataset", job.id)
        .await
        .expect("tasks list");
    let options = client
        .job_options("import-dataset", job.id)
        .await
        .expect("options");
    assert_eq!(options["path"], serde_json::json!(dataset_path(SUBREADS)));
    let entry_points = client
        .job_entry_points("import-dataset", job.id)
        .await
        .expect("entry points");
    assert!(entry_points.is_empty(), "an import has no input datasets");
    assert!(
        client
            .job_children("import-dataset", job.id)
            .await
            .expect("children")
            .is_empty()
    );

    let datastore = client
        .job_datastore("import-dataset", job.id)
        .await
        .expect("datastore");
    let dataset_file = datastore
        .iter()
        .find(|file| file.file_type_id == "PacBio.DataSet.SubreadSet")
        .expect("the imported dataset is in the datastore");
    assert_eq!(dataset_file.uuid, subreads_uuid());
    let record = client
        .datastore_file(dataset_file.uuid)
        .await
        .expect("datastore file");
    assert_eq!(&record, dataset_file);

    let reports = client
        .job_reports("import-dataset", job.id)
        .await
        .expect("reports");
    assert!(
        !reports.is_empty(),
        "a SubreadSet with sts.xml gets QC reports"
    );
    for entry in &reports {
        let report = client
            .job_report("import-dataset", job.id, entry.data_store_file.uuid)
            .await
            .expect("report parses");
        assert_eq!(
            report.uuid,
            Some(entry.data_store_file.uuid),
            "report uuid equals datastore uuid"
        );
    }
    let raw = reports
        .iter()
        .find(|entry| entry.report_type_id == "pbreports.tasks.filter_stats_report_xml")
        .expect("raw data report listed");
    let report = client
        .job_report("import-dataset", job.id, raw.data_store_file.uuid)
        .await
        .expect("report");
    assert!(
        report.attribute("nreads").is_some(),
        "{:?}",
        report.attributes
    );

    let mut bytes = Vec::new();
    let download = client
        .download_datastore_file(raw.data_store_file.uuid, &mut bytes)
        .await
        .expect("download");
    let downloaded: slflow::smrtlink::models::Report =
        serde_json::from_slice(&bytes).expect("report JSON");
    assert_eq!(downloaded.id, report.id);
    assert_eq!(download.bytes, bytes.len() as u64);
    assert!(
        download.filename.ends_with(".json"),
        "{}",
        download.filename
    );
    let mut job_bytes = Vec::new();
    client
        .download_job_file(
            "import-dataset",
            job.id,
            raw.data_store_file.uuid,
            &mut job_bytes,
        )
        .await
        .expect("job-scoped download");
    assert_eq!(job_bytes, bytes);

    let update = JobUpdate {
        name: Some("renamed".into()),
        comment: Some("checked".into()),
        tags: None,
    };
    let updated = client
        .update_job("import-dataset", job.id, &update)
        .await
        .expect("update");
    assert_eq!(updated.name, "renamed");
    assert_eq!(updated.comment, "checked");
}

#[tokio::test]
async fn merge_and_analysis_lifecycle() {
    let sim = start_sim(|config| {
        // At speed 100: pb_sat 0.5 s, pb_align_subreads 20 s (long enough to terminate).
        config.job_seconds.insert("pb_sat".into(), 50.0);
        config
            .job_seconds
            .insert("pb_align_subreads".into(), 2000.0);
    })
    .await;
    let client = client_for(&sim);
    let subreads_job = import(&client, SUBREADS).await;
    import(&client, SAMPLE1).await;
    import(&client, REFERENCE).await;
    let subreads = client
        .dataset_by_uuid(subreads_uuid())
        .await
        .expect("search")
        .expect("imported");
    let sample1 = client
        .datasets(
            DatasetType::Subread,
            &SearchCriteria::new().like("path", "sample1"),
        )
        .await
        .expect("list")
        .pop()
        .expect("sample1 imported");
    let reference = client
        .datasets(DatasetType::Reference, &SearchCriteria::new())
        .await
        .expect("list")
        .pop()
        .expect("reference imported");

    // Merge by one int id and one UUID.
    let merge = MergeDatasetsOptions {
        ids: vec![IdOrUuid::Id(subreads.id), IdOrUuid::Uuid(sample1.uuid)],
        dataset_type: DatasetType::Subread.file_type_id().to_string(),
        name: "merged tiny".into(),
        common: Default::default(),
    };
    let merge_job = client
        .merge_datasets(&merge, None)
        .await
        .expect("merge created");
    let merge_job = wait_for_job(&client, &merge_job, Duration::from_secs(20)).await;
    assert_eq!(merge_job.state, JobState::Successful);
    let merged = client
        .datasets(
            DatasetType::Subread,
            &SearchCriteria::new().eq("jobId", merge_job.id),
        )
        .await
        .expect("merged dataset by job id");
    assert_eq!(merged.len(), 1);
    assert_eq!(
        merged[0].num_records,
        subreads.num_records + sample1.num_records
    );
    let inputs = client
        .job_entry_points("merge-datasets", merge_job.id)
        .await
        .expect("entry points");
    assert_eq!(inputs.len(), 2);
    let children = client
        .job_children("import-dataset", subreads_job.id)
        .await
        .expect("children");
    assert!(
        children.iter().any(|child| child.id == merge_job.id),
        "merge is a child of the import"
    );

    let templates = client.pipeline_templates().await.expect("templates");
    assert!(
        templates
            .iter()
            .any(|template| template.id == "cromwell.workflows.pb_sat")
    );
    let sat = client
        .pipeline_template("pb_sat")
        .await
        .expect("short id expands");
    assert_eq!(sat.id, "cromwell.workflows.pb_sat");
    assert!(sat.entry_point("eid_subread").is_some());
    let missing = client
        .pipeline_template("no_such_pipeline")
        .await
        .expect_err("unknown pipeline");
    assert!(missing.is_not_found(), "{missing}");

    let entry_points = vec![
        EntryPoint {
            entry_id: "eid_subread".into(),
            file_type_id: DatasetType::Subread.file_type_id().into(),
            dataset_id: subreads.uuid.into(),
        },
        EntryPoint {
            entry_id: "eid_ref_dataset".into(),
            file_type_id: DatasetType::Reference.file_type_id().into(),
            dataset_id: reference.id.into(),
        },
    ];
    let mut options =
        AnalysisOptions::new("SAT", "cromwell.workflows.pb_sat", entry_points.clone());
    options.task_options.push(TaskOption {
        option_id: "downsample_factor".into(),
        value: serde_json::json!(0),
        option_type_id: "integer".into(),
    });
    let tag = JobTag::new("slflow-sim-sat-0001").expect("valid tag");
    let sat_job = client
        .create_analysis(&options, Some(&tag))
        .await
        .expect("analysis created");
    assert_eq!(
        sat_job.sub_job_type_id.as_deref(),
        Some("cromwell.workflows.pb_sat")
    );
    let sat_job = wait_for_job(&client, &sat_job, Duration::from_secs(20)).await;
    assert_eq!(sat_job.state, JobState::Successful);
    let rerun = client
        .job_options("analysis", sat_job.id)
        .await
        .expect("options");
    assert_eq!(rerun["pipelineId"], "cromwell.workflows.pb_sat");
    let reports = client
        .job_reports("analysis", sat_job.id)
        .await
        .expect("reports");
    assert!(!reports.is_empty());

    // Created without submitting, then submitted.
    let mut held = AnalysisOptions::new("held", "cromwell.workflows.pb_sat", entry_points.clone());
    held.submit = false;
    let held_job = client.create_analysis(&held, None).await.expect("created");
    assert_eq!(held_job.state, JobState::Created);
    client
        .submit_job("analysis", held_job.id)
        .await
        .expect("submitted");
    let held_job = wait_for_job(&client, &held_job, Duration::from_secs(20)).await;
    assert_eq!(held_job.state, JobState::Successful);
    let again = client
        .submit_job("analysis", held_job.id)
        .await
        .expect_err("only CREATED jobs submit");
    assert!(again.is_unprocessable(), "{again}");

    // A slow analysis terminated while it runs.
    let slow = AnalysisOptions::new("slow", "cromwell.workflows.pb_align_subreads", entry_points);
    let slow_job = client.create_analysis(&slow, None).await.expect("created");
    let started = Instant::now();
    while client
        .job("analysis", slow_job.id)
        .await
        .expect("poll")
        .state
        != JobState::Running
    {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "slow job never started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    client
        .terminate_job("analysis", slow_job.id)
        .await
        .expect("terminated");
    let slow_job = wait_for_job(&client, &slow_job, Duration::from_secs(10)).await;
    assert_eq!(slow_job.state, JobState::Terminated);
    assert!(slow_job.state.is_failure());
    let not_running = client
        .terminate_job("analysis", slow_job.id)
        .await
        .expect_err("not RUNNING");
    assert!(not_running.is_unprocessable(), "{not_running}");
}

#[tokio::test]
async fn delete_job_dry_run_then_real() {
    let sim = start_sim(|_| {}).await;
    let client = client_for(&sim);
    let import_job = import(&client, SUBREADS).await;

    let mut dry = DeleteJobOptions::new(import_job.uuid);
    dry.dry_run = true;
    let target = client.delete_job(&dry, None).await.expect("dry run");
    assert_eq!(target.id, import_job.id, "a dry run returns the target job");
    assert!(
        client
            .job("import-dataset", import_job.id)
            .await
            .expect("still there")
            .is_active
    );

    let delete = client
        .delete_job(&DeleteJobOptions::new(import_job.uuid), None)
        .await
        .expect("delete job");
    assert_eq!(delete.job_type_id, "delete-job");
    let delete = wait_for_job(&client, &delete, Duration::from_secs(20)).await;
    assert_eq!(delete.state, JobState::Successful);
    let target = client
        .job("import-dataset", import_job.id)
        .await
        .expect("readable by id");
    assert!(!target.is_active);
    let dataset = client
        .dataset(DatasetType::Subread, subreads_uuid())
        .await
        .expect("readable by id");
    assert!(
        !dataset.is_active,
        "datasets of a deleted job become inactive"
    );
}

const RUN_DESIGN: &str = "Run Name,Sample Well,Sample Name,Movie Time per SMRT Cell (hours),Insert Size (bp),Template Prep Kit Box Barcode,Binding Kit Box Barcode,Sequencing Kit Box Barcode,Is Collection
client-test-run,A01,alpha,0.1,2000,DM1117100259100111716,DM1117100862200111716,DM0001100861800123120,TRUE
client-test-run,B01,beta,0.1,2000,DM1117100259100111716,DM1117100862200111716,DM0001100861800123120,TRUE
";

#[tokio::test]
async fn run_design_import_and_collections() {
    let sim = start_sim(|config| {
        config.job_seconds.insert("collection".into(), 100.0);
    })
    .await;
    let client = client_for(&sim);

    let design = client
        .import_run_design(&RunDesignSource::Content(RUN_DESIGN.to_string()))
        .await
        .expect("run design imported");
    let run = client.run(design.uuid).await.expect("run by uuid");
    assert_eq!(run.summary.name, "client-test-run");
    assert!(!run.data_model.is_empty(), "run XML returned");

    let filter = RunFilter {
        name: Some("client-test-run".into()),
        ..RunFilter::default()
    };
    let runs = client.runs(&filter).await.expect("runs by name");
    assert_eq!(
        runs.iter().map(|each| each.unique_id).collect::<Vec<_>>(),
        vec![design.uuid]
    );
    let other = RunFilter {
        name: Some("no-such-run".into()),
        ..RunFilter::default()
    };
    assert!(client.runs(&other).await.expect("runs").is_empty());

    let started = Instant::now();
    let collections = loop {
        let collections = client
            .run_collections(design.uuid)
            .await
            .expect("collections");
        assert_eq!(collections.len(), 2);
        if collections
            .iter()
            .all(|collection| collection.status.is_terminal())
        {
            break collections;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "collections still running: {collections:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let wells: Vec<&str> = collections
        .iter()
        .map(|collection| collection.well.as_str())
        .collect();
    assert!(
        wells.contains(&"A01") && wells.contains(&"B01"),
        "{wells:?}"
    );
    let first = client
        .run_collection(design.uuid, collections[0].unique_id)
        .await
        .expect("one collection");
    assert_eq!(first.unique_id, collections[0].unique_id);
    assert!(first.status.is_terminal());
}

#[tokio::test]
async fn project_create_update_delete() {
    let sim = start_sim(|_| {}).await;
    let client = client_for(&sim);

    let mut request = ProjectRequest::new("client-project", "made by the client test");
    request.members = Some(vec![ProjectMember {
        login: "admin".into(),
        role: ProjectRole::Owner,
    }]);
    let created = client.create_project(&request).await.expect("created");
    assert_eq!(created.project.name, "client-project");
    let duplicate = client
        .create_project(&request)
        .await
        .expect_err("duplicate name");
    assert!(duplicate.is_conflict(), "{duplicate}");

    let listed = client.projects().await.expect("list");
    assert!(
        listed
            .iter()
            .any(|project| project.id == created.project.id)
    );
    let fetched = client.project(created.project.id).await.expect("get");
    assert_eq!(fetched.members, request.members.clone().unwrap_or_default());

    request.description = "changed".into();
    let updated = client
        .update_project(created.project.id, &request)
        .await
        .expect("update");
    assert_eq!(updated.project.description, "changed");

    let deleted = client
        .delete_project(created.project.id)
        .await
        .expect("delete");
    assert!(!deleted.is_active);
}

#[tokio::test]
async fn server_errors_are_typed() {
    let sim = start_sim(|_| {}).await;
    let client = client_for(&sim);

    let missing = client.job("analysis", 4242).await.expect_err("no such job");
    assert!(missing.is_not_found());
    assert!(missing.server_message().is_some(), "{missing}");
    assert!(
        missing
            .to_string()
            .starts_with("GET /smrt-link/job-manager/jobs/analysis/4242: 404 Not Found"),
        "{missing}"
    );

    let invalid = client
        .jobs(
            "analysis",
            &SearchCriteria::new().raw("id", "gt:notanumber"),
        )
        .await
        .expect_err("invalid filter");
    assert!(invalid.is_unprocessable(), "{invalid}");

    let bad_import = client
        .import_dataset(
            &ImportDatasetOptions::new("/no/such/file.subreadset.xml"),
            None,
        )
        .await;
    match bad_import {
        Err(error) => assert!(error.is_unprocessable() || error.is_not_found(), "{error}"),
        Ok(job) => {
            let job = wait_for_job(&client, &job, Duration::from_secs(20)).await;
            assert_eq!(job.state, JobState::Failed);
        }
    }
}

/// Runs a fixed sequence of calls and returns what a caller would record from them.
async fn call_sequence(client: &Client, tag_prefix: &str) -> Vec<String> {
    let mut results = Vec::new();
    let status = client.status().await.expect("status");
    results.push(status.id);
    let mut types: Vec<String> = client
        .dataset_types()
        .await
        .expect("types")
        .into_iter()
        .map(|ty| ty.id)
        .collect();
    types.sort();
    results.push(types.join(","));

    let mut imported = HashMap::new();
    for (index, relative) in [SUBREADS, SAMPLE1, REFERENCE].into_iter().enumerate() {
        let tag = JobTag::new(format!("{tag_prefix}-import-{index}")).expect("valid tag");
        let job = client
            .import_dataset(
                &ImportDatasetOptions::new(dataset_path(relative)),
                Some(&tag),
            )
            .await
            .expect("import survives faults");
        let job = wait_for_job(client, &job, Duration::from_secs(60)).await;
        results.push(format!("{relative}: {}", job.state));
        imported.insert(relative, job);
    }
    let subreads = client
        .dataset_by_uuid(subreads_uuid())
        .await
        .expect("search")
        .expect("imported");
    results.push(format!(
        "{} {} {}",
        subreads.uuid, subreads.num_records, subreads.total_length
    ));
    let listed = client
        .datasets(DatasetType::Subread, &SearchCriteria::new())
        .await
        .expect("list");
    let mut uuids: Vec<String> = listed
        .iter()
        .map(|record| record.uuid.to_string())
        .collect();
    uuids.sort();
    results.push(uuids.join(","));

    let reports = client
        .job_reports("import-dataset", imported[SUBREADS].id)
        .await
        .expect("reports");
    let mut report_types: Vec<String> = reports
        .iter()
        .map(|entry| entry.report_type_id.clone())
        .collect();
    report_types.sort();
    results.push(report_types.join(","));

    let tag = JobTag::new(format!("{tag_prefix}-sat")).expect("valid tag");
    let entry_points = vec![
        EntryPoint {
            entry_id: "eid_subread".into(),
            file_type_id: DatasetType::Subread.file_type_id().into(),
            dataset_id: subreads.uuid.into(),
        },
        EntryPoint {
            entry_id: "eid_ref_dataset".into(),
            file_type_id: DatasetType::Reference.file_type_id().into(),
            dataset_id: Uuid::parse_str("ffa9b910-cb1b-4f48-ada7-4ac440ffa91a")
                .expect("uuid")
                .into(),
        },
    ];
    let options = AnalysisOptions::new("SAT", "cromwell.workflows.pb_sat", entry_points);
    let job = client
        .create_analysis(&options, Some(&tag))
        .await
        .expect("analysis survives faults");
    let job = wait_for_job(client, &job, Duration::from_secs(60)).await;
    results.push(format!("sat: {}", job.state));
    let analyses = client
        .jobs("analysis", &SearchCriteria::new())
        .await
        .expect("list");
    results.push(format!("analysis jobs: {}", analyses.len()));
    let imports = client
        .jobs("import-dataset", &SearchCriteria::new())
        .await
        .expect("list");
    results.push(format!("import jobs: {}", imports.len()));
    results
}

/// Counts the client's "retrying" log lines, to prove that faults were injected and survived.
#[derive(Clone, Default)]
struct RetryCounter(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for RetryCounter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl RetryCounter {
    fn count(&self, needle: &str) -> usize {
        String::from_utf8_lossy(&self.0.lock().expect("lock"))
            .matches(needle)
            .count()
    }
}

// A current-thread runtime keeps every client task on this thread, where the log capture is
// installed.
#[tokio::test]
async fn faults_survived_with_identical_results() {
    let clean = start_sim(|config| {
        config.job_seconds.insert("pb_sat".into(), 50.0);
    })
    .await;
    let expected = call_sequence(&client_for(&clean), "slflow-clean").await;

    let faulty = start_sim(|config| {
        config.job_seconds.insert("pb_sat".into(), 50.0);
        config.error_rate = 0.2;
        config.reset_rate = 0.05;
        config.seed = 7;
    })
    .await;
    let logs = RetryCounter::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let started = Instant::now();
    let actual = call_sequence(&client_for(&faulty), "slflow-faulty").await;

    assert_eq!(actual, expected);
    assert!(
        logs.count("retrying SMRT Link request") > 0,
        "no fault was injected"
    );
    assert!(
        started.elapsed() < Duration::from_secs(90),
        "took {:?}",
        started.elapsed()
    );
}
