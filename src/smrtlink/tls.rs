//! The HTTP client with the configured TLS trust and timeouts.

use std::sync::Once;

use super::config::ClientConfig;
use super::error::ApiError;

/// Builds the reqwest client: rustls with the built-in web PKI roots, plus the configured CA,
/// or no verification at all when `insecure` is set.
pub(crate) fn build_http_client(config: &ClientConfig) -> Result<reqwest::Client, ApiError> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .connect_timeout(config.connect_timeout)
        // Bounds each read, so a stalled download fails while a long one can finish.
        .read_timeout(config.timeout)
        .user_agent(concat!("slflow/", env!("CARGO_PKG_VERSION")));

    if let Some(path) = &config.tls.ca_cert {
        let pem = std::fs::read(path).map_err(|error| {
            ApiError::config(format!(
                "cannot read the CA certificate `{}` given with --ca-cert: {error}",
                path.display()
            ))
        })?;
        let certificates = reqwest::Certificate::from_pem_bundle(&pem).map_err(|error| {
            ApiError::config(format!(
                "the CA certificate `{}` is not valid PEM: {error}",
                path.display()
            ))
        })?;
        if certificates.is_empty() {
            return Err(ApiError::config(format!(
                "the CA certificate file `{}` contains no certificate; expected PEM \
                 (-----BEGIN CERTIFICATE-----)",
                path.display()
            )));
        }
        for certificate in certificates {
            builder = builder.add_root_certificate(certificate);
        }
    }

    if config.tls.insecure {
        warn_insecure_once(&config.base_url);
        builder = builder.danger_accept_invalid_certs(true);
    }

    builder
        .build()
        .map_err(|error| ApiError::config(format!("cannot set up the HTTP client: {error}")))
}

/// Warns on stderr, once per process, that certificates are not checked.
fn warn_insecure_once(base_url: &str) {
    static WARNED: Once = Once::new();
    WARNED.call_once(|| {
        tracing::warn!(
            server = base_url,
            "TLS certificate verification is disabled (--insecure): the connection is encrypted \
             but the server's identity is not checked"
        );
    });
}
