//! Shared helpers: an inbox listeners write to, and an application builder per module.

use std::sync::Mutex;
use std::time::Duration;

use rocketmq_starter::{ApplicationBuilder, RocketApplication};

/// What listeners saw, for the test to wait on.
pub(crate) struct Inbox<T> {
    items: Mutex<Vec<T>>,
}

impl<T: Clone> Inbox<T> {
    pub(crate) const fn new() -> Self {
        Inbox {
            items: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn push(&self, item: T) {
        self.items.lock().unwrap().push(item);
    }

    pub(crate) fn items(&self) -> Vec<T> {
        self.items.lock().unwrap().clone()
    }

    /// Waits until `done` holds for the items, or panics with `what` after `secs`.
    pub(crate) async fn wait_until(
        &self,
        secs: u64,
        what: &str,
        done: impl Fn(&[T]) -> bool,
    ) -> Vec<T> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let items = self.items();
            if done(&items) {
                return items;
            }
            if tokio::time::Instant::now() > deadline {
                panic!("timed out waiting for {what}: got {} items", items.len());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// An application reading only `yaml` (no files, no process environment), starting only the
/// listeners declared in `module` (a module of this test binary, e.g. `"retry"`).
pub(crate) fn app(module: &'static str, yaml: &str) -> ApplicationBuilder {
    let suffix = format!("::{module}");
    RocketApplication::builder()
        .config_dir("/nonexistent")
        .env_vars(Vec::new())
        .yaml("application.yml", yaml)
        .listeners_where(move |d| d.module.ends_with(&suffix))
}

/// Logs to the test output (once per process).
pub(crate) fn logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "warn,rocketmq_starter=info".into()),
        )
        .with_test_writer()
        .try_init();
}
