//! What a replay found: per turn, the differences between what each user was expected to
//! receive (the transcript) and what came, with a `Display` a person reads (the turn, the user,
//! what was expected, what came).

use serde_json::Value;
use std::fmt;
use std::time::Duration;

/// The outcome of a replay: every turn, with its differences.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ReplayReport {
    /// The turns, in order.
    pub turns: Vec<TurnReport>,
    /// How long the replay took.
    pub elapsed: Duration,
}

/// One turn of a replay.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TurnReport {
    /// The turn's number in the transcript.
    pub turn: u32,
    /// Frames the users sent.
    pub sent: usize,
    /// Frames the transcript says the users received.
    pub expected: usize,
    /// Frames the users received in this replay.
    pub received: usize,
    /// How long the turn took (grace period included).
    pub elapsed: Duration,
    /// What differs (empty: the turn went as recorded).
    pub differences: Vec<Difference>,
}

/// One difference, for one user.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Difference {
    /// The user's name.
    pub user: String,
    /// What differs.
    pub kind: DifferenceKind,
}

/// What differs.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DifferenceKind {
    /// An expected frame did not come.
    Missing {
        /// The frame the transcript holds.
        expected: Value,
    },
    /// A frame came that the transcript does not hold.
    Extra {
        /// The frame received (normalized).
        got: Value,
    },
    /// A frame of the expected kind came, with other contents.
    Changed {
        /// The frame the transcript holds.
        expected: Value,
        /// The frame received (normalized).
        got: Value,
        /// Each field that differs: `path: expected X, got Y`.
        changes: Vec<String>,
    },
    /// The expected frames came, in another order.
    Order {
        /// The frames in the transcript's order, summarized.
        expected: Vec<String>,
        /// The frames in the order received, summarized.
        got: Vec<String>,
    },
    /// A frame of the transcript could not be sent.
    NotSent {
        /// The frame.
        frame: Value,
        /// Why.
        reason: String,
    },
}

impl ReplayReport {
    /// Whether nothing differs.
    pub fn is_empty(&self) -> bool {
        self.turns.iter().all(|t| t.differences.is_empty())
    }

    /// Every difference with its turn, in order.
    pub fn differences(&self) -> impl Iterator<Item = (u32, &Difference)> {
        self.turns.iter().flat_map(|t| t.differences.iter().map(move |d| (t.turn, d)))
    }
}

impl fmt::Display for ReplayReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for turn in &self.turns {
            writeln!(f, "{turn}")?;
        }
        let count = self.differences().count();
        let turns = self.turns.iter().filter(|t| !t.differences.is_empty()).count();
        let elapsed = self.elapsed.as_secs_f64();
        match count {
            0 => write!(f, "replay: {} turn(s), no difference ({elapsed:.2} s)", self.turns.len()),
            _ => write!(
                f,
                "replay: {} turn(s), {count} difference(s) in {turns} turn(s) ({elapsed:.2} s)",
                self.turns.len()
            ),
        }
    }
}

impl fmt::Display for TurnReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = match self.differences.len() {
            0 => "ok".to_owned(),
            n => format!("{n} difference(s)"),
        };
        write!(
            f,
            "turn {}: {verdict} ({} sent, {} expected, {} received, {} ms)",
            self.turn,
            self.sent,
            self.expected,
            self.received,
            self.elapsed.as_millis()
        )?;
        for difference in &self.differences {
            write!(f, "\n  {difference}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let user = &self.user;
        match &self.kind {
            DifferenceKind::Missing { expected } => write!(f, "{user}: missing {}", summary(expected)),
            DifferenceKind::Extra { got } => write!(f, "{user}: unexpected {}", summary(got)),
            DifferenceKind::Changed { expected, changes, .. } => {
                write!(f, "{user}: {} differs: {}", summary(expected), changes.join("; "))
            }
            DifferenceKind::Order { expected, got } => write!(
                f,
                "{user}: received in another order: expected {}, got {}",
                expected.join(" | "),
                got.join(" | ")
            ),
            DifferenceKind::NotSent { frame, reason } => {
                write!(f, "{user}: could not send {}: {reason}", summary(frame))
            }
        }
    }
}

/// At most this many characters of a value in a summary.
const SHOWN: usize = 120;

fn short(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

/// A frame in a few words: `message_down text "hello" to ["alice"]`, `update buttons [simple, meal]`.
pub(crate) fn summary(frame: &Value) -> String {
    let kind = frame["type"].as_str().unwrap_or("frame");
    let body = &frame["body"];
    let subtype = body["subtype"].as_str().or_else(|| frame["subtype"].as_str()).unwrap_or("");
    let content = &body["content"];
    let what = match (kind, content) {
        (_, Value::Object(c)) if c.len() == 1 && c.contains_key("text") => short(&c["text"]),
        (_, Value::Array(items)) => {
            let ids: Option<Vec<&str>> = items.iter().map(|i| id_of(i)).collect();
            match ids {
                Some(ids) => format!("[{}]", ids.join(", ")),
                None => short(content),
            }
        }
        (_, Value::Null) => {
            let named = ["button_id", "menu_item_id"].iter().find_map(|k| body[*k].as_str());
            named.map(str::to_owned).unwrap_or_default()
        }
        _ => short(content),
    };
    let to = match &body["recipients"] {
        Value::Null => String::new(),
        recipients => format!(" to {}", short(recipients)),
    };
    format!("{kind} {subtype} {what}{to}").replace("  ", " ").trim_end().to_owned()
}

/// The id of a button, menu item, character or style item.
fn id_of(item: &Value) -> Option<&str> {
    ["button_id", "menu_item_id", "character_id", "widget"].iter().find_map(|k| item[*k].as_str())
}

/// Each field where `got` differs from `expected`, at most `MAX_CHANGES`.
pub(crate) fn changes(expected: &Value, got: &Value) -> Vec<String> {
    const MAX_CHANGES: usize = 8;
    let mut out = Vec::new();
    diff("", expected, got, &mut out);
    if out.len() > MAX_CHANGES {
        let more = out.len() - MAX_CHANGES;
        out.truncate(MAX_CHANGES);
        out.push(format!("and {more} more"));
    }
    out
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") }
}

fn diff(path: &str, expected: &Value, got: &Value, out: &mut Vec<String>) {
    let at = if path.is_empty() { "the frame" } else { path };
    match (expected, got) {
        (a, b) if a == b => {}
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                match b.get(key) {
                    Some(other) => diff(&join(path, key), value, other, out),
                    None => out.push(format!("{}: expected {}, got nothing", join(path, key), short(value))),
                }
            }
            for (key, value) in b.iter().filter(|(k, _)| !a.contains_key(*k)) {
                out.push(format!("{}: expected nothing, got {}", join(path, key), short(value)));
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            let ids = |items: &[Value]| {
                items.iter().map(|i| id_of(i).map(str::to_owned)).collect::<Option<Vec<_>>>()
            };
            match (ids(a), ids(b)) {
                // Items with ids (buttons, menu items, ...) are compared by id.
                (Some(ids_a), Some(ids_b)) => {
                    for (id, item) in ids_a.iter().zip(a) {
                        match ids_b.iter().position(|other| other == id) {
                            Some(i) => diff(&format!("{at}[{id}]"), item, &b[i], out),
                            None => out.push(format!("{at}: `{id}` missing (expected {})", short(item))),
                        }
                    }
                    for (id, item) in ids_b.iter().zip(b).filter(|(id, _)| !ids_a.contains(id)) {
                        out.push(format!("{at}: unexpected `{id}` ({})", short(item)));
                    }
                    if out.is_empty() && ids_a != ids_b {
                        out.push(format!("{at}: expected the order {ids_a:?}, got {ids_b:?}"));
                    }
                }
                _ if a.len() != b.len() => {
                    out.push(format!("{at}: expected {}, got {}", short(expected), short(got)));
                }
                _ => {
                    for (i, (x, y)) in a.iter().zip(b).enumerate() {
                        diff(&format!("{at}[{i}]"), x, y, out);
                    }
                }
            }
        }
        _ => out.push(format!("{at}: expected {}, got {}", short(expected), short(got))),
    }
}

/// The key frames of the same kind share: type, subtype, channel.
fn kind_of(frame: &Value) -> (Value, Value, Value) {
    let body = &frame["body"];
    (frame["type"].clone(), body["subtype"].clone(), body["channel_id"].clone())
}

/// Compares what `user` was expected to receive in a turn with what came.
pub(crate) fn compare(
    user: &str,
    expected: &[Value],
    got: &[Value],
    ordered: bool,
    out: &mut Vec<Difference>,
) {
    let difference = |kind| Difference { user: user.to_owned(), kind };
    let mut used = vec![false; got.len()];
    let mut matched: Vec<Option<usize>> = Vec::with_capacity(expected.len());
    for e in expected {
        let found = (0..got.len()).find(|&i| !used[i] && got[i] == *e);
        if let Some(i) = found {
            used[i] = true;
        }
        matched.push(found);
    }
    if ordered {
        let order: Vec<usize> = matched.iter().flatten().copied().collect();
        if order.windows(2).any(|w| w[0] > w[1]) {
            let mut by_arrival = order.clone();
            by_arrival.sort_unstable();
            out.push(difference(DifferenceKind::Order {
                expected: order.iter().map(|&i| summary(&got[i])).collect(),
                got: by_arrival.iter().map(|&i| summary(&got[i])).collect(),
            }));
        }
    }
    for (e, found) in expected.iter().zip(&matched) {
        if found.is_some() {
            continue;
        }
        let same_kind = (0..got.len()).find(|&i| !used[i] && kind_of(&got[i]) == kind_of(e));
        match same_kind {
            Some(i) => {
                used[i] = true;
                let changes = changes(e, &got[i]);
                out.push(difference(DifferenceKind::Changed {
                    expected: e.clone(),
                    got: got[i].clone(),
                    changes,
                }));
            }
            None => out.push(difference(DifferenceKind::Missing { expected: e.clone() })),
        }
    }
    for (i, g) in got.iter().enumerate().filter(|(i, _)| !used[*i]) {
        let _ = i;
        out.push(difference(DifferenceKind::Extra { got: g.clone() }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(t: &str) -> Value {
        json!({"type": "message_down", "body": {"subtype": "text", "channel_id": "channel:1", "content": {"text": t}, "recipients": ["alice"]}})
    }

    fn buttons(ids: &[&str]) -> Value {
        let content: Vec<Value> =
            ids.iter().map(|id| json!({"button_id": id, "button_text": id.to_uppercase()})).collect();
        json!({"type": "update", "body": {"subtype": "buttons", "channel_id": "channel:1", "content": content}})
    }

    #[test]
    fn changed_missing_extra_and_order_are_told_apart() {
        let mut out = Vec::new();
        compare("alice", &[text("a"), text("b")], &[text("a"), text("b")], true, &mut out);
        assert!(out.is_empty());
        compare("alice", &[text("a"), buttons(&["x", "y"])], &[text("A"), buttons(&["x"])], true, &mut out);
        let shown: Vec<String> = out.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown[0],
            r#"alice: message_down text "a" to ["alice"] differs: body.content.text: expected "a", got "A""#
        );
        assert!(
            shown[1].starts_with("alice: update buttons [x, y] differs: body.content: `y` missing"),
            "{}",
            shown[1]
        );
        out.clear();
        compare("bob", &[text("a")], &[buttons(&["x"])], true, &mut out);
        assert_eq!(out.len(), 2);
        assert!(
            matches!(out[0].kind, DifferenceKind::Missing { .. })
                && matches!(out[1].kind, DifferenceKind::Extra { .. })
        );
        out.clear();
        compare("bob", &[text("a"), text("b")], &[text("b"), text("a")], true, &mut out);
        assert!(matches!(&out[..], [Difference { kind: DifferenceKind::Order { .. }, .. }]), "{out:?}");
        out.clear();
        compare("bob", &[text("a"), text("b")], &[text("b"), text("a")], false, &mut out);
        assert!(out.is_empty());
    }
}
