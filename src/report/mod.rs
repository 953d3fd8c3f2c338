//! Reporters fed by run events, and writers of report files from saved state.

pub mod lines;
pub mod progress;
