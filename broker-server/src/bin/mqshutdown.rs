//! `mqshutdown`: stops the local brokers or name servers, as Apache's script does.
//!
//! ```text
//! mqshutdown broker     # SIGTERM to every mqbroker on this machine
//! mqshutdown namesrv    # SIGTERM to every mqnamesrv
//! ```
//! Each drains and stops cleanly on SIGTERM (the broker unregisters from its name servers,
//! answers what it has begun, and flushes its store). Like Apache's script it prints
//! `The mqbroker(<pid>) is running...` and `Send shutdown request to mqbroker(<pid>) OK`, or
//! `No mqbroker running.` and exits with 255; it does not wait for the processes to end.

use std::path::Path;

use clap::{Parser, ValueEnum};

#[derive(Parser)]
#[command(
    name = "mqshutdown",
    about = "Stop the local brokers or name servers",
    version
)]
struct Cli {
    /// Which servers to stop.
    server: Server,
}

#[derive(Clone, Copy, ValueEnum)]
enum Server {
    Broker,
    Namesrv,
}

fn main() -> anyhow::Result<()> {
    let name = match Cli::parse().server {
        Server::Broker => "mqbroker",
        Server::Namesrv => "mqnamesrv",
    };
    let pids = running(name)?;
    if pids.is_empty() {
        println!("No {name} running.");
        std::process::exit(255);
    }
    // Apache's script prints the pids as `ps` lists them, one per line.
    let listed = pids
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    println!("The {name}({listed}) is running...");
    for pid in &pids {
        terminate(*pid).map_err(|e| anyhow::anyhow!("cannot stop {name}({pid}): {e}"))?;
    }
    println!("Send shutdown request to {name}({listed}) OK");
    Ok(())
}

/// Sends SIGTERM.
#[allow(unsafe_code)]
fn terminate(pid: u32) -> std::io::Result<()> {
    // SAFETY: kill(2) takes plain integers and touches no memory of this process.
    if unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Processes whose program is `name` (the file name of their argv[0]), sorted.
fn running(name: &str) -> anyhow::Result<Vec<u32>> {
    let me = std::process::id();
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc")? {
        let Ok(entry) = entry else { continue };
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == me {
            continue;
        }
        // A process may be gone by now, or not ours to read: skip it.
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let argv0 = cmdline.split(|b| *b == 0).next().unwrap_or_default();
        let program = Path::new(std::str::from_utf8(argv0).unwrap_or_default()).file_name();
        if program.is_some_and(|p| p == name) {
            pids.push(pid);
        }
    }
    pids.sort_unstable();
    Ok(pids)
}
