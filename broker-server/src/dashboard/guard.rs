//! Who may change things: in read-only mode no one; with users configured, whoever sends one
//! of their `user:password` pairs as HTTP basic auth (the browser asks once); otherwise anyone.
//! Reading is always open, as rocketmq-dashboard's pages are.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::DashboardConfig;
use super::reply::{ApiError, Reply, ok};

#[derive(Debug, Clone)]
pub(crate) struct Guard {
    read_only: bool,
    /// Accepted `Authorization` header values (`Basic base64(user:password)`).
    accepted: Arc<Vec<String>>,
}

impl Guard {
    pub(crate) fn new(config: &DashboardConfig) -> Self {
        Guard {
            read_only: config.read_only,
            accepted: Arc::new(
                config
                    .users
                    .iter()
                    .map(|(u, p)| format!("Basic {}", base64(format!("{u}:{p}").as_bytes())))
                    .collect(),
            ),
        }
    }
}

/// In front of every call that changes state.
pub(crate) async fn check(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    if guard.read_only {
        return ApiError::new("the dashboard is read-only: nothing can be changed here")
            .with_status(StatusCode::FORBIDDEN)
            .into_response();
    }
    if !guard.accepted.is_empty() {
        let given = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        if !given.is_some_and(|g| guard.accepted.iter().any(|a| a == g)) {
            let mut resp = ApiError::new("sign in to change things (basic auth)")
                .with_status(StatusCode::UNAUTHORIZED)
                .into_response();
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"rocketmq-dashboard\""),
            );
            return resp;
        }
    }
    next.run(request).await
}

/// What the page needs to know to show or hide its buttons.
pub(crate) async fn mode(axum::Extension(guard): axum::Extension<Guard>) -> Reply {
    ok(serde_json::json!({
        "readOnly": guard.read_only,
        "auth": !guard.accepted.is_empty(),
    }))
}

/// Standard base64 with padding.
fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> shift & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::base64;

    #[test]
    fn encodes_like_rfc_4648() {
        assert_eq!(base64(b"admin:secret"), "YWRtaW46c2VjcmV0");
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b""), "");
    }
}
