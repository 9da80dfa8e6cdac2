//! `GET /metrics`: counters in the Prometheus text exposition format (version 0.0.4).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use crate::service::CacheStats;

/// Upper bounds of the check-duration histogram, in seconds: from a cached check on a fast
/// network to a zone whose servers are waited out.
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// What `serve` counts.
#[derive(Debug)]
pub struct Metrics {
    /// Checks finished, by check kind and verdict (checks run; reports given again are
    /// counted by the report cache).
    checks: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
    /// Checks running now.
    in_flight: AtomicI64,
    /// Histogram of check durations: a count per bucket (not cumulative), then +Inf.
    buckets: [AtomicU64; BUCKETS.len() + 1],
    duration_micros: AtomicU64,
    /// Requests answered, by status code (index: the code less 100): counted without a lock,
    /// since every request counts its response.
    responses: Box<[AtomicU64; STATUS_CODES]>,
}

/// HTTP status codes are 100 to 999.
const STATUS_CODES: usize = 900;

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            checks: Mutex::default(),
            in_flight: AtomicI64::default(),
            buckets: Default::default(),
            duration_micros: AtomicU64::default(),
            responses: Box::new(std::array::from_fn(|_| AtomicU64::new(0))),
        }
    }
}

/// Marks a check as running until dropped (so a cancelled check, its client gone, is counted
/// out too).
pub struct InFlight<'a>(&'a Metrics);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    /// Counts a check as running until the guard is dropped.
    pub fn start_check(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self)
    }

    /// Counts a finished check.
    pub fn finished_check(&self, check: &'static str, verdict: &'static str, took: Duration) {
        *lock(&self.checks).entry((check, verdict)).or_default() += 1;
        let seconds = took.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(BUCKETS.len());
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.duration_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// Counts a response.
    pub fn responded(&self, status: u16) {
        if let Some(count) = usize::from(status)
            .checked_sub(100)
            .and_then(|at| self.responses.get(at))
        {
            count.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The exposition text; `queries` is the checker's count of queries sent, `cache` the
    /// report cache's counts.
    pub fn render(&self, queries: u64, cache: &CacheStats) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = self.write(&mut out, queries, cache);
        out
    }

    fn write(&self, out: &mut String, queries: u64, cache: &CacheStats) -> std::fmt::Result {
        writeln!(
            out,
            "# HELP dkim_doctor_checks_total Checks finished, by check and verdict."
        )?;
        writeln!(out, "# TYPE dkim_doctor_checks_total counter")?;
        for ((check, verdict), count) in lock(&self.checks).iter() {
            writeln!(
                out,
                "dkim_doctor_checks_total{{check=\"{check}\",verdict=\"{verdict}\"}} {count}"
            )?;
        }
        writeln!(
            out,
            "# HELP dkim_doctor_queries_total DNS queries sent (a question to a server counted once, whatever its retries)."
        )?;
        writeln!(out, "# TYPE dkim_doctor_queries_total counter")?;
        writeln!(out, "dkim_doctor_queries_total {queries}")?;
        writeln!(
            out,
            "# HELP dkim_doctor_checks_in_flight Checks running now."
        )?;
        writeln!(out, "# TYPE dkim_doctor_checks_in_flight gauge")?;
        writeln!(
            out,
            "dkim_doctor_checks_in_flight {}",
            self.in_flight.load(Ordering::Relaxed).max(0)
        )?;
        writeln!(
            out,
            "# HELP dkim_doctor_check_duration_seconds Wall time of a check, from request to report."
        )?;
        writeln!(out, "# TYPE dkim_doctor_check_duration_seconds histogram")?;
        let mut cumulative = 0;
        for (bound, count) in BUCKETS.iter().zip(&self.buckets) {
            cumulative += count.load(Ordering::Relaxed);
            writeln!(
                out,
                "dkim_doctor_check_duration_seconds_bucket{{le=\"{bound}\"}} {cumulative}"
            )?;
        }
        cumulative += self.buckets[BUCKETS.len()].load(Ordering::Relaxed);
        writeln!(
            out,
            "dkim_doctor_check_duration_seconds_bucket{{le=\"+Inf\"}} {cumulative}"
        )?;
        let sum = self.duration_micros.load(Ordering::Relaxed) as f64 / 1e6;
        writeln!(out, "dkim_doctor_check_duration_seconds_sum {sum}")?;
        writeln!(out, "dkim_doctor_check_duration_seconds_count {cumulative}")?;
        writeln!(
            out,
            "# HELP dkim_doctor_report_cache_total Check requests by where their report came from: kept (hit), an identical check running (joined), or a check of their own (miss)."
        )?;
        writeln!(out, "# TYPE dkim_doctor_report_cache_total counter")?;
        for (result, count) in [
            ("hit", cache.hits),
            ("joined", cache.joined),
            ("miss", cache.misses),
        ] {
            writeln!(
                out,
                "dkim_doctor_report_cache_total{{result=\"{result}\"}} {count}"
            )?;
        }
        writeln!(
            out,
            "# HELP dkim_doctor_report_cache_entries Reports kept now (at most --cache-entries)."
        )?;
        writeln!(out, "# TYPE dkim_doctor_report_cache_entries gauge")?;
        writeln!(out, "dkim_doctor_report_cache_entries {}", cache.entries)?;
        writeln!(
            out,
            "# HELP dkim_doctor_http_responses_total HTTP responses, by status code."
        )?;
        writeln!(out, "# TYPE dkim_doctor_http_responses_total counter")?;
        let answered = self.responses.iter().enumerate().filter_map(|(at, count)| {
            let count = count.load(Ordering::Relaxed);
            (count > 0).then_some((at + 100, count))
        });
        for (status, count) in answered {
            writeln!(
                out,
                "dkim_doctor_http_responses_total{{code=\"{status}\"}} {count}"
            )?;
        }
        Ok(())
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Each update is one increment: a poisoned lock still holds consistent counts.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_is_cumulative_and_counts_match() {
        let metrics = Metrics::default();
        metrics.finished_check("ses", "pass", Duration::from_millis(3));
        metrics.finished_check("ses", "fail", Duration::from_millis(300));
        metrics.finished_check("selector", "pass", Duration::from_secs(100));
        {
            let _running = metrics.start_check();
            assert!(metrics
                .render(0, &CacheStats::default())
                .contains("dkim_doctor_checks_in_flight 1\n"));
        }
        let cache = CacheStats {
            hits: 5,
            joined: 2,
            misses: 3,
            entries: 1,
        };
        let text = metrics.render(42, &cache);
        assert!(text.contains("dkim_doctor_report_cache_total{result=\"hit\"} 5\n"));
        assert!(text.contains("dkim_doctor_report_cache_total{result=\"joined\"} 2\n"));
        assert!(text.contains("dkim_doctor_report_cache_total{result=\"miss\"} 3\n"));
        assert!(text.contains("dkim_doctor_report_cache_entries 1\n"));
        assert!(text.contains("dkim_doctor_checks_in_flight 0\n"), "{text}");
        assert!(text.contains("dkim_doctor_queries_total 42\n"));
        assert!(text.contains("dkim_doctor_checks_total{check=\"ses\",verdict=\"fail\"} 1\n"));
        assert!(text.contains("dkim_doctor_check_duration_seconds_bucket{le=\"0.005\"} 1\n"));
        assert!(text.contains("dkim_doctor_check_duration_seconds_bucket{le=\"0.5\"} 2\n"));
        assert!(text.contains("dkim_doctor_check_duration_seconds_bucket{le=\"30\"} 2\n"));
        assert!(text.contains("dkim_doctor_check_duration_seconds_bucket{le=\"+Inf\"} 3\n"));
        assert!(text.contains("dkim_doctor_check_duration_seconds_count 3\n"));
    }

    #[test]
    fn responses_are_counted_by_status_in_order() {
        let metrics = Metrics::default();
        for status in [429, 200, 200, 999, 100] {
            metrics.responded(status);
        }
        // Not a status code: not counted, and no panic.
        metrics.responded(42);
        metrics.responded(1000);
        let text = metrics.render(0, &CacheStats::default());
        let lines: Vec<&str> = text
            .lines()
            .filter(|line| line.starts_with("dkim_doctor_http_responses_total{"))
            .collect();
        assert_eq!(
            lines,
            [
                "dkim_doctor_http_responses_total{code=\"100\"} 1",
                "dkim_doctor_http_responses_total{code=\"200\"} 2",
                "dkim_doctor_http_responses_total{code=\"429\"} 1",
                "dkim_doctor_http_responses_total{code=\"999\"} 1",
            ]
        );
    }
}
