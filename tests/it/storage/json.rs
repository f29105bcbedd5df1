//! The json backend in a scratch directory: the SDK's layout and bytes, `load` and `clear`,
//! the null backend, errors that name what failed, and a count that survives a restart.

use super::{ALICE_AS_PYTHON_WRITES_IT, Character, alice, the_count_survives_a_restart};
use crate::support::scratch;
use moobius::storage::{ContainerConfig, Storage, StorageConfig, StorageErrorKind};
use std::path::Path;

/// The names in `dir`, sorted (none when it is missing).
fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.map(|e| e.unwrap().file_name().into_string().unwrap()).collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    names
}

#[actix_rt::test]
async fn values_are_files_in_the_sdks_layout_written_as_the_sdk_writes_them() {
    let root = scratch("storage-layout");
    let config = StorageConfig::new().with(ContainerConfig::json("character", &root));
    let storage = Storage::new(config, &"svc-1".into(), &"chan-1".into());
    let characters = storage.container::<Character>("character");
    let dir = root.join("service_svc-1/channel_chan-1/character");
    assert_eq!(characters.backend(), format!("json backend at {}", dir.display()));

    characters.put("alice", &alice()).await.unwrap();
    assert_eq!(std::fs::read_to_string(dir.join("alice.json")).unwrap(), ALICE_AS_PYTHON_WRITES_IT);
    assert_eq!(characters.get("alice").await.unwrap(), Some(alice()));
    assert_eq!(characters.get("nobody").await.unwrap(), None);

    let bob = Character { name: "Bob".into(), hp: 3.0, tags: Vec::new() };
    characters.put("bob", &bob).await.unwrap();
    characters.put("bob", &Character { hp: 4.0, ..bob.clone() }).await.unwrap();
    assert_eq!(characters.keys().await.unwrap(), ["alice", "bob"]);
    let all = characters.load_all().await.unwrap();
    assert_eq!(all.get("bob").map(|c| c.hp), Some(4.0));
    assert_eq!(files(&dir), ["alice.json", "bob.json"], "no temporary file is left behind");

    assert!(characters.remove("alice").await.unwrap());
    assert!(!characters.remove("alice").await.unwrap(), "already gone");
    assert_eq!(files(&dir), ["bob.json"]);
    characters.clear().await.unwrap();
    assert!(files(&dir).is_empty());
    assert!(characters.keys().await.unwrap().is_empty());

    // Another channel of the same service has its own directory.
    let other = storage.channel(&"chan-2".into()).container::<Character>("character");
    other.put("carol", &bob).await.unwrap();
    assert_eq!(files(&root.join("service_svc-1")), ["channel_chan-1", "channel_chan-2"]);
    assert!(characters.get("carol").await.unwrap().is_none());
}

#[actix_rt::test]
async fn load_reads_the_container_when_it_opens_and_clear_empties_it_then() {
    let root = scratch("storage-load-clear");
    let dir = root.join("service_s/channel_c/notes");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a.json"), "1").unwrap();
    let notes = |container: ContainerConfig| {
        Storage::new(StorageConfig::new().with(container), &"s".into(), &"c".into()).container::<u32>("notes")
    };

    // `load` (the default): read once, reads served from memory; a file written behind its back
    // afterwards is not seen, what it writes is.
    let loaded = notes(ContainerConfig::json("notes", &root));
    assert_eq!(loaded.get("a").await.unwrap(), Some(1));
    std::fs::write(dir.join("b.json"), "2").unwrap();
    assert_eq!(loaded.get("b").await.unwrap(), None);
    assert_eq!(loaded.keys().await.unwrap(), ["a"]);
    loaded.put("c", &3).await.unwrap();
    assert_eq!(loaded.keys().await.unwrap(), ["a", "c"]);

    // `load: false`: every read goes to the files.
    let direct = notes(ContainerConfig::json("notes", &root).with_load(false));
    assert_eq!(direct.get("b").await.unwrap(), Some(2));
    assert_eq!(direct.keys().await.unwrap(), ["a", "b", "c"]);

    // `clear`: what the container held is deleted when it opens (before its first operation).
    let cleared = notes(ContainerConfig::json("notes", &root).with_clear(true));
    assert!(cleared.keys().await.unwrap().is_empty());
    assert!(files(&dir).is_empty(), "{:?}", files(&dir));
    cleared.put("d", &4).await.unwrap();
    assert_eq!(cleared.get("d").await.unwrap(), Some(4), "cleared once, not on every operation");
}

#[actix_rt::test]
async fn storage_open_applies_clear_to_every_container_at_once() {
    let root = scratch("storage-open");
    let config =
        StorageConfig::new().with(ContainerConfig::json("a", &root)).with(ContainerConfig::json("b", &root));
    let before = Storage::new(config.clone(), &"s".into(), &"c".into());
    before.container::<u8>("a").put("k", &1).await.unwrap();
    before.container::<u8>("b").put("k", &2).await.unwrap();
    let config = StorageConfig::new()
        .with(ContainerConfig::json("a", &root).with_clear(true))
        .with(ContainerConfig::json("b", &root).with_clear(true));
    Storage::new(config, &"s".into(), &"c".into()).open().await.unwrap();
    assert!(files(&root.join("service_s/channel_c/a")).is_empty());
    assert!(files(&root.join("service_s/channel_c/b")).is_empty());
}

#[actix_rt::test]
async fn the_null_backend_keeps_nothing() {
    let config = StorageConfig::new().with(ContainerConfig::null("void"));
    let void = Storage::new(config, &"s".into(), &"c".into()).container::<String>("void");
    void.put("k", &"v".to_owned()).await.unwrap();
    assert_eq!(void.get("k").await.unwrap(), None);
    assert!(void.keys().await.unwrap().is_empty());
    assert!(void.load_all().await.unwrap().is_empty());
    assert_eq!(void.backend(), "null backend");
}

#[actix_rt::test]
async fn errors_name_the_container_the_key_and_the_backend_with_the_cause_once() {
    let root = scratch("storage-errors");
    let dir = root.join("service_s/channel_c/notes");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("broken.json"), "{not json").unwrap();
    let config = StorageConfig::new().with(ContainerConfig::json("notes", &root).with_load(false));
    let notes = Storage::new(config, &"s".into(), &"c".into()).container::<u32>("notes");
    let error = notes.get("broken").await.unwrap_err();
    let shown = moobius::report(&error).to_string();
    assert!(
        shown.starts_with(&format!(
            "key `broken` of container `notes` in the json backend at {} does not hold a JSON value: key must be a string",
            dir.display()
        )),
        "{shown}"
    );

    // A root that is a file: nothing can be written under it.
    let file = root.join("a-file");
    std::fs::write(&file, "").unwrap();
    let place = file.join("service_s/channel_c/notes");
    // Loaded (the default): opening it, before the first operation, cannot list it.
    let config = StorageConfig::new().with(ContainerConfig::json("notes", &file));
    let notes = Storage::new(config, &"s".into(), &"c".into()).container::<u32>("notes");
    let error = notes.put("k", &1).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("cannot list the keys of container `notes` in the json backend at {}", place.display())
    );
    let config = StorageConfig::new().with(ContainerConfig::json("notes", &file).with_load(false));
    let notes = Storage::new(config, &"s".into(), &"c".into()).container::<u32>("notes");
    let error = notes.put("k", &1).await.unwrap_err();
    assert!(
        matches!(error.kind(), StorageErrorKind::Write { container, key, .. } if container == "notes" && key == "k")
    );
    let shown = moobius::report(&error).to_string();
    assert!(
        shown.starts_with(&format!(
            "cannot write key `k` of container `notes` to the json backend at {}: ",
            place.display()
        )),
        "{shown}"
    );
    assert_eq!(shown.matches("Not a directory").count(), 1, "{shown}");
}

#[actix_rt::test]
async fn a_channel_actors_count_survives_a_restart_of_its_service_on_json() {
    let root = scratch("storage-restart-json");
    the_count_survives_a_restart(
        "tally-json",
        StorageConfig::new().with(ContainerConfig::json("tally", &root)),
    )
    .await;
    let service_dirs = files(&root);
    assert_eq!(service_dirs.len(), 1, "{service_dirs:?}");
    let channel_dirs = files(&root.join(&service_dirs[0]));
    let file = root.join(&service_dirs[0]).join(&channel_dirs[0]).join("tally/count.json");
    assert_eq!(std::fs::read_to_string(file).unwrap(), "3");
}
