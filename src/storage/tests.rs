//! Unit tests of the pure parts: where a container and a key go (the SDK's layout), the SDK's
//! implementation names, and values written byte for byte as Python's `json.dumps(indent=2)`;
//! and the worker's order.

use super::pyjson::{python_float, to_vec};
use super::settings::*;
use super::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[test]
fn a_domain_is_a_directory_per_dot_under_the_root_as_the_sdk_makes_it() {
    let domain = domain("svc-1", "chan-2", "counter");
    assert_eq!(domain, "service_svc-1.channel_chan-2.counter");
    assert_eq!(
        json_dir(Path::new("data"), &domain),
        Ok(PathBuf::from("data/service_svc-1/channel_chan-2/counter"))
    );
    // The SDK's default root_dir is "": the working directory.
    assert_eq!(json_dir(Path::new(""), &domain), Ok(PathBuf::from("service_svc-1/channel_chan-2/counter")));
    // A dot in a name (or an id) is one more directory, as `domain.replace('.', os.sep)`; two
    // in a row are one, as `a//b` is `a/b`.
    assert_eq!(
        json_dir(Path::new("/r"), "service_s.channel_c.game.scores"),
        Ok(PathBuf::from("/r/service_s/channel_c/game/scores"))
    );
    assert_eq!(
        json_dir(Path::new("/r"), "service_s.channel_c..x"),
        Ok(PathBuf::from("/r/service_s/channel_c/x"))
    );
    assert!(json_dir(Path::new("/r"), "service_s.channel_a/b.x").is_err());
}

#[test]
fn container_names_that_cannot_be_a_place_are_refused() {
    assert_eq!(name_problem("counter"), None);
    assert_eq!(name_problem("game.scores"), None);
    assert_eq!(name_problem(""), Some("is empty"));
    assert_eq!(name_problem(".."), Some("is empty"));
    assert!(name_problem("a/b").is_some());
    assert!(name_problem("a\0b").is_some());
    assert!(name_problem("a:b").is_some(), "`:` separates the domain from the key in Redis");
}

#[test]
fn a_key_is_its_file_name_as_it_is() {
    assert_eq!(file_name("alice"), "alice.json");
    assert_eq!(file_name("Zoë 🎲"), "Zoë 🎲.json");
    assert_eq!(file_name(""), ".json", "the SDK's empty key is the file `.json`");
    assert_eq!(key_of("alice.json"), Some("alice"));
    assert_eq!(key_of(".json"), Some(""));
    assert_eq!(key_of(".alice.json.77-0.tmp"), None, "a temporary file is no key");
    assert_eq!(key_of("notes.txt"), None);
    assert_eq!(key_problem("a.b c"), None);
    assert!(key_problem("a/b").is_some());
    assert!(key_problem("a\0").is_some());
}

#[test]
fn redis_keys_are_prefixed_by_the_domain_and_listed_by_an_escaped_pattern() {
    assert_eq!(redis_key("service_s.channel_c.counter", "count"), "service_s.channel_c.counter:count");
    assert_eq!(redis_pattern("service_s.channel_c.counter"), "service_s.channel_c.counter:*");
    assert_eq!(redis_pattern("service_a*b.channel_[x]?.n\\"), "service_a\\*b.channel_\\[x\\]\\?.n\\\\:*");
}

#[test]
fn the_sdks_implementation_names_pick_the_backend() {
    for (name, implementation) in [
        ("json", "json"),
        (" JSONdb ", "json"),
        ("JSONDatabase", "json"),
        ("redis", "redis"),
        ("RedisDB", "redis"),
        ("The Linux one", "redis"),
        ("null", "null"),
        ("None", "null"),
        ("False", "null"),
        ("NulldbNullDatabase", "null"),
    ] {
        assert_eq!(Backend::named(name).map(|b| b.implementation()), Some(implementation), "{name}");
    }
    assert_eq!(Backend::named("sqlite"), None);
    assert_eq!(Backend::named("redis"), Some(Backend::Redis(RedisSettings::default())));
}

#[test]
fn floats_are_written_as_pythons_repr() {
    // Each pair from Python 3: `repr(float)`.
    for (value, python) in [
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (1.0, "1.0"),
        (100.0, "100.0"),
        (0.1, "0.1"),
        (0.3, "0.3"),
        (123.456, "123.456"),
        (1e16, "1e+16"),
        (1e15, "1000000000000000.0"),
        (1e-5, "1e-05"),
        (0.0001, "0.0001"),
        (-2.5e-7, "-2.5e-07"),
        (1.5e300, "1.5e+300"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (5e-324, "5e-324"),
        (12345678901234567890.0, "1.2345678901234567e+19"),
    ] {
        assert_eq!(python_float(&format!("{value:e}")), python, "{value:?}");
    }
}

#[derive(Serialize)]
struct Sample {
    count: u32,
    name: String,
    ratio: f64,
    big: f64,
    small: f64,
    list: (i32, f64, bool, Option<u8>, f64),
    empty: BTreeMap<String, u8>,
    none: Vec<u8>,
    nested: Nested,
    esc: String,
}

#[derive(Serialize)]
struct Nested {
    a: Vec<BTreeMap<&'static str, &'static str>>,
}

#[test]
fn values_are_written_byte_for_byte_as_the_sdks_json_dumps_indent_2() {
    let sample = Sample {
        count: 3,
        name: "Zoë 🎲".to_owned(),
        ratio: 0.1,
        big: 1e16,
        small: 1e-5,
        list: (1, 2.5, true, None, -0.0),
        empty: BTreeMap::new(),
        none: Vec::new(),
        nested: Nested { a: vec![BTreeMap::from([("b", "c")])] },
        esc: "q\" b\\ t\t n\n del\u{7f} ctl\u{1}".to_owned(),
    };
    // Python 3: `json.dumps(the same dict, indent=2)`.
    let python = r#"{
  "count": 3,
  "name": "Zo\u00eb \ud83c\udfb2",
  "ratio": 0.1,
  "big": 1e+16,
  "small": 1e-05,
  "list": [
    1,
    2.5,
    true,
    null,
    -0.0
  ],
  "empty": {},
  "none": [],
  "nested": {
    "a": [
      {
        "b": "c"
      }
    ]
  },
  "esc": "q\" b\\ t\t n\n del\u007f ctl\u0001"
}"#;
    assert_eq!(String::from_utf8(to_vec(&sample).unwrap()).unwrap(), python);
    assert_eq!(to_vec(&7u64).unwrap(), b"7");
    assert_eq!(to_vec("é").unwrap(), br#""\u00e9""#);
    assert_eq!(to_vec(&f64::NAN).unwrap(), b"null");
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("moobius-unit-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[actix_rt::test]
async fn operations_run_in_the_order_they_were_called_even_when_awaited_out_of_order() {
    let dir = scratch("order");
    let config = StorageConfig::new().with(ContainerConfig::json("c", &dir).with_load(false));
    let container = Storage::new(config, &"s".into(), &"c".into()).container::<u32>("c");
    let writes: Vec<_> = (1..=20).map(|n| container.put("k", &n)).collect();
    let read = container.get("k");
    // Dropped without being polled: still done, in its turn.
    drop(container.put("dropped", &1));
    for write in writes.into_iter().rev() {
        write.await.unwrap();
    }
    assert_eq!(read.await.unwrap(), Some(20));
    assert_eq!(container.keys().await.unwrap(), ["dropped", "k"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[actix_rt::test]
async fn errors_name_the_container_the_key_and_the_backend() {
    let dir = scratch("errors");
    let config = StorageConfig::new().with(ContainerConfig::json("c", &dir));
    let storage = Storage::new(config, &"s".into(), &"ch".into());
    let strings = storage.container::<String>("c");
    strings.put("n", &"x".to_owned()).await.unwrap();
    let numbers = storage.container::<u32>("c");
    let error = numbers.get("n").await.unwrap_err();
    let place = dir.join("service_s/channel_ch/c");
    assert_eq!(
        error.to_string(),
        format!("key `n` of container `c` in the json backend at {} does not hold a u32", place.display())
    );
    assert!(std::error::Error::source(&error).is_some(), "serde's reason is the source");
    let error = numbers.put("a/b", &1).await.unwrap_err();
    assert!(
        matches!(error.kind(), StorageErrorKind::InvalidKey { container, key, .. } if container == "c" && key == "a/b")
    );
    let error = storage.container::<u32>("missing").keys().await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "no container `missing` in db_config (it has c): add an entry named `missing`"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
