//! Desktop app benchmarks (BENCHMARKS.md, "Desktop app"): the real `candor`
//! window on a mirror of 100,000 messages, next to `candor-bare` (a bare
//! Tauri window from the same crate and profile) as the floor.
//!
//! 1. `startup`: wall time from spawning the binary until the UI's startup
//!    mark (`ui_ready`, written to `CANDOR_STARTUP_MARK` after the first frame
//!    that shows the conversation list; for the bare window, its first frame).
//!    One warm-up start each, then `--runs` (20) starts each, alternating.
//! 2. `scroll`: under WebDriver (tauri-driver), open the 60,000-message
//!    conversation (time until its messages are painted, `--opens` fresh
//!    starts), then in the first of them scroll to the top again and again
//!    until message 1 is on screen; PSS of the app's processes before opening
//!    and after reaching the first message. Also the `list_messages` round
//!    trip from the page alone, without rendering.
//! 3. `idle`: PSS of all the app's processes (the binary, WebKitWebProcess,
//!    WebKitNetworkProcess: the whole process tree) 2 s after the startup
//!    mark and after a minute idle; the same for the bare window.
//!
//! The mirror is made the way a signed-in user's is: a real sign-up on a
//! real `candor-server` (the token goes into the Secret Service through
//! `KeychainTokenStore`, as the app does), then the server stops and the
//! generated history (`support::Feed`, valid chains and signatures) is
//! applied with `mirror::apply_events`. The app starts offline from history.
//!
//! It needs an X display, a session bus with an unlocked Secret Service, the
//! release binaries and `tauri-driver`: run it through `scripts/bench-app.sh`.
//! There are no timing assertions; it checks only that the mirror holds what
//! was generated and that every start reached its mark.

#[allow(dead_code)] // the mirror benchmark uses the rest
mod support;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use candor_core::keychain::KeychainTokenStore;
use candor_core::{mirror, Client, ClientConfig, Db, SyncStatus};
use serde_json::{json, Value};
use support::{Feed, Shape, ME};

type Error = Box<dyn std::error::Error + Send + Sync>;
type Res<T> = Result<T, Error>;

fn fail<T>(msg: impl Into<String>) -> Res<T> {
    Err(msg.into().into())
}

const PASSWORD: &str = "benchmark password 2026";
/// Conversations in the mirror; conversation 1 gets 60% of the messages.
const CONVERSATIONS: usize = 12;
const BIG: i64 = 1;
/// How long a start may take before the run counts as failed.
const START_DEADLINE: Duration = Duration::from_secs(60);

#[derive(Debug)]
struct Args {
    app: PathBuf,
    bare: PathBuf,
    server: PathBuf,
    runs: usize,
    opens: usize,
    idle_seconds: u64,
    messages: usize,
    parts: Vec<String>,
    /// Keep WebKit's accelerated compositing (by default it is off, as in
    /// the WebDriver tests under Xvfb).
    compositing: bool,
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
}

fn parse_args() -> Res<Args> {
    let release = target_dir().join("release");
    let mut args = Args {
        app: release.join("candor"),
        bare: release.join("candor-bare"),
        server: release.join("candor-server"),
        runs: 20,
        opens: 5,
        idle_seconds: 60,
        messages: 100_000,
        parts: vec!["startup".into(), "scroll".into(), "idle".into()],
        compositing: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        // `cargo bench` adds `--bench`.
        if flag == "--bench" {
            continue;
        }
        let Some(value) = it.next() else {
            return fail(format!("{flag} needs a value"));
        };
        match flag.as_str() {
            "--app" => args.app = value.into(),
            "--bare" => args.bare = value.into(),
            "--server" => args.server = value.into(),
            "--runs" => args.runs = value.parse()?,
            "--opens" => args.opens = value.parse()?,
            "--idle-seconds" => args.idle_seconds = value.parse()?,
            "--messages" => args.messages = value.parse()?,
            "--parts" => args.parts = value.split(',').map(str::to_owned).collect(),
            "--compositing" => args.compositing = value == "on",
            _ => return fail(format!("unknown flag {flag}")),
        }
    }
    for (what, path) in [
        ("app", &args.app),
        ("bare window", &args.bare),
        ("server", &args.server),
    ] {
        if !path.is_file() {
            return fail(format!(
                "The {what} binary {} is missing: build it first (scripts/bench-app.sh does)",
                path.display()
            ));
        }
    }
    if args.messages % 1000 != 0 || args.messages == 0 {
        return fail("--messages must be a multiple of 1000");
    }
    Ok(args)
}

fn main() -> Res<()> {
    let args = parse_args()?;
    if std::env::var_os("DISPLAY").is_none()
        || std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none()
    {
        return fail("Needs an X display and a session bus: run scripts/bench-app.sh");
    }
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(run(args))
}

/// WebKit processes on the machine that are not ours: they share library
/// pages with ours and so lower our PSS.
fn other_webkit_processes() -> usize {
    let mine: Vec<i32> = tree(std::process::id() as i32)
        .into_iter()
        .map(|p| p.0)
        .collect();
    processes()
        .iter()
        .filter(|p| p.2.starts_with("WebKit") && !mine.contains(&p.0))
        .count()
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .trim()
        .to_owned()
}

async fn run(args: Args) -> Res<()> {
    println!(
        "desktop app benchmark: {} messages, {} cores, loadavg {}; other WebKit processes on the machine: {}",
        args.messages,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        loadavg(),
        other_webkit_processes()
    );
    println!(
        "  WebKit accelerated compositing: {}",
        if args.compositing {
            "WebKit's default"
        } else {
            "off (WEBKIT_DISABLE_COMPOSITING_MODE=1, as in the WebDriver tests)"
        }
    );
    for path in [&args.app, &args.bare] {
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        println!("  {} ({:.1} MB)", path.display(), size as f64 / 1e6);
    }
    let work = tempfile::Builder::new()
        .prefix("candor-bench-app")
        .tempdir()?;
    let pristine = seed(&args, work.path()).await?;
    let part = |name: &str| args.parts.iter().any(|p| p == name);

    if part("startup") {
        startup(&args, work.path(), &pristine)?;
    }
    if part("scroll") {
        scroll(&args, work.path(), &pristine).await?;
    }
    if part("idle") {
        idle(&args, work.path(), &pristine)?;
    }
    println!(
        "loadavg at the end {}; other WebKit processes on the machine: {}",
        loadavg(),
        other_webkit_processes()
    );
    Ok(())
}

// --------------------------------------------------------------------- seed

/// Signs up on a real server, stops it and applies the generated history.
/// Returns the directory of the finished mirror (copied for each start).
async fn seed(args: &Args, work: &Path) -> Res<PathBuf> {
    let dir = work.join("seed");
    let http = reqwest::Client::new();
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let mut server = Command::new(&args.server)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(work.join("server"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()?;
    let signed_up = async {
        let started = Instant::now();
        while http.get(format!("{url}/v1/server")).send().await.is_err() {
            if started.elapsed() > Duration::from_secs(20) {
                return fail("the server did not come up");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let client = Client::open(
            ClientConfig {
                data_dir: dir.clone(),
            },
            Arc::new(KeychainTokenStore),
        )
        .await?;
        let me = client
            .sign_up(&url, "mira", "Mira Jensen", PASSWORD, "Benchmark desktop")
            .await?;
        if me.user_id != ME {
            return fail(format!(
                "signed up as user {}, but the generated history belongs to user {}",
                me.user_id, ME
            ));
        }
        let started = Instant::now();
        while client.sync_status() != SyncStatus::Online {
            if started.elapsed() > Duration::from_secs(20) {
                return fail("the first sync did not finish");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        client.shutdown().await;
        Ok(())
    }
    .await;
    stop(&mut server);
    signed_up?;

    let db = Db::open(&dir.join("mirror.sqlite3"))?;
    let mut feed = Feed::new(Shape {
        conversations: CONVERSATIONS,
        big_every: 2,
        seed: 5,
    });
    let key = support::verifying_key();
    let started = Instant::now();
    for _ in 0..args.messages / 1000 {
        // 200 messages all to conversation 1, then 800 with every other one:
        // 600 of every 1000.
        for (every, n) in [(1, 200), (2, 800)] {
            feed.set_big_every(every);
            let events = feed.batch(n);
            let next = events.last().map_or(0, |e| e.seq);
            db.write(move |tx| {
                mirror::apply_events(tx, ME, &key, &events, next)?;
                Ok(())
            })
            .await?;
        }
    }
    let applied = started.elapsed();
    // The history is signed with the generator's key: record it as the
    // server's, so the mirror is consistent with itself.
    let key_hex = hex::encode(key.as_bytes());
    db.write(move |tx| {
        tx.execute("UPDATE account SET server_key = ?1", [key_hex])?;
        Ok(())
    })
    .await?;
    let (total, big, conversations, alarms, signed_in): (i64, i64, i64, i64, i64) = db
        .read(|c| {
            let n = |sql: &str| c.query_row(sql, [], |r| r.get::<_, i64>(0));
            Ok((
                n("SELECT count(*) FROM messages")?,
                n(&format!(
                    "SELECT count(*) FROM messages WHERE conversation_id = {BIG}"
                ))?,
                n("SELECT count(*) FROM conversations")?,
                n("SELECT count(*) FROM integrity_alarms")?,
                n("SELECT count(*) FROM account WHERE signed_in = 1")?,
            ))
        })
        .await?;
    db.write_blocking(|c| {
        c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
        Ok(())
    })?;
    drop(db);
    if total != args.messages as i64 || alarms != 0 || signed_in != 1 {
        return fail(format!(
            "the mirror holds {total} messages, {alarms} integrity alarms, {signed_in} signed-in accounts"
        ));
    }
    let size = std::fs::metadata(dir.join("mirror.sqlite3"))?.len();
    println!(
        "mirror: {total} messages in {conversations} conversations ({big} in conversation {BIG}), \
         {:.0} MB, applied in {:.1} s; signed up as user {ME} on a real server, which is now stopped",
        size as f64 / 1e6,
        applied.as_secs_f64()
    );
    Ok(dir)
}

/// A fresh copy of the seeded mirror (each measured app gets its own).
fn copy_mirror(pristine: &Path, to: &Path) -> Res<()> {
    std::fs::create_dir_all(to)?;
    for name in ["mirror.sqlite3-wal", "mirror.sqlite3-shm"] {
        let _ = std::fs::remove_file(to.join(name));
    }
    std::fs::copy(pristine.join("mirror.sqlite3"), to.join("mirror.sqlite3"))?;
    Ok(())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(4444)
}

// ---------------------------------------------------------------- processes

/// One installation of a binary: its mirror and XDG folders, kept across its
/// starts as a user's are.
struct Install {
    label: &'static str,
    binary: PathBuf,
    root: PathBuf,
    compositing: bool,
}

impl Install {
    fn new(
        label: &'static str,
        binary: &Path,
        work: &Path,
        pristine: &Path,
        args: &Args,
    ) -> Res<Install> {
        let root = work.join(label);
        copy_mirror(pristine, &root.join("data"))?;
        Ok(Install {
            label,
            binary: binary.to_path_buf(),
            root,
            compositing: args.compositing,
        })
    }

    /// The environment the app runs with (also given to tauri-driver).
    fn env(&self) -> Vec<(&'static str, PathBuf)> {
        let mut env = vec![
            ("CANDOR_DATA_DIR", self.root.join("data")),
            // Nobody listens there; the account's own server is stopped too.
            ("CANDOR_SERVER_URL", "http://127.0.0.1:9".into()),
            ("XDG_DATA_HOME", self.root.join("xdg-data")),
            ("XDG_CACHE_HOME", self.root.join("xdg-cache")),
            ("XDG_CONFIG_HOME", self.root.join("xdg-config")),
        ];
        if !self.compositing {
            // As the WebDriver tests run it under Xvfb.
            env.push(("WEBKIT_DISABLE_COMPOSITING_MODE", "1".into()));
        }
        env
    }

    fn spawn(&self, mark: &Path) -> Res<(Child, f64)> {
        let mut cmd = Command::new(&self.binary);
        for (k, v) in self.env() {
            cmd.env(k, v);
        }
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.root.join("stderr.log"))?;
        cmd.env("CANDOR_STARTUP_MARK", mark)
            .stdout(Stdio::null())
            .stderr(log);
        let _ = std::fs::remove_file(mark);
        let spawned = epoch_ms();
        Ok((cmd.spawn()?, spawned))
    }
}

fn epoch_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64()
        * 1000.0
}

/// Waits for the startup mark; returns the wall-clock time it holds.
fn wait_mark(mark: &Path, child: &mut Child) -> Res<f64> {
    let started = Instant::now();
    loop {
        if let Ok(text) = std::fs::read_to_string(mark) {
            if let Ok(ms) = text.trim().parse::<f64>() {
                return Ok(ms);
            }
        }
        if let Some(status) = child.try_wait()? {
            return fail(format!("the app exited before its startup mark ({status})"));
        }
        if started.elapsed() > START_DEADLINE {
            return fail("no startup mark within 60 s");
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// (pid, parent pid, name) of every process.
fn processes() -> Vec<(i32, i32, String)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| {
            let pid: i32 = e.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            let open = stat.find('(')?;
            let close = stat.rfind(')')?;
            let name = stat[open + 1..close].to_owned();
            let mut rest = stat[close + 1..].split_whitespace();
            let state = rest.next()?;
            if state == "Z" {
                return None;
            }
            let ppid: i32 = rest.next()?.parse().ok()?;
            Some((pid, ppid, name))
        })
        .collect()
}

/// `root` and all its descendants: (pid, name).
fn tree(root: i32) -> Vec<(i32, String)> {
    let all = processes();
    let mut out: Vec<(i32, String)> = all
        .iter()
        .filter(|p| p.0 == root)
        .map(|p| (p.0, p.2.clone()))
        .collect();
    let mut i = 0;
    while i < out.len() {
        let parent = out[i].0;
        out.extend(
            all.iter()
                .filter(|p| p.1 == parent)
                .map(|p| (p.0, p.2.clone())),
        );
        i += 1;
    }
    out
}

fn alive(pid: i32) -> bool {
    processes().iter().any(|p| p.0 == pid)
}

/// PSS, RSS and private (USS) memory of one process in kB, from
/// `/proc/PID/smaps_rollup`.
fn memory_kb(pid: i32) -> [u64; 3] {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    let field = |name: &str| -> u64 {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    [
        field("Pss:"),
        field("Rss:"),
        field("Private_Clean:") + field("Private_Dirty:"),
    ]
}

/// PSS of a process tree in MB, and a line with the PSS of each process
/// (by name) and the tree's RSS and private memory.
fn tree_pss(root: i32) -> (f64, String) {
    let mut total = [0u64; 3];
    let mut by_name: HashMap<String, (u64, usize)> = HashMap::new();
    for (pid, name) in tree(root) {
        let kb = memory_kb(pid);
        for (t, k) in total.iter_mut().zip(kb) {
            *t += k;
        }
        let e = by_name.entry(name).or_default();
        e.0 += kb[0];
        e.1 += 1;
    }
    let mut parts: Vec<_> = by_name.into_iter().collect();
    parts.sort_by_key(|p| std::cmp::Reverse(p.1 .0));
    let mut line = String::new();
    for (name, (kb, n)) in parts {
        let _ = write!(line, "{name}");
        if n > 1 {
            let _ = write!(line, " ×{n}");
        }
        let _ = write!(line, " {:.1}, ", kb as f64 / 1024.0);
    }
    let mb = |kb: u64| kb as f64 / 1024.0;
    let _ = write!(
        line,
        "all: RSS {:.1}, private {:.1}",
        mb(total[1]),
        mb(total[2])
    );
    (mb(total[0]), line)
}

/// Ends a process we started and everything below it (SIGTERM, then SIGKILL
/// by pid), and waits until all of them are gone.
fn stop(child: &mut Child) {
    if matches!(child.try_wait(), Ok(Some(_))) {
        // Already ended and reaped: its pid may belong to someone else now.
        return;
    }
    let pids: Vec<i32> = tree(child.id() as i32).into_iter().map(|p| p.0).collect();
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if matches!(child.try_wait(), Ok(Some(_))) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
    // The web processes end when the app does; make sure they have.
    let deadline = Instant::now() + Duration::from_secs(10);
    while pids.iter().any(|&p| alive(p)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    for &pid in pids.iter().filter(|&&p| alive(p)) {
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
    }
}

// ------------------------------------------------------------------ figures

/// Nearest-rank percentile of ascending samples.
fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn summary(samples: &[f64]) -> String {
    let mut s = samples.to_vec();
    s.sort_by(f64::total_cmp);
    format!(
        "median {:.0} ms, p90 {:.0} ms, min {:.0} ms, max {:.0} ms (n = {})",
        pct(&s, 50.0),
        pct(&s, 90.0),
        s.first().copied().unwrap_or(f64::NAN),
        s.last().copied().unwrap_or(f64::NAN),
        s.len()
    )
}

fn list(samples: &[f64]) -> String {
    samples
        .iter()
        .map(|s| format!("{s:.0}"))
        .collect::<Vec<_>>()
        .join(" ")
}

// ------------------------------------------------------------------ startup

fn startup(args: &Args, work: &Path, pristine: &Path) -> Res<()> {
    println!(
        "\n== cold start: spawn until the first painted frame with the conversation list \
         (bare: its first frame); 1 warm-up + {} starts each, alternating",
        args.runs
    );
    let installs = [
        Install::new("candor", &args.app, work, pristine, args)?,
        Install::new("bare", &args.bare, work, pristine, args)?,
    ];
    let mut times: Vec<Vec<f64>> = vec![Vec::new(), Vec::new()];
    for run in 0..=args.runs {
        for (i, install) in installs.iter().enumerate() {
            let mark = install.root.join("mark");
            let (mut child, spawned) = install.spawn(&mark)?;
            let result = wait_mark(&mark, &mut child);
            stop(&mut child);
            let ms = result? - spawned;
            if run == 0 {
                println!("  warm-up {}: {ms:.0} ms (not counted)", install.label);
            } else {
                times[i].push(ms);
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }
    for (install, t) in installs.iter().zip(&times) {
        println!("  {:<7} {}", install.label, summary(t));
        println!("          runs: {} ms", list(t));
        let mut sorted = t.clone();
        sorted.sort_by(f64::total_cmp);
        println!("          sorted: {} ms", list(&sorted));
    }
    let mut a = times[0].clone();
    let mut b = times[1].clone();
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    println!(
        "  candor above the bare window: {:.0} ms at the median",
        pct(&a, 50.0) - pct(&b, 50.0)
    );
    Ok(())
}

// --------------------------------------------------------------------- idle

fn idle(args: &Args, work: &Path, pristine: &Path) -> Res<()> {
    println!(
        "\n== idle memory: PSS of the whole process tree, 2 s after the startup mark and after {} s idle",
        args.idle_seconds
    );
    for (label, binary) in [("candor", &args.app), ("bare", &args.bare)] {
        let install = Install::new(
            if label == "candor" {
                "idle-candor"
            } else {
                "idle-bare"
            },
            binary,
            work,
            pristine,
            args,
        )?;
        let mark = install.root.join("mark");
        let (mut child, _) = install.spawn(&mark)?;
        let measured = idle_samples(label, &mark, &mut child, args.idle_seconds);
        stop(&mut child);
        measured?;
    }
    Ok(())
}

fn idle_samples(label: &str, mark: &Path, child: &mut Child, idle_seconds: u64) -> Res<()> {
    wait_mark(mark, child)?;
    let pid = child.id() as i32;
    let started = Instant::now();
    std::thread::sleep(Duration::from_secs(2));
    let (mb, parts) = tree_pss(pid);
    println!("  {label:<7} +2 s:  {mb:.1} MiB ({parts})");
    std::thread::sleep(Duration::from_secs(idle_seconds).saturating_sub(started.elapsed()));
    let (mb, parts) = tree_pss(pid);
    println!("  {label:<7} +{idle_seconds} s: {mb:.1} MiB ({parts})");
    Ok(())
}

// ------------------------------------------------------------------- scroll

/// A WebDriver session on the app, through tauri-driver.
struct Driver {
    http: reqwest::Client,
    base: String,
    session: String,
    tauri_driver: Child,
}

impl Driver {
    async fn start(install: &Install) -> Res<Driver> {
        let port = free_port();
        let native_port = free_port();
        let binary = which("tauri-driver").unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cargo/bin/tauri-driver")
        });
        let mut cmd = Command::new(binary);
        cmd.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ]);
        for (k, v) in install.env() {
            cmd.env(k, v);
        }
        let tauri_driver = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn()?;
        let mut driver = Driver {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(120))
                .build()?,
            base: format!("http://127.0.0.1:{port}"),
            session: String::new(),
            tauri_driver,
        };
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "wry",
            "tauri:options": { "application": install.binary },
        }}});
        let started = Instant::now();
        loop {
            let reply = driver
                .http
                .post(format!("{}/session", driver.base))
                .json(&caps)
                .send()
                .await;
            if let Ok(r) = reply {
                let v: Value = r.json().await?;
                match v["value"]["sessionId"].as_str() {
                    Some(id) => {
                        driver.session = id.to_owned();
                        break;
                    }
                    None => {
                        stop(&mut driver.tauri_driver);
                        return fail(format!("WebDriver session refused: {v}"));
                    }
                }
            }
            if started.elapsed() > Duration::from_secs(30) {
                stop(&mut driver.tauri_driver);
                return fail("tauri-driver did not answer");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        driver
            .post("timeouts", json!({ "script": 600_000 }))
            .await?;
        Ok(driver)
    }

    async fn post(&self, what: &str, body: Value) -> Res<Value> {
        let v: Value = self
            .http
            .post(format!("{}/session/{}/{what}", self.base, self.session))
            .json(&body)
            .send()
            .await?
            .json()
            .await?;
        if v["value"]["error"].is_string() {
            return fail(format!("WebDriver {what}: {}", v["value"]));
        }
        Ok(v["value"].clone())
    }

    async fn exec(&self, script: &str, args: Value) -> Res<Value> {
        self.post("execute/sync", json!({ "script": script, "args": args }))
            .await
    }

    async fn exec_async(&self, script: &str, args: Value) -> Res<Value> {
        self.post("execute/async", json!({ "script": script, "args": args }))
            .await
    }

    /// The app's pid: the process of its binary below our tauri-driver.
    fn app_pid(&self, binary: &Path) -> Option<i32> {
        let binary = binary.canonicalize().ok()?;
        tree(self.tauri_driver.id() as i32)
            .into_iter()
            .map(|p| p.0)
            .find(|pid| {
                std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe == binary)
            })
    }

    async fn quit(mut self) {
        let _ = self
            .http
            .delete(format!("{}/session/{}", self.base, self.session))
            .send()
            .await;
        stop(&mut self.tauri_driver);
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // After `quit` this finds nothing left; on an early return it ends
        // tauri-driver, WebKitWebDriver and the app.
        stop(&mut self.tauri_driver);
    }
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Clicks conversation `arguments[0]`; resolves once its first messages are
/// in the DOM (`dom`) and once that frame has been painted (`painted`), in ms
/// after the click.
const OPEN: &str = r#"
const done = arguments[arguments.length - 1];
const row = document.querySelector(`[data-testid="conversation-item"][data-conversation-id="${arguments[0]}"]`);
if (!row) { done({ error: "no such conversation in the list" }); return; }
const shown = () => document.querySelector('[data-testid="message-list"] [data-testid="message"]');
let finished = false;
const t0 = performance.now();
const finish = () => {
  if (finished) return;
  finished = true;
  observer.disconnect();
  const dom = performance.now() - t0;
  requestAnimationFrame(() => requestAnimationFrame(() => done({
    dom, painted: performance.now() - t0,
    rows: document.querySelectorAll('[data-testid="message"]').length,
  })));
};
const observer = new MutationObserver(() => { if (shown()) finish(); });
observer.observe(document.body, { childList: true, subtree: true });
row.click();
setTimeout(() => { if (!finished) { finished = true; observer.disconnect(); done({ error: "no messages after 60 s" }); } }, 60000);
"#;

/// Scrolls the message list to the top on every frame for up to
/// `arguments[0]` ms, or until message 1 is in the DOM and painted. Counts
/// the pages loaded (each `aria-busy` true → false of the list is one
/// older page) and the time they were busy. State persists across calls.
const SCROLL: &str = r#"
const done = arguments[arguments.length - 1];
const budget = arguments[0];
const list = document.querySelector('[data-testid="message-list"]');
if (!list) { done({ error: "no message list" }); return; }
const b = window.__bench || (window.__bench = { pages: 0, busyMs: 0, scrolls: 0, ms: 0 });
if (!b.observer) {
  b.observer = new MutationObserver(() => {
    const busy = list.getAttribute("aria-busy") === "true";
    if (busy && b.since === undefined) b.since = performance.now();
    else if (!busy && b.since !== undefined) { b.pages++; b.busyMs += performance.now() - b.since; b.since = undefined; }
  });
  b.observer.observe(list, { attributes: true, attributeFilter: ["aria-busy"] });
}
const t0 = performance.now();
const lowest = () => {
  let m = Infinity;
  for (const el of list.querySelectorAll('[data-testid="message"]')) m = Math.min(m, Number(el.dataset.seq));
  return m;
};
const report = (reached) => ({ reached, lowest: lowest(), pages: b.pages, busyMs: b.busyMs, scrolls: b.scrolls, ms: b.ms });
const step = () => {
  if (list.querySelector('[data-testid="message"][data-seq="1"]')) {
    requestAnimationFrame(() => requestAnimationFrame(() => { b.ms += performance.now() - t0; done(report(true)); }));
    return;
  }
  if (performance.now() - t0 >= budget) { b.ms += performance.now() - t0; done(report(false)); return; }
  list.scrollTop = 0;
  b.scrolls++;
  requestAnimationFrame(step);
};
step();
"#;

/// Times `arguments[1]` sequential `list_messages` calls for 50 older
/// messages of conversation `arguments[0]` straight from the page (IPC, the
/// query and JSON both ways, no rendering); returns the sorted times in ms.
const IPC_PROBE: &str = r#"
const done = arguments[arguments.length - 1];
const [conversation_id, n] = arguments;
const times = [];
(async () => {
  for (let i = 0; i < n; i++) {
    const seq = 1000 + Math.floor(Math.random() * 58000);
    const t0 = performance.now();
    await window.__TAURI_INTERNALS__.invoke("list_messages", { conversation_id, page: { at: "before", seq, limit: 50 } });
    times.push(performance.now() - t0);
  }
  done(times.sort((a, b) => a - b));
})().catch((e) => done({ error: String(e) }));
"#;

async fn wait_for_list(driver: &Driver) -> Res<()> {
    let started = Instant::now();
    loop {
        let n = driver
            .exec(
                "return document.querySelectorAll('[data-testid=\"conversation-item\"]').length",
                json!([]),
            )
            .await?;
        if n.as_u64().unwrap_or(0) > 0 {
            return Ok(());
        }
        if started.elapsed() > START_DEADLINE {
            return fail("the conversation list did not appear");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn scroll(args: &Args, work: &Path, pristine: &Path) -> Res<()> {
    println!(
        "\n== conversation {BIG} under WebDriver: time from the click until its messages are painted \
         ({} fresh starts), then scrolling from the newest to the first message (first start)",
        args.opens
    );
    let mut painted = Vec::new();
    let mut dom = Vec::new();
    for run in 0..args.opens.max(1) {
        let install = Install::new("webdriver", &args.app, work, pristine, args)?;
        let driver = Driver::start(&install).await?;
        let result = open_and_scroll(args, &driver, run == 0).await;
        driver.quit().await;
        let (d, p) = result?;
        dom.push(d);
        painted.push(p);
        let _ = std::fs::remove_dir_all(&install.root);
    }
    println!("  open, messages painted: {}", summary(&painted));
    println!("          runs: {} ms", list(&painted));
    println!("  open, messages in the DOM: {}", summary(&dom));
    Ok(())
}

/// Returns (ms until the messages were in the DOM, ms until painted).
async fn open_and_scroll(args: &Args, driver: &Driver, full: bool) -> Res<(f64, f64)> {
    wait_for_list(driver).await?;
    // Let start-up work (the first sync attempt, list queries) finish.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let pid = driver
        .app_pid(&args.app)
        .ok_or("the app's process was not found below tauri-driver")?;
    if full {
        let (mb, parts) = tree_pss(pid);
        println!("  PSS before opening: {mb:.1} MiB ({parts})");
    }
    let opened = driver.exec_async(OPEN, json!([BIG])).await?;
    if let Some(e) = opened["error"].as_str() {
        return fail(format!("opening conversation {BIG}: {e}"));
    }
    let dom = opened["dom"].as_f64().unwrap_or(f64::NAN);
    let painted = opened["painted"].as_f64().unwrap_or(f64::NAN);
    println!(
        "  opened: messages in the DOM after {dom:.0} ms, painted after {painted:.0} ms ({} rows rendered)",
        opened["rows"]
    );
    if !full {
        return Ok((dom, painted));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (mb, parts) = tree_pss(pid);
    println!("  PSS after opening: {mb:.1} MiB ({parts})");

    let probe = driver.exec_async(IPC_PROBE, json!([BIG, 200])).await?;
    let Some(times) = probe.as_array() else {
        return fail(format!("list_messages probe: {probe}"));
    };
    let times: Vec<f64> = times.iter().filter_map(Value::as_f64).collect();
    println!(
        "  list_messages from the page (50 older messages, no rendering, {} calls): p50 {:.2} ms, p90 {:.2} ms, max {:.2} ms",
        times.len(),
        pct(&times, 50.0),
        pct(&times, 90.0),
        times.last().copied().unwrap_or(f64::NAN)
    );

    let wall = Instant::now();
    let reached = loop {
        let r = driver.exec_async(SCROLL, json!([10_000])).await?;
        if let Some(e) = r["error"].as_str() {
            return fail(format!("scrolling: {e}"));
        }
        let (mb, _) = tree_pss(pid);
        println!(
            "    {:>5.1} s: lowest seq on screen {}, {} pages loaded, PSS {mb:.0} MiB",
            r["ms"].as_f64().unwrap_or(0.0) / 1000.0,
            r["lowest"],
            r["pages"]
        );
        if r["reached"].as_bool() == Some(true) {
            break r;
        }
        if wall.elapsed() > Duration::from_secs(1200) {
            return fail("message 1 not reached in 20 minutes");
        }
    };
    let ms = reached["ms"].as_f64().unwrap_or(f64::NAN);
    let pages = reached["pages"].as_f64().unwrap_or(f64::NAN);
    let busy = reached["busyMs"].as_f64().unwrap_or(f64::NAN);
    println!(
        "  scrolled to message 1: {:.1} s in the page ({:.1} s wall with the PSS samples), \
         {pages:.0} pages loaded, {:.1} ms per page ({:.1} ms of it busy loading), {} scroll steps",
        ms / 1000.0,
        wall.elapsed().as_secs_f64(),
        ms / pages,
        busy / pages,
        reached["scrolls"]
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (mb, parts) = tree_pss(pid);
    println!("  PSS at message 1 (+2 s): {mb:.1} MiB ({parts})");
    tokio::time::sleep(Duration::from_secs(30)).await;
    let (mb, parts) = tree_pss(pid);
    println!("  PSS at message 1 (+32 s): {mb:.1} MiB ({parts})");
    Ok((dom, painted))
}
