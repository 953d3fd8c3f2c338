//! Connection setup for a run: a server given by URL (local or gateway auth), or the embedded
//! simulator started by `--sim`.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};

use crate::cli::{AuthMode, ServerArgs};
use crate::run::coordinator::RunServer;
use crate::sim::{SimConfig, SimHandle};
use crate::smrtlink::Client;
use crate::smrtlink::{ClientConfig, Credentials, TlsConfig};

/// Speed of the simulator that `--sim` starts, so that the SAT example finishes in seconds.
/// `SLFLOW_SIM_SPEED` overrides it.
pub const SIM_SPEED: f64 = 60.0;

/// A connected server, and the simulator behind it when `--sim` started one.
pub struct Connection {
    pub server: RunServer,
    /// Keeps the embedded simulator running for the length of the run.
    pub simulator: Option<SimHandle>,
}

/// Error that prevented setting up a connection.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The command line or environment is incomplete (exit 2).
    #[error("{0}")]
    Usage(String),
    /// Something failed at run time (exit 3).
    #[error(transparent)]
    Runtime(#[from] anyhow::Error),
}

/// Returns the data directory of the embedded simulator for a state file: beside the state, so
/// that a second `--sim` run finds the jobs and datasets of the first and resumes.
pub fn sim_data_dir(state_path: &Path) -> PathBuf {
    let stem = state_path
        .file_name()
        .and_then(|n| n.to_str())
        .map_or("slflow", |n| n.trim_end_matches(".state.json"))
        .to_string();
    state_path.with_file_name(format!("{stem}.sim"))
}

/// Connects to the server named on the command line, the environment or the manifest, or
/// starts the simulator for `--sim`.
pub async fn connect(
    args: &ServerArgs,
    manifest_url: Option<&str>,
    state_path: &Path,
) -> Result<Connection, ConnectError> {
    if args.sim {
        return start_simulator(state_path)
            .await
            .map_err(ConnectError::Runtime);
    }
    let from_env = std::env::var("SLFLOW_SERVER")
        .ok()
        .filter(|s| !s.trim().is_empty());
    let url = args
        .server
        .clone()
        .or(from_env)
        .or_else(|| manifest_url.map(str::to_string))
        .ok_or_else(|| {
            ConnectError::Usage(
                "no server given: pass --server URL, set SLFLOW_SERVER, set [server].url in the \
                 manifest, or try the manifest on the simulator with --sim"
                    .into(),
            )
        })?;
    let url = url.trim_end_matches('/').to_string();
    let auth = args.auth.unwrap_or(if ClientConfig::is_gateway_url(&url) {
        AuthMode::Gateway
    } else {
        AuthMode::Local
    });
    let mut config = match auth {
        AuthMode::Local => ClientConfig::local(url.clone()),
        AuthMode::Gateway => {
            let user = args.user.clone().ok_or_else(|| {
                ConnectError::Usage(
                    "the gateway needs a user: pass --user NAME (or set SLFLOW_USER) and the \
                     password in SLFLOW_PASSWORD or on standard input with --password-stdin"
                        .into(),
                )
            })?;
            let password = read_password(args.password_stdin)?;
            ClientConfig::gateway(url.clone(), Credentials::new(user, password))
        }
    };
    config.tls = TlsConfig {
        insecure: args.insecure,
        ca_cert: args.ca_cert.clone(),
    };
    let client = Client::new(config).context("setting up the SMRT Link client")?;
    let identity = crate::state::redact_url(&url);
    check_reachable(&client, &identity).await?;
    Ok(Connection {
        server: RunServer {
            client,
            identity: identity.clone(),
            display: identity,
            simulated: false,
        },
        simulator: None,
    })
}

/// Fails fast, with one clear message, when the server cannot be reached, rejects the login,
/// or does not return SMRT Link's status record from `/status`.
async fn check_reachable(client: &Client, url: &str) -> Result<(), ConnectError> {
    match client.status().await {
        Ok(_) => Ok(()),
        Err(error) if error.is_transport() => Err(ConnectError::Runtime(anyhow!(
            "cannot reach the SMRT Link server at {url}: {error}"
        ))),
        Err(error) if matches!(error.kind(), crate::smrtlink::ApiErrorKind::Decode { .. }) => {
            Err(ConnectError::Runtime(anyhow!(
                "{url} does not look like a SMRT Link server: its /status is not the SMRT Link \
                 status record ({error})"
            )))
        }
        Err(error) => Err(ConnectError::Runtime(
            anyhow::Error::new(error).context(format!("checking the SMRT Link server at {url}")),
        )),
    }
}

fn read_password(from_stdin: bool) -> Result<String, ConnectError> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|e| {
            ConnectError::Usage(format!("cannot read the password from standard input: {e}"))
        })?;
        let password = line.trim_end_matches(['\r', '\n']).to_string();
        if password.is_empty() {
            return Err(ConnectError::Usage(
                "--password-stdin: standard input held no password".into(),
            ));
        }
        return Ok(password);
    }
    match std::env::var("SLFLOW_PASSWORD") {
        Ok(password) if !password.is_empty() => Ok(password),
        _ => Err(ConnectError::Usage(
            "the gateway needs a password: set SLFLOW_PASSWORD or pass --password-stdin \
             (a password is never taken from an argument, where other users could see it)"
                .into(),
        )),
    }
}

async fn start_simulator(state_path: &Path) -> anyhow::Result<Connection> {
    let data_dir = sim_data_dir(state_path);
    let data_dir = std::path::absolute(&data_dir).unwrap_or(data_dir);
    std::fs::create_dir_all(&data_dir).with_context(|| {
        format!(
            "creating the simulator's data directory {}",
            data_dir.display()
        )
    })?;
    let speed = match std::env::var("SLFLOW_SIM_SPEED") {
        Ok(text) => text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s > 0.0)
            .ok_or_else(|| anyhow!("SLFLOW_SIM_SPEED `{text}` is not a positive number"))?,
        Err(_) => SIM_SPEED,
    };
    let config = SimConfig {
        listen: "127.0.0.1:0".into(),
        speed,
        data_dir: Some(data_dir.clone()),
        ..SimConfig::default()
    };
    let handle = crate::sim::spawn(config)
        .await
        .context("starting the simulator")?;
    let client = Client::new(ClientConfig::local(handle.base_url().to_string()))
        .context("setting up the client for the simulator")?;
    if !handle.base_url().starts_with("http://127.0.0.1:") {
        bail!(
            "the simulator must listen on 127.0.0.1, not {}",
            handle.base_url()
        );
    }
    // The port changes from run to run; the data directory belongs to this state file.
    let identity = "slflow-simulator".to_string();
    Ok(Connection {
        server: RunServer {
            client,
            identity,
            display: handle.base_url().to_string(),
            simulated: true,
        },
        simulator: Some(handle),
    })
}
