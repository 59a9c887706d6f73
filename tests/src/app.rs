//! Driving the real desktop app: `tauri-driver` (with WebKitWebDriver behind
//! it) launches the built `candor` binary in the current X display, and
//! fantoccini speaks WebDriver to it. Each [`App`] has its own data
//! directory, XDG folders and driver ports.
//!
//! These tests need a display, a session bus and an unlocked Secret Service;
//! `scripts/test.sh` provides all three. Without them they fail with a
//! sentence saying so rather than pass vacuously.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{bail, Context};
use fantoccini::elements::Element;
use fantoccini::{Client as WebDriver, ClientBuilder, Locator};
use tokio::process::{Child, Command};

use crate::Person;
use candor_proto::ConversationId;

/// How long to wait for something to appear in the window.
pub const UI_DEADLINE: Duration = Duration::from_secs(30);

/// Serialises app tests: the app is single-instance per session bus.
pub static APP_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The app binary built by `cargo build -p candor-app`.
pub fn app_binary() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    target.join("debug").join("candor")
}

fn tauri_driver() -> PathBuf {
    if let Ok(found) = which("tauri-driver") {
        return found;
    }
    PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cargo/bin/tauri-driver")
}

fn which(name: &str) -> anyhow::Result<PathBuf> {
    let path = std::env::var_os("PATH").context("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .context("not found")
}

/// Fails with a clear sentence when the environment cannot show a window.
pub fn require_desktop() {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "The app tests need an X display: run them through scripts/test.sh (Xvfb)"
    );
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "The app tests need a session bus: run them through scripts/test.sh (dbus-run-session)"
    );
    assert!(
        app_binary().is_file(),
        "Build the app first: cargo build -p candor-app (missing {})",
        app_binary().display()
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(4444)
}

/// The folders one app installation uses.
#[derive(Debug)]
pub struct AppHome {
    pub root: tempfile::TempDir,
}

impl AppHome {
    pub fn new() -> AppHome {
        AppHome {
            root: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.root.path().join("data")
    }

    /// Where the app writes exported transcripts.
    pub fn export_dir(&self) -> PathBuf {
        self.root.path().join("exports")
    }
}

impl Default for AppHome {
    fn default() -> Self {
        Self::new()
    }
}

/// A running app window under WebDriver.
pub struct App {
    pub driver: WebDriver,
    tauri_driver: Child,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").finish_non_exhaustive()
    }
}

impl App {
    /// Starts the app with `home`'s folders, pointed at `server_url` by default.
    pub async fn launch(home: &AppHome, server_url: &str) -> anyhow::Result<App> {
        Self::launch_with(home, server_url, &[]).await
    }

    /// Starts the app with extra environment variables.
    pub async fn launch_with(
        home: &AppHome,
        server_url: &str,
        env: &[(&str, &str)],
    ) -> anyhow::Result<App> {
        require_desktop();
        kill_leftover_apps();
        let port = free_port();
        let native_port = free_port();
        let root = home.root.path();
        let mut cmd = Command::new(tauri_driver());
        cmd.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        .env("CANDOR_DATA_DIR", home.data_dir())
        .env("CANDOR_SERVER_URL", server_url)
        .env("CANDOR_EXPORT_DIR", home.export_dir())
        .env("XDG_DATA_HOME", root.join("xdg-data"))
        .env("XDG_CACHE_HOME", root.join("xdg-cache"))
        .env("XDG_CONFIG_HOME", root.join("xdg-config"))
        .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
        let tauri_driver = cmd.spawn().context("Starting tauri-driver")?;
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": app_binary() }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let deadline = tokio::time::Instant::now() + UI_DEADLINE;
        let driver = loop {
            match ClientBuilder::native()
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(d) => break d,
                Err(e) if tokio::time::Instant::now() > deadline => {
                    bail!("Could not open a WebDriver session: {e}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        Ok(App {
            driver,
            tauri_driver,
        })
    }

    fn css(testid: &str) -> String {
        format!("[data-testid=\"{testid}\"]")
    }

    /// Waits until an element with this test id is present.
    pub async fn wait_for(&self, testid: &str) -> anyhow::Result<Element> {
        tracing::info!(testid, "waiting for");
        self.driver
            .wait()
            .at_most(UI_DEADLINE)
            .for_element(Locator::Css(&Self::css(testid)))
            .await
            .with_context(|| format!("Waiting for [{testid}]"))
    }

    /// Waits for any element matching a CSS selector.
    pub async fn wait_for_css(&self, css: &str) -> anyhow::Result<Element> {
        self.driver
            .wait()
            .at_most(UI_DEADLINE)
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("Waiting for {css}"))
    }

    pub async fn all(&self, testid: &str) -> anyhow::Result<Vec<Element>> {
        Ok(self
            .driver
            .find_all(Locator::Css(&Self::css(testid)))
            .await?)
    }

    pub async fn click(&self, testid: &str) -> anyhow::Result<()> {
        self.wait_for(testid).await?.click().await?;
        Ok(())
    }

    /// Whether an element with this test id is present right now.
    pub async fn exists(&self, testid: &str) -> bool {
        self.all(testid).await.is_ok_and(|v| !v.is_empty())
    }

    /// Writes `text` in the composer and sends it as a person in a hurry
    /// would: confirming the recipient card if one appears and pressing
    /// "Send now" on the held message. Returns once the message has left
    /// the hold (waiting, sending or delivered).
    pub async fn send_message(&self, text: &str) -> anyhow::Result<()> {
        let composer = self.wait_for("composer").await?;
        composer.send_keys(text).await?;
        self.send_composed(text).await
    }

    /// Sends what the composer holds (`text`), as [`App::send_message`] does.
    pub async fn send_composed(&self, text: &str) -> anyhow::Result<()> {
        self.click("send-button").await?;
        let deadline = tokio::time::Instant::now() + UI_DEADLINE;
        loop {
            if tokio::time::Instant::now() > deadline {
                bail!("Timed out sending {text:?}");
            }
            if let Some(confirm) = self.all("send-confirm").await?.into_iter().next() {
                let _ = confirm.click().await;
                continue;
            }
            let mut left_hold = false;
            for row in self.all("pending-message").await.unwrap_or_default() {
                if !row.text().await.unwrap_or_default().contains(text) {
                    continue;
                }
                if row.attr("data-state").await?.as_deref() == Some("held") {
                    // The row may re-render between finding and clicking.
                    if let Ok(now) = row
                        .find(Locator::Css("[data-testid=\"pending-send-now\"]"))
                        .await
                    {
                        let _ = now.click().await;
                    }
                } else {
                    left_hold = true;
                }
            }
            if !left_hold {
                for body in self.all("message-body").await.unwrap_or_default() {
                    if body.text().await.unwrap_or_default() == text {
                        left_hold = true;
                    }
                }
            }
            if left_hold {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Replaces the content of an input with `text`.
    pub async fn fill(&self, testid: &str, text: &str) -> anyhow::Result<()> {
        let input = self.wait_for(testid).await?;
        input.clear().await?;
        input.send_keys(text).await?;
        Ok(())
    }

    /// Waits until `check` holds for the texts of all elements with this id.
    pub async fn wait_texts(
        &self,
        testid: &str,
        what: &str,
        check: impl Fn(&[String]) -> bool,
    ) -> anyhow::Result<Vec<String>> {
        let deadline = tokio::time::Instant::now() + UI_DEADLINE;
        loop {
            let mut texts = Vec::new();
            for e in self.all(testid).await.unwrap_or_default() {
                texts.push(e.text().await.unwrap_or_default());
            }
            if check(&texts) {
                return Ok(texts);
            }
            if tokio::time::Instant::now() > deadline {
                bail!("Timed out waiting until {what}; [{testid}] texts: {texts:?}");
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Saves a screenshot of the window to `target/screenshots/NAME.png`,
    /// after letting the next frame paint.
    pub async fn screenshot(&self, name: &str) -> anyhow::Result<PathBuf> {
        tracing::info!(name, "screenshot");
        // Let the page paint the latest DOM before capturing.
        let painted = self.driver.execute_async(
            "const done = arguments[arguments.length - 1]; setTimeout(() => requestAnimationFrame(() => done(true)), 50); setTimeout(() => done(false), 1000);",
            vec![],
        );
        let _ = tokio::time::timeout(Duration::from_secs(5), painted).await;
        let dir = app_binary()
            .parent()
            .and_then(Path::parent)
            .map(|t| t.join("screenshots"))
            .unwrap_or_else(|| PathBuf::from("screenshots"));
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        // The X server's view of the window, as a person would see it.
        let status = Command::new("import")
            .args(["-window", "root"])
            .arg(&path)
            .status()
            .await
            .context("Running import (imagemagick)")?;
        if !status.success() {
            bail!("import failed to capture the screen");
        }
        Ok(path)
    }

    /// Closes the window (the app exits) and stops the driver.
    pub async fn quit(mut self) -> anyhow::Result<()> {
        let _ = self.driver.clone().close().await;
        let _ = self.tauri_driver.start_kill();
        let _ = self.tauri_driver.wait().await;
        // The app process goes with its driver session; wait until it is
        // gone so the next launch is not taken for a second instance.
        let deadline = tokio::time::Instant::now() + UI_DEADLINE;
        while app_running() {
            if tokio::time::Instant::now() > deadline {
                bail!("The app did not exit");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    }
}

pub const DANA_PASSWORD: &str = "dana's long password";

/// Signs Dana up through the setup screen.
pub async fn sign_up_in_the_window(app: &App, server_url: &str) -> anyhow::Result<()> {
    app.wait_for("setup-screen").await?;
    app.click("mode-sign-up").await?;
    app.fill("server-url", server_url).await?;
    app.fill("handle", "dana").await?;
    app.fill("display-name", "Dana Whitfield").await?;
    app.fill("password", DANA_PASSWORD).await?;
    app.fill("device-name", "Dana's workstation").await?;
    app.click("submit-auth").await?;
    app.wait_for("conversation-list").await?;
    Ok(())
}

/// Bob invites Dana; Dana accepts in the window; Bob opens their chat.
pub async fn bob_connects_with_dana(app: &App, bob: &Person) -> anyhow::Result<ConversationId> {
    bob.client.invite("dana").await?;
    app.click("open-connections").await?;
    app.click("accept-invitation").await?;
    bob.wait_until("Dana accepted", |c| async move {
        c.connections()
            .await
            .unwrap_or_default()
            .iter()
            .any(|x| x.peer.handle == "dana" && x.state == candor_proto::ConnectionState::Accepted)
    })
    .await;
    let dana = bob
        .client
        .connections()
        .await?
        .into_iter()
        .find(|c| c.peer.handle == "dana")
        .map(|c| c.peer.user_id)
        .expect("Dana is a connection");
    Ok(bob.client.open_direct(dana).await?)
}

/// Opens a conversation from the list. The list re-sorts when messages
/// arrive, and a click can land on the row that just moved under the pointer,
/// so this checks which conversation opened and clicks again if needed.
pub async fn open_conversation(app: &App, id: ConversationId) -> anyhow::Result<()> {
    let row = format!(
        "[data-testid=\"conversation-item\"][data-conversation-id=\"{}\"]",
        id.0
    );
    let opened = format!("{row}[aria-current=\"true\"]");
    let deadline = tokio::time::Instant::now() + UI_DEADLINE;
    loop {
        app.wait_for_css(&row).await?.click().await?;
        tokio::time::sleep(Duration::from_millis(150)).await;
        if !app.driver.find_all(Locator::Css(&opened)).await?.is_empty() {
            break;
        }
        if tokio::time::Instant::now() > deadline {
            bail!("Conversation {} did not open", id.0);
        }
    }
    app.wait_for("message-list").await?;
    Ok(())
}

/// Process ids of running instances of the app binary.
pub fn app_pids() -> Vec<i32> {
    let binary = app_binary();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| std::fs::read_link(e.path().join("exe")).is_ok_and(|exe| exe == binary))
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse().ok()))
        .collect()
}

/// Whether a process of the app binary is running.
pub fn app_running() -> bool {
    !app_pids().is_empty()
}

/// Ends any app instance left by a test that failed half-way, so the next
/// launch is not mistaken for a second instance.
pub fn kill_leftover_apps() {
    for pid in app_pids() {
        let _ = std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status();
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.tauri_driver.start_kill();
        kill_leftover_apps();
    }
}

/// Waits until an X window on the display has exactly this title (what
/// taskbars and window switchers show), as `xwininfo` lists them.
pub async fn wait_for_window_title(title: &str) -> anyhow::Result<()> {
    let wanted = format!("\"{title}\"");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut seen = String::new();
    while tokio::time::Instant::now() < deadline {
        let out = Command::new("xwininfo")
            .args(["-root", "-tree"])
            .output()
            .await
            .context("xwininfo (x11-utils) lists the windows")?;
        seen = String::from_utf8_lossy(&out.stdout).into_owned();
        // Each window: `0x1e00003 "Title": ("class" "Class")  …`.
        if seen.lines().any(|l| {
            l.trim_start()
                .split_once(' ')
                .is_some_and(|(_, rest)| rest.starts_with(&format!("{wanted}:")))
        }) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    let titles: Vec<&str> = seen.lines().filter(|l| l.contains("\":")).collect();
    bail!("no window titled {wanted}; windows: {titles:#?}")
}
