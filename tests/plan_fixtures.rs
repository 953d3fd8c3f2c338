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

#[test]
fn ok_fixtures_plan_as_text() {
    insta::glob!("fixtures/ok/*.toml", |path| {
        let plan = plan_for(path);
        let labels = labels::label(&plan, &NoState);
        insta::assert_snapshot!(output::text(&plan, &labels));
    });
}

#[test]
fn ok_fixtures_plan_as_json() {
    insta::glob!("fixtures/ok/*.toml", |path| {
        let plan = plan_for(path);
        let labels = labels::label(&plan, &NoState);
        insta::assert_json_snapshot!(output::json(&plan, &labels));
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
