//! Every manifest in tests/fixtures/ok/ must plan; its text plan, JSON plan and graphs are
//! snapshotted.

use std::path::Path;

use slflow::manifest::SourceFile;
use slflow::manifest::vars::VarOverrides;
use slflow::plan::labels::{self, NoState};
use slflow::plan::{Plan, PlanInput, graph_output, output};

fn plan_for(path: &Path) -> Plan {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let name = path
        .strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string();
    let text = std::fs::read_to_string(path).expect("fixture is readable");
    let input = PlanInput {
        manifest: SourceFile::new(name, text),
        base_dir: path
            .parent()
            .expect("fixture has a directory")
            .to_path_buf(),
        overrides: VarOverrides::default(),
        server: None,
    };
    match Plan::build(&input) {
        Ok(plan) => plan,
        Err(err) => panic!("{}: {err:?}", path.display()),
    }
}

/// Replaces the fixture directory, which the plan shows in absolute local paths, with
/// `[fixtures]` so that snapshots do not depend on where the repository is checked out.
fn redact_base_dir(plan: &Plan, text: &str) -> String {
    let base = std::path::absolute(plan.base_dir()).expect("absolute fixture directory");
    text.replace(&base.display().to_string(), "[fixtures]")
}

#[test]
fn ok_fixtures_plan_as_text() {
    insta::glob!("fixtures/ok/*.toml", |path| {
        let plan = plan_for(path);
        let labels = labels::label(&plan, &NoState);
        insta::assert_snapshot!(redact_base_dir(&plan, &output::text(&plan, &labels, None)));
    });
}

#[test]
fn ok_fixtures_plan_as_json() {
    insta::glob!("fixtures/ok/*.toml", |path| {
        let plan = plan_for(path);
        let labels = labels::label(&plan, &NoState);
        let text = serde_json::to_string(&output::json(&plan, &labels)).expect("plan JSON");
        let redacted: serde_json::Value =
            serde_json::from_str(&redact_base_dir(&plan, &text)).expect("redacted plan JSON");
        insta::assert_json_snapshot!(redacted);
    });
}

#[test]
fn ok_fixtures_graph_as_dot_and_mermaid() {
    insta::glob!("fixtures/ok/*.toml", |path| {
        let plan = plan_for(path);
        let both = format!(
            "{}\n{}",
            graph_output::dot(&plan),
            graph_output::mermaid(&plan)
        );
        insta::assert_snapshot!(both);
    });
}
