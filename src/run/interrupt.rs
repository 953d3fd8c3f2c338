//! Ctrl-C and SIGTERM: the first one stops scheduling and lets the coordinator save state and
//! detach; a second one exits at once.

use tokio::sync::watch;

/// Tells the run that the user asked it to stop.
#[derive(Clone)]
pub struct Interrupt {
    rx: watch::Receiver<bool>,
}

impl Interrupt {
    /// Returns an interrupt that never fires (for tests and embedding).
    pub fn never() -> (watch::Sender<bool>, Interrupt) {
        let (tx, rx) = watch::channel(false);
        (tx, Interrupt { rx })
    }

    /// Listens for Ctrl-C and SIGTERM on the current runtime; `cancel_jobs` only changes what
    /// the first interrupt announces.
    pub fn from_signals(cancel_jobs: bool) -> Interrupt {
        let (tx, rx) = watch::channel(false);
        tokio::spawn(async move {
            let mut count = 0;
            loop {
                wait_for_signal().await;
                count += 1;
                if count == 1 {
                    let action = if cancel_jobs {
                        "terminating the jobs in flight"
                    } else {
                        "leaving the jobs in flight running"
                    };
                    eprintln!(
                        "interrupt received: saving state and {action} (press Ctrl-C again to \
                         quit at once)"
                    );
                    let _ = tx.send(true);
                } else {
                    eprintln!("second interrupt: exiting without waiting");
                    std::process::exit(130);
                }
            }
        });
        Interrupt { rx }
    }

    /// Returns whether an interrupt has arrived.
    pub fn is_set(&self) -> bool {
        *self.rx.borrow()
    }

    /// Waits until an interrupt arrives.
    pub async fn wait(&mut self) {
        while !*self.rx.borrow_and_update() {
            if self.rx.changed().await.is_err() {
                // The sender is gone: no interrupt can arrive any more.
                std::future::pending::<()>().await;
            }
        }
    }
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
