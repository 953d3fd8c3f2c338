//! The checked-in schema must be what `slflow schema` prints.

#[test]
fn checked_in_schema_is_current() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/manifest.schema.json");
    let checked_in = std::fs::read_to_string(&path).expect("schemas/manifest.schema.json exists");
    let output = assert_cmd::Command::cargo_bin("slflow")
        .expect("binary is built")
        .arg("schema")
        .output()
        .expect("slflow runs");
    assert_eq!(output.status.code(), Some(0));
    let current = String::from_utf8(output.stdout).expect("schema is UTF-8");
    assert!(
        checked_in == current,
        "schemas/manifest.schema.json is stale; run `cargo run -- schema > schemas/manifest.schema.json`"
    );
}

#[test]
fn schema_lists_every_kind() {
    let schema = slflow::manifest::schema::manifest_schema();
    let kinds =
        &schema["properties"]["steps"]["additionalProperties"]["properties"]["kind"]["enum"];
    let names: Vec<&str> = kinds
        .as_array()
        .expect("kind enum")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    let expected: Vec<&str> = slflow::steps::Kind::ALL.iter().map(|k| k.name()).collect();
    assert_eq!(names, expected);
}
