//! Dataset import, lookup, search and update against the simulator served on 127.0.0.1:0.

mod sim_support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use sim_support::*;

/// Every DataSet XML fixture: (path under datasets/, MetaType, UniqueId, Name, NumRecords,
/// TotalLength of the top-level DataSetMetadata), read off the files with Python ElementTree.
const FIXTURES: &[(&str, &str, &str, &str, i64, i64)] = &[
    (
        "AlignmentSet/m140905_042212_sidney_c100564852550000001823085912221377_s1_X0.alignmentset.xml",
        "PacBio.DataSet.AlignmentSet",
        "65a1916e-fd46-37aa-c224-5b6aae10f85d",
        "rsii-aligned",
        112,
        60467,
    ),
    (
        "AlignmentSet/m54006_160504_020705.alignmentset.xml",
        "PacBio.DataSet.AlignmentSet",
        "d18bbef7-d6db-a25f-09a8-b1e302a1f85b",
        "aligned-ds-2",
        21,
        213750,
    ),
    (
        "AlignmentSet/m54075_160703_015941.alignmentset.xml",
        "PacBio.DataSet.AlignmentSet",
        "5330b6dc-1c10-f996-5dbe-98a99634ecd5",
        "aligned-internal-subreads",
        175,
        321058,
    ),
    (
        "AlignmentSet/mapped-1/m54006_160504_020705.tiny_mapped.alignmentset.xml",
        "PacBio.DataSet.AlignmentSet",
        "fce14729-d663-01b5-9c06-c451e2790a11",
        "aligned-split-1",
        11,
        113886,
    ),
    (
        "ConsensusAlignmentSet/mapped.consensusalignmentset.xml",
        "PacBio.DataSet.ConsensusAlignmentSet",
        "aac61a94-6046-6719-efc6-773b0f56d792",
        "rsii-ccs-aligned",
        10,
        11229,
    ),
    (
        "ConsensusReadSet/m130727_114215_42211_c100569412550000001823090301191423_s1_p0.consensusreadset.xml",
        "PacBio.DataSet.ConsensusReadSet",
        "7a70efd2-18ae-9861-3368-05f35562e3be",
        "rsii-ccs",
        18,
        0,
    ),
    (
        "HdfSubreadSet/m140912_020930_00114_c100702482550000001823141103261590_s1_p0.all.hdfsubreadset.xml",
        "PacBio.DataSet.HdfSubreadSet",
        "43c51ade-cb34-f699-9b36-f39744bc421d",
        "hdfsubreads",
        9,
        58468,
    ),
    (
        "ReferenceSet/lambdaNEB/referenceset.xml",
        "PacBio.DataSet.ReferenceSet",
        "ffa9b910-cb1b-4f48-ada7-4ac440ffa91a",
        "lambdaNEB",
        1,
        48502,
    ),
    (
        "SubreadSet/barcoded.subreadset.xml",
        "PacBio.DataSet.SubreadSet",
        "ceec5b21-69cc-0c4b-91db-d00835210816",
        "barcoded-subreadset",
        3,
        11431,
    ),
    (
        "SubreadSet/m140905_042212_sidney_c100564852550000001823085912221377_s1_X0.subreadset.xml",
        "PacBio.DataSet.SubreadSet",
        "af916621-ab06-46cc-94f2-bc922c48b277",
        "subreads-xml",
        117,
        62340,
    ),
    (
        "SubreadSet/m140905_042212_sidney_c100564852550000001823085912221377_s1_X0_filtered.subreadset.xml",
        "PacBio.DataSet.SubreadSet",
        "47919a2d-2d6e-4499-863c-67b0433e6a2a",
        "subreads-filtered",
        78,
        40910,
    ),
    (
        "SubreadSet/m140918_150013_42139_c100697631700000001823144703261565_s1_p0.subreadset.xml",
        "PacBio.DataSet.SubreadSet",
        "549025af-9ed8-0c9e-7950-685563fe6365",
        "subreads-unbarcoded",
        18,
        33882,
    ),
    (
        "SubreadSet/m54006_160504_020705.tiny.subreadset.xml",
        "PacBio.DataSet.SubreadSet",
        "c9074f64-37e0-d795-9b8e-7190ac6f87a5",
        "subreads-sequel",
        20,
        19014,
    ),
    (
        "SubreadSet/m54075_160703_015941.subreadset.xml",
        "PacBio.DataSet.SubreadSet",
        "5243fae9-cb9d-4c44-8b4d-0ac1b5cb1b30",
        "internal-subreads",
        179,
        3235734673,
    ),
    (
        "SubreadSet/sample1.subreadset.xml",
        "PacBio.DataSet.SubreadSet",
        "818ebaa5-8b13-003f-0c49-9e1664f66a2a",
        "Alice",
        18,
        33882,
    ),
];

#[tokio::test]
async fn every_fixture_imports() {
    let sim = Sim::start().await;
    let on_disk = std::fs::read_dir(fixture("datasets"))
        .expect("fixture dir")
        .count();
    assert!(on_disk >= 7, "expected the dataset fixture folders");
    for (rel, meta, uuid, name, records, length) in FIXTURES {
        let (job, ds) = sim.import(&format!("datasets/{rel}")).await;
        assert_eq!(ds["uuid"], *uuid, "{rel}");
        assert_eq!(ds["name"], *name, "{rel}");
        assert_eq!(ds["numRecords"], *records, "{rel}");
        assert_eq!(ds["totalLength"], *length, "{rel}");
        assert_eq!(ds["jobId"], job["id"], "{rel}");
        assert!(
            ds.get("datasetType").is_none(),
            "type-independent record has no datasetType: {rel}"
        );
        let short = slflow::dataset_xml::short_name_of(meta).expect("known type");
        let typed = sim
            .get_ok(&format!("/smrt-link/datasets/{short}/{uuid}"))
            .await;
        assert_eq!(typed["datasetType"], *meta, "{rel}");
        assert_eq!(typed["path"], fixture(&format!("datasets/{rel}")), "{rel}");
        let by_id = sim
            .get_ok(&format!("/smrt-link/datasets/{short}/{}", typed["id"]))
            .await;
        assert_eq!(by_id["uuid"], *uuid, "{rel}");
        let datastore = sim
            .get_ok(&format!(
                "/smrt-link/job-manager/jobs/import-dataset/{}/datastore",
                job["id"]
            ))
            .await;
        let file = datastore
            .as_array()
            .expect("list")
            .iter()
            .find(|f| f["uuid"] == *uuid)
            .cloned();
        let file = file
            .unwrap_or_else(|| panic!("datastore of {rel} lacks the dataset file: {datastore}"));
        assert_eq!(file["sourceId"], "pbscala::import_dataset");
        assert_eq!(file["fileTypeId"], *meta);
    }
    let subreads = sim.get_ok("/smrt-link/datasets/subreads").await;
    assert_eq!(subreads.as_array().map(Vec::len), Some(7));
    let ids: Vec<i64> = subreads
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(ids, sorted, "lists are sorted by id descending");
}

#[tokio::test]
async fn subreadset_fields_and_reference_fields() {
    let sim = Sim::start().await;
    sim.import(TINY_SUBREADS).await;
    sim.import(LAMBDA_REF).await;
    let s = sim
        .get_ok(&format!("/smrt-link/datasets/subreads/{TINY_UUID}"))
        .await;
    assert_eq!(s["metadataContextId"], "m54006_160504_020705");
    assert_eq!(s["instrumentName"], "Alpha6");
    assert_eq!(s["runName"], "lambda");
    assert_eq!(s["wellName"], "B01");
    assert_eq!(s["wellSampleName"], "2k_lambda_Mag_2hr");
    assert_eq!(s["createdAt"], "2016-06-13T16:26:20.000Z");
    assert_eq!(s["tags"], "");
    let r = sim
        .get_ok(&format!("/smrt-link/datasets/references/{LAMBDA_UUID}"))
        .await;
    assert_eq!(r["organism"], "lambda");
    assert_eq!(r["ploidy"], "haploid");
    assert_eq!(r["tags"], "converted, sv, reference");
    // The wrong type segment is a 404.
    let (status, body) = sim
        .get(&format!("/smrt-link/datasets/references/{TINY_UUID}"))
        .await;
    error_message(status, &body, 404);
}

#[tokio::test]
async fn import_reports_follow_chip_stats() {
    let sim = Sim::start().await;
    sim.import(TINY_SUBREADS).await;
    sim.import(LAMBDA_REF).await;
    let reports = sim
        .get_ok(&format!("/smrt-link/datasets/subreads/{TINY_UUID}/reports"))
        .await;
    let types: Vec<&str> = reports
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reportTypeId"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        vec![
            "pbreports.tasks.filter_stats_report_xml",
            "pbreports.tasks.loading_report_xml",
            "pbreports.tasks.adapter_report_xml",
        ]
    );
    let raw_uuid = reports[0]["dataStoreFile"]["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, raw) = sim
        .get(&format!("/smrt-link/datastore-files/{raw_uuid}/download"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(raw["uuid"], raw_uuid.as_str());
    assert_eq!(raw["id"], "raw_data_report");
    let nbases = raw["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "raw_data_report.nbases")
        .cloned();
    assert_eq!(nbases.map(|a| a["value"].clone()), Some(json!(19014)));
    // The plot image named by the report is served as a resource beside it.
    let image = raw["plotGroups"][0]["plots"][0]["image"]
        .as_str()
        .unwrap()
        .to_string();
    let resp = sim
        .client
        .get(sim.url(&format!(
            "/smrt-link/datastore-files/{raw_uuid}/resources?relpath={image}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "image/png");
    assert!(resp.bytes().await.unwrap().starts_with(b"\x89PNG"));
    let (status, body) = sim
        .get(&format!(
            "/smrt-link/datastore-files/{raw_uuid}/resources?relpath=../../x"
        ))
        .await;
    error_message(status, &body, 422);

    let none = sim
        .get_ok(&format!(
            "/smrt-link/datasets/references/{LAMBDA_UUID}/reports"
        ))
        .await;
    assert_eq!(none, json!([]));
}

#[tokio::test]
async fn duplicate_import_returns_first_job() {
    let sim = Sim::start().await;
    let (job, _) = sim.import(TINY_SUBREADS).await;
    let copy_dir = tempfile::tempdir().unwrap();
    let copy = copy_dir.path().join("copy.subreadset.xml");
    std::fs::copy(fixture(TINY_SUBREADS), &copy).unwrap();
    let again = sim
        .post_created(
            "/smrt-link/job-manager/jobs/import-dataset",
            &json!({"path": copy}),
        )
        .await;
    assert_eq!(again["id"], job["id"]);
    assert_eq!(again["uuid"], job["uuid"]);
    let ds = sim
        .get_ok(&format!("/smrt-link/datasets/{TINY_UUID}"))
        .await;
    assert_eq!(ds["path"], copy.display().to_string());
    let jobs = sim
        .get_ok("/smrt-link/job-manager/jobs/import-dataset")
        .await;
    assert_eq!(jobs.as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn invalid_imports_are_422() {
    let sim = Sim::start().await;
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.subreadset.xml");
    std::fs::write(&broken, "<SubreadSet UniqueId=\"x\"").unwrap();
    let cases = [
        (json!({"path": broken}), "broken.subreadset.xml"),
        (
            json!({"path": "/nonexistent/a.subreadset.xml"}),
            "/nonexistent/a.subreadset.xml",
        ),
        (json!({"path": "relative.xml"}), "absolute"),
        (json!({}), "Missing `path`"),
        (
            json!({"path": fixture(TINY_SUBREADS), "datasetType": "PacBio.DataSet.ReferenceSet"}),
            "does not match",
        ),
        (
            json!({"path": fixture(TINY_SUBREADS), "projectId": 99}),
            "Project 99 does not exist",
        ),
    ];
    for (body, needle) in cases {
        let (status, resp) = sim
            .post("/smrt-link/job-manager/jobs/import-dataset", &body)
            .await;
        let msg = error_message(status, &resp, 422);
        assert!(msg.contains(needle), "{body} -> {msg}");
    }
    let (status, resp) = sim
        .call(
            reqwest::Method::POST,
            "/smrt-link/job-manager/jobs/import-dataset",
            None,
        )
        .await;
    error_message(status, &resp, 422);
}

#[tokio::test]
async fn dataset_search_operators() {
    let sim = Sim::start().await;
    for rel in [
        "SubreadSet/m54006_160504_020705.tiny.subreadset.xml",
        "SubreadSet/sample1.subreadset.xml",
        "SubreadSet/barcoded.subreadset.xml",
    ] {
        sim.import(&format!("datasets/{rel}")).await;
    }
    let names = |v: &Value| -> Vec<String> {
        let mut n: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["name"].as_str().unwrap().to_string())
            .collect();
        n.sort();
        n
    };
    let cases: &[(&str, &[&str])] = &[
        ("name=SUBREADS", &["barcoded-subreadset", "subreads-sequel"]),
        ("name=like%3Asequel", &["subreads-sequel"]),
        (
            "name=in%3AAlice,subreads-sequel",
            &["Alice", "subreads-sequel"],
        ),
        ("numRecords=gt%3A3", &["Alice", "subreads-sequel"]),
        ("numRecords=lte%3A18", &["Alice", "barcoded-subreadset"]),
        ("numRecords=range%3A10,19", &["Alice"]),
        ("totalLength=not%3A19014", &["Alice", "barcoded-subreadset"]),
        ("name=start%3Asub", &["subreads-sequel"]),
        ("name=end%3Aset", &["barcoded-subreadset"]),
        ("name=unlike%3Asub", &["Alice"]),
        (
            "createdAt=lt%3A2016-06-01T00%3A00%3A00Z",
            &["barcoded-subreadset"],
        ),
        (
            "uuid=c9074f64-37e0-d795-9b8e-7190ac6f87a5",
            &["subreads-sequel"],
        ),
        (
            "parentUuid=null",
            &["Alice", "barcoded-subreadset", "subreads-sequel"],
        ),
        ("id=2&projectId=1", &["Alice"]),
        ("limit=1&marker=1", &["Alice"]),
    ];
    for (query, expected) in cases {
        let found = sim
            .get_ok(&format!("/smrt-link/datasets/subreads?{query}"))
            .await;
        assert_eq!(names(&found), *expected, "{query}");
    }
    let body = json!({"uuid": format!("in:{TINY_UUID},818ebaa5-8b13-003f-0c49-9e1664f66a2a")});
    let (status, found) = sim.post("/smrt-link/datasets/subreads", &body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(names(&found), vec!["Alice", "subreads-sequel"]);
    for bad in [
        "numRecords=abc",
        "createdAt=gt%3Ayesterday",
        "uuid=in%3Anope",
        "numRecords=like%3A3",
    ] {
        let (status, body) = sim
            .get(&format!("/smrt-link/datasets/subreads?{bad}"))
            .await;
        let msg = error_message(status, &body, 422);
        assert!(msg.starts_with("Invalid Filter `"), "{bad}: {msg}");
    }
}

#[tokio::test]
async fn search_by_uuid_never_404() {
    let sim = Sim::start().await;
    let (status, body) = sim
        .get("/smrt-link/datasets/search/00000000-0000-4000-8000-000000000000")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({}));
    sim.import(TINY_SUBREADS).await;
    let found = sim
        .get_ok(&format!("/smrt-link/datasets/search/{TINY_UUID}"))
        .await;
    assert_eq!(found["uuid"], TINY_UUID);
    assert_eq!(found["datasetType"], "PacBio.DataSet.SubreadSet");
    let (status, body) = sim
        .get("/smrt-link/datasets/subreads/00000000-0000-4000-8000-000000000000")
        .await;
    error_message(status, &body, 404);
}

#[tokio::test]
async fn soft_delete_hides_from_lists() {
    let sim = Sim::start().await;
    sim.import(TINY_SUBREADS).await;
    let (status, body) = sim
        .put(
            &format!("/smrt-link/datasets/subreads/{TINY_UUID}"),
            &json!({"isActive": false, "bioSampleName": "Lambda"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["message"].is_string());
    assert!(
        body.get("httpCode").is_none(),
        "2xx must not carry the error shape"
    );
    assert_eq!(sim.get_ok("/smrt-link/datasets/subreads").await, json!([]));
    let inactive = sim
        .get_ok("/smrt-link/datasets/subreads?isActive=false")
        .await;
    assert_eq!(inactive[0]["uuid"], TINY_UUID);
    let one = sim
        .get_ok(&format!("/smrt-link/datasets/subreads/{TINY_UUID}"))
        .await;
    assert_eq!(one["isActive"], false);
    assert_eq!(one["bioSampleName"], "Lambda");
}

#[tokio::test]
async fn dataset_types_and_details() {
    let sim = Sim::start().await;
    let types = sim.get_ok("/smrt-link/dataset-types").await;
    let subreads = types
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "PacBio.DataSet.SubreadSet")
        .cloned()
        .unwrap();
    assert_eq!(subreads["shortName"], "subreads");
    assert_eq!(
        sim.get_ok("/smrt-link/dataset-types/ccsalignments").await["id"],
        "PacBio.DataSet.ConsensusAlignmentSet"
    );
    let (status, body) = sim.get("/smrt-link/dataset-types/cssalignments").await;
    error_message(status, &body, 404);
    sim.import(TINY_SUBREADS).await;
    let details = sim
        .get_ok(&format!("/smrt-link/datasets/subreads/{TINY_UUID}/details"))
        .await;
    assert_eq!(details["dataSetMetadata"]["numRecords"], 20);
    assert_eq!(
        details["dataSetMetadata"]["collections"][0]["context"],
        "m54006_160504_020705"
    );
}
