//! The run: a coordinator that alone owns run state, workers that run steps, and one poller for
//! every server job in flight.

pub mod poller;
pub mod ratelimit;

pub mod context;
pub mod coordinator;
pub mod events;
pub mod interrupt;
pub mod server;
