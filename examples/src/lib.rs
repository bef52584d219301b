//! Shared set-up for the examples in `examples/`.

/// Logs to stderr, filtered by `RUST_LOG` (default `warn`, so the tutorial output stands out).
pub fn init_logging() {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
