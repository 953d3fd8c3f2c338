//! Simulator settings, built from `slflow sim` arguments or directly by tests.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::cli::SimArgs;

/// Job durations at `--speed 1`, in seconds, by job type or pipeline id. Real SMRT Link takes
/// minutes to hours; these keep the shape (imports quick, analyses slow) but stay short.
const DEFAULT_JOB_SECONDS: &[(&str, f64)] = &[
    ("import-dataset", 5.0),
    ("merge-datasets", 10.0),
    ("delete-job", 3.0),
    ("delete-datasets", 3.0),
    ("analysis", 120.0),
];

/// Seconds for job types missing from the table above.
const OTHER_JOB_SECONDS: f64 = 2.0;

/// Settings of one simulator instance.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Address to bind, e.g. `127.0.0.1:9091`; port 0 picks a free port.
    pub listen: String,
    pub gateway: bool,
    pub tls: bool,
    /// Time multiplier: 10 runs jobs and instruments ten times faster.
    pub speed: f64,
    /// Duration overrides at speed 1, keyed by job type, full pipeline id or short pipeline id;
    /// the key `collection` sets the time one SMRT Cell takes on the simulated instrument.
    pub job_seconds: HashMap<String, f64>,
    /// Failure rates keyed by job type, full pipeline id or short pipeline id; the key
    /// `collection` fails SMRT Cells on the simulated instrument.
    pub fail: HashMap<String, f64>,
    pub error_rate: f64,
    pub reset_rate: f64,
    pub latency: Duration,
    pub token_ttl: Duration,
    pub seed: u64,
    pub data_dir: Option<PathBuf>,
    /// Gateway users as `(login, password)`.
    pub users: Vec<(String, String)>,
    /// Workers that run only quick job types.
    pub quick_workers: usize,
    /// Workers that run any job type.
    pub general_workers: usize,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            listen: "127.0.0.1:0".into(),
            gateway: false,
            tls: false,
            speed: 1.0,
            job_seconds: HashMap::new(),
            fail: HashMap::new(),
            error_rate: 0.0,
            reset_rate: 0.0,
            latency: Duration::ZERO,
            token_ttl: Duration::from_secs(3600),
            seed: 0,
            data_dir: None,
            users: vec![("admin".into(), "admin".into())],
            quick_workers: 4,
            general_workers: 8,
        }
    }
}

impl SimConfig {
    /// Builds the settings from `slflow sim` arguments.
    ///
    /// # Errors
    /// A malformed `TYPE=S`, `PIPELINE=RATE` or `LOGIN=PASSWORD` value, or a rate or speed out
    /// of range.
    pub fn from_args(args: &SimArgs) -> anyhow::Result<SimConfig> {
        let mut config = SimConfig {
            listen: args.listen.clone(),
            gateway: args.gateway,
            tls: args.tls,
            speed: args.speed,
            error_rate: args.error_rate,
            reset_rate: args.reset_rate,
            latency: Duration::from_millis(args.latency),
            token_ttl: Duration::from_secs(args.token_ttl),
            seed: args.seed,
            data_dir: args.data_dir.clone(),
            ..SimConfig::default()
        };
        for item in &args.job_seconds {
            let (key, secs) = parse_pair(item, "--job-seconds", "TYPE=SECONDS")?;
            if secs < 0.0 {
                bail!("invalid --job-seconds `{item}`: seconds must be 0 or more");
            }
            config.job_seconds.insert(key, secs);
        }
        for item in &args.fail {
            let (key, rate) = parse_pair(item, "--fail", "PIPELINE_OR_TYPE=RATE")?;
            config.fail.insert(key, rate);
        }
        if !args.users.is_empty() {
            config.users = args
                .users
                .iter()
                .map(|u| {
                    u.split_once('=')
                        .filter(|(l, _)| !l.is_empty())
                        .map(|(l, p)| (l.to_string(), p.to_string()))
                        .with_context(|| {
                            "invalid --user value: expected LOGIN=PASSWORD (the value is not shown)"
                        })
                })
                .collect::<anyhow::Result<_>>()?;
        }
        config.validate()?;
        Ok(config)
    }

    /// Checks ranges: speed above 0, rates between 0 and 1.
    ///
    /// # Errors
    /// Names the option and the value that is out of range.
    pub fn validate(&self) -> anyhow::Result<()> {
        if !(self.speed.is_finite() && self.speed > 0.0) {
            bail!(
                "invalid --speed {}: it must be a number above 0 (1 = real time)",
                self.speed
            );
        }
        let rates = [
            ("--error-rate", self.error_rate),
            ("--reset-rate", self.reset_rate),
        ];
        for (name, rate) in rates
            .into_iter()
            .chain(self.fail.values().map(|r| ("--fail", *r)))
        {
            if !(0.0..=1.0).contains(&rate) {
                bail!("invalid {name} {rate}: a rate must be between 0 and 1");
            }
        }
        if self.quick_workers + self.general_workers == 0 || self.general_workers == 0 {
            bail!("the simulator needs at least one general worker");
        }
        Ok(())
    }

    /// Returns how long a job runs: the override for its pipeline or type, else the default,
    /// divided by `speed`.
    pub fn job_duration(&self, job_type: &str, pipeline: Option<&str>) -> Duration {
        let secs = lookup(&self.job_seconds, job_type, pipeline)
            .or_else(|| {
                DEFAULT_JOB_SECONDS
                    .iter()
                    .find(|(t, _)| *t == job_type)
                    .map(|(_, s)| *s)
            })
            .unwrap_or(OTHER_JOB_SECONDS);
        self.scaled(secs)
    }

    /// Returns the failure rate configured for a job, 0 when none applies.
    pub fn fail_rate(&self, job_type: &str, pipeline: Option<&str>) -> f64 {
        lookup(&self.fail, job_type, pipeline).unwrap_or(0.0)
    }

    /// Converts seconds at speed 1 into a wall-clock duration at the configured speed.
    pub fn scaled(&self, secs: f64) -> Duration {
        Duration::from_secs_f64((secs / self.speed).max(0.0))
    }
}

/// Finds a value by full pipeline id, short pipeline id (`pb_sat`), then job type.
fn lookup(map: &HashMap<String, f64>, job_type: &str, pipeline: Option<&str>) -> Option<f64> {
    if let Some(p) = pipeline {
        let short = p.rsplit('.').next().unwrap_or(p);
        if let Some(v) = map.get(p).or_else(|| map.get(short)) {
            return Some(*v);
        }
    }
    map.get(job_type).copied()
}

fn parse_pair(item: &str, option: &str, form: &str) -> anyhow::Result<(String, f64)> {
    let (key, value) = item
        .split_once('=')
        .with_context(|| format!("invalid {option} `{item}`: expected {form}"))?;
    let number: f64 = value
        .trim()
        .parse()
        .with_context(|| format!("invalid {option} `{item}`: `{value}` is not a number"))?;
    if key.trim().is_empty() {
        bail!("invalid {option} `{item}`: expected {form}");
    }
    Ok((key.trim().to_string(), number))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duration_prefers_pipeline_then_type() {
        let mut c = SimConfig {
            speed: 2.0,
            ..SimConfig::default()
        };
        c.job_seconds.insert("pb_sat".into(), 10.0);
        c.job_seconds.insert("analysis".into(), 40.0);
        assert_eq!(
            c.job_duration("analysis", Some("cromwell.workflows.pb_sat")),
            Duration::from_secs(5)
        );
        assert_eq!(
            c.job_duration("analysis", Some("cromwell.workflows.pb_ccs")),
            Duration::from_secs(20)
        );
        assert_eq!(
            c.job_duration("import-dataset", None),
            Duration::from_secs_f64(2.5)
        );
        assert_eq!(c.job_duration("hello-world", None), Duration::from_secs(1));
    }

    #[test]
    fn rejects_out_of_range_rates() {
        let c = SimConfig {
            error_rate: 1.5,
            ..SimConfig::default()
        };
        assert!(
            c.validate()
                .unwrap_err()
                .to_string()
                .contains("--error-rate")
        );
        let c = SimConfig {
            speed: 0.0,
            ..SimConfig::default()
        };
        assert!(c.validate().unwrap_err().to_string().contains("--speed"));
    }
}
