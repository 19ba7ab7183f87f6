//! Debian's Chromium through chromedriver: phone-sized pages for the browser tests, read as a user would, checked with axe-core.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};

use crate::process::free_port;
use crate::webdriver::Session;

/// How long a page gets to show what a test waits for (Chromium shares two cores with the tests).
const PAGE_WAIT: Duration = Duration::from_secs(15);
const AXE: &str = include_str!("../vendor/axe-core-4.14.1/axe.min.js");

/// A chromedriver process; each `phone` is a new browser session on it.
pub struct Driver {
    _child: tokio::process::Child,
    addr: String,
}

impl Driver {
    /// Starts chromedriver on a free port. Without it the test fails (`./test.sh` installs it),
    /// unless `DILEMMA_SKIP_BROWSER=1` says to skip the browser tests (never under CI): then it
    /// says so and returns `None`.
    pub async fn start() -> Option<Driver> {
        let bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        if !std::path::Path::new(&bin).exists() {
            let skip = std::env::var_os("DILEMMA_SKIP_BROWSER").is_some_and(|v| v == "1") && std::env::var_os("CI").is_none();
            assert!(
                skip,
                "{bin} is missing: the browser tests need Debian's chromium and chromium-driver (./test.sh installs them; DILEMMA_SKIP_BROWSER=1 skips them outside CI)"
            );
            eprintln!("skipping a browser test: {bin} is missing (./test.sh installs chromium and chromium-driver)");
            return None;
        }
        let port = free_port();
        let child = tokio::process::Command::new(&bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start chromedriver");
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Some(Driver { _child: child, addr: format!("127.0.0.1:{port}") });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("chromedriver did not start listening");
    }

    /// A headless Chromium with a phone's screen: 390×844 CSS pixels, touch.
    pub async fn phone(&self) -> Page {
        self.browser(390, 844, true, &[]).await
    }

    /// A phone whose browser speaks English.
    pub async fn english_phone(&self) -> Page {
        self.browser_in(390, 844, true, &[], "en").await
    }

    /// A phone that takes the test's own certificate (as if the municipality's CA were installed).
    pub async fn phone_accepting_test_certificates(&self) -> Page {
        self.browser(390, 844, true, &["--ignore-certificate-errors"]).await
    }

    /// A headless Chromium on a projector-like screen of 1280×720.
    pub async fn screen(&self) -> Page {
        self.browser(1280, 720, false, &[]).await
    }

    /// A headless Chromium on a screen of `width`×`height` CSS pixels (a projector, a monitor).
    pub async fn screen_of(&self, width: u32, height: u32) -> Page {
        self.browser(width, height, false, &[]).await
    }

    async fn browser(&self, width: u32, height: u32, mobile: bool, extra: &[&str]) -> Page {
        self.browser_in(width, height, mobile, extra, "nl").await
    }

    /// A phone whose websocket frames the test can read afterwards ([`Page::frames_received`]).
    pub async fn recording_phone(&self) -> Page {
        self.browser_with(390, 844, true, "nl", json!({}), true).await
    }

    /// A projector of 1280×720 whose websocket frames the test can read afterwards.
    pub async fn recording_screen(&self) -> Page {
        self.browser_with(1280, 720, false, "nl", json!({}), true).await
    }

    /// A laptop of 1280×720 whose browser speaks `lang` and saves downloads in `downloads` without asking.
    pub async fn laptop(&self, lang: &str, downloads: &std::path::Path) -> Page {
        self.browser_with(1280, 720, false, lang, Self::downloads_into(downloads), false).await
    }

    /// A Dutch laptop whose websocket frames the test can read afterwards ([`Page::frames_sent`]).
    pub async fn recording_laptop(&self, downloads: &std::path::Path) -> Page {
        self.browser_with(1280, 720, false, "nl", Self::downloads_into(downloads), true).await
    }

    fn downloads_into(dir: &std::path::Path) -> Value {
        json!({"download.default_directory": dir, "download.prompt_for_download": false, "download.directory_upgrade": true})
    }

    async fn browser_in(&self, width: u32, height: u32, mobile: bool, extra: &[&str], lang: &str) -> Page {
        let mut page = self.browser_options(width, height, mobile, lang, json!({}));
        for arg in extra {
            page["args"].as_array_mut().unwrap().push(json!(arg));
        }
        let c = Session::start(&self.addr, json!({"goog:chromeOptions": page})).await.expect("a Chromium session");
        Page { c }
    }

    async fn browser_with(&self, width: u32, height: u32, mobile: bool, lang: &str, prefs: Value, record: bool) -> Page {
        let options = self.browser_options(width, height, mobile, lang, prefs);
        let mut caps = json!({"goog:chromeOptions": options});
        if record {
            caps["goog:loggingPrefs"] = json!({"performance": "ALL"});
        }
        let c = Session::start(&self.addr, caps).await.expect("a Chromium session");
        Page { c }
    }

    fn browser_options(&self, width: u32, height: u32, mobile: bool, lang: &str, prefs: Value) -> Value {
        let mut options = json!({
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
                     format!("--lang={lang}")],
            "prefs": {"intl.accept_languages": lang},
            "mobileEmulation": {"deviceMetrics": {"width": width, "height": height, "pixelRatio": if mobile { 2 } else { 1 }, "touch": mobile, "mobile": mobile}},
        });
        if let (Some(all), Some(more)) = (options["prefs"].as_object_mut(), prefs.as_object()) {
            all.extend(more.clone());
        }
        options
    }
}

/// One browser tab, driven and read like a person would: by what it shows.
pub struct Page {
    pub c: Session,
}

impl Page {
    pub async fn open(&self, url: &str) {
        self.c.goto(url).await.unwrap();
    }

    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.c.execute(script, args).await.unwrap_or_else(|e| panic!("{script}: {e}"))
    }

    /// The visible text of the first element matching `css`, "" when there is none.
    pub async fn text(&self, css: &str) -> String {
        let v = self.js("const e = document.querySelector(arguments[0]); return e ? e.innerText : '';", vec![css.into()]).await;
        v.as_str().unwrap_or_default().to_owned()
    }

    /// Waits until the element `css` shows `want`; fails with everything the page shows.
    pub async fn wait_text(&self, css: &str, want: &str) -> String {
        let deadline = tokio::time::Instant::now() + PAGE_WAIT;
        loop {
            let text = self.text(css).await;
            if text.contains(want) {
                return text;
            }
            if tokio::time::Instant::now() > deadline {
                panic!("waited for {want:?} in {css}; the page shows:\n{}", self.text("body").await);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until `script` (a JavaScript expression) is true.
    pub async fn wait_for(&self, what: &str, script: &str) {
        let deadline = tokio::time::Instant::now() + PAGE_WAIT;
        while self.js(&format!("return !!({script});"), vec![]).await != Value::Bool(true) {
            if tokio::time::Instant::now() > deadline {
                panic!("waited for {what}; the page shows:\n{}", self.text("body").await);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks the element `css` as a tap would (after waiting until it is there and enabled).
    pub async fn tap(&self, css: &str) {
        self.wait_for(css, &format!("document.querySelector({css:?}) && !document.querySelector({css:?}).disabled")).await;
        self.c.click(css).await.unwrap();
    }

    /// Types `keys` with the element `css` focused, as a keyboard user would.
    pub async fn keys(&self, css: &str, keys: &str) {
        self.wait_for(css, &format!("document.querySelector({css:?})")).await;
        self.c.send_keys(css, keys).await.unwrap();
    }

    /// Presses `keys` on whatever has the focus, as a keyboard does (with Shift held when `shift`).
    pub async fn press(&self, keys: &str, shift: bool) {
        self.c.press(keys, shift).await.unwrap();
    }

    /// The text of every websocket frame this page received since the last call (a recording page only).
    pub async fn frames_received(&self) -> Vec<String> {
        self.frames("Network.webSocketFrameReceived").await
    }

    /// The text of every websocket frame this page sent since the last call of this or
    /// [`Page::frames_received`] (both read the same log).
    pub async fn frames_sent(&self) -> Vec<String> {
        self.frames("Network.webSocketFrameSent").await
    }

    async fn frames(&self, method: &str) -> Vec<String> {
        let log = self.c.log("performance").await.unwrap();
        let events = log.as_array().cloned().unwrap_or_default();
        events
            .iter()
            .filter_map(|e| serde_json::from_str::<Value>(e["message"].as_str()?).ok())
            .filter(|m| m["message"]["method"] == method)
            .filter_map(|m| m["message"]["params"]["response"]["payloadData"].as_str().map(str::to_owned))
            .collect()
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        self.c.clear(css).await.unwrap();
        self.c.send_keys(css, text).await.unwrap();
    }

    /// Runs axe-core on the page as it is now; fails on any violation, naming the state.
    pub async fn assert_accessible(&self, state: &str) {
        self.js(&format!("if (!window.axe) {{ {AXE}\n }} return true;"), vec![]).await;
        let found = self
            .js(
                "return axe.run(document).then(r => r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).join(', ')));",
                vec![],
            )
            .await;
        let found: Vec<String> = serde_json::from_value(found).unwrap();
        assert!(found.is_empty(), "axe-core finds in state {state:?}:\n{}", found.join("\n"));
    }

    /// Text at 200% on the 390 px phone still fits: nothing scrolls sideways.
    pub async fn assert_reflows_at_200_percent(&self, state: &str) {
        let widths = self
            .js(
                "document.documentElement.style.fontSize = '200%';
                 const r = [document.documentElement.scrollWidth, window.innerWidth];
                 document.documentElement.style.fontSize = '';
                 return r;",
                vec![],
            )
            .await;
        let (scroll, inner) = (widths[0].as_u64().unwrap(), widths[1].as_u64().unwrap());
        assert!(scroll <= inner, "state {state:?} at 200% text scrolls sideways: {scroll} px content in {inner} px");
    }

    /// Saves a picture of the page in the test's folder, and in `$DILEMMA_SCREENSHOTS` when set
    /// (`scripts/screenshots.sh` sets it to docs/screenshots).
    pub async fn screenshot(&self, name: &str) {
        let png = self.c.screenshot().await.unwrap();
        let mut dirs = vec![PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots")];
        dirs.extend(std::env::var_os("DILEMMA_SCREENSHOTS").map(PathBuf::from));
        for dir in dirs {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(format!("{name}.png")), &png).unwrap();
        }
    }

    pub async fn close(self) {
        let _ = self.c.close().await;
    }
}
