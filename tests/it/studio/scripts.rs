//! The page's own scripts under Node (an optional part, like the browser): each module parses
//! (`node --check`) and the pure functions pass their unit tests
//! (`src/platform/studio/assets/tests/`, run with `node --test`).

use crate::support::browser::optional;
use std::path::{Path, PathBuf};
use std::process::Command;

fn assets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/platform/studio/assets")
}

fn node() -> Option<PathBuf> {
    let found = Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    optional(
        "node",
        found.then(|| PathBuf::from("node")),
        "install Node.js 18 or later: apt-get install -y nodejs",
    )
}

#[test]
fn every_module_of_the_page_parses() {
    let Some(node) = node() else { return };
    let mut modules = 0;
    for entry in std::fs::read_dir(assets()).expect("the assets folder") {
        let path = entry.expect("an entry").path();
        if path.extension().is_some_and(|e| e == "js") {
            let output = Command::new(&node).arg("--check").arg(&path).output().expect("node runs");
            assert!(
                output.status.success(),
                "{}: {}",
                path.display(),
                String::from_utf8_lossy(&output.stderr)
            );
            modules += 1;
        }
    }
    assert!(modules >= 2, "only {modules} modules in {}", assets().display());
}

#[test]
fn the_pages_pure_functions_pass_their_unit_tests() {
    let Some(node) = node() else { return };
    let output = Command::new(&node).arg("--test").arg(assets().join("tests")).output().expect("node runs");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "node --test failed:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(report.contains("# fail 0"), "{report}");
}
