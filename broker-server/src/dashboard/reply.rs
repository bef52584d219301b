//! What every API call answers: rocketmq-dashboard's envelope `{"status":0,"data":…}`, or
//! `{"status":-1,"errMsg":"…"}` with the reason (the broker's code and remark, an unknown
//! topic, a name server that is down), never a bare 500.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rocketmq_client::ClientError;
use serde::Serialize;
use serde_json::{Value, json};

/// A handler's answer.
pub(crate) type Reply = Result<Json<Value>, ApiError>;

/// The envelope around `data`.
pub(crate) fn ok(data: impl Serialize) -> Reply {
    let data = serde_json::to_value(data).map_err(|e| ApiError::new(e.to_string()))?;
    Ok(Json(json!({ "status": 0, "data": data, "errMsg": null })))
}

/// Why a call failed, as the page shows it.
#[derive(Debug)]
pub(crate) struct ApiError {
    message: String,
    status: StatusCode,
}

impl ApiError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        ApiError {
            message: message.into(),
            status: StatusCode::OK,
        }
    }

    /// What the page shows.
    pub(crate) fn message(&self) -> &str {
        &self.message
    }

    pub(crate) fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }
}

impl From<ClientError> for ApiError {
    fn from(e: ClientError) -> Self {
        ApiError::new(e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "status": -1, "data": null, "errMsg": self.message });
        (self.status, Json(body)).into_response()
    }
}

/// Unknown paths: the envelope with a 404.
pub(crate) async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::new(format!("no page or API at {}", uri.path())).with_status(StatusCode::NOT_FOUND)
}

/// A required text parameter, trimmed, or a clear error naming it.
pub(crate) fn required<'a>(value: &'a Option<String>, name: &str) -> Result<&'a str, ApiError> {
    match value.as_deref().map(str::trim) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(ApiError::new(format!("{name} is required"))),
    }
}
