//! Server load test (DESIGN.md §5): 1:1 delivery latency with many connected
//! clients.
//!
//! Starts the release `candor-server` binary as a child process (so its RSS
//! and CPU time are its own), signs up `--clients` people over HTTP, connects
//! them in pairs with a direct conversation each, opens one `/v1/events`
//! WebSocket per person, then sends messages at `--rate` per second (open
//! loop: a send is started on schedule whether or not earlier ones finished)
//! to a random pair in a random direction. Latency is measured from the start
//! of the POST to the event frame arriving on the recipient's socket.
//!
//! ```text
//! ulimit -n 8192
//! cargo bench -p candor-server --bench loadgen -- --clients 2000 --rate 1000 --seconds 30
//! ```

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{stream, StreamExt};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{header, HeaderValue};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use uuid::Uuid;

const PASSWORD: &str = "correct horse battery staple";

const SENTENCES: &[&str] = &[
    "Can we move the pricing review to Thursday at 14:00?",
    "I've attached the updated budget forecast, please review it by Friday.",
    "Thanks, I'll follow up with Søren about the vendor audit.",
    "Quick update: Atlas is on track, waiting on legal for the redlines.",
    "Could you send me the latest version of the statement of work?",
    "Heads up: the billing deployment is scheduled for tomorrow at 9:30 CET.",
    "Sounds good.",
    "The invoice for March was sent to Globex on the 12th.",
    "Łukasz is out of office until Monday, so I'll cover the hiring plan review.",
    "We need sign-off from security before we ship the Horizon changes. The test environment was down most of yesterday, so QA is a day behind; I'd rather slip the release than skip the checklist.",
];

#[derive(Debug, Clone)]
struct Args {
    clients: usize,
    /// One load phase per rate, in order.
    rates: Vec<f64>,
    seconds: f64,
    warmup: f64,
    signup_concurrency: usize,
}

fn parse_args() -> Args {
    let mut args = Args {
        clients: 2000,
        rates: vec![1000.0],
        seconds: 30.0,
        warmup: 5.0,
        signup_concurrency: 4,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| -> f64 {
            it.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{name} needs a number"))
        };
        match a.as_str() {
            "--clients" => args.clients = value("--clients") as usize,
            "--rate" => {
                args.rates = it
                    .next()
                    .map(|v| v.split(',').filter_map(|r| r.parse().ok()).collect())
                    .filter(|r: &Vec<f64>| !r.is_empty())
                    .expect("--rate needs numbers, comma-separated")
            }
            "--seconds" => args.seconds = value("--seconds"),
            "--warmup" => args.warmup = value("--warmup"),
            "--signup-concurrency" => {
                args.signup_concurrency = value("--signup-concurrency") as usize
            }
            // `cargo bench` passes `--bench`.
            _ => {}
        }
    }
    args.clients = args.clients.max(2) & !1;
    args
}

#[derive(Debug, Clone)]
struct User {
    id: i64,
    handle: String,
    token: String,
}

/// Nearest-rank percentile of sorted samples.
fn pct(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// A `/proc/PID/status` field in kB (VmRSS, VmHWM).
fn proc_kb(pid: &str, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// User + system CPU seconds of a process (clock ticks at 100 Hz).
fn cpu_seconds(pid: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            // Fields after the command name, which is in parentheses.
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            let utime: f64 = f.get(11)?.parse().ok()?;
            let stime: f64 = f.get(12)?.parse().ok()?;
            Some((utime + stime) / 100.0)
        })
        .unwrap_or(0.0)
}

fn open_files_limit() -> Option<u64> {
    std::fs::read_to_string("/proc/self/limits")
        .ok()?
        .lines()
        .find(|l| l.starts_with("Max open files"))?
        .split_whitespace()
        .nth(3)?
        .parse()
        .ok()
}

async fn post(http: &reqwest::Client, url: String, token: Option<&str>, body: Value) -> Value {
    let mut request = http.post(url.as_str()).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {url}: {e}"));
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    assert!(status.is_success(), "POST {url}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

#[derive(Default)]
struct Stats {
    /// client id -> (send start, counted in the measurement window)
    pending: Mutex<HashMap<Uuid, (Instant, bool)>>,
    delivery: Mutex<Vec<Duration>>,
    ack: Mutex<Vec<Duration>>,
    lag: Mutex<Vec<Duration>>,
    acked: AtomicU64,
    errors: AtomicU64,
    last_delivery: Mutex<Option<Instant>>,
}

#[tokio::main]
async fn main() {
    let args = parse_args();
    let needed = args.clients as u64 + 512;
    match open_files_limit() {
        Some(limit) if limit < needed => {
            eprintln!(
                "The open-files limit is {limit}; {} sockets need about {needed}. Run `ulimit -n 8192` first.",
                args.clients
            );
            std::process::exit(2);
        }
        limit => println!(
            "open-files limit {} (server inherits it)",
            limit.map_or("unknown".into(), |l| l.to_string())
        ),
    }
    println!(
        "candor-server load test: {} clients, phases at {:?} msg/s, {} s each, {} cores shared by server and load generator",
        args.clients,
        args.rates,
        args.seconds,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    println!("load average at the start: {}", loadavg());

    // ------------------------------------------------------ the server
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    std::fs::create_dir_all(target.join("bench-data")).expect("bench-data dir");
    let data = tempfile::tempdir_in(target.join("bench-data")).expect("a data dir");
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .expect("an HTTP client");
    let (mut child, port) = start_server(&http, data.path()).await;
    let mut pid = child.id().to_string();
    let mut base = format!("http://127.0.0.1:{port}");
    println!(
        "server pid {pid} up; RSS {} MB",
        proc_kb(&pid, "VmRSS:") / 1024
    );

    // ------------------------------------------------------ sign-ups
    let t = Instant::now();
    let mut users: Vec<User> = stream::iter(0..args.clients)
        .map(|i| {
            let http = http.clone();
            let base = base.clone();
            async move {
                let handle = format!("load{i:05}");
                let r = post(
                    &http,
                    format!("{base}/v1/accounts"),
                    None,
                    json!({"handle": handle, "display_name": format!("Load User {i}"),
                           "password": PASSWORD, "device_name": "loadgen"}),
                )
                .await;
                (
                    i,
                    User {
                        id: r["profile"]["user_id"].as_i64().expect("user id"),
                        handle,
                        token: r["token"].as_str().expect("token").to_owned(),
                    },
                )
            }
        })
        .buffer_unordered(args.signup_concurrency)
        .collect::<std::collections::BTreeMap<usize, User>>()
        .await
        .into_values()
        .collect();
    let signup = t.elapsed();
    println!(
        "signed up {} users in {:.1} s ({:.0}/s, argon2 on the server, {} at a time)",
        users.len(),
        signup.as_secs_f64(),
        users.len() as f64 / signup.as_secs_f64(),
        args.signup_concurrency
    );

    // ------------------------------------------------------ pairs
    let t = Instant::now();
    let pairs: Vec<(User, User, i64)> = stream::iter(users.chunks(2).map(|c| c.to_vec()))
        .map(|pair| {
            let http = http.clone();
            let base = base.clone();
            async move {
                let (a, b) = (pair[0].clone(), pair[1].clone());
                post(
                    &http,
                    format!("{base}/v1/connections"),
                    Some(&a.token),
                    json!({"handle": b.handle}),
                )
                .await;
                post(
                    &http,
                    format!("{base}/v1/connections/{}/accept", a.id),
                    Some(&b.token),
                    json!({}),
                )
                .await;
                let c = post(
                    &http,
                    format!("{base}/v1/conversations/direct"),
                    Some(&a.token),
                    json!({"peer": b.id}),
                )
                .await;
                (a, b, c["id"].as_i64().expect("conversation id"))
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    println!(
        "connected {} pairs with a direct conversation each in {:.1} s",
        pairs.len(),
        t.elapsed().as_secs_f64()
    );

    // Sign-ups leave argon2's memory with the allocator; a restart (same
    // data directory, tokens stay valid) measures the sockets on their own.
    let setup_rss = proc_kb(&pid, "VmRSS:");
    stop_server(&mut child);
    let (new_child, port) = start_server(&http, data.path()).await;
    child = new_child;
    pid = child.id().to_string();
    base = format!("http://127.0.0.1:{port}");
    println!(
        "server RSS after the sign-ups {} MB; restarted on the same data as pid {pid}: RSS {} MB",
        setup_rss / 1024,
        proc_kb(&pid, "VmRSS:") / 1024
    );

    // ------------------------------------------------------ sockets
    let stats = Arc::new(Stats::default());
    let ws_url = format!("ws://127.0.0.1:{port}/v1/events");
    let t = Instant::now();
    users.shuffle(&mut StdRng::seed_from_u64(7));
    let opened = stream::iter(users.clone())
        .map(|user| {
            let ws_url = ws_url.clone();
            let stats = Arc::clone(&stats);
            async move {
                let mut request = ws_url.into_client_request().expect("a ws request");
                request.headers_mut().insert(
                    header::AUTHORIZATION,
                    HeaderValue::from_str(&format!("Bearer {}", user.token)).expect("header"),
                );
                let (mut socket, _) = tokio_tungstenite::connect_async(request)
                    .await
                    .expect("the socket opens");
                // The hello frame first.
                match socket.next().await {
                    Some(Ok(WsMessage::Text(t))) if t.as_str().contains("\"hello\"") => {}
                    other => panic!("expected hello, got {other:?}"),
                }
                tokio::spawn(read_frames(socket, user.id, stats));
            }
        })
        .buffer_unordered(64)
        .count()
        .await;
    let idle_rss = proc_kb(&pid, "VmRSS:");
    println!(
        "opened {opened} WebSockets in {:.1} s; server RSS with all connected, idle: {} MB",
        t.elapsed().as_secs_f64(),
        idle_rss / 1024
    );

    // ------------------------------------------------------ load
    for (n, &rate) in args.rates.iter().enumerate() {
        if n > 0 {
            // Let the previous phase's tail settle.
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        phase(&args, rate, &pairs, &http, &base, &pid, &stats).await;
    }
    let idle_after = proc_kb(&pid, "VmRSS:");
    println!(
        "\nserver VmRSS after the load {} MB, VmHWM {} MB (pid {pid}, restarted after setup)",
        idle_after / 1024,
        proc_kb(&pid, "VmHWM:") / 1024
    );
    stop_server(&mut child);
    println!("load average at the end: {}", loadavg());
}

/// `/proc/loadavg`, to show whether something else shared the machine.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

/// One load phase at `rate` messages per second; prints its results.
async fn phase(
    args: &Args,
    rate: f64,
    pairs: &[(User, User, i64)],
    http: &reqwest::Client,
    base: &str,
    pid: &str,
    stats: &Arc<Stats>,
) {
    stats.reset();
    let total = (rate * args.seconds) as u64;
    let warmup = (rate * args.warmup) as u64;
    let period = Duration::from_secs_f64(1.0 / rate);
    println!(
        "\n== {rate} msg/s for {} s, the first {} s ({warmup} messages) not counted ==",
        args.seconds, args.warmup
    );
    let mut rng = StdRng::seed_from_u64(rate as u64);
    let mut max_rss = 0;
    let (server_cpu0, self_cpu0) = (cpu_seconds(pid), cpu_seconds("self"));
    let mut window: Option<(Instant, f64, f64)> = None;
    let t0 = Instant::now();
    let mut next_rss = t0;
    for i in 0..total {
        let scheduled = t0 + period.mul_f64(i as f64);
        tokio::time::sleep_until(scheduled.into()).await;
        if i == warmup {
            window = Some((Instant::now(), cpu_seconds(pid), cpu_seconds("self")));
        }
        if Instant::now() >= next_rss {
            max_rss = max_rss.max(proc_kb(pid, "VmRSS:"));
            next_rss += Duration::from_secs(1);
        }
        let (a, b, conversation) = &pairs[rng.gen_range(0..pairs.len())];
        let sender = if rng.gen_bool(0.5) { a } else { b };
        let body = SENTENCES.choose(&mut rng).copied().unwrap_or("Thanks!");
        let counted = i >= warmup;
        let http = http.clone();
        let stats = Arc::clone(stats);
        let url = format!("{base}/v1/conversations/{conversation}/messages");
        let token = sender.token.clone();
        tokio::spawn(async move {
            let client_id = Uuid::now_v7();
            let start = Instant::now();
            if counted {
                lock(&stats.lag).push(start.saturating_duration_since(scheduled));
            }
            lock(&stats.pending).insert(client_id, (start, counted));
            let result = http
                .post(url)
                .bearer_auth(token)
                .json(&json!({"client_id": client_id, "kind": "text", "body": body}))
                .send()
                .await;
            match result {
                Ok(r) if r.status().as_u16() == 201 => {
                    let _ = r.bytes().await;
                    stats.acked.fetch_add(1, Ordering::Relaxed);
                    if counted {
                        lock(&stats.ack).push(start.elapsed());
                    }
                }
                other => {
                    stats.errors.fetch_add(1, Ordering::Relaxed);
                    lock(&stats.pending).remove(&client_id);
                    if stats.errors.load(Ordering::Relaxed) <= 5 {
                        eprintln!(
                            "send {i} failed after {:.1} s (started at {:.1} s): {other:?}",
                            start.elapsed().as_secs_f64(),
                            start.duration_since(t0).as_secs_f64()
                        );
                    }
                }
            }
        });
    }
    let sending_done = Instant::now();
    let (w_start, w_server_cpu, w_self_cpu) = window.unwrap_or((t0, server_cpu0, self_cpu0));
    // Let the last deliveries arrive.
    let drain_deadline = Instant::now() + Duration::from_secs(15);
    while !lock(&stats.pending).is_empty() && Instant::now() < drain_deadline {
        max_rss = max_rss.max(proc_kb(pid, "VmRSS:"));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let w_end = lock(&stats.last_delivery)
        .unwrap_or(sending_done)
        .max(sending_done);
    let window_s = w_end.duration_since(w_start).as_secs_f64();
    let server_cpu = cpu_seconds(pid) - w_server_cpu;
    let self_cpu = cpu_seconds("self") - w_self_cpu;
    max_rss = max_rss.max(proc_kb(pid, "VmRSS:"));
    let lost = lock(&stats.pending).len();

    let mut delivery = std::mem::take(&mut *lock(&stats.delivery));
    let mut ack = std::mem::take(&mut *lock(&stats.ack));
    let mut lag = std::mem::take(&mut *lock(&stats.lag));
    delivery.sort();
    ack.sort();
    lag.sort();
    println!(
        "sent {} counted messages; sending took {:.1} s; acknowledged {} of {total}, errors {}, undelivered after 15 s {lost}",
        total - warmup,
        sending_done.duration_since(w_start).as_secs_f64(),
        stats.acked.load(Ordering::Relaxed),
        stats.errors.load(Ordering::Relaxed),
    );
    println!(
        "delivered {} counted: throughput {:.0} msg/s (first counted send to last delivery, {:.1} s)",
        delivery.len(),
        delivery.len() as f64 / window_s,
        window_s
    );
    println!(
        "delivery latency (POST start -> recipient's frame): p50 {}, p95 {}, p99 {}, max {}",
        ms(pct(&delivery, 50.0)),
        ms(pct(&delivery, 95.0)),
        ms(pct(&delivery, 99.0)),
        ms(pct(&delivery, 100.0))
    );
    println!(
        "HTTP acknowledgement latency: p50 {}, p99 {}; send start behind schedule: p50 {}, p99 {}",
        ms(pct(&ack, 50.0)),
        ms(pct(&ack, 99.0)),
        ms(pct(&lag, 50.0)),
        ms(pct(&lag, 99.0))
    );
    println!(
        "server VmRSS (child process, /proc/{pid}/status): max during the phase {} MB",
        max_rss / 1024
    );
    println!(
        "CPU in the window: server {:.0}% of one core, load generator {:.0}% (2 cores in all)",
        100.0 * server_cpu / window_s,
        100.0 * self_cpu / window_s
    );
}

/// Starts the release `candor-server` on a free port and waits until it answers.
async fn start_server(
    http: &reqwest::Client,
    data: &std::path::Path,
) -> (std::process::Child, u16) {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_candor-server"))
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(data)
        .args(["--rate-burst", "1e9", "--rate-per-second", "1e9"])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("candor-server starts");
    if !ready(http, port).await {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the server did not come up");
    }
    (child, port)
}

/// Polls `/v1/server` for up to 20 s.
async fn ready(http: &reqwest::Client, port: u16) -> bool {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(20) {
        if let Ok(r) = http
            .get(format!("http://127.0.0.1:{port}/v1/server"))
            .send()
            .await
        {
            if r.status().is_success() {
                return true;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// Stops the server we started (SIGTERM by its pid, then wait).
fn stop_server(child: &mut std::process::Child) {
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

impl Stats {
    fn reset(&self) {
        lock(&self.pending).clear();
        lock(&self.delivery).clear();
        lock(&self.ack).clear();
        lock(&self.lag).clear();
        *lock(&self.last_delivery) = None;
        self.acked.store(0, Ordering::Relaxed);
        self.errors.store(0, Ordering::Relaxed);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Reads one person's frames; a message from someone else completes a send.
async fn read_frames(mut socket: Socket, me: i64, stats: Arc<Stats>) {
    while let Some(frame) = socket.next().await {
        let Ok(WsMessage::Text(text)) = frame else {
            if frame.is_err() {
                return;
            }
            continue;
        };
        let arrived = Instant::now();
        let Ok(v) = serde_json::from_str::<Value>(text.as_str()) else {
            continue;
        };
        let data = &v["event"]["data"];
        if v["type"] != "event" || v["event"]["type"] != "message" || data["sender"] == me {
            continue;
        }
        let Some(client_id) = data["client_id"]
            .as_str()
            .and_then(|s| Uuid::parse_str(s).ok())
        else {
            continue;
        };
        let sent = lock(&stats.pending).remove(&client_id);
        if let Some((start, counted)) = sent {
            if counted {
                lock(&stats.delivery).push(arrived.duration_since(start));
                *lock(&stats.last_delivery) = Some(arrived);
            }
        }
    }
}
