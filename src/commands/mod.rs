//! One module per subcommand: each turns parsed arguments into library calls and an exit code.

pub mod apply;
pub mod graph;
pub mod plan;
pub mod report;
pub mod schema;
pub mod sim;
pub mod status;
pub mod stdout;
pub mod validate;
