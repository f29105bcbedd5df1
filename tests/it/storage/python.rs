//! Cross-compatibility with the reference SDK's json files (moobius 1.8.0): a file laid out as
//! the SDK's code lays it out is read here, and what is written here is that file byte for
//! byte; then, when a `.venv` has the SDK, the SDK's own `MoobiusStorage` reads what this crate
//! wrote and writes a file that this crate reads and writes again, to the same bytes.

use super::{ALICE_AS_PYTHON_WRITES_IT, Character, alice};
use crate::support::scratch;
use moobius::storage::{Container, ContainerConfig, Storage, StorageConfig};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The SDK's side: open the container as a Python service does, print what this crate wrote
/// (`alice`), store `bob`.
const SCRIPT: &str = r#"
import json, sys
from moobius.database.storage import MoobiusStorage
root = sys.argv[1]
storage = MoobiusStorage("svc", "chan", db_config=[
    {"implementation": "json", "name": "character", "load": True, "clear": False, "settings": {"root_dir": root}}])
print(json.dumps(storage.character["alice"]))
storage.character["bob"] = {"name": "Bob \u00e9\u20ac", "hp": 1e16, "tags": [], "extra": None}
"#;

/// An interpreter with the reference SDK: `$MOOBIUS_PYTHON`, else the crate's `.venv` (which
/// `cargo test --test it python_sdk` makes).
fn sdk_python() -> Option<PathBuf> {
    let python = std::env::var_os("MOOBIUS_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python"));
    let imports = Command::new(&python)
        .args(["-c", "import moobius.database.storage"])
        .output()
        .is_ok_and(|o| o.status.success());
    imports.then_some(python)
}

fn characters(root: &Path) -> Container<Character> {
    let config = StorageConfig::new().with(ContainerConfig::json("character", root));
    Storage::new(config, &"svc".into(), &"chan".into()).container("character")
}

#[actix_rt::test]
async fn the_sdks_json_files_are_read_here_and_the_files_written_here_are_the_sdks() {
    let root = scratch("storage-python");
    // By hand, from the SDK's code: JSONDatabase's directory is
    // os.path.join(root_dir, domain.replace('.', os.sep)) for the domain
    // f'service_{service_id}.channel_{channel_id}.{name}', the file is key + '.json', and its
    // text is enhanced_json_save's json.dumps(value, indent=2).
    let dir = root.join("service_svc/channel_chan/character");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("by-hand.json"), ALICE_AS_PYTHON_WRITES_IT).unwrap();
    let characters = characters(&root);
    assert_eq!(characters.get("by-hand").await.unwrap(), Some(alice()));
    characters.put("alice", &alice()).await.unwrap();
    assert_eq!(std::fs::read_to_string(dir.join("alice.json")).unwrap(), ALICE_AS_PYTHON_WRITES_IT);

    let Some(python) = tokio::task::spawn_blocking(sdk_python).await.unwrap() else {
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "skipped: the SDK's own side of the json round trip (no .venv with moobius 1.8.0; \
             `cargo test --test it python_sdk` makes it, or set MOOBIUS_PYTHON)"
        );
        return;
    };
    let run_in = root.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python).arg("-c").arg(SCRIPT).arg(&run_in).current_dir(&run_in).output()
    })
    .await
    .unwrap()
    .expect("python runs");
    assert!(output.status.success(), "the SDK's script failed: {}", String::from_utf8_lossy(&output.stderr));
    let read: Character = serde_json::from_slice(&output.stdout).expect("the SDK printed what it read");
    assert_eq!(read, alice(), "the SDK reads what this crate wrote");

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Bob {
        name: String,
        hp: f64,
        tags: Vec<String>,
        extra: Option<u8>,
    }
    let written_by_the_sdk = std::fs::read_to_string(dir.join("bob.json")).unwrap();
    // A fresh storage: the loaded one above read the container before the SDK wrote to it.
    let bobs = Storage::new(
        StorageConfig::new().with(ContainerConfig::json("character", &root)),
        &"svc".into(),
        &"chan".into(),
    )
    .container::<Bob>("character");
    let bob = bobs.get("bob").await.unwrap().expect("the SDK's file is read");
    assert_eq!(bob, Bob { name: "Bob é€".into(), hp: 1e16, tags: Vec::new(), extra: None });
    bobs.put("bob-again", &bob).await.unwrap();
    let written_here = std::fs::read_to_string(dir.join("bob-again.json")).unwrap();
    assert_eq!(written_here, written_by_the_sdk, "the same value, the same bytes");
}
