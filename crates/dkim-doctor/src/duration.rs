//! Durations as people type them (`800ms`, `2s`, `1.5s`, `5m`, `1h`, a bare number meaning
//! seconds) and as they read them back (`2 days`, `5 minutes`).

use std::time::Duration;

/// Parses `800ms`, `2s`, `1.5s`, `5m`, `1h` or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration (try 500ms, 2s, 5m or 1h)"))?;
    let seconds_per_unit = match unit.trim() {
        "ms" => 0.001,
        "" | "s" | "sec" | "secs" => 1.0,
        "m" | "min" | "mins" => 60.0,
        "h" => 3600.0,
        other => {
            return Err(format!(
                "{other:?} is not a unit of time in {text:?} (use ms, s, m or h)"
            ))
        }
    };
    let seconds = value * seconds_per_unit;
    // Bound before converting: Duration::from_secs_f64 panics on huge values.
    if !seconds.is_finite() || seconds > 86_400.0 * 7.0 {
        return Err(format!("{text:?} is longer than a week"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// A number of seconds in words a non-expert reads at a glance: `45 seconds`, `5 minutes`,
/// `2 hours 30 minutes`, `2 days`.
pub fn human_seconds(seconds: u32) -> String {
    let s = u64::from(seconds);
    let plural = |n: u64, unit: &str| {
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    match s {
        0..=119 => plural(s, "second"),
        120..=7_199 => plural(s / 60, "minute"),
        7_200..=172_799 => {
            let (h, m) = (s / 3600, (s % 3600) / 60);
            if m == 0 {
                plural(h, "hour")
            } else {
                format!("{} {}", plural(h, "hour"), plural(m, "minute"))
            }
        }
        _ => plural(s / 86_400, "day"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_forms() {
        assert_eq!(parse_duration("800ms"), Ok(Duration::from_millis(800)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
    }

    #[test]
    fn refuses_garbage_without_panicking() {
        for bad in [
            "",
            "s",
            "2x",
            "1e999",
            "99999999999999999999h",
            "-1s",
            "1..2s",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn reads_back_in_words() {
        assert_eq!(human_seconds(1), "1 second");
        assert_eq!(human_seconds(90), "90 seconds");
        assert_eq!(human_seconds(300), "5 minutes");
        assert_eq!(human_seconds(3600), "60 minutes");
        assert_eq!(human_seconds(9000), "2 hours 30 minutes");
        assert_eq!(human_seconds(172_800), "2 days");
    }
}
