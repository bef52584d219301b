//! Store errors.

use std::path::{Path, PathBuf};

/// What can go wrong opening or running the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file operation failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Another process holds the store.
    #[error("store {} is locked by another process", .0.display())]
    Locked(PathBuf),
    /// The files on disk do not match the configuration.
    #[error("{0}")]
    Config(String),
}

impl StoreError {
    pub(crate) fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        StoreError::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }

    /// The same error again, for each of several callers it failed (`io::Error` is not `Clone`).
    pub(crate) fn duplicate(&self) -> Self {
        match self {
            StoreError::Io { path, source } => StoreError::Io {
                path: path.clone(),
                source: std::io::Error::new(source.kind(), source.to_string()),
            },
            StoreError::Locked(path) => StoreError::Locked(path.clone()),
            StoreError::Config(reason) => StoreError::Config(reason.clone()),
        }
    }
}
