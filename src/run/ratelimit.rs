//! A token-bucket cap on the request rate, shared by everything that polls the server.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Caps requests to `rate` per second with bursts of up to `burst` requests.
#[derive(Debug)]
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    bucket: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    refilled_at: Instant,
}

impl RateLimiter {
    /// Creates a limiter; `rate` is in requests per second and must be positive.
    pub fn new(rate: f64, burst: u32) -> Self {
        let rate = if rate.is_finite() && rate > 0.0 {
            rate
        } else {
            1.0
        };
        let burst = f64::from(burst.max(1));
        RateLimiter {
            rate,
            burst,
            bucket: Mutex::new(Bucket {
                tokens: burst,
                refilled_at: Instant::now(),
            }),
        }
    }

    /// Waits until one request may be sent.
    pub async fn acquire(&self) {
        loop {
            let wait = {
                let mut bucket = self.bucket.lock().unwrap_or_else(|e| e.into_inner());
                let now = Instant::now();
                let elapsed = now.duration_since(bucket.refilled_at).as_secs_f64();
                bucket.tokens = (bucket.tokens + elapsed * self.rate).min(self.burst);
                bucket.refilled_at = now;
                if bucket.tokens >= 1.0 {
                    bucket.tokens -= 1.0;
                    return;
                }
                Duration::from_secs_f64((1.0 - bucket.tokens) / self.rate)
            };
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn limiter_spaces_requests_after_burst() {
        let limiter = RateLimiter::new(10.0, 2);
        let start = Instant::now();
        for _ in 0..12 {
            limiter.acquire().await;
        }
        // Two requests ride the burst; the other ten need 1/10 s each.
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(990), "elapsed {elapsed:?}");
        assert!(
            elapsed <= Duration::from_millis(1100),
            "elapsed {elapsed:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn limiter_allows_burst_at_once() {
        let limiter = RateLimiter::new(1.0, 5);
        let start = Instant::now();
        for _ in 0..5 {
            limiter.acquire().await;
        }
        assert!(start.elapsed() < Duration::from_millis(10));
    }
}
