//! Process-wide request counters for `/metrics` (Prometheus text format), kept with atomics so
//! recording costs a few nanoseconds per request.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

const BUCKETS_SECONDS: [f64; 9] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2.5];

pub struct Metrics {
    by_class: [AtomicU64; 5],
    buckets: [AtomicU64; BUCKETS_SECONDS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

pub static METRICS: Metrics = Metrics {
    by_class: [const { AtomicU64::new(0) }; 5],
    buckets: [const { AtomicU64::new(0) }; BUCKETS_SECONDS.len()],
    count: AtomicU64::new(0),
    sum_micros: AtomicU64::new(0),
};

impl Metrics {
    pub fn record(&self, status: u16, seconds: f64) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.by_class[class].fetch_add(1, Ordering::Relaxed);
        for (bucket, bound) in self.buckets.iter().zip(BUCKETS_SECONDS) {
            if seconds <= bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
    }

    /// The Prometheus text exposition, with the pool's gauges.
    pub fn render(&self, pool_connections: u32, pool_idle: u32) -> String {
        let mut out = String::new();
        out.push_str("# HELP cosell_http_requests_total HTTP requests answered, by status class.\n");
        out.push_str("# TYPE cosell_http_requests_total counter\n");
        for (i, counter) in self.by_class.iter().enumerate() {
            let _ = writeln!(
                out,
                "cosell_http_requests_total{{status_class=\"{}xx\"}} {}",
                i + 1,
                counter.load(Ordering::Relaxed)
            );
        }
        out.push_str("# HELP cosell_http_request_duration_seconds Time to answer a request.\n");
        out.push_str("# TYPE cosell_http_request_duration_seconds histogram\n");
        for (bucket, bound) in self.buckets.iter().zip(BUCKETS_SECONDS) {
            let _ = writeln!(
                out,
                "cosell_http_request_duration_seconds_bucket{{le=\"{bound}\"}} {}",
                bucket.load(Ordering::Relaxed)
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "cosell_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            out,
            "cosell_http_request_duration_seconds_sum {}",
            self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(out, "cosell_http_request_duration_seconds_count {count}");
        out.push_str("# HELP cosell_db_pool_connections Database connections open (in use and idle).\n");
        out.push_str("# TYPE cosell_db_pool_connections gauge\n");
        let _ = writeln!(out, "cosell_db_pool_connections {pool_connections}");
        out.push_str("# HELP cosell_db_pool_idle_connections Database connections idle.\n");
        out.push_str("# TYPE cosell_db_pool_idle_connections gauge\n");
        let _ = writeln!(out, "cosell_db_pool_idle_connections {pool_idle}");
        out
    }
}
