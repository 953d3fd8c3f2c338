//! The SMRT Link error body (`{httpCode, message, errorType}`) and its HTTP response.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An API error: the status and the message the simulator returns in the SMRT Link error shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// The 404 for a path that matches no route, worded as SMRT Link words it.
    pub fn no_route(uri: &str) -> Self {
        Self::not_found(format!("Route: {uri} does not exist."))
    }

    /// The 422 for a search value that does not parse.
    pub fn invalid_filter(value: &str) -> Self {
        Self::unprocessable(format!("Invalid Filter `{value}`"))
    }

    /// Returns the JSON error body.
    pub fn body(&self) -> serde_json::Value {
        json!({
            "httpCode": self.status.as_u16(),
            "message": self.message,
            "errorType": self.status.canonical_reason().unwrap_or("Error"),
        })
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body())).into_response()
    }
}

/// What every request handler returns.
pub type ApiResult<T> = Result<T, ApiError>;
