//! Small shapes shared by many endpoints: timestamps, status, messages and the error body.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An ISO-8601 timestamp with its offset, as the server writes it (`2018-06-19T21:13:31.047Z`,
/// `2017-03-09T11:51:38.828-08:00`).
pub type Timestamp = chrono::DateTime<chrono::FixedOffset>;

/// Body of `GET /status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    pub id: String,
    #[serde(default)]
    pub uuid: Option<Uuid>,
    pub version: String,
    /// Uptime in milliseconds.
    #[serde(default)]
    pub uptime: Option<u64>,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub user: Option<String>,
    /// API version; SMRT Link 13 sends `2.0.0`, older servers omit it.
    #[serde(default)]
    pub api_version: Option<String>,
}

/// Body `{message}` returned by updates, submits, terminates and deletes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageResponse {
    pub message: String,
}

/// Error body (`ThrowableResponse`): `{httpCode, message, errorType}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerErrorBody {
    pub http_code: u16,
    pub message: String,
    /// The HTTP reason phrase, e.g. `Not Found`.
    #[serde(default)]
    pub error_type: String,
}
