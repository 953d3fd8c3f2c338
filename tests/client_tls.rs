//! TLS trust: a self-signed server certificate is rejected by default with a message naming
//! the fix, and accepted with `ca_cert` or `insecure`. The server is a minimal HTTPS responder
//! on 127.0.0.1 using the certificates in `tests/fixtures/client-tls`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use slflow::smrtlink::{ApiErrorKind, Client, ClientConfig, RetryPolicy, TransportKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

fn tls_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/client-tls")
        .join(name)
}

/// Serves `GET /status` over HTTPS with the self-signed fixture certificate; returns the base
/// URL (`https://127.0.0.1:PORT`).
async fn serve_https() -> String {
    let certificates: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(tls_fixture("server.crt"))
            .expect("certificate file readable")
            .collect::<Result<_, _>>()
            .expect("certificate PEM parses");
    let key = PrivateKeyDer::from_pem_file(tls_fixture("server.key")).expect("key PEM parses");
    let config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certificates, key)
        .expect("server TLS config");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let address = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that rejects the certificate ends the handshake here.
                let Ok(mut stream) = acceptor.accept(socket).await else {
                    return;
                };
                let mut buffer = [0u8; 4096];
                let _ = stream.read(&mut buffer).await;
                let body = r#"{"id":"smrtlink_analysis","uuid":"5e6b7c1a-1d2f-4c3b-9a8e-0123456789ab","version":"12.0.0","uptime":1,"message":"up"}"#;
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    format!("https://127.0.0.1:{}", address.port())
}

fn config(base_url: &str) -> ClientConfig {
    let mut config = ClientConfig::local(base_url);
    config.retry = RetryPolicy {
        max_attempts: 3,
        initial_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(40),
        max_retry_after: Duration::from_secs(1),
    };
    config
}

#[tokio::test]
async fn self_signed_rejected_by_default() {
    let base_url = serve_https().await;
    let client = Client::new(config(&base_url)).expect("client builds");

    let error = client.status().await.expect_err("certificate not trusted");

    assert!(
        matches!(
            error.kind(),
            ApiErrorKind::Transport {
                kind: TransportKind::UntrustedCertificate,
                ..
            }
        ),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(text.contains("--ca-cert"), "{text}");
    assert!(text.contains("--insecure"), "{text}");
    assert!(!error.is_transient());
    assert_eq!(
        error.attempts(),
        1,
        "a certificate rejection is not retried"
    );
}

#[tokio::test]
async fn self_signed_accepted_with_ca_cert() {
    let base_url = serve_https().await;
    let mut config = config(&base_url);
    config.tls.ca_cert = Some(tls_fixture("server.crt"));
    let client = Client::new(config).expect("client builds");

    let status = client.status().await.expect("trusted through the CA file");

    assert_eq!(status.version, "12.0.0");
}

#[tokio::test]
async fn unrelated_ca_cert_still_rejected() {
    let base_url = serve_https().await;
    let mut config = config(&base_url);
    config.tls.ca_cert = Some(tls_fixture("other.crt"));
    let client = Client::new(config).expect("client builds");

    let error = client.status().await.expect_err("wrong CA");

    assert!(
        matches!(
            error.kind(),
            ApiErrorKind::Transport {
                kind: TransportKind::UntrustedCertificate,
                ..
            }
        ),
        "{error:?}"
    );
}

/// Collects what tracing writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// This is the only test in this file that builds an insecure client, so the once-per-process
// warning is emitted here.
#[tokio::test]
async fn insecure_accepts_and_warns() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let base_url = serve_https().await;
    let mut config = config(&base_url);
    config.tls.insecure = true;

    let client = Client::new(config).expect("client builds");
    let status = client.status().await.expect("verification skipped");

    assert_eq!(status.id, "smrtlink_analysis");
    let logs = String::from_utf8_lossy(&captured.0.lock().expect("lock")).to_string();
    assert!(logs.contains("WARN"), "{logs}");
    assert!(logs.contains("--insecure"), "{logs}");
}

#[test]
fn unreadable_ca_cert_is_config_error() {
    let mut config = config("https://127.0.0.1:8243");
    config.tls.ca_cert = Some(PathBuf::from("/no/such/ca.pem"));

    let error = Client::new(config).expect_err("missing file");

    assert!(matches!(error.kind(), ApiErrorKind::Config { .. }));
    let text = error.to_string();
    assert!(text.contains("/no/such/ca.pem"), "{text}");
    assert!(text.contains("--ca-cert"), "{text}");
}

#[test]
fn non_pem_ca_cert_is_config_error() {
    let mut config = config("https://127.0.0.1:8243");
    config.tls.ca_cert = Some(tls_fixture("README.md"));

    let error = Client::new(config).expect_err("not PEM");

    assert!(error.to_string().contains("README.md"), "{error}");
}
