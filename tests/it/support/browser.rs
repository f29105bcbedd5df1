//! A real browser for the studio's tests: Debian's `chromium`, headless, driven over WebDriver by
//! `chromedriver` (started on a free loopback port, killed when dropped) through fantoccini.
//! Both are optional parts (README, "Optional parts"): when one is missing, [`Browser::start`]
//! prints one line saying how to get it and the test skips, unless `MOOBIUS_REQUIRE_OPTIONAL=1`
//! (set by `.ci/run`) makes that a failure.

use super::{WAIT, eventually};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// How a missing optional part is handled: `None` (skip, after one line on stderr), or a panic
/// when `MOOBIUS_REQUIRE_OPTIONAL=1`.
pub fn optional<T>(part: &str, found: Option<T>, how: &str) -> Option<T> {
    if found.is_some() {
        return found;
    }
    let required = std::env::var("MOOBIUS_REQUIRE_OPTIONAL").is_ok_and(|v| v == "1");
    assert!(!required, "{part} is missing and MOOBIUS_REQUIRE_OPTIONAL=1: {how}");
    // Written to stderr itself, past the test harness's capture, so the line shows in a plain
    // `cargo test`.
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "skipped: {part} is missing ({how})");
    None
}

fn find(env: &str, candidates: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(env) {
        return Some(PathBuf::from(path)).filter(|p| p.exists());
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    candidates.iter().find_map(|name| {
        let direct = Path::new(name);
        if direct.is_absolute() {
            return direct.exists().then(|| direct.to_owned());
        }
        std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.exists())
    })
}

/// Where screenshots go: `target/studio-screenshots/` (for people to look at after a run).
pub fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/studio-screenshots");
    std::fs::create_dir_all(&dir).expect("the screenshot directory");
    dir
}

/// A headless chromium under chromedriver.
pub struct Browser {
    pub client: Client,
    driver: Child,
}

impl Drop for Browser {
    /// Kills chromedriver's whole process group, so no chromium outlives a failed test.
    fn drop(&mut self) {
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Browser {
    /// Starts chromedriver and a headless chromium (a window of 1400×900); `None` (skipped)
    /// when either is missing. `$CHROMEDRIVER` and `$CHROME` override where they are looked for.
    pub async fn start() -> Option<Browser> {
        const HOW: &str =
            "install Debian's chromium and chromium-driver: apt-get install -y chromium chromium-driver";
        let driver =
            optional("chromedriver", find("CHROMEDRIVER", &["chromedriver", "/usr/bin/chromedriver"]), HOW)?;
        let chrome = optional(
            "chromium",
            find("CHROME", &["chromium", "/usr/bin/chromium", "chromium-browser"]),
            HOW,
        )?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut command = Command::new(driver);
        // Its own process group: chromium is its child, and dies with the group.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let driver = command
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        // chromedriver has no readiness signal but its port: polled, bounded.
        eventually(WAIT, "chromedriver listening", || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        })
        .await;
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".to_owned(),
            serde_json::json!({
                "binary": chrome,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1400,900", "--no-first-run", "--no-default-browser-check"],
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a WebDriver session in chromium");
        Some(Browser { client, driver })
    }

    /// The element with `data-testid` `id`, once it exists (bounded by [`WAIT`]).
    pub async fn by_test_id(&self, id: &str) -> Element {
        self.wait_css(&format!("[data-testid=\"{id}\"]")).await
    }

    /// The first element matching `css`, once it exists (bounded by [`WAIT`]).
    pub async fn wait_css(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(WAIT)
            .every(Duration::from_millis(50))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element `{css}` within {WAIT:?}: {e}"))
    }

    /// Waits until some element matching `css` has a text containing `text`; returns it.
    pub async fn wait_text(&self, css: &str, text: &str) -> Element {
        let deadline = tokio::time::Instant::now() + WAIT;
        let mut tick = tokio::time::interval(Duration::from_millis(50));
        loop {
            let mut seen = Vec::new();
            for element in self.client.find_all(Locator::Css(css)).await.unwrap_or_default() {
                let shown = element.text().await.unwrap_or_default();
                if shown.contains(text) {
                    return element;
                }
                seen.push(shown);
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no `{css}` with the text {text:?} within {WAIT:?}; there were {seen:?}"
            );
            tick.tick().await;
        }
    }

    /// Ends the browser session (then chromedriver is killed).
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }

    /// Saves a screenshot as `target/studio-screenshots/<name>.png` and returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("a screenshot");
        let path = screenshot_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).expect("the screenshot is written");
        path
    }
}
