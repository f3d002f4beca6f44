//! Times: stored as milliseconds since the epoch, shown as RFC 3339 UTC with seconds.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};

/// What time it is, for everything chatd stores or compares (message times, the recall
/// window, token lifetimes, event retention). It reads the system clock; every copy shares
/// one offset that only [`Clock::advance`] changes, so a test moves time forward instead of
/// sleeping across a second or a window. The server itself never advances it.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    ahead_ms: Arc<AtomicI64>,
}

impl Clock {
    /// Milliseconds since the epoch.
    pub fn now_ms(&self) -> i64 {
        Utc::now()
            .timestamp_millis()
            .saturating_add(self.ahead_ms.load(Ordering::Relaxed))
    }

    /// Whole seconds since the epoch.
    pub fn now_secs(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    /// Moves this clock and every copy of it forward by `by`.
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.ahead_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

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

/// A time as the API writes it, in the OpenAPI document (the values are plain `String`s from
/// `rfc3339_ms`/`rfc3339_secs`): RFC 3339 in UTC with `Z`, second precision.
pub struct Timestamp;

impl utoipa::PartialSchema for Timestamp {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::DateTime,
            )))
            .pattern(Some(
                "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$",
            ))
            .description(Some("RFC 3339 in UTC with `Z`, second precision."))
            .examples(["2026-01-15T09:40:00Z"])
            .into()
    }
}

impl utoipa::ToSchema for Timestamp {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_with_z_and_whole_seconds() {
        assert_eq!(rfc3339_ms(1_768_470_000_999), "2026-01-15T09:40:00Z");
        assert_eq!(rfc3339_secs(0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn every_copy_of_a_clock_moves_together() {
        let clock = Clock::default();
        let copy = clock.clone();
        let before = clock.now_ms();
        copy.advance(Duration::from_secs(90));
        assert!(clock.now_ms() >= before + 90_000);
        assert!(
            Clock::default().now_ms() < before + 90_000,
            "others keep system time"
        );
    }
}
