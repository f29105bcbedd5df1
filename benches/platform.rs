//! Measures the local platform (`cargo bench --bench platform`): message_up forwarding
//! throughput from 100 users to one service, fan-out latency of one message_down to 1,000
//! connected users, and memory per idle connection. The platform runs in a child process (this
//! binary re-executed) so its memory is measured alone; clients run here. Bounded: every wait
//! has a timeout and the whole run takes well under a minute.

use awc::ws;
use futures_util::{SinkExt as _, StreamExt as _};
use moobius::platform::{LocalPlatform, PlatformConfig};
use moobius::protocol::{ChannelId, CharacterId, Frame, GroupId, MessageContent, ServiceId};
use serde_json::{Value, json};
use std::io::{BufRead as _, BufReader, Read as _};
use std::pin::Pin;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Set in the child process that runs the platform.
const CHILD_ENV: &str = "MOOBIUS_BENCH_PLATFORM_CHILD";
/// Users sending message_up in the throughput measure.
const SENDERS: usize = 100;
/// Messages each of them sends.
const MESSAGES_PER_SENDER: usize = 200;
/// Users connected for the fan-out and memory measures.
const USERS: usize = 1_000;
/// Fan-out rounds (one message_down each).
const ROUNDS: usize = 5;
/// The longest any single wait may take.
const WAIT: Duration = Duration::from_secs(30);

fn main() {
    if std::env::var_os(CHILD_ENV).is_some() {
        run_platform_child();
        return;
    }
    let exe = std::env::current_exe().expect("the bench knows its own path");
    let mut child = Command::new(exe)
        .env(CHILD_ENV, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the platform child starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped"))
        .read_line(&mut line)
        .expect("the child prints its address");
    let addr = line.trim().to_owned();
    let pid = child.id();
    let results = actix_rt::System::new().block_on(measure(addr, pid));
    drop(child.stdin.take()); // the child stops when its stdin closes
    let _ = child.wait();
    print_table(&results);
}

/// The child: a platform with traffic recording off (it would keep every frame) and a buffer
/// deep enough for the throughput burst, serving until stdin closes.
fn run_platform_child() {
    actix_rt::System::new().block_on(async {
        let config = PlatformConfig::default().record_traffic(false).studio(false).outbound_buffer(1 << 16);
        let platform = LocalPlatform::start_with("127.0.0.1:0", config).await.expect("the platform starts");
        println!("{}", platform.addr());
        let _ = actix_web::rt::task::spawn_blocking(|| {
            let mut sink = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut sink);
        })
        .await;
        platform.stop().await;
    });
}

struct Results {
    throughput: (usize, Duration),
    fanout: Vec<Duration>,
    memory_per_connection: Option<f64>,
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn http() -> awc::Client {
    awc::Client::builder().connector(awc::Connector::new().limit(0)).timeout(WAIT).finish()
}

async fn post(client: &awc::Client, addr: &str, path: &str, token: Option<&str>, body: Value) -> Value {
    let mut req = client.post(format!("http://{addr}{path}"));
    if let Some(token) = token {
        req = req.insert_header(("Authorization", format!("Bearer {token}")));
    }
    let mut response = req.send_json(&body).await.expect("the HTTP call goes through");
    let body: Value = response.json().limit(1 << 20).await.expect("JSON");
    assert_eq!(body["code"], 10000, "{path}: {body}");
    body["data"].clone()
}

async fn get(client: &awc::Client, addr: &str, path: &str, token: &str) -> Value {
    let mut response = client
        .get(format!("http://{addr}{path}"))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .send()
        .await
        .expect("the HTTP call goes through");
    let body: Value = response.json().await.expect("JSON");
    body["data"].clone()
}

async fn sign_in(client: &awc::Client, addr: &str, name: &str) -> (String, CharacterId) {
    let data = post(client, addr, "/auth/sign_in", None, json!({"username": name, "password": "pw"})).await;
    let token = data["AuthenticationResult"]["AccessToken"].as_str().unwrap().to_owned();
    let info = get(client, addr, "/user/info", &token).await;
    (token, CharacterId::from(info["user_id"].as_str().unwrap()))
}

type Sink = Pin<Box<dyn futures_util::Sink<ws::Message, Error = awc::error::WsProtocolError>>>;

struct Ws {
    sink: Sink,
    rx: mpsc::UnboundedReceiver<String>,
}

impl Ws {
    async fn connect(client: &awc::Client, addr: &str) -> Self {
        let (_, framed) =
            client.ws(format!("ws://{addr}/ws")).connect().await.expect("the websocket connects");
        let (sink, mut stream) = framed.split();
        let (tx, rx) = mpsc::unbounded_channel();
        actix_rt::spawn(async move {
            while let Some(Ok(frame)) = stream.next().await {
                if let ws::Frame::Text(bytes) = frame
                    && tx.send(String::from_utf8_lossy(&bytes).into_owned()).is_err()
                {
                    return;
                }
            }
        });
        Self { sink: Box::pin(sink), rx }
    }

    async fn send(&mut self, text: String) {
        self.sink.send(ws::Message::Text(text.into())).await.expect("sent");
    }

    async fn next(&mut self) -> String {
        tokio::time::timeout(WAIT, self.rx.recv())
            .await
            .expect("a frame within the wait")
            .expect("still connected")
    }

    /// Sends a frame and waits for its (accepted) receipt.
    async fn request(&mut self, frame: Frame) {
        let request = frame.into_request();
        let id = request.request_id.clone().unwrap();
        self.send(request.encode()).await;
        loop {
            let text = self.next().await;
            if text.contains(&id) {
                assert!(text.contains(r#""status":true"#), "{text}");
                return;
            }
        }
    }
}

async fn measure(addr: String, pid: u32) -> Results {
    let client = http();
    let (owner, _) = sign_in(&client, &addr, "owner").await;
    let service_id = post(&client, &addr, "/service/create", Some(&owner), json!({"description": "bench"}))
        .await["service_id"]
        .as_str()
        .map(ServiceId::from)
        .unwrap();
    let channel_id = post(&client, &addr, "/channel/create", Some(&owner), json!({"channel_name": "bench"}))
        .await["channel_id"]
        .as_str()
        .map(ChannelId::from)
        .unwrap();
    post(
        &client,
        &addr,
        "/service/bind",
        Some(&owner),
        json!({"service_id": service_id, "channel_id": channel_id}),
    )
    .await;
    let mut service = Ws::connect(&client, &addr).await;
    service.request(Frame::service_login(service_id.clone(), owner.as_str())).await;

    // Accounts first, so the memory delta is the connections alone.
    let mut accounts = Vec::with_capacity(USERS);
    for i in 0..USERS {
        accounts.push(sign_in(&client, &addr, &format!("user-{i}")).await);
    }
    let before = rss_kib(pid);
    let mut users = Vec::with_capacity(USERS);
    for (token, _) in &accounts {
        let mut ws = Ws::connect(&client, &addr).await;
        ws.request(Frame::user_login(token.as_str())).await;
        users.push(ws);
    }
    let after = rss_kib(pid);
    let memory_per_connection = match (before, after) {
        (Some(b), Some(a)) => Some((a.saturating_sub(b) as f64 * 1024.0) / USERS as f64),
        _ => None,
    };

    // Everyone joins; the service drains the joins.
    for (ws, (_, user_id)) in users.iter_mut().zip(&accounts) {
        ws.request(Frame::join_channel(user_id.clone(), channel_id.clone())).await;
    }
    let mut joins = 0;
    while joins < USERS {
        if service.next().await.contains(r#""subtype":"join""#) {
            joins += 1;
        }
    }
    let ids: Vec<&str> = accounts.iter().map(|(_, id)| id.as_str()).collect();
    let everyone = post(
        &client,
        &addr,
        "/service/group/create",
        Some(&owner),
        json!({"group_id": "", "characters": ids}),
    )
    .await
    .as_str()
    .map(GroupId::from)
    .unwrap();

    // Fan-out: one message_down to all, time until the last user has it.
    let mut fanout = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS {
        let frame = Frame::message_down(
            service_id.clone(),
            channel_id.clone(),
            MessageContent::text(format!("round {round}")),
            everyone.clone(),
            service_id.as_character(),
        )
        .unwrap();
        let start = Instant::now();
        service.send(frame.into_request().encode()).await;
        let arrivals = futures_util::future::join_all(users.iter_mut().map(|ws| async move {
            loop {
                if ws.next().await.contains(r#""type":"message_down""#) {
                    return Instant::now();
                }
            }
        }))
        .await;
        let last = arrivals.into_iter().max().expect("users");
        fanout.push(last - start);
    }

    // Throughput: 100 users send message_up as fast as they can; the service counts.
    let total = SENDERS * MESSAGES_PER_SENDER;
    let mut texts = Vec::with_capacity(SENDERS);
    for (_, user_id) in accounts.iter().take(SENDERS) {
        let frames: Vec<String> = (0..MESSAGES_PER_SENDER)
            .map(|i| {
                Frame::message_up(
                    user_id.clone(),
                    service_id.clone(),
                    channel_id.clone(),
                    MessageContent::text(format!("m{i}")),
                    everyone.clone(),
                )
                .unwrap()
                .into_request()
                .encode()
            })
            .collect();
        texts.push(frames);
    }
    let start = Instant::now();
    for (ws, frames) in users.iter_mut().take(SENDERS).zip(texts) {
        let sink = &mut ws.sink;
        let mut stream =
            futures_util::stream::iter(frames.into_iter().map(|t| Ok(ws::Message::Text(t.into()))));
        sink.send_all(&mut stream).await.expect("sent");
    }
    let mut received = 0;
    while received < total {
        if service.next().await.contains(r#""type":"message_up""#) {
            received += 1;
        }
    }
    let throughput = (total, start.elapsed());
    Results { throughput, fanout, memory_per_connection }
}

fn print_table(results: &Results) {
    let (count, elapsed) = results.throughput;
    let mut fanout = results.fanout.clone();
    fanout.sort();
    let median = fanout[fanout.len() / 2];
    let max = fanout[fanout.len() - 1];
    println!();
    println!("moobius local platform (platform in a child process, 1 worker, traffic recording off)");
    println!("| measure | result |");
    println!("|---|---|");
    println!(
        "| message_up forwarding, {SENDERS} users -> 1 service | {count} messages in {:.3} s = {:.0} msg/s |",
        elapsed.as_secs_f64(),
        count as f64 / elapsed.as_secs_f64()
    );
    println!(
        "| fan-out of one message_down to {USERS} users (until the last has it) | median {:.2} ms, max {:.2} ms over {ROUNDS} rounds |",
        median.as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3
    );
    match results.memory_per_connection {
        Some(bytes) => println!(
            "| memory per idle connection (RSS delta over {USERS} logged-in connections) | {:.1} KiB |",
            bytes / 1024.0
        ),
        None => println!("| memory per idle connection | not measured (no /proc) |"),
    }
}
