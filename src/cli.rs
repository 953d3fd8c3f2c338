//! Command-line definitions (clap) and dispatch to the command implementations.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::commands;
use crate::exit::{Exit, Failure};

/// Run declarative plans against a PacBio SMRT Link server.
#[derive(Debug, Parser)]
#[command(name = "slflow", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    #[command(flatten)]
    pub global: GlobalArgs,
}

/// Options shared by every command.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Increase log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    /// Print only errors
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// When to use colour on stderr (NO_COLOR is honoured with `auto`)
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum OutputFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum GraphFormat {
    #[default]
    Dot,
    Mermaid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthMode {
    /// No authentication (the localhost services port, 9091 by default)
    Local,
    /// The API gateway: password grant at /token, bearer tokens, /SMRTLink/1.0.0 prefix
    Gateway,
}

/// How to read the manifest and fill in its variables.
#[derive(Debug, Clone, Args)]
pub struct ManifestArgs {
    /// Path to the manifest (TOML)
    pub manifest: PathBuf,

    /// Set a variable, overriding [vars] (repeatable): NAME=VALUE
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,

    /// Read variables from a TOML file, overriding [vars]; --var wins over it
    #[arg(long, value_name = "FILE")]
    pub vars_file: Option<PathBuf>,

    /// State file (default: .slflow/<manifest name>.state.json beside the manifest)
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
}

/// How to reach the SMRT Link server.
#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    /// Server base URL, e.g. http://localhost:9091 or https://host:8243 (default: the
    /// SLFLOW_SERVER environment variable, then [server].url; --sim ignores both)
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,

    /// Start the SMRT Link simulator in-process on 127.0.0.1 and use it
    #[arg(long, conflicts_with = "server")]
    pub sim: bool,

    /// Authentication mode (default: gateway for https://...:8243 URLs, local otherwise)
    #[arg(long, value_enum)]
    pub auth: Option<AuthMode>,

    /// User name for the gateway; the password comes from SLFLOW_PASSWORD or --password-stdin
    #[arg(long, env = "SLFLOW_USER", value_name = "NAME")]
    pub user: Option<String>,

    /// Read the password from the first line of standard input
    #[arg(long)]
    pub password_stdin: bool,

    /// Skip TLS certificate verification (prints a warning once)
    #[arg(long)]
    pub insecure: bool,

    /// Trust this PEM CA certificate in addition to the system roots
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse, render, type-check and build the DAG; nothing is contacted
    Validate {
        #[command(flatten)]
        manifest: ManifestArgs,
        /// Output format
        #[arg(long, value_enum, default_value_t)]
        format: OutputFormat,
    },
    /// Show what apply would do, step by step, against saved state
    Plan {
        #[command(flatten)]
        manifest: ManifestArgs,
        /// Output format
        #[arg(long, value_enum, default_value_t)]
        format: OutputFormat,
        /// Exit 0 when there is nothing to do, 2 when there is work to do and 1 on any error, manifest errors included (as Terraform does)
        #[arg(long)]
        detailed_exitcode: bool,
    },
    /// Run the plan against the server
    #[command(alias = "run")]
    Apply(ApplyArgs),
    /// Print the saved state of the last run
    Status {
        #[command(flatten)]
        manifest: ManifestArgs,
        /// Output format
        #[arg(long, value_enum, default_value_t)]
        format: OutputFormat,
    },
    /// Draw the DAG as DOT or Mermaid
    Graph {
        #[command(flatten)]
        manifest: ManifestArgs,
        /// Output format
        #[arg(long, value_enum, default_value_t)]
        format: GraphFormat,
    },
    /// Write JUnit, JSON, HTML or CSV reports from saved state
    Report(ReportArgs),
    /// Serve the SMRT Link simulator
    Sim(SimArgs),
    /// Print the JSON Schema of the manifest
    Schema,
    /// Print a shell completion script
    Completions {
        /// Target shell
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub manifest: ManifestArgs,
    #[command(flatten)]
    pub server: ServerArgs,
    /// Maximum number of steps running at once
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..))]
    pub concurrency: u32,
    /// Keep running independent branches after a step fails
    #[arg(long)]
    pub keep_going: bool,
    /// Run only this step and what it needs (repeatable)
    #[arg(long = "target", value_name = "STEP")]
    pub targets: Vec<String>,
    /// Write a JUnit XML report to FILE
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write the full result as JSON to FILE
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write a self-contained HTML report to FILE
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// On Ctrl-C, terminate the server jobs in flight instead of leaving them running
    #[arg(long)]
    pub cancel_on_interrupt: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub manifest: ManifestArgs,
    /// Write a JUnit XML report to FILE
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write the full result as JSON to FILE
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write a self-contained HTML report to FILE
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Write the metrics as CSV to FILE
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct SimArgs {
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1:9091", value_name = "ADDR")]
    pub listen: String,
    /// Serve the API gateway: /token, bearer auth, /SMRTLink/1.0.0 prefix
    #[arg(long)]
    pub gateway: bool,
    /// Serve HTTPS with a self-signed certificate generated at start
    #[arg(long)]
    pub tls: bool,
    /// Time multiplier for job and instrument durations (10 = ten times faster)
    #[arg(long, default_value_t = 1.0, value_name = "F")]
    pub speed: f64,
    /// Duration of a job type in seconds before --speed (repeatable): TYPE=S
    #[arg(long = "job-seconds", value_name = "TYPE=S")]
    pub job_seconds: Vec<String>,
    /// Fail this fraction of jobs of a pipeline or job type (repeatable): PIPELINE_OR_TYPE=RATE
    #[arg(long = "fail", value_name = "PIPELINE_OR_TYPE=RATE")]
    pub fail: Vec<String>,
    /// Fraction of requests answered with a 5xx error
    #[arg(long, default_value_t = 0.0, value_name = "R")]
    pub error_rate: f64,
    /// Fraction of connections dropped without a response
    #[arg(long, default_value_t = 0.0, value_name = "R")]
    pub reset_rate: f64,
    /// Added latency per request, in milliseconds
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub latency: u64,
    /// Lifetime of gateway access tokens, in seconds
    #[arg(long, default_value_t = 3600, value_name = "S")]
    pub token_ttl: u64,
    /// Seed for every random choice (job outcomes, faults, ids)
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub seed: u64,
    /// Persist the store in DIR and reload it on start
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Gateway user (repeatable): LOGIN=PASSWORD; default admin/admin
    #[arg(long = "user", value_name = "LOGIN=PASSWORD")]
    pub users: Vec<String>,
}

/// Parses the process arguments, runs the command and returns the exit code.
pub fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    crate::logging::init(&cli.global);
    match dispatch(cli) {
        Ok(exit) => exit.into(),
        Err(failure) => {
            crate::logging::print_failure(&failure);
            failure.exit.into()
        }
    }
}

/// Runs one parsed command.
pub fn dispatch(cli: Cli) -> Result<Exit, Failure> {
    let global = cli.global;
    match cli.command {
        Command::Validate { manifest, format } => {
            commands::validate::run(&global, &manifest, format)
        }
        Command::Plan {
            manifest,
            format,
            detailed_exitcode,
        } => commands::plan::run(&global, &manifest, format, detailed_exitcode),
        Command::Apply(args) => commands::apply::run(&global, args),
        Command::Status { manifest, format } => commands::status::run(&global, &manifest, format),
        Command::Graph { manifest, format } => commands::graph::run(&global, &manifest, format),
        Command::Report(args) => commands::report::run(&global, args),
        Command::Sim(args) => commands::sim::run(&global, args),
        Command::Schema => commands::schema::run(&global),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut cmd = Cli::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "slflow", &mut script);
            commands::stdout::write_stdout_bytes(&script)?;
            Ok(Exit::Success)
        }
    }
}
