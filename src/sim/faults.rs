//! Seeded fault injection: 5xx errors before the handler runs and dropped connections, at the
//! rates of `--error-rate` and `--reset-rate`. Faults apply to every request, `/token`
//! included, because a real gateway fails there too and clients must retry their login.

use std::sync::Mutex;

use axum::http::StatusCode;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::SimConfig;
use super::lock;

/// The fault drawn for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    None,
    /// A response with this 5xx status and an error body, sent without running the handler.
    Error(StatusCode),
    /// Close the connection without a response.
    Reset,
}

const ERROR_STATUSES: [StatusCode; 3] = [
    StatusCode::INTERNAL_SERVER_ERROR,
    StatusCode::BAD_GATEWAY,
    StatusCode::SERVICE_UNAVAILABLE,
];

/// The random source behind faults, seeded from `--seed` so a run can be repeated (the order
/// of concurrent requests still decides which request draws which number).
pub(crate) struct Faults {
    rng: Mutex<ChaCha8Rng>,
}

impl Faults {
    pub fn new(seed: u64) -> Faults {
        // A different stream from the UUID generator, which hashes the same seed.
        Faults {
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_fa17)),
        }
    }

    /// Draws the fault for the next request.
    pub fn draw(&self, config: &SimConfig) -> Fault {
        if config.reset_rate <= 0.0 && config.error_rate <= 0.0 {
            return Fault::None;
        }
        let mut rng = lock(&self.rng);
        let roll: f64 = rng.random();
        if roll < config.reset_rate {
            return Fault::Reset;
        }
        if roll < config.reset_rate + config.error_rate {
            return Fault::Error(ERROR_STATUSES[rng.random_range(0..ERROR_STATUSES.len())]);
        }
        Fault::None
    }
}
