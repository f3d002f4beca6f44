//! chatd's own settings, read from the same figment as Rocket's (`Rocket.toml`, profiles,
//! `ROCKET_<KEY>` environment overrides). Each test builds its own figment, so there is no
//! global configuration anywhere.

use std::path::PathBuf;

use rocket::figment::Figment;
use serde::Deserialize;

/// Keys of API.md §9. Every key has a default, so an empty `Rocket.toml` is valid.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Config {
    pub database_path: PathBuf,
    pub jwt_secret: Option<Secret>,
    pub token_ttl_secs: u64,
    pub recall_window_secs: u64,
    pub max_message_chars: usize,
    pub max_group_members: usize,
    pub allow_registration: bool,
    pub require_friendship: bool,
    pub event_retention_secs: u64,
    /// Seconds between `: ping` comments on an idle event stream (at most 15).
    pub event_heartbeat_secs: u64,
    /// Connections in the read pool (the writer is one extra connection).
    pub db_readers: u32,
    /// SQLite `synchronous` for the writer: `full` (default; a write survives power loss)
    /// or `normal` (survives a crash of chatd, may lose the last commits on power loss).
    pub sqlite_synchronous: Synchronous,
    /// Scheduled backups (off unless `backup_interval_secs` > 0): where, how often, and how
    /// many to keep (older ones in that folder are deleted).
    pub backup_dir: Option<PathBuf>,
    pub backup_interval_secs: u64,
    pub backup_keep: usize,
    /// Requests per client address or per user (README, "Limits").
    pub rate_limits: RateLimits,
    /// Event streams one user may hold open at once.
    pub max_streams_per_user: usize,
    /// Password hashes computed at once (0: one per CPU core) and waiting at most; beyond
    /// that a login or sign-up is answered `429` at once.
    pub hash_concurrency: usize,
    pub hash_queue: usize,
    /// Writes that add data are refused (`507`) while the database's disk has less free space.
    pub min_free_disk_mb: u64,
    /// Peers whose `proxy_header` names the client (a reverse proxy on this machine, say).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    pub proxy_header: String,
    /// Open connections at most (0: three quarters of the file-descriptor limit).
    pub max_connections: usize,
    /// A request head (and an idle keep-alive connection's next one) must arrive within this.
    pub header_timeout_secs: u64,
    /// A request body must arrive within this.
    pub body_timeout_secs: u64,
    /// Uploaded files, content-addressed (default: `media/` beside the database).
    pub media_dir: Option<PathBuf>,
    /// The largest upload (`413 文件过大` beyond; nothing is kept).
    pub max_upload_bytes: u64,
    /// Images with more pixels are kept as files, never decoded.
    pub max_image_pixels: u64,
    /// Uploads nothing references after this long are deleted.
    pub upload_orphan_secs: u64,
    /// How often the server looks for such uploads.
    pub media_sweep_secs: u64,
    /// How long a signed file URL works.
    pub file_url_ttl_secs: u64,
    /// Where people open the web app (`https://chat.home.arpa:8443`): notifications link to
    /// a conversation under it. Without it they carry no link.
    pub public_url: Option<String>,
    /// `"none"` (default): chatd checkpoints its WAL itself. `"litestream"`: chatd runs
    /// under `litestream replicate -exec` and leaves checkpoints to it (README, "Replication").
    pub replication: Replication,
}

/// Who checkpoints the WAL (`replication`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Replication {
    /// chatd: SQLite's automatic checkpoints, a `TRUNCATE` checkpoint after a recall (so the
    /// text leaves the WAL file at once) and at exit.
    #[default]
    None,
    /// Litestream, per its guidance: `wal_autocheckpoint = 0` and no checkpoint of chatd's
    /// own, so no WAL frame is folded away before Litestream has copied it. The busy timeout
    /// stays.
    Litestream,
}

/// SQLite's `synchronous` for the writer (`sqlite_synchronous`): `"full"` or `"normal"`;
/// anything else stops the server at start with figment's "unknown variant" message naming
/// the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Synchronous {
    /// A commit is on disk before it is acknowledged: survives power loss.
    Full,
    /// Survives a crash of chatd; the last commits may be lost on power loss.
    Normal,
}

impl Synchronous {
    /// The pragma's value.
    pub fn pragma(self) -> &'static str {
        match self {
            Synchronous::Full => "FULL",
            Synchronous::Normal => "NORMAL",
        }
    }
}

/// A secret setting: deserialized like a string, never shown by `Debug` (so a logged or
/// printed `Config` cannot leak it).
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself, for the one place that uses it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// How often one client may do one thing: `"N/second"`, `"N/minute"`, `"N/hour"` (a burst of
/// N, refilled evenly over the period), or `"off"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum Rate {
    Off,
    Every {
        count: std::num::NonZeroU32,
        period: std::time::Duration,
    },
}

impl TryFrom<String> for Rate {
    type Error = String;

    fn try_from(text: String) -> Result<Rate, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("off") {
            return Ok(Rate::Off);
        }
        let bad = || format!("{text:?} is not \"off\" or \"N/second|minute|hour\"");
        let (count, unit) = text.split_once('/').ok_or_else(bad)?;
        let count = count.trim().parse().map_err(|_| bad())?;
        let secs = match unit.trim() {
            "s" | "sec" | "second" => 1,
            "m" | "min" | "minute" => 60,
            "h" | "hour" => 3600,
            _ => return Err(bad()),
        };
        Ok(Rate::Every {
            count,
            period: std::time::Duration::from_secs(secs),
        })
    }
}

/// Per client address: `register`, `login` (besides the per-name lock of API.md §2),
/// `ticket`. Per user: the rest.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct RateLimits {
    pub register: Rate,
    pub login: Rate,
    pub ticket: Rate,
    pub send: Rate,
    pub create_group: Rate,
    pub friend_request: Rate,
}

impl Default for RateLimits {
    fn default() -> Self {
        let rate = |count: u32, secs: u64| Rate::Every {
            count: std::num::NonZeroU32::new(count).unwrap_or(std::num::NonZeroU32::MIN),
            period: std::time::Duration::from_secs(secs),
        };
        RateLimits {
            register: rate(10, 3600),
            login: rate(30, 60),
            ticket: rate(60, 60),
            send: rate(120, 60),
            create_group: rate(20, 3600),
            friend_request: rate(60, 3600),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_path: PathBuf::from("data/chat.db"),
            jwt_secret: None,
            token_ttl_secs: 604_800,
            recall_window_secs: 120,
            max_message_chars: 5000,
            max_group_members: 500,
            allow_registration: true,
            require_friendship: true,
            event_retention_secs: 604_800,
            event_heartbeat_secs: 15,
            db_readers: 8,
            sqlite_synchronous: Synchronous::Full,
            backup_dir: None,
            backup_interval_secs: 0,
            backup_keep: 7,
            rate_limits: RateLimits::default(),
            max_streams_per_user: 20,
            hash_concurrency: 0,
            hash_queue: 32,
            min_free_disk_mb: 512,
            trusted_proxies: Vec::new(),
            proxy_header: "X-Forwarded-For".into(),
            max_connections: 0,
            header_timeout_secs: 10,
            body_timeout_secs: 30,
            media_dir: None,
            max_upload_bytes: 100 * 1024 * 1024,
            max_image_pixels: 50_000_000,
            upload_orphan_secs: 86_400,
            media_sweep_secs: 3600,
            file_url_ttl_secs: 86_400,
            public_url: None,
            replication: Replication::None,
        }
    }
}

/// A file kept beside the database: `<database file><suffix>` (`chat.db.jwt-secret`,
/// `chat.db.vapid-key`, `chat.db.lock`).
pub fn beside(database: &std::path::Path, suffix: &str) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Whether `text` is an absolute `http://` or `https://` URL with a host (at most 512
/// characters, no white space).
pub fn is_web_url(text: &str) -> bool {
    if text.len() > 512 || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    match text.parse::<ureq::http::Uri>() {
        Ok(uri) => {
            matches!(uri.scheme_str(), Some("http" | "https"))
                && uri.host().is_some_and(|h| !h.is_empty())
        }
        Err(_) => false,
    }
}

/// Request bodies larger than this are refused with `413 请求体过大` (API.md §1).
pub const BODY_LIMIT: u64 = 64 * 1024;

impl Config {
    /// Extracts and checks the settings; the error says which key is wrong and why.
    pub fn from_figment(figment: &Figment) -> Result<Config, String> {
        // Rocket's own keys (`port`, `address`, …) too, before anything is opened or created:
        // its own error would only say "failed to extract configuration".
        figment
            .extract::<rocket::Config>()
            .map_err(|e| format!("invalid configuration: {e}"))?;
        let config: Config = figment
            .extract()
            .map_err(|e| format!("invalid configuration: {e}"))?;
        config.validate()?;
        Ok(config)
    }

    /// Where uploads live: `media_dir`, or `media/` beside the database.
    pub fn media_path(&self) -> PathBuf {
        self.media_dir.clone().unwrap_or_else(|| {
            self.database_path
                .parent()
                .unwrap_or(std::path::Path::new(""))
                .join("media")
        })
    }

    fn validate(&self) -> Result<(), String> {
        let bad = |key: &str, why: &str| Err(format!("invalid configuration: `{key}` {why}"));
        if self.database_path.as_os_str().is_empty() {
            return bad("database_path", "must not be empty");
        }
        if let Some(secret) = &self.jwt_secret {
            if secret.expose().len() < 32 {
                return bad("jwt_secret", "must be at least 32 characters long");
            }
        }
        if self.token_ttl_secs == 0 {
            return bad("token_ttl_secs", "must be greater than 0");
        }
        if self.max_message_chars == 0 {
            return bad("max_message_chars", "must be greater than 0");
        }
        if self.max_group_members < 2 {
            return bad("max_group_members", "must be at least 2");
        }
        if !(1..=15).contains(&self.event_heartbeat_secs) {
            return bad("event_heartbeat_secs", "must be between 1 and 15");
        }
        if self.backup_interval_secs > 0 && self.backup_keep == 0 {
            return bad(
                "backup_keep",
                "must be at least 1 when scheduled backups are on",
            );
        }
        if self.max_upload_bytes == 0 {
            return bad("max_upload_bytes", "must be greater than 0");
        }
        if self.media_sweep_secs == 0 {
            return bad("media_sweep_secs", "must be greater than 0");
        }
        if self.file_url_ttl_secs == 0 {
            return bad("file_url_ttl_secs", "must be greater than 0");
        }
        if self.db_readers == 0 {
            return bad("db_readers", "must be at least 1");
        }
        if self.public_url.as_deref().is_some_and(|u| !is_web_url(u)) {
            return bad("public_url", "must be an http:// or https:// address");
        }
        if self.max_streams_per_user == 0 {
            return bad("max_streams_per_user", "must be at least 1");
        }
        if self.hash_queue == 0 {
            return bad("hash_queue", "must be at least 1");
        }
        if self.header_timeout_secs == 0 || self.body_timeout_secs == 0 {
            return bad(
                "header_timeout_secs and body_timeout_secs",
                "must be greater than 0",
            );
        }
        if !matches!(
            self.proxy_header.to_ascii_lowercase().as_str(),
            "x-forwarded-for" | "x-real-ip"
        ) {
            return bad(
                "proxy_header",
                "must be \"X-Forwarded-For\" or \"X-Real-IP\"",
            );
        }
        Ok(())
    }
}

/// The figment chatd runs with: Rocket's (Rocket.toml + `ROCKET_*`) plus chatd's defaults for
/// Rocket keys that the contract fixes (the 64 KiB body limit, quiet built-in logging).
pub fn figment() -> Figment {
    base_figment(rocket::Config::figment())
}

/// Applies chatd's fixed Rocket settings on top of any figment (tests pass their own).
pub fn base_figment(figment: Figment) -> Figment {
    use rocket::data::{Limits, ToByteUnit};
    let limits = Limits::default()
        .limit("json", BODY_LIMIT.bytes())
        .limit("bytes", BODY_LIMIT.bytes())
        .limit("string", BODY_LIMIT.bytes());
    figment
        .merge(("limits", limits))
        // Requests are logged by our own tracing fairing (without headers or bodies).
        .merge(("log_level", rocket::config::LogLevel::Off))
        .merge(("cli_colors", false))
        // Rocket would take X-Real-IP from anyone; chatd trusts only `trusted_proxies`.
        .merge(("ip_header", false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_jwt_secret() {
        let config = Config {
            jwt_secret: Some(Secret::new("a-very-secret-value-of-32-characters!")),
            ..Config::default()
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("a-very-secret"), "{shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
    }
}
