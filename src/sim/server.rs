//! Serving: the accept loop (plain TCP, later TLS), background spawning for tests, and the
//! persisted store of `--data-dir`.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::{Context, bail};
use axum::body::Body;
use axum::response::IntoResponse as _;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt as _;

use super::error::ApiError;
use super::faults::Fault;
use super::models::JobState;
use super::store::{STORE_FORMAT, Store};
use super::{SimConfig, Simulator, routes, tls};

/// A simulator serving in the background. Dropping it stops the server.
pub struct SimHandle {
    addr: SocketAddr,
    base_url: String,
    sim: Simulator,
    shutdown: Option<oneshot::Sender<()>>,
    join: Option<JoinHandle<()>>,
    ca_pem: Option<PathBuf>,
}

impl SimHandle {
    /// Returns the bound address, with the real port when the config requested port 0.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Returns `http://127.0.0.1:PORT` (or `https://` with TLS), without the gateway prefix.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Returns the URL that API paths are appended to: the base URL, plus `/SMRTLink/1.0.0`
    /// with the gateway.
    pub fn api_url(&self) -> String {
        if self.sim.config().gateway {
            format!("{}/SMRTLink/1.0.0", self.base_url)
        } else {
            self.base_url.clone()
        }
    }

    pub fn simulator(&self) -> &Simulator {
        &self.sim
    }

    /// Returns the PEM file of the CA that signed the TLS certificate, when serving HTTPS.
    pub fn ca_cert_path(&self) -> Option<&Path> {
        self.ca_pem.as_deref()
    }

    /// Stops accepting connections, closes open ones, stops the engine and saves the store.
    pub async fn shutdown(mut self) {
        self.stop_serving();
        if let Some(join) = self.join.take() {
            let _ = join.await;
        }
        self.sim.stop();
    }

    fn stop_serving(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.stop_serving();
        if let Some(join) = self.join.take() {
            join.abort();
        }
        self.sim.stop();
    }
}

/// Creates a simulator from `config`, binds `config.listen` and serves it in the background
/// on the current tokio runtime.
///
/// # Errors
/// Invalid settings, an address that cannot be bound, or a persisted store that cannot be
/// loaded.
pub async fn spawn(config: SimConfig) -> anyhow::Result<SimHandle> {
    let sim = Simulator::new(config)?;
    spawn_simulator(sim).await
}

/// Serves an existing simulator in the background.
///
/// # Errors
/// The address cannot be bound.
pub async fn spawn_simulator(sim: Simulator) -> anyhow::Result<SimHandle> {
    let listen = sim.config().listen.clone();
    let listener = TcpListener::bind(&listen).await.with_context(|| {
        format!("cannot listen on {listen}; choose another address with --listen")
    })?;
    let addr = listener
        .local_addr()
        .context("cannot read the bound address")?;
    let scheme = if sim.config().tls { "https" } else { "http" };
    let host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        addr.ip().to_string()
    };
    let base_url = if addr.is_ipv6() {
        format!("{scheme}://[{host}]:{}", addr.port())
    } else {
        format!("{scheme}://{host}:{}", addr.port())
    };
    let tls = if sim.config().tls {
        let extra = (!addr.ip().is_unspecified()).then(|| addr.ip().to_string());
        Some(tls::generate(sim.root(), extra.as_deref())?)
    } else {
        None
    };
    let ca_pem = tls.as_ref().map(|t| t.ca_pem.clone());
    sim.start();
    let (tx, rx) = oneshot::channel();
    let acceptor = tls.map(|t| t.acceptor);
    let join = tokio::spawn(serve(sim.clone(), listener, acceptor, async {
        let _ = rx.await;
    }));
    Ok(SimHandle {
        addr,
        base_url,
        sim,
        shutdown: Some(tx),
        join: Some(join),
        ca_pem,
    })
}

/// Accepts connections until `shutdown` completes, then closes the open ones. With an
/// acceptor, connections are TLS.
pub async fn serve(
    sim: Simulator,
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()>,
) {
    let router = routes::router(sim.clone());
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                tracing::warn!("accepting a connection failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let (sim, router, tls) = (sim.clone(), router.clone(), tls.clone());
        connections.spawn(async move {
            match tls {
                None => serve_connection(sim, router, stream, peer).await,
                Some(acceptor) => match acceptor.accept(stream).await {
                    Ok(stream) => serve_connection(sim, router, stream, peer).await,
                    Err(e) => tracing::debug!(%peer, "TLS handshake failed: {e}"),
                },
            }
        });
        // Reap finished connection tasks so the set does not grow without bound.
        while connections.try_join_next().is_some() {}
    }
    connections.shutdown().await;
}

/// Serves HTTP/1.1 on one connection, applying `--latency` and the seeded faults before
/// the router handles a request.
async fn serve_connection<S>(sim: Simulator, router: axum::Router, stream: S, peer: SocketAddr)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let (sim, router) = (sim.clone(), router.clone());
        async move {
            let latency = sim.config().latency;
            if !latency.is_zero() {
                tokio::time::sleep(latency).await;
            }
            match sim.inner.faults.draw(sim.config()) {
                Fault::None => {}
                Fault::Reset => {
                    tracing::debug!(path = req.uri().path(), "simulated connection reset");
                    // An error from the service makes hyper close the connection unanswered.
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::ConnectionReset,
                        "simulated connection reset",
                    ));
                }
                Fault::Error(status) => {
                    tracing::debug!(path = req.uri().path(), %status, "simulated server error");
                    let message = format!(
                        "Simulated server error for {} (--error-rate {}); retry the request",
                        req.uri().path(),
                        sim.config().error_rate
                    );
                    return Ok(ApiError::new(status, message).into_response());
                }
            }
            match router.oneshot(req.map(Body::new)).await {
                Ok(response) => Ok(response),
                Err(never) => match never {},
            }
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service);
    if let Err(e) = conn.await {
        tracing::debug!(%peer, "connection closed with an error: {e}");
    }
}

const STORE_FILE: &str = "store.json";

/// Loads the store persisted in `dir`, or a new one when there is none. Returns the ids of
/// jobs that were RUNNING, to resume.
///
/// # Errors
/// The file cannot be read or parsed, or has another format version.
pub(crate) fn load_store(dir: &Path, seed: u64) -> anyhow::Result<(Store, Vec<i64>)> {
    let path = dir.join(STORE_FILE);
    if !path.exists() {
        return Ok((Store::new(seed), Vec::new()));
    }
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read the simulator store {}", path.display()))?;
    let mut store: Store = serde_json::from_str(&text).with_context(|| {
        format!(
            "the simulator store {} is corrupt; move it away to start empty",
            path.display()
        )
    })?;
    if store.format != STORE_FORMAT {
        bail!(
            "the simulator store {} has format {} but this slflow reads format {STORE_FORMAT}; move it away to start empty",
            path.display(),
            store.format
        );
    }
    store.reindex();
    let resume = store
        .jobs
        .values()
        .filter(|r| r.job.state == JobState::Running)
        .map(|r| r.job.id)
        .collect();
    Ok((store, resume))
}

/// Saves the store atomically: a temporary file in the same directory, fsync, rename, fsync
/// of the directory.
///
/// # Errors
/// Any I/O failure, with the path.
pub(crate) fn save_store(sim: &Simulator, dir: &Path) -> anyhow::Result<()> {
    let _saving = sim.inner.saving.lock().unwrap_or_else(|e| e.into_inner());
    let text = {
        let store = sim.store();
        serde_json::to_vec(&*store).context("cannot serialize the simulator store")?
    };
    let path = dir.join(STORE_FILE);
    let tmp: PathBuf = dir.join(format!(".{STORE_FILE}.tmp"));
    let mut file =
        std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    file.write_all(&text)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    file.sync_all()
        .with_context(|| format!("cannot sync {}", tmp.display()))?;
    drop(file);
    std::fs::rename(&tmp, &path).with_context(|| format!("cannot replace {}", path.display()))?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Saves the store whenever it changed, checking every 200 ms.
pub(crate) fn start_persistence(sim: &Simulator) -> JoinHandle<()> {
    let sim = sim.clone();
    tokio::spawn(async move {
        let Some(dir) = sim.config().data_dir.clone() else {
            return;
        };
        let mut saved = u64::MAX;
        loop {
            let revision = sim.inner.revision.load(Ordering::SeqCst);
            if revision != saved {
                match save_store(&sim, &dir) {
                    Ok(()) => saved = revision,
                    Err(e) => tracing::error!("saving the simulator store failed: {e:#}"),
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
}
