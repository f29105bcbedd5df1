//! Local platform benchmarks (placeholder until the real one lands).
fn main() {}
