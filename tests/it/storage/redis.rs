//! The Redis backend against a real `redis-server` (skipped, with a line saying how to get it,
//! when it is missing): keys prefixed by their container's domain, values in the json files'
//! text, each channel apart, and a count that survives a restart. And an unreachable server,
//! which needs none.

use super::{ALICE_AS_PYTHON_WRITES_IT, Character, alice, the_count_survives_a_restart};
use crate::support::WAIT;
use crate::support::redis::RedisServer;
use moobius::storage::{ContainerConfig, RedisSettings, Storage, StorageConfig, StorageErrorKind};

/// Every key on the server, sorted.
async fn all_keys(server: &RedisServer) -> Vec<String> {
    let mut connection = server.connection().await;
    let mut keys: Vec<String> = ::redis::cmd("KEYS").arg("*").query_async(&mut connection).await.unwrap();
    keys.sort();
    keys
}

#[actix_rt::test]
async fn each_containers_keys_are_prefixed_by_its_domain_and_hold_the_json_text() {
    let Some(server) = RedisServer::start().await else { return };
    let config =
        StorageConfig::new().with(ContainerConfig::redis("character", server.settings()).with_load(false));
    let one = Storage::new(config, &"svc".into(), &"c1".into());
    let two = one.channel(&"c2".into());
    let (ones, twos) = (one.container::<Character>("character"), two.container::<Character>("character"));
    assert_eq!(ones.backend(), format!("redis backend at 127.0.0.1:{} db 0", server.port()));

    ones.put("alice", &alice()).await.unwrap();
    twos.put("bob", &Character { name: "Bob".into(), hp: 1.0, tags: Vec::new() }).await.unwrap();
    assert_eq!(
        all_keys(&server).await,
        ["service_svc.channel_c1.character:alice", "service_svc.channel_c2.character:bob"]
    );
    let mut connection = server.connection().await;
    let raw: Vec<u8> = ::redis::cmd("GET")
        .arg("service_svc.channel_c1.character:alice")
        .query_async(&mut connection)
        .await
        .unwrap();
    assert_eq!(String::from_utf8(raw).unwrap(), ALICE_AS_PYTHON_WRITES_IT);

    assert_eq!(ones.get("alice").await.unwrap(), Some(alice()));
    assert_eq!(ones.get("bob").await.unwrap(), None, "channel c2's key is not c1's");
    assert_eq!(ones.keys().await.unwrap(), ["alice"]);
    assert_eq!(twos.keys().await.unwrap(), ["bob"]);

    ones.clear().await.unwrap();
    assert_eq!(
        all_keys(&server).await,
        ["service_svc.channel_c2.character:bob"],
        "only c1's keys are cleared"
    );
    assert!(twos.remove("bob").await.unwrap());
    assert!(all_keys(&server).await.is_empty());
}

#[actix_rt::test]
async fn a_domain_with_glob_characters_lists_its_own_keys_and_no_others() {
    let Some(server) = RedisServer::start().await else { return };
    let config = StorageConfig::new().with(ContainerConfig::redis("n", server.settings()).with_load(false));
    // Unescaped, `channel_[x]` would be a pattern matching `channel_x` and not itself.
    let bracketed = Storage::new(config, &"svc".into(), &"[x]".into());
    let plain = bracketed.channel(&"x".into());
    plain.container::<u8>("n").put("k", &1).await.unwrap();
    bracketed.container::<u8>("n").put("s", &2).await.unwrap();
    assert_eq!(bracketed.container::<u8>("n").keys().await.unwrap(), ["s"]);
    let all = plain.container::<u8>("n").load_all().await.unwrap();
    assert_eq!(all.into_iter().collect::<Vec<_>>(), [("k".to_owned(), 1)]);
}

#[actix_rt::test]
async fn a_channel_actors_count_survives_a_restart_of_its_service_on_redis() {
    let Some(server) = RedisServer::start().await else { return };
    let db = StorageConfig::new().with(ContainerConfig::redis("tally", server.settings()));
    the_count_survives_a_restart("tally-redis", db).await;
    let keys = all_keys(&server).await;
    assert!(matches!(keys.as_slice(), [key] if key.ends_with(".tally:count")), "{keys:?}");
}

#[actix_rt::test]
async fn an_unreachable_server_is_named_in_the_error() {
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).unwrap().port();
    let settings = RedisSettings { host: "127.0.0.1".into(), port, ..RedisSettings::default() };
    let config = StorageConfig::new().with(ContainerConfig::redis("notes", settings).with_load(false));
    let notes = Storage::new(config, &"s".into(), &"c".into()).container::<u8>("notes");
    let error = tokio::time::timeout(WAIT, notes.get("k")).await.expect("an answer within WAIT").unwrap_err();
    assert!(
        matches!(error.kind(), StorageErrorKind::Read { container, key, .. } if container == "notes" && key == "k")
    );
    let shown = moobius::report(&error).to_string();
    let expected =
        format!("cannot read key `k` of container `notes` from the redis backend at 127.0.0.1:{port} db 0: ");
    assert!(shown.starts_with(&expected), "{shown}");
}
