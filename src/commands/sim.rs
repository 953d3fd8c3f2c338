//! `slflow sim`: serve the SMRT Link simulator on `--listen` until Ctrl-C.

use crate::cli::{GlobalArgs, SimArgs};
use crate::exit::{CommandResult, Exit, Failure};
use crate::sim::{SimConfig, spawn};

pub fn run(_global: &GlobalArgs, args: SimArgs) -> CommandResult {
    let config = SimConfig::from_args(&args).map_err(|e| Failure::with_exit(Exit::Usage, e))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::internal(miette::miette!("cannot start the tokio runtime: {e}")))?;
    runtime.block_on(serve(config))
}

async fn serve(config: SimConfig) -> CommandResult {
    let listen = config.listen.clone();
    let handle = spawn(config)
        .await
        .map_err(|e| Failure::with_exit(Exit::Usage, e))?;
    let sim = handle.simulator();
    eprintln!("SMRT Link simulator listening on {}", handle.base_url());
    eprintln!("API base URL: {}", handle.api_url());
    if let Some(ca) = handle.ca_cert_path() {
        eprintln!("TLS CA certificate (use with --ca-cert): {}", ca.display());
    }
    if let Some(dir) = &sim.config().data_dir {
        eprintln!("Persisting the store in {}", dir.display());
    }
    tracing::info!(%listen, "simulator started");
    if let Err(e) = tokio::signal::ctrl_c().await {
        tracing::error!("waiting for Ctrl-C failed: {e}; stopping the simulator");
    }
    eprintln!("Stopping the simulator");
    handle.shutdown().await;
    Ok(Exit::Success)
}
