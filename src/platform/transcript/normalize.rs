//! The normalization of frames for transcripts (ids to names and placeholders), and back for the
//! replay (placeholders to the ids of the live run). One `Normalizer` per conversation: the
//! studio's recorder and the replay run the same code, so what they write compares equal.

use serde_json::{Map, Value};
use std::collections::HashMap;

/// What the normalizer needs to know about an id: the platform's own records (for the recorder)
/// or what a client learnt (for the replay).
pub(crate) trait Directory {
    /// The name of a user of the conversation.
    fn user_name(&self, id: &str) -> Option<String>;
    /// A channel's name and the service bound to it.
    fn channel(&self, id: &str) -> Option<(String, Option<String>)>;
    /// Whether this is a service's id.
    fn is_service(&self, id: &str) -> bool;
    /// A group's members.
    fn group_members(&self, id: &str) -> Option<Vec<String>>;
}

/// The kinds of placeholder, as written before the `:`.
const KINDS: [&str; 6] = ["channel", "service", "agent", "message", "group", "id"];

/// Keys whose ids are characters: an id there of no other kind is an agent's.
const CHARACTER_KEYS: [&str; 5] = ["sender", "character_id", "user_id", "characters", "recipients"];

/// Whether `text` is a placeholder (`channel:1`, `message:12`, ...).
pub(crate) fn is_placeholder(text: &str) -> bool {
    parse_placeholder(text).is_some()
}

fn parse_placeholder(text: &str) -> Option<(&'static str, u64)> {
    let (kind, n) = text.split_once(':')?;
    let kind = KINDS.iter().find(|k| **k == kind)?;
    if n.is_empty() || n.starts_with('0') || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((kind, n.parse().ok()?))
}

/// Whether these 36 bytes are a UUID (`8-4-4-4-12` hex digits).
fn is_uuid_bytes(bytes: &[u8]) -> bool {
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

fn is_uuid(text: &str) -> bool {
    is_uuid_bytes(text.as_bytes())
}

/// Numbers ids by kind in order of first appearance, and remembers both ways.
#[derive(Debug, Default)]
pub(crate) struct Normalizer {
    /// Live id → its placeholder or user name.
    named: HashMap<String, String>,
    /// Placeholder or user name → live id.
    live: HashMap<String, String>,
    /// The last number given, per kind.
    counts: HashMap<&'static str, u64>,
}

impl Normalizer {
    /// Says that `name` (a placeholder or a user's name) is `live` in this run.
    pub(crate) fn seed(&mut self, name: &str, live: &str) {
        if let Some((kind, n)) = parse_placeholder(name) {
            let count = self.counts.entry(kind).or_default();
            *count = (*count).max(n);
        }
        self.named.insert(live.to_owned(), name.to_owned());
        self.live.insert(name.to_owned(), live.to_owned());
    }

    /// The live id a placeholder or user name stands for.
    pub(crate) fn live_id(&self, name: &str) -> Option<&str> {
        self.live.get(name).map(String::as_str)
    }

    /// The placeholders of a kind given so far, in order, with their live ids.
    pub(crate) fn placeholders(&self, kind: &str) -> Vec<(String, String)> {
        let mut out: Vec<(u64, String, String)> = self
            .live
            .iter()
            .filter_map(|(name, id)| match parse_placeholder(name) {
                Some((k, n)) if k == kind => Some((n, name.clone(), id.clone())),
                _ => None,
            })
            .collect();
        out.sort();
        out.into_iter().map(|(_, name, id)| (name, id)).collect()
    }

    fn fresh(&mut self, kind: &'static str, id: &str) -> String {
        let count = self.counts.entry(kind).or_default();
        *count += 1;
        let name = format!("{kind}:{count}");
        self.seed(&name, id);
        name
    }

    /// The name of one id found under `key`.
    pub(crate) fn id(&mut self, directory: &dyn Directory, key: Option<&str>, id: &str) -> String {
        if let Some(name) = self.named.get(id) {
            return name.clone();
        }
        if let Some(name) = directory.user_name(id) {
            self.seed(&name, id);
            return name;
        }
        let kind = match key {
            Some("channel_id") => "channel",
            Some("service_id") => "service",
            Some("message_id") => "message",
            Some("group_id") => "group",
            _ if directory.channel(id).is_some() => "channel",
            _ if directory.is_service(id) => "service",
            Some(key) if CHARACTER_KEYS.contains(&key) => "agent",
            _ => "id",
        };
        self.fresh(kind, id)
    }

    /// `frame` normalized: volatile fields dropped, keys sorted, ids named.
    pub(crate) fn frame(&mut self, directory: &dyn Directory, frame: &Value) -> Value {
        let mut frame = frame.clone();
        if let Value::Object(top) = &mut frame {
            for key in ["request_id", "seq", "timestamp"] {
                top.remove(key);
            }
            if let Some(Value::Object(body)) = top.get_mut("body") {
                body.remove("timestamp");
            }
        }
        // Ids in their own fields are named first, so an id quoted in a text takes their kind.
        self.prime(directory, None, &frame);
        self.walk(directory, None, frame)
    }

    fn prime(&mut self, directory: &dyn Directory, key: Option<&str>, value: &Value) {
        match value {
            Value::String(text) if is_uuid(text) => {
                let members = match key {
                    Some("recipients" | "characters") => directory.group_members(text),
                    _ => None,
                };
                match members {
                    Some(members) => members.iter().for_each(|m| {
                        self.id(directory, Some("character_id"), m);
                    }),
                    None => {
                        self.id(directory, key, text);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| self.prime(directory, key, v)),
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                for key in keys {
                    self.prime(directory, Some(key), &map[key]);
                }
            }
            _ => {}
        }
    }

    fn walk(&mut self, directory: &dyn Directory, key: Option<&str>, value: Value) -> Value {
        match value {
            Value::String(text) => self.string(directory, key, text),
            Value::Array(items) => {
                Value::Array(items.into_iter().map(|v| self.walk(directory, key, v)).collect())
            }
            Value::Object(mut map) => {
                let mut keys: Vec<String> = map.keys().cloned().collect();
                keys.sort();
                let mut out = Map::new();
                for key in keys {
                    let value = map.remove(&key).unwrap_or(Value::Null);
                    let value = self.walk(directory, Some(&key), value);
                    out.insert(key, value);
                }
                Value::Object(out)
            }
            other => other,
        }
    }

    fn string(&mut self, directory: &dyn Directory, key: Option<&str>, text: String) -> Value {
        if is_uuid(&text) {
            if matches!(key, Some("recipients" | "characters"))
                && let Some(members) = directory.group_members(&text)
            {
                let mut names: Vec<String> =
                    members.iter().map(|m| self.id(directory, Some("character_id"), m)).collect();
                names.sort();
                names.dedup();
                return Value::Array(names.into_iter().map(Value::String).collect());
            }
            return Value::String(self.id(directory, key, &text));
        }
        if text.len() < 36 {
            return Value::String(text);
        }
        let bytes = text.as_bytes();
        let (mut out, mut at, mut last) = (String::with_capacity(text.len()), 0, 0);
        while at + 36 <= bytes.len() {
            if is_uuid_bytes(&bytes[at..at + 36]) {
                out.push_str(&text[last..at]);
                out.push_str(&self.id(directory, None, &text[at..at + 36]));
                at += 36;
                last = at;
            } else {
                at += 1;
            }
        }
        out.push_str(&text[last..]);
        Value::String(out)
    }

    /// `frame` with its placeholders and user names back to this run's ids; each list in
    /// `recipients` becomes the group `groups` has for it.
    ///
    /// Errors name a placeholder (or a list of recipients) that nothing in this run stands for.
    pub(crate) fn denormalize(
        &self,
        frame: &Value,
        groups: &HashMap<Vec<String>, String>,
    ) -> Result<Value, String> {
        self.back(None, frame, groups)
    }

    fn back(
        &self,
        key: Option<&str>,
        value: &Value,
        groups: &HashMap<Vec<String>, String>,
    ) -> Result<Value, String> {
        Ok(match value {
            Value::String(text) if is_placeholder(text) => match self.live.get(text) {
                Some(live) => Value::String(live.clone()),
                None => return Err(format!("`{text}` stands for nothing received so far in this replay")),
            },
            Value::String(text) if key.is_some_and(|k| CHARACTER_KEYS.contains(&k)) => {
                Value::String(self.live.get(text).cloned().unwrap_or_else(|| text.clone()))
            }
            Value::Array(items) if key == Some("recipients") => {
                let list: Vec<String> = items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect();
                match groups.get(&list) {
                    Some(group) => Value::String(group.clone()),
                    None => return Err(format!("no group for the recipients {list:?}")),
                }
            }
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.back(key, v, groups)).collect::<Result<_, _>>()?)
            }
            Value::Object(map) => {
                let mut out = Map::new();
                for (k, v) in map {
                    out.insert(k.clone(), self.back(Some(k), v, groups)?);
                }
                Value::Object(out)
            }
            other => other.clone(),
        })
    }
}

/// The lists of recipients in a normalized frame (each becomes a group when it is sent).
pub(crate) fn recipient_lists(frame: &Value) -> Vec<Vec<String>> {
    fn walk(key: Option<&str>, value: &Value, out: &mut Vec<Vec<String>>) {
        match value {
            Value::Array(items) if key == Some("recipients") => {
                out.push(items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect());
            }
            Value::Array(items) => items.iter().for_each(|v| walk(key, v, out)),
            Value::Object(map) => map.iter().for_each(|(k, v)| walk(Some(k), v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(None, frame, &mut out);
    out
}

/// The ids in a live frame that normalization looks up as groups (to fetch them first).
pub(crate) fn group_refs(frame: &Value, out: &mut Vec<String>) {
    fn walk(key: Option<&str>, value: &Value, out: &mut Vec<String>) {
        match value {
            Value::String(text) if matches!(key, Some("recipients" | "characters")) && is_uuid(text) => {
                out.push(text.clone());
            }
            Value::Array(items) => items.iter().for_each(|v| walk(key, v, out)),
            Value::Object(map) => map.iter().for_each(|(k, v)| walk(Some(k), v, out)),
            _ => {}
        }
    }
    walk(None, frame, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ALICE: &str = "00000000-0000-4000-8000-00000000000a";
    const BOB: &str = "00000000-0000-4000-8000-00000000000b";
    const CHANNEL: &str = "00000000-0000-4000-8000-0000000000c1";
    const SERVICE: &str = "00000000-0000-4000-8000-0000000000d1";
    const GROUP: &str = "00000000-0000-4000-8000-0000000000e1";
    const MESSAGE: &str = "00000000-0000-4000-8000-0000000000f1";
    const AGENT: &str = "00000000-0000-4000-8000-0000000000a9";

    struct Fixed;

    impl Directory for Fixed {
        fn user_name(&self, id: &str) -> Option<String> {
            [(ALICE, "alice"), (BOB, "bob")].iter().find(|(i, _)| *i == id).map(|(_, n)| (*n).to_owned())
        }
        fn channel(&self, id: &str) -> Option<(String, Option<String>)> {
            (id == CHANNEL).then(|| ("lobby".to_owned(), Some(SERVICE.to_owned())))
        }
        fn is_service(&self, id: &str) -> bool {
            id == SERVICE
        }
        fn group_members(&self, id: &str) -> Option<Vec<String>> {
            (id == GROUP).then(|| vec![BOB.to_owned(), ALICE.to_owned(), AGENT.to_owned()])
        }
    }

    #[test]
    fn ids_become_names_and_placeholders_and_volatile_fields_go() {
        let mut n = Normalizer::default();
        let frame = json!({"type": "message_down", "seq": 4, "body": {
            "channel_id": CHANNEL, "sender": SERVICE, "message_id": MESSAGE, "recipients": GROUP,
            "timestamp": 17, "content": {"text": format!("{ALICE}: hi {AGENT} and {MESSAGE}")},
        }});
        let got = n.frame(&Fixed, &frame);
        assert_eq!(
            got,
            json!({"type": "message_down", "body": {
                "channel_id": "channel:1", "content": {"text": "alice: hi agent:1 and message:1"},
                "message_id": "message:1", "recipients": ["agent:1", "alice", "bob"], "sender": "service:1",
            }})
        );
        // Keys are walked sorted: channel_id, content, message_id, recipients, sender.
        assert_eq!(n.live_id("agent:1"), Some(AGENT));
        assert_eq!(n.placeholders("channel"), [("channel:1".to_owned(), CHANNEL.to_owned())]);
        let unknown =
            n.frame(&Fixed, &json!({"x": "00000000-0000-4000-8000-000000000999", "group_id": "temp"}));
        assert_eq!(unknown, json!({"x": "id:1", "group_id": "temp"}));
    }

    #[test]
    fn denormalize_maps_placeholders_names_and_recipient_lists_back() {
        let mut n = Normalizer::default();
        n.seed("channel:1", CHANNEL);
        n.seed("alice", ALICE);
        n.seed("service:1", SERVICE);
        let sent = json!({"type": "message_up", "user_id": "alice", "service_id": "service:1",
            "body": {"channel_id": "channel:1", "recipients": ["service:1"], "content": {"text": "alice"}}});
        assert_eq!(recipient_lists(&sent), [vec!["service:1".to_owned()]]);
        let groups = HashMap::from([(vec!["service:1".to_owned()], GROUP.to_owned())]);
        let live = n.denormalize(&sent, &groups).unwrap();
        assert_eq!(live["user_id"], ALICE);
        assert_eq!(live["body"]["recipients"], GROUP);
        assert_eq!(live["body"]["content"]["text"], "alice", "text is not a name to map");
        let err = n.denormalize(&json!({"body": {"message_id": "message:3"}}), &groups).unwrap_err();
        assert!(err.contains("message:3"), "{err}");
        // Seeding moves the numbering on.
        assert_eq!(n.id(&Fixed, Some("channel_id"), "00000000-0000-4000-8000-0000000000c2"), "channel:2");
        assert!(is_placeholder("group:12") && !is_placeholder("group:01") && !is_placeholder("user:1"));
    }
}
