//! Gateway authentication: password grant, refresh ahead of expiry, and re-login on 401.
//!
//! One mutex guards the token and stays locked while a login or refresh is in flight. Concurrent
//! requests therefore wait for that one exchange instead of starting their own, because the
//! SMRT Link 12 API guide warns that concurrent refreshes of one token race.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde::Deserialize;
use tokio::sync::Mutex;

use super::client::request::{Failed, error_message};
use super::config::{GatewayConfig, RetryPolicy, Secret};
use super::error::{ApiErrorKind, AuthFailure, classify_transport};
use super::retry::{Safety, Verdict, verdict};

/// OAuth client id and secret that every SMRT Link 12 gateway accepts; they are public and the
/// same on every installation.
const CLIENT_ID: &str = "KMLz5g7fbmx8RVFKKdu0NOrJic4a";
const CLIENT_SECRET: &str = "6NjRXBcFfLZOwHc0Xlidiz4ywcsa";

/// Lifetime assumed when the token response has no `expires_in`.
// NOTE: a guess; every gateway observed so far sends `expires_in`.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);

/// Token state shared by all clones of one client.
pub(crate) struct Gateway {
    config: GatewayConfig,
    token_url: String,
    retry: RetryPolicy,
    token: Mutex<Option<Token>>,
}

struct Token {
    access: Secret,
    refresh: Option<Secret>,
    /// When to refresh: `expires_in` minus the safety margin.
    refresh_at: Instant,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: Option<String>,
    refresh_token: Option<String>,
    expires_in: Option<u64>,
}

/// Which grant a token request uses.
enum Grant<'a> {
    Password,
    Refresh(&'a Secret),
}

impl Gateway {
    pub(crate) fn new(config: GatewayConfig, base_url: &str, retry: RetryPolicy) -> Self {
        Gateway {
            config,
            token_url: format!("{base_url}/token"),
            retry,
            token: Mutex::new(None),
        }
    }

    pub(crate) fn user(&self) -> &str {
        &self.config.credentials.user
    }

    pub(crate) fn max_logins_per_request(&self) -> u32 {
        self.config.max_logins_per_request
    }

    /// Returns a token valid for a while: the cached one, a refreshed one when it is close to
    /// expiry, or one from a password login when there is none or the refresh failed.
    pub(crate) async fn bearer(
        &self,
        http: &reqwest::Client,
        timeout: Duration,
    ) -> Result<Secret, Failed> {
        let mut slot = self.token.lock().await;
        if let Some(token) = slot.as_ref() {
            if Instant::now() < token.refresh_at {
                return Ok(token.access.clone());
            }
            if let Some(refresh) = token.refresh.clone() {
                match self
                    .request_token(http, timeout, Grant::Refresh(&refresh))
                    .await
                {
                    Ok(fresh) => {
                        tracing::debug!(user = self.user(), "gateway token refreshed");
                        let access = fresh.access.clone();
                        *slot = Some(fresh);
                        return Ok(access);
                    }
                    Err(refresh_error) => {
                        tracing::info!(user = self.user(), error = %refresh_error.kind, "gateway token refresh failed; logging in again with the password");
                        let fresh = self
                            .request_token(http, timeout, Grant::Password)
                            .await
                            .map_err(|relogin| {
                                Failed::from(ApiErrorKind::Auth(
                                    AuthFailure::RefreshAndReloginFailed {
                                        refresh: refresh_error.kind.to_string(),
                                        relogin: relogin.kind.to_string(),
                                    },
                                ))
                            })?;
                        let access = fresh.access.clone();
                        *slot = Some(fresh);
                        return Ok(access);
                    }
                }
            }
        }
        let fresh = self.request_token(http, timeout, Grant::Password).await?;
        let access = fresh.access.clone();
        *slot = Some(fresh);
        Ok(access)
    }

    /// Logs in with the password after the API rejected `rejected`, unless another request
    /// already replaced that token, in which case the newer token is returned.
    pub(crate) async fn relogin_after_401(
        &self,
        http: &reqwest::Client,
        timeout: Duration,
        rejected: &Secret,
    ) -> Result<Secret, Failed> {
        let mut slot = self.token.lock().await;
        if let Some(token) = slot.as_ref()
            && token.access != *rejected
        {
            return Ok(token.access.clone());
        }
        tracing::info!(
            user = self.user(),
            "gateway answered 401; logging in again with the password"
        );
        let fresh = self.request_token(http, timeout, Grant::Password).await?;
        let access = fresh.access.clone();
        *slot = Some(fresh);
        Ok(access)
    }

    /// POSTs one grant to `/token`, retrying transient failures (nothing has reached the API
    /// yet, so retrying is safe).
    async fn request_token(
        &self,
        http: &reqwest::Client,
        timeout: Duration,
        grant: Grant<'_>,
    ) -> Result<Token, Failed> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            match self.request_token_once(http, timeout, &grant).await {
                Ok(token) => return Ok(token),
                Err(failed) => {
                    let retry = verdict(Safety::Idempotent, &failed.kind) == Verdict::Retry;
                    if !retry || attempts >= self.retry.max_attempts.max(1) {
                        return Err(failed);
                    }
                    tokio::time::sleep(self.retry.delay(attempts, failed.retry_after)).await;
                }
            }
        }
    }

    async fn request_token_once(
        &self,
        http: &reqwest::Client,
        timeout: Duration,
        grant: &Grant<'_>,
    ) -> Result<Token, Failed> {
        let credentials = &self.config.credentials;
        let form: Vec<(&str, &str)> = match grant {
            Grant::Password => vec![
                ("grant_type", "password"),
                ("username", credentials.user.as_str()),
                ("password", credentials.password.expose()),
                ("scope", self.config.scope.as_str()),
            ],
            Grant::Refresh(refresh) => vec![
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh.expose()),
            ],
        };
        let started = Instant::now();
        let result = http
            .request(Method::POST, &self.token_url)
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .form(&form)
            .timeout(timeout)
            .send()
            .await;
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let response = result.map_err(|source| {
            Failed::from(ApiErrorKind::Transport {
                kind: classify_transport(&source),
                source,
            })
        })?;
        let status = response.status();
        // Only method, path and status are logged: the form and the response hold secrets.
        tracing::debug!(
            method = "POST",
            path = "/token",
            status = status.as_u16(),
            elapsed_ms,
            "SMRT Link request"
        );
        let body = response.bytes().await.map_err(|source| {
            Failed::from(ApiErrorKind::Transport {
                kind: classify_transport(&source),
                source,
            })
        })?;

        if !status.is_success() {
            let message = error_message(&body);
            if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
                return Err(ApiErrorKind::Status { status, message }.into());
            }
            return Err(match grant {
                Grant::Password => ApiErrorKind::Auth(AuthFailure::LoginRejected {
                    user: credentials.user.clone(),
                    status,
                    message,
                }),
                Grant::Refresh(_) => ApiErrorKind::Status { status, message },
            }
            .into());
        }
        self.parse_token(&body)
    }

    fn parse_token(&self, body: &[u8]) -> Result<Token, Failed> {
        let invalid = |message: String| {
            Failed::from(ApiErrorKind::Auth(AuthFailure::InvalidTokenResponse {
                message,
            }))
        };
        let response: TokenResponse = serde_json::from_slice(body)
            .map_err(|error| invalid(format!("the body is not a token response ({error})")))?;
        let access = response
            .access_token
            .filter(|token| !token.is_empty())
            .ok_or_else(|| invalid("no access_token in the response".to_string()))?;
        let lifetime = response
            .expires_in
            .map_or(DEFAULT_LIFETIME, Duration::from_secs);
        Ok(Token {
            access: Secret::new(access),
            refresh: response
                .refresh_token
                .filter(|token| !token.is_empty())
                .map(Secret::new),
            refresh_at: Instant::now() + lifetime.saturating_sub(self.refresh_margin(lifetime)),
        })
    }

    /// Returns how long before expiry to refresh: the configured fraction of the lifetime, at
    /// least the configured minimum, but never more than half the lifetime, so a short-lived
    /// token is still used for a while before it is refreshed.
    fn refresh_margin(&self, lifetime: Duration) -> Duration {
        let fraction = lifetime.mul_f64(self.config.refresh_fraction.clamp(0.0, 1.0));
        fraction
            .max(self.config.min_refresh_margin)
            .min(lifetime / 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smrtlink::config::Credentials;

    fn gateway() -> Gateway {
        Gateway::new(
            GatewayConfig::new(Credentials::new("alice", "pw")),
            "https://h:8243",
            RetryPolicy::default(),
        )
    }

    #[test]
    fn refresh_margin_bounds() {
        let gateway = gateway();
        // 10% of 2 h is 12 min, above the 60 s minimum.
        assert_eq!(
            gateway.refresh_margin(Duration::from_secs(7200)),
            Duration::from_secs(720)
        );
        // 10% of 300 s is 30 s, so the 60 s minimum applies.
        assert_eq!(
            gateway.refresh_margin(Duration::from_secs(300)),
            Duration::from_secs(60)
        );
        // A 4 s token is refreshed after half its life, not at once.
        assert_eq!(
            gateway.refresh_margin(Duration::from_secs(4)),
            Duration::from_secs(2)
        );
    }

    #[test]
    fn token_response_parsing() {
        let gateway = gateway();
        let token = gateway
            .parse_token(br#"{"access_token":"a","refresh_token":"r","expires_in":6272,"token_type":"Bearer"}"#)
            .map_err(|failed| failed.kind.to_string())
            .expect("valid token");
        assert_eq!(token.access.expose(), "a");
        assert_eq!(token.refresh.as_ref().map(Secret::expose), Some("r"));
        let missing = gateway
            .parse_token(br#"{"error":"x"}"#)
            .err()
            .map(|failed| failed.kind.to_string());
        assert!(missing.is_some_and(|text| text.contains("no access_token")));
    }

    #[test]
    fn basic_credentials_match_the_documented_header() {
        use base64::Engine;
        let encoded = base64::engine::general_purpose::STANDARD
            .encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
        assert_eq!(
            encoded,
            "S01MejVnN2ZibXg4UlZGS0tkdTBOT3JKaWM0YTo2TmpSWEJjRmZMWk93SGMwWGxpZGl6NHl3Y3Nh"
        );
    }
}
