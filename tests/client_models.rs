//! Parsing of real SMRT Link JSON (fixtures) and of the documented record shapes.

use std::path::Path;

use slflow::smrtlink::models::{
    AcquisitionState, CollectionMetadata, DataSetRecord, DataStoreReportFile, EngineJob,
    FullProject, JobEvent, JobState, PipelineTemplate, ProjectRole, Report, ReportValue, RunState,
    RunSummary, TaskOption,
};
use slflow::smrtlink::{DatasetType, IdOrUuid};

fn fixture(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(relative);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

#[test]
fn every_fixture_report_parses() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reports");
    let mut parsed = 0;
    for entry in std::fs::read_dir(&dir).expect("reports dir exists") {
        let path = entry.expect("dir entry").path();
        let text = std::fs::read_to_string(&path).expect("readable");
        let report: Report = serde_json::from_str(&text)
            .unwrap_or_else(|error| panic!("{} does not parse: {error}", path.display()));
        assert!(!report.id.is_empty(), "{}", path.display());
        parsed += 1;
    }
    assert!(parsed >= 7, "only {parsed} reports found");
}

#[test]
fn legacy_report_keeps_version_and_tables() {
    let report: Report =
        serde_json::from_str(&fixture("reports/mapping_stats_report.json")).expect("parses");
    assert_eq!(report.id, "mapping_stats");
    assert_eq!(report.version, None);
    assert_eq!(report.uuid, None);
    assert_eq!(report.legacy_version, Some(serde_json::json!("2.3")));
    let table = &report.tables[0];
    assert_eq!(table.id, "mapping_stats.mapping_stats_table");
    let lengths: Vec<usize> = table
        .columns
        .iter()
        .map(|column| column.values.len())
        .collect();
    assert!(lengths.iter().all(|len| *len == lengths[0]), "{lengths:?}");
    assert_eq!(table.columns[1].values[0], ReportValue::Int(25245));
    assert_eq!(report.plot_groups.len(), 3);
}

#[test]
fn report_attribute_value_types() {
    let report: Report =
        serde_json::from_str(&fixture("reports/test_report.json")).expect("parses");
    let value = |id: &str| {
        report
            .attribute(id)
            .map(|attribute| attribute.value.clone())
    };
    assert_eq!(value("attribute1"), Some(ReportValue::Int(123_456_789)));
    assert_eq!(value("attribute2"), Some(ReportValue::Float(0.987_654_321)));
    assert_eq!(value("attribute3"), Some(ReportValue::Bool(true)));
    assert_eq!(
        value("attribute4"),
        Some(ReportValue::Text("qwerty".into()))
    );
    assert_eq!(value("missing"), None);
}

#[test]
fn report_attribute_found_by_last_segment() {
    let report: Report =
        serde_json::from_str(&fixture("reports/report_version_100.json")).expect("parses");
    assert_eq!(report.version.as_deref(), Some("1.0.0"));
    assert!(report.uuid.is_some());
    let by_short = report
        .attribute("adapter_dimers")
        .expect("short id matches");
    assert_eq!(by_short.id, "adapter.adapter_dimers");
    assert_eq!(report.attribute("adapter.adapter_dimers"), Some(by_short));
    assert!(
        by_short
            .value
            .as_f64()
            .is_some_and(|value| value > 0.001 && value < 0.002)
    );
}

#[test]
fn laa_report_with_string_changelist_parses() {
    let report: Report =
        serde_json::from_str(&fixture("reports/laa_report1.json")).expect("parses");
    assert_eq!(report.legacy_changelist, Some(serde_json::json!("UNKNOWN")));
    assert!(!report.tables.is_empty());
}

#[test]
fn report_with_plotly_plot_and_null_cells() {
    let text = r#"{"id":"r","version":"1.0.1","uuid":"a7d394be-1d2f-4c3b-9a8e-0123456789ab",
      "attributes":[{"id":"r.x","name":null,"value":null}],
      "plotGroups":[{"id":"r.pg","title":"t","legend":null,"thumbnail":null,
         "plots":[{"id":"r.pg.p","image":"p.json","plotType":"plotly","plotlyVersion":"1.5"}]}],
      "tables":[{"id":"r.t","title":"T","columns":[{"id":"r.t.c","header":"C","values":[1,null,"x",2.5]}]}]}"#;
    let report: Report = serde_json::from_str(text).expect("parses");
    assert_eq!(report.attributes[0].value, ReportValue::Null);
    assert_eq!(
        report.plot_groups[0].plots[0].plot_type.as_deref(),
        Some("plotly")
    );
    assert_eq!(
        report.tables[0].columns[0].values,
        vec![
            ReportValue::Int(1),
            ReportValue::Null,
            ReportValue::Text("x".into()),
            ReportValue::Float(2.5)
        ]
    );
}

#[test]
fn engine_job_fixture_parses_with_settings() {
    let job: EngineJob =
        serde_json::from_str(&fixture("jobs/engine-job-5.1.0.26412.json")).expect("parses");
    assert_eq!(job.id, 82270);
    assert_eq!(job.state, JobState::Successful);
    assert_eq!(job.smrtlink_version.as_deref(), Some("5.1.0.26412"));
    assert_eq!(job.workflow, "{}");
    let settings = job.settings().expect("jsonSettings is JSON");
    assert_eq!(settings["pipelineId"], "pbsmrtpipe.pipelines.sa3_ds_align");
    let options: Vec<TaskOption> = serde_json::from_value(settings["taskOptions"].clone())
        .expect("task options with `id` parse");
    assert_eq!(
        options[0].option_id,
        "pbalign.task_options.algorithm_options"
    );
    let entry: IdOrUuid =
        serde_json::from_value(settings["entryPoints"][0]["datasetId"].clone()).expect("int id");
    assert_eq!(entry, IdOrUuid::Id(122_877));
}

#[test]
fn engine_job_offset_and_version_alias() {
    let text = r#"{"id": 8767, "uuid": "127619b4-2d2b-4b4c-8b1c-0123456789ab", "name": "merge",
      "comment": "c", "createdAt": "2017-03-09T11:51:38.828-08:00", "updatedAt": "2017-03-09T11:52:00.000-08:00",
      "state": "CREATED", "jobTypeId": "merge-datasets", "path": "/jobs/008/008767",
      "jsonSettings": "{}", "smrtLinkVersion": "6.0.0.1", "projectId": 1, "isActive": true,
      "createdBy": null, "errorMessage": null, "tags": "", "subJobTypeId": null}"#;
    let job: EngineJob = serde_json::from_str(text).expect("parses");
    assert_eq!(job.smrtlink_version.as_deref(), Some("6.0.0.1"));
    assert_eq!(job.created_at.offset().local_minus_utc(), -8 * 3600);
    assert_eq!(job.created_at.timestamp_millis(), 1_489_089_098_828);
    assert_eq!(job.state, JobState::Created);
    let emitted = serde_json::to_value(&job).expect("serialises");
    assert_eq!(emitted["smrtlinkVersion"], "6.0.0.1");
    assert!(emitted.get("smrtLinkVersion").is_none());
}

#[test]
fn engine_job_tolerates_workflow_object_and_missing_optionals() {
    let text = r#"{"id": 1, "uuid": "127619b4-2d2b-4b4c-8b1c-0123456789ab", "name": "n",
      "createdAt": "2018-06-19T21:13:31.047Z", "state": "RUNNING", "jobTypeId": "analysis",
      "path": "/p", "workflow": {"a": 1}}"#;
    let job: EngineJob = serde_json::from_str(text).expect("parses");
    assert_eq!(job.workflow, r#"{"a":1}"#);
    assert_eq!(job.project_id, 1);
    assert!(job.is_active);
    assert_eq!(job.tag_list().count(), 0);
}

#[test]
fn job_state_terminal_and_failure_sets() {
    let cases = [
        ("CREATED", false, false),
        ("SUBMITTED", false, false),
        ("RUNNING", false, false),
        ("UNKNOWN", false, false),
        ("PAUSED_BY_ALIENS", false, false),
        ("SUCCESSFUL", true, false),
        ("FAILED", true, true),
        ("TERMINATED", true, true),
        ("ABORTED", true, true),
    ];
    for (text, terminal, failure) in cases {
        let state: JobState =
            serde_json::from_value(serde_json::json!(text)).expect("any string parses");
        assert_eq!(state.is_terminal(), terminal, "{text}");
        assert_eq!(state.is_failure(), failure, "{text}");
        assert_eq!(
            serde_json::to_value(&state).expect("serialises"),
            serde_json::json!(text)
        );
    }
    assert_eq!(JobState::parse("successful"), JobState::Successful);
    assert_eq!(JobState::parse("WEIRD"), JobState::Unknown("WEIRD".into()));
}

#[test]
fn pipeline_template_fixtures_parse() {
    // The resequencing template is tagged `internal`, so it is not public.
    for (name, public) in [
        (
            "pipelines/pbsmrtpipe.pipelines.sa3_ds_align_pipeline_template.json",
            true,
        ),
        (
            "pipelines/pbsmrtpipe.pipelines.sa3_ds_resequencing_fat_pipeline_template.json",
            false,
        ),
    ] {
        let template: PipelineTemplate = serde_json::from_str(&fixture(name)).expect("parses");
        assert!(!template.entry_points.is_empty(), "{name}");
        assert!(!template.task_options.is_empty(), "{name}");
        assert_eq!(template.is_public(), public, "{name}");
    }
    let template: PipelineTemplate = serde_json::from_str(&fixture(
        "pipelines/pbsmrtpipe.pipelines.sa3_ds_resequencing_fat_pipeline_template.json",
    ))
    .expect("parses");
    let option = template
        .task_option("pbalign.task_options.min_accuracy")
        .expect("declared");
    assert_eq!(option.option_type_id, "float");
    assert_eq!(option.default, serde_json::json!(70.0));
}

#[test]
fn dataset_records_of_several_types() {
    let subreads = r#"{"id": 3, "uuid": "c9074f64-37e0-d795-9b8e-7190ac6f87a5", "name": "lambda",
      "path": "/data/x.subreadset.xml", "createdAt": "2018-06-19T21:13:31.047Z",
      "updatedAt": "2018-06-19T21:13:31.047Z", "importedAt": "2018-06-19T21:13:31.047Z",
      "numRecords": 20, "totalLength": 19014, "version": "3.0.1", "comments": "", "tags": "",
      "md5": "abc", "createdBy": "smrtlinktest", "jobId": 2, "projectId": 1, "parentUuid": null,
      "isActive": true, "numChildren": 0, "datasetType": "PacBio.DataSet.SubreadSet",
      "instrumentName": "54006", "metadataContextId": "m54006_160504_020705", "wellSampleName": "w",
      "wellName": "A01", "bioSampleName": "b", "cellIndex": 0, "runName": "lambda", "dnaBarcodeName": null}"#;
    let record: DataSetRecord = serde_json::from_str(subreads).expect("subreads parse");
    assert_eq!(record.kind(), Some(DatasetType::Subread));
    assert_eq!(
        record.extras.metadata_context_id.as_deref(),
        Some("m54006_160504_020705")
    );
    assert_eq!(record.extras.dna_barcode_name, None);

    let reference = r#"{"id": 4, "uuid": "ffa9b910-cb1b-4f48-ada7-4ac440ffa91a", "name": "lambdaNEB",
      "path": "/r.xml", "numRecords": 1, "totalLength": 48502, "jobId": 5, "projectId": 1,
      "isActive": true, "datasetType": "PacBio.DataSet.ReferenceSet", "ploidy": "haploid", "organism": "lambdaNEB"}"#;
    let record: DataSetRecord = serde_json::from_str(reference).expect("reference parses");
    assert_eq!(record.kind(), Some(DatasetType::Reference));
    assert_eq!(record.extras.ploidy.as_deref(), Some("haploid"));

    // The type-independent shape: no datasetType, no extras, nulls where strings are expected.
    let meta = r#"{"id": 5, "uuid": "ffa9b910-cb1b-4f48-ada7-4ac440ffa91b", "name": "m", "path": "/m.xml",
      "version": null, "comments": null, "md5": null, "tags": null}"#;
    let record: DataSetRecord = serde_json::from_str(meta).expect("meta parses");
    assert_eq!(record.kind(), None);
    assert_eq!(record.version, "");
}

#[test]
fn dataset_type_names() {
    assert_eq!(
        DatasetType::ConsensusAlignment.short_name(),
        "ccsalignments"
    );
    assert_eq!(
        DatasetType::parse("PacBio.DataSet.ConsensusReadSet"),
        Some(DatasetType::ConsensusRead)
    );
    assert_eq!(
        DatasetType::parse("references"),
        Some(DatasetType::Reference)
    );
    assert_eq!(DatasetType::parse("cssalignments"), None);
    for ty in DatasetType::ALL {
        assert_eq!(DatasetType::parse(ty.file_type_id()), Some(ty));
        assert_eq!(DatasetType::parse(ty.short_name()), Some(ty));
    }
}

#[test]
fn report_list_without_job_ids() {
    let text = r#"[{"dataStoreFile": {"uuid": "a7d394be-1d2f-4c3b-9a8e-0123456789ab",
      "fileTypeId": "PacBio.FileTypes.JsonReport", "sourceId": "pb_align_ccs.report_mapping_stats",
      "fileSize": 1234, "createdAt": "2023-01-01T00:00:00Z", "modifiedAt": "2023-01-01T00:00:00Z",
      "importedAt": "2023-01-01T00:00:00Z", "path": "/j/report.json", "name": "Report mapping_stats",
      "description": "PacBio Report", "isActive": true},
      "reportTypeId": "pb_align_ccs.report_mapping_stats"}]"#;
    let reports: Vec<DataStoreReportFile> = serde_json::from_str(text).expect("parses");
    assert_eq!(reports[0].data_store_file.job_id, None);
    assert_eq!(
        reports[0].report_type_id,
        "pb_align_ccs.report_mapping_stats"
    );
}

#[test]
fn run_and_collection_states_keep_unknown_values() {
    let run = r#"{"uniqueId": "5e6b7c1a-1d2f-4c3b-9a8e-0123456789ab", "name": "r", "status": "System Test",
      "createdAt": "2023-01-01T00:00:00.000-05:00", "totalCells": 2, "numCellsCompleted": 1,
      "numCellsFailed": 0, "reserved": false}"#;
    let run: RunSummary = serde_json::from_str(run).expect("parses");
    assert_eq!(run.status, Some(RunState::SystemTest));

    let collection = r#"{"runId": "5e6b7c1a-1d2f-4c3b-9a8e-0123456789ab",
      "uniqueId": "c9074f64-37e0-d795-9b8e-7190ac6f87a5", "well": "A01", "name": "c",
      "context": "m54006_160504_020705", "status": "Hyperspace", "movieMinutes": 30}"#;
    let collection: CollectionMetadata = serde_json::from_str(collection).expect("parses");
    assert_eq!(
        collection.status,
        AcquisitionState::Unknown("Hyperspace".into())
    );
    assert!(!collection.status.is_terminal());
    assert!(AcquisitionState::parse("Complete").is_terminal());
    assert!(!AcquisitionState::parse("Complete").is_failure());
    assert!(AcquisitionState::parse("Failed").is_failure());
}

#[test]
fn full_project_with_shortened_datasets() {
    let text = r#"{"id": 2, "name": "p", "description": "d", "state": "CREATED",
      "createdAt": "2023-01-01T00:00:00Z", "updatedAt": "2023-01-01T00:00:00Z", "isActive": true,
      "grantRoleToAll": null, "datasets": [{"id": 34}], "members": [{"login": "admin", "role": "OWNER"}]}"#;
    let project: FullProject = serde_json::from_str(text).expect("parses");
    assert_eq!(project.datasets[0].id(), 34);
    assert_eq!(project.members[0].role, ProjectRole::Owner);
}

#[test]
fn job_event_parses() {
    let text = r#"{"eventId": "5e6b7c1a-1d2f-4c3b-9a8e-0123456789ab", "jobId": 1, "state": "SUBMITTED",
      "message": "Submitted job 1", "createdAt": "2018-06-19T21:13:31.047Z", "eventTypeId": "smrtlink_job_status"}"#;
    let event: JobEvent = serde_json::from_str(text).expect("parses");
    assert_eq!(event.state, JobState::Submitted);
}
