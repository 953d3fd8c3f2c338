//! Retry rules: which failures are retried, and the wait before the next attempt.
//!
//! | failure                                   | GET, PUT, DELETE, POST search | other POSTs (job, project, run design creation; submit; terminate) |
//! |-------------------------------------------|-------------------------------|-----------------------------------------------|
//! | connect error (request never sent)        | retried                       | retried                                       |
//! | 429 Too Many Requests (`Retry-After`)     | retried                       | retried                                       |
//! | reset, timeout, 5xx except 501            | retried                       | ambiguous: a job POST with a [`JobTag`](super::JobTag) looks the job up by its tag and re-sends only if none exists; any other POST fails |
//! | 501, other 4xx, untrusted TLS certificate | not retried                   | not retried                                   |
//!
//! A 401 from the gateway is handled by the auth layer (refresh or login, then one more try),
//! not by this policy.

use std::time::Duration;

use rand::Rng;
use reqwest::StatusCode;

use super::config::RetryPolicy;
use super::error::{ApiErrorKind, TransportKind, is_transient_status};

/// Whether sending a request twice is harmless.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Safety {
    /// Reads and idempotent writes: GET, PUT, DELETE and POST searches.
    Idempotent,
    /// POSTs with side effects; the server may have acted on a request whose response was lost.
    Unsafe,
}

/// The decision after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Send the request again after a delay.
    Retry,
    /// The request may have been processed; re-sending it could act twice.
    Ambiguous,
    /// Report the failure.
    Fail,
}

/// Decides whether a failure of a request of this safety class may be retried.
pub(crate) fn verdict(safety: Safety, failure: &ApiErrorKind) -> Verdict {
    let maybe_processed = match failure {
        ApiErrorKind::Transport {
            kind: TransportKind::Connect,
            ..
        } => return Verdict::Retry,
        ApiErrorKind::Status { status, .. } if *status == StatusCode::TOO_MANY_REQUESTS => {
            return Verdict::Retry;
        }
        ApiErrorKind::Transport {
            kind: TransportKind::Reset | TransportKind::Timeout,
            ..
        } => true,
        ApiErrorKind::Status { status, .. } => is_transient_status(*status),
        _ => false,
    };
    match (maybe_processed, safety) {
        (false, _) => Verdict::Fail,
        (true, Safety::Idempotent) => Verdict::Retry,
        (true, Safety::Unsafe) => Verdict::Ambiguous,
    }
}

impl RetryPolicy {
    /// Returns the wait before the next attempt after `failures` failed attempts (1 or more).
    ///
    /// The delay doubles from `initial_delay` and is capped at `max_delay` (a cap with `min`, so
    /// it never grows past it), then jittered to between half and all of that value so that
    /// clients which failed together do not retry together. A `Retry-After` from the server,
    /// capped at `max_retry_after`, is honoured when it is longer.
    pub fn delay(&self, failures: u32, retry_after: Option<Duration>) -> Duration {
        let exponent = failures.saturating_sub(1).min(30);
        let doubled = self.initial_delay.saturating_mul(1u32 << exponent);
        let capped = doubled.min(self.max_delay);
        let half = capped / 2;
        let jitter = rand::rng().random_range(0..=half.as_millis().max(1));
        let backoff = half + Duration::from_millis(u64::try_from(jitter).unwrap_or(u64::MAX));
        match retry_after {
            Some(requested) => backoff.max(requested.min(self.max_retry_after)),
            None => backoff,
        }
    }
}

/// Parses a `Retry-After` header: delay seconds or an HTTP date.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = date.signed_duration_since(chrono::Utc::now());
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16) -> ApiErrorKind {
        ApiErrorKind::Status {
            status: StatusCode::from_u16(code).expect("valid code"),
            message: None,
        }
    }

    #[test]
    fn verdicts_by_safety() {
        assert_eq!(verdict(Safety::Idempotent, &status(503)), Verdict::Retry);
        assert_eq!(verdict(Safety::Unsafe, &status(503)), Verdict::Ambiguous);
        assert_eq!(verdict(Safety::Unsafe, &status(500)), Verdict::Ambiguous);
        assert_eq!(verdict(Safety::Unsafe, &status(429)), Verdict::Retry);
        assert_eq!(verdict(Safety::Idempotent, &status(501)), Verdict::Fail);
        assert_eq!(verdict(Safety::Idempotent, &status(404)), Verdict::Fail);
        assert_eq!(verdict(Safety::Idempotent, &status(422)), Verdict::Fail);
        assert_eq!(verdict(Safety::Idempotent, &status(401)), Verdict::Fail);
    }

    #[test]
    fn delay_doubles_and_is_capped_with_min() {
        let policy = RetryPolicy {
            max_attempts: 10,
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            max_retry_after: Duration::from_secs(5),
        };
        for _ in 0..50 {
            let first = policy.delay(1, None);
            assert!(
                first >= Duration::from_millis(50) && first <= Duration::from_millis(100),
                "{first:?}"
            );
            let third = policy.delay(3, None);
            assert!(
                third >= Duration::from_millis(200) && third <= Duration::from_millis(400),
                "{third:?}"
            );
            // Far beyond the cap the delay stays at or below max_delay.
            let late = policy.delay(40, None);
            assert!(
                late >= Duration::from_millis(500) && late <= Duration::from_millis(1000),
                "{late:?}"
            );
        }
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        let policy = RetryPolicy {
            max_attempts: 3,
            initial_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(20),
            max_retry_after: Duration::from_secs(5),
        };
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(600))),
            Duration::from_secs(5)
        );
    }

    #[test]
    fn retry_after_parses_seconds_and_dates() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        let future = (chrono::Utc::now() + chrono::Duration::seconds(30)).to_rfc2822();
        let wait = parse_retry_after(&future).expect("date parses");
        assert!(
            wait > Duration::from_secs(25) && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
