//! slflow: run declarative plans against a PacBio SMRT Link server.
//!
//! The stages are Manifest (as written) -> RenderedManifest -> Plan (validated DAG) -> RunState
//! (runtime). `cli` parses arguments and dispatches to `commands`; everything else is reachable
//! from tests through this library.

pub mod cli;
pub mod commands;
pub mod dataset_xml;
pub mod exit;
pub mod logging;
pub mod manifest;
pub mod plan;
pub mod report;
pub mod run;
pub mod sim;
pub mod smrtlink;
pub mod state;
pub mod steps;
