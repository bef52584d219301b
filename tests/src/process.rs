//! The real `mqbroker` binary as a child process, so a test can kill -9 it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Builds the server binaries once (a no-op when they are fresh) and returns `mqbroker`'s path.
pub fn mqbroker_path() -> PathBuf {
    binary_path("mqbroker")
}

/// Builds the server binaries (`mqbroker`, `mqnamesrv`, `mqadmin`, …) once, a no-op when they
/// are fresh, and returns the path of `name`.
pub fn binary_path(name: &str) -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        // target/<profile>/deps/<this test> -> target/<profile>
        let exe = std::env::current_exe().expect("test executable path");
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("target profile dir")
            .to_path_buf();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut build = Command::new(cargo);
        build.args(["build", "-q", "-p", "rocketmq-broker-server", "--bins"]);
        if profile_dir.ends_with("release") {
            build.arg("--release");
        }
        let status = build.status().expect("cargo runs");
        assert!(status.success(), "building the server binaries failed");
        profile_dir
    })
    .join(name)
}

/// What an `mqadmin` run printed.
#[derive(Debug)]
pub struct Printed {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `mqadmin` (with no `NAMESRV_ADDR` from the environment; when `tmpdir` is given, in that
/// directory and with it as `TMPDIR`, where the commands write files) and returns what it
/// printed.
pub fn mqadmin_run(args: &[&str], tmpdir: Option<&Path>) -> Printed {
    let mut cmd = Command::new(binary_path("mqadmin"));
    // As a user runs it: no backtrace under the error line.
    cmd.args(args)
        .env_remove("NAMESRV_ADDR")
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE");
    if let Some(dir) = tmpdir {
        cmd.env("TMPDIR", dir).current_dir(dir);
    }
    let out = cmd.output().expect("mqadmin runs");
    Printed {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `mqadmin`, which must succeed; returns its standard output. A test that waits for it
/// while the servers run on its own runtime needs a multi-threaded runtime.
pub fn mqadmin(args: &[&str]) -> String {
    let p = mqadmin_run(args, None);
    assert!(p.ok, "mqadmin {args:?}: {}{}", p.stdout, p.stderr);
    p.stdout
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// A running `mqbroker` process.
pub struct BrokerProcess {
    child: Option<Child>,
    pub addr: String,
    pub store: PathBuf,
}

impl BrokerProcess {
    /// Starts `mqbroker -c <conf>` on `port` with its store in `store` and the given extra
    /// properties, and waits until it listens.
    pub fn start(store: &Path, port: u16, extra: &str) -> Self {
        std::fs::create_dir_all(store).expect("store dir");
        let conf = store.join("broker.conf");
        let text = format!(
            "brokerClusterName=DefaultCluster\nbrokerName=broker-a\nbrokerId=0\nbrokerIP1=127.0.0.1\n\
             listenPort={port}\nhaListenPort=0\nstorePathRootDir={}\nmapedFileSizeCommitLog=1048576\n\
             mapedFileSizeConsumeQueue=20000\nflushConsumerOffsetInterval=100\n{extra}\n",
            store.display()
        );
        std::fs::write(&conf, text).expect("write broker.conf");
        Self::start_conf(&conf, None, port, store)
    }

    /// Starts `mqbroker [-n namesrv] -c conf` and waits until it listens on `port`.
    pub fn start_conf(conf: &Path, namesrv: Option<&str>, port: u16, store: &Path) -> Self {
        let mut command = Command::new(mqbroker_path());
        if let Some(namesrv) = namesrv {
            command.arg("-n").arg(namesrv);
        }
        let child = command
            .arg("-c")
            .arg(conf)
            .env_remove("NAMESRV_ADDR")
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("mqbroker starts");
        let addr = format!("127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(&addr).is_err() {
            assert!(
                Instant::now() < deadline,
                "mqbroker did not listen on {addr}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        BrokerProcess {
            child: Some(child),
            addr,
            store: store.to_path_buf(),
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// The process's anonymous resident memory (`RssAnon`), in KiB.
    pub fn anon_rss_kib(&self) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).expect("/proc status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("RssAnon:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("RssAnon")
    }

    /// Sends a signal by name (`STOP`, `CONT`, …); for `STOP`, returns once the process has
    /// stopped.
    pub fn signal(&self, name: &str) {
        let pid = self.child.as_ref().expect("running").id();
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(pid.to_string())
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{name} {pid}");
        if name == "STOP" {
            // Delivered is not yet stopped: wait until every thread is (state T in /proc).
            let deadline = Instant::now() + Duration::from_secs(5);
            let stopped = || {
                let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).expect("tasks");
                tasks.flatten().all(|t| {
                    std::fs::read_to_string(t.path().join("stat")).is_ok_and(|s| {
                        s.rsplit_once(')')
                            .is_some_and(|(_, rest)| rest.trim_start().starts_with('T'))
                    })
                })
            };
            while !stopped() {
                assert!(Instant::now() < deadline, "{pid} did not stop");
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }

    /// SIGKILL: no flush, no checkpoint, no clean-up.
    pub fn kill9(mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("kill -9");
            child.wait().expect("reaped");
        }
    }

    /// SIGTERM, then waits for a clean exit.
    pub fn terminate(mut self) {
        if let Some(mut child) = self.child.take() {
            let status = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status()
                .expect("kill runs");
            assert!(status.success());
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                if let Some(exit) = child.try_wait().expect("wait") {
                    assert!(exit.success(), "mqbroker exited with {exit}");
                    return;
                }
                assert!(
                    Instant::now() < deadline,
                    "mqbroker did not stop on SIGTERM"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

impl Drop for BrokerProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
