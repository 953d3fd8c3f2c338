//! The typed SMRT Link client: construction here, the request machinery in `request`, and the
//! endpoints grouped by resource in the other files.

mod datasets;
mod datastore;
mod jobs;
mod pipelines;
mod projects;
pub(crate) mod request;
mod runs;
mod status;

use std::sync::Arc;
use std::time::Duration;

use super::auth::Gateway;
use super::config::{AuthConfig, ClientConfig, RetryPolicy};
use super::error::ApiError;

pub use datastore::Download;
pub use pipelines::full_pipeline_id;
pub use runs::{RunDesignSource, RunFilter};

/// An async SMRT Link client. Cloning is cheap: clones share one connection pool and, in gateway
/// mode, one token.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// Server root without trailing slash.
    base_url: String,
    /// Prepended to every API path: empty locally, e.g. `/SMRTLink/1.0.0` through the gateway.
    api_prefix: String,
    timeout: Duration,
    retry: RetryPolicy,
    gateway: Option<Gateway>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("api_prefix", &self.inner.api_prefix)
            .field("gateway", &self.inner.gateway.is_some())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Builds a client. Nothing is contacted yet; a gateway client logs in on its first call.
    ///
    /// Fails when the base URL is not an http(s) URL, or when the CA certificate cannot be read
    /// or parsed.
    pub fn new(config: ClientConfig) -> Result<Client, ApiError> {
        let base_url = config.base_url.trim_end_matches('/').to_string();
        let parsed = reqwest::Url::parse(&base_url).map_err(|error| {
            ApiError::config(format!(
                "server URL `{base_url}` is invalid ({error}); expected e.g. http://localhost:9091 \
                 or https://host:8243"
            ))
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ApiError::config(format!(
                "server URL `{base_url}` must start with http:// or https://"
            )));
        }

        let http = super::tls::build_http_client(&config)?;
        let (api_prefix, gateway) = match &config.auth {
            AuthConfig::None => (String::new(), None),
            AuthConfig::Gateway(gateway) => {
                let prefix = normalise_prefix(&gateway.api_prefix);
                (
                    prefix,
                    Some(Gateway::new(
                        gateway.clone(),
                        &base_url,
                        config.retry.clone(),
                    )),
                )
            }
        };

        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                api_prefix,
                timeout: config.timeout,
                retry: config.retry,
                gateway,
            }),
        })
    }

    /// Returns the server root this client talks to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }
}

/// Turns `SMRTLink/1.0.0/` into `/SMRTLink/1.0.0`; an empty prefix stays empty.
fn normalise_prefix(prefix: &str) -> String {
    let trimmed = prefix.trim_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("/{trimmed}")
    }
}

/// Percent-encodes one path segment: a job type, pipeline id or other caller-supplied text.
pub(crate) fn segment(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_encodes_reserved_characters() {
        assert_eq!(
            segment("cromwell.workflows.pb_sat"),
            "cromwell.workflows.pb_sat"
        );
        assert_eq!(segment("a/b c?"), "a%2Fb%20c%3F");
    }

    #[test]
    fn prefix_normalisation() {
        assert_eq!(normalise_prefix("SMRTLink/1.0.0/"), "/SMRTLink/1.0.0");
        assert_eq!(normalise_prefix("/SMRTLink/2.0.0"), "/SMRTLink/2.0.0");
        assert_eq!(normalise_prefix(""), "");
    }

    #[test]
    fn new_rejects_bad_urls_with_value() {
        let error = Client::new(ClientConfig::local("localhost:9091")).expect_err("no scheme");
        assert!(error.to_string().contains("localhost:9091"), "{error}");
        let error = Client::new(ClientConfig::local("ftp://localhost")).expect_err("wrong scheme");
        assert!(error.to_string().contains("http://"), "{error}");
        assert!(Client::new(ClientConfig::local("http://127.0.0.1:9091/")).is_ok());
    }
}
