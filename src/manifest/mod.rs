//! The manifest as written: TOML with spans, variables, and the minijinja templates in its
//! string values. Errors are reported by the plan constructor, never from here directly.

pub mod error;
pub mod raw;
pub mod schema;
pub mod template;
pub mod vars;

pub use error::{ManifestError, SourceFile, Span};
