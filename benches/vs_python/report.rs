//! How the report prints figures and targets.

pub(crate) fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub(crate) fn target(what: &str, measured: String, goal: &str, met: bool) {
    println!("{} {what}: {measured} (target {goal})", if met { "✓" } else { "✗" });
}
