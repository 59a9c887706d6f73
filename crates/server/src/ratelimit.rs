//! Per-caller token buckets: a burst, then a steady rate. Callers are keyed by
//! their bearer token (hashed) or, before signing in, by their IP address.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

#[derive(Debug, Clone, Copy)]
pub struct RateConfig {
    /// Requests allowed at once.
    pub burst: f64,
    /// Requests refilled per second.
    pub per_second: f64,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

#[derive(Debug)]
pub struct RateLimiter {
    config: RateConfig,
    buckets: Mutex<HashMap<String, Bucket>>,
}

/// Buckets kept before idle ones are swept.
const SWEEP_AT: usize = 100_000;

impl RateLimiter {
    pub fn new(config: RateConfig) -> Self {
        RateLimiter {
            config,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key`; on refusal, the seconds until one is available.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), u64> {
        let RateConfig { burst, per_second } = self.config;
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= SWEEP_AT {
            buckets.retain(|_, b| {
                b.tokens + now.duration_since(b.updated).as_secs_f64() * per_second < burst
            });
        }
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: burst,
            updated: now,
        });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / per_second;
            Err(wait.ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_then_a_steady_rate() {
        let limiter = RateLimiter::new(RateConfig {
            burst: 3.0,
            per_second: 2.0,
        });
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.check("a", t0), Ok(()));
        }
        assert_eq!(limiter.check("a", t0), Err(1));
        // Another caller has a bucket of its own.
        assert_eq!(limiter.check("b", t0), Ok(()));
        // Half a second refills one token.
        assert_eq!(limiter.check("a", t0 + Duration::from_millis(500)), Ok(()));
        assert!(limiter.check("a", t0 + Duration::from_millis(500)).is_err());
    }
}
