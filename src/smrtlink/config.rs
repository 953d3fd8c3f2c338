//! Client configuration: where the server is, how to authenticate, TLS, timeouts and retries.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Everything [`crate::smrtlink::Client::new`] needs.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Server root without any API prefix, e.g. `http://localhost:9091` or `https://host:8243`.
    pub base_url: String,
    pub auth: AuthConfig,
    pub tls: TlsConfig,
    /// Limit for one request, from sending it to reading the whole JSON response. Downloads are
    /// bounded per read instead, so a large file is not cut off.
    pub timeout: Duration,
    /// Limit for opening a TCP (and TLS) connection.
    pub connect_timeout: Duration,
    pub retry: RetryPolicy,
}

impl ClientConfig {
    /// Configures a client for the unauthenticated localhost services port.
    pub fn local(base_url: impl Into<String>) -> Self {
        ClientConfig {
            base_url: base_url.into(),
            auth: AuthConfig::None,
            tls: TlsConfig::default(),
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
        }
    }

    /// Configures a client for the API gateway with a password login.
    pub fn gateway(base_url: impl Into<String>, credentials: Credentials) -> Self {
        ClientConfig {
            auth: AuthConfig::Gateway(GatewayConfig::new(credentials)),
            ..ClientConfig::local(base_url)
        }
    }

    /// Returns whether a URL looks like the gateway: HTTPS on port 8243.
    pub fn is_gateway_url(url: &str) -> bool {
        reqwest::Url::parse(url)
            .map(|url| url.scheme() == "https" && url.port_or_known_default() == Some(8243))
            .unwrap_or(false)
    }
}

/// How the client authenticates.
#[derive(Debug, Clone)]
pub enum AuthConfig {
    /// No authentication: the localhost services port.
    None,
    /// The API gateway: password grant at `/token`, bearer tokens and an API prefix.
    Gateway(GatewayConfig),
}

/// Gateway login settings.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    pub credentials: Credentials,
    /// Prefix of every API path: `/SMRTLink/1.0.0` (SMRT Link 12) or `/SMRTLink/2.0.0` (13).
    pub api_prefix: String,
    /// Space-separated OAuth scopes sent with the password grant.
    pub scope: String,
    /// How long before `expires_in` runs out the token is refreshed: this fraction of the
    /// lifetime, but at least `min_refresh_margin`.
    pub refresh_fraction: f64,
    pub min_refresh_margin: Duration,
    /// Password logins tried for one request before the 401 is reported.
    pub max_logins_per_request: u32,
}

impl GatewayConfig {
    /// Scopes the SMRT Link 12 gateway grants to API clients.
    pub const DEFAULT_SCOPE: &'static str =
        "welcome run-design run-qc openid analysis sample-setup data-management userinfo";

    /// Builds gateway settings with the SMRT Link 12 prefix and scopes.
    pub fn new(credentials: Credentials) -> Self {
        GatewayConfig {
            credentials,
            api_prefix: "/SMRTLink/1.0.0".to_string(),
            scope: GatewayConfig::DEFAULT_SCOPE.to_string(),
            refresh_fraction: 0.1,
            min_refresh_margin: Duration::from_secs(60),
            max_logins_per_request: 1,
        }
    }
}

/// TLS verification settings.
#[derive(Debug, Clone, Default)]
pub struct TlsConfig {
    /// Skip certificate verification entirely; the client logs a warning once.
    pub insecure: bool,
    /// A PEM file with one or more CA certificates to trust besides the built-in roots.
    pub ca_cert: Option<PathBuf>,
}

/// How transient failures are retried.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Total attempts per call, the first one included; 1 disables retries.
    pub max_attempts: u32,
    /// Delay before the second attempt; it doubles on each later attempt.
    pub initial_delay: Duration,
    /// Upper bound of the doubled delay.
    pub max_delay: Duration,
    /// Upper bound of a server's `Retry-After`.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            initial_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

/// A gateway user name and password. Debug and Display show the user only.
#[derive(Clone)]
pub struct Credentials {
    pub user: String,
    pub password: Secret,
}

impl Credentials {
    /// Pairs a user name with a password.
    pub fn new(user: impl Into<String>, password: impl Into<String>) -> Self {
        Credentials {
            user: user.into(),
            password: Secret::new(password),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("password", &self.password)
            .finish()
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.user)
    }
}

/// A password or token. It has no Display, and Debug prints `***`, so it cannot reach a log
/// or a report by accident; [`Secret::expose`] is the one way to read it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// Returns the secret text, for putting it on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"***\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_print_password() {
        let credentials = Credentials::new("alice", "hunter2-secret");
        let debug = format!("{credentials:?}");
        let display = credentials.to_string();
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("alice"), "{debug}");
        assert_eq!(display, "alice");
        let config = ClientConfig::gateway("https://h:8243", credentials);
        assert!(!format!("{config:?}").contains("hunter2"));
    }

    #[test]
    fn gateway_url_detection() {
        assert!(ClientConfig::is_gateway_url(
            "https://smrtlink.example:8243"
        ));
        assert!(!ClientConfig::is_gateway_url("http://localhost:9091"));
        assert!(!ClientConfig::is_gateway_url("https://smrtlink.example"));
        assert!(!ClientConfig::is_gateway_url("not a url"));
    }
}
