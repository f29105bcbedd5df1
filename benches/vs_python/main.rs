//! This crate side by side with the reference Python SDK (moobius 1.8.0) and a bare awc client,
//! against one `moobius platform` (this build's, release) in its own process, so every CPU and
//! memory figure is a process's own (`/proc/<pid>/stat`, `/proc/<pid>/status`). Timings on a
//! shared two-core machine are noisy, so each figure is printed beside a baseline measured in the
//! same run, as a ratio; the targets of issue 13 close the table.
//!
//! Run: `cargo bench --bench vs_python` (about 3 to 5 minutes on two cores). Measures:
//! 1. throughput: a service sends N `message_down`s to one logged-in user and waits until every
//!    receipt is in; the SDK's `WSClient` (`benches/vs_python.py`, its own process), this crate's
//!    runtime and a bare awc client take turns, medians of the rounds; msgs/s, client and platform
//!    CPU per message;
//! 2. round trip user `message_up` → service handler → `message_down` → user, p50/p99, runtime
//!    against bare awc as the service (the user is a bare client either way);
//! 3. inbound events per second (a user floods `message_up`, the service counts), runtime against
//!    bare awc; the user keeps at most 512 in flight so neither is dropped as a slow reader;
//! 4. fan-out: U users joined to a channel, one `message_down` to a group of all of them, time
//!    until the last has it (repeated M times, since one takes about one CPU clock tick) and
//!    platform CPU per recipient; before the users join, the platform's RSS per idle logged-in
//!    connection (K of them);
//! 5. a service process (this bench re-executed in a child mode: the service runtime alone, the
//!    platform and the test support linked in but not run) with one connection: with one channel
//!    and an account of its own, its VmRSS split into anonymous and file-backed pages (code
//!    mapped in), VmHWM, and the same for a plain service binary (`plain_service/`, the service
//!    runtime alone with the crate's default features off, fat LTO and one codegen unit, built
//!    before the run with `cargo build --release` into `<target>/vs_python_plain`: about three
//!    minutes whenever the crate changed; the target is taken on it); with
//!    1 and C channels of one account, RSS per idle channel actor.
//!
//! The platform process is this bench re-executed in a platform child mode, configured as
//! `benches/e2e.rs` configures it (a 1 Mi-event per-connection buffer, no traffic or studio
//! recording): `moobius platform` has no flags for these, and with its 1,024-event buffer the
//! throughput user (starved on two busy cores) was cut as a slow reader mid-round.
//! `VS_PLATFORM=moobius` runs `moobius platform --addr 127.0.0.1:0` as it is instead.
//!
//! The client runtime, bare clients and users run in this process: the user that receives the
//! throughput and the user that floods run on a helper thread whose CPU (`/proc/self/task/<tid>`)
//! is subtracted from the process's, so "client CPU" is the measured client's alone.
//!
//! Sizes (environment): `VS_FRAMES` (N, default 50,000), `VS_ROUNDS` (3), `VS_RTT` (round trips,
//! 2,000), `VS_INBOUND` (flooded events, 50,000), `VS_FANOUT_USERS` (U, 10,000), `VS_FANOUT_MSGS`
//! (M, 20), `VS_IDLE_CONNS` (K, 2,000), `VS_CHANNELS` (C, 10,000). `MOOBIUS_PYTHON` names the
//! interpreter with the SDK (default `.venv/bin/python`); without one the SDK row is skipped.
//! 10,000 connections a side need file descriptors: the bench raises its own RLIMIT_NOFILE and
//! the platform's with `prlimit` (util-linux), and shrinks U to fit (saying so) if it cannot.
//! `cargo test --benches` runs it with tiny sizes.

#[path = "../../tests/it/support/mod.rs"]
#[allow(unused_imports)]
mod support;

#[path = "../common/mod.rs"]
mod common;
mod helper;
mod inbound;
mod many;
mod plain;
mod platform_child;
mod proc;
mod report;
mod round_trip;
mod service_child;
mod throughput;

use common::env_or;
use helper::{CountingUser, Helper};
use inbound::{WINDOW, inbound_bare, inbound_runtime};
use many::{bounded, many_users};
use platform_child::{PLATFORM_CHILD, platform_child, start_platform};
use proc::{Clocks, clock_ticks, raise_nofile};
use report::{target, thousands};
use round_trip::{rtt_bare, rtt_runtime, summary};
use service_child::{CHILD, Owner, child, weigh_service};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::Remote;
use throughput::{PythonSdk, Throughput, medians, python, tp_bare, tp_runtime};

/// The bound on waits longer than [`support::WAIT`] (a whole round, a child's start).
const LONG: Duration = Duration::from_secs(180);

fn main() {
    if let Ok(path) = std::env::var(CHILD) {
        child(&path);
    }
    if std::env::var_os(PLATFORM_CHILD).is_some() {
        platform_child();
    }
    let run_started = Instant::now();
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this with tiny sizes.
    let quick = !std::env::args().any(|a| a == "--bench");
    let size = |name: &str, full: usize, tiny: usize| if quick { tiny } else { env_or(name, full) };
    let frames = size("VS_FRAMES", 50_000, 200);
    let rounds = size("VS_ROUNDS", 3, 1).max(1);
    let rtt_rounds = size("VS_RTT", 2_000, 50).max(1);
    let inbound = size("VS_INBOUND", 50_000, 200) as u64;
    let mut users = size("VS_FANOUT_USERS", 10_000, 20).max(1);
    let fan_messages = size("VS_FANOUT_MSGS", 20, 2).max(1);
    let idle = size("VS_IDLE_CONNS", 2_000, 10).min(users);
    let channels = size("VS_CHANNELS", 10_000, 10).max(2);

    let nofile = raise_nofile();
    // The platform and this process each hold one descriptor per user, plus a margin.
    let fits = (nofile as usize).saturating_sub(1_000);
    if users > fits {
        eprintln!(
            "note: RLIMIT_NOFILE is {nofile} (its hard limit; raising it needs CAP_SYS_RESOURCE) and the platform \
             takes one descriptor per connection: fan-out shrunk from {users} to {fits} users"
        );
        users = fits;
    }
    let idle = idle.min(users);
    let python = python();
    // The plain service binary is built before the run (a cargo build; skipped with tiny sizes).
    let plain_exe = if quick { Err("not built with tiny sizes".to_owned()) } else { plain::build() };

    actix_rt::System::new().block_on(async move {
        let (platform, http, ws, platform_kind) = start_platform(nofile).await;
        let remote = Remote::new(http, ws.clone());
        let clocks = Clocks { ticks: clock_ticks(), platform: platform.id(), helper: None };
        let w = Arc::new(support::world(&remote).await);

        // 1. Throughput, the three clients taking turns.
        let helper = Helper::start();
        let tp_clocks = clocks.with_helper(&helper);
        let user = CountingUser::start(&helper, ws.clone(), w.user.token.clone()).await;
        let mut sdk = match &python {
            Ok(python) => Some(PythonSdk::start(python, &ws, &w, frames).await),
            Err(why) => {
                println!("skipping the Python SDK rows: {why}");
                None
            }
        };
        // Warm-up (connections, allocators, the SDK's imports), not reported.
        let warm = (frames / 10).max(1);
        if let Some(sdk) = &mut sdk {
            // The SDK sends its configured N each round: one round at full size as its warm-up.
            let _ = sdk.round(frames, &user, tp_clocks).await;
        }
        let _ = tp_runtime(&ws, &w, warm, &user, tp_clocks).await;
        let _ = tp_bare(&ws, &w, warm, &user, tp_clocks).await;
        let (mut sdk_rounds, mut rt_rounds, mut bare_rounds) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..rounds {
            if let Some(sdk) = &mut sdk {
                sdk_rounds.push(sdk.round(frames, &user, tp_clocks).await);
            }
            rt_rounds.push(tp_runtime(&ws, &w, frames, &user, tp_clocks).await);
            bare_rounds.push(tp_bare(&ws, &w, frames, &user, tp_clocks).await);
        }
        drop(sdk);
        drop(user);
        drop(helper);
        let sdk_tp = (!sdk_rounds.is_empty()).then(|| medians(&sdk_rounds));
        let rt_tp = medians(&rt_rounds);
        let bare_tp = medians(&bare_rounds);

        // 2. Round trips, the service being the runtime or bare; warm-up first.
        let _ = rtt_bare(&ws, &w, rtt_rounds / 10 + 1).await;
        let _ = rtt_runtime(&ws, &w, rtt_rounds / 10 + 1).await;
        let (mut rt_rtts, mut bare_rtts) = (Vec::new(), Vec::new());
        for _ in 0..2 {
            bare_rtts.extend(rtt_bare(&ws, &w, rtt_rounds / 2 + 1).await);
            rt_rtts.extend(rtt_runtime(&ws, &w, rtt_rounds / 2 + 1).await);
        }
        let (rt_rtt, bare_rtt) = (summary(&rt_rtts), summary(&bare_rtts));

        // 3. Inbound events.
        let _ = inbound_bare(&ws, &w, inbound / 10 + 1, clocks).await;
        let _ = inbound_runtime(&ws, &w, inbound / 10 + 1, clocks).await;
        let bare_in = inbound_bare(&ws, &w, inbound, clocks).await;
        let rt_in = inbound_runtime(&ws, &w, inbound, clocks).await;

        // 4. Many users: idle connections, fan-out.
        let many = many_users(&remote, &w, users, idle, fan_messages, clocks).await;

        // 5. A service process with 1 and with C channel actors. The one-channel service has an
        // account of its own (start-up lists the account's services and their channels).
        let solo = support::sign_in(&remote, "solo", "solo-password").await;
        let solo_service = support::create_service(&remote, &solo.token).await;
        let solo_channel = support::create_channel(&remote, &solo.token, "solo").await;
        support::bind(&remote, &solo.token, &solo_service, &solo_channel).await;
        let solo_owner = Owner { email: &solo.username, password: "solo-password", service_id: &solo_service };
        let one = weigh_service(&remote, &solo_owner, std::slice::from_ref(&solo_channel)).await;
        let plain = match &plain_exe {
            Ok(exe) => Ok(plain::weigh_plain(exe, &remote, &solo_owner, &solo_channel).await),
            Err(why) => Err(why.clone()),
        };
        let service_id = support::create_service(&remote, &w.owner.token).await;
        let provisioned = Instant::now();
        let owner_token = w.owner.token.clone();
        let ids = bounded(0..channels, 32, |i| {
            let (remote, token, service_id) = (&remote, &owner_token, &service_id);
            async move {
                let id = support::create_channel(remote, token, &format!("actor-{i}")).await;
                support::bind(remote, token, service_id, &id).await;
                id
            }
        })
        .await;
        let provisioned = provisioned.elapsed();
        let owner = Owner { email: &w.owner.username, password: "owner-password", service_id: &service_id };
        let first = weigh_service(&remote, &owner, &ids[..1]).await;
        let all = weigh_service(&remote, &owner, &ids).await;
        // Both of the account with C channels, so its listing at start-up cancels out.
        let per_actor_kib = (all.rss_kib as f64 - first.rss_kib as f64) / (channels - 1) as f64;
        drop(platform);

        // ----- the table -----
        println!();
        println!(
            "vs_python: one platform process, release build: {platform_kind}"
        );
        println!("N = {frames} message_downs to one user, median of {rounds} rounds");
        println!("| client | msgs/s | client CPU per message | platform CPU per message |");
        println!("|---|---:|---:|---:|");
        let row = |name: &str, t: &Throughput| {
            println!(
                "| {name} | {} | {:.1} µs | {:.1} µs |",
                thousands(t.per_second),
                t.client_us,
                t.platform_us
            )
        };
        match &sdk_tp {
            Some(t) => row("Python SDK 1.8.0 (logs off)", t),
            None => println!("| Python SDK 1.8.0 (logs off) | skipped | | |"),
        }
        row("this crate, full runtime", &rt_tp);
        row("bare awc", &bare_tp);
        if let Some(sdk) = &sdk_tp {
            println!(
                "crate vs SDK: {:.1}× the throughput, {:.1}× less client CPU per message",
                rt_tp.per_second / sdk.per_second,
                sdk.client_us / rt_tp.client_us
            );
        }
        println!(
            "crate vs bare awc: {:.0}% of the throughput, {:.2}× the client CPU per message",
            100.0 * rt_tp.per_second / bare_tp.per_second,
            rt_tp.client_us / bare_tp.client_us
        );
        println!();
        println!("round trip user message_up → service handler → message_down → user ({} each):", rt_rtts.len());
        println!("| service | p50 | p99 |");
        println!("|---|---:|---:|");
        println!("| this crate, full runtime | {:.1?} | {:.1?} |", rt_rtt.p50, rt_rtt.p99);
        println!("| bare awc | {:.1?} | {:.1?} |", bare_rtt.p50, bare_rtt.p99);
        let rtt_ratio = rt_rtt.p99.as_secs_f64() / bare_rtt.p99.as_secs_f64();
        println!(
            "crate / bare: p50 {:.2}×, p99 {rtt_ratio:.2}×",
            rt_rtt.p50.as_secs_f64() / bare_rtt.p50.as_secs_f64()
        );
        println!();
        println!("inbound events (a user floods {inbound} message_ups, at most {WINDOW} in flight; the service counts):");
        println!("| service | events/s | service CPU per event | platform CPU per event |");
        println!("|---|---:|---:|---:|");
        for (name, r) in [("this crate, full runtime", rt_in), ("bare awc", bare_in)] {
            println!(
                "| {name} | {} | {:.1} µs | {:.1} µs |",
                thousands(r.per_second),
                r.client_us,
                r.platform_us
            );
        }
        println!("crate / bare: {:.0}% of the events/s", 100.0 * rt_in.per_second / bare_in.per_second);
        println!();
        println!(
            "fan-out: {} users joined, {} message_downs to a group of all of them (setup {:.1?}):",
            many.users, many.messages, many.setup
        );
        println!(
            "  until the last user has it: p50 {:.1?}, max {:.1?}; platform CPU {:.2} µs per recipient \
             ({:.2} µs in its own code, {:.2} µs in the kernel: one TCP write per recipient)",
            many.last_p50,
            many.last_max,
            many.platform_us_per_recipient,
            many.platform_user_us_per_recipient,
            many.platform_kernel_us_per_recipient
        );
        println!(
            "  platform RSS per idle logged-in connection: {:.1} KiB (VmRSS over {} connections)",
            many.idle_kib_per_conn, many.idle_conns
        );
        let mib = |kib: u64| kib as f64 / 1024.0;
        println!(
            "service process (this bench re-executed as a plain service: one connection, idle actors that answer a ping):"
        );
        println!(
            "  one channel, an account of its own: VmRSS {:.1} MiB (anonymous {:.1} MiB, file-backed {:.1} MiB: the \
             binary's and libc's code mapped in), VmHWM {:.1} MiB",
            mib(one.rss_kib),
            mib(one.anon_kib),
            mib(one.file_kib),
            mib(one.hwm_kib)
        );
        match &plain {
            Ok(p) => println!(
                "  the same as a plain service binary (benches/vs_python/plain_service: the service runtime alone, \
                 default features off, fat LTO, one codegen unit): VmRSS {:.1} MiB (anonymous {:.1} MiB, file-backed {:.1} MiB), VmHWM {:.1} MiB",
                mib(p.rss_kib),
                mib(p.anon_kib),
                mib(p.file_kib),
                mib(p.hwm_kib)
            ),
            Err(why) => println!("  the same as a plain service binary: not measured ({why})"),
        }
        println!(
            "  the account with {channels} channels (provisioned over HTTP in {provisioned:.1?}): one of them: VmRSS {:.1} MiB; \
             all: VmRSS {:.1} MiB, VmHWM {:.1} MiB",
            mib(first.rss_kib),
            mib(all.rss_kib),
            mib(all.hwm_kib)
        );
        println!("  per idle channel actor: {per_actor_kib:.2} KiB (VmRSS, all minus one, over {} channels)", channels - 1);
        println!();
        println!("targets:");
        target("client CPU per message_down", format!("{:.1} µs", rt_tp.client_us), "≤ 2.5 µs", rt_tp.client_us <= 2.5);
        target(
            "platform CPU per forwarded message",
            format!("{:.1} µs", rt_tp.platform_us),
            "≤ 3 µs",
            rt_tp.platform_us <= 3.0,
        );
        match &sdk_tp {
            Some(sdk) => {
                let ratio = rt_tp.per_second / sdk.per_second;
                target("throughput vs the Python SDK", format!("{ratio:.1}×"), "≥ 25×", ratio >= 25.0);
            }
            None => println!("- throughput vs the Python SDK: not measured (no SDK)"),
        }
        target("round-trip p99 vs bare awc", format!("{rtt_ratio:.2}×"), "≤ 1.2×", rtt_ratio <= 1.2);
        target(
            "fan-out platform CPU per recipient",
            format!("{:.2} µs", many.platform_us_per_recipient),
            "≤ 1 µs",
            many.platform_us_per_recipient <= 1.0,
        );
        target(
            "RSS per idle platform connection",
            format!("{:.1} KiB", many.idle_kib_per_conn),
            "≤ 8 KiB",
            many.idle_kib_per_conn <= 8.0,
        );
        target("RSS per idle channel actor", format!("{per_actor_kib:.2} KiB"), "≤ 2 KiB", per_actor_kib <= 2.0);
        // The target is for a service process: the plain binary when it was built, else the
        // bench binary re-executed (which maps in the platform's and the test support's code).
        let (weighed, binary) = match &plain {
            Ok(p) => (*p, "plain service binary"),
            Err(_) => (one, "the bench binary as a service"),
        };
        let one_mib = mib(weighed.rss_kib);
        target(
            "RSS of a service process with one connection",
            format!("{one_mib:.1} MiB, {binary} ({:.1} MiB anonymous)", mib(weighed.anon_kib)),
            "≤ 5 MiB",
            one_mib <= 5.0,
        );
        println!("(whole run {:.0?})", run_started.elapsed());
    });
}
