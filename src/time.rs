//! Times: stored as milliseconds since the epoch, shown as RFC 3339 UTC with seconds.

use chrono::{DateTime, SecondsFormat, Utc};

/// `2026-01-15T09:40:00Z` from milliseconds since the epoch.
pub fn rfc3339_ms(ms: i64) -> String {
    rfc3339_secs(ms.div_euclid(1000))
}

/// `2026-01-15T09:40:00Z` from seconds since the epoch.
pub fn rfc3339_secs(secs: i64) -> String {
    DateTime::<Utc>::from_timestamp(secs, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_with_z_and_whole_seconds() {
        assert_eq!(rfc3339_ms(1_768_470_000_999), "2026-01-15T09:40:00Z");
        assert_eq!(rfc3339_secs(0), "1970-01-01T00:00:00Z");
    }
}
