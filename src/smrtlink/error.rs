//! The one error type of the client: which call failed and why.

use std::error::Error as StdError;
use std::fmt;

use reqwest::{Method, StatusCode};

/// A failed API call: the method, the path (without base URL or gateway prefix), how many
/// attempts were made, and the reason.
///
/// Display reads like `GET /smrt-link/job-manager/jobs/analysis/42: 404 Not Found: Unable to find
/// job 42`; the underlying transport or decode error is available through `source()`.
#[derive(Debug)]
pub struct ApiError {
    method: Method,
    path: String,
    attempts: u32,
    kind: ApiErrorKind,
}

/// The reason a call failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// The request did not get an HTTP response: connect error, reset, timeout, TLS failure.
    Transport {
        kind: TransportKind,
        source: reqwest::Error,
    },
    /// The server returned a non-success status. `message` comes from the server's error
    /// body when it sent one, else from the start of the body text.
    Status {
        status: StatusCode,
        message: Option<String>,
    },
    /// A success response whose body is not the expected JSON.
    Decode {
        source: serde_json::Error,
        snippet: String,
    },
    /// Gateway authentication failed.
    Auth(AuthFailure),
    /// Writing a downloaded file to the caller's writer failed.
    Write { source: std::io::Error },
    /// The client configuration is invalid (base URL, CA certificate, credentials).
    Config { message: String },
}

/// The transport failure behind [`ApiErrorKind::Transport`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// No connection could be made, so the request was not sent.
    Connect,
    /// The connection broke after the request may have been sent.
    Reset,
    /// No complete response within the request timeout.
    Timeout,
    /// The server's TLS certificate is not trusted (self-signed or unknown issuer).
    UntrustedCertificate,
    /// The server's TLS certificate was rejected for another reason: expired, not yet valid,
    /// or issued for another host name.
    InvalidCertificate,
    /// Any other failure to send the request or read the response.
    Other,
}

/// The step of gateway authentication that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthFailure {
    /// The token endpoint rejected the user name or password.
    LoginRejected {
        user: String,
        status: StatusCode,
        message: Option<String>,
    },
    /// The refresh grant failed and the password login that followed failed too.
    RefreshAndReloginFailed { refresh: String, relogin: String },
    /// The API returned 401 even with a token from a fresh login.
    UnauthorizedAfterRelogin { user: String },
    /// The token endpoint returned something that is not a token.
    InvalidTokenResponse { message: String },
}

impl ApiError {
    pub(crate) fn new(method: Method, path: impl Into<String>, kind: ApiErrorKind) -> Self {
        ApiError {
            method,
            path: path.into(),
            attempts: 1,
            kind,
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        ApiError::new(
            Method::GET,
            "",
            ApiErrorKind::Config {
                message: message.into(),
            },
        )
    }

    pub(crate) fn with_attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts;
        self
    }

    /// Returns the HTTP method of the failed call.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// Returns the API path of the failed call, without base URL, gateway prefix or query.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Returns how many times the request was sent before the client gave up.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Returns the reason for the failure.
    pub fn kind(&self) -> &ApiErrorKind {
        &self.kind
    }

    /// Returns the HTTP status when the server returned an error status.
    pub fn status(&self) -> Option<StatusCode> {
        match &self.kind {
            ApiErrorKind::Status { status, .. } => Some(*status),
            ApiErrorKind::Auth(AuthFailure::LoginRejected { status, .. }) => Some(*status),
            ApiErrorKind::Auth(AuthFailure::UnauthorizedAfterRelogin { .. }) => {
                Some(StatusCode::UNAUTHORIZED)
            }
            _ => None,
        }
    }

    /// Returns the server's error message, when it sent one.
    pub fn server_message(&self) -> Option<&str> {
        match &self.kind {
            ApiErrorKind::Status { message, .. } => message.as_deref(),
            _ => None,
        }
    }

    /// Returns whether the server returned 404 Not Found.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// Returns whether the server returned 422: invalid job options, a job in the wrong state,
    /// an unknown project or an invalid search filter.
    pub fn is_unprocessable(&self) -> bool {
        self.status() == Some(StatusCode::UNPROCESSABLE_ENTITY)
    }

    /// Returns whether the server returned 409 Conflict (e.g. a duplicate project name).
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(StatusCode::CONFLICT)
    }

    /// Returns whether authentication failed or the server answered 401.
    pub fn is_auth(&self) -> bool {
        matches!(self.kind, ApiErrorKind::Auth(_))
            || self.status() == Some(StatusCode::UNAUTHORIZED)
    }

    /// Returns whether no HTTP response arrived (connect error, reset, timeout, TLS).
    pub fn is_transport(&self) -> bool {
        matches!(self.kind, ApiErrorKind::Transport { .. })
    }

    /// Returns whether the same call may succeed later: a connect error, reset or timeout, a 5xx
    /// other than 501 Not Implemented, or 429 Too Many Requests. An untrusted certificate is
    /// not transient.
    pub fn is_transient(&self) -> bool {
        match &self.kind {
            ApiErrorKind::Transport { kind, .. } => matches!(
                kind,
                TransportKind::Connect | TransportKind::Reset | TransportKind::Timeout
            ),
            ApiErrorKind::Status { status, .. } => is_transient_status(*status),
            _ => false,
        }
    }
}

/// Returns whether a response status is worth retrying: 429 and 5xx except 501.
pub(crate) fn is_transient_status(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS
        || (status.is_server_error() && status != StatusCode::NOT_IMPLEMENTED)
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let ApiErrorKind::Config { message } = &self.kind {
            return write!(f, "invalid SMRT Link client configuration: {message}");
        }
        write!(f, "{} {}: {}", self.method, self.path, self.kind)?;
        if self.attempts > 1 {
            write!(f, " (after {} attempts)", self.attempts)?;
        }
        Ok(())
    }
}

impl fmt::Display for ApiErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiErrorKind::Transport { kind, .. } => match kind {
                TransportKind::Connect => f.write_str("connection failed"),
                TransportKind::Reset => f.write_str("connection reset before the response arrived"),
                TransportKind::Timeout => f.write_str("timed out waiting for the response"),
                TransportKind::UntrustedCertificate => f.write_str(
                    "the server's TLS certificate is not trusted (self-signed or unknown issuer); \
                     pass --ca-cert FILE to trust the CA that signed it, or --insecure to skip \
                     verification",
                ),
                TransportKind::InvalidCertificate => f.write_str(
                    "the server's TLS certificate is invalid (see the cause below); fix the \
                     certificate or the server URL, or pass --insecure to skip verification",
                ),
                TransportKind::Other => f.write_str("request failed"),
            },
            ApiErrorKind::Status { status, message } => {
                write!(f, "{status}")?;
                if let Some(message) = message {
                    write!(f, ": {message}")?;
                }
                Ok(())
            }
            ApiErrorKind::Decode { snippet, .. } => {
                write!(f, "unexpected response body (starts with `{snippet}`)")
            }
            ApiErrorKind::Auth(failure) => write!(f, "{failure}"),
            ApiErrorKind::Write { .. } => f.write_str("writing the downloaded file failed"),
            ApiErrorKind::Config { message } => f.write_str(message),
        }
    }
}

impl fmt::Display for AuthFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthFailure::LoginRejected {
                user,
                status,
                message,
            } => {
                write!(f, "login rejected for user `{user}` ({status}")?;
                if let Some(message) = message {
                    write!(f, ": {message}")?;
                }
                f.write_str("); check the user name and the password in SLFLOW_PASSWORD")
            }
            AuthFailure::RefreshAndReloginFailed { refresh, relogin } => write!(
                f,
                "token refresh failed ({refresh}) and the password login after it failed too ({relogin})"
            ),
            AuthFailure::UnauthorizedAfterRelogin { user } => write!(
                f,
                "401 Unauthorized even after a fresh login as `{user}`; check that the user has a \
                 SMRT Link role that allows this call"
            ),
            AuthFailure::InvalidTokenResponse { message } => {
                write!(f, "the token endpoint returned no usable token: {message}")
            }
        }
    }
}

impl StdError for ApiError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match &self.kind {
            ApiErrorKind::Transport { source, .. } => Some(source),
            ApiErrorKind::Decode { source, .. } => Some(source),
            ApiErrorKind::Write { source } => Some(source),
            _ => None,
        }
    }
}

/// Classifies a reqwest error by walking its cause chain.
pub(crate) fn classify_transport(error: &reqwest::Error) -> TransportKind {
    if let Some(kind) = certificate_rejection(error) {
        return kind;
    }
    if error.is_timeout() {
        return TransportKind::Timeout;
    }
    if error.is_connect() {
        return TransportKind::Connect;
    }
    let mut cause: Option<&(dyn StdError + 'static)> = error.source();
    while let Some(current) = cause {
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind;
            match io.kind() {
                ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::BrokenPipe
                | ErrorKind::UnexpectedEof => return TransportKind::Reset,
                ErrorKind::TimedOut => return TransportKind::Timeout,
                _ => {}
            }
        }
        cause = current.source();
    }
    // hyper reports a connection closed mid-response as "connection closed before message
    // completed" or an incomplete message, without an io::Error underneath.
    if error.is_request() || error.is_body() || error.is_decode() {
        return TransportKind::Reset;
    }
    TransportKind::Other
}

/// Finds a rustls certificate rejection in the cause chain.
///
/// rustls is not a direct dependency, so this matches the text rustls 0.23 writes ("invalid
/// peer certificate: UnknownIssuer") instead of downcasting. A self-signed certificate fails
/// as an unknown issuer, or as a CA certificate served as the server's own. Other rejections
/// (expired, wrong host name) are invalid certificates that a CA file cannot fix.
fn certificate_rejection(error: &reqwest::Error) -> Option<TransportKind> {
    let mut cause: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(current) = cause {
        let text = current.to_string();
        if text.contains("UnknownIssuer") || text.contains("CaUsedAsEndEntity") {
            return Some(TransportKind::UntrustedCertificate);
        }
        if text.contains("invalid peer certificate") {
            return Some(TransportKind::InvalidCertificate);
        }
        cause = current.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_error_displays_method_path_status_message() {
        let error = ApiError::new(
            Method::GET,
            "/smrt-link/job-manager/jobs/analysis/42",
            ApiErrorKind::Status {
                status: StatusCode::NOT_FOUND,
                message: Some("Unable to find job 42".into()),
            },
        );
        assert_eq!(
            error.to_string(),
            "GET /smrt-link/job-manager/jobs/analysis/42: 404 Not Found: Unable to find job 42"
        );
        assert!(error.is_not_found());
        assert!(!error.is_transient());
        assert!(!error.is_unprocessable());
    }

    #[test]
    fn attempts_appear_when_retried() {
        let error = ApiError::new(
            Method::POST,
            "/smrt-link/projects",
            ApiErrorKind::Status {
                status: StatusCode::SERVICE_UNAVAILABLE,
                message: None,
            },
        )
        .with_attempts(4);
        assert_eq!(
            error.to_string(),
            "POST /smrt-link/projects: 503 Service Unavailable (after 4 attempts)"
        );
        assert!(error.is_transient());
    }

    #[test]
    fn transient_statuses() {
        assert!(is_transient_status(StatusCode::INTERNAL_SERVER_ERROR));
        assert!(is_transient_status(StatusCode::BAD_GATEWAY));
        assert!(is_transient_status(StatusCode::TOO_MANY_REQUESTS));
        assert!(!is_transient_status(StatusCode::NOT_IMPLEMENTED));
        assert!(!is_transient_status(StatusCode::UNPROCESSABLE_ENTITY));
        assert!(!is_transient_status(StatusCode::NOT_FOUND));
    }

    #[test]
    fn login_rejected_names_user_and_fix() {
        let error = ApiError::new(
            Method::POST,
            "/token",
            ApiErrorKind::Auth(AuthFailure::LoginRejected {
                user: "alice".into(),
                status: StatusCode::UNAUTHORIZED,
                message: Some("invalid_grant".into()),
            }),
        );
        let text = error.to_string();
        assert!(text.contains("login rejected for user `alice`"), "{text}");
        assert!(text.contains("SLFLOW_PASSWORD"), "{text}");
        assert!(error.is_auth());
    }
}
