//! Sending one API call: URL, auth header, timeout, retries, logging and decoding.

use std::future::Future;
use std::time::{Duration, Instant};

use reqwest::header::RETRY_AFTER;
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Client;
use crate::smrtlink::error::{ApiError, ApiErrorKind, AuthFailure, classify_transport};
use crate::smrtlink::models::ServerErrorBody;
use crate::smrtlink::retry::{Safety, Verdict, parse_retry_after, verdict};

/// One API call as the endpoint methods describe it.
pub(crate) struct Call<'a> {
    pub method: Method,
    /// API path without prefix, e.g. `/smrt-link/dataset-types`.
    pub path: String,
    pub query: &'a [(String, String)],
    pub body: Option<serde_json::Value>,
    pub safety: Safety,
}

impl<'a> Call<'a> {
    pub fn get(path: impl Into<String>) -> Self {
        Call {
            method: Method::GET,
            path: path.into(),
            query: &[],
            body: None,
            safety: Safety::Idempotent,
        }
    }

    pub fn with_query(mut self, query: &'a [(String, String)]) -> Self {
        self.query = query;
        self
    }

    pub fn with_body(
        method: Method,
        path: impl Into<String>,
        body: serde_json::Value,
        safety: Safety,
    ) -> Self {
        Call {
            method,
            path: path.into(),
            query: &[],
            body: Some(body),
            safety,
        }
    }
}

/// A success response with its body read in full.
pub(crate) struct Reply {
    pub body: Vec<u8>,
}

/// A failed attempt, before it becomes an [`ApiError`].
pub(crate) struct Failed {
    pub kind: ApiErrorKind,
    pub retry_after: Option<Duration>,
}

impl From<ApiErrorKind> for Failed {
    fn from(kind: ApiErrorKind) -> Self {
        Failed {
            kind,
            retry_after: None,
        }
    }
}

impl Client {
    /// Sends a call and returns its decoded JSON body.
    pub(crate) async fn json<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<T, ApiError> {
        let reply = self.send(&call).await?;
        decode(&call, &reply.body)
    }

    /// GETs `path` and decodes the JSON body.
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        path: impl Into<String>,
    ) -> Result<T, ApiError> {
        self.json(Call::get(path)).await
    }

    /// Sends a JSON body and decodes the JSON response.
    pub(crate) async fn send_json<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: impl Into<String>,
        body: &B,
        safety: Safety,
    ) -> Result<T, ApiError> {
        let path = path.into();
        let body = serde_json::to_value(body).map_err(|error| {
            ApiError::config(format!(
                "request body for {method} {path} cannot be encoded: {error}"
            ))
        })?;
        self.json(Call::with_body(method, path, body, safety)).await
    }

    /// Sends a call, retrying as its safety class allows, and reads the whole success body.
    pub(crate) async fn send(&self, call: &Call<'_>) -> Result<Reply, ApiError> {
        self.with_retries(call, || async {
            let response = self.send_once(call, Some(self.inner.timeout)).await?;
            let body = response
                .bytes()
                .await
                .map_err(|source| ApiErrorKind::Transport {
                    kind: classify_transport(&source),
                    source,
                })?;
            Ok(Reply {
                body: body.to_vec(),
            })
        })
        .await
    }

    /// Sends a call, retrying until response headers arrive, and returns the response with its
    /// body unread. No total timeout applies, only the per-read timeout, so long downloads work.
    pub(crate) async fn send_streaming(
        &self,
        call: &Call<'_>,
    ) -> Result<reqwest::Response, ApiError> {
        self.with_retries(call, || self.send_once(call, None)).await
    }

    /// Runs `attempt` until it succeeds, a failure is not retryable, or the attempts run out.
    async fn with_retries<T, F, Fut>(&self, call: &Call<'_>, mut attempt: F) -> Result<T, ApiError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Failed>>,
    {
        let policy = &self.inner.retry;
        let mut attempts = 0;
        loop {
            attempts += 1;
            let failed = match attempt().await {
                Ok(value) => return Ok(value),
                Err(failed) => failed,
            };
            let retry = verdict(call.safety, &failed.kind) == Verdict::Retry;
            if !retry || attempts >= policy.max_attempts.max(1) {
                return Err(
                    ApiError::new(call.method.clone(), call.path.clone(), failed.kind)
                        .with_attempts(attempts),
                );
            }
            let delay = policy.delay(attempts, failed.retry_after);
            tracing::info!(
                method = %call.method,
                path = %call.path,
                attempt = attempts,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                error = %failed.kind,
                "retrying SMRT Link request"
            );
            tokio::time::sleep(delay).await;
        }
    }

    /// Sends one attempt and turns a non-success status into a failure. Through the gateway, a
    /// 401 triggers one password login and one more try.
    async fn send_once(
        &self,
        call: &Call<'_>,
        timeout: Option<Duration>,
    ) -> Result<reqwest::Response, Failed> {
        let mut token = match &self.inner.gateway {
            Some(gateway) => Some(gateway.bearer(&self.inner.http, self.inner.timeout).await?),
            None => None,
        };
        let mut logins = 0;
        loop {
            let mut request = self
                .inner
                .http
                .request(call.method.clone(), self.url(&call.path))
                .query(call.query);
            if let Some(body) = &call.body {
                request = request.json(body);
            }
            if let Some(timeout) = timeout {
                request = request.timeout(timeout);
            }
            if let (Some(token), Some(gateway)) = (&token, &self.inner.gateway) {
                request = request
                    .bearer_auth(token.expose())
                    .header("X-User-ID", gateway.user());
            }

            let started = Instant::now();
            let result = request.send().await;
            let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            let response = match result {
                Ok(response) => response,
                Err(source) => {
                    tracing::debug!(method = %call.method, path = %call.path, elapsed_ms, error = %source, "SMRT Link request failed");
                    return Err(ApiErrorKind::Transport {
                        kind: classify_transport(&source),
                        source,
                    }
                    .into());
                }
            };
            let status = response.status();
            tracing::debug!(method = %call.method, path = %call.path, status = status.as_u16(), elapsed_ms, "SMRT Link request");

            if status.is_success() {
                return Ok(response);
            }
            if status == StatusCode::UNAUTHORIZED
                && let (Some(gateway), Some(rejected)) = (&self.inner.gateway, &token)
            {
                let max_logins = gateway.max_logins_per_request();
                if logins >= max_logins {
                    return Err(ApiErrorKind::Auth(AuthFailure::UnauthorizedAfterRelogin {
                        user: gateway.user().to_string(),
                    })
                    .into());
                }
                logins += 1;
                token = Some(
                    gateway
                        .relogin_after_401(&self.inner.http, self.inner.timeout, rejected)
                        .await?,
                );
                continue;
            }
            return Err(status_failure(response).await);
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}{}", self.inner.base_url, self.inner.api_prefix, path)
    }
}

/// Reads an error response into a failure, with the server's message when there is one.
async fn status_failure(response: reqwest::Response) -> Failed {
    let status = response.status();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(parse_retry_after);
    // The body is only a hint; losing it to a broken connection still leaves the status.
    let body = response.bytes().await.unwrap_or_default();
    Failed {
        kind: ApiErrorKind::Status {
            status,
            message: error_message(&body),
        },
        retry_after,
    }
}

/// Returns the `message` of a server error body, or else the start of the body text.
pub(crate) fn error_message(body: &[u8]) -> Option<String> {
    if let Ok(error) = serde_json::from_slice::<ServerErrorBody>(body) {
        return Some(error.message);
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        // OAuth2 and WSO2 error bodies.
        for key in ["error_description", "description", "message", "error"] {
            if let Some(text) = value.get(key).and_then(serde_json::Value::as_str) {
                return Some(text.to_string());
            }
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        None
    } else {
        Some(snippet(text))
    }
}

/// Decodes a JSON body, reporting the start of the body when it does not match.
pub(crate) fn decode<T: DeserializeOwned>(call: &Call<'_>, body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|source| {
        let snippet = snippet(String::from_utf8_lossy(body).trim());
        ApiError::new(
            call.method.clone(),
            call.path.clone(),
            ApiErrorKind::Decode { source, snippet },
        )
    })
}

/// Returns at most the first 200 characters of `text`, on one line.
fn snippet(text: &str) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    match one_line.char_indices().nth(200) {
        Some((cut, _)) => format!("{}...", &one_line[..cut]),
        None => one_line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_message_prefers_server_error_body() {
        let body = br#"{"httpCode":404,"message":"Unable to find job 42","errorType":"Not Found"}"#;
        assert_eq!(
            error_message(body).as_deref(),
            Some("Unable to find job 42")
        );
        let oauth = br#"{"error":"invalid_grant","error_description":"Invalid user credentials"}"#;
        assert_eq!(
            error_message(oauth).as_deref(),
            Some("Invalid user credentials")
        );
        assert_eq!(
            error_message(b"  plain text  ").as_deref(),
            Some("plain text")
        );
        assert_eq!(error_message(b""), None);
    }

    #[test]
    fn snippet_is_bounded_and_single_line() {
        let long = "x".repeat(500);
        assert_eq!(snippet(&long).len(), 203);
        assert_eq!(snippet("a\nb"), "a b");
    }

    #[test]
    fn decode_error_carries_snippet() {
        let call = Call::get("/status");
        let error = decode::<crate::smrtlink::models::Status>(&call, b"<html>oops</html>")
            .expect_err("not json");
        assert_eq!(
            error.to_string(),
            "GET /status: unexpected response body (starts with `<html>oops</html>`)"
        );
    }
}
