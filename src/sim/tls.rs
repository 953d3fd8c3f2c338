//! `--tls`: a CA and a server certificate for localhost generated at start. The CA is written
//! as PEM so that clients can trust it (`--ca-cert`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{self, pki_types::PrivateKeyDer};

/// A TLS acceptor and the path of the CA certificate that signed its certificate.
pub(crate) struct TlsSetup {
    pub acceptor: TlsAcceptor,
    pub ca_pem: PathBuf,
}

/// Generates the CA and the server certificate (names: localhost, 127.0.0.1, ::1, this host
/// and `extra_name`), writes `ca.pem` in `dir` and builds the acceptor.
///
/// # Errors
/// Key or certificate generation fails, or `ca.pem` cannot be written.
pub(crate) fn generate(dir: &Path, extra_name: Option<&str>) -> anyhow::Result<TlsSetup> {
    let ca_key = KeyPair::generate().context("cannot generate the CA key")?;
    let mut ca_params =
        CertificateParams::new(Vec::<String>::new()).context("invalid CA parameters")?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "slflow SMRT Link simulator CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params
        .self_signed(&ca_key)
        .context("cannot sign the CA certificate")?;
    let issuer = Issuer::new(ca_params, ca_key);

    let mut names = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    if let Ok(host) = gethostname::gethostname().into_string() {
        names.push(host);
    }
    names.extend(extra_name.map(str::to_string));
    names.sort();
    names.dedup();
    let server_key = KeyPair::generate().context("cannot generate the server key")?;
    let mut params = CertificateParams::new(names).context("invalid server certificate names")?;
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_cert = params
        .signed_by(&server_key, &issuer)
        .context("cannot sign the server certificate")?;

    let ca_pem = dir.join("ca.pem");
    std::fs::write(&ca_pem, ca_cert.pem())
        .with_context(|| format!("cannot write the CA certificate to {}", ca_pem.display()))?;

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("cannot select TLS versions")?
        .with_no_client_auth()
        .with_single_cert(
            vec![server_cert.der().clone(), ca_cert.der().clone()],
            PrivateKeyDer::Pkcs8(server_key.serialize_der().into()),
        )
        .context("cannot build the TLS server configuration")?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsSetup {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        ca_pem,
    })
}
