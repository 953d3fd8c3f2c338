//! Typed SMRT Link client: models, endpoints, auth (local and gateway), TLS and retries.
//!
//! [`Client`] has one async method per endpoint slflow uses. Failures are [`ApiError`]s that
//! name the method, path and status. Transient failures are retried as the table in [`retry`]
//! shows. A job POST given a [`JobTag`] is looked up by that tag before it is sent again, so a
//! lost response does not create a second job.

mod auth;
mod client;
mod config;
mod error;
mod ids;
pub mod models;
pub mod retry;
mod search;
mod tag;
mod tls;

pub use client::{Client, Download, RunDesignSource, RunFilter, full_pipeline_id};
pub use config::{
    AuthConfig, ClientConfig, Credentials, GatewayConfig, RetryPolicy, Secret, TlsConfig,
};
pub use error::{ApiError, ApiErrorKind, AuthFailure, TransportKind};
pub use ids::{IdOrUuid, InvalidId};
pub use models::{DatasetType, EngineJob, JobState};
pub use search::SearchCriteria;
pub use tag::{InvalidJobTag, JobTag};
