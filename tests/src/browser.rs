//! A headless Chromium driven over WebDriver (Debian's `chromium` and `chromium-driver`), for
//! the dashboard's browser tests. `.ci/run` installs both when missing.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::http;
use crate::process::free_port;

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// One browser session; the driver process is killed on drop.
pub struct Browser {
    driver: Child,
    addr: String,
    session: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session.
    pub fn start() -> Browser {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "chromedriver runs (apt install chromium chromium-driver; .ci/run installs them)",
            );
        let addr = format!("127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while !http::get(&addr, "/status").is_ok_and(|r| r.status == 200) {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = tempfile::tempdir().expect("profile dir");
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1280,1000", format!("--user-data-dir={}", profile.path().display())],
            },
        }}});
        let mut b = Browser {
            driver,
            addr,
            session: String::new(),
            _profile: profile,
        };
        // A browser's first start on a fresh machine sometimes dies before it opens its
        // DevTools port ("session not created"); a second start finds its caches made.
        let mut attempt = 1;
        let v = loop {
            match b.try_call("POST", "/session", &caps) {
                Ok(v) => break v,
                Err(e) if attempt < 3 => {
                    eprintln!("browser start {attempt} failed, retrying: {e}");
                    attempt += 1;
                    std::thread::sleep(Duration::from_secs(1));
                }
                Err(e) => panic!("the browser does not start: {e}"),
            }
        };
        b.session = v["sessionId"].as_str().expect("a session id").to_string();
        b
    }

    fn call(&self, method: &str, path: &str, body: Value) -> Value {
        self.try_call(method, path, &body)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn try_call(&self, method: &str, path: &str, body: &Value) -> Result<Value, String> {
        let body = if body.is_null() {
            String::new()
        } else {
            body.to_string()
        };
        let resp = http::request(
            &self.addr,
            method,
            path,
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        )
        .map_err(|e| format!("chromedriver does not answer {method} {path}: {e}"))?;
        let v: Value = serde_json::from_str(&resp.body)
            .map_err(|e| format!("WebDriver {method} {path}: not JSON ({e}): {}", resp.body))?;
        if resp.status != 200 {
            return Err(format!("WebDriver {method} {path}: {}", resp.body));
        }
        Ok(v["value"].clone())
    }

    fn session(&self, method: &str, path: &str, body: Value) -> Value {
        self.call(method, &format!("/session/{}{path}", self.session), body)
    }

    /// Opens `url`.
    pub fn goto(&self, url: &str) {
        self.session("POST", "/url", json!({ "url": url }));
    }

    /// Reloads the page (WebDriver waits for the load, unlike a script's `location.reload()`).
    pub fn refresh(&self) {
        self.session("POST", "/refresh", json!({}));
    }

    /// Runs `script` (a function body; `arguments` are `args`) and returns its value.
    pub fn eval(&self, script: &str, args: Value) -> Value {
        self.session(
            "POST",
            "/execute/sync",
            json!({ "script": script, "args": args }),
        )
    }

    /// Waits until `script` returns something truthy, and returns it.
    pub fn wait(&self, what: &str, script: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let v = self.eval(script, json!([]));
            if !(v.is_null() || v == json!(false) || v == json!("") || v == json!(0)) {
                return v;
            }
            if Instant::now() >= deadline {
                let page = self.eval("return document.body.innerText.slice(0, 2000)", json!([]));
                panic!(
                    "timed out waiting for {what}; the page says:\n{}",
                    page.as_str().unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits for the element at `css` and returns its WebDriver id.
    pub fn find(&self, css: &str) -> String {
        self.wait(
            css,
            &format!("return document.querySelector({})", json!(css)),
        );
        let v = self.session(
            "POST",
            "/element",
            json!({ "using": "css selector", "value": css }),
        );
        v[ELEMENT].as_str().expect("an element").to_string()
    }

    /// Clicks the element at `css`.
    pub fn click(&self, css: &str) {
        let id = self.find(css);
        self.session("POST", &format!("/element/{id}/click"), json!({}));
    }

    /// Types `text` into the (cleared) field at `css`.
    pub fn fill(&self, css: &str, text: &str) {
        let id = self.find(css);
        self.session("POST", &format!("/element/{id}/clear"), json!({}));
        self.session(
            "POST",
            &format!("/element/{id}/value"),
            json!({ "text": text }),
        );
    }

    /// The visible text of the element at `css`.
    pub fn text(&self, css: &str) -> String {
        let id = self.find(css);
        self.session("GET", &format!("/element/{id}/text"), Value::Null)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Saves a PNG of the window to `path`.
    pub fn screenshot(&self, path: &Path) {
        let b64 = self.session("GET", "/screenshot", Value::Null);
        let png = decode_base64(b64.as_str().expect("base64 PNG"));
        std::fs::write(path, png).expect("screenshot written");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = http::request(
                &self.addr,
                "DELETE",
                &format!("/session/{}", self.session),
                &[],
                b"",
            );
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn decode_base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => 0,
    };
    let clean: Vec<u8> = text.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    let mut out = Vec::with_capacity(clean.len() / 4 * 3);
    for chunk in clean.chunks(4) {
        let pad = chunk.iter().filter(|c| **c == b'=').count();
        let n = chunk
            .iter()
            .fold(0u32, |acc, c| (acc << 6) | u32::from(value(*c)));
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn decodes_base64() {
        assert_eq!(super::decode_base64("aGVsbG8="), b"hello");
        assert_eq!(super::decode_base64("YWI="), b"ab");
    }
}
